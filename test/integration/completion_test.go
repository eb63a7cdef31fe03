package integration

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
)

// completions runs `kubectl netdoctor __complete ARGS...` as the shell scripts of
// `kubectl netdoctor completion SHELL` do, and returns the offered words and the
// directive line.
func completions(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	r := runNetdoctor(t, append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if r.code != 0 {
		t.Fatalf("__complete %v: exit code %d\n%s%s", args, r.code, r.out, r.errOut)
	}
	var words []string
	directive := ""
	for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
		if strings.HasPrefix(line, ":") {
			directive = line
			continue
		}
		if line != "" {
			words = append(words, line)
		}
	}
	return words, directive
}

func TestCompletionOfServiceNames(t *testing.T) {
	t.Parallel()
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", "healthy.yaml"))
	noFiles := ":4" // cobra.ShellCompDirectiveNoFileComp

	words, directive := completions(t, "svc", "--kubeconfig", adminKubeconfig, "-n", ns, "")
	if !slices.Equal(words, []string{"payments"}) || directive != noFiles {
		t.Errorf("svc <TAB> in %s: got %v %s, want [payments] %s", ns, words, directive, noFiles)
	}
	words, _ = completions(t, "svc", "--kubeconfig", adminKubeconfig, "-n", ns, "pay")
	if !slices.Equal(words, []string{"payments"}) {
		t.Errorf("svc pay<TAB>: got %v, want [payments]", words)
	}
	words, _ = completions(t, "svc", "--kubeconfig", adminKubeconfig, "-n", ns, "x")
	if len(words) != 0 {
		t.Errorf("svc x<TAB>: got %v, want nothing", words)
	}
	// The namespace matters: another namespace has no payments Service.
	other := newNamespace(t, "it-empty")
	words, _ = completions(t, "svc", "--kubeconfig", adminKubeconfig, "-n", other, "")
	if len(words) != 0 {
		t.Errorf("svc <TAB> in empty namespace %s: got %v", other, words)
	}
	// Only the first argument is a Service name.
	words, _ = completions(t, "svc", "--kubeconfig", adminKubeconfig, "-n", ns, "payments", "")
	if len(words) != 0 {
		t.Errorf("svc payments <TAB>: got %v, want nothing", words)
	}
}

// TestCompletionWithoutAccess: a user who may not list Services gets no names, and the
// shell gets no error text to print into the command line.
func TestCompletionWithoutAccess(t *testing.T) {
	t.Parallel()
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", "healthy.yaml"))
	kubeconfig := userWithRole(t, ns, "completion-pods-only", "pods")
	words, directive := completions(t, "svc", "--kubeconfig", kubeconfig, "-n", ns, "")
	if len(words) != 0 || directive != ":4" {
		t.Errorf("got %v %s, want no words and :4", words, directive)
	}
}

// TestCompletionHelpers covers the kinds other commands complete with the exported
// helpers: Ingress, pod, workload and route names, and the KIND/NAME form.
func TestCompletionHelpers(t *testing.T) {
	t.Parallel()
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", "healthy.yaml"))
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: ns},
		Spec: networkingv1.IngressSpec{DefaultBackend: &networkingv1.IngressBackend{
			Service: &networkingv1.IngressServiceBackend{Name: "payments", Port: networkingv1.ServiceBackendPort{Name: "http"}}}}}
	if err := k8sClient.Create(ctx(t), ing); err != nil {
		t.Fatal(err)
	}
	wantRoutes := []string{}
	if gatewayAPIServed(t) {
		route := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
			"metadata": map[string]any{"name": "checkout", "namespace": ns},
			"spec":     map[string]any{},
		}}
		if err := k8sClient.Create(ctx(t), route); err != nil {
			t.Fatal(err)
		}
		wantRoutes = []string{"checkout"}
	}
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &adminKubeconfig
	flags.Namespace = &ns

	for kind, want := range map[string][]string{
		cmd.CompleteService:    {"payments"},
		cmd.CompleteIngress:    {"shop"},
		cmd.CompletePod:        {"payments-7c9d-abcde", "payments-7c9d-fghij", "payments-7c9d-klmno"},
		cmd.CompleteDeployment: {},
		cmd.CompleteRoute:      wantRoutes,
	} {
		got, err := cmd.ListNames(context.Background(), flags, nil, kind)
		if err != nil {
			t.Errorf("ListNames(%s): %v", kind, err)
		}
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("ListNames(%s) = %v, want %v", kind, got, want)
		}
	}

	refs := cmd.CompleteObjectRefs(flags, 2, cmd.CompletePod, cmd.CompleteDeployment, cmd.CompleteService)
	c := &cobra.Command{}
	if got, d := refs(c, nil, ""); !slices.Equal(got, []string{"pod/", "deploy/", "svc/"}) || d&cobra.ShellCompDirectiveNoSpace == 0 {
		t.Errorf("refs <TAB> = %v %d, want the kinds without a trailing space", got, d)
	}
	if got, _ := refs(c, []string{"pod/x"}, "svc/p"); !slices.Equal(got, []string{"svc/payments"}) {
		t.Errorf("refs svc/p<TAB> = %v, want [svc/payments]", got)
	}
	if got, _ := refs(c, nil, "pod/payments-7c9d-k"); !slices.Equal(got, []string{"pod/payments-7c9d-klmno"}) {
		t.Errorf("refs pod/payments-7c9d-k<TAB> = %v", got)
	}
	if got, _ := refs(c, []string{"a", "b"}, ""); len(got) != 0 {
		t.Errorf("a third argument completed: %v", got)
	}
}

func gatewayAPIServed(t *testing.T) bool {
	t.Helper()
	groups, err := clientset.Discovery().ServerGroups()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups.Groups {
		if g.Name == "gateway.networking.k8s.io" {
			return true
		}
	}
	return false
}

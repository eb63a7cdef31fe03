package integration

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// tenantKinds is what a team's namespace Role typically grants a viewer.
var tenantKinds = []string{"services", "pods", "discovery.k8s.io/endpointslices", "apps/statefulsets",
	"apps/deployments", "apps/replicasets", "networking.k8s.io/networkpolicies", "networking.k8s.io/ingresses"}

// tenantUser is a user who may list the Namespaces (and read the Nodes and
// IngressClasses) cluster-wide, and read tenantKinds only in the namespaces given.
func tenantUser(t *testing.T, name string, namespaces ...string) string {
	t.Helper()
	clusterRole := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name},
		Rules: readRules([]string{"namespaces", "nodes", "networking.k8s.io/ingressclasses"})}
	clusterBinding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}, Subjects: subjectUser(name)}
	for _, obj := range []client.Object{clusterRole, clusterBinding} {
		if err := k8sClient.Create(ctx(t), obj); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = k8sClient.Delete(context.Background(), obj) })
	}
	for _, ns := range namespaces {
		grantRole(t, ns, name, tenantKinds...)
	}
	return kubeconfigOf(t, name)
}

// TestScanAllAsTenant: scan -A by a user who may list pods only in some namespaces
// diagnoses those namespaces, names each refused one in a PermissionDenied report, and
// exits from what it diagnosed (1 for the crashing namespace, 0 for the healthy one
// alone), not 2. A user who may not even list the Namespaces still gets exit 2
// (TestNamespaceViewerScansCluster).
func TestScanAllAsTenant(t *testing.T) {
	broken := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", "crashloop.yaml"))
	healthy := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", "healthy.yaml"))

	check := func(t *testing.T, kubeconfig string, wantCode int, allowed ...string) {
		t.Helper()
		r := runNetdoctor(t, "scan", "-A", "--kubeconfig", kubeconfig, "-o", "json", "--stats")
		if r.code != wantCode {
			t.Fatalf("exit %d, want %d; stderr %s", r.code, wantCode, r.errOut)
		}
		s := scanReport(t, r)
		refused := map[string]bool{}
		diagnosed := map[string]bool{}
		for _, rep := range s.Reports {
			switch {
			case rep.Target.Kind == "Namespace":
				if !slices.Equal(rep.IDs(), []diag.FindingID{diag.PermissionDenied}) || !strings.Contains(rep.Findings[0].Message, rep.Target.Name) {
					t.Errorf("namespace %s: findings %v %+v, want one PermissionDenied naming it", rep.Target.Name, rep.IDs(), rep.Findings)
				}
				refused[rep.Target.Name] = true
			case rep.Target.Namespace != "":
				diagnosed[rep.Target.Namespace] = true
			}
		}
		for _, ns := range []string{broken, healthy} {
			want := slices.Contains(allowed, ns)
			if diagnosed[ns] != want || refused[ns] == want {
				t.Errorf("namespace %s: diagnosed %v, refused %v; want diagnosed %v", ns, diagnosed[ns], refused[ns], want)
			}
		}
		if !refused["kube-system"] || !refused["default"] {
			t.Errorf("refused namespaces %v do not name kube-system and default", refused)
		}
		for ns := range diagnosed {
			if !slices.Contains(allowed, ns) && ns != "kube-system" {
				t.Errorf("reports about namespace %s, which the user may not read", ns)
			}
		}
		if want := cmd.ExitFindings; wantCode == want && s.Summary.Errors == 0 {
			t.Errorf("exit 1 without an error finding")
		}
	}
	t.Run("two namespaces", func(t *testing.T) {
		check(t, tenantUser(t, "tenant-two", broken, healthy), cmd.ExitFindings, broken, healthy)
	})
	t.Run("the healthy one", func(t *testing.T) {
		check(t, tenantUser(t, "tenant-healthy", healthy), cmd.ExitOK, healthy)
	})
	t.Run("none", func(t *testing.T) {
		r := runNetdoctor(t, "scan", "-A", "--kubeconfig", tenantUser(t, "tenant-none"), "-o", "json")
		if r.code != cmd.ExitCannot || !strings.Contains(r.errOut, "not allowed to list services") {
			t.Errorf("exit %d, stderr %q; want 2 naming the refused list", r.code, r.errOut)
		}
	})
}

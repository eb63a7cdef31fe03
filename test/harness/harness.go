// Package harness holds what the suites under test/ share: the control-plane binaries,
// running the real command, and the `kubectl get -o yaml`-style dump that offline (-f)
// runs read. Only tests import it.
package harness

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Prepare readies a suite's TestMain: it silences controller-runtime's logger (unset, it
// prints a stack trace when the API server sends a warning header, as for the deprecated
// Endpoints reads of Dump), makes sure the control-plane binaries exist, and returns a
// fresh temporary directory for the suite, named after prefix.
func Prepare(repoRoot, prefix string) (string, error) {
	ctrllog.SetLogger(logr.Discard())
	if err := ensureAssets(repoRoot); err != nil {
		return "", fmt.Errorf("envtest binaries: %w", err)
	}
	return os.MkdirTemp("", prefix)
}

// ensureAssets points KUBEBUILDER_ASSETS at the binaries hack/envtest.sh builds, building
// them if needed: a suite never skips for lack of a control plane.
func ensureAssets(repoRoot string) error {
	if os.Getenv("KUBEBUILDER_ASSETS") != "" {
		return nil
	}
	script := filepath.Join(repoRoot, "hack", "envtest.sh")
	c := exec.Command("bash", script)
	c.Stderr = os.Stderr
	out, err := c.Output()
	if err != nil {
		return fmt.Errorf("%s failed: %w", script, err)
	}
	return os.Setenv("KUBEBUILDER_ASSETS", strings.TrimSpace(string(out)))
}

// NewNamespace creates a namespace named prefix plus a random suffix: namespaces cannot
// be deleted and recreated quickly, so every test gets its own.
func NewNamespace(ctx context.Context, c client.Client, prefix string) (string, error) {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: prefix + "-" + hex.EncodeToString(b)}}
	if err := c.Create(ctx, ns); err != nil {
		return "", fmt.Errorf("create namespace: %w", err)
	}
	return ns.Name, nil
}

// Master adds a system:masters user named name to the running environment and writes
// its kubeconfig to dir/name.kubeconfig.
func Master(env *envtest.Environment, dir, name string) (*envtest.AuthenticatedUser, string, error) {
	user, err := env.AddUser(envtest.User{Name: name, Groups: []string{"system:masters"}}, env.Config)
	if err != nil {
		return nil, "", fmt.Errorf("envtest user %s: %w", name, err)
	}
	path, err := WriteKubeconfig(dir, name, user)
	return user, path, err
}

// Clients adds a system:masters user named name, as Master does, and returns a clientset
// and a controller-runtime client acting as that user: a suite's own writer of fixtures,
// kept apart from the users netdoctor runs as.
func Clients(env *envtest.Environment, dir, name string) (kubernetes.Interface, client.Client, error) {
	user, _, err := Master(env, dir, name)
	if err != nil {
		return nil, nil, err
	}
	clientset := kubernetes.NewForConfigOrDie(user.Config())
	c, err := client.New(user.Config(), client.Options{})
	if err != nil {
		return nil, nil, err
	}
	return clientset, c, nil
}

// KubeconfigUser is an envtest user.
type KubeconfigUser interface{ KubeConfig() ([]byte, error) }

// WriteKubeconfig writes user's kubeconfig to dir/name.kubeconfig.
func WriteKubeconfig(dir, name string, user KubeconfigUser) (string, error) {
	data, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}

// Result is one run of the real command.
type Result struct {
	Code   int
	Out    string
	ErrOut string
	// Report is the decoded report when the run asked for JSON and printed an object;
	// Scan is filled instead when that object is a scan's.
	Report diag.Report
	Scan   diag.ScanReport
}

// Run runs the command line as a user would, through the root command and the
// exit-code mapping of main.
func Run(args ...string) (Result, error) {
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	code := cmd.Execute(cmd.NewCmdNetdoctor(streams), streams, args)
	r := Result{Code: code, Out: out.String(), ErrOut: errOut.String()}
	if wantsJSON(args) && strings.HasPrefix(strings.TrimSpace(r.Out), "{") {
		if err := json.NewDecoder(bytes.NewReader(out.Bytes())).Decode(&r.Report); err != nil {
			return r, fmt.Errorf("report is not JSON: %w\n%s", err, r.Out)
		}
		if r.Report.Kind == diag.KindScanReport {
			r.Report = diag.Report{}
			if err := json.NewDecoder(bytes.NewReader(out.Bytes())).Decode(&r.Scan); err != nil {
				return r, fmt.Errorf("scan report is not JSON: %w\n%s", err, r.Out)
			}
		}
	}
	return r, nil
}

func wantsJSON(args []string) bool {
	for i, a := range args {
		if a == "-ojson" || a == "--output=json" || (a == "-o" || a == "--output") && i+1 < len(args) && args[i+1] == "json" {
			return true
		}
	}
	return false
}

// Dump writes what `kubectl get <every kind netdoctor reads> -o yaml` would write for
// the given namespaces, plus the cluster-scoped kinds, as one List in dir, and returns
// its path: the input of offline (-f) parity runs.
func Dump(ctx context.Context, c client.Client, dir string, namespaces ...string) (string, error) {
	items := []runtime.Object{}
	add := func(list client.ObjectList, opts ...client.ListOption) error {
		if err := c.List(ctx, list, opts...); err != nil {
			return err
		}
		objs, err := meta.ExtractList(list)
		if err != nil {
			return err
		}
		for _, o := range objs {
			gvks, _, err := clientgoscheme.Scheme.ObjectKinds(o)
			if err != nil {
				return err
			}
			o.GetObjectKind().SetGroupVersionKind(gvks[0])
			items = append(items, o)
		}
		return nil
	}
	for _, ns := range namespaces {
		in := client.InNamespace(ns)
		for _, list := range []client.ObjectList{&corev1.ServiceList{}, &corev1.PodList{}, &discoveryv1.EndpointSliceList{},
			&corev1.EndpointsList{}, &appsv1.StatefulSetList{}, &appsv1.DeploymentList{}, &appsv1.DaemonSetList{},
			&appsv1.ReplicaSetList{}, &batchv1.JobList{}, &networkingv1.NetworkPolicyList{}, &corev1.ConfigMapList{},
			&corev1.SecretList{}, &networkingv1.IngressList{}} {
			if err := add(list, in); err != nil {
				return "", err
			}
		}
		var namespace corev1.Namespace
		if err := c.Get(ctx, client.ObjectKey{Name: ns}, &namespace); err != nil {
			return "", err
		}
		namespace.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
		items = append(items, &namespace)
	}
	if err := add(&corev1.NodeList{}); err != nil {
		return "", err
	}
	// The network plugins' policy kinds, where the API server serves them (the suite's
	// CRDs): the namespaced ones of the namespaces, and the cluster-wide ones.
	for _, k := range source.CNIPolicyKinds {
		var lists []*unstructured.UnstructuredList
		if k.ClusterWide {
			lists = append(lists, &unstructured.UnstructuredList{})
		} else {
			for range namespaces {
				lists = append(lists, &unstructured.UnstructuredList{})
			}
		}
		for i, list := range lists {
			list.SetGroupVersionKind(k.GroupVersion.WithKind(k.Kind + "List"))
			var opts []client.ListOption
			if !k.ClusterWide {
				opts = append(opts, client.InNamespace(namespaces[i]))
			}
			err := c.List(ctx, list, opts...)
			if meta.IsNoMatchError(err) {
				break // not served
			}
			if err != nil {
				return "", err
			}
			for j := range list.Items {
				items = append(items, &list.Items[j])
			}
		}
	}
	if err := add(&networkingv1.IngressClassList{}); err != nil {
		return "", err
	}
	data, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "dump.json")
	return path, os.WriteFile(path, data, 0o600)
}

// Running is a command started with Start, whose output can be read while it runs: a
// --watch run, which the test changes the cluster under.
type Running struct {
	out, errOut *syncBuffer
	done        chan Result
}

// Start runs the command line in the background, as Run does.
func Start(args ...string) *Running {
	r := &Running{out: &syncBuffer{}, errOut: &syncBuffer{}, done: make(chan Result, 1)}
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: r.out, ErrOut: r.errOut}
	go func() {
		code := cmd.Execute(cmd.NewCmdNetdoctor(streams), streams, args)
		r.done <- Result{Code: code, Out: r.out.String(), ErrOut: r.errOut.String()}
	}()
	return r
}

// Out is what the command has printed on stdout so far.
func (r *Running) Out() string { return r.out.String() }

// ErrOut is what the command has printed on stderr so far.
func (r *Running) ErrOut() string { return r.errOut.String() }

// Wait waits up to timeout for the command to end. ok is false if it still runs.
func (r *Running) Wait(timeout time.Duration) (res Result, ok bool) {
	select {
	case res = <-r.done:
		return res, true
	case <-time.After(timeout):
		return Result{}, false
	}
}

// syncBuffer is a bytes.Buffer that the command writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// READMEBlock returns the fenced block of the repository's README that follows marker
// (the text up to and including the opening fence), so that tests keep the README's
// examples in step with what the commands print.
func READMEBlock(repoRoot, marker string) (string, error) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		return "", err
	}
	readme := string(data)
	start := strings.Index(readme, marker)
	if start < 0 {
		return "", fmt.Errorf("README has no %q block", strings.TrimSpace(marker))
	}
	start += len(marker)
	end := strings.Index(readme[start:], "```")
	if end < 0 {
		return "", fmt.Errorf("README block after %q is not closed", strings.TrimSpace(marker))
	}
	return readme[start : start+end], nil
}

// AssertContains fails t for each of wants that text lacks, quoting text (named what)
// so that a failure shows what the person would have read instead.
func AssertContains(t testing.TB, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, text)
		}
	}
}

// DecodeJSON decodes stdout, the output of a run asked for JSON, as a T; output that is
// not fails t, showing both streams.
func DecodeJSON[T any](t testing.TB, stdout, stderr string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s\nstderr: %s", err, stdout, stderr)
	}
	return v
}

package integration

import (
	"context"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/test/harness"
)

// delayAnnotation makes the harness wait before creating an object, so that its
// creation timestamp (second resolution) orders after the objects before it.
const delayAnnotation = "test.netdoctor.dev/create-delay"

// newNamespace creates a fresh namespace (harness.NewNamespace).
func newNamespace(t *testing.T, prefix string) string {
	t.Helper()
	ns, err := harness.NewNamespace(ctx(t), k8sClient, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// applyScenario creates the objects of a testdata file in a fresh namespace, writes
// their status as the kubelet, scheduler or cloud controller would, then writes the
// EndpointSlices the controller would for every Service the file does not give slices
// for. Nodes are deleted when the test ends, because they are cluster-scoped.
func applyScenario(t *testing.T, file string) string {
	t.Helper()
	ns := newNamespace(t, "it")
	objs, err := fixture.Load(file, ns)
	if err != nil {
		t.Fatal(err)
	}
	shiftNodePorts(objs)
	var created []runtime.Object
	for _, obj := range objs {
		created = append(created, createWithStatus(t, obj.(client.Object)))
	}
	for _, obj := range fixture.WithControllerSlices(created)[len(created):] {
		createWithStatus(t, obj.(client.Object))
	}
	return ns
}

// applications counts applyScenario calls. Node ports are cluster-wide, so a fixture's
// explicit nodePorts move by 10 per application: the same file can be applied by several
// tests, and fixtures keep their ports within a span of 10.
var applications int

func shiftNodePorts(objs []runtime.Object) {
	shift := int32(10 * applications)
	applications++
	for _, obj := range objs {
		if svc, ok := obj.(*corev1.Service); ok {
			for i := range svc.Spec.Ports {
				if svc.Spec.Ports[i].NodePort != 0 {
					svc.Spec.Ports[i].NodePort += shift
				}
			}
		}
	}
}

// waitCreateDelay sleeps for the delay obj's delayAnnotation asks for, if any.
func waitCreateDelay(t *testing.T, obj client.Object) {
	t.Helper()
	if d, ok := obj.GetAnnotations()[delayAnnotation]; ok {
		wait, err := time.ParseDuration(d)
		if err != nil {
			t.Fatalf("%s: %v", delayAnnotation, err)
		}
		time.Sleep(wait)
	}
}

func createWithStatus(t *testing.T, obj client.Object) client.Object {
	t.Helper()
	waitCreateDelay(t, obj)
	withStatus := obj.DeepCopyObject().(client.Object)
	obj.SetCreationTimestamp(metav1.Time{})
	if err := k8sClient.Create(ctx(t), obj); err != nil {
		t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
	}
	if _, ok := obj.(*corev1.Node); ok {
		// t.Context() is already cancelled when cleanups run.
		t.Cleanup(func() { _ = k8sClient.Delete(context.Background(), obj) })
	}
	if copyStatus(withStatus, obj) {
		if err := k8sClient.Status().Update(ctx(t), obj); err != nil {
			t.Fatalf("status of %T %s: %v", obj, obj.GetName(), err)
		}
	}
	return obj
}

// copyStatus moves the fixture's status onto the created object for the kinds whose
// status a controller writes; false when the fixture gives none.
func copyStatus(from, to client.Object) bool {
	switch f := from.(type) {
	case *corev1.Pod:
		if f.Status.Phase == "" {
			return false
		}
		to.(*corev1.Pod).Status = f.Status
	case *corev1.Node:
		to.(*corev1.Node).Status = f.Status
	case *corev1.Service:
		if len(f.Status.LoadBalancer.Ingress) == 0 {
			return false
		}
		to.(*corev1.Service).Status = f.Status
	case *networkingv1.Ingress:
		if len(f.Status.LoadBalancer.Ingress) == 0 {
			return false
		}
		to.(*networkingv1.Ingress).Status = f.Status
	default:
		return false
	}
	return true
}

// result is one run of the real command.
type result struct {
	code   int
	out    string
	errOut string
	report diag.Report
}

// runNetdoctor runs the command line as a user would (harness.Run).
func runNetdoctor(t *testing.T, args ...string) result {
	t.Helper()
	r, err := harness.Run(args...)
	if err != nil {
		t.Fatal(err)
	}
	return result{code: r.Code, out: r.Out, errOut: r.ErrOut, report: r.Report}
}

// dumpNamespaces is harness.Dump into the test's temporary directory.
func dumpNamespaces(t *testing.T, namespaces ...string) string {
	t.Helper()
	path, err := harness.Dump(ctx(t), k8sClient, t.TempDir(), namespaces...)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }

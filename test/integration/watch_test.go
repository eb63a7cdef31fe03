package integration

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/test/harness"
)

// TestWatchWithoutWatchPermission: the reader role of docs/rbac.yaml grants get and
// list, not watch. --watch then lists again every few seconds instead, and still sees
// the fix.
func TestWatchWithoutWatchPermission(t *testing.T) {
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", "externalname-ip.yaml"))
	kubeconfig := userWithRole(t, ns, "lister", "services", "pods", "discovery.k8s.io/endpointslices")

	w := harness.Start("svc", "payments", "-n", ns, "--kubeconfig", kubeconfig, "--watch", "--until", "healthy", "--timeout", "60s", "-o", "json")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(w.ErrOut(), "watching") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	var svc corev1.Service
	if err := k8sClient.Get(ctx(t), client.ObjectKey{Namespace: ns, Name: "payments"}, &svc); err != nil {
		t.Fatal(err)
	}
	svc.Spec.ExternalName = "payments.example.com"
	if err := k8sClient.Update(ctx(t), &svc); err != nil {
		t.Fatal(err)
	}
	res, done := w.Wait(30 * time.Second)
	if !done {
		t.Fatalf("the watch did not see the fix:\n%s\n%s", w.Out(), w.ErrOut())
	}
	if res.Code != cmd.ExitOK || strings.Count(res.Out, "\n") != 2 {
		t.Errorf("exit %d, want 0 after two reports:\n%s\n%s", res.Code, res.Out, res.ErrOut)
	}
}

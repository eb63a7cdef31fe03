package controllers

import (
	"path/filepath"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
)

// TestKubeProxyDaemonSet: kubeadm's kube-proxy DaemonSet, its pods made by the real
// DaemonSet controller. While they crash, ClusterIP traffic from every node is not
// forwarded: svc warns, reach from a pod to a Service is an error. Rolled back, both
// are quiet again.
func TestKubeProxyDaemonSet(t *testing.T) {
	ns := deploy(t, shopManifests)
	manifest := filepath.Join(repoRoot, "test", "testdata", "controllers", "kube-proxy.yaml")
	applyFile(t, metav1.NamespaceSystem, manifest)
	t.Cleanup(func() { removeDaemonSet(t, metav1.NamespaceSystem, "kube-proxy") })
	expect(t, ns, "cartservice", cmd.ExitOK, nil, "")
	expectRun(t, ns, []string{"reach", "deploy/frontend", "svc/cartservice", "--port", "7070"}, cmd.ExitOK, nil, "")

	change(t, metav1.NamespaceSystem, "kube-proxy", &appsv1.DaemonSet{}, func(d *appsv1.DaemonSet) {
		d.Spec.Template.Annotations = map[string]string{containerStateAnnotation: "crashloop"}
	})
	// Every node's proxy crashes: svc warns (which clients are affected is not known),
	// reach from the frontend, on those nodes, cannot work.
	expect(t, ns, "cartservice", cmd.ExitOK, []string{"KubeProxyNotReady"}, "")
	expectRun(t, ns, []string{"reach", "deploy/frontend", "svc/cartservice", "--port", "7070"}, cmd.ExitFindings, []string{"KubeProxyNotReady"}, "kube-proxy")

	change(t, metav1.NamespaceSystem, "kube-proxy", &appsv1.DaemonSet{}, func(d *appsv1.DaemonSet) { d.Spec.Template.Annotations = nil })
	expect(t, ns, "cartservice", cmd.ExitOK, nil, "")
	expectRun(t, ns, []string{"reach", "deploy/frontend", "svc/cartservice", "--port", "7070"}, cmd.ExitOK, nil, "")
}

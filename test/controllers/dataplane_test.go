package controllers

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/test/harness"
)

// expectNote checks that the report's notes hold want.
func expectNote(t *testing.T, r harness.Result, want string) {
	t.Helper()
	if !slices.Contains(r.Report.Notes, want) {
		t.Errorf("notes %q do not hold %q", r.Report.Notes, want)
	}
}

// TestKubeProxyDaemonSet: kubeadm's kube-proxy DaemonSet, its pods made by the real
// DaemonSet controller. While they crash, ClusterIP traffic from every node is not
// forwarded: svc warns, reach from a pod to a Service is an error. Rolled back, both
// are quiet again.
func TestKubeProxyDaemonSet(t *testing.T) {
	ns := deploy(t, shopManifests)
	manifest := filepath.Join(repoRoot, "test", "testdata", "controllers", "kube-proxy.yaml")
	applyFile(t, metav1.NamespaceSystem, manifest)
	t.Cleanup(func() {
		removeDaemonSet(t, metav1.NamespaceSystem, "kube-proxy")
		config := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: metav1.NamespaceSystem, Name: "kube-proxy"}}
		if err := k8sClient.Delete(context.Background(), config); err != nil {
			t.Errorf("delete ConfigMap kube-system/kube-proxy: %v", err)
		}
	})
	r := expect(t, ns, "cartservice", cmd.ExitOK, nil, "")
	expectNote(t, r, "Service proxy: kube-proxy, mode iptables (kube-proxy's default: ConfigMap kube-system/kube-proxy, key config.conf leaves mode empty)")
	expectRun(t, ns, []string{"reach", "deploy/frontend", "svc/cartservice", "--port", "7070"}, cmd.ExitOK, nil, "")

	// The mode is read from the ConfigMap the pods mount, as it is now.
	change(t, metav1.NamespaceSystem, "kube-proxy", &corev1.ConfigMap{}, func(cm *corev1.ConfigMap) {
		cm.Data["config.conf"] = strings.Replace(cm.Data["config.conf"], `mode: ""`, "mode: ipvs", 1)
	})
	expectNote(t, expect(t, ns, "cartservice", cmd.ExitOK, nil, ""), "Service proxy: kube-proxy, mode ipvs (ConfigMap kube-system/kube-proxy, key config.conf)")

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

package controllers

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
)

// TestHostNetworkDaemonSet: a hostNetwork DaemonSet's endpoints are the nodes'
// addresses. Pod selectors do not isolate it, and as a client it is its node's IP.
// Once kind's kindnet runs in kube-system, the policies count as enforced.
func TestHostNetworkDaemonSet(t *testing.T) {
	testdata := filepath.Join(repoRoot, "test", "testdata", "controllers")
	ns := deploy(t, shopManifests)
	applyFile(t, ns, filepath.Join(testdata, "node-exporter.yaml"))
	applyFile(t, ns, filepath.Join(testdata, "shop-policies.yaml"))
	assertSlicesAsExpected(t, ns)

	check := func(args []string, code int, want []string) {
		t.Helper()
		expectRun(t, ns, args, code, want, "")
	}
	check([]string{"svc", "node-exporter"}, cmd.ExitOK, []string{})
	check([]string{"reach", "deploy/frontend", "svc/node-exporter"}, cmd.ExitOK, []string{"HostNetworkNotIsolated"})
	check([]string{"reach", "ds/node-exporter", "svc/cartservice", "--port", "7070"}, cmd.ExitFindings,
		[]string{"HostNetworkNotIsolated", "IngressDenied", "NetworkPolicyNotEnforced"})

	applyFile(t, metav1.NamespaceSystem, filepath.Join(testdata, "kindnet.yaml"))
	t.Cleanup(func() { removeDaemonSet(t, metav1.NamespaceSystem, "kindnet") })
	check([]string{"reach", "deploy/frontend", "svc/cartservice", "--port", "9090"}, cmd.ExitFindings, []string{"IngressDenied"})
}

// removeDaemonSet deletes a DaemonSet and its pods, which no garbage collector removes
// here. It runs as a cleanup, when the test's context is already cancelled.
func removeDaemonSet(t *testing.T, ns, name string) {
	ctx := context.Background()
	var ds appsv1.DaemonSet
	if err := k8sClient.Get(ctx, keyOf(ns, name), &ds); err != nil {
		t.Error(err)
		return
	}
	if err := k8sClient.Delete(ctx, &ds); err != nil {
		t.Error(err)
	}
	// A sync the DaemonSet controller began before the deletion may still create a pod:
	// delete until none is left.
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		var pods corev1.PodList
		selector := client.MatchingLabels(ds.Spec.Selector.MatchLabels)
		if err := k8sClient.List(ctx, &pods, client.InNamespace(ns), selector); err != nil || len(pods.Items) == 0 {
			return err == nil, err
		}
		return false, k8sClient.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns), selector, client.GracePeriodSeconds(0))
	})
	if err != nil {
		t.Errorf("removing the pods of DaemonSet %s/%s: %v", ns, name, err)
	}
}

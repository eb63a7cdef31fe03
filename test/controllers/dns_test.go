package controllers

import (
	"path/filepath"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
)

// TestClusterDNS: CoreDNS as kubeadm installs it, its pods and slices made by the
// controllers; then an egress policy that forgets DNS, then CoreDNS scaled to zero and
// back. It leaves CoreDNS running in kube-system.
func TestClusterDNS(t *testing.T) {
	testdata := filepath.Join(repoRoot, "test", "testdata", "controllers")
	withCoreDNS(t)
	ns := deploy(t, shopManifests)
	applyFile(t, ns, filepath.Join(testdata, "frontend-egress.yaml"))

	check := func(args []string, code int, want []string, rootCause string) {
		t.Helper()
		expectRun(t, ns, args, code, want, rootCause)
	}
	// NdotsAmplification (info): ClusterFirst pods with the default ndots:5 try the
	// search list first for every external name.
	check([]string{"dns"}, cmd.ExitOK, []string{}, "")
	check([]string{"dns", "deploy/cartservice"}, cmd.ExitOK, []string{"NdotsAmplification"}, "")
	check([]string{"dns", "deploy/frontend"}, cmd.ExitFindings, []string{"DNSEgressBlocked", "NdotsAmplification"}, "frontend-egress")
	check([]string{"reach", "deploy/frontend", "svc/cartservice", "--port", "7070"}, cmd.ExitFindings,
		[]string{"DNSEgressBlocked", "NetworkPolicyNotEnforced"}, "does not allow DNS (UDP and TCP 53)")
	check([]string{"reach", "deploy/frontend", "svc/redis-cart"}, cmd.ExitFindings,
		[]string{"DNSEgressBlocked", "EgressDenied", "NetworkPolicyNotEnforced"}, "isolates Deployment "+ns+"/frontend's pods for egress")

	scale := func(replicas int32) {
		change(t, metav1.NamespaceSystem, "coredns", &appsv1.Deployment{}, func(d *appsv1.Deployment) { d.Spec.Replicas = &replicas })
	}
	scale(0)
	check([]string{"dns"}, cmd.ExitFindings, []string{"ClusterDNSNotReady"}, "Deployment coredns is scaled to 0 replicas")
	scale(2)
	check([]string{"dns"}, cmd.ExitOK, []string{}, "")
}

var coreDNSOnce sync.Once

// withCoreDNS installs CoreDNS in kube-system as kubeadm does, the first time a test
// needs the cluster DNS that every real cluster has (scan checks it), and leaves it
// running for the rest of the suite.
func withCoreDNS(t *testing.T) {
	t.Helper()
	coreDNSOnce.Do(func() {
		var kubeDNS corev1.Service
		err := k8sClient.Get(t.Context(), keyOf(metav1.NamespaceSystem, "kube-dns"), &kubeDNS)
		if apierrors.IsNotFound(err) {
			applyFile(t, metav1.NamespaceSystem, filepath.Join(repoRoot, "test", "testdata", "controllers", "coredns.yaml"))
		} else if err != nil {
			t.Fatal(err)
		}
	})
}

package controllers

import (
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
)

// TestShopIngress: the storefront behind ingress-nginx, whose controller pod the
// controllers made. Before the controller writes the Ingress status, after, with a
// backend port the Service does not have, and with the shop's deny-all policy, which
// shuts the controller out too.
func TestShopIngress(t *testing.T) {
	testdata := filepath.Join(repoRoot, "test", "testdata", "controllers")
	if err := k8sClient.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ingress-nginx"}}); err != nil {
		t.Fatal(err)
	}
	applyFile(t, "ingress-nginx", filepath.Join(testdata, "ingress-nginx.yaml"))
	ns := deploy(t, shopManifests)
	applyFile(t, ns, filepath.Join(testdata, "shop-ingress.yaml"))

	check := func(code int, want []string) {
		t.Helper()
		expectRun(t, ns, []string{"ingress", "shop"}, code, want, "")
	}
	check(cmd.ExitOK, []string{"IngressNotAdmitted"})

	// What ingress-nginx writes once it serves the Ingress (--publish-service).
	var ingress networkingv1.Ingress
	if err := k8sClient.Get(t.Context(), keyOf(ns, "shop"), &ingress); err != nil {
		t.Fatal(err)
	}
	ingress.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "172.18.0.200"}}
	if err := k8sClient.Status().Update(t.Context(), &ingress); err != nil {
		t.Fatal(err)
	}
	check(cmd.ExitOK, []string{})

	change(t, ns, "shop", &networkingv1.Ingress{}, func(i *networkingv1.Ingress) {
		i.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port.Name = "https"
	})
	check(cmd.ExitFindings, []string{"IngressBackendPortNotFound"})
	change(t, ns, "shop", &networkingv1.Ingress{}, func(i *networkingv1.Ingress) {
		i.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port.Name = "http"
	})

	applyFile(t, ns, filepath.Join(testdata, "shop-policies.yaml"))
	check(cmd.ExitFindings, []string{"IngressControllerBlocked"})
}

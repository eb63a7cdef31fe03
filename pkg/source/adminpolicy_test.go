package source

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

const anpGV = "policy.networking.k8s.io/v1alpha1"

func anpObject(kind, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": anpGV, "kind": kind, "spec": spec}}
	u.SetName(name)
	return u
}

// Without the CRDs both kinds list as empty, without error: reach is then unchanged.
func TestLiveAdminPoliciesNotInstalled(t *testing.T) {
	ctx := context.Background()
	l, _ := gatewayLive(t, map[string]map[string]string{"apps/v1": {"deployments": "Deployment"}})
	anps, err := List[anpv1alpha1.AdminNetworkPolicy](ctx, l, AllNamespaces, nil)
	if err != nil || len(anps) != 0 {
		t.Errorf("AdminNetworkPolicies = %v, %v; want empty", anps, err)
	}
	banps, err := List[anpv1alpha1.BaselineAdminNetworkPolicy](ctx, l, AllNamespaces, nil)
	if err != nil || len(banps) != 0 {
		t.Errorf("BaselineAdminNetworkPolicies = %v, %v; want empty", banps, err)
	}
}

func TestLiveAdminPolicies(t *testing.T) {
	ctx := context.Background()
	served := map[string]map[string]string{anpGV: {"adminnetworkpolicies": "AdminNetworkPolicy", "baselineadminnetworkpolicies": "BaselineAdminNetworkPolicy"}}
	subject := map[string]any{"namespaces": map[string]any{}}
	rule := []any{map[string]any{"name": "deny", "action": "Deny", "from": []any{map[string]any{"namespaces": map[string]any{}}}}}
	l, _ := gatewayLive(t, served,
		anpObject("AdminNetworkPolicy", "b", map[string]any{"priority": int64(20), "subject": subject, "ingress": rule}),
		anpObject("AdminNetworkPolicy", "a", map[string]any{"priority": int64(10), "subject": subject}),
		anpObject("BaselineAdminNetworkPolicy", "default", map[string]any{"subject": subject, "ingress": rule}))
	anps, err := List[anpv1alpha1.AdminNetworkPolicy](ctx, l, AllNamespaces, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(anps) != 2 || anps[0].Name != "a" || anps[1].Name != "b" || anps[1].Spec.Priority != 20 ||
		len(anps[1].Spec.Ingress) != 1 || anps[1].Spec.Ingress[0].Action != "Deny" {
		t.Errorf("AdminNetworkPolicies = %+v", anps)
	}
	banps, err := List[anpv1alpha1.BaselineAdminNetworkPolicy](ctx, l, AllNamespaces, nil)
	if err != nil || len(banps) != 1 || banps[0].Name != "default" || len(banps[0].Spec.Ingress) != 1 {
		t.Errorf("BaselineAdminNetworkPolicies = %+v, %v", banps, err)
	}
}

// -f reads both kinds as typed, cluster-scoped objects whatever -n says.
func TestFromFilesAdminPolicies(t *testing.T) {
	data := `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: deny-db
spec:
  priority: 5
  subject:
    pods:
      namespaceSelector: {}
      podSelector: {matchLabels: {app: db}}
  ingress:
  - name: deny-all
    action: Deny
    from:
    - namespaces: {}
    ports:
    - portRange: {protocol: TCP, start: 5432, end: 5433}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    namespaces: {}
  egress:
  - action: Deny
    to:
    - networks: [0.0.0.0/0]
`
	o := loadManifest(t, "anp.yaml", data, "shop")
	ctx := context.Background()
	anps, _ := List[anpv1alpha1.AdminNetworkPolicy](ctx, o, AllNamespaces, nil)
	if len(anps) != 1 || anps[0].Name != "deny-db" || anps[0].Namespace != "" ||
		anps[0].Spec.Ingress[0].Ports == nil || (*anps[0].Spec.Ingress[0].Ports)[0].PortRange.End != 5433 {
		t.Errorf("AdminNetworkPolicies = %+v", anps)
	}
	banps, _ := List[anpv1alpha1.BaselineAdminNetworkPolicy](ctx, o, AllNamespaces, nil)
	if len(banps) != 1 || banps[0].Name != "default" || string(banps[0].Spec.Egress[0].To[0].Networks[0]) != "0.0.0.0/0" {
		t.Errorf("BaselineAdminNetworkPolicies = %+v", banps)
	}
	if !o.Has(KindAdminNetworkPolicy) || !o.Has(KindBaselineAdminNetworkPolicy) || len(o.Others) != 0 {
		t.Errorf("kinds not recorded, or objects left untyped: %v", o.Others)
	}
}

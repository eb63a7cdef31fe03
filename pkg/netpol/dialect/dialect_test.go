package dialect

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

func object(apiVersion, kind, namespace, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind, "spec": spec}}
	u.SetNamespace(namespace)
	u.SetName(name)
	return u
}

// Kubernetes NetworkPolicies and admin policies as Calico lists them are not Calico's
// own; other kinds are not read at all; reading the cluster-wide ones twice keeps one;
// Tiers and network sets go to the engine, not into the policy list.
func TestCollect(t *testing.T) {
	items := []unstructured.Unstructured{
		*object("projectcalico.org/v3", "NetworkPolicy", "shop", "knp.default.deny-all", map[string]any{}),
		*object("projectcalico.org/v3", "GlobalNetworkPolicy", "", "kanp.adminnetworkpolicy.x", map[string]any{}),
		*object("networking.k8s.io/v1", "NetworkPolicy", "shop", "deny-all", map[string]any{}),
		*object("cilium.io/v2", "CiliumClusterwideNetworkPolicy", "", "b", map[string]any{"endpointSelector": map[string]any{}}),
		*object("projectcalico.org/v3", "GlobalNetworkPolicy", "", "a", map[string]any{}),
		*object("cilium.io/v2", "CiliumClusterwideNetworkPolicy", "", "b", map[string]any{"endpointSelector": map[string]any{}}),
		*object("crd.projectcalico.org/v1", "GlobalNetworkPolicy", "", "a", map[string]any{}),
		*object("projectcalico.org/v3", "Tier", "", "security", map[string]any{"order": int64(300)}),
		*object("projectcalico.org/v3", "GlobalNetworkSet", "", "partners", map[string]any{"nets": []any{"198.51.100.0/24"}}),
	}
	s := Collect(items)
	var refs []string
	for _, p := range s.Policies {
		refs = append(refs, p.Kind.GroupVersion.Group+" "+p.Ref())
	}
	want := []string{"projectcalico.org Calico GlobalNetworkPolicy a", "crd.projectcalico.org Calico GlobalNetworkPolicy a", "cilium.io CiliumClusterwideNetworkPolicy b"}
	if strings.Join(refs, "|") != strings.Join(want, "|") {
		t.Fatalf("got %v, want %v", refs, want)
	}
	if len(s.Cilium) != 1 || len(s.Calico) != 2 || len(s.Tiers) != 1 || *s.Tiers[0].Order != 300 || len(s.NetworkSets) != 1 || len(s.Unreadable) != 0 {
		t.Errorf("decoded %d Cilium, %d Calico, tiers %+v, sets %+v, unreadable %v", len(s.Cilium), len(s.Calico), s.Tiers, s.NetworkSets, s.Unreadable)
	}
	if s.Policies[2].Command() != "kubectl get ciliumclusterwidenetworkpolicies.cilium.io b -o yaml" {
		t.Errorf("command %q", s.Policies[2].Command())
	}
	if s.Plugins() != "Calico and Cilium" {
		t.Errorf("plugins %q", s.Plugins())
	}
}

// A policy whose spec does not decode may decide anything in its scope: unknown, never
// a guess.
func TestCollectUnreadable(t *testing.T) {
	s := Collect([]unstructured.Unstructured{
		*object("cilium.io/v2", "CiliumNetworkPolicy", "shop", "broken", map[string]any{"endpointSelector": "app=api", "ingress": []any{}}),
	})
	if len(s.Unreadable) != 1 || len(s.Cilium) != 1 {
		t.Fatalf("unreadable %v, cilium %d", s.Unreadable, len(s.Cilium))
	}
	var in netpol.Input
	s.AddTo(&in)
	m, err := netpol.CompileInput(in)
	if err != nil {
		t.Fatal(err)
	}
	pod := func(name string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Labels: map[string]string{"app": name}},
			Status: corev1.PodStatus{PodIP: "10.0.0." + map[string]string{"a": "1", "b": "2"}[name]}}
	}
	v, err := m.Evaluate(netpol.Traffic{Src: netpol.Peer{Pod: pod("a")}, Dst: netpol.Peer{Pod: pod("b")}, Port: 80})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Ingress.Unknown || v.Allowed {
		t.Errorf("ingress %+v: want unknown", v.Ingress)
	}
	u := NewUnevaluated(netpol.Ingress)
	u.Add(v.Ingress, "b")
	f := u.Finding(diagRef(), "pod shop/b", "whether it admits a is unknown", s)
	if f.ID != "PolicyNotEvaluated" || !strings.Contains(f.Message, "CiliumNetworkPolicy shop/broken") || len(f.Commands) != 1 {
		t.Errorf("finding %+v", f)
	}
}

func diagRef() diag.ObjectRef { return diag.ObjectRef{Kind: "Pod", Namespace: "shop", Name: "b"} }

package netpol

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

func onePolicy(t *testing.T, doc string) *networkingv1.NetworkPolicy {
	t.Helper()
	p := parsePolicies(t, doc)
	if len(p) != 1 {
		t.Fatalf("want one policy, got %d", len(p))
	}
	return &p[0]
}

func TestPolicySelectsNoPods(t *testing.T) {
	w := newWorld()
	pods := w.podList()
	cases := []struct {
		name, doc string
		want      bool
	}{
		{"empty selector", `{metadata: {name: p, namespace: shop}, spec: {podSelector: {}}}`, false},
		{"matching label", `{metadata: {name: p, namespace: shop}, spec: {podSelector: {matchLabels: {app: db}}}}`, false},
		{"typo", `{metadata: {name: p, namespace: shop}, spec: {podSelector: {matchLabels: {app: dB}}}}`, true},
		{"label only in other namespace", `{metadata: {name: p, namespace: shop}, spec: {podSelector: {matchLabels: {app: worker}}}}`, true},
		{"only a hostNetwork pod matches", `{metadata: {name: p, namespace: shop}, spec: {podSelector: {matchLabels: {app: agent}}}}`, true},
		{"empty namespace", `{metadata: {name: p, namespace: ghost}, spec: {podSelector: {}}}`, true},
		{"default namespace", `{metadata: {name: p}, spec: {podSelector: {}}}`, false},
		{"expression", `{metadata: {name: p, namespace: payments}, spec: {podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [api, worker, checkout]}]}}}`, true},
	}
	for _, c := range cases {
		got, err := PolicySelectsNoPods(onePolicy(t, c.doc), pods)
		if err != nil || got != c.want {
			t.Errorf("%s: got %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := PolicySelectsNoPods(nil, pods); err == nil {
		t.Error("nil policy: no error")
	}
	if _, err := PolicySelectsNoPods(onePolicy(t, `{metadata: {name: p}, spec: {podSelector: {matchExpressions: [{key: a, operator: In}]}}}`), pods); err == nil {
		t.Error("invalid selector: no error")
	}
	if got, err := PolicySelectsNoPods(onePolicy(t, `{metadata: {name: p}, spec: {podSelector: {}}}`), nil); err != nil || !got {
		t.Errorf("no pods: %v %v", got, err)
	}
}

func TestNamespaceSelectorsMatchingNothing(t *testing.T) {
	w := newWorld()
	p := onePolicy(t, `
metadata: {name: p, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {name: payments}}
    - namespaceSelector: {matchLabels: {team: ops}}
    - podSelector: {matchLabels: {app: x}}
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: paymnts}}
      podSelector: {}
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
    - namespaceSelector: {matchExpressions: [{key: env, operator: In, values: [staging]}]}
    - ipBlock: {cidr: 10.0.0.0/8}
`)
	got, err := NamespaceSelectorsMatchingNothing(p, w.nsList())
	if err != nil {
		t.Fatal(err)
	}
	want := []NamespaceSelectorFinding{
		{PeerRef: PeerRef{Direction: Ingress, Rule: 0, Peer: 0}, Selector: "name=payments",
			Hint: `namespace "payments" exists but is not labelled name=payments; select it by name with kubernetes.io/metadata.name: payments, which the API server sets on every namespace`},
		{PeerRef: PeerRef{Direction: Ingress, Rule: 1, Peer: 0}, Selector: "kubernetes.io/metadata.name=paymnts", Hint: `no namespace named "paymnts" exists`},
		{PeerRef: PeerRef{Direction: Egress, Rule: 0, Peer: 1}, Selector: "env in (staging)"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if s := got[0].PeerRef.String(); s != "spec.ingress[0].from[0]" {
		t.Errorf("PeerRef.String() = %q", s)
	}
	// Stub namespaces (name only) still match by metadata.name.
	stubs := []corev1.Namespace{*mkNS("payments", "")}
	got, err = NamespaceSelectorsMatchingNothing(onePolicy(t, `
metadata: {name: p, namespace: shop}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: payments}}}]}]
`), stubs)
	if err != nil || len(got) != 0 {
		t.Errorf("stub namespace: %+v %v", got, err)
	}
	if _, err := NamespaceSelectorsMatchingNothing(nil, stubs); err == nil {
		t.Error("nil policy: no error")
	}
}

func TestPolicyPeerAndOrConfusion(t *testing.T) {
	p := onePolicy(t, `
metadata: {name: p, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: api}}
    - namespaceSelector: {matchLabels: {team: payments}}
  - from:
    - namespaceSelector: {matchLabels: {team: payments}}
      podSelector: {matchLabels: {app: api}}
  - from:
    - podSelector: {matchLabels: {app: api}}
    - ipBlock: {cidr: 10.0.0.0/8}
  egress:
  - to:
    - ipBlock: {cidr: 10.0.0.0/8}
    - namespaceSelector: {}
    - podSelector: {matchLabels: {k8s-app: kube-dns}}
    - podSelector: {matchLabels: {app: db}}
`)
	got := PolicyPeerAndOrConfusion(p)
	if len(got) != 2 {
		t.Fatalf("got %d findings: %+v", len(got), got)
	}
	if f := got[0]; f.Direction != Ingress || f.Rule != 0 || !reflect.DeepEqual(f.PodSelectorPeers, []int{0}) || !reflect.DeepEqual(f.NamespaceSelectorPeers, []int{1}) {
		t.Errorf("ingress finding %+v", f)
	}
	if f := got[1]; f.Direction != Egress || f.Rule != 0 || !reflect.DeepEqual(f.PodSelectorPeers, []int{2, 3}) || !reflect.DeepEqual(f.NamespaceSelectorPeers, []int{1}) {
		t.Errorf("egress finding %+v", f)
	}
	if !strings.Contains(got[0].Message, "OR'd") || !strings.Contains(got[0].Message, "app=api") || !strings.Contains(got[0].Message, "team=payments") {
		t.Errorf("message: %s", got[0].Message)
	}
	// The suggestion is one peer with both selectors, and it parses.
	var sugg struct {
		From []networkingv1.NetworkPolicyPeer `json:"from"`
	}
	if err := yaml.UnmarshalStrict([]byte(got[0].Suggestion), &sugg); err != nil {
		t.Fatalf("suggestion does not parse: %v\n%s", err, got[0].Suggestion)
	}
	if len(sugg.From) != 1 || sugg.From[0].PodSelector == nil || sugg.From[0].NamespaceSelector == nil ||
		sugg.From[0].PodSelector.MatchLabels["app"] != "api" || sugg.From[0].NamespaceSelector.MatchLabels["team"] != "payments" {
		t.Errorf("suggestion %+v", sugg)
	}
	if PolicyPeerAndOrConfusion(nil) != nil {
		t.Error("nil policy")
	}
}

func TestNamedPortsNotDeclared(t *testing.T) {
	w := newWorld()
	p := onePolicy(t, `
metadata: {name: p, namespace: payments}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress, Egress]
  ingress:
  - ports: [{port: http}, {port: 8080}]
  egress:
  - to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: dns, protocol: UDP}, {port: dns}]
  - to: [{podSelector: {matchLabels: {app: nobody}}}]
    ports: [{port: nope}]
`)
	got, err := NamedPortsNotDeclared(p, w.podList(), w.nsList())
	if err != nil {
		t.Fatal(err)
	}
	want := []NamedPortFinding{
		{Direction: Ingress, Rule: 0, Port: 0, Name: "http", Protocol: corev1.ProtocolTCP,
			DeclaredBy: []string{"payments/api", "payments/api-2"}, MissingFrom: []string{"payments/api-noports"}},
		{Direction: Egress, Rule: 0, Port: 1, Name: "dns", Protocol: corev1.ProtocolTCP,
			MissingFrom: []string{"kube-system/coredns"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if _, err := NamedPortsNotDeclared(nil, nil, nil); err == nil {
		t.Error("nil policy: no error")
	}
	bad := []corev1.Pod{*mkPod("payments/x", "not-an-ip", "app=api")}
	if _, err := NamedPortsNotDeclared(p, bad, nil); err == nil {
		t.Error("bad pod IP: no error")
	}
}

func TestRulesIgnoredByPolicyTypes(t *testing.T) {
	cases := []struct {
		spec string
		want []Direction
	}{
		{`{podSelector: {}, policyTypes: [Egress], ingress: [{}]}`, []Direction{Ingress}},
		{`{podSelector: {}, policyTypes: [Ingress], egress: [{}]}`, []Direction{Egress}},
		{`{podSelector: {}, egress: [{}], ingress: [{}]}`, nil},
		{`{podSelector: {}}`, nil},
	}
	for _, c := range cases {
		p := onePolicy(t, "metadata: {name: p}\nspec: "+c.spec+"\n")
		if got := RulesIgnoredByPolicyTypes(p); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v want %v", c.spec, got, c.want)
		}
	}
	if RulesIgnoredByPolicyTypes(nil) != nil {
		t.Error("nil")
	}
}

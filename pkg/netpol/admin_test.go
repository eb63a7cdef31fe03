package netpol

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func nsSel(kv ...string) *metav1.LabelSelector {
	s := &metav1.LabelSelector{MatchLabels: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		s.MatchLabels[kv[i]] = kv[i+1]
	}
	return s
}

func allNamespaces() AdminSubject { return AdminSubject{Namespaces: &metav1.LabelSelector{}} }

func TestAdminLayers(t *testing.T) {
	w := newWorld()
	npDenyShop := denyAllIngressShop
	npAllowMonitoring := denyAllIngressShop + `
---
metadata: {name: allow-monitoring, namespace: shop}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {team: ops}}}]}]
`
	denyFromDev := AdminPolicy{Name: "deny-from-dev", Priority: 10, Subject: allNamespaces(),
		Ingress: []AdminRule{{Name: "no-dev", Action: AdminDeny, Peers: []AdminPeer{{Namespaces: nsSel("env", "dev")}}}}}
	allowMonitoring := AdminPolicy{Name: "allow-monitoring", Priority: 5, Subject: allNamespaces(),
		Ingress: []AdminRule{{Name: "prom", Action: AdminAllow, Peers: []AdminPeer{{Pods: &AdminPodSelector{
			NamespaceSelector: *nsSel("team", "ops"), PodSelector: *nsSel("app", "prometheus")}}}}}}
	passMonitoring := allowMonitoring
	passMonitoring.Name, passMonitoring.Ingress = "pass-monitoring", []AdminRule{{Name: "prom", Action: AdminPass, Peers: allowMonitoring.Ingress[0].Peers}}
	denyAllPrio20 := AdminPolicy{Name: "deny-all", Priority: 20, Subject: allNamespaces(),
		Ingress: []AdminRule{{Name: "all", Action: AdminDeny, Peers: []AdminPeer{{Namespaces: &metav1.LabelSelector{}}}}}}
	egressNoGoogle := AdminPolicy{Name: "no-google-dns", Priority: 1, Subject: AdminSubject{Pods: &AdminPodSelector{PodSelector: *nsSel("app", "frontend")}},
		Egress: []AdminRule{{Name: "google", Action: AdminDeny, Peers: []AdminPeer{{Networks: []string{"8.8.8.0/24", "8.8.4.0/24"}}},
			Ports: []AdminPort{{Port: 53, Protocol: "UDP"}, {Port: 53}}}}}
	namedPort := AdminPolicy{Name: "deny-http", Priority: 1, Subject: AdminSubject{Namespaces: nsSel("team", "payments")},
		Ingress: []AdminRule{{Name: "http", Action: AdminDeny, Peers: []AdminPeer{{Namespaces: &metav1.LabelSelector{}}}, Ports: []AdminPort{{Name: "http"}}}}}
	banpDeny := &AdminPolicy{Name: "default", Subject: allNamespaces(),
		Ingress: []AdminRule{
			{Name: "allow-ops", Action: AdminAllow, Peers: []AdminPeer{{Namespaces: nsSel("team", "ops")}}},
			{Name: "deny-rest", Action: AdminDeny, Peers: []AdminPeer{{Namespaces: &metav1.LabelSelector{}}}},
		}}

	cases := []struct {
		name     string
		nps      string
		anps     []AdminPolicy
		banp     *AdminPolicy
		src, dst string
		port     int32
		proto    string
		allowed  bool
		layer    Layer
		dir      Direction
		why      string
	}{
		{name: "ANP deny beats absent NP", anps: []AdminPolicy{denyFromDev}, src: "dev/frontend", dst: "shop/frontend", port: 8080, allowed: false, layer: LayerAdmin, dir: Ingress, why: "AdminNetworkPolicy deny-from-dev (priority 10) rule 0 \"no-dev\": deny"},
		{name: "ANP not matching falls to default", anps: []AdminPolicy{denyFromDev}, src: "shop/checkout", dst: "shop/frontend", port: 8080, allowed: true, layer: LayerDefault, dir: Ingress},
		{name: "ANP allow beats NP deny", nps: npDenyShop, anps: []AdminPolicy{allowMonitoring}, src: "monitoring/prometheus", dst: "shop/db", port: 9187, allowed: true, layer: LayerAdmin, dir: Ingress, why: "NetworkPolicies are not consulted"},
		{name: "ANP no match, NP decides", nps: npDenyShop, anps: []AdminPolicy{allowMonitoring}, src: "payments/api", dst: "shop/db", port: 9187, allowed: false, layer: LayerNetworkPolicy, dir: Ingress},
		{name: "lower priority number wins (allow 5 over deny 20)", anps: []AdminPolicy{denyAllPrio20, allowMonitoring}, src: "monitoring/prometheus", dst: "shop/db", port: 9187, allowed: true, layer: LayerAdmin, dir: Ingress},
		{name: "deny 20 applies when allow 5 does not match", anps: []AdminPolicy{denyAllPrio20, allowMonitoring}, src: "payments/api", dst: "shop/db", port: 9187, allowed: false, layer: LayerAdmin, dir: Ingress},
		{name: "Pass skips later ANPs, NP denies", nps: npDenyShop, anps: []AdminPolicy{passMonitoring, denyAllPrio20}, src: "monitoring/prometheus", dst: "shop/db", port: 9187, allowed: false, layer: LayerNetworkPolicy, dir: Ingress, why: "passes to NetworkPolicy"},
		{name: "Pass skips later ANPs, NP allows", nps: npAllowMonitoring, anps: []AdminPolicy{passMonitoring, denyAllPrio20}, src: "monitoring/prometheus", dst: "shop/db", port: 9187, allowed: true, layer: LayerNetworkPolicy, dir: Ingress},
		{name: "Pass with no NP goes to default", anps: []AdminPolicy{passMonitoring, denyAllPrio20}, src: "monitoring/prometheus", dst: "payments/api", port: 8080, allowed: true, layer: LayerDefault, dir: Ingress},
		{name: "Pass with no NP goes to BANP", anps: []AdminPolicy{passMonitoring}, banp: banpDeny, src: "monitoring/prometheus", dst: "payments/api", port: 8080, allowed: true, layer: LayerBaseline, dir: Ingress},
		{name: "BANP denies when no NP isolates", banp: banpDeny, src: "shop/frontend", dst: "payments/api", port: 8080, allowed: false, layer: LayerBaseline, dir: Ingress, why: "BaselineAdminNetworkPolicy default rule 1 \"deny-rest\": deny"},
		{name: "BANP first rule wins", banp: banpDeny, src: "monitoring/prometheus", dst: "payments/api", port: 8080, allowed: true, layer: LayerBaseline, dir: Ingress},
		{name: "NP isolation hides BANP", nps: npAllowMonitoring, banp: banpDeny, src: "monitoring/prometheus", dst: "shop/db", port: 5432, allowed: true, layer: LayerNetworkPolicy, dir: Ingress},
		{name: "NP allow is final even if BANP would deny", nps: npAllowMonitoring + `
---
metadata: {name: from-payments, namespace: shop}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {team: payments}}}]}]
`, banp: banpDeny, src: "payments/api", dst: "shop/db", port: 5432, allowed: true, layer: LayerNetworkPolicy, dir: Ingress},
		{name: "BANP does not see external peers", banp: banpDeny, src: "8.8.8.8", dst: "payments/api", port: 8080, allowed: true, layer: LayerDefault, dir: Ingress},
		{name: "egress networks deny", anps: []AdminPolicy{egressNoGoogle}, src: "shop/frontend", dst: "8.8.8.8", port: 53, proto: "UDP", allowed: false, layer: LayerAdmin, dir: Egress, why: "networks 8.8.8.0/24,8.8.4.0/24 contains 8.8.8.8"},
		{name: "egress networks other port", anps: []AdminPolicy{egressNoGoogle}, src: "shop/frontend", dst: "8.8.4.4", port: 443, allowed: true, layer: LayerDefault, dir: Egress},
		{name: "egress networks other subject", anps: []AdminPolicy{egressNoGoogle}, src: "shop/checkout", dst: "8.8.8.8", port: 53, proto: "UDP", allowed: true, layer: LayerDefault, dir: Egress},
		{name: "ANP named port per pod", anps: []AdminPolicy{namedPort}, src: "shop/checkout", dst: "payments/api-2", port: 8081, allowed: false, layer: LayerAdmin, dir: Ingress},
		{name: "ANP named port other number", anps: []AdminPolicy{namedPort}, src: "shop/checkout", dst: "payments/api-2", port: 8080, allowed: true, layer: LayerDefault, dir: Ingress},
		{name: "ANP never selects hostNetwork subject", anps: []AdminPolicy{denyAllPrio20}, src: "shop/frontend", dst: "shop/agent", port: 9100, allowed: true, layer: LayerDefault, dir: Ingress},
		{name: "ANP never selects hostNetwork peer", anps: []AdminPolicy{denyAllPrio20}, src: "kube-system/node-exporter", dst: "shop/db", port: 9187, allowed: true, layer: LayerDefault, dir: Ingress},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := CompileWithAdmin(parsePolicies(t, c.nps), c.anps, c.banp)
			if err != nil {
				t.Fatal(err)
			}
			v, err := m.Evaluate(Traffic{Src: w.peer(c.src), Dst: w.peer(c.dst), Port: c.port, Protocol: corev1.Protocol(c.proto)})
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, v, true)
			dv := v.Ingress
			if c.dir == Egress {
				dv = v.Egress
			}
			if dv.Allowed != c.allowed || dv.DecidedBy != c.layer {
				t.Errorf("%s: allowed=%v by %s, want %v by %s\n%s", c.dir, dv.Allowed, dv.DecidedBy, c.allowed, c.layer, allReasons(v))
			}
			if c.why != "" && !strings.Contains(allReasons(v), c.why) {
				t.Errorf("explanation lacks %q:\n%s", c.why, allReasons(v))
			}
		})
	}
}

func TestCompileWithAdminErrors(t *testing.T) {
	ok := AdminPolicy{Name: "ok", Subject: allNamespaces(), Ingress: []AdminRule{{Action: AdminAllow, Peers: []AdminPeer{{Namespaces: &metav1.LabelSelector{}}}}}}
	mod := func(f func(p *AdminPolicy)) AdminPolicy {
		p := ok
		p.Ingress = append([]AdminRule(nil), ok.Ingress...)
		f(&p)
		return p
	}
	cases := []struct {
		name string
		anp  []AdminPolicy
		banp *AdminPolicy
		want string
	}{
		{"no name", []AdminPolicy{mod(func(p *AdminPolicy) { p.Name = "" })}, nil, "name is required"},
		{"priority", []AdminPolicy{mod(func(p *AdminPolicy) { p.Priority = 1001 })}, nil, "priority"},
		{"no subject", []AdminPolicy{mod(func(p *AdminPolicy) { p.Subject = AdminSubject{} })}, nil, "exactly one of namespaces and pods"},
		{"bad subject selector", []AdminPolicy{mod(func(p *AdminPolicy) {
			p.Subject = AdminSubject{Namespaces: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Nope"}}}}
		})}, nil, "subject.namespaces"},
		{"bad action", []AdminPolicy{mod(func(p *AdminPolicy) { p.Ingress[0].Action = "Maybe" })}, nil, "unsupported action"},
		{"pass in baseline", nil, func() *AdminPolicy { p := mod(func(p *AdminPolicy) { p.Ingress[0].Action = AdminPass }); return &p }(), "Pass is not valid"},
		{"no peers", []AdminPolicy{mod(func(p *AdminPolicy) { p.Ingress[0].Peers = nil })}, nil, "at least one peer"},
		{"two peer kinds", []AdminPolicy{mod(func(p *AdminPolicy) {
			p.Ingress[0].Peers = []AdminPeer{{Namespaces: &metav1.LabelSelector{}, Networks: []string{"1.0.0.0/8"}}}
		})}, nil, "exactly one of namespaces, pods and networks"},
		{"networks in ingress", []AdminPolicy{mod(func(p *AdminPolicy) { p.Ingress[0].Peers = []AdminPeer{{Networks: []string{"1.0.0.0/8"}}} })}, nil, "only valid in egress"},
		{"bad network", []AdminPolicy{mod(func(p *AdminPolicy) {
			p.Egress = []AdminRule{{Action: AdminDeny, Peers: []AdminPeer{{Networks: []string{"nope"}}}}}
		})}, nil, "invalid CIDR"},
		{"bad port", []AdminPolicy{mod(func(p *AdminPolicy) { p.Ingress[0].Ports = []AdminPort{{Name: "x", Port: 1}} })}, nil, "may not be combined"},
		{"empty port", []AdminPolicy{mod(func(p *AdminPolicy) { p.Ingress[0].Ports = []AdminPort{{}} })}, nil, "one of port and name"},
		{"bad range", []AdminPolicy{mod(func(p *AdminPolicy) { p.Ingress[0].Ports = []AdminPort{{Port: 10, EndPort: 5}} })}, nil, "endPort"},
		{"duplicate", []AdminPolicy{ok, ok}, nil, "duplicate name"},
	}
	for _, c := range cases {
		if _, err := CompileWithAdmin(nil, c.anp, c.banp); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := CompileWithAdmin(parsePolicies(t, "metadata: {name: x}\nspec: {podSelector: {matchLabels: {'a b': c}}}\n"), nil, nil); err == nil {
		t.Error("NetworkPolicy errors must surface through CompileWithAdmin")
	}
}

package netpol

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCompileRejectsInvalidPolicies(t *testing.T) {
	cases := []struct {
		name, spec, want string
	}{
		{"bad operator", `{podSelector: {matchExpressions: [{key: app, operator: Foo, values: [x]}]}}`, `"Foo" is not a valid label selector operator`},
		{"In without values", `{podSelector: {matchExpressions: [{key: app, operator: In}]}}`, "spec.podSelector"},
		{"Exists with values", `{podSelector: {matchExpressions: [{key: app, operator: Exists, values: [x]}]}}`, "spec.podSelector"},
		{"bad label key", `{podSelector: {matchLabels: {"bad key": x}}}`, "spec.podSelector"},
		{"bad label value", `{podSelector: {matchLabels: {app: "-x-"}}}`, "spec.podSelector"},
		{"bad peer podSelector", `{podSelector: {}, ingress: [{from: [{podSelector: {matchExpressions: [{key: a, operator: NotIn}]}}]}]}`, "spec.ingress[0]: peer 0: podSelector"},
		{"bad peer namespaceSelector", `{podSelector: {}, egress: [{to: [{namespaceSelector: {matchExpressions: [{key: a, operator: Bad}]}}]}]}`, "spec.egress[0]: peer 0: namespaceSelector"},
		{"empty peer", `{podSelector: {}, ingress: [{from: [{}]}]}`, "must specify a peer"},
		{"ipBlock plus selector", `{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}`, "may not specify both ipBlock and another peer"},
		{"bad cidr", `{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]}`, "invalid CIDR"},
		{"missing cidr", `{podSelector: {}, ingress: [{from: [{ipBlock: {except: [10.0.0.0/8]}}]}]}`, "cidr is required"},
		{"except outside cidr", `{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]}]}`, "strict subset"},
		{"except equal to cidr", `{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/16]}}]}]}`, "strict subset"},
		{"except other family", `{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0, except: ["::/64"]}}]}]}`, "strict subset"},
		{"port zero", `{podSelector: {}, ingress: [{ports: [{port: 0}]}]}`, "port 0"},
		{"port too big", `{podSelector: {}, ingress: [{ports: [{port: 70000}]}]}`, "port 70000"},
		{"endPort below port", `{podSelector: {}, ingress: [{ports: [{port: 100, endPort: 99}]}]}`, "greater than or equal"},
		{"endPort too big", `{podSelector: {}, ingress: [{ports: [{port: 100, endPort: 65536}]}]}`, "endPort 65536"},
		{"endPort with name", `{podSelector: {}, ingress: [{ports: [{port: http, endPort: 99}]}]}`, "non-numeric"},
		{"endPort without port", `{podSelector: {}, ingress: [{ports: [{endPort: 99}]}]}`, "port is not specified"},
		{"bad port name", `{podSelector: {}, ingress: [{ports: [{port: HTTP_1}]}]}`, `port "HTTP_1"`},
		{"numeric string port", `{podSelector: {}, ingress: [{ports: [{port: "80"}]}]}`, `port "80"`},
		{"bad protocol", `{podSelector: {}, egress: [{ports: [{port: 1, protocol: ICMP}]}]}`, `unsupported value "ICMP"`},
		{"lowercase protocol", `{podSelector: {}, egress: [{ports: [{port: 1, protocol: tcp}]}]}`, `unsupported value "tcp"`},
		{"bad policyType", `{podSelector: {}, policyTypes: [Ingress, Sideways]}`, `unsupported value "Sideways"`},
		{"three policyTypes", `{podSelector: {}, policyTypes: [Ingress, Egress, Ingress]}`, "more than two"},
		// Rules of a direction that policyTypes disables are still validated.
		{"invalid rule in disabled direction", `{podSelector: {}, policyTypes: [Ingress], egress: [{to: [{}]}]}`, "spec.egress[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pols := parsePolicies(t, "metadata: {name: p, namespace: ns}\nspec: "+c.spec+"\n")
			m, err := Compile(pols)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if m != nil {
				t.Errorf("model returned with error")
			}
			if !strings.Contains(err.Error(), "ns/p") {
				t.Errorf("error does not name the policy: %v", err)
			}
		})
	}
}

func TestCompileRejectsBadObjects(t *testing.T) {
	if _, err := Compile([]networkingv1.NetworkPolicy{{}}); err == nil || !strings.Contains(err.Error(), "metadata.name is required") {
		t.Errorf("missing name: %v", err)
	}
	dup := parsePolicies(t, "metadata: {name: a, namespace: x}\nspec: {podSelector: {}}\n---\nmetadata: {name: a, namespace: x}\nspec: {podSelector: {}}\n")
	if _, err := Compile(dup); err == nil || !strings.Contains(err.Error(), "duplicate policy x/a") {
		t.Errorf("duplicate: %v", err)
	}
	// Both bad policies are reported, not only the first.
	two := parsePolicies(t, "metadata: {name: a}\nspec: {podSelector: {matchLabels: {'a b': c}}}\n---\nmetadata: {name: b}\nspec: {podSelector: {}, policyTypes: [X]}\n")
	_, err := Compile(two)
	if err == nil || !strings.Contains(err.Error(), "default/a") || !strings.Contains(err.Error(), "default/b") {
		t.Errorf("joined errors: %v", err)
	}
	// Empty and nil inputs are fine.
	for _, in := range [][]networkingv1.NetworkPolicy{nil, {}} {
		m, err := Compile(in)
		if err != nil || m == nil || len(m.Policies()) != 0 {
			t.Errorf("Compile(%v) = %v, %v", in, m, err)
		}
	}
}

func TestCompileDoesNotAlias(t *testing.T) {
	pols := parsePolicies(t, denyAllIngressShop)
	m, err := Compile(pols)
	if err != nil {
		t.Fatal(err)
	}
	pols[0].Name = "changed"
	pols[0].Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	if got := m.Policies()[0]; got.Name != "default-deny-ingress" || len(got.Spec.PolicyTypes) != 0 {
		t.Errorf("model aliases its input: %+v", got)
	}
}

func TestEffectivePolicyTypes(t *testing.T) {
	in, eg := networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress
	cases := []struct {
		name string
		spec string
		want []networkingv1.PolicyType
	}{
		{"omitted, no rules", `{podSelector: {}}`, []networkingv1.PolicyType{in}},
		{"omitted, ingress rules", `{podSelector: {}, ingress: [{}]}`, []networkingv1.PolicyType{in}},
		{"omitted, egress rules", `{podSelector: {}, egress: [{}]}`, []networkingv1.PolicyType{in, eg}},
		{"omitted, empty egress list", `{podSelector: {}, egress: []}`, []networkingv1.PolicyType{in}},
		{"egress only", `{podSelector: {}, policyTypes: [Egress], ingress: [{}]}`, []networkingv1.PolicyType{eg}},
		{"reordered", `{podSelector: {}, policyTypes: [Egress, Ingress]}`, []networkingv1.PolicyType{in, eg}},
		{"duplicate", `{podSelector: {}, policyTypes: [Egress, Egress]}`, []networkingv1.PolicyType{eg}},
		{"empty list means omitted", `{podSelector: {}, policyTypes: [], egress: [{}]}`, []networkingv1.PolicyType{in, eg}},
	}
	for _, c := range cases {
		p := parsePolicies(t, "metadata: {name: p}\nspec: "+c.spec+"\n")[0]
		if got := EffectivePolicyTypes(&p); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	if EffectivePolicyTypes(nil) != nil {
		t.Error("nil policy")
	}
}

func TestPoliciesSelecting(t *testing.T) {
	w := newWorld()
	m := compileYAML(t, denyAllIngressShop+`
---
metadata: {name: db-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Egress]
---
metadata: {name: db-both, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Egress, Ingress]
---
metadata: {name: elsewhere, namespace: payments}
spec:
  podSelector: {}
`)
	names := func(ps []*networkingv1.NetworkPolicy) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	cases := []struct {
		pod  string
		dir  Direction
		want []string
	}{
		{"shop/db", Ingress, []string{"db-both", "default-deny-ingress"}},
		{"shop/db", Egress, []string{"db-both", "db-egress"}},
		{"shop/frontend", Egress, nil},
		{"shop/frontend", Ingress, []string{"default-deny-ingress"}},
		{"shop/agent", Ingress, nil}, // hostNetwork
		{"payments/api", Ingress, []string{"elsewhere"}},
		{"dev/frontend", Ingress, nil},
	}
	for _, c := range cases {
		if got := names(m.PoliciesSelecting(w.pods[c.pod], c.dir)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s: got %v, want %v", c.pod, c.dir, got, c.want)
		}
	}
	if m.PoliciesSelecting(nil, Ingress) != nil || (*Model)(nil).PoliciesSelecting(w.pods["shop/db"], Ingress) != nil {
		t.Error("nil handling")
	}
	if got := names(m.Policies()); !reflect.DeepEqual(got, []string{"elsewhere", "db-both", "db-egress", "default-deny-ingress"}) {
		t.Errorf("Policies() = %v", got)
	}
}

func TestNilSelectorsAndEmptyInputsDoNotPanic(t *testing.T) {
	// A policy built in Go with nil maps and zero values everywhere.
	p := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "zero"}}
	p.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}}
	p.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{}}}}
	m, err := Compile([]networkingv1.NetworkPolicy{p})
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{}
	pod.Name = "x"
	v, err := m.Evaluate(Traffic{Src: Peer{Pod: pod}, Dst: Peer{Pod: pod}, Port: 1})
	if err != nil || !v.Allowed || !v.Ingress.Isolated || !v.Egress.Isolated {
		t.Errorf("zero policy: %+v %v", v, err)
	}
	v, err = m.Evaluate(Traffic{Src: Peer{Pod: pod}, Dst: Peer{Pod: pod}, Port: 1, Protocol: corev1.ProtocolUDP})
	if err != nil || v.Egress.Allowed {
		t.Errorf("egress port entry {} means TCP, any port: %+v %v", v.Egress.Reason, err)
	}
}

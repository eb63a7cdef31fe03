package netpol

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// applySuggestion turns a SuggestRule snippet into a policy selecting the
// subject (by all its labels) and appends it to base.
func applySuggestion(t testing.TB, base []networkingv1.NetworkPolicy, snippet string, subject *corev1.Pod) []networkingv1.NetworkPolicy {
	t.Helper()
	var spec networkingv1.NetworkPolicySpec
	if err := yaml.UnmarshalStrict([]byte(snippet), &spec); err != nil {
		t.Fatalf("snippet does not parse as a policy spec: %v\n%s", err, snippet)
	}
	spec.PodSelector = metav1.LabelSelector{MatchLabels: subject.Labels}
	if len(spec.Egress) > 0 {
		spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	}
	p := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "zz-suggested", Namespace: subject.Namespace}, Spec: spec}
	return append(append([]networkingv1.NetworkPolicy(nil), base...), p)
}

func TestSuggestRuleFixesDeniedTraffic(t *testing.T) {
	w := newWorld()
	base := parsePolicies(t, `
metadata: {name: deny-all, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
metadata: {name: deny-all, namespace: payments}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`)
	m, err := Compile(base)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		src, dst string
		port     int32
		name     string
		proto    corev1.Protocol
		dir      Direction
		contains []string
	}{
		{src: "shop/frontend", dst: "shop/checkout", port: 9090, dir: Ingress,
			contains: []string{"app: frontend", "port: 9090", "protocol: TCP", "spec.ingress", "selecting pod shop/checkout"}},
		{src: "shop/frontend", dst: "shop/checkout", port: 9090, dir: Egress, contains: []string{"app: checkout", "to:"}},
		{src: "shop/checkout", dst: "payments/api", name: "http", dir: Ingress,
			contains: []string{"kubernetes.io/metadata.name: shop", "app: checkout", "port: http"}},
		{src: "shop/checkout", dst: "payments/api", name: "http", dir: Egress,
			contains: []string{"kubernetes.io/metadata.name: payments", "app: api", "port: http"}},
		{src: "8.8.8.8", dst: "shop/frontend", port: 8080, dir: Ingress, contains: []string{"cidr: 8.8.8.8/32"}},
		{src: "shop/frontend", dst: "2001:db8::1", port: 443, dir: Egress, contains: []string{"cidr: 2001:db8::1/128"}},
		{src: "shop/frontend", dst: "kube-system/coredns", port: 53, proto: corev1.ProtocolUDP, dir: Egress,
			contains: []string{"k8s-app: kube-dns", "protocol: UDP", "port: 53"}},
		{src: "kube-system/node-exporter", dst: "shop/db", port: 9187, dir: Ingress,
			contains: []string{"cidr: 192.168.0.5/32", "only visible by its node IP"}},
		// No identity label: all stable labels, volatile ones dropped.
		{src: "shop/sctp", dst: "shop/db", port: 5432, dir: Ingress, contains: []string{"app: sctp-server"}},
		{src: "default/plain", dst: "shop/db", port: 5432, dir: Ingress, contains: []string{"podSelector: {}", "no stable labels"}},
	}
	for _, c := range cases {
		t.Run(c.src+"->"+c.dst+"/"+string(c.dir), func(t *testing.T) {
			tr := Traffic{Src: w.peer(c.src), Dst: w.peer(c.dst), Port: c.port, PortName: c.name, Protocol: c.proto}
			before, err := m.Evaluate(tr)
			if err != nil {
				t.Fatal(err)
			}
			dv := before.Ingress
			subject := tr.Dst.Pod
			if c.dir == Egress {
				dv, subject = before.Egress, tr.Src.Pod
			}
			if dv.Allowed {
				t.Fatalf("test setup: %s already allowed", c.dir)
			}
			snippet, err := SuggestRule(tr, c.dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range c.contains {
				if !strings.Contains(snippet, s) {
					t.Errorf("snippet lacks %q:\n%s", s, snippet)
				}
			}
			if strings.Contains(snippet, "pod-template-hash") {
				t.Errorf("snippet selects a volatile label:\n%s", snippet)
			}
			m2, err := Compile(applySuggestion(t, base, snippet, subject))
			if err != nil {
				t.Fatalf("suggested policy does not compile: %v\n%s", err, snippet)
			}
			after, err := m2.Evaluate(tr)
			if err != nil {
				t.Fatal(err)
			}
			dv = after.Ingress
			if c.dir == Egress {
				dv = after.Egress
			}
			if !dv.Allowed {
				t.Errorf("suggestion does not allow the traffic:\n%s\n%s", snippet, allReasons(after))
			}
		})
	}
}

func TestSuggestRuleErrors(t *testing.T) {
	w := newWorld()
	cases := []struct {
		name string
		tr   Traffic
		dir  Direction
		want string
	}{
		{"external subject", Traffic{Src: w.peer("8.8.8.8"), Dst: w.peer("shop/db"), Port: 1}, Egress, "cannot be selected"},
		{"hostNetwork subject", Traffic{Src: w.peer("8.8.8.8"), Dst: w.peer("shop/agent"), Port: 1}, Ingress, "cannot be selected"},
		{"peer without IP", Traffic{Src: Peer{Pod: hostNetwork(mkPod("kube-system/h", "", "a=b"))}, Dst: w.peer("shop/db"), Port: 1}, Ingress, "no known IP"},
		{"bad direction", Traffic{Src: w.peer("shop/db"), Dst: w.peer("shop/db"), Port: 1}, "Sideways", "unknown direction"},
		{"bad traffic", Traffic{Src: w.peer("shop/db"), Dst: w.peer("shop/db")}, Ingress, "needs a port"},
		{"bad source", Traffic{Dst: w.peer("shop/db"), Port: 1}, Ingress, "source"},
		{"bad destination", Traffic{Src: w.peer("shop/db"), Port: 1}, Ingress, "destination"},
	}
	for _, c := range cases {
		if _, err := SuggestRule(c.tr, c.dir); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

// TestSuggestPluginPolicyOpensThePath: for every row of the Cilium and Calico truth
// tables that a plugin denies, the policy SuggestPluginPolicy proposes, in the dialect
// of the deny, allows that direction once applied (and a Cilium deny rule is reported
// as one no allow overrides).
func TestSuggestPluginPolicyOpensThePath(t *testing.T) {
	t.Parallel()
	w := newDialectWorld()
	tried := 0
	for _, c := range append(append([]dialectCase{}, ciliumCases...), calicoCases...) {
		in := parseInput(t, c.policies)
		m, err := CompileInput(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range c.rows {
			tr := Traffic{Src: w.peer(r.src), Dst: w.peer(r.dst), Port: r.port, Protocol: r.proto}
			v, err := m.Evaluate(tr)
			if err != nil {
				t.Fatal(err)
			}
			for _, dv := range []DirectionVerdict{v.Egress, v.Ingress} {
				if dv.Allowed || dv.Unknown || dv.Plugin == "" {
					continue
				}
				label := c.name + ": " + r.src + "->" + r.dst + " " + string(dv.Direction)
				subjectPod := tr.Dst.Pod
				if dv.Direction == Egress {
					subjectPod = tr.Src.Pod
				}
				if subjectPod == nil || subjectPod.Spec.HostNetwork {
					continue
				}
				sel, _ := identitySelector(&endpoint{pod: subjectPod})
				sug, err := SuggestPluginPolicy("fix", sel, dv.Direction, dv, []Traffic{tr})
				if errors.Is(err, ErrDenyRuleWins) {
					if dv.Decision.Action != "Deny" || dv.Plugin != PluginCilium {
						t.Errorf("%s: ErrDenyRuleWins for %+v", label, dv.Decision)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", label, err)
					continue
				}
				tried++
				fixed := parseInput(t, c.policies+"\n---\n"+sug.YAML)
				m2, err := CompileInput(fixed)
				if err != nil {
					t.Fatalf("%s: the suggestion does not compile: %v\n%s", label, err, sug.YAML)
				}
				v2, err := m2.Evaluate(tr)
				if err != nil {
					t.Fatal(err)
				}
				after := v2.Ingress
				if dv.Direction == Egress {
					after = v2.Egress
				}
				if !after.Allowed {
					t.Errorf("%s: still %s after applying\n%s\n%s", label, outcomeOf(after), sug.YAML, after.Reason)
				}
			}
		}
	}
	if tried < 50 {
		t.Errorf("only %d suggestions tried", tried)
	}
}

package netpol

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// parseInput reads a "---"-separated YAML stream of every policy kind the engine
// evaluates (NetworkPolicy, Cilium and Calico kinds, Calico Tiers and network sets,
// Services) into an Input, decoding the plugin kinds the way callers do.
func parseInput(t testing.TB, stream string) Input {
	t.Helper()
	var in Input
	for _, doc := range strings.Split(stream, "\n---") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("bad test YAML: %v\n%s", err, doc)
		}
		apiVersion, _ := obj["apiVersion"].(string)
		kind, _ := obj["kind"].(string)
		meta, _ := obj["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		ns, _ := meta["namespace"].(string)
		switch {
		case apiVersion == "networking.k8s.io/v1" && kind == "NetworkPolicy":
			var p networkingv1.NetworkPolicy
			if err := yaml.UnmarshalStrict([]byte(doc), &p); err != nil {
				t.Fatalf("bad NetworkPolicy: %v\n%s", err, doc)
			}
			in.NetworkPolicies = append(in.NetworkPolicies, p)
		case apiVersion == "cilium.io/v2":
			p, err := DecodeCiliumPolicy(obj, ns, name, kind == CiliumClusterwideKind)
			if err != nil {
				t.Fatalf("DecodeCiliumPolicy: %v\n%s", err, doc)
			}
			in.Cilium = append(in.Cilium, p)
		case strings.Contains(apiVersion, "projectcalico.org") && (kind == "NetworkPolicy" || kind == "GlobalNetworkPolicy"):
			p, err := DecodeCalicoPolicy(obj, apiVersion, ns, name, kind == "GlobalNetworkPolicy")
			if err != nil {
				t.Fatalf("DecodeCalicoPolicy: %v\n%s", err, doc)
			}
			in.Calico = append(in.Calico, p)
		case strings.Contains(apiVersion, "projectcalico.org") && kind == "Tier":
			tier, err := DecodeCalicoTier(obj, name)
			if err != nil {
				t.Fatalf("DecodeCalicoTier: %v", err)
			}
			in.CalicoTiers = append(in.CalicoTiers, tier)
		case strings.Contains(apiVersion, "projectcalico.org") && (kind == "NetworkSet" || kind == "GlobalNetworkSet"):
			set, err := DecodeCalicoNetworkSet(obj, ns, name, kind == "GlobalNetworkSet")
			if err != nil {
				t.Fatalf("DecodeCalicoNetworkSet: %v", err)
			}
			in.CalicoNetworkSets = append(in.CalicoNetworkSets, set)
			in.CalicoNetworkSetsKnown = true
		case apiVersion == "v1" && kind == "Service":
			var s corev1.Service
			if err := yaml.UnmarshalStrict([]byte(doc), &s); err != nil {
				t.Fatalf("bad Service: %v", err)
			}
			in.Services = append(in.Services, s)
			if !slices.Contains(in.ServiceNamespaces, s.Namespace) {
				in.ServiceNamespaces = append(in.ServiceNamespaces, s.Namespace)
			}
		default:
			t.Fatalf("test YAML of unknown kind %s %s", apiVersion, kind)
		}
	}
	return in
}

// outcome of one direction in a truth table.
const (
	A = "allow"
	D = "deny"
	U = "unknown"
)

func outcomeOf(dv DirectionVerdict) string {
	switch {
	case dv.Unknown:
		return U
	case dv.Allowed:
		return A
	}
	return D
}

// decided describes what decided a direction, for the rows' "by" column: the
// deciding rule or default of a plugin, the NetworkPolicies, or "not restricted".
func decided(dv DirectionVerdict) string {
	switch {
	case dv.Unknown:
		return "unknown: " + notEvaluatedSummary(dv.NotEvaluated)
	case dv.Decision != nil:
		s := dv.Decision.Action + " " + dv.Decision.Ref()
		for _, l := range dv.L7 {
			s += "; L7: " + l
		}
		return s
	case dv.DecidedBy == LayerNetworkPolicy:
		var names []string
		for _, p := range dv.Policies {
			names = append(names, "NetworkPolicy "+p.Namespace+"/"+p.Name)
		}
		return "NetworkPolicy " + strings.Join(names, ", ")
	}
	return "not restricted"
}

// dialectRow is one row of a truth table: src → dst on a port, the outcome of the
// source's egress and the destination's ingress, and what each must name as its
// decider (a substring of decided; empty: not checked).
type dialectRow struct {
	src, dst string
	port     int32
	proto    corev1.Protocol
	eg, in   string
	egBy     string
	inBy     string
}

type dialectCase struct {
	name     string
	policies string
	rows     []dialectRow
}

func runDialectCases(t *testing.T, cases []dialectCase) int {
	t.Helper()
	w := newDialectWorld()
	n := 0
	for _, c := range cases {
		in := parseInput(t, c.policies)
		m, err := CompileInput(in)
		if err != nil {
			t.Fatalf("%s: CompileInput: %v", c.name, err)
		}
		for _, r := range c.rows {
			n++
			label := fmt.Sprintf("%s/%s->%s:%d%s", c.name, r.src, r.dst, r.port, r.proto)
			v, err := m.Evaluate(Traffic{Src: w.peer(r.src), Dst: w.peer(r.dst), Port: r.port, Protocol: r.proto})
			if err != nil {
				t.Errorf("%s: Evaluate: %v", label, err)
				continue
			}
			checkDialectInvariants(t, label, v)
			if got := outcomeOf(v.Egress); got != r.eg {
				t.Errorf("%s: egress %s, want %s\n  egress: %s\n  %s", label, got, r.eg, decided(v.Egress), v.Egress.Reason)
			}
			if got := outcomeOf(v.Ingress); got != r.in {
				t.Errorf("%s: ingress %s, want %s\n  ingress: %s\n  %s", label, got, r.in, decided(v.Ingress), v.Ingress.Reason)
			}
			if r.egBy != "" && !strings.Contains(decided(v.Egress), r.egBy) {
				t.Errorf("%s: egress decided by %q, want it to name %q", label, decided(v.Egress), r.egBy)
			}
			if r.inBy != "" && !strings.Contains(decided(v.Ingress), r.inBy) {
				t.Errorf("%s: ingress decided by %q, want it to name %q", label, decided(v.Ingress), r.inBy)
			}
		}
	}
	return n
}

// checkDialectInvariants: an unknown direction is never allowed and always says what
// was not evaluated; every verdict has a reason; a plugin verdict names its decider.
func checkDialectInvariants(t *testing.T, label string, v Verdict) {
	t.Helper()
	if v.Allowed != (v.Ingress.Allowed && v.Egress.Allowed) {
		t.Errorf("%s: Allowed=%v but ingress=%v egress=%v", label, v.Allowed, v.Ingress.Allowed, v.Egress.Allowed)
	}
	for _, d := range []DirectionVerdict{v.Ingress, v.Egress} {
		if d.Reason == "" {
			t.Errorf("%s: %s has no reason", label, d.Direction)
		}
		if d.Unknown && (d.Allowed || len(d.NotEvaluated) == 0) {
			t.Errorf("%s: %s unknown but allowed=%v with %d not-evaluated entries", label, d.Direction, d.Allowed, len(d.NotEvaluated))
		}
		if d.Plugin != "" && !d.Unknown && d.Decision == nil {
			t.Errorf("%s: %s decided by %s without a Decision", label, d.Direction, d.Plugin)
		}
		if len(d.L7) > 0 && !d.Allowed {
			t.Errorf("%s: %s has L7 notes but is not allowed", label, d.Direction)
		}
	}
}

// newDialectWorld is newWorld plus the pods and namespaces of the Cilium and Calico
// documentation examples.
func newDialectWorld() *world {
	w := newWorld()
	for _, n := range []*corev1.Namespace{
		mkNS("production", "env=prod"),
		mkNS("staging", "env=staging"),
		mkNS("circle", "shape=circle"),
		mkNS("ns1", "faction=alliance"),
		mkNS("ns2", "faction=empire"),
		mkNS("public", ""),
		mkNS("advanced-policy-demo", ""),
		mkNS("engineering", ""),
	} {
		w.nss[n.Name] = n
	}
	withSA := func(p *corev1.Pod, sa string) *corev1.Pod { p.Spec.ServiceAccountName = sa; return p }
	onNode := func(p *corev1.Pod, node string) *corev1.Pod { p.Spec.NodeName = node; return p }
	for _, p := range []*corev1.Pod{
		onNode(mkPod("default/frontend", "10.1.0.10", "role=frontend", "http:80"), "node-a"),
		mkPod("default/backend", "10.1.0.11", "role=backend", "http:80", "alt:81", "web:8080"),
		mkPod("default/myservice", "10.1.0.12", "app=myService", "http:80"),
		mkPod("default/crawler", "10.1.0.13", "role=crawler"),
		mkPod("default/victim", "10.1.0.14", "role=victim", "http:80"),
		mkPod("default/restricted", "10.1.0.15", "role=restricted"),
		mkPod("default/public", "10.1.0.16", "role=public", "http:80"),
		onNode(mkPod("default/dev", "10.1.0.17", "env=dev", "http:80"), "node-a"),
		mkPod("default/app2", "10.1.0.18", "id=app2"),
		mkPod("default/strict", "10.1.0.19", "cilium.example.com/policy=strict"),
		withSA(mkPod("default/sa-leia", "10.1.0.20", "app=leia", "http:80"), "leia"),
		withSA(mkPod("default/sa-luke", "10.1.0.21", "app=luke"), "luke"),
		mkPod("default/hashed", "10.1.0.22", "app=hashed,pod-template-hash=abc12"),
		onNode(hostNetwork(mkPod("default/host-a", "192.168.0.10", "app=host-agent")), "node-a"),
		onNode(hostNetwork(mkPod("default/host-b", "192.168.0.11", "app=host-agent")), "node-b"),
		mkPod("ns1/leia", "10.2.1.10", "name=leia", "http:80"),
		mkPod("ns1/luke", "10.2.1.11", "name=luke"),
		mkPod("ns2/luke", "10.2.2.10", "name=luke"),
		mkPod("ns2/leia", "10.2.2.11", "name=leia"),
		mkPod("production/red", "10.3.0.10", "color=red", "redis:6379", "6380"),
		mkPod("production/blue", "10.3.0.11", "color=blue"),
		mkPod("production/green", "10.3.0.12", "color=green"),
		mkPod("production/db", "10.3.0.13", "role=database", "pg:5432"),
		mkPod("production/frontend", "10.3.0.14", "role=frontend"),
		mkPod("production/strict", "10.3.0.15", "cilium.example.com/policy=strict"),
		mkPod("production/other", "10.3.0.16", "app=other"),
		mkPod("staging/strict", "10.4.0.10", "cilium.example.com/policy=strict"),
		mkPod("staging/stage", "10.4.0.11", "env=stage", "http:80"),
		mkPod("staging/stage-2", "10.4.0.12", "env=stage"),
		mkPod("circle/blue", "10.5.0.10", "color=blue"),
		mkPod("circle/green", "10.5.0.11", "color=green"),
		mkPod("public/web", "10.6.0.10", "app=web"),
		mkPod("advanced-policy-demo/nginx", "10.7.0.10", "app=nginx", "http:80"),
		mkPod("advanced-policy-demo/access", "10.7.0.11", "run=access"),
		mkPod("engineering/app", "10.8.0.10", "app=eng", "http:80"),
		mkPod("kube-system/coredns-2", "10.0.5.11", "k8s-app=kube-dns", "dns:53/UDP", "dns-tcp:53/TCP"),
	} {
		w.pods[p.Namespace+"/"+p.Name] = p
	}
	return w
}

// svcYAML is a Service selecting labels in ns with one port.
func svcYAML(ns, name, selector string, port int32, target intstr.IntOrString) string {
	s := corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{Selector: parseLabels(selector), Ports: []corev1.ServicePort{{Port: port, TargetPort: target}}}}
	b, _ := yaml.Marshal(s)
	return string(b)
}

package netpol

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

// Fuzz flags: which end is external / hostNetwork / in namespace "b".
const (
	fuzzSrcExternal = 1 << iota
	fuzzDstExternal
	fuzzSrcHostNet
	fuzzDstHostNet
	fuzzSrcOtherNS
	fuzzDstOtherNS
	fuzzNilNamespaces
)

// FuzzEvaluate feeds arbitrary policies, labels, addresses and ports to
// Compile and Evaluate. Nothing may panic, every verdict must satisfy the
// structural invariants, evaluation must be deterministic, and whenever a
// direction is denied, the rule SuggestRule proposes must actually allow it.
func FuzzEvaluate(f *testing.F) {
	seeds := []string{
		denyAllIngressShop,
		"metadata: {name: p, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: x}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: y}}}]\n    ports: [{port: http}]\n",
		"metadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]\n    ports: [{port: 53, protocol: UDP}, {port: 1000, endPort: 2000}]\n",
		"metadata: {name: p, namespace: a}\nspec:\n  podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [z]}]}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: b}}, podSelector: {}}, {namespaceSelector: {}}]\n---\nmetadata: {name: q, namespace: a}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n",
		"metadata: {name: p, namespace: b}\nspec:\n  podSelector: {matchExpressions: [{key: app, operator: Exists}]}\n  egress: [{}]\n",
		"metadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: '2001:db8::/32'}}], ports: [{protocol: SCTP}]}]\n",
	}
	for i, s := range seeds {
		f.Add(s, "app=x", "app=y", "10.0.0.1", "10.1.2.3", 8080, "", "TCP", uint8(i))
		f.Add(s, "app=y,tier=web", "app=x", "8.8.8.8", "2001:db8::1", 53, "dns", "UDP", uint8(i*7))
	}
	f.Add("metadata: {name: p, namespace: a}\nspec: {podSelector: {matchLabels: {'bad key': x}}}", "", "", "", "", 0, "http", "", uint8(0))
	f.Fuzz(func(t *testing.T, policyYAML, srcLabels, dstLabels, srcIP, dstIP string, port int, portName, proto string, flags uint8) {
		var pols []networkingv1.NetworkPolicy
		for _, doc := range strings.Split(policyYAML, "\n---") {
			var p networkingv1.NetworkPolicy
			if yaml.Unmarshal([]byte(doc), &p) != nil {
				return
			}
			pols = append(pols, p)
		}
		// The lint helpers must not panic on anything either.
		for i := range pols {
			_, _ = PolicySelectsNoPods(&pols[i], nil)
			_, _ = NamespaceSelectorsMatchingNothing(&pols[i], []corev1.Namespace{*mkNS("a", "team=a")})
			_ = PolicyPeerAndOrConfusion(&pols[i])
			_, _ = NamedPortsNotDeclared(&pols[i], []corev1.Pod{*mkPod("a/p", "10.0.0.1", srcLabels, "http:8080")}, nil)
			_ = RulesIgnoredByPolicyTypes(&pols[i])
			_ = EffectivePolicyTypes(&pols[i])
		}
		m, err := Compile(pols)
		if err != nil {
			if m != nil {
				t.Fatal("model returned with error")
			}
			return
		}
		nss := map[string]*corev1.Namespace{"a": mkNS("a", "team=a,env=prod"), "b": mkNS("b", "team=b")}
		mkPeer := func(external, hostNet, otherNS bool, name, lbls, ip string, ports ...string) Peer {
			if external {
				return Peer{IP: ip}
			}
			ns := "a"
			if otherNS {
				ns = "b"
			}
			p := mkPod(ns+"/"+name, ip, lbls, ports...)
			p.Spec.HostNetwork = hostNet
			peer := Peer{Pod: p}
			if flags&fuzzNilNamespaces == 0 {
				peer.Namespace = nss[ns]
			}
			return peer
		}
		dstPorts := []string{"http:8080", "dns:53/UDP", "sctp:3868/SCTP"}
		if portName != "" && port > 0 && port < 65536 {
			dstPorts = append(dstPorts, portName+":"+itoa(int32(port))+"/"+strings.ToUpper(proto))
		}
		if port < -1 || port > 70000 {
			port = port % 70000
		}
		tr := Traffic{
			Src:      mkPeer(flags&fuzzSrcExternal != 0, flags&fuzzSrcHostNet != 0, flags&fuzzSrcOtherNS != 0, "src", srcLabels, srcIP),
			Dst:      mkPeer(flags&fuzzDstExternal != 0, flags&fuzzDstHostNet != 0, flags&fuzzDstOtherNS != 0, "dst", dstLabels, dstIP, dstPorts...),
			Port:     int32(port),
			PortName: portName,
			Protocol: corev1.Protocol(proto),
		}
		v, err := m.Evaluate(tr)
		if err != nil {
			return
		}
		checkInvariants(t, v, false)
		if v2, _ := m.Evaluate(tr); !reflect.DeepEqual(v, v2) {
			t.Fatal("Evaluate is not deterministic")
		}
		for _, dv := range v.Blocking() {
			snippet, err := SuggestRule(tr, dv.Direction)
			if err != nil {
				continue
			}
			subject := tr.Dst.Pod
			if dv.Direction == Egress {
				subject = tr.Src.Pod
			}
			fixed := pols
			var spec networkingv1.NetworkPolicySpec
			if yaml.UnmarshalStrict([]byte(snippet), &spec) != nil {
				t.Fatalf("unparsable suggestion:\n%s", snippet)
			}
			fixed = applySuggestion(t, pols, snippet, subject)
			// Suggestions built from fuzzed labels may be invalid; that is
			// not what this property is about.
			m2, err := Compile(fixed)
			if err != nil {
				continue
			}
			after, err := m2.Evaluate(tr)
			if err != nil {
				t.Fatalf("fixed model rejects traffic it accepted before: %v", err)
			}
			got := after.Ingress
			if dv.Direction == Egress {
				got = after.Egress
			}
			if !got.Allowed {
				t.Fatalf("suggested rule does not allow %s:\n%s\n%s", dv.Direction, snippet, allReasons(after))
			}
		}
	})
}

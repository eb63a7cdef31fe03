package netpol

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	benchNamespaces      = 50
	benchPodsPerNS       = 200 // 10,000 pods
	benchPoliciesPerNS   = 20  // 1,000 policies
	benchAppsPerNS       = 20
	benchNamespaceTeams  = 10
	benchPolicyPortRange = 9100
)

type benchCluster struct {
	policies []networkingv1.NetworkPolicy
	pods     []*corev1.Pod
	nss      map[string]*corev1.Namespace
}

func (c *benchCluster) peer(ns, pod int) Peer {
	p := c.pods[ns*benchPodsPerNS+pod]
	return Peer{Pod: p, Namespace: c.nss[p.Namespace]}
}

// newBenchCluster builds a cluster shaped like a busy multi-tenant one: a
// default deny plus DNS allowance per namespace, and per-app policies mixing
// every peer and port form.
func newBenchCluster() *benchCluster {
	c := &benchCluster{nss: map[string]*corev1.Namespace{}}
	envs := []string{"prod", "staging", "dev"}
	tiers := []string{"web", "api", "db"}
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	port := func(p intstr.IntOrString, proto *corev1.Protocol, end int32) networkingv1.NetworkPolicyPort {
		np := networkingv1.NetworkPolicyPort{Port: &p, Protocol: proto}
		if end != 0 {
			np.EndPort = &end
		}
		return np
	}
	sel := func(kv ...string) *metav1.LabelSelector {
		s := &metav1.LabelSelector{MatchLabels: map[string]string{}}
		for i := 0; i < len(kv); i += 2 {
			s.MatchLabels[kv[i]] = kv[i+1]
		}
		return s
	}
	for i := 0; i < benchNamespaces; i++ {
		ns := fmt.Sprintf("ns-%02d", i)
		c.nss[ns] = mkNS(ns, fmt.Sprintf("team=team-%d,env=%s", i%benchNamespaceTeams, envs[i%3]))
		for j := 0; j < benchPodsPerNS; j++ {
			p := mkPod(fmt.Sprintf("%s/pod-%03d", ns, j), fmt.Sprintf("10.%d.%d.%d", i, j/250, j%250+1),
				fmt.Sprintf("app=app-%d,tier=%s,version=v%d,pod-template-hash=h%d", j%benchAppsPerNS, tiers[j%3], j%4, j),
				fmt.Sprintf("http:%d", 8080+j%2), "metrics:9100", "dns:53/UDP")
			c.pods = append(c.pods, p)
		}
		c.policies = append(c.policies,
			networkingv1.NetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: "default-deny", Namespace: ns},
				Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}},
			},
			networkingv1.NetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: "allow-dns", Namespace: ns},
				Spec: networkingv1.NetworkPolicySpec{
					PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
					Egress: []networkingv1.NetworkPolicyEgressRule{{
						To:    []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}, PodSelector: sel("k8s-app", "kube-dns")}},
						Ports: []networkingv1.NetworkPolicyPort{port(intstr.FromInt32(53), &udp, 0), port(intstr.FromInt32(53), &tcp, 0)},
					}},
				},
			})
		for k := 2; k < benchPoliciesPerNS; k++ {
			podSel := *sel("app", fmt.Sprintf("app-%d", k))
			if k%3 == 0 {
				podSel.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"db"}}}
			}
			c.policies = append(c.policies, networkingv1.NetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%d", k), Namespace: ns},
				Spec: networkingv1.NetworkPolicySpec{
					PodSelector: podSel,
					Ingress: []networkingv1.NetworkPolicyIngressRule{
						{
							From: []networkingv1.NetworkPolicyPeer{
								{PodSelector: sel("app", fmt.Sprintf("app-%d", (k+1)%benchAppsPerNS))},
								{NamespaceSelector: sel("team", fmt.Sprintf("team-%d", (i+k)%benchNamespaceTeams)), PodSelector: sel("tier", "web")},
								{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{fmt.Sprintf("10.%d.0.0/16", i)}}},
							},
							Ports: []networkingv1.NetworkPolicyPort{
								port(intstr.FromString("http"), nil, 0),
								port(intstr.FromInt32(9000), &tcp, benchPolicyPortRange),
								port(intstr.FromInt32(53), &udp, 0),
							},
						},
						{
							From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
								{Key: "env", Operator: metav1.LabelSelectorOpIn, Values: []string{"prod", "staging"}},
							}}}},
							Ports: []networkingv1.NetworkPolicyPort{port(intstr.FromString("metrics"), nil, 0)},
						},
					},
					Egress: []networkingv1.NetworkPolicyEgressRule{{
						To:    []networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel("env", envs[k%3])}},
						Ports: []networkingv1.NetworkPolicyPort{port(intstr.FromInt32(8080), nil, 0), port(intstr.FromString("http"), nil, 0)},
					}},
				},
			})
		}
	}
	return c
}

// BenchmarkEvaluate measures one pair after Compile on 1,000 policies over
// 50 namespaces and 10,000 pods.
func BenchmarkEvaluate(b *testing.B) {
	c := newBenchCluster()
	if len(c.policies) != 1000 || len(c.pods) != 10000 {
		b.Fatalf("cluster has %d policies and %d pods", len(c.policies), len(c.pods))
	}
	m, err := Compile(c.policies)
	if err != nil {
		b.Fatal(err)
	}
	tr := Traffic{Src: c.peer(7, 13), Dst: c.peer(23, 103), Port: 8080}
	v, err := m.Evaluate(tr)
	if err != nil {
		b.Fatal(err)
	}
	if len(v.Egress.Policies) < 3 || len(v.Ingress.Policies) < 2 || v.Allowed {
		b.Fatalf("benchmark pair is not selected by enough policies: egress %d, ingress %d", len(v.Egress.Policies), len(v.Ingress.Policies))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Evaluate(tr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile measures building the model for the same cluster.
func BenchmarkCompile(b *testing.B) {
	c := newBenchCluster()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Compile(c.policies); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateOneToAll evaluates one source against all 10,000 pods,
// the shape of a "who can this pod reach" scan.
func BenchmarkEvaluateOneToAll(b *testing.B) {
	c := newBenchCluster()
	m, err := Compile(c.policies)
	if err != nil {
		b.Fatal(err)
	}
	src := c.peer(7, 13)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range c.pods {
			if _, err := m.Evaluate(Traffic{Src: src, Dst: c.peer(i/benchPodsPerNS, i%benchPodsPerNS), Port: 8080}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

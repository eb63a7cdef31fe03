package netpol

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestRuleSummary(t *testing.T) {
	web := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	prod := &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}
	udp := corev1.ProtocolUDP
	for _, c := range []struct {
		dir   Direction
		peers []networkingv1.NetworkPolicyPeer
		ports []networkingv1.NetworkPolicyPort
		want  string
	}{
		{Ingress, nil, nil, "from everyone on all ports"},
		{Egress, nil, nil, "to everyone on all ports"},
		{Ingress, []networkingv1.NetworkPolicyPeer{{PodSelector: web}, {NamespaceSelector: prod}},
			[]networkingv1.NetworkPolicyPort{{Port: ptr.To(intstr.FromInt32(8080))}},
			"from pods app=web or namespaces env=prod on 8080/TCP"},
		{Ingress, []networkingv1.NetworkPolicyPeer{{PodSelector: web, NamespaceSelector: &metav1.LabelSelector{}}},
			[]networkingv1.NetworkPolicyPort{{Port: ptr.To(intstr.FromString("dns")), Protocol: &udp}, {Port: ptr.To(intstr.FromInt32(8000)), EndPort: ptr.To(int32(8100))}},
			"from pods app=web in namespaces {} on dns/UDP, 8000-8100/TCP"},
		{Egress, []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16"}}}},
			[]networkingv1.NetworkPolicyPort{{Protocol: &udp}},
			"to ipBlock 10.0.0.0/8 except 10.1.0.0/16 on all/UDP"},
	} {
		if got := RuleSummary(c.dir, c.peers, c.ports); got != c.want {
			t.Errorf("RuleSummary = %q, want %q", got, c.want)
		}
	}
}

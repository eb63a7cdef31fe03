package anpconv

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/yaml"

	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

// anpYAML follows the v1alpha1 API reference shapes (and the upstream
// "cluster-control" example): every peer and port kind the API has.
const anpYAML = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: cluster-control
spec:
  priority: 34
  subject:
    namespaces: {}
  ingress:
  - name: allow-from-monitoring
    action: Allow
    from:
    - namespaces:
        matchLabels:
          kubernetes.io/metadata.name: monitoring
    ports:
    - portNumber:
        protocol: TCP
        port: 7000
    - namedPort: sensitive-port
  - name: pass-from-tenant
    action: Pass
    from:
    - pods:
        namespaceSelector:
          matchLabels:
            tenant: restricted
        podSelector: {}
  - name: deny-all
    action: Deny
    from:
    - namespaces: {}
  egress:
  - name: allow-to-kapi
    action: Allow
    to:
    - networks:
      - 192.0.2.0/24
    ports:
    - portRange:
        protocol: TCP
        start: 6443
        end: 6450
  - name: deny-control-plane
    action: Deny
    to:
    - nodes:
        matchExpressions:
        - key: node-role.kubernetes.io/control-plane
          operator: Exists
  - name: pass-to-pods
    action: Pass
    to:
    - pods:
        namespaceSelector: {}
        podSelector:
          matchLabels:
            app: db
    - domainNames:
      - "*.example.com"
`

const banpYAML = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    pods:
      namespaceSelector:
        matchExpressions:
        - key: kubernetes.io/metadata.name
          operator: NotIn
          values: [kube-system]
      podSelector: {}
  ingress:
  - name: default-deny
    action: Deny
    from:
    - namespaces: {}
  egress:
  - name: allow-dns
    action: Allow
    to:
    - pods:
        namespaceSelector:
          matchLabels:
            kubernetes.io/metadata.name: kube-system
        podSelector:
          matchLabels:
            k8s-app: kube-dns
    ports:
    - portNumber:
        protocol: UDP
        port: 53
  - name: deny-rest
    action: Deny
    to:
    - networks: ["0.0.0.0/0", "::/0"]
`

func TestFromANP(t *testing.T) {
	var anp anpv1alpha1.AdminNetworkPolicy
	if err := yaml.UnmarshalStrict([]byte(anpYAML), &anp); err != nil {
		t.Fatal(err)
	}
	got, notes := FromANP(&anp)
	want := netpol.AdminPolicy{
		Name:     "cluster-control",
		Priority: 34,
		Subject:  netpol.AdminSubject{Namespaces: &metav1.LabelSelector{}},
		Ingress: []netpol.AdminRule{
			{Name: "allow-from-monitoring", Action: netpol.AdminAllow,
				Peers: []netpol.AdminPeer{{Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "monitoring"}}}},
				Ports: []netpol.AdminPort{{Protocol: corev1.ProtocolTCP, Port: 7000}, {Name: "sensitive-port"}}},
			{Name: "pass-from-tenant", Action: netpol.AdminPass,
				Peers: []netpol.AdminPeer{{Pods: &netpol.AdminPodSelector{
					NamespaceSelector: metav1.LabelSelector{MatchLabels: map[string]string{"tenant": "restricted"}}}}}},
			{Name: "deny-all", Action: netpol.AdminDeny, Peers: []netpol.AdminPeer{{Namespaces: &metav1.LabelSelector{}}}},
		},
		Egress: []netpol.AdminRule{
			{Name: "allow-to-kapi", Action: netpol.AdminAllow,
				Peers: []netpol.AdminPeer{{Networks: []string{"192.0.2.0/24"}}},
				Ports: []netpol.AdminPort{{Protocol: corev1.ProtocolTCP, Port: 6443, EndPort: 6450}}},
			// deny-control-plane has only a nodes peer: dropped.
			{Name: "pass-to-pods", Action: netpol.AdminPass,
				Peers: []netpol.AdminPeer{{Pods: &netpol.AdminPodSelector{
					PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}}}}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromANP:\n got %+v\nwant %+v", got, want)
	}
	wantNotes := []string{
		"AdminNetworkPolicy cluster-control egress[1] to[0] (nodes): peer not evaluated",
		`AdminNetworkPolicy cluster-control egress[1] "deny-control-plane" ignored: none of its peers can be evaluated`,
		"AdminNetworkPolicy cluster-control egress[2] to[1] (domainNames): peer not evaluated",
	}
	if !reflect.DeepEqual(notes, wantNotes) {
		t.Errorf("notes:\n got %q\nwant %q", notes, wantNotes)
	}
	if _, err := netpol.CompileWithAdmin(nil, []netpol.AdminPolicy{got}, nil); err != nil {
		t.Errorf("converted ANP does not compile: %v", err)
	}
}

func TestFromBANP(t *testing.T) {
	var banp anpv1alpha1.BaselineAdminNetworkPolicy
	if err := yaml.UnmarshalStrict([]byte(banpYAML), &banp); err != nil {
		t.Fatal(err)
	}
	got, notes := FromBANP(&banp)
	if len(notes) != 0 {
		t.Errorf("notes: %q", notes)
	}
	want := netpol.AdminPolicy{
		Name: "default",
		Subject: netpol.AdminSubject{Pods: &netpol.AdminPodSelector{NamespaceSelector: metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system"}}}}}},
		Ingress: []netpol.AdminRule{{Name: "default-deny", Action: netpol.AdminDeny, Peers: []netpol.AdminPeer{{Namespaces: &metav1.LabelSelector{}}}}},
		Egress: []netpol.AdminRule{
			{Name: "allow-dns", Action: netpol.AdminAllow,
				Peers: []netpol.AdminPeer{{Pods: &netpol.AdminPodSelector{
					NamespaceSelector: metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}},
					PodSelector:       metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}}}}},
				Ports: []netpol.AdminPort{{Protocol: corev1.ProtocolUDP, Port: 53}}},
			{Name: "deny-rest", Action: netpol.AdminDeny, Peers: []netpol.AdminPeer{{Networks: []string{"0.0.0.0/0", "::/0"}}}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromBANP:\n got %+v\nwant %+v", got, want)
	}
	if _, err := netpol.CompileWithAdmin(nil, nil, &got); err != nil {
		t.Errorf("converted BANP does not compile: %v", err)
	}
}

// An invalid object converts as is, for the engine to reject with its own message.
func TestInvalidPassesThrough(t *testing.T) {
	banp := anpv1alpha1.BaselineAdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: anpv1alpha1.BaselineAdminNetworkPolicySpec{
			Subject: anpv1alpha1.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{}},
			Ingress: []anpv1alpha1.BaselineAdminNetworkPolicyIngressRule{{Action: "Pass",
				From: []anpv1alpha1.AdminNetworkPolicyIngressPeer{{Namespaces: &metav1.LabelSelector{}}}}},
		}}
	got, _ := FromBANP(&banp)
	if _, err := netpol.CompileWithAdmin(nil, nil, &got); err == nil {
		t.Error("a BANP with action Pass compiled")
	}
}

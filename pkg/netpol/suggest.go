package netpol

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// identityLabelKeys are tried in order when choosing the label that names a
// workload; one stable label keeps a suggested rule readable and robust.
var identityLabelKeys = []string{
	"app.kubernetes.io/name",
	"app",
	"k8s-app",
	"name",
	"component",
	"app.kubernetes.io/component",
}

// volatileLabelKeys change with every rollout or differ per replica, so a
// rule selecting them would break on the next deploy.
var volatileLabelKeys = map[string]bool{
	"pod-template-hash":                        true,
	"controller-revision-hash":                 true,
	"pod-template-generation":                  true,
	"statefulset.kubernetes.io/pod-name":       true,
	"apps.kubernetes.io/pod-index":             true,
	"controller-uid":                           true,
	"batch.kubernetes.io/controller-uid":       true,
	"job-name":                                 true,
	"batch.kubernetes.io/job-name":             true,
	"batch.kubernetes.io/job-completion-index": true,
}

// SuggestRule returns, for display, the YAML of a minimal ingress or egress
// rule (one peer, one port) that would allow t in direction dir once added
// to a NetworkPolicy selecting the subject (the destination for Ingress,
// the source for Egress). The peer is a podSelector on the other pod's
// identifying label (AND'd with a kubernetes.io/metadata.name
// namespaceSelector when it lives in another namespace), or a single-address
// ipBlock for external addresses and hostNetwork pods. It fails when no
// NetworkPolicy rule can express the fix, e.g. when the subject is not a
// selectable pod.
func SuggestRule(t Traffic, dir Direction) (string, error) {
	if dir != Ingress && dir != Egress {
		return "", fmt.Errorf("unknown direction %q", dir)
	}
	src, err := resolvePeer("source", t.Src)
	if err != nil {
		return "", err
	}
	dst, err := resolvePeer("destination", t.Dst)
	if err != nil {
		return "", err
	}
	tp, err := resolveTrafficPort(t, dst)
	if err != nil {
		return "", err
	}
	subject, other := dst, src
	if dir == Egress {
		subject, other = src, dst
	}
	if !subject.isSelectable() {
		return "", fmt.Errorf("%s cannot be selected by a NetworkPolicy, so no %s rule applies to it", subject.desc, dir.lower())
	}

	var comments []string
	var peer networkingv1.NetworkPolicyPeer
	if other.isSelectable() {
		sel, note := identitySelector(other)
		if note != "" {
			comments = append(comments, note)
		}
		peer.PodSelector = sel
		if other.namespace != subject.namespace {
			// podSelector alone would look in the subject's namespace;
			// the metadata.name label is the one label every namespace has.
			peer.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{namespaceNameLabel: other.namespace}}
		}
	} else {
		if !other.ip.IsValid() {
			return "", fmt.Errorf("%s has no known IP and cannot be selected by pod selectors", other.desc)
		}
		bits := 32
		if other.ip.Is6() {
			bits = 128
		}
		peer.IPBlock = &networkingv1.IPBlock{CIDR: netip.PrefixFrom(other.ip, bits).String()}
		if other.pod != nil {
			comments = append(comments, fmt.Sprintf("%s is only visible by its node IP; this allows everything on that node", other.desc))
		}
	}

	proto := tp.protocol
	port := intstr.FromInt32(tp.number)
	if t.PortName != "" {
		// Keep the name: it survives the destination changing its number.
		port = intstr.FromString(t.PortName)
	}
	ports := []networkingv1.NetworkPolicyPort{{Protocol: &proto, Port: &port}}

	var doc any
	if dir == Ingress {
		doc = map[string]any{"ingress": []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{peer}, Ports: ports}}}
	} else {
		doc = map[string]any{"egress": []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{peer}, Ports: ports}}}
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "# add to spec.%s of a NetworkPolicy in namespace %s selecting %s\n", dir.lower(), subject.namespace, subject.desc)
	for _, c := range comments {
		sb.WriteString("# " + c + "\n")
	}
	sb.Write(b)
	return sb.String(), nil
}

// identitySelector picks the label(s) that identify e's workload: the first
// well-known identity label, else every non-volatile label. A pod without
// usable labels gets the empty selector, with a note saying how broad that
// is.
func identitySelector(e *endpoint) (*metav1.LabelSelector, string) {
	l := e.pod.Labels
	for _, k := range identityLabelKeys {
		if v, ok := l[k]; ok {
			return &metav1.LabelSelector{MatchLabels: map[string]string{k: v}}, ""
		}
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		if !volatileLabelKeys[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return &metav1.LabelSelector{}, fmt.Sprintf("%s has no stable labels; podSelector {} admits every pod of namespace %s", e.desc, e.namespace)
	}
	ml := make(map[string]string, len(keys))
	for _, k := range keys {
		ml[k] = l[k]
	}
	return &metav1.LabelSelector{MatchLabels: ml}, ""
}

package netpol

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

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
	src, dst, tp, err := resolveTraffic(t)
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
	ml := kube.WorkloadLabels(e.pod.Labels)
	if len(ml) == 0 {
		return &metav1.LabelSelector{}, fmt.Sprintf("%s has no stable labels; podSelector {} admits every pod of namespace %s", e.desc, e.namespace)
	}
	return &metav1.LabelSelector{MatchLabels: ml}, ""
}

// PluginSuggestion is a policy of a network plugin's own kind that would allow traffic
// its plugin denies.
type PluginSuggestion struct {
	Kind, APIVersion, Namespace, Name string
	// YAML is the complete object, ready for kubectl apply -f -.
	YAML string
	// Why says where it goes in the plugin's order and why that opens the path.
	Why string
}

// ErrDenyRuleWins is returned by SuggestPluginPolicy for a Cilium deny rule: no allow
// of any kind overrides it, the deny rule itself must be narrowed.
var ErrDenyRuleWins = errors.New("a Cilium deny rule wins over every allow rule: narrow or remove the deny rule instead")

// SuggestPluginPolicy proposes the smallest policy, in the dialect of what denied dv,
// that allows every connection of traffic (the denied pairs of one direction). subject
// selects the pods it applies to (the destination for Ingress, the source for Egress);
// name is the policy's name. It fails when a plugin did not decide dv.
//
//   - Cilium, default deny: a CiliumNetworkPolicy with one allow rule per peer
//     (fromEndpoints with the peer's identity label and, in another namespace,
//     k8s:io.kubernetes.pod.namespace; fromCIDR for an outside address; fromEntities
//     for a node) and toPorts. Allows add up, so it opens only this path.
//   - Cilium, deny rule: ErrDenyRuleWins.
//   - Calico: a Calico NetworkPolicy in the tier of the deciding deny with an order
//     before it (a tier's end-of-tier drop needs no order), one Allow rule per peer
//     (selector with projectcalico.org/name namespaceSelector, or nets) with protocol
//     and destination port.
func SuggestPluginPolicy(name string, subject *metav1.LabelSelector, dir Direction, dv DirectionVerdict, traffic []Traffic) (PluginSuggestion, error) {
	d := dv.Decision
	if dv.Plugin == "" || d == nil || dv.Allowed || dv.Unknown {
		return PluginSuggestion{}, errors.New("no plugin denied this direction")
	}
	if len(traffic) == 0 {
		return PluginSuggestion{}, errors.New("no traffic to allow")
	}
	type peerPorts struct {
		other *endpoint
		ports []trafficPort
		names []string
	}
	var peers []*peerPorts
	var subjectEP *endpoint
	for _, t := range traffic {
		src, dst, tp, err := resolveTraffic(t)
		if err != nil {
			return PluginSuggestion{}, err
		}
		subj, other := dst, src
		if dir == Egress {
			subj, other = src, dst
		}
		if !subj.isSelectable() {
			return PluginSuggestion{}, fmt.Errorf("%s cannot be selected by a policy", subj.desc)
		}
		if subjectEP == nil {
			subjectEP = subj
		}
		var pp *peerPorts
		for _, p := range peers {
			if p.other.desc == other.desc || (other.isSelectable() && p.other.isSelectable() && p.other.namespace == other.namespace && sameIdentity(p.other, other)) {
				pp = p
			}
		}
		if pp == nil {
			pp = &peerPorts{other: other}
			peers = append(peers, pp)
		}
		pp.ports = append(pp.ports, tp)
		pp.names = append(pp.names, t.PortName)
	}
	if subject == nil {
		subject = &metav1.LabelSelector{}
	}
	ns := subjectEP.namespace
	switch dv.Plugin {
	case PluginCilium:
		if d.Action == "Deny" {
			return PluginSuggestion{}, ErrDenyRuleWins
		}
		var rules []any
		for _, p := range peers {
			rule := map[string]any{}
			field := map[Direction]string{Ingress: "from", Egress: "to"}[dir]
			switch {
			case p.other.isSelectable():
				sel, _ := identitySelector(p.other)
				ml := map[string]string{}
				for k, v := range sel.MatchLabels {
					ml[k] = v
				}
				if p.other.namespace != ns {
					ml["k8s:"+ciliumNamespaceKey] = p.other.namespace
				}
				rule[field+"Endpoints"] = []any{map[string]any{"matchLabels": ml}}
			case p.other.pod != nil:
				rule[field+"Entities"] = []string{"host", "remote-node"}
			default:
				bits := 32
				if p.other.ip.Is6() {
					bits = 128
				}
				rule[field+"CIDR"] = []string{netip.PrefixFrom(p.other.ip, bits).String()}
			}
			var ports []any
			for i, tp := range p.ports {
				port := fmt.Sprint(tp.number)
				if p.names[i] != "" {
					port = p.names[i]
				}
				ports = append(ports, map[string]any{"port": port, "protocol": string(tp.protocol)})
			}
			rule["toPorts"] = []any{map[string]any{"ports": ports}}
			rules = append(rules, rule)
		}
		spec := map[string]any{"endpointSelector": subject, dir.lower(): rules}
		obj := map[string]any{"apiVersion": "cilium.io/v2", "kind": CiliumNamespacedKind,
			"metadata": map[string]any{"name": name, "namespace": ns}, "spec": spec}
		b, err := yaml.Marshal(obj)
		if err != nil {
			return PluginSuggestion{}, err
		}
		return PluginSuggestion{Kind: CiliumNamespacedKind, APIVersion: "cilium.io/v2", Namespace: ns, Name: name, YAML: string(b),
			Why: "Cilium adds the allows of every policy up, so it opens only this path"}, nil
	case PluginCalico:
		tier := d.Tier
		if tier == "" {
			tier = calicoDefaultTier
		}
		apiVersion := "projectcalico.org/v3"
		if strings.HasPrefix(d.APIVersion, "crd.projectcalico.org") {
			apiVersion = d.APIVersion
		}
		fullName := name
		if tier != calicoDefaultTier {
			fullName = tier + "." + name
		} else if apiVersion != "projectcalico.org/v3" {
			fullName = "default." + name
		}
		var rules []any
		for _, p := range peers {
			for i, tp := range p.ports {
				ent := map[string]any{}
				switch {
				case p.other.isSelectable():
					sel, _ := identitySelector(p.other)
					ent["selector"] = calicoSelectorText(sel)
					if p.other.namespace != ns {
						ent["namespaceSelector"] = fmt.Sprintf("projectcalico.org/name == '%s'", p.other.namespace)
					}
				default:
					bits := 32
					if p.other.ip.Is6() {
						bits = 128
					}
					ent["nets"] = []string{netip.PrefixFrom(p.other.ip, bits).String()}
				}
				var port any = tp.number
				if p.names[i] != "" {
					port = p.names[i]
				}
				rule := map[string]any{"action": "Allow", "protocol": string(tp.protocol), "destination": map[string]any{"ports": []any{port}}}
				if dir == Ingress {
					rule["source"] = ent
				} else {
					dest := rule["destination"].(map[string]any)
					for k, v := range ent {
						dest[k] = v
					}
				}
				rules = append(rules, rule)
			}
		}
		spec := map[string]any{"selector": calicoSelectorText(subject), "types": []string{string(dir)}, dir.lower(): rules}
		why := fmt.Sprintf("it allows this path in tier %s, where nothing allowed it before the end of the tier", tier)
		if tier != calicoDefaultTier {
			spec["tier"] = tier
		}
		if d.Action == "Deny" && d.Order != "" {
			o, err := strconv.ParseFloat(d.Order, 64)
			if err == nil {
				spec["order"] = o - 1
				why = fmt.Sprintf("order %v puts it before %s (order %s) in tier %s, so its Allow decides first", o-1, d.PolicyRef(), d.Order, tier)
			}
		} else if d.Action == "Deny" {
			spec["order"] = float64(calicoK8sPolicyOrder)
			why = fmt.Sprintf("order 1000 puts it before %s (no order) in tier %s, so its Allow decides first", d.PolicyRef(), tier)
		}
		obj := map[string]any{"apiVersion": apiVersion, "kind": CalicoNamespacedKind,
			"metadata": map[string]any{"name": fullName, "namespace": ns}, "spec": spec}
		b, err := yaml.Marshal(obj)
		if err != nil {
			return PluginSuggestion{}, err
		}
		return PluginSuggestion{Kind: CalicoNamespacedKind, APIVersion: apiVersion, Namespace: ns, Name: fullName, YAML: string(b), Why: why}, nil
	}
	return PluginSuggestion{}, fmt.Errorf("no suggestion for plugin %s", dv.Plugin)
}

func sameIdentity(a, b *endpoint) bool {
	sa, _ := identitySelector(a)
	sb, _ := identitySelector(b)
	return labels.SelectorFromSet(sa.MatchLabels).String() == labels.SelectorFromSet(sb.MatchLabels).String()
}

// calicoSelectorText writes a label selector as a Calico selector expression.
func calicoSelectorText(s *metav1.LabelSelector) string {
	if s == nil {
		return "all()"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.MatchLabels)) {
		parts = append(parts, fmt.Sprintf("%s == '%s'", k, s.MatchLabels[k]))
	}
	for _, e := range s.MatchExpressions {
		quoted := make([]string, len(e.Values))
		for i, v := range e.Values {
			quoted[i] = "'" + v + "'"
		}
		switch e.Operator {
		case metav1.LabelSelectorOpIn:
			parts = append(parts, fmt.Sprintf("%s in {%s}", e.Key, strings.Join(quoted, ", ")))
		case metav1.LabelSelectorOpNotIn:
			parts = append(parts, fmt.Sprintf("%s not in {%s}", e.Key, strings.Join(quoted, ", ")))
		case metav1.LabelSelectorOpExists:
			parts = append(parts, fmt.Sprintf("has(%s)", e.Key))
		case metav1.LabelSelectorOpDoesNotExist:
			parts = append(parts, fmt.Sprintf("!has(%s)", e.Key))
		}
	}
	if len(parts) == 0 {
		return "all()"
	}
	return strings.Join(parts, " && ")
}

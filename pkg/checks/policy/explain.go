// Package policy turns the NetworkPolicy engine's verdicts into what an on-call engineer
// reads: one evidence line per policy rule explaining why it does not match, and a
// ready-to-apply NetworkPolicy that opens exactly the denied path. It also holds the
// policy lints of the scan command (lint.go). Everything here is pure except Lint,
// which reads through a Source.
package policy

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

// Ref names a policy as findings do: "NetworkPolicy shop/deny-all".
func Ref(namespace, name string) string { return "NetworkPolicy " + namespace + "/" + name }

// Evidence explains a direction verdict one line per policy rule: a default-deny policy
// in one line, every other rule with why its peer and port do or do not match, under
// the path a user finds it at in the YAML (spec.ingress[0]).
//
// Under a network plugin's precedence (dv.Plugin), the lines of the plugin's policies
// follow, in the order the plugin evaluates them, each rule with its action and
// whether it matches; under Calico the NetworkPolicies are among them, in their place.
func Evidence(dv netpol.DirectionVerdict) []string {
	field := "spec.ingress"
	if dv.Direction == netpol.Egress {
		field = "spec.egress"
	}
	var lines []string
	if dv.Plugin == netpol.PluginCalico {
		return append(lines, pluginEvidence(dv)...)
	}
	for _, pv := range dv.Policies {
		name := Ref(pv.Namespace, pv.Name)
		if pv.NoRules || len(pv.Rules) == 0 {
			lines = append(lines, name+": "+pv.Reason)
			continue
		}
		for _, r := range pv.Rules {
			lines = append(lines, fmt.Sprintf("%s %s[%d]: %s", name, field, r.Index, r.Reason))
		}
	}
	return append(lines, pluginEvidence(dv)...)
}

// pluginEvidence explains the plugin's policies of a verdict, rule by rule.
func pluginEvidence(dv netpol.DirectionVerdict) []string {
	var lines []string
	for _, pv := range dv.PluginPolicies {
		ref := pv.Ref()
		if pv.Tier != "" {
			order := pv.Order
			if order == "" {
				order = "none"
			}
			ref += fmt.Sprintf(" (tier %s, order %s)", pv.Tier, order)
		}
		if pv.MaySelect {
			ref += " (may apply: " + pv.Selects + ")"
		}
		if pv.NotReached {
			lines = append(lines, ref+": not reached, an earlier policy decided")
			continue
		}
		if len(pv.Rules) == 0 {
			lines = append(lines, ref+": "+pv.Reason)
			continue
		}
		for _, r := range pv.Rules {
			match := map[string]string{"yes": "matches", "no": "does not match", "maybe": "may match"}[r.Match]
			lines = append(lines, fmt.Sprintf("%s %s (%s) %s: %s", ref, r.Path, r.Action, match, r.Reason))
		}
	}
	if d := dv.Decision; d != nil && (d.Action == netpol.ActionDefaultDeny || d.Action == netpol.ActionDefault || d.Action == netpol.ActionProfile) && d.Reason != "" {
		lines = append(lines, d.Reason)
	}
	return lines
}

// Deciders names what decided a direction: the plugin's deciding rule (or, for a
// default deny, the policies behind it) when a plugin's precedence applied, else the
// NetworkPolicies selecting the subject ("ns/name").
func Deciders(dv netpol.DirectionVerdict) []string {
	if d := dv.Decision; dv.Plugin != "" && d != nil {
		if d.Name == "" {
			return d.Policies
		}
		return []string{d.Ref()}
	}
	return PolicyNames(dv)
}

// PolicyNames lists the policies of a verdict, "ns/name", in the verdict's order.
func PolicyNames(dv netpol.DirectionVerdict) []string {
	names := make([]string, 0, len(dv.Policies))
	for _, pv := range dv.Policies {
		names = append(names, pv.Namespace+"/"+pv.Name)
	}
	return names
}

// Deciding names the policies and rules that allowed an isolated direction, e.g.
// "shop/allow-frontend spec.ingress[0]"; empty when the direction is not isolated.
func Deciding(dv netpol.DirectionVerdict) string {
	if d := dv.Decision; dv.Plugin != "" && d != nil {
		switch d.Action {
		case netpol.ActionDefault, netpol.ActionProfile:
			return d.Reason
		}
		return d.Ref()
	}
	field := "spec.ingress"
	if dv.Direction == netpol.Egress {
		field = "spec.egress"
	}
	var parts []string
	for _, pv := range dv.Policies {
		for _, r := range pv.Rules {
			if r.Allows() {
				parts = append(parts, fmt.Sprintf("%s/%s %s[%d]", pv.Namespace, pv.Name, field, r.Index))
			}
		}
	}
	return strings.Join(parts, ", ")
}

// Suggestion is a NetworkPolicy that would allow denied traffic.
type Suggestion struct {
	// Name and Namespace of the suggested policy.
	Name, Namespace string
	// YAML is the complete object, ready for kubectl apply -f -.
	YAML string
}

// errNoTraffic is returned by Suggest when given nothing to allow.
var errNoTraffic = errors.New("no traffic to allow")

// Suggest builds one NetworkPolicy allowing every connection in traffic for dir. It is a
// new policy rather than an edit of an existing one: policies are additive, so applying
// it opens exactly these paths and nothing else, and default-deny policies stay as
// they are. subject selects the pods the policy applies to (the destination for
// Ingress, the source for Egress); name is the policy name (sanitised here). Rules
// with the same peer are merged into one rule listing all ports. Notes of the engine
// (e.g. "only visible by its node IP") are kept as YAML comments.
func Suggest(name string, subject *metav1.LabelSelector, dir netpol.Direction, traffic []netpol.Traffic) (Suggestion, error) {
	if len(traffic) == 0 {
		return Suggestion{}, errNoTraffic
	}
	var notes []string
	var ingress []networkingv1.NetworkPolicyIngressRule
	var egress []networkingv1.NetworkPolicyEgressRule
	namespace := ""
	for _, t := range traffic {
		snippet, err := netpol.SuggestRule(t, dir)
		if err != nil {
			return Suggestion{}, err
		}
		var spec networkingv1.NetworkPolicySpec
		if err := yaml.Unmarshal([]byte(snippet), &spec); err != nil {
			return Suggestion{}, fmt.Errorf("suggested rule does not parse: %w", err)
		}
		for _, line := range strings.Split(snippet, "\n") {
			if strings.HasPrefix(line, "# ") && !strings.HasPrefix(line, "# add to ") && !slices.Contains(notes, line) {
				notes = append(notes, line)
			}
		}
		ingress = mergeIngress(ingress, spec.Ingress)
		egress = mergeEgress(egress, spec.Egress)
		subjectPod := t.Dst.Pod
		if dir == netpol.Egress {
			subjectPod = t.Src.Pod
		}
		if namespace == "" && subjectPod != nil {
			namespace = subjectPod.Namespace
		}
	}
	if subject == nil {
		subject = &metav1.LabelSelector{}
	}
	name = PolicyName(name)
	text, err := policyYAML(name, namespace, subject, dir, ingress, egress)
	if err != nil {
		return Suggestion{}, err
	}
	if len(notes) > 0 {
		text = strings.Join(notes, "\n") + "\n" + text
	}
	return Suggestion{Name: name, Namespace: namespace, YAML: text}, nil
}

// policyYAML writes the policy in the order people read and write it (podSelector,
// policyTypes, then the rules; "from"/"to" before "ports"), which a marshalled struct
// would not keep: sigs.k8s.io/yaml sorts keys.
func policyYAML(name, namespace string, subject *metav1.LabelSelector, dir netpol.Direction,
	ingress []networkingv1.NetworkPolicyIngressRule, egress []networkingv1.NetworkPolicyEgressRule) (string, error) {
	var b strings.Builder
	b.WriteString("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n")
	fmt.Fprintf(&b, "  name: %s\n", name)
	if namespace != "" {
		fmt.Fprintf(&b, "  namespace: %s\n", namespace)
	}
	b.WriteString("spec:\n")
	sel, err := marshalIndented(map[string]any{"podSelector": subject}, 2)
	if err != nil {
		return "", err
	}
	b.WriteString(sel)
	field, peersKey, policyType := "ingress", "from", networkingv1.PolicyTypeIngress
	if dir == netpol.Egress {
		field, peersKey, policyType = "egress", "to", networkingv1.PolicyTypeEgress
	}
	fmt.Fprintf(&b, "  policyTypes:\n  - %s\n  %s:\n", policyType, field)
	type rule struct {
		peers []networkingv1.NetworkPolicyPeer
		ports []networkingv1.NetworkPolicyPort
	}
	var rules []rule
	for _, r := range ingress {
		rules = append(rules, rule{r.From, r.Ports})
	}
	for _, r := range egress {
		rules = append(rules, rule{r.To, r.Ports})
	}
	for _, r := range rules {
		first := "  - "
		if len(r.peers) > 0 {
			peers, err := marshalIndented(r.peers, 4)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "%s%s:\n%s", first, peersKey, peers)
			first = "    "
		}
		if len(r.ports) > 0 {
			ports, err := marshalIndented(r.ports, 4)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "%sports:\n%s", first, ports)
			first = "    "
		}
		if first == "  - " {
			b.WriteString("  - {}\n")
		}
	}
	return b.String(), nil
}

// marshalIndented renders v as YAML with every line indented by n spaces.
func marshalIndented(v any, n int) (string, error) {
	out, err := yaml.Marshal(v)
	if err != nil {
		return "", err
	}
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	for i := range lines {
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n") + "\n", nil
}

func mergeIngress(into, add []networkingv1.NetworkPolicyIngressRule) []networkingv1.NetworkPolicyIngressRule {
	return mergeRules(into, add, func(r *networkingv1.NetworkPolicyIngressRule) (any, *[]networkingv1.NetworkPolicyPort) {
		return r.From, &r.Ports
	})
}

func mergeEgress(into, add []networkingv1.NetworkPolicyEgressRule) []networkingv1.NetworkPolicyEgressRule {
	return mergeRules(into, add, func(r *networkingv1.NetworkPolicyEgressRule) (any, *[]networkingv1.NetworkPolicyPort) {
		return r.To, &r.Ports
	})
}

// mergeRules adds the rules of add to into; a rule whose peers equal a rule's of into
// adds its ports to that rule instead. parts returns a rule's peers and its ports.
func mergeRules[R any](into, add []R, parts func(*R) (peers any, ports *[]networkingv1.NetworkPolicyPort)) []R {
	for _, r := range add {
		peers, ports := parts(&r)
		i := slices.IndexFunc(into, func(rule R) bool {
			intoPeers, _ := parts(&rule)
			return reflect.DeepEqual(intoPeers, peers)
		})
		if i < 0 {
			into = append(into, r)
			continue
		}
		_, intoPorts := parts(&into[i])
		*intoPorts = mergePorts(*intoPorts, *ports)
	}
	return into
}

func mergePorts(into, add []networkingv1.NetworkPolicyPort) []networkingv1.NetworkPolicyPort {
	for _, p := range add {
		if !slices.ContainsFunc(into, func(q networkingv1.NetworkPolicyPort) bool { return reflect.DeepEqual(p, q) }) {
			into = append(into, p)
		}
	}
	return into
}

var nonName = regexp.MustCompile(`[^a-z0-9-]+`)

// PolicyName makes s a valid object name: lowercase, [a-z0-9-], at most 63 bytes, no
// leading or trailing dash.
func PolicyName(s string) string {
	s = nonName.ReplaceAllString(strings.ToLower(s), "-")
	s = strings.Trim(s, "-")
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	if s == "" {
		return "allow-traffic"
	}
	return s
}

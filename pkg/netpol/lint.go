package netpol

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
)

// The helpers in this file are building blocks for a scan command: they
// take a policy plus the pods and namespaces to check it against, and return
// structured findings. They validate the policy exactly like Compile and
// return its error for invalid input.

// PeerRef locates one peer of a policy: spec.<direction>[Rule].<from|to>[Peer].
type PeerRef struct {
	Direction Direction
	Rule      int
	Peer      int
}

func (r PeerRef) String() string {
	return fmt.Sprintf("spec.%s[%d].%s[%d]", r.Direction.lower(), r.Rule, r.Direction.peerField(), r.Peer)
}

// PolicySelectsNoPods reports whether the policy's podSelector matches none
// of pods. Pods of other namespaces and hostNetwork pods are ignored (they
// can never be selected), so the caller may pass every pod of the cluster.
// Such a policy is usually a typo in a label and protects nothing.
func PolicySelectsNoPods(policy *networkingv1.NetworkPolicy, pods []corev1.Pod) (bool, error) {
	cp, err := compileForLint(policy)
	if err != nil {
		return false, err
	}
	for i := range pods {
		p := &pods[i]
		if kube.NamespaceOrDefault(p.Namespace) == cp.namespace && !p.Spec.HostNetwork && cp.podSelector.matches(p.Labels) {
			return false, nil
		}
	}
	return true, nil
}

func compileForLint(policy *networkingv1.NetworkPolicy) (*compiledPolicy, error) {
	if policy == nil {
		return nil, fmt.Errorf("netpol: nil policy")
	}
	cp, err := compilePolicy(policy)
	if err != nil {
		return nil, fmt.Errorf("networkpolicy %s: %w", policyID(policy), err)
	}
	return cp, nil
}

// NamespaceSelectorFinding is a peer whose namespaceSelector matches no
// namespace.
type NamespaceSelectorFinding struct {
	PeerRef
	// Selector is the rendered namespaceSelector, e.g. "name=payments".
	Selector string
	// Hint suggests the likely fix, e.g. selecting by the
	// kubernetes.io/metadata.name label; empty when there is no good guess.
	Hint string
}

// NamespaceSelectorsMatchingNothing returns the peers whose
// namespaceSelector matches none of namespaces. Every namespace is given
// the kubernetes.io/metadata.name label the API server sets, so stubs with
// only a name are fine. The classic cause is selecting a namespace by a
// "name" label nobody set.
func NamespaceSelectorsMatchingNothing(policy *networkingv1.NetworkPolicy, namespaces []corev1.Namespace) ([]NamespaceSelectorFinding, error) {
	cp, err := compileForLint(policy)
	if err != nil {
		return nil, err
	}
	nsLabels := make([]map[string]string, len(namespaces))
	names := map[string]bool{}
	for i := range namespaces {
		nsLabels[i] = namespaceLabels(namespaces[i].Name, &namespaces[i])
		names[namespaces[i].Name] = true
	}
	var out []NamespaceSelectorFinding
	check := func(dir Direction, rules []compiledRule, raw func(rule, peer int) *metav1.LabelSelector) {
		for ri, r := range rules {
			for pi, p := range r.peers {
				if p.nsSel == nil || matchesAny(*p.nsSel, nsLabels) {
					continue
				}
				out = append(out, NamespaceSelectorFinding{
					PeerRef:  PeerRef{Direction: dir, Rule: ri, Peer: pi},
					Selector: p.nsSel.text,
					Hint:     namespaceSelectorHint(raw(ri, pi), names),
				})
			}
		}
	}
	spec := &cp.obj.Spec
	check(Ingress, cp.ingress, func(r, p int) *metav1.LabelSelector { return spec.Ingress[r].From[p].NamespaceSelector })
	check(Egress, cp.egress, func(r, p int) *metav1.LabelSelector { return spec.Egress[r].To[p].NamespaceSelector })
	return out, nil
}

func matchesAny(s selector, sets []map[string]string) bool {
	for _, l := range sets {
		if s.matches(l) {
			return true
		}
	}
	return false
}

func namespaceSelectorHint(ls *metav1.LabelSelector, names map[string]bool) string {
	if ls == nil {
		return ""
	}
	// Values the selector requires, per key (matchLabels and single-key In).
	wanted := map[string][]string{}
	for k, v := range ls.MatchLabels {
		wanted[k] = append(wanted[k], v)
	}
	for _, e := range ls.MatchExpressions {
		if e.Operator == metav1.LabelSelectorOpIn {
			wanted[e.Key] = append(wanted[e.Key], e.Values...)
		}
	}
	keys := slices.Sorted(maps.Keys(wanted))
	var hints []string
	for _, k := range keys {
		for _, v := range wanted[k] {
			switch {
			case k == namespaceNameLabel && !names[v]:
				hints = append(hints, fmt.Sprintf("no namespace named %q exists", v))
			case k != namespaceNameLabel && names[v]:
				hints = append(hints, fmt.Sprintf("namespace %q exists but is not labelled %s=%s; select it by name with %s: %s, which the API server sets on every namespace", v, k, v, namespaceNameLabel, v))
			}
		}
	}
	return strings.Join(hints, "; ")
}

// AndOrConfusion is a rule whose peer list has a podSelector-only entry and
// a namespaceSelector-only entry. As separate list items they are OR'd
// ("these pods of my namespace, or anything in those namespaces"), while the
// author very often meant one item with both selectors, AND'd ("these pods
// in those namespaces"). The difference is a single "-" in YAML.
type AndOrConfusion struct {
	Direction              Direction
	Rule                   int
	PodSelectorPeers       []int // indexes of podSelector-only peers
	NamespaceSelectorPeers []int // indexes of namespaceSelector-only peers
	Message                string
	// Suggestion is the YAML of the single AND'd peer built from the first
	// entry of each kind.
	Suggestion string
}

// PolicyPeerAndOrConfusion returns the rules of policy that look like an
// AND written as an OR. It only inspects the policy's shape, so it needs no
// pods; selectors are not evaluated, and nil policies yield nothing.
func PolicyPeerAndOrConfusion(policy *networkingv1.NetworkPolicy) []AndOrConfusion {
	if policy == nil {
		return nil
	}
	var out []AndOrConfusion
	check := func(dir Direction, ri int, peers []networkingv1.NetworkPolicyPeer) {
		f := AndOrConfusion{Direction: dir, Rule: ri}
		for pi, p := range peers {
			switch {
			case p.IPBlock != nil:
			case p.PodSelector != nil && p.NamespaceSelector == nil:
				f.PodSelectorPeers = append(f.PodSelectorPeers, pi)
			case p.NamespaceSelector != nil && p.PodSelector == nil:
				f.NamespaceSelectorPeers = append(f.NamespaceSelectorPeers, pi)
			}
		}
		if len(f.PodSelectorPeers) == 0 || len(f.NamespaceSelectorPeers) == 0 {
			return
		}
		pp, np := peers[f.PodSelectorPeers[0]], peers[f.NamespaceSelectorPeers[0]]
		f.Message = fmt.Sprintf("spec.%s[%d].%s has podSelector %s (peer %d) and namespaceSelector %s (peer %d) as separate entries, which are OR'd: "+
			"the rule admits those pods of namespace %s OR every pod of the selected namespaces. To admit only those pods in those namespaces, put both selectors in one entry",
			dir.lower(), ri, dir.peerField(), metav1.FormatLabelSelector(pp.PodSelector), f.PodSelectorPeers[0],
			metav1.FormatLabelSelector(np.NamespaceSelector), f.NamespaceSelectorPeers[0], kube.NamespaceOrDefault(policy.Namespace))
		combined := []networkingv1.NetworkPolicyPeer{{NamespaceSelector: np.NamespaceSelector, PodSelector: pp.PodSelector}}
		if b, err := yaml.Marshal(map[string]any{dir.peerField(): combined}); err == nil {
			f.Suggestion = string(b)
		}
		out = append(out, f)
	}
	for ri, r := range policy.Spec.Ingress {
		check(Ingress, ri, r.From)
	}
	for ri, r := range policy.Spec.Egress {
		check(Egress, ri, r.To)
	}
	return out
}

// NamedPortFinding is a named port of a rule that some destination pods do
// not declare for the port's protocol. For ingress rules the destinations
// are the pods the policy selects; for egress rules, the pods the rule's
// peers match.
type NamedPortFinding struct {
	Direction Direction
	Rule      int
	Port      int // index in the rule's ports
	Name      string
	Protocol  corev1.Protocol
	// DeclaredBy and MissingFrom are "namespace/name" lists, sorted. An
	// empty DeclaredBy means the named port can never match (the
	// NamedPortNotFound case); otherwise it only works for some pods.
	DeclaredBy  []string
	MissingFrom []string
}

// NamedPortsNotDeclared checks every named port of policy against the
// destination pods it can apply to and reports those that are missing on at
// least one of them. Rules whose destinations are no pods at all are not
// reported (PolicySelectsNoPods covers that).
func NamedPortsNotDeclared(policy *networkingv1.NetworkPolicy, pods []corev1.Pod, namespaces []corev1.Namespace) ([]NamedPortFinding, error) {
	if _, err := compileForLint(policy); err != nil {
		return nil, err
	}
	return ResolvePods(pods, namespaces).NamedPortsNotDeclared(policy)
}

// ResolvedPods are pods resolved once for linting many policies against them (see
// ResolvePods). Read-only after creation.
type ResolvedPods struct {
	eps []*endpoint
	// byNamespace are eps by namespace: a policy's own pods are in its namespace, and
	// looking there alone keeps linting every policy of a cluster linear in its size.
	byNamespace map[string][]*endpoint
	err         error // the first pod that could not be resolved
}

// ResolvePods resolves pods (with their namespaces' labels) for the lints that compare
// policies with them. Linting every policy of a cluster against every pod would
// otherwise resolve each pod once per policy.
func ResolvePods(pods []corev1.Pod, namespaces []corev1.Namespace) *ResolvedPods {
	nsByName := map[string]*corev1.Namespace{}
	for i := range namespaces {
		nsByName[namespaces[i].Name] = &namespaces[i]
	}
	rp := &ResolvedPods{eps: make([]*endpoint, 0, len(pods)), byNamespace: map[string][]*endpoint{}}
	for i := range pods {
		p := &pods[i]
		e, err := resolvePeer("pod "+p.Namespace+"/"+p.Name, Peer{Pod: p, Namespace: nsByName[kube.NamespaceOrDefault(p.Namespace)]})
		if err != nil {
			return &ResolvedPods{err: err}
		}
		rp.eps = append(rp.eps, e)
		rp.byNamespace[e.namespace] = append(rp.byNamespace[e.namespace], e)
	}
	return rp
}

// NamedPortsNotDeclared is the package function of that name for pods resolved once.
func (rp *ResolvedPods) NamedPortsNotDeclared(policy *networkingv1.NetworkPolicy) ([]NamedPortFinding, error) {
	cp, err := compileForLint(policy)
	if err != nil {
		return nil, err
	}
	if rp.err != nil {
		return nil, rp.err
	}
	eps := rp.eps
	var out []NamedPortFinding
	report := func(dir Direction, ri int, r compiledRule, dests []*endpoint) {
		if len(dests) == 0 {
			return
		}
		for pi, port := range r.ports {
			if port.name == "" {
				continue
			}
			f := NamedPortFinding{Direction: dir, Rule: ri, Port: pi, Name: port.name, Protocol: port.protocol}
			for _, d := range dests {
				id := d.namespace + "/" + d.pod.Name
				if len(declaredPortNumbers(d.pod, port.name, port.protocol)) > 0 {
					f.DeclaredBy = append(f.DeclaredBy, id)
				} else {
					f.MissingFrom = append(f.MissingFrom, id)
				}
			}
			if len(f.MissingFrom) > 0 {
				sort.Strings(f.DeclaredBy)
				sort.Strings(f.MissingFrom)
				out = append(out, f)
			}
		}
	}
	// Only rules with a named port can be reported: the destinations of the others
	// (a match of every pod against the rule's peers) are not worth computing.
	namesPort := func(r compiledRule) bool {
		for _, port := range r.ports {
			if port.name != "" {
				return true
			}
		}
		return false
	}
	var selected []*endpoint
	if slices.ContainsFunc(cp.ingress, namesPort) {
		for _, e := range rp.byNamespace[cp.namespace] {
			if e.isSelectable() && cp.podSelector.matches(e.pod.Labels) {
				selected = append(selected, e)
			}
		}
	}
	for ri, r := range cp.ingress {
		report(Ingress, ri, r, selected)
	}
	for ri, r := range cp.egress {
		if !namesPort(r) {
			continue
		}
		var dests []*endpoint
		for _, e := range eps {
			if ok, _ := matchPeers(r.peers, cp.namespace, Egress, e); ok {
				dests = append(dests, e)
			}
		}
		report(Egress, ri, r, dests)
	}
	return out, nil
}

// RulesIgnoredByPolicyTypes returns the directions for which policy has
// rules that its explicit policyTypes switch off; such rules are silently
// dead, which is rarely what the author wanted.
func RulesIgnoredByPolicyTypes(policy *networkingv1.NetworkPolicy) []Direction {
	if policy == nil {
		return nil
	}
	var in, eg bool
	for _, t := range EffectivePolicyTypes(policy) {
		in = in || t == networkingv1.PolicyTypeIngress
		eg = eg || t == networkingv1.PolicyTypeEgress
	}
	var out []Direction
	if len(policy.Spec.Ingress) > 0 && !in {
		out = append(out, Ingress)
	}
	if len(policy.Spec.Egress) > 0 && !eg {
		out = append(out, Egress)
	}
	return out
}

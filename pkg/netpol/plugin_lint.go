package netpol

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// The lints of the plugins' own policy kinds, beside those of NetworkPolicy (lint.go).
// They decide selection exactly as evaluation does (ciliumCompiled.selects,
// calicoCompiled.selects), so a lint never contradicts a verdict.

// PluginPodSelection is what a namespaced Cilium or Calico policy selects among the
// resolved pods.
type PluginPodSelection struct {
	// Judged is false when the policy is not judged: cluster-wide, an empty or all()
	// selector (preparation, not a mistake, as for NetworkPolicy), node or host
	// policies, a selector that does not parse, or a policy the engine cannot compile.
	Judged bool
	// None is set when Judged and no pod of the policy's namespace is (or may be)
	// selected.
	None bool
	// Selector is the selector as written, for the finding.
	Selector string
}

// CiliumSelection says whether a CiliumNetworkPolicy's endpointSelectors select any
// pod of its namespace. Every rule (spec and each of specs) must select none.
func (rp *ResolvedPods) CiliumSelection(p *CiliumPolicy) (PluginPodSelection, error) {
	if rp.err != nil {
		return PluginPodSelection{}, rp.err
	}
	if p == nil || p.ClusterWide() || len(p.Rules) == 0 {
		return PluginPodSelection{}, nil
	}
	cc, err := compileCilium(p)
	if err != nil {
		return PluginPodSelection{}, nil // reach reports what it cannot compile
	}
	var sels []string
	for i := range cc.rules {
		src := cc.rules[i].src
		if src.NodeSelector != nil || src.EndpointSelector == nil || src.EndpointSelector.Empty() {
			return PluginPodSelection{}, nil
		}
		sels = append(sels, src.EndpointSelector.String())
	}
	out := PluginPodSelection{Judged: true, None: true, Selector: joinSelectors(sels)}
	for _, e := range rp.eps {
		for i := range cc.rules {
			if m, _ := cc.selects(&cc.rules[i], e); m != no {
				out.None = false
				return out, nil
			}
		}
	}
	return out, nil
}

// CalicoSelection says whether a Calico NetworkPolicy's selector (with its
// serviceAccountSelector) selects any pod of its namespace.
func (rp *ResolvedPods) CalicoSelection(p *CalicoPolicy) (PluginPodSelection, error) {
	if rp.err != nil {
		return PluginPodSelection{}, rp.err
	}
	if p == nil || p.Global() || p.HostOnly || (!p.IngressOn && !p.EgressOn) {
		return PluginPodSelection{}, nil
	}
	cc, err := compileCalico(p)
	if err != nil || cc.selErr != "" {
		return PluginPodSelection{}, nil
	}
	if _, all := cc.selector.root.(selAll); all && cc.saSelector == nil {
		return PluginPodSelection{}, nil
	}
	dir := Ingress
	if !p.IngressOn {
		dir = Egress
	}
	sel := fmt.Sprintf("selector %q", cc.selector)
	if cc.saSelector != nil {
		sel += fmt.Sprintf(" and serviceAccountSelector %q", cc.saSelector)
	}
	out := PluginPodSelection{Judged: true, None: true, Selector: sel}
	for _, e := range rp.eps {
		if m, _ := cc.selects(dir, e); m != no {
			out.None = false
			break
		}
	}
	return out, nil
}

// CalicoUnparsedSelectors lists the selectors of a Calico policy (its own and those of
// its rules) that do not parse, each with the parse error. Evaluation treats them as
// "maybe" (PolicyNotEvaluated); the lint names them.
func CalicoUnparsedSelectors(p *CalicoPolicy) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, s := range []struct{ field, text string }{
		{"spec.selector", p.Selector}, {"spec.namespaceSelector", p.NamespaceSelector}, {"spec.serviceAccountSelector", p.ServiceAccountSelector},
	} {
		if _, err := ParseCalicoSelector(s.text); err != nil {
			out = append(out, fmt.Sprintf("%s %q (%v)", s.field, s.text, err))
		}
	}
	eachCalicoEntity(p, func(_ string, ec calicoEntityCompiled) { out = append(out, ec.unparsed...) })
	return out
}

// eachCalicoEntity compiles the source and destination of every rule of p and hands
// each to f with its field path. A nets or ports error ends a compilation early; what
// was parsed by then (selectors, their errors) is still handed on, for the lints.
func eachCalicoEntity(p *CalicoPolicy, f func(path string, ec calicoEntityCompiled)) {
	for _, rules := range [][]CalicoRule{p.Ingress, p.Egress} {
		for i := range rules {
			r := &rules[i]
			for _, e := range []struct {
				path string
				ent  *CalicoEntityRule
			}{{r.Path + ".source", &r.Source}, {r.Path + ".destination", &r.Destination}} {
				ec, _ := compileCalicoEntity(e.ent, e.path)
				f(e.path, ec)
			}
		}
	}
}

func joinSelectors(sels []string) string {
	if len(sels) == 1 {
		return "endpointSelector " + sels[0]
	}
	return "endpointSelectors " + strings.Join(sels, ", ")
}

// PluginNamespaceSelectorFinding is a namespace selector of a Cilium or Calico policy
// that matches no namespace.
type PluginNamespaceSelectorFinding struct {
	// Field is where the selector is written, e.g. "spec.ingress[0].fromEndpoints[1]"
	// or "spec.egress[0].destination.namespaceSelector".
	Field string
	// Selector is the selector as written (for Cilium its namespace terms).
	Selector string
}

// namespaceEndpoints are the namespaces as the plugins' lookups read them.
func namespaceEndpoints(namespaces []corev1.Namespace) []*endpoint {
	out := make([]*endpoint, len(namespaces))
	for i := range namespaces {
		ns := &namespaces[i]
		out[i] = &endpoint{namespace: ns.Name, nsLabels: namespaceLabels(ns.Name, ns)}
	}
	return out
}

// CiliumNamespaceSelectorsMatchingNothing returns the fromEndpoints/toEndpoints
// selectors (allow and deny rules) that restrict the namespace, by
// io.kubernetes.pod.namespace or io.cilium.k8s.namespace.labels.* keys, in a way no
// namespace satisfies: the peer matches no pod. Only the namespace terms are judged;
// the pod terms are left to the pods. Selectors with reserved: keys are not judged.
func CiliumNamespaceSelectorsMatchingNothing(p *CiliumPolicy, namespaces []corev1.Namespace) []PluginNamespaceSelectorFinding {
	if p == nil {
		return nil
	}
	nss := namespaceEndpoints(namespaces)
	var out []PluginNamespaceSelectorFinding
	for ri := range p.Rules {
		r := &p.Rules[ri]
		for _, sec := range []struct {
			rules  []CiliumPeerRule
			egress bool
		}{{r.Ingress, false}, {r.IngressDeny, false}, {r.Egress, true}, {r.EgressDeny, true}} {
			pre := "fromEndpoints"
			if sec.egress {
				pre = "toEndpoints"
			}
			for pi := range sec.rules {
				for ei, sel := range sec.rules[pi].Endpoints {
					terms, ok := ciliumNamespaceTerms(sel)
					if !ok || matchesAnyNamespace(nss, func(e *endpoint) tri { return terms.match(ciliumPodLookup(e)) }) {
						continue
					}
					out = append(out, PluginNamespaceSelectorFinding{
						Field:    fmt.Sprintf("%s.%s[%d]", sec.rules[pi].Path, pre, ei),
						Selector: terms.String(),
					})
				}
			}
		}
	}
	return out
}

// ciliumNamespaceTerms keeps the terms of an endpoint selector that Cilium matches
// against the namespace (its name or labels); ok is false when there are none, or
// when the selector names reserved identities.
func ciliumNamespaceTerms(sel LabelSelector) (LabelSelector, bool) {
	isNS := func(key string) (bool, bool) {
		src, k := ciliumKey(key)
		switch src {
		case "", "k8s", "any":
		default:
			return false, false
		}
		return k == ciliumNamespaceKey || strings.HasPrefix(k, ciliumNamespaceLabelsKey), true
	}
	var out LabelSelector
	for k, v := range sel.MatchLabels {
		ns, ok := isNS(k)
		if !ok {
			return LabelSelector{}, false
		}
		if ns {
			if out.MatchLabels == nil {
				out.MatchLabels = map[string]string{}
			}
			out.MatchLabels[k] = v
		}
	}
	for _, e := range sel.MatchExpressions {
		ns, ok := isNS(e.Key)
		if !ok {
			return LabelSelector{}, false
		}
		if ns {
			out.MatchExpressions = append(out.MatchExpressions, e)
		}
	}
	return out, !out.Empty()
}

// CalicoNamespaceSelectorsMatchingNothing returns the namespaceSelectors of a Calico
// policy (spec.namespaceSelector and those of its rules' source and destination) that
// match no namespace. Empty and all() selectors, those that mention global() and
// those that do not parse (CalicoUnparsedSelectors) are not reported.
func CalicoNamespaceSelectorsMatchingNothing(p *CalicoPolicy, namespaces []corev1.Namespace) []PluginNamespaceSelectorFinding {
	if p == nil {
		return nil
	}
	nss := namespaceEndpoints(namespaces)
	var out []PluginNamespaceSelectorFinding
	check := func(field string, sel *CalicoSelector) {
		if sel == nil || sel.usesGlobal() {
			return
		}
		if _, all := sel.root.(selAll); all || sel.root == nil {
			return
		}
		if !matchesAnyNamespace(nss, func(e *endpoint) tri { return sel.eval(calicoNamespaceLookup(e), false) }) {
			out = append(out, PluginNamespaceSelectorFinding{Field: field, Selector: sel.String()})
		}
	}
	if !p.HostOnly && strings.TrimSpace(p.NamespaceSelector) != "" {
		if sel, err := ParseCalicoSelector(p.NamespaceSelector); err == nil {
			check("spec.namespaceSelector", sel)
		}
	}
	eachCalicoEntity(p, func(path string, ec calicoEntityCompiled) { check(path+".namespaceSelector", ec.nsSelector) })
	return out
}

func matchesAnyNamespace(nss []*endpoint, match func(*endpoint) tri) bool {
	for _, e := range nss {
		if match(e) != no {
			return true
		}
	}
	return false
}

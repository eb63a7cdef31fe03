package netpol

import "fmt"

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
	for _, rules := range [][]CalicoRule{p.Ingress, p.Egress} {
		for i := range rules {
			r := &rules[i]
			for _, e := range []struct {
				path string
				ent  *CalicoEntityRule
			}{{r.Path + ".source", &r.Source}, {r.Path + ".destination", &r.Destination}} {
				// A nets or ports error ends compilation early; the selectors
				// parsed by then are still reported.
				ec, _ := compileCalicoEntity(e.ent, e.path)
				out = append(out, ec.unparsed...)
			}
		}
	}
	return out
}

func joinSelectors(sels []string) string {
	if len(sels) == 1 {
		return "endpointSelector " + sels[0]
	}
	out := "endpointSelectors "
	for i, s := range sels {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

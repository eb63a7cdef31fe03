package netpol

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// PluginSelection is a Cilium or Calico policy that selects (or may select) a pod for a
// direction, with its rules in one line each: what svc shows as "who may connect".
type PluginSelection struct {
	Ref       string
	Plugin    string
	MaySelect bool
	Selects   string
	// Rules are "spec.ingress[0] Allow: from endpoints role=frontend on 8080/TCP".
	Rules []string
	// NotEvaluated are the fields the engine does not evaluate; L7 the restrictions
	// above L4 of the allow rules.
	NotEvaluated []string
	L7           []string
}

// PluginPoliciesSelecting lists the plugins' policies that select (or may select) the
// pod for dir, in evaluation order (Calico) or by name (Cilium).
func (m *Model) PluginPoliciesSelecting(p Peer, dir Direction) []PluginSelection {
	if m == nil || m.plugins == nil || p.Pod == nil {
		return nil
	}
	e, err := resolvePeer("subject", p)
	if err != nil {
		return nil
	}
	var out []PluginSelection
	for _, pc := range m.plugins.cilium {
		var sel *PluginSelection
		for i := range pc.rules {
			rc := &pc.rules[i]
			if !rc.appliesTo(dir) {
				continue
			}
			s, why := pc.selects(rc, e)
			if s == no {
				continue
			}
			if sel == nil {
				out = append(out, PluginSelection{Ref: ciliumRef(pc.src), Plugin: PluginCilium, Selects: why})
				sel = &out[len(out)-1]
			}
			sel.MaySelect = sel.MaySelect || s == maybe
			sel.NotEvaluated = append(sel.NotEvaluated, rc.src.NotEvaluated...)
			allow, deny := rc.sections(dir)
			for _, r := range deny {
				sel.Rules = append(sel.Rules, r.src.Path+" Deny: "+ciliumRuleSummary(r.src, dir))
				sel.NotEvaluated = append(sel.NotEvaluated, ciliumUnevaluated(r.src)...)
			}
			for _, r := range allow {
				sel.Rules = append(sel.Rules, r.src.Path+" Allow: "+ciliumRuleSummary(r.src, dir))
				sel.NotEvaluated = append(sel.NotEvaluated, ciliumUnevaluated(r.src)...)
				for _, pr := range r.src.Ports {
					for _, l := range pr.L7 {
						sel.L7 = append(sel.L7, r.src.Path+": "+l)
					}
				}
			}
			if !rc.defaultDeny(dir) {
				sel.Rules = append(sel.Rules, rc.src.Path+": enableDefaultDeny false for "+dir.lower())
			}
		}
	}
	var cal []*calicoCompiled
	for _, cc := range m.plugins.calico {
		if s, _ := cc.selects(dir, e); s != no {
			cal = append(cal, cc)
		}
	}
	if len(cal) == 0 {
		return out
	}
	// Calico's order: tiers by order, then policies by order and name, the Kubernetes
	// NetworkPolicies at order 1000 of the default tier.
	type entry struct {
		tierOrder, order float64
		tier, name       string
		cc               *calicoCompiled
		np               *compiledPolicy
	}
	tierOrder := func(name string) float64 {
		if t, ok := m.plugins.tiers[name]; ok && t.Order != nil {
			return *t.Order
		}
		if name == calicoDefaultTier {
			return calicoDefaultTierOrder
		}
		return math.Inf(1)
	}
	var entries []entry
	for _, cc := range cal {
		entries = append(entries, entry{tierOrder: tierOrder(cc.src.Tier), order: cc.order, tier: cc.src.Tier, name: cc.src.Name, cc: cc})
	}
	for _, np := range m.byNamespace[e.namespace] {
		if np.appliesTo(dir) && !e.hostNetwork && np.podSelector.matches(e.pod.Labels) {
			entries = append(entries, entry{tierOrder: tierOrder(calicoDefaultTier), order: calicoK8sPolicyOrder, tier: calicoDefaultTier, name: "knp.default." + np.name, np: np})
		}
	}
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if a.tierOrder != b.tierOrder {
			return a.tierOrder < b.tierOrder
		}
		if a.tier != b.tier {
			return a.tier < b.tier
		}
		if a.order != b.order {
			return a.order < b.order
		}
		return a.name < b.name
	})
	for _, en := range entries {
		if en.np != nil {
			sel := PluginSelection{Ref: fmt.Sprintf("NetworkPolicy %s/%s (tier default, order 1000)", en.np.namespace, en.np.name), Plugin: PluginCalico, Selects: "Kubernetes NetworkPolicy"}
			for i, r := range en.np.rules(dir) {
				sel.Rules = append(sel.Rules, fmt.Sprintf("spec.%s[%d] Allow: %s", dir.lower(), i, npRuleSummary(r, dir)))
			}
			if len(en.np.rules(dir)) == 0 {
				sel.Rules = append(sel.Rules, "no "+dir.lower()+" rules")
			}
			out = append(out, sel)
			continue
		}
		cc := en.cc
		s, why := cc.selects(dir, e)
		sel := PluginSelection{Ref: calicoRef(cc.src), Plugin: PluginCalico, MaySelect: s == maybe, Selects: why, NotEvaluated: cc.src.NotEvaluated}
		if _, known := m.plugins.tiers[cc.src.Tier]; !known && cc.src.Tier != calicoDefaultTier {
			sel.NotEvaluated = append(sel.NotEvaluated, "tier "+cc.src.Tier+" (no Tier object read)")
		}
		order := "none"
		if cc.src.Order != nil {
			order = formatOrder(*cc.src.Order)
		}
		sel.Ref += fmt.Sprintf(" (tier %s, order %s)", cc.src.Tier, order)
		rules := cc.ingress
		if dir == Egress {
			rules = cc.egress
		}
		for _, r := range rules {
			sel.Rules = append(sel.Rules, r.src.Path+" "+calicoRuleSummary(&r))
			sel.NotEvaluated = append(sel.NotEvaluated, r.notEvaluated...)
			for _, u := range append(r.source.unparsed, r.dest.unparsed...) {
				sel.NotEvaluated = append(sel.NotEvaluated, u)
			}
			if r.src.HTTP {
				sel.L7 = append(sel.L7, r.src.Path+": HTTP match")
			}
		}
		if len(rules) == 0 {
			sel.Rules = append(sel.Rules, "no "+dir.lower()+" rules: the end of its tier drops what earlier policies do not allow")
		}
		out = append(out, sel)
	}
	return out
}

func ciliumUnevaluated(r *CiliumPeerRule) []string {
	out := append([]string{}, r.NotEvaluated...)
	for _, f := range []struct {
		set  bool
		name string
	}{{r.FQDNs, "toFQDNs"}, {r.Groups, "toGroups"}, {r.CIDRGroups, "CIDR groups"}, {r.Requires, "fromRequires/toRequires"},
		{r.Authentication, "authentication"}, {r.Nodes, "node selectors"}} {
		if f.set {
			out = append(out, r.Path+"."+f.name)
		}
	}
	return out
}

func ciliumRuleSummary(r *CiliumPeerRule, dir Direction) string {
	var who []string
	prep := dir.preposition()
	for _, s := range r.Endpoints {
		who = append(who, "endpoints "+s.String())
	}
	if len(r.Entities) > 0 {
		who = append(who, "entities "+strings.Join(r.Entities, ","))
	}
	for _, c := range r.CIDRs {
		text := "CIDR " + c.CIDR
		if len(c.Except) > 0 {
			text += " except " + strings.Join(c.Except, ",")
		}
		who = append(who, text)
	}
	for _, s := range r.Services {
		if s.Selector != nil {
			who = append(who, fmt.Sprintf("Services %s in %s", s.Selector, orDash(s.Namespace)))
		} else {
			who = append(who, fmt.Sprintf("Service %s/%s", orDash(s.Namespace), s.Name))
		}
	}
	for _, f := range []struct {
		set  bool
		name string
	}{{r.FQDNs, "FQDNs"}, {r.Groups, "groups"}, {r.CIDRGroups, "CIDR groups"}, {r.Nodes, "nodes"}} {
		if f.set {
			who = append(who, f.name)
		}
	}
	peer := "everyone"
	switch {
	case len(who) > 0:
		peer = strings.Join(who, " or ")
	case len(r.Ports) == 0 && !r.ICMPs:
		peer = "nobody (empty rule)"
	}
	on := "all ports"
	if len(r.Ports) > 0 {
		var ports []string
		for _, pr := range r.Ports {
			for _, p := range pr.Ports {
				proto := p.Protocol
				if proto == "" {
					proto = "ANY"
				}
				port := p.Port
				if port == "" || port == "0" {
					port = "*"
				}
				if p.EndPort != 0 {
					port += fmt.Sprintf("-%d", p.EndPort)
				}
				ports = append(ports, port+"/"+proto)
			}
			if len(pr.L7) > 0 {
				ports = append(ports, "("+strings.Join(pr.L7, ", ")+")")
			}
		}
		on = strings.Join(ports, ", ")
	} else if r.ICMPs {
		on = "ICMP"
	}
	return prep + " " + peer + " on " + on
}

func orDash(s string) string {
	if s == "" {
		return "(policy namespace)"
	}
	return s
}

func calicoRuleSummary(r *calicoRuleCompiled) string {
	src := r.src
	parts := []string{src.Action}
	if src.Protocol != "" {
		parts = append(parts, src.Protocol)
	}
	if src.NotProtocol != "" {
		parts = append(parts, "not "+src.NotProtocol)
	}
	parts[0] += ":"
	if s := entitySummary(&src.Source); s != "" {
		parts = append(parts, "from "+s)
	}
	if s := entitySummary(&src.Destination); s != "" {
		parts = append(parts, "to "+s)
	}
	if len(parts) == 1 || (len(parts) == 2 && (src.Protocol != "" || src.NotProtocol != "")) {
		parts = append(parts, "everything")
	}
	if src.HTTP {
		parts = append(parts, "(HTTP match)")
	}
	return strings.Join(parts, " ")
}

func entitySummary(e *CalicoEntityRule) string {
	var parts []string
	if e.Selector != "" {
		parts = append(parts, "selector "+e.Selector)
	}
	if e.NotSelector != "" {
		parts = append(parts, "notSelector "+e.NotSelector)
	}
	if e.NamespaceSelector != "" {
		parts = append(parts, "namespaceSelector "+e.NamespaceSelector)
	}
	if len(e.Nets) > 0 {
		parts = append(parts, "nets "+strings.Join(e.Nets, ","))
	}
	if len(e.NotNets) > 0 {
		parts = append(parts, "notNets "+strings.Join(e.NotNets, ","))
	}
	if e.HasServiceAccounts {
		parts = append(parts, "service accounts "+strings.Join(e.ServiceAccountNames, ",")+e.ServiceAccountSelector)
	}
	if e.HasService {
		parts = append(parts, "Service "+e.ServiceNamespace+"/"+e.ServiceName)
	}
	if len(e.Ports) > 0 {
		parts = append(parts, "ports "+strings.Join(e.Ports, ","))
	}
	if len(e.NotPorts) > 0 {
		parts = append(parts, "notPorts "+strings.Join(e.NotPorts, ","))
	}
	return strings.Join(parts, " ")
}

// npRuleSummary renders a NetworkPolicy rule: "from podSelector app=web on 8080/TCP".
func npRuleSummary(r compiledRule, dir Direction) string {
	who := joined(r.peers, compiledPeer.describe, " or ", "everyone")
	on := joined(r.ports, compiledPort.String, ", ", "all ports")
	return dir.preposition() + " " + who + " on " + on
}

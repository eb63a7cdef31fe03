package netpol

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// This file layers the network plugins' own policy kinds (cilium.go, calico.go) over
// NetworkPolicy, in each plugin's real order. A direction of a pod that no plugin
// policy selects keeps its NetworkPolicy verdict unchanged. Where a Cilium policy
// selects it, NetworkPolicies and Cilium policies are one additive allow-list with
// Cilium's deny rules on top and default deny once any of them isolates the pod.
// Where a Calico policy selects it, Kubernetes NetworkPolicies become policies of
// Calico's default tier with order 1000 and everything is evaluated by tier and order.
// The admin layers (admin.go) still wrap the result.

// Plugin names, as verdicts and findings name them.
const (
	PluginCilium = "Cilium"
	PluginCalico = "Calico"
)

// Layers of a plugin decision.
const (
	LayerCilium Layer = "Cilium"
	LayerCalico Layer = "Calico"
)

// Input is every policy kind a Model evaluates.
type Input struct {
	NetworkPolicies []networkingv1.NetworkPolicy
	Admin           []AdminPolicy
	Baseline        *AdminPolicy
	Cilium          []CiliumPolicy
	Calico          []CalicoPolicy
	// CalicoTiers are the Tier objects; the default tier is known without one.
	CalicoTiers []CalicoTier
	// CalicoNetworkSets are the NetworkSets and GlobalNetworkSets, when
	// CalicoNetworkSetsKnown says they were read; otherwise a Calico selector against
	// an address outside the cluster may match one, and is "maybe".
	CalicoNetworkSets      []CalicoNetworkSet
	CalicoNetworkSetsKnown bool
	// Services resolve Cilium toServices and Calico services matches.
	// ServiceNamespaces are the namespaces whose Services are all in Services; a
	// Service named elsewhere is unknown.
	Services          []corev1.Service
	ServiceNamespaces []string
}

// CompileInput compiles every kind of in into one Model.
func CompileInput(in Input) (*Model, error) {
	var m *Model
	var err error
	if len(in.Admin) > 0 || in.Baseline != nil {
		m, err = CompileWithAdmin(in.NetworkPolicies, in.Admin, in.Baseline)
	} else {
		m, err = Compile(in.NetworkPolicies)
	}
	if err != nil {
		return nil, err
	}
	if len(in.Cilium) == 0 && len(in.Calico) == 0 {
		return m, nil
	}
	pl := &pluginLayer{tiers: map[string]CalicoTier{}, svcs: newServiceIndex(in.Services, in.ServiceNamespaces)}
	var errs []error
	seen := map[string]bool{}
	firstOf := func(kind, namespace, name string) bool {
		key := kind + "/" + namespace + "/" + name
		if seen[key] {
			return false
		}
		seen[key] = true
		return true
	}
	pl.cilium, errs = compileFirsts(in.Cilium, errs, func(p *CiliumPolicy) bool { return firstOf(p.Kind, p.Namespace, p.Name) },
		compileCilium, ciliumStandIn, ciliumRef)
	pl.calico, errs = compileFirsts(in.Calico, errs, func(p *CalicoPolicy) bool { return firstOf(p.Kind, p.Namespace, p.Name) },
		compileCalico, calicoStandIn, calicoRef)
	for _, t := range in.CalicoTiers {
		if t.DefaultAction != "" && t.DefaultAction != "Deny" && t.DefaultAction != "Pass" {
			errs = append(errs, fmt.Errorf("Tier %s: defaultAction %q (want Deny or Pass)", t.Name, t.DefaultAction))
			continue
		}
		pl.tiers[t.Name] = t
	}
	pl.sets.known = in.CalicoNetworkSetsKnown
	for i := range in.CalicoNetworkSets {
		s := &in.CalicoNetworkSets[i]
		cs := compiledNetworkSet{src: s}
		for _, n := range s.Nets {
			p, err := parseCIDROrAddr(n)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", networkSetRef(s), err))
				continue
			}
			cs.nets = append(cs.nets, p)
		}
		pl.sets.sets = append(pl.sets.sets, cs)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.SliceStable(pl.cilium, func(i, j int) bool { return ciliumRef(pl.cilium[i].src) < ciliumRef(pl.cilium[j].src) })
	m.plugins = pl
	return m, nil
}

// compileFirsts compiles, through compileOrStandIn, each of policies that first keeps
// (the first of its kind, namespace and name), and appends to errs what cannot be
// compiled, named by ref. Each is compiled from its own copy, which the compiled policy
// keeps as its source.
func compileFirsts[P, C any](policies []P, errs []error, first func(*P) bool, compile func(*P) (C, error), standIn func(*P, error) P, ref func(*P) string) ([]C, []error) {
	var compiled []C
	for i := range policies {
		p := policies[i]
		if !first(&p) {
			continue
		}
		c, err := compileOrStandIn(&p, compile, standIn)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ref(&p), err))
			continue
		}
		compiled = append(compiled, c)
	}
	return compiled, errs
}

// compileOrStandIn compiles p. A policy the engine cannot compile (an entity or
// protocol of a newer release, a malformed CIDR) may still decide: it is compiled as
// its stand-in, which keeps its name and place and makes what it would decide
// unknown; only a stand-in that fails too is an error.
func compileOrStandIn[P, C any](p *P, compile func(*P) (C, error), standIn func(*P, error) P) (C, error) {
	c, err := compile(p)
	if err == nil {
		return c, nil
	}
	sub := standIn(p, err)
	return compile(&sub)
}

func ciliumStandIn(p *CiliumPolicy, err error) CiliumPolicy {
	return CiliumPolicy{Kind: p.Kind, Namespace: p.Namespace, Name: p.Name, Rules: []CiliumRule{{
		Path: "spec", EndpointSelector: &LabelSelector{}, NotEvaluated: []string{err.Error()},
		Ingress: []CiliumPeerRule{{Path: "spec.ingress"}}, Egress: []CiliumPeerRule{{Path: "spec.egress"}}}}}
}

func calicoStandIn(p *CalicoPolicy, err error) CalicoPolicy {
	return CalicoPolicy{Kind: p.Kind, APIVersion: p.APIVersion, Namespace: p.Namespace, Name: p.Name, Tier: p.Tier, Order: p.Order,
		IngressOn: true, EgressOn: true, NotEvaluated: []string{err.Error()}}
}

type pluginLayer struct {
	cilium []*ciliumCompiled
	calico []*calicoCompiled
	tiers  map[string]CalicoTier
	sets   networkSets
	svcs   *serviceIndex
}

// serviceIndex holds the Services the model was given.
type serviceIndex struct {
	byNS     map[string][]*corev1.Service
	complete map[string]bool
}

func newServiceIndex(svcs []corev1.Service, complete []string) *serviceIndex {
	idx := &serviceIndex{byNS: map[string][]*corev1.Service{}, complete: map[string]bool{}}
	for i := range svcs {
		s := &svcs[i]
		idx.byNS[s.Namespace] = append(idx.byNS[s.Namespace], s)
	}
	for _, ns := range complete {
		idx.complete[ns] = true
	}
	return idx
}

func (s *serviceIndex) inNamespace(ns string) ([]*corev1.Service, bool) {
	if s == nil {
		return nil, false
	}
	return s.byNS[ns], s.complete[ns]
}

// get returns the Service, or nil and true when it certainly does not exist.
func (s *serviceIndex) get(ns, name string) (*corev1.Service, bool) {
	if s == nil {
		return nil, false
	}
	for _, svc := range s.byNS[ns] {
		if svc.Name == name {
			return svc, true
		}
	}
	return nil, s.complete[ns]
}

func ciliumRef(p *CiliumPolicy) string {
	if p.Namespace == "" {
		return p.Kind + " " + p.Name
	}
	return p.Kind + " " + p.Namespace + "/" + p.Name
}

func calicoRef(p *CalicoPolicy) string {
	if p.Namespace == "" {
		return "Calico " + p.Kind + " " + p.Name
	}
	return "Calico " + p.Kind + " " + p.Namespace + "/" + p.Name
}

// PluginPolicyVerdict explains one policy evaluated under a plugin's precedence: a
// Cilium or Calico policy, or (under Calico) a Kubernetes NetworkPolicy in its place
// in the default tier.
type PluginPolicyVerdict struct {
	// Plugin is "Cilium" or "Calico"; Kind the policy kind and APIVersion its group
	// version ("networking.k8s.io/v1" for a Kubernetes NetworkPolicy).
	Plugin, Kind, APIVersion string
	Namespace, Name          string
	// Tier and Order are Calico's ("" without order).
	Tier, Order string
	// Selects says why the policy applies to the subject; MaySelect that it is not
	// certain.
	Selects   string
	MaySelect bool
	// NotReached is set for a policy Calico evaluates after the decision: its rules
	// did not take part.
	NotReached bool
	Rules      []PluginRuleVerdict
	Reason     string
}

// Ref names the policy as findings do: "CiliumNetworkPolicy shop/api",
// "Calico GlobalNetworkPolicy deny-frontend", "NetworkPolicy shop/allow-web".
func (p PluginPolicyVerdict) Ref() string {
	return policyRef(p.Kind, p.APIVersion, p.Namespace, p.Name)
}

// policyRef names a policy; Calico's kinds get "Calico " in front, as their names
// clash with Kubernetes NetworkPolicy.
func policyRef(kind, apiVersion, ns, name string) string {
	prefix := kind
	if strings.Contains(apiVersion, "projectcalico.org") {
		prefix = "Calico " + kind
	}
	if ns == "" {
		return prefix + " " + name
	}
	return prefix + " " + ns + "/" + name
}

// PluginRuleVerdict explains one rule.
type PluginRuleVerdict struct {
	// Path is where the rule is in the object: "spec.ingress[0]", "specs[1].egressDeny[0]".
	Path string
	// Action is Allow, Deny, Pass or Log.
	Action string
	// Match is "yes", "no" or "maybe".
	Match  string
	Reason string
}

// Decision is the rule (or default) that decided a direction under a plugin's
// precedence.
type Decision struct {
	// Plugin is "Cilium" or "Calico"; Kind, APIVersion, Namespace and Name name the
	// policy (a Kubernetes NetworkPolicy too).
	Plugin, Kind, APIVersion, Namespace, Name string
	Tier, Order                               string
	// Rule is the rule's path ("spec.ingress[0]"), empty for a default.
	Rule string
	// Action is Allow or Deny for a rule, DefaultDeny for Cilium's default deny or the
	// end of a Calico tier, Default when nothing isolates the pod (Cilium policies with
	// enableDefaultDeny false) and Profile when Calico's profiles allow.
	Action string
	// Policies are, for a default deny, the policies behind it.
	Policies []string
	Reason   string
}

// Decision actions besides Allow and Deny.
const (
	ActionDefaultDeny = "DefaultDeny"
	ActionDefault     = "Default"
	ActionProfile     = "Profile"
)

// PolicyRef names the deciding policy, "" for a default.
func (d Decision) PolicyRef() string {
	if d.Name == "" {
		return ""
	}
	return policyRef(d.Kind, d.APIVersion, d.Namespace, d.Name)
}

// Ref names the deciding rule: "CiliumNetworkPolicy shop/api spec.ingressDeny[0]",
// "Calico GlobalNetworkPolicy deny-fe (tier default, order 100) spec.ingress[0]".
func (d Decision) Ref() string {
	ref := d.PolicyRef()
	if ref == "" {
		return strings.Join(d.Policies, ", ")
	}
	if d.Tier != "" {
		order := d.Order
		if order == "" {
			order = "none"
		}
		ref += fmt.Sprintf(" (tier %s, order %s)", d.Tier, order)
	}
	if d.Rule != "" {
		ref += " " + d.Rule
	}
	return ref
}

// NotEvaluated is something a direction depends on that netdoctor does not evaluate.
type NotEvaluated struct {
	// Policy names the policy ("CiliumNetworkPolicy shop/egress"), Rule the rule's path
	// when it is about one.
	Policy, Rule string
	Reason       string
}

func (n NotEvaluated) String() string {
	if n.Rule != "" {
		return n.Policy + " " + n.Rule + ": " + n.Reason
	}
	return n.Policy + ": " + n.Reason
}

// Unknown reports whether a feature netdoctor does not evaluate decides the direction.

// pluginSel is a policy (rule) that selects, or may select, the subject.
type ciliumSel struct {
	pc  *ciliumCompiled
	rc  *ciliumRuleCompiled
	m   tri
	why string
}

func (pl *pluginLayer) apply(m *Model, dv DirectionVerdict, dir Direction, subject, peer, dst *endpoint, tp trafficPort) DirectionVerdict {
	if subject.pod == nil {
		return dv
	}
	var cil []ciliumSel
	for _, pc := range pl.cilium {
		for i := range pc.rules {
			rc := &pc.rules[i]
			if !rc.appliesTo(dir) {
				continue
			}
			if m, why := pc.selects(rc, subject); m != no {
				cil = append(cil, ciliumSel{pc: pc, rc: rc, m: m, why: why})
			}
		}
	}
	var cal []calicoSel
	for _, cc := range pl.calico {
		if m, why := cc.selects(dir, subject); m != no {
			cal = append(cal, calicoSel{cc: cc, m: m, why: why})
		}
	}
	switch {
	case len(cil) == 0 && len(cal) == 0:
		return dv
	case len(cil) > 0 && len(cal) > 0:
		out := dv
		out.Isolated, out.Allowed, out.Unknown = true, false, true
		out.DecidedBy = LayerCilium
		out.Plugin = PluginCilium + " and " + PluginCalico
		out.NotEvaluated = []NotEvaluated{{Policy: ciliumRef(cil[0].pc.src) + " and " + calicoRef(cal[0].cc.src),
			Reason: fmt.Sprintf("both Cilium and Calico policies select %s; only one plugin enforces its policies, and netdoctor cannot tell which", subject.desc)}}
		out.Reason = fmt.Sprintf("the %s of %s is unknown: Cilium and Calico policies both select it", dir.lower(), subject.desc)
		return out
	case len(cil) > 0:
		return pl.applyCilium(m, dv, cil, dir, subject, peer, dst, tp)
	}
	return pl.applyCalico(dv, cal, dir, subject, peer, dst, tp)
}

func (rc *ciliumRuleCompiled) appliesTo(dir Direction) bool {
	if dir == Egress {
		return len(rc.egress) > 0 || len(rc.egressDeny) > 0
	}
	return len(rc.ingress) > 0 || len(rc.ingressDeny) > 0
}

func (rc *ciliumRuleCompiled) defaultDeny(dir Direction) bool {
	b := rc.src.DefaultDenyIngress
	if dir == Egress {
		b = rc.src.DefaultDenyEgress
	}
	return b == nil || *b
}

func (rc *ciliumRuleCompiled) sections(dir Direction) (allow, deny []ciliumPeerCompiled) {
	if dir == Egress {
		return rc.egress, rc.egressDeny
	}
	return rc.ingress, rc.ingressDeny
}

// applyCilium: deny rules win, then any allow (NetworkPolicy or Cilium), then the
// default: deny once any selecting policy puts the endpoint in default deny.
func (pl *pluginLayer) applyCilium(m *Model, dv DirectionVerdict, sels []ciliumSel, dir Direction, subject, peer, dst *endpoint, tp trafficPort) DirectionVerdict {
	out := dv
	out.Plugin, out.Isolated, out.DecidedBy = PluginCilium, true, LayerCilium
	var (
		denyYes, allowYes []Decision
		denyMaybe         bool
		allowMaybe        bool
		ddYes, ddMaybe    []string
		allowYesL7        [][]string
		notEvaluated      []NotEvaluated
		byPolicy          = map[*ciliumCompiled]int{}
		allowedWithoutL7  bool
	)
	for _, pv := range dv.Policies {
		ref := "NetworkPolicy " + pv.Namespace + "/" + pv.Name
		ddYes = append(ddYes, ref)
		field := "spec." + dir.lower()
		for _, r := range pv.Rules {
			if r.Allows() && peer.pod != nil && !m.npRuleMatchesWithoutIPBlock(pv.Namespace, pv.Name, dir, r.Index, peer) {
				// Cilium turns ipBlock into CIDR rules, which never match pods or nodes.
				continue
			}
			if r.Allows() {
				allowYes = append(allowYes, Decision{Plugin: PluginCilium, Kind: "NetworkPolicy", APIVersion: "networking.k8s.io/v1", Namespace: pv.Namespace, Name: pv.Name,
					Rule: fmt.Sprintf("%s[%d]", field, r.Index), Action: "Allow", Reason: r.Reason})
				allowYesL7 = append(allowYesL7, nil)
				allowedWithoutL7 = true
			}
		}
	}
	for _, s := range sels {
		ref := ciliumRef(s.pc.src)
		idx, ok := byPolicy[s.pc]
		if !ok {
			idx = len(out.PluginPolicies)
			byPolicy[s.pc] = idx
			out.PluginPolicies = append(out.PluginPolicies, PluginPolicyVerdict{Plugin: PluginCilium, Kind: s.pc.src.Kind, APIVersion: "cilium.io/v2",
				Namespace: s.pc.src.Namespace, Name: s.pc.src.Name, Selects: s.why, MaySelect: s.m == maybe})
		}
		pv := &out.PluginPolicies[idx]
		if s.m == maybe {
			pv.MaySelect = true
			notEvaluated = append(notEvaluated, NotEvaluated{Policy: ref, Rule: s.rc.src.Path, Reason: s.why})
		}
		if s.rc.defaultDeny(dir) {
			if s.m == yes {
				ddYes = append(ddYes, ref)
			} else {
				ddMaybe = append(ddMaybe, ref)
			}
		}
		if len(s.rc.src.NotEvaluated) > 0 {
			denyMaybe, allowMaybe = true, true
			notEvaluated = append(notEvaluated, NotEvaluated{Policy: ref, Rule: s.rc.src.Path,
				Reason: "uses " + strings.Join(s.rc.src.NotEvaluated, ", ") + ", which netdoctor does not evaluate"})
		}
		allows, denies := s.rc.sections(dir)
		for _, kind := range []struct {
			rules  []ciliumPeerCompiled
			action string
		}{{denies, "Deny"}, {allows, "Allow"}} {
			for i := range kind.rules {
				r := &kind.rules[i]
				if r.src.Requires {
					denyMaybe = true
					notEvaluated = append(notEvaluated, NotEvaluated{Policy: ref, Rule: r.src.Path,
						Reason: dir.peerField() + "Requires restricts every rule selecting the endpoint; netdoctor does not evaluate it"})
				}
				rm := s.pc.matchPeerRule(r, dir, subject, peer, dst, tp, pl.svcs)
				eff := s.m.and(rm.m)
				pv.Rules = append(pv.Rules, PluginRuleVerdict{Path: r.src.Path, Action: kind.action, Match: eff.String(), Reason: rm.reason})
				if eff == maybe && len(rm.unsure) > 0 {
					for _, u := range rm.unsure {
						notEvaluated = append(notEvaluated, NotEvaluated{Policy: ref, Rule: r.src.Path, Reason: u})
					}
				}
				d := Decision{Plugin: PluginCilium, Kind: s.pc.src.Kind, APIVersion: "cilium.io/v2", Namespace: s.pc.src.Namespace, Name: s.pc.src.Name,
					Rule: r.src.Path, Action: kind.action, Reason: rm.reason}
				switch {
				case kind.action == "Deny" && eff == yes:
					denyYes = append(denyYes, d)
				case kind.action == "Deny" && eff == maybe:
					denyMaybe = true
				case eff == yes:
					allowYes = append(allowYes, d)
					allowYesL7 = append(allowYesL7, rm.l7)
					allowedWithoutL7 = allowedWithoutL7 || len(rm.l7) == 0
				case eff == maybe:
					allowMaybe = true
				}
			}
		}
	}
	for i := range out.PluginPolicies {
		out.PluginPolicies[i].Reason = ciliumPolicyReason(out.PluginPolicies[i])
	}
	prep := dir.preposition()
	switch {
	case len(denyYes) > 0:
		d := denyYes[0]
		out.Allowed, out.Decision = false, &d
		out.Reason = fmt.Sprintf("%s denies the %s of %s %s %s on %s; deny rules win over every allow", d.Ref(), dir.lower(), subject.desc, prep, peer.desc, tp)
		return out
	}
	canAllow, canDeny := false, denyMaybe
	var allowDecision, denyDecision *Decision
	switch {
	case len(allowYes) > 0:
		canAllow = true
		allowDecision = &allowYes[0]
	default:
		canAllow = allowMaybe
		switch {
		case len(ddYes) > 0:
			canDeny = true
		case len(ddMaybe) > 0:
			canDeny, canAllow = true, true
		default:
			canAllow = true
			allowDecision = &Decision{Plugin: PluginCilium, Action: ActionDefault,
				Reason: fmt.Sprintf("the Cilium policies selecting %s set enableDefaultDeny false for %s and no rule denies it", subject.desc, dir.lower())}
		}
		if canDeny {
			denyDecision = &Decision{Plugin: PluginCilium, Action: ActionDefaultDeny, Policies: append(append([]string{}, ddYes...), ddMaybe...)}
		}
	}
	if canAllow && canDeny {
		out.Allowed, out.Unknown = false, true
		out.NotEvaluated = dedupeNotEvaluated(notEvaluated)
		out.Reason = fmt.Sprintf("the %s of %s %s %s on %s is unknown: it depends on what netdoctor does not evaluate (%s)",
			dir.lower(), subject.desc, prep, peer.desc, tp, notEvaluatedSummary(out.NotEvaluated))
		return out
	}
	if canDeny {
		out.Allowed, out.Decision = false, denyDecision
		out.Decision.Reason = fmt.Sprintf("%s %s in default deny for %s, and no rule of any policy selecting it allows %s on %s",
			strings.Join(denyDecision.Policies, ", "), putVerb(len(denyDecision.Policies)), dir.lower(), peer.desc, tp)
		out.Reason = fmt.Sprintf("%s is in default deny for %s (%s), and no rule allows %s on %s", subject.desc, dir.lower(), strings.Join(denyDecision.Policies, ", "), peer.desc, tp)
		return out
	}
	out.Allowed = true
	if allowDecision == nil {
		// Only maybe-allows and nothing that denies: cannot be; keep it unknown.
		out.Allowed, out.Unknown = false, true
		out.NotEvaluated = dedupeNotEvaluated(notEvaluated)
		out.Reason = fmt.Sprintf("the %s of %s is unknown", dir.lower(), subject.desc)
		return out
	}
	out.Decision = allowDecision
	if allowDecision.Action == ActionDefault {
		out.Reason = allowDecision.Reason
		return out
	}
	out.Reason = fmt.Sprintf("%s %s %s on %s allowed by %s", dir.lower(), prep, peer.desc, tp, allowDecision.Ref())
	if !allowedWithoutL7 {
		for i, d := range allowYes {
			if len(allowYesL7[i]) > 0 {
				out.L7 = append(out.L7, fmt.Sprintf("%s allows %s at L4, with %s: the requests it admits are further restricted (not evaluated)", d.Ref(), tp, strings.Join(allowYesL7[i], ", ")))
			}
		}
	}
	return out
}

func putVerb(n int) string {
	if n == 1 {
		return "puts it"
	}
	return "put it"
}

func ciliumPolicyReason(pv PluginPolicyVerdict) string {
	var deny, allow []string
	for _, r := range pv.Rules {
		if r.Match == "yes" {
			if r.Action == "Deny" {
				deny = append(deny, r.Path)
			} else {
				allow = append(allow, r.Path)
			}
		}
	}
	switch {
	case len(deny) > 0:
		return strings.Join(deny, ", ") + " denies it"
	case len(allow) > 0:
		return strings.Join(allow, ", ") + " allows it"
	}
	return "no rule matches both peer and port"
}

func dedupeNotEvaluated(in []NotEvaluated) []NotEvaluated {
	var out []NotEvaluated
	seen := map[string]bool{}
	for _, n := range in {
		if k := n.String(); !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	return out
}

func notEvaluatedSummary(ns []NotEvaluated) string {
	var parts []string
	for i, n := range ns {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("%d more", len(ns)-3))
			break
		}
		parts = append(parts, n.String())
	}
	return strings.Join(parts, "; ")
}

// Calico

type calicoSel struct {
	cc  *calicoCompiled
	m   tri
	why string
}

// calicoEntry is a policy in a tier: a Calico policy or a Kubernetes NetworkPolicy.
type calicoEntry struct {
	cc      *calicoCompiled // nil for a Kubernetes NetworkPolicy
	np      *PolicyVerdict
	order   float64
	name    string
	m       tri
	why     string
	matches []ruleMatch
	actions []string
	paths   []string
	pv      int // index in PluginPolicies
}

type calicoTierEval struct {
	name          string
	order         float64
	defaultAction string
	entries       []*calicoEntry
	known         bool
}

type calOutcome struct{ allow, deny *Decision }

func (a calOutcome) union(b calOutcome) calOutcome {
	if a.allow == nil {
		a.allow = b.allow
	}
	if a.deny == nil {
		a.deny = b.deny
	}
	return a
}

func formatOrder(o float64) string {
	if math.IsInf(o, 1) {
		return ""
	}
	return strconv.FormatFloat(o, 'f', -1, 64)
}

func (pl *pluginLayer) applyCalico(dv DirectionVerdict, sels []calicoSel, dir Direction, subject, peer, dst *endpoint, tp trafficPort) DirectionVerdict {
	out := dv
	out.Plugin, out.Isolated, out.DecidedBy = PluginCalico, true, LayerCalico
	tiers := map[string]*calicoTierEval{}
	tierOf := func(name string) *calicoTierEval {
		if t, ok := tiers[name]; ok {
			return t
		}
		t := &calicoTierEval{name: name, order: math.Inf(1), defaultAction: "Deny"}
		if def, ok := pl.tiers[name]; ok {
			t.known = true
			if def.Order != nil {
				t.order = *def.Order
			}
			if def.DefaultAction != "" {
				t.defaultAction = def.DefaultAction
			}
		}
		if name == calicoDefaultTier {
			t.known = true
			if def, ok := pl.tiers[name]; !ok || def.Order == nil {
				t.order = calicoDefaultTierOrder
			}
		}
		tiers[name] = t
		return t
	}
	var notEvaluated []NotEvaluated
	for _, s := range sels {
		t := tierOf(s.cc.src.Tier)
		t.entries = append(t.entries, &calicoEntry{cc: s.cc, order: s.cc.order, name: s.cc.src.Name, m: s.m, why: s.why})
	}
	for i := range dv.Policies {
		pv := &dv.Policies[i]
		t := tierOf(calicoDefaultTier)
		t.entries = append(t.entries, &calicoEntry{np: pv, order: calicoK8sPolicyOrder, name: "knp.default." + pv.Name, m: yes,
			why: "Kubernetes NetworkPolicy " + pv.Namespace + "/" + pv.Name + " selects it (order 1000 in the default tier)"})
	}
	ordered := make([]*calicoTierEval, 0, len(tiers))
	for _, t := range tiers {
		sort.SliceStable(t.entries, func(i, j int) bool {
			if t.entries[i].order != t.entries[j].order {
				return t.entries[i].order < t.entries[j].order
			}
			return t.entries[i].name < t.entries[j].name
		})
		ordered = append(ordered, t)
	}
	sort.Slice(ordered, func(i, j int) bool {
		if ordered[i].order != ordered[j].order {
			return ordered[i].order < ordered[j].order
		}
		return ordered[i].name < ordered[j].name
	})
	// Evaluate every rule of every policy that applies, for the explanation.
	field := "spec." + dir.lower()
	for _, t := range ordered {
		for _, e := range t.entries {
			pv := PluginPolicyVerdict{Plugin: PluginCalico, Tier: t.name, Order: formatOrder(e.order), Selects: e.why, MaySelect: e.m == maybe}
			if e.cc != nil {
				pv.Kind, pv.APIVersion, pv.Namespace, pv.Name = e.cc.src.Kind, e.cc.src.APIVersion, e.cc.src.Namespace, e.cc.src.Name
				rules := e.cc.ingress
				if dir == Egress {
					rules = e.cc.egress
				}
				for i := range rules {
					rm := e.cc.matchRule(&rules[i], dir, subject, peer, dst, tp, &pl.sets, pl.svcs)
					e.matches = append(e.matches, rm)
					e.actions = append(e.actions, rules[i].src.Action)
					e.paths = append(e.paths, rules[i].src.Path)
					pv.Rules = append(pv.Rules, PluginRuleVerdict{Path: rules[i].src.Path, Action: rules[i].src.Action, Match: rm.m.String(), Reason: rm.reason})
				}
				if e.m == maybe {
					notEvaluated = append(notEvaluated, NotEvaluated{Policy: calicoRef(e.cc.src), Reason: e.why})
				}
				if len(e.cc.src.NotEvaluated) > 0 {
					notEvaluated = append(notEvaluated, NotEvaluated{Policy: calicoRef(e.cc.src), Reason: "uses " + strings.Join(e.cc.src.NotEvaluated, ", ") + ", which netdoctor does not evaluate"})
					e.m = e.m.and(maybe)
				}
				if !t.known {
					notEvaluated = append(notEvaluated, NotEvaluated{Policy: calicoRef(e.cc.src),
						Reason: fmt.Sprintf("its tier %s has no Tier object in what netdoctor read, so its order among the tiers is unknown", t.name)})
				}
			} else {
				pv.Kind, pv.APIVersion, pv.Namespace, pv.Name = "NetworkPolicy", "networking.k8s.io/v1", e.np.Namespace, e.np.Name
				for _, r := range e.np.Rules {
					e.matches = append(e.matches, ruleMatch{m: triOf(r.Allows()), reason: r.Reason})
					e.actions = append(e.actions, "Allow")
					e.paths = append(e.paths, fmt.Sprintf("%s[%d]", field, r.Index))
					pv.Rules = append(pv.Rules, PluginRuleVerdict{Path: fmt.Sprintf("%s[%d]", field, r.Index), Action: "Allow", Match: triOf(r.Allows()).String(), Reason: r.Reason})
				}
			}
			e.pv = len(out.PluginPolicies)
			out.PluginPolicies = append(out.PluginPolicies, pv)
		}
	}
	for _, t := range ordered {
		if !t.known {
			out.Allowed, out.Unknown = false, true
			out.NotEvaluated = dedupeNotEvaluated(notEvaluated)
			out.Reason = fmt.Sprintf("the %s of %s is unknown: %s", dir.lower(), subject.desc, notEvaluatedSummary(out.NotEvaluated))
			return out
		}
	}
	for i := range out.PluginPolicies {
		out.PluginPolicies[i].Reason = calicoPolicyReason(out.PluginPolicies[i])
	}
	// Backward over the rules: out[i] is what can happen from position i on.
	type step struct {
		tier  int
		entry *calicoEntry
		rule  int // -1 for the end of the tier
	}
	var steps []step
	start := make([]int, len(ordered)+1)
	for ti, t := range ordered {
		start[ti] = len(steps)
		for _, e := range t.entries {
			for ri := range e.matches {
				steps = append(steps, step{tier: ti, entry: e, rule: ri})
			}
		}
		steps = append(steps, step{tier: ti, rule: -1})
	}
	start[len(ordered)] = len(steps)
	outcomes := make([]calOutcome, len(steps)+1)
	outcomes[len(steps)] = calOutcome{allow: &Decision{Plugin: PluginCalico, Action: ActionProfile,
		Reason: "evaluation passed beyond the last tier that applies, so the endpoint's profiles decide, and Calico's Kubernetes profiles allow"}}
	for i := len(steps) - 1; i >= 0; i-- {
		st := steps[i]
		t := ordered[st.tier]
		next := outcomes[start[st.tier+1]]
		if st.rule < 0 {
			applies := no
			var names []string
			for _, e := range t.entries {
				applies = applies.or(e.m)
				names = append(names, out.PluginPolicies[e.pv].Ref())
			}
			def := next
			if t.defaultAction != "Pass" {
				def = calOutcome{deny: &Decision{Plugin: PluginCalico, Tier: t.name, Action: ActionDefaultDeny, Policies: names,
					Reason: fmt.Sprintf("tier %s applies to %s (%s), and none of its policies allows or passes %s %s on %s, so the end of the tier drops it",
						t.name, subject.desc, strings.Join(names, ", "), dir.preposition(), peer.desc, tp)}}
			}
			if applies == yes {
				outcomes[i] = def
			} else {
				outcomes[i] = def.union(next)
			}
			continue
		}
		e := st.entry
		rm := e.matches[st.rule]
		eff := e.m.and(rm.m)
		if eff == maybe && e.m == yes {
			for _, u := range rm.unsure {
				notEvaluated = append(notEvaluated, NotEvaluated{Policy: out.PluginPolicies[e.pv].Ref(), Rule: e.paths[st.rule], Reason: u})
			}
		}
		pv := out.PluginPolicies[e.pv]
		d := &Decision{Plugin: PluginCalico, Kind: pv.Kind, APIVersion: pv.APIVersion, Namespace: pv.Namespace, Name: pv.Name,
			Tier: pv.Tier, Order: pv.Order, Rule: e.paths[st.rule], Action: e.actions[st.rule], Reason: rm.reason}
		if e.np != nil {
			d.Plugin = PluginCalico
		}
		var act calOutcome
		switch e.actions[st.rule] {
		case "Allow":
			act = calOutcome{allow: d}
			if len(rm.l7) > 0 {
				d.Reason += " (" + strings.Join(rm.l7, ", ") + ")"
			}
		case "Deny":
			act = calOutcome{deny: d}
		case "Pass":
			act = next
		default: // Log
			act = outcomes[i+1]
		}
		switch eff {
		case yes:
			outcomes[i] = act
		case no:
			outcomes[i] = outcomes[i+1]
		default:
			outcomes[i] = act.union(outcomes[i+1])
		}
	}
	res := outcomes[0]
	markNotReached(out.PluginPolicies, res)
	prep := dir.preposition()
	switch {
	case res.allow != nil && res.deny != nil:
		out.Allowed, out.Unknown = false, true
		out.NotEvaluated = dedupeNotEvaluated(notEvaluated)
		out.Reason = fmt.Sprintf("the %s of %s %s %s on %s is unknown: it depends on what netdoctor does not evaluate (%s)",
			dir.lower(), subject.desc, prep, peer.desc, tp, notEvaluatedSummary(out.NotEvaluated))
	case res.deny != nil:
		out.Allowed, out.Decision = false, res.deny
		if res.deny.Action == ActionDefaultDeny {
			out.Reason = res.deny.Reason
		} else {
			out.Reason = fmt.Sprintf("%s denies the %s of %s %s %s on %s", res.deny.Ref(), dir.lower(), subject.desc, prep, peer.desc, tp)
		}
	default:
		out.Allowed, out.Decision = true, res.allow
		if res.allow.Action == ActionProfile {
			out.Reason = res.allow.Reason
		} else {
			out.Reason = fmt.Sprintf("%s %s %s on %s allowed by %s", dir.lower(), prep, peer.desc, tp, res.allow.Ref())
			if strings.HasSuffix(res.allow.Reason, "(HTTP match)") {
				out.L7 = append(out.L7, fmt.Sprintf("%s allows %s at L4, with an HTTP match: the requests it admits are further restricted (not evaluated)", res.allow.Ref(), tp))
			}
		}
	}
	return out
}

func calicoPolicyReason(pv PluginPolicyVerdict) string {
	for _, r := range pv.Rules {
		switch r.Match {
		case "yes":
			if r.Action == "Log" {
				continue
			}
			return fmt.Sprintf("%s matches first: %s", r.Path, r.Action)
		case "maybe":
			return fmt.Sprintf("%s may match (%s), which netdoctor cannot decide", r.Path, r.Action)
		}
	}
	if len(pv.Rules) == 0 {
		return "has no rules for this direction: the next policy of the tier decides"
	}
	return "no rule matches: the next policy of the tier decides"
}

// Restricts reports whether some policy selects (or may select) the pod for dir: a
// NetworkPolicy isolating it, or a Cilium or Calico policy; an admin policy is not
// counted. hostNetwork pods count only for the plugins' host policies.
func (m *Model) Restricts(p Peer, dir Direction) bool {
	if m == nil || p.Pod == nil {
		return false
	}
	if len(m.PoliciesSelecting(p.Pod, dir)) > 0 {
		return true
	}
	if m.plugins == nil {
		return false
	}
	e, err := resolvePeer("subject", p)
	if err != nil {
		return false
	}
	for _, pc := range m.plugins.cilium {
		for i := range pc.rules {
			if pc.rules[i].appliesTo(dir) {
				if s, _ := pc.selects(&pc.rules[i], e); s != no {
					return true
				}
			}
		}
	}
	for _, cc := range m.plugins.calico {
		if s, _ := cc.selects(dir, e); s != no {
			return true
		}
	}
	return false
}

// HasPlugins reports whether the model holds Cilium or Calico policies.
func (m *Model) HasPlugins() bool {
	return m != nil && m.plugins != nil && (len(m.plugins.cilium) > 0 || len(m.plugins.calico) > 0)
}

// markNotReached flags the policies Calico evaluates after a certain decision.
func markNotReached(pvs []PluginPolicyVerdict, res calOutcome) {
	d := res.allow
	if d == nil || res.deny != nil {
		d = res.deny
		if d == nil || res.allow != nil {
			return
		}
	}
	after := false
	for i := range pvs {
		pv := &pvs[i]
		if after {
			pv.NotReached = true
			continue
		}
		switch {
		case d.Action == ActionDefaultDeny && pv.Tier == d.Tier:
			// The whole tier took part; the next tiers did not.
			if i+1 < len(pvs) && pvs[i+1].Tier != d.Tier {
				after = true
			}
		case d.Name != "" && pv.Kind == d.Kind && pv.APIVersion == d.APIVersion && pv.Namespace == d.Namespace && pv.Name == d.Name:
			after = true
		}
	}
}

// npRuleMatchesWithoutIPBlock reports whether rule idx of a NetworkPolicy matches the
// peer through a selector (or matches every peer), not only through an ipBlock.
func (m *Model) npRuleMatchesWithoutIPBlock(ns, name string, dir Direction, idx int, peer *endpoint) bool {
	for _, p := range m.byNamespace[ns] {
		if p.name != name {
			continue
		}
		rules := p.rules(dir)
		if idx >= len(rules) {
			return true
		}
		r := rules[idx]
		if len(r.peers) == 0 {
			return true
		}
		for i, pe := range r.peers {
			if pe.ipBlock != nil {
				continue
			}
			if ok, _ := pe.match(i, ns, peer); ok {
				return true
			}
		}
		return false
	}
	return true
}

package netpol

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
)

// Calico's own policy kinds, NetworkPolicy (namespaced) and GlobalNetworkPolicy, served
// as projectcalico.org/v3 or stored as crd.projectcalico.org/v1, as the engine evaluates
// them (https://docs.tigera.io/calico/latest/reference/resources/networkpolicy,
// .../globalnetworkpolicy, .../tier, .../network-policy/policy-tiers/tiered-policy):
//
//   - Policies live in tiers. Tiers are evaluated by order, lowest first (a tier
//     without order last); the default tier has order 1,000,000. Only tiers with a
//     policy that applies to the endpoint are evaluated.
//   - Inside a tier, the policies that apply to the endpoint for the direction (their
//     selector, namespaceSelector and serviceAccountSelector match, and types lists the
//     direction) are evaluated by order, lowest first, a policy without order last,
//     ties by name. Kubernetes NetworkPolicies are policies of the default tier with
//     order 1000 whose rules Allow.
//   - Rules are evaluated in order; the first that matches decides: Allow and Deny are
//     final, Pass skips the rest of the tier to the next tier that applies, Log goes on
//     with the next rule.
//   - A tier that applies to the endpoint but takes no action drops the packet (its
//     defaultAction, Deny unless set to Pass). Passing out of the last tier, or no
//     policy applying at all, leaves the endpoint's profiles, which allow.
//   - A rule matches when all its criteria match: protocol / notProtocol, ipVersion,
//     and the source and destination entity rules: nets / notNets (any address, pods
//     included), selector / notSelector over the endpoints in scope (the policy's
//     namespace for a NetworkPolicy, every namespace for a GlobalNetworkPolicy, or the
//     namespaces namespaceSelector picks), serviceAccounts, services, ports / notPorts
//     (numbers, "min:max" ranges, names).
//
// Selectors may also match NetworkSets, GlobalNetworkSets and host endpoints, which
// netdoctor does not read: a selector against an address outside the cluster or a
// node is "maybe" unless the network sets were given. http matches (application layer
// policy) only restrict requests of an allowed connection.

// CalicoPolicy is a Calico NetworkPolicy or GlobalNetworkPolicy decoded into the fields
// the engine evaluates.
type CalicoPolicy struct {
	// Kind is "NetworkPolicy" or "GlobalNetworkPolicy"; APIVersion its group version.
	Kind, APIVersion string
	// Namespace is empty for a GlobalNetworkPolicy.
	Namespace, Name string
	// Tier is "default" unless set.
	Tier  string
	Order *float64
	// Selector, NamespaceSelector (global only) and ServiceAccountSelector pick the
	// endpoints it applies to.
	Selector, NamespaceSelector, ServiceAccountSelector string
	// Ingress and Egress say which directions it applies to (spec.types, defaulted).
	IngressOn, EgressOn bool
	Ingress, Egress     []CalicoRule
	// HostOnly is set for doNotTrack and preDNAT policies, which only apply to host
	// endpoints.
	HostOnly     bool
	NotEvaluated []string
}

// Kinds of Calico policies.
const (
	CalicoNamespacedKind = "NetworkPolicy"
	CalicoGlobalKind     = "GlobalNetworkPolicy"
)

// Global reports whether the policy is a GlobalNetworkPolicy.
func (p CalicoPolicy) Global() bool { return p.Kind == CalicoGlobalKind }

// CalicoRule is one ingress or egress rule.
type CalicoRule struct {
	Path                  string
	Action                string // Allow, Deny, Pass, Log
	Protocol, NotProtocol string
	IPVersion             int
	ICMP                  bool // icmp or notICMP is set
	Source, Destination   CalicoEntityRule
	// HTTP is set when the rule has an http match (application layer policy).
	HTTP         bool
	NotEvaluated []string
}

// CalicoEntityRule is the source or destination of a rule.
type CalicoEntityRule struct {
	Nets, NotNets                            []string
	Selector, NotSelector, NamespaceSelector string
	Ports, NotPorts                          []string
	ServiceAccountNames                      []string
	ServiceAccountSelector                   string
	HasServiceAccounts                       bool
	ServiceName, ServiceNamespace            string
	HasService                               bool
}

// CalicoTier is a Calico Tier: Order nil means last; DefaultAction Deny or Pass.
type CalicoTier struct {
	Name          string
	Order         *float64
	DefaultAction string
}

// CalicoNetworkSet is a NetworkSet (namespaced) or GlobalNetworkSet (Namespace empty).
type CalicoNetworkSet struct {
	Namespace, Name string
	Labels          map[string]string
	Nets            []string
}

// The default tier's order, fixed by Calico, and the order of Kubernetes
// NetworkPolicies inside it.
const (
	calicoDefaultTier      = "default"
	calicoDefaultTierOrder = 1_000_000
	calicoK8sPolicyOrder   = 1000
)

// DecodeCalicoPolicy reads the spec of a Calico NetworkPolicy (global false) or
// GlobalNetworkPolicy.
func DecodeCalicoPolicy(obj map[string]any, apiVersion, namespace, name string, global bool) (CalicoPolicy, error) {
	p := CalicoPolicy{Kind: CalicoNamespacedKind, APIVersion: apiVersion, Namespace: namespace, Name: name}
	if global {
		p.Kind, p.Namespace = CalicoGlobalKind, ""
	} else if p.Namespace == "" {
		p.Namespace = "default"
	}
	f := newFields(obj["spec"], "spec")
	f.ignore("performanceHints", "stagedAction")
	var err error
	if p.Tier, err = f.str("tier"); err != nil {
		return p, err
	}
	if p.Tier == "" {
		p.Tier = calicoDefaultTier
	}
	if p.Order, err = f.number("order"); err != nil {
		return p, err
	}
	if p.Selector, err = f.str("selector"); err != nil {
		return p, err
	}
	if p.ServiceAccountSelector, err = f.str("serviceAccountSelector"); err != nil {
		return p, err
	}
	if global {
		if p.NamespaceSelector, err = f.str("namespaceSelector"); err != nil {
			return p, err
		}
		for _, k := range []string{"doNotTrack", "preDNAT"} {
			b, err := f.boolPtr(k)
			if err != nil {
				return p, err
			}
			p.HostOnly = p.HostOnly || (b != nil && *b)
		}
		if _, err := f.boolPtr("applyOnForward"); err != nil {
			return p, err
		}
	}
	for _, s := range []struct {
		key  string
		into *[]CalicoRule
	}{{"ingress", &p.Ingress}, {"egress", &p.Egress}} {
		items, err := f.list(s.key)
		if err != nil {
			return p, err
		}
		for i, it := range items {
			r, err := decodeCalicoRule(it, fmt.Sprintf("spec.%s[%d]", s.key, i))
			if err != nil {
				return p, err
			}
			*s.into = append(*s.into, r)
		}
	}
	types, err := f.strings("types")
	if err != nil {
		return p, err
	}
	if len(types) == 0 {
		p.EgressOn = len(p.Egress) > 0
		p.IngressOn = len(p.Ingress) > 0 || !p.EgressOn
	}
	for _, t := range types {
		switch t {
		case "Ingress":
			p.IngressOn = true
		case "Egress":
			p.EgressOn = true
		default:
			return p, fmt.Errorf("spec.types: unsupported value %q", t)
		}
	}
	p.NotEvaluated = f.unread()
	return p, nil
}

func decodeCalicoRule(v any, path string) (CalicoRule, error) {
	f := newFields(v, path)
	r := CalicoRule{Path: path}
	f.ignore("metadata")
	var err error
	if r.Action, err = f.str("action"); err != nil {
		return r, err
	}
	switch r.Action {
	case "Allow", "Deny", "Pass", "Log":
	default:
		return r, fmt.Errorf("%s.action: unsupported value %q (want Allow, Deny, Pass or Log)", path, r.Action)
	}
	if r.Protocol, err = scalarString(f.raw("protocol")); err != nil {
		return r, fmt.Errorf("%s.protocol: %w", path, err)
	}
	if r.NotProtocol, err = scalarString(f.raw("notProtocol")); err != nil {
		return r, fmt.Errorf("%s.notProtocol: %w", path, err)
	}
	ipv, err := f.number("ipVersion")
	if err != nil {
		return r, err
	}
	if ipv != nil {
		r.IPVersion = int(*ipv)
		if r.IPVersion != 4 && r.IPVersion != 6 {
			return r, fmt.Errorf("%s.ipVersion: want 4 or 6", path)
		}
	}
	r.ICMP = f.has("icmp") || f.has("notICMP")
	r.HTTP = f.has("http")
	for _, s := range []struct {
		key  string
		into *CalicoEntityRule
	}{{"source", &r.Source}, {"destination", &r.Destination}} {
		if !f.has(s.key) {
			continue
		}
		e, unread, err := decodeCalicoEntity(f.raw(s.key), path+"."+s.key)
		if err != nil {
			return r, err
		}
		*s.into = e
		r.NotEvaluated = append(r.NotEvaluated, unread...)
	}
	r.NotEvaluated = append(r.NotEvaluated, f.unread()...)
	return r, nil
}

func decodeCalicoEntity(v any, path string) (CalicoEntityRule, []string, error) {
	f := newFields(v, path)
	var e CalicoEntityRule
	var err error
	if e.Nets, err = f.strings("nets"); err != nil {
		return e, nil, err
	}
	if e.NotNets, err = f.strings("notNets"); err != nil {
		return e, nil, err
	}
	for _, s := range []struct {
		key  string
		into *string
	}{{"selector", &e.Selector}, {"notSelector", &e.NotSelector}, {"namespaceSelector", &e.NamespaceSelector}} {
		if *s.into, err = f.str(s.key); err != nil {
			return e, nil, err
		}
	}
	if e.Ports, err = f.strings("ports"); err != nil {
		return e, nil, err
	}
	if e.NotPorts, err = f.strings("notPorts"); err != nil {
		return e, nil, err
	}
	var unread []string
	if f.has("serviceAccounts") {
		sa, err := f.object("serviceAccounts")
		if err != nil {
			return e, nil, err
		}
		e.HasServiceAccounts = true
		if e.ServiceAccountNames, err = sa.strings("names"); err != nil {
			return e, nil, err
		}
		if e.ServiceAccountSelector, err = sa.str("selector"); err != nil {
			return e, nil, err
		}
		unread = append(unread, sa.unread()...)
	}
	if f.has("services") {
		e.HasService = true
		if e.ServiceName, e.ServiceNamespace, err = f.serviceRef("services", "name", &unread); err != nil {
			return e, nil, err
		}
	}
	return e, append(unread, f.unread()...), nil
}

// compiled forms

type calicoCompiled struct {
	src        *CalicoPolicy
	order      float64 // +Inf without order
	selector   *CalicoSelector
	nsSelector *CalicoSelector // nil unless set
	saSelector *CalicoSelector // nil unless set
	selErr     string          // a subject selector netdoctor cannot parse
	ingress    []calicoRuleCompiled
	egress     []calicoRuleCompiled
}

type calicoRuleCompiled struct {
	src             *CalicoRule
	proto, notProto int // protocol numbers, 0 when unset
	source, dest    calicoEntityCompiled
	notEvaluated    []string
}

type calicoEntityCompiled struct {
	src                               *CalicoEntityRule
	nets, notNets                     []netip.Prefix
	selector, notSelector, nsSelector *CalicoSelector
	saSelector                        *CalicoSelector
	ports, notPorts                   []calicoPort
	unparsed                          []string // selectors netdoctor cannot parse
}

type calicoPort struct {
	lo, hi int32
	name   string
}

func (p calicoPort) String() string {
	switch {
	case p.name != "":
		return p.name
	case p.lo == p.hi:
		return strconv.Itoa(int(p.lo))
	}
	return fmt.Sprintf("%d:%d", p.lo, p.hi)
}

var calicoProtocols = map[string]int{"TCP": 6, "UDP": 17, "ICMP": 1, "ICMPV6": 58, "SCTP": 132, "UDPLITE": 136}

func calicoProtocolNumber(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, ok := calicoProtocols[strings.ToUpper(s)]; ok {
		return n, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 255 {
		return 0, fmt.Errorf("unsupported protocol %q", s)
	}
	return n, nil
}

func trafficProtocolNumber(p corev1.Protocol) int {
	return calicoProtocols[string(p)]
}

func compileCalico(p *CalicoPolicy) (*calicoCompiled, error) {
	if p.Name == "" {
		return nil, errors.New("metadata.name is required")
	}
	cc := &calicoCompiled{src: p, order: math.Inf(1)}
	if p.Order != nil {
		cc.order = *p.Order
	}
	var err error
	if cc.selector, err = ParseCalicoSelector(p.Selector); err != nil {
		cc.selErr = fmt.Sprintf("selector %q: %v", p.Selector, err)
	}
	if strings.TrimSpace(p.NamespaceSelector) != "" {
		if cc.nsSelector, err = ParseCalicoSelector(p.NamespaceSelector); err != nil {
			cc.selErr = fmt.Sprintf("namespaceSelector %q: %v", p.NamespaceSelector, err)
		}
	}
	if strings.TrimSpace(p.ServiceAccountSelector) != "" {
		if cc.saSelector, err = ParseCalicoSelector(p.ServiceAccountSelector); err != nil {
			cc.selErr = fmt.Sprintf("serviceAccountSelector %q: %v", p.ServiceAccountSelector, err)
		}
	}
	for _, s := range []struct {
		in  []CalicoRule
		out *[]calicoRuleCompiled
	}{{p.Ingress, &cc.ingress}, {p.Egress, &cc.egress}} {
		for i := range s.in {
			rc, err := compileCalicoRule(&s.in[i])
			if err != nil {
				return nil, err
			}
			*s.out = append(*s.out, rc)
		}
	}
	return cc, nil
}

func compileCalicoRule(r *CalicoRule) (calicoRuleCompiled, error) {
	rc := calicoRuleCompiled{src: r, notEvaluated: append([]string{}, r.NotEvaluated...)}
	var err error
	if rc.proto, err = calicoProtocolNumber(r.Protocol); err != nil {
		return rc, fmt.Errorf("%s.protocol: %w", r.Path, err)
	}
	if rc.notProto, err = calicoProtocolNumber(r.NotProtocol); err != nil {
		return rc, fmt.Errorf("%s.notProtocol: %w", r.Path, err)
	}
	if rc.source, err = compileCalicoEntity(&r.Source, r.Path+".source"); err != nil {
		return rc, err
	}
	if rc.dest, err = compileCalicoEntity(&r.Destination, r.Path+".destination"); err != nil {
		return rc, err
	}
	return rc, nil
}

func compileCalicoEntity(e *CalicoEntityRule, path string) (calicoEntityCompiled, error) {
	ec := calicoEntityCompiled{src: e}
	if err := appendParsed(&ec.nets, e.Nets, path+".nets", parseCIDROrAddr); err != nil {
		return ec, err
	}
	if err := appendParsed(&ec.notNets, e.NotNets, path+".notNets", parseCIDROrAddr); err != nil {
		return ec, err
	}
	for _, s := range []struct {
		in  string
		out **CalicoSelector
		key string
	}{{e.Selector, &ec.selector, "selector"}, {e.NotSelector, &ec.notSelector, "notSelector"},
		{e.NamespaceSelector, &ec.nsSelector, "namespaceSelector"}, {e.ServiceAccountSelector, &ec.saSelector, "serviceAccounts.selector"}} {
		if strings.TrimSpace(s.in) == "" {
			continue
		}
		sel, err := ParseCalicoSelector(s.in)
		if err != nil {
			ec.unparsed = append(ec.unparsed, fmt.Sprintf("%s.%s %q (%v)", path, s.key, s.in, err))
			continue
		}
		*s.out = sel
	}
	if err := appendParsed(&ec.ports, e.Ports, path+".ports", parseCalicoPort); err != nil {
		return ec, err
	}
	if err := appendParsed(&ec.notPorts, e.NotPorts, path+".notPorts", parseCalicoPort); err != nil {
		return ec, err
	}
	return ec, nil
}

// appendParsed parses the items of in onto out, up to the first it cannot parse,
// which the error names by its index under at. What was parsed before it stays in
// out: the policy lints read a rule that failed to compile as far as it went.
func appendParsed[T any](out *[]T, in []string, at string, parse func(string) (T, error)) error {
	for i, text := range in {
		v, err := parse(text)
		if err != nil {
			return fmt.Errorf("%s[%d]: %w", at, i, err)
		}
		*out = append(*out, v)
	}
	return nil
}

func parseCalicoPort(s string) (calicoPort, error) {
	s = strings.TrimSpace(s)
	if lo, hi, ok := strings.Cut(s, ":"); ok {
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 0 || b > 65535 || a > b {
			return calicoPort{}, fmt.Errorf("invalid port range %q", s)
		}
		return calicoPort{lo: int32(a), hi: int32(b)}, nil
	}
	if isDigits(s) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 65535 {
			return calicoPort{}, fmt.Errorf("port %q out of range", s)
		}
		return calicoPort{lo: int32(n), hi: int32(n)}, nil
	}
	if s == "" {
		return calicoPort{}, errors.New("empty port")
	}
	return calicoPort{name: s}, nil
}

// label lookups

// calicoPodLookup reads a key as Calico labels the workload endpoint of a pod: its
// labels, plus projectcalico.org/namespace, /orchestrator, /serviceaccount and the
// namespace's labels as pcns.*. Service account labels (pcsa.*) are not read.
func calicoPodLookup(e *endpoint) labelLookup {
	return func(key string) (string, bool, bool) {
		switch {
		case key == "projectcalico.org/namespace":
			return e.namespace, true, true
		case key == "projectcalico.org/orchestrator":
			return "k8s", true, true
		case key == "projectcalico.org/serviceaccount":
			return serviceAccountOf(e.pod), true, true
		case strings.HasPrefix(key, "pcns."):
			v, ok := e.nsLabels[strings.TrimPrefix(key, "pcns.")]
			return v, ok, true
		case strings.HasPrefix(key, "pcsa."), strings.HasPrefix(key, "projectcalico.org/"):
			return "", false, false
		}
		v, ok := e.pod.Labels[key]
		return v, ok, true
	}
}

// calicoNamespaceLookup reads namespace labels, with projectcalico.org/name for the name.
func calicoNamespaceLookup(e *endpoint) labelLookup {
	return func(key string) (string, bool, bool) {
		if key == "projectcalico.org/name" {
			return e.namespace, true, true
		}
		if strings.HasPrefix(key, "projectcalico.org/") {
			return "", false, false
		}
		v, ok := e.nsLabels[key]
		return v, ok, true
	}
}

// calicoServiceAccountLookup knows only the service account's name.
func calicoServiceAccountLookup(e *endpoint) labelLookup {
	return func(key string) (string, bool, bool) {
		if key == "projectcalico.org/name" {
			return serviceAccountOf(e.pod), true, true
		}
		return "", false, false
	}
}

// selects says whether the policy applies to subject for dir.
func (cc *calicoCompiled) selects(dir Direction, subject *endpoint) (tri, string) {
	p := cc.src
	if (dir == Ingress && !p.IngressOn) || (dir == Egress && !p.EgressOn) || subject.pod == nil {
		return no, ""
	}
	if subject.hostNetwork {
		if p.Global() {
			return maybe, fmt.Sprintf("a GlobalNetworkPolicy may select the host endpoint of the node of %s, whose labels netdoctor does not read", subject.desc)
		}
		return no, ""
	}
	if p.HostOnly {
		return no, ""
	}
	if !p.Global() && subject.namespace != p.Namespace {
		return no, ""
	}
	if cc.selErr != "" {
		return maybe, cc.selErr + ", which netdoctor does not evaluate: it may select " + subject.desc
	}
	m := cc.selector.eval(calicoPodLookup(subject), false)
	why := fmt.Sprintf("selector %q", cc.selector)
	if cc.nsSelector != nil {
		m = m.and(cc.nsSelector.eval(calicoNamespaceLookup(subject), false))
		why += fmt.Sprintf(" and namespaceSelector %q", cc.nsSelector)
	}
	if cc.saSelector != nil {
		m = m.and(cc.saSelector.eval(calicoServiceAccountLookup(subject), false))
		why += fmt.Sprintf(" and serviceAccountSelector %q", cc.saSelector)
	}
	switch m {
	case yes:
		return yes, why + " select " + subject.desc
	case maybe:
		return maybe, why + " use labels netdoctor cannot read from the API (service account labels, or labels Calico adds), so they may select " + subject.desc
	}
	return no, ""
}

// networkSets are the NetworkSets and GlobalNetworkSets, when known.
type networkSets struct {
	known bool
	sets  []compiledNetworkSet
}

type compiledNetworkSet struct {
	src  *CalicoNetworkSet
	nets []netip.Prefix
}

// matchEntity evaluates an entity rule for e, the endpoint on that side; dst is the
// destination of the connection (for ports), isDest whether e is it.
func (cc *calicoCompiled) matchEntity(ec *calicoEntityCompiled, side string, e, dst *endpoint, tp trafficPort, ruleProto int, isDest bool, sets *networkSets, svcs *serviceIndex) (tri, []string, []string) {
	src := ec.src
	m := yes
	var why, unsure []string
	and := func(t tri, reason string) {
		m = m.and(t)
		why = append(why, reason)
		if t == maybe {
			unsure = append(unsure, reason)
		}
	}
	if len(ec.unparsed) > 0 {
		and(maybe, strings.Join(ec.unparsed, ", ")+": not a selector netdoctor evaluates")
	}
	if len(ec.nets) > 0 {
		and(netsMatch(ec.nets, e, side, "nets"))
	}
	if len(ec.notNets) > 0 {
		t, r := netsMatch(ec.notNets, e, side, "notNets")
		and(t.not(), r)
	}
	switch {
	case ec.selector != nil:
		t, r := cc.identityMatch(ec, ec.selector, e, sets)
		and(t, side+" "+r)
	case ec.nsSelector != nil && ec.notSelector == nil && !src.HasServiceAccounts:
		// namespaceSelector alone: every endpoint of those namespaces.
		t, r := cc.identityMatch(ec, nil, e, sets)
		and(t, side+" "+r)
	}
	if ec.notSelector != nil {
		t, r := cc.identityMatch(ec, ec.notSelector, e, sets)
		and(t.not(), fmt.Sprintf("%s notSelector: %s", side, r))
	}
	if src.HasServiceAccounts {
		and(cc.serviceAccountMatch(ec, e, side))
	}
	if src.HasService {
		and(cc.serviceMatch(src, e, dst, tp, side, svcs))
	}
	if len(ec.ports) > 0 || len(ec.notPorts) > 0 {
		if !isDest {
			and(maybe, side+" ports: the source port is chosen by the client, netdoctor does not know it")
		} else {
			if len(ec.ports) > 0 {
				and(calicoPortsMatch(ec.ports, tp, dst, ruleProto, "ports"))
			}
			if len(ec.notPorts) > 0 {
				t, r := calicoPortsMatch(ec.notPorts, tp, dst, ruleProto, "notPorts")
				and(t.not(), r)
			}
		}
	}
	return m, why, unsure
}

func netsMatch(nets []netip.Prefix, e *endpoint, side, field string) (tri, string) {
	texts := make([]string, len(nets))
	for i, n := range nets {
		texts[i] = n.String()
	}
	if !e.ip.IsValid() {
		return maybe, fmt.Sprintf("%s %s [%s]: the IP of %s is unknown", side, field, strings.Join(texts, ","), e.desc)
	}
	for _, n := range nets {
		if n.Contains(e.ip) {
			return yes, fmt.Sprintf("%s %s %s contains %s", side, field, n, e.ipDesc())
		}
	}
	return no, fmt.Sprintf("%s %s [%s] does not contain %s", side, field, strings.Join(texts, ","), e.ipDesc())
}

// scope says whether e is among the endpoints a rule's selector ranges over.
func (cc *calicoCompiled) scope(ec *calicoEntityCompiled, e *endpoint) (tri, string) {
	if ec.nsSelector != nil {
		m := ec.nsSelector.eval(calicoNamespaceLookup(e), false)
		if m == no {
			return no, fmt.Sprintf("namespaceSelector %q does not match namespace %s (labels %s)", ec.nsSelector, e.namespace, formatLabels(e.nsLabels))
		}
		return m, fmt.Sprintf("namespaceSelector %q matches namespace %s", ec.nsSelector, e.namespace)
	}
	if !cc.src.Global() && e.namespace != cc.src.Namespace {
		return no, fmt.Sprintf("without namespaceSelector it only ranges over namespace %s, but %s is in namespace %s", cc.src.Namespace, e.desc, e.namespace)
	}
	return yes, ""
}

// identityMatch: does sel (the rule's selector, nil for "every endpoint in scope")
// match e? Pods are matched by their labels; other addresses only through the
// network sets (or host endpoints) that contain them.
func (cc *calicoCompiled) identityMatch(ec *calicoEntityCompiled, sel *CalicoSelector, e *endpoint, sets *networkSets) (tri, string) {
	what := "every endpoint"
	if sel != nil {
		what = fmt.Sprintf("selector %q", sel)
	}
	if e.isSelectable() {
		in, inWhy := cc.scope(ec, e)
		if in == no {
			return no, what + ": " + inWhy
		}
		m := yes
		if sel != nil {
			m = sel.eval(calicoPodLookup(e), false)
		}
		m = in.and(m)
		switch m {
		case yes:
			return yes, fmt.Sprintf("%s matches %s", what, e.desc)
		case maybe:
			return maybe, fmt.Sprintf("%s uses labels netdoctor cannot read from the API, so it may match %s", what, e.desc)
		}
		return no, fmt.Sprintf("%s does not match %s (labels %s)", what, e.desc, formatLabels(e.pod.Labels))
	}
	// An address outside the cluster, or a node: only network sets (and host
	// endpoints, for nodes) carry labels for it.
	global := cc.src.Global() && ec.nsSelector == nil || ec.nsSelector.usesGlobal()
	if e.hostNetwork && global {
		return maybe, fmt.Sprintf("%s may match the host endpoint of the node of %s, whose labels netdoctor does not read", what, e.desc)
	}
	if !sets.known {
		return maybe, fmt.Sprintf("%s may match a NetworkSet or GlobalNetworkSet containing %s, which netdoctor did not read", what, e.ipDesc())
	}
	if !e.ip.IsValid() {
		return maybe, fmt.Sprintf("%s: the IP of %s is unknown", what, e.desc)
	}
	result := no
	for _, ns := range sets.sets {
		contains := false
		for _, n := range ns.nets {
			contains = contains || n.Contains(e.ip)
		}
		if !contains {
			continue
		}
		var inScope tri
		switch {
		case ns.src.Namespace == "":
			inScope = triOf(global)
		case ec.nsSelector != nil:
			nsEP := &endpoint{namespace: ns.src.Namespace, nsLabels: map[string]string{namespaceNameLabel: ns.src.Namespace}}
			inScope = ec.nsSelector.eval(calicoNamespaceLookup(nsEP), false)
		default:
			inScope = triOf(cc.src.Global() || ns.src.Namespace == cc.src.Namespace)
		}
		m := yes
		if sel != nil {
			labels := ns.src.Labels
			m = sel.eval(func(k string) (string, bool, bool) { v, ok := labels[k]; return v, ok, true }, ns.src.Namespace == "")
		}
		if t := inScope.and(m); t > result {
			result = t
			if t == yes {
				return yes, fmt.Sprintf("%s matches network set %s, which contains %s", what, networkSetRef(ns.src), e.ipDesc())
			}
		}
	}
	if result == maybe {
		return maybe, fmt.Sprintf("%s may match a network set containing %s", what, e.ipDesc())
	}
	return no, fmt.Sprintf("%s matches no endpoint or network set containing %s", what, e.ipDesc())
}

func networkSetRef(s *CalicoNetworkSet) string {
	if s.Namespace == "" {
		return "GlobalNetworkSet " + s.Name
	}
	return "NetworkSet " + s.Namespace + "/" + s.Name
}

func (cc *calicoCompiled) serviceAccountMatch(ec *calicoEntityCompiled, e *endpoint, side string) (tri, string) {
	if !e.isSelectable() {
		return no, fmt.Sprintf("%s serviceAccounts: %s runs under no service account", side, e.desc)
	}
	in, inWhy := cc.scope(ec, e)
	if in == no {
		return no, side + " serviceAccounts: " + inWhy
	}
	sa := serviceAccountOf(e.pod)
	m := in
	if len(ec.src.ServiceAccountNames) > 0 {
		m = m.and(triOf(slices.Contains(ec.src.ServiceAccountNames, sa)))
	}
	if ec.saSelector != nil {
		m = m.and(ec.saSelector.eval(calicoServiceAccountLookup(e), false))
	}
	switch m {
	case yes:
		return yes, fmt.Sprintf("%s serviceAccounts match %s (service account %s)", side, e.desc, sa)
	case maybe:
		return maybe, fmt.Sprintf("%s serviceAccounts selector matches service account labels, which netdoctor does not read", side)
	}
	return no, fmt.Sprintf("%s serviceAccounts do not match %s (service account %s)", side, e.desc, sa)
}

func (cc *calicoCompiled) serviceMatch(src *CalicoEntityRule, e, dst *endpoint, tp trafficPort, side string, svcs *serviceIndex) (tri, string) {
	ns := src.ServiceNamespace
	if ns == "" {
		ns = cc.src.Namespace
	}
	svc, known := svcs.get(ns, src.ServiceName)
	if !known {
		return maybe, fmt.Sprintf("%s services %s/%s: netdoctor did not read that Service", side, ns, src.ServiceName)
	}
	if svc == nil {
		return no, fmt.Sprintf("%s services: Service %s/%s does not exist", side, ns, src.ServiceName)
	}
	if len(svc.Spec.Selector) == 0 {
		return maybe, fmt.Sprintf("%s services: Service %s/%s has no selector; its EndpointSlices are not read", side, ns, src.ServiceName)
	}
	if !e.isSelectable() || e.namespace != svc.Namespace || !selectorMatchesMap(svc.Spec.Selector, e.pod.Labels) {
		return no, fmt.Sprintf("%s services: %s is not an endpoint of Service %s/%s", side, e.desc, ns, svc.Name)
	}
	if e == dst {
		for _, sp := range svc.Spec.Ports {
			if kube.ProtocolOrTCP(sp.Protocol) != tp.protocol {
				continue
			}
			if n, ok := kube.ResolveTargetPort(e.pod, sp); ok && n == tp.number {
				return yes, fmt.Sprintf("%s services: %s is an endpoint of Service %s/%s on %s", side, e.desc, ns, svc.Name, tp)
			}
		}
		return no, fmt.Sprintf("%s services: %s is not a target port of Service %s/%s", side, tp, ns, svc.Name)
	}
	return yes, fmt.Sprintf("%s services: %s is an endpoint of Service %s/%s", side, e.desc, ns, svc.Name)
}

func calicoPortsMatch(ports []calicoPort, tp trafficPort, dst *endpoint, ruleProto int, field string) (tri, string) {
	texts := make([]string, len(ports))
	for i, p := range ports {
		texts[i] = p.String()
	}
	for _, p := range ports {
		if p.name != "" {
			proto := tp.protocol
			if dst.pod == nil {
				continue
			}
			if tp.name == p.name {
				return yes, fmt.Sprintf("destination %s: named port %q of %s", field, p.name, dst.desc)
			}
			for _, n := range declaredPortNumbers(dst.pod, p.name, proto) {
				if n == tp.number {
					return yes, fmt.Sprintf("destination %s: named port %q is %d on %s", field, p.name, n, dst.desc)
				}
			}
			continue
		}
		if tp.number >= p.lo && tp.number <= p.hi {
			return yes, fmt.Sprintf("destination %s %s matches %s", field, p, tp)
		}
	}
	return no, fmt.Sprintf("destination %s [%s] do not match %s", field, strings.Join(texts, ", "), tp)
}

// matchRule evaluates a rule for one connection: for ingress the source is the peer
// and the destination the subject, for egress the other way round.
func (cc *calicoCompiled) matchRule(rc *calicoRuleCompiled, dir Direction, subject, peer, dst *endpoint, tp trafficPort, sets *networkSets, svcs *serviceIndex) ruleMatch {
	r := rc.src
	src, dest := peer, subject
	if dir == Egress {
		src, dest = subject, peer
	}
	var out ruleMatch
	m := yes
	var why []string
	and := func(t tri, reason string, unsure ...string) {
		m = m.and(t)
		if reason != "" {
			why = append(why, reason)
		}
		out.unsure = append(out.unsure, unsure...)
	}
	tpn := trafficProtocolNumber(tp.protocol)
	if rc.proto != 0 {
		and(triOf(rc.proto == tpn), fmt.Sprintf("protocol %s %s %s", r.Protocol, map[bool]string{true: "matches", false: "does not match"}[rc.proto == tpn], tp.protocol))
	}
	if rc.notProto != 0 {
		and(triOf(rc.notProto != tpn), fmt.Sprintf("notProtocol %s vs %s", r.NotProtocol, tp.protocol))
	}
	if r.ICMP && m != no {
		and(no, "icmp criteria only match ICMP")
	}
	if r.IPVersion != 0 && m != no {
		switch {
		case !peer.ip.IsValid():
			and(maybe, "ipVersion: the IP of "+peer.desc+" is unknown", "ipVersion with an unknown IP")
		case (r.IPVersion == 4) == peer.ip.Is4():
			and(yes, fmt.Sprintf("ipVersion %d matches", r.IPVersion))
		default:
			and(no, fmt.Sprintf("ipVersion %d does not match %s", r.IPVersion, peer.ip))
		}
	}
	if m != no {
		t, ws, us := cc.matchEntity(&rc.source, "source", src, dst, tp, rc.proto, false, sets, svcs)
		and(t, strings.Join(ws, "; "), us...)
	}
	if m != no {
		t, ws, us := cc.matchEntity(&rc.dest, "destination", dest, dst, tp, rc.proto, true, sets, svcs)
		and(t, strings.Join(ws, "; "), us...)
	}
	if len(rc.notEvaluated) > 0 && m != no {
		and(maybe, "", "it uses "+strings.Join(rc.notEvaluated, ", ")+", which netdoctor does not evaluate")
	}
	if r.HTTP && m != no {
		if r.Action == "Allow" {
			out.l7 = []string{"HTTP match"}
		} else {
			and(maybe, "", "an http match on a "+r.Action+" rule, which netdoctor does not evaluate")
		}
	}
	out.m = m
	if len(why) == 0 {
		why = append(why, "the rule has no match criteria, so it matches everything")
	}
	out.reason = strings.Join(why, "; ")
	if m == maybe && len(out.unsure) > 0 {
		out.reason += "; not evaluated: " + strings.Join(out.unsure, "; ")
	}
	if m != yes {
		out.l7 = nil
	}
	return out
}

// DecodeCalicoTier reads a Calico Tier: spec.order and spec.defaultAction.
func DecodeCalicoTier(obj map[string]any, name string) (CalicoTier, error) {
	t := CalicoTier{Name: name}
	f := newFields(obj["spec"], "spec")
	var err error
	if t.Order, err = f.number("order"); err != nil {
		return t, err
	}
	if t.DefaultAction, err = f.str("defaultAction"); err != nil {
		return t, err
	}
	return t, nil
}

// DecodeCalicoNetworkSet reads a NetworkSet (global false) or GlobalNetworkSet: its
// labels and spec.nets.
func DecodeCalicoNetworkSet(obj map[string]any, namespace, name string, global bool) (CalicoNetworkSet, error) {
	s := CalicoNetworkSet{Namespace: namespace, Name: name}
	if global {
		s.Namespace = ""
	}
	if meta, ok := obj["metadata"].(map[string]any); ok {
		if l, ok := meta["labels"].(map[string]any); ok {
			s.Labels = map[string]string{}
			for k, v := range l {
				s.Labels[k] = fmt.Sprint(v)
			}
		}
	}
	f := newFields(obj["spec"], "spec")
	var err error
	if s.Nets, err = f.strings("nets"); err != nil {
		return s, err
	}
	return s, nil
}

package netpol

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Cilium's own policy kinds, cilium.io/v2 CiliumNetworkPolicy (CNP) and
// CiliumClusterwideNetworkPolicy (CCNP), as the engine evaluates them
// (https://docs.cilium.io/en/stable/security/policy/):
//
//   - A policy is a list of rules (spec, then specs[]). A rule selects Cilium endpoints
//     with endpointSelector (a CNP only in its own namespace; hostNetwork pods are no
//     endpoints) or nodes with nodeSelector (host policies, CCNP only).
//   - Allow rules (ingress, egress) are additive, as are NetworkPolicies, which Cilium
//     enforces beside its own kinds. Deny rules (ingressDeny, egressDeny) win over every
//     allow of every kind.
//   - An endpoint is in default deny for a direction once any rule selecting it has a
//     section for that direction (an allow or a deny list, even `- {}`), unless that
//     rule sets enableDefaultDeny false for it; a NetworkPolicy isolating the pod counts
//     too. Otherwise what no rule denies is allowed.
//   - Inside a rule the L3 fields (fromEndpoints, fromEntities, fromCIDR, fromCIDRSet,
//     toServices, ...) are OR'd and AND'd with toPorts. A rule with toPorts (or icmps)
//     but no L3 field admits every peer; the empty rule `{}` admits nothing.
//   - fromEndpoints/toEndpoints match endpoint labels: the pod's (plain, k8s: or any:
//     keys), io.kubernetes.pod.namespace, io.cilium.k8s.policy.serviceaccount and
//     io.cilium.k8s.namespace.labels.*. In a CNP a selector that names neither the
//     namespace nor namespace labels only matches pods of the policy's namespace; in a
//     CCNP it matches pods of any namespace.
//   - CIDR rules only match addresses outside the cluster (not pods, not nodes).
//   - toPorts entries match protocol (TCP, UDP, SCTP, ANY or empty = any) and port
//     (number, endPort range, name, 0 = all). L7 rules (http, kafka, dns), serverNames
//     and listeners only restrict requests of a connection the L4 rule allows.
//
// What the engine cannot decide from the API (toFQDNs and toGroups for outside
// addresses, CIDR groups, fromRequires, mutual authentication, node selectors of host
// policies, services it was not given) makes the rule "maybe": the direction is then
// unknown unless a certain deny or allow settles it.

// CiliumPolicy is a CNP or CCNP decoded into the fields the engine evaluates.
type CiliumPolicy struct {
	// Kind is "CiliumNetworkPolicy" or "CiliumClusterwideNetworkPolicy".
	Kind string
	// Namespace is empty for the cluster-wide kind.
	Namespace, Name string
	Rules           []CiliumRule
}

// ClusterWide reports whether the policy is a CCNP.
func (p CiliumPolicy) ClusterWide() bool { return p.Kind == CiliumClusterwideKind }

// Kinds of Cilium policies.
const (
	CiliumNamespacedKind  = "CiliumNetworkPolicy"
	CiliumClusterwideKind = "CiliumClusterwideNetworkPolicy"
)

// CiliumRule is spec or one entry of specs.
type CiliumRule struct {
	Path             string // "spec", "specs[1]"
	EndpointSelector *LabelSelector
	NodeSelector     *LabelSelector
	// Ingress etc. are nil when the section is absent or empty (then the rule does
	// not apply to that direction).
	Ingress, IngressDeny, Egress, EgressDeny []CiliumPeerRule
	DefaultDenyIngress, DefaultDenyEgress    *bool
	// NotEvaluated are fields of the rule outside its sections that the engine does
	// not read.
	NotEvaluated []string
}

// CiliumPeerRule is one entry of ingress, ingressDeny, egress or egressDeny.
type CiliumPeerRule struct {
	Path      string
	Endpoints []LabelSelector
	Entities  []string
	CIDRs     []CIDRRule
	Services  []CiliumService
	// Nodes, FQDNs, Groups, CIDRGroups and Requires are set when the rule uses
	// fromNodes/toNodes, toFQDNs, toGroups, a CIDR group, fromRequires/toRequires.
	Nodes, FQDNs, Groups, CIDRGroups, Requires bool
	Ports                                      []CiliumPortRule
	ICMPs                                      bool
	// Authentication is set when the rule requires mutual authentication.
	Authentication bool
	NotEvaluated   []string
}

// hasL3 reports whether the rule names any peer.
func (r CiliumPeerRule) hasL3() bool {
	return len(r.Endpoints) > 0 || len(r.Entities) > 0 || len(r.CIDRs) > 0 || len(r.Services) > 0 ||
		r.Nodes || r.FQDNs || r.Groups || r.CIDRGroups
}

// CIDRRule is a CIDR with the subnets it excludes.
type CIDRRule struct {
	CIDR   string
	Except []string
}

// CiliumService is a toServices entry: a Service by name, or Services by label.
type CiliumService struct {
	Name, Namespace string
	Selector        *LabelSelector
}

// CiliumPortRule is one toPorts entry. L7 names what restricts the connection above
// L4 ("HTTP rules", "DNS rules", "TLS server names", ...).
type CiliumPortRule struct {
	Ports []CiliumPort
	L7    []string
}

// CiliumPort is a port: "80", a name, or "0"/"" for all; Protocol TCP, UDP, SCTP or
// ANY ("" is ANY).
type CiliumPort struct {
	Port     string
	EndPort  int32
	Protocol string
}

// DecodeCiliumPolicy reads spec and specs of a CNP (clusterWide false) or CCNP from
// its unstructured object.
func DecodeCiliumPolicy(obj map[string]any, namespace, name string, clusterWide bool) (CiliumPolicy, error) {
	p := CiliumPolicy{Kind: CiliumNamespacedKind, Namespace: namespace, Name: name}
	if clusterWide {
		p.Kind, p.Namespace = CiliumClusterwideKind, ""
	} else if p.Namespace == "" {
		p.Namespace = "default"
	}
	if spec, ok := obj["spec"].(map[string]any); ok {
		r, err := decodeCiliumRule(spec, "spec")
		if err != nil {
			return p, err
		}
		p.Rules = append(p.Rules, r)
	}
	if specs, ok := obj["specs"].([]any); ok {
		for i, s := range specs {
			r, err := decodeCiliumRule(s, fmt.Sprintf("specs[%d]", i))
			if err != nil {
				return p, err
			}
			p.Rules = append(p.Rules, r)
		}
	}
	return p, nil
}

func decodeCiliumRule(v any, path string) (CiliumRule, error) {
	f := newFields(v, path)
	r := CiliumRule{Path: path}
	f.ignore("description", "labels")
	for _, key := range []string{"endpointSelector", "nodeSelector"} {
		if !f.has(key) {
			continue
		}
		sel, unread, err := decodeLabelSelector(f.raw(key), f.at(key))
		if err != nil {
			return r, err
		}
		r.NotEvaluated = append(r.NotEvaluated, unread...)
		if key == "endpointSelector" {
			r.EndpointSelector = &sel
		} else {
			r.NodeSelector = &sel
		}
	}
	if r.EndpointSelector == nil && r.NodeSelector == nil {
		return r, fmt.Errorf("%s: one of endpointSelector and nodeSelector is required", path)
	}
	sections := []struct {
		key    string
		into   *[]CiliumPeerRule
		egress bool
		deny   bool
	}{
		{"ingress", &r.Ingress, false, false}, {"ingressDeny", &r.IngressDeny, false, true},
		{"egress", &r.Egress, true, false}, {"egressDeny", &r.EgressDeny, true, true},
	}
	for _, s := range sections {
		items, err := f.list(s.key)
		if err != nil {
			return r, err
		}
		for i, it := range items {
			pr, err := decodeCiliumPeerRule(it, fmt.Sprintf("%s.%s[%d]", path, s.key, i), s.egress, s.deny)
			if err != nil {
				return r, err
			}
			*s.into = append(*s.into, pr)
		}
	}
	if f.has("enableDefaultDeny") {
		dd, err := f.object("enableDefaultDeny")
		if err != nil {
			return r, err
		}
		if r.DefaultDenyIngress, err = dd.boolPtr("ingress"); err != nil {
			return r, err
		}
		if r.DefaultDenyEgress, err = dd.boolPtr("egress"); err != nil {
			return r, err
		}
		r.NotEvaluated = append(r.NotEvaluated, dd.unread()...)
	}
	r.NotEvaluated = append(r.NotEvaluated, f.unread()...)
	return r, nil
}

func decodeCiliumPeerRule(v any, path string, egress, deny bool) (CiliumPeerRule, error) {
	f := newFields(v, path)
	r := CiliumPeerRule{Path: path}
	pre := "from"
	if egress {
		pre = "to"
	}
	eps, err := f.list(pre + "Endpoints")
	if err != nil {
		return r, err
	}
	for i, e := range eps {
		sel, unread, err := decodeLabelSelector(e, fmt.Sprintf("%s.%sEndpoints[%d]", path, pre, i))
		if err != nil {
			return r, err
		}
		r.Endpoints = append(r.Endpoints, sel)
		r.NotEvaluated = append(r.NotEvaluated, unread...)
	}
	if r.Entities, err = f.strings(pre + "Entities"); err != nil {
		return r, err
	}
	cidrs, err := f.strings(pre + "CIDR")
	if err != nil {
		return r, err
	}
	for _, c := range cidrs {
		r.CIDRs = append(r.CIDRs, CIDRRule{CIDR: c})
	}
	sets, err := f.list(pre + "CIDRSet")
	if err != nil {
		return r, err
	}
	for i, s := range sets {
		sf := newFields(s, fmt.Sprintf("%s.%sCIDRSet[%d]", path, pre, i))
		c, err := sf.str("cidr")
		if err != nil {
			return r, err
		}
		except, err := sf.strings("except")
		if err != nil {
			return r, err
		}
		if sf.has("cidrGroupRef") || sf.has("cidrGroupSelector") {
			r.CIDRGroups = true
		}
		if c != "" {
			r.CIDRs = append(r.CIDRs, CIDRRule{CIDR: c, Except: except})
		} else if !r.CIDRGroups {
			return r, fmt.Errorf("%s: a CIDR set entry needs cidr or a CIDR group", sf.path)
		}
		r.NotEvaluated = append(r.NotEvaluated, sf.unread()...)
	}
	r.Nodes = f.has(pre + "Nodes")
	r.Requires = f.has(pre + "Requires")
	if egress {
		r.FQDNs = f.has("toFQDNs")
		r.Groups = f.has("toGroups")
		svcs, err := f.list("toServices")
		if err != nil {
			return r, err
		}
		for i, s := range svcs {
			sf := newFields(s, fmt.Sprintf("%s.toServices[%d]", path, i))
			var cs CiliumService
			switch {
			case sf.has("k8sService"):
				if cs.Name, cs.Namespace, err = sf.serviceRef("k8sService", "serviceName", &r.NotEvaluated); err != nil {
					return r, err
				}
			case sf.has("k8sServiceSelector"):
				ks, err := sf.object("k8sServiceSelector")
				if err != nil {
					return r, err
				}
				sel, unread, err := decodeLabelSelector(ks.raw("selector"), ks.at("selector"))
				if err != nil {
					return r, err
				}
				cs.Selector = &sel
				if cs.Namespace, err = ks.str("namespace"); err != nil {
					return r, err
				}
				r.NotEvaluated = append(r.NotEvaluated, unread...)
				r.NotEvaluated = append(r.NotEvaluated, ks.unread()...)
			default:
				return r, fmt.Errorf("%s: needs k8sService or k8sServiceSelector", sf.path)
			}
			r.Services = append(r.Services, cs)
			r.NotEvaluated = append(r.NotEvaluated, sf.unread()...)
		}
	}
	r.ICMPs = f.has("icmps")
	if f.has("authentication") {
		af, err := f.object("authentication")
		if err != nil {
			return r, err
		}
		mode, err := af.str("mode")
		if err != nil {
			return r, err
		}
		r.Authentication = mode != "" && mode != "disabled"
		r.NotEvaluated = append(r.NotEvaluated, af.unread()...)
	}
	ports, err := f.list("toPorts")
	if err != nil {
		return r, err
	}
	for i, p := range ports {
		pr, unread, err := decodeCiliumPortRule(p, fmt.Sprintf("%s.toPorts[%d]", path, i), deny)
		if err != nil {
			return r, err
		}
		r.Ports = append(r.Ports, pr)
		r.NotEvaluated = append(r.NotEvaluated, unread...)
	}
	r.NotEvaluated = append(r.NotEvaluated, f.unread()...)
	return r, nil
}

// ciliumL7Fields restrict what passes over a connection the ports allow: the L4
// verdict stands, and the L7 note says what restricts it further.
var ciliumL7Fields = map[string]string{
	"rules":          "L7 rules",
	"serverNames":    "TLS server names",
	"listener":       "an Envoy listener",
	"originatingTLS": "TLS origination",
	"terminatingTLS": "TLS termination",
}

func decodeCiliumPortRule(v any, path string, deny bool) (CiliumPortRule, []string, error) {
	f := newFields(v, path)
	var pr CiliumPortRule
	ports, err := f.list("ports")
	if err != nil {
		return pr, nil, err
	}
	var unread []string
	for i, p := range ports {
		pf := newFields(p, fmt.Sprintf("%s.ports[%d]", path, i))
		port, err := scalarString(pf.raw("port"))
		if err != nil {
			return pr, nil, fmt.Errorf("%s.port: %w", pf.path, err)
		}
		end, err := pf.number("endPort")
		if err != nil {
			return pr, nil, err
		}
		proto, err := pf.str("protocol")
		if err != nil {
			return pr, nil, err
		}
		cp := CiliumPort{Port: strings.TrimSpace(port), Protocol: strings.ToUpper(strings.TrimSpace(proto))}
		if end != nil {
			cp.EndPort = int32(*end)
		}
		pr.Ports = append(pr.Ports, cp)
		unread = append(unread, pf.unread()...)
	}
	for _, key := range []string{"rules", "serverNames", "listener", "originatingTLS", "terminatingTLS"} {
		if !f.has(key) {
			continue
		}
		what := ciliumL7Fields[key]
		if key == "rules" {
			rf, err := f.object("rules")
			if err != nil {
				return pr, nil, err
			}
			var kinds []string
			for _, k := range []string{"http", "kafka", "dns", "l7proto", "l7"} {
				if rf.has(k) {
					kinds = append(kinds, map[string]string{"http": "HTTP", "kafka": "Kafka", "dns": "DNS", "l7proto": "L7 protocol", "l7": "L7 protocol"}[k])
				}
			}
			if len(kinds) > 0 {
				what = strings.Join(kinds, " and ") + " rules"
			}
			unread = append(unread, rf.unread()...)
		}
		if deny {
			// Deny rules have no L7 part; an unknown field is not evaluated.
			unread = append(unread, f.at(key))
			continue
		}
		pr.L7 = append(pr.L7, what)
	}
	return pr, append(unread, f.unread()...), nil
}

// compiled forms

type ciliumCompiled struct {
	src   *CiliumPolicy
	rules []ciliumRuleCompiled
}

type ciliumRuleCompiled struct {
	src                  *CiliumRule
	ingress, ingressDeny []ciliumPeerCompiled
	egress, egressDeny   []ciliumPeerCompiled
}

type ciliumPeerCompiled struct {
	src   *CiliumPeerRule
	cidrs []*compiledIPBlock
	ports []ciliumPortCompiled
}

type ciliumPortCompiled struct {
	entries []ciliumPortEntry
	l7      []string
}

type ciliumPortEntry struct {
	anyProto bool
	port     compiledPort // protocol unused when anyProto
}

var ciliumEntities = map[string]bool{
	"world": true, "world-ipv4": true, "world-ipv6": true, "cluster": true, "host": true, "remote-node": true,
	"kube-apiserver": true, "all": true, "health": true, "init": true, "ingress": true, "unmanaged": true, "none": true,
}

func compileCilium(p *CiliumPolicy) (*ciliumCompiled, error) {
	if p.Name == "" {
		return nil, errors.New("metadata.name is required")
	}
	cc := &ciliumCompiled{src: p}
	for i := range p.Rules {
		r := &p.Rules[i]
		if r.NodeSelector != nil && !p.ClusterWide() {
			return nil, fmt.Errorf("%s.nodeSelector: only a CiliumClusterwideNetworkPolicy may select nodes", r.Path)
		}
		rc := ciliumRuleCompiled{src: r}
		for _, s := range []struct {
			in  []CiliumPeerRule
			out *[]ciliumPeerCompiled
		}{{r.Ingress, &rc.ingress}, {r.IngressDeny, &rc.ingressDeny}, {r.Egress, &rc.egress}, {r.EgressDeny, &rc.egressDeny}} {
			for j := range s.in {
				pc, err := compileCiliumPeer(&s.in[j])
				if err != nil {
					return nil, err
				}
				*s.out = append(*s.out, pc)
			}
		}
		cc.rules = append(cc.rules, rc)
	}
	return cc, nil
}

func compileCiliumPeer(r *CiliumPeerRule) (ciliumPeerCompiled, error) {
	pc := ciliumPeerCompiled{src: r}
	for i, c := range r.CIDRs {
		b, err := compileCIDRRule(c)
		if err != nil {
			return pc, fmt.Errorf("%s CIDR %d: %w", r.Path, i, err)
		}
		pc.cidrs = append(pc.cidrs, b)
	}
	for i, e := range r.Entities {
		if !ciliumEntities[e] {
			return pc, fmt.Errorf("%s entities[%d]: unknown entity %q", r.Path, i, e)
		}
	}
	for i, pr := range r.Ports {
		var out ciliumPortCompiled
		out.l7 = pr.L7
		for j, p := range pr.Ports {
			e, err := compileCiliumPort(p)
			if err != nil {
				return pc, fmt.Errorf("%s.toPorts[%d].ports[%d]: %w", r.Path, i, j, err)
			}
			out.entries = append(out.entries, e)
		}
		pc.ports = append(pc.ports, out)
	}
	return pc, nil
}

func compileCIDRRule(c CIDRRule) (*compiledIPBlock, error) {
	cidr, err := parseCIDROrAddr(c.CIDR)
	if err != nil {
		return nil, err
	}
	b := &compiledIPBlock{cidrs: []netip.Prefix{cidr}, text: "CIDR " + c.CIDR}
	for _, e := range c.Except {
		ex, err := parseCIDROrAddr(e)
		if err != nil {
			return nil, fmt.Errorf("except: %w", err)
		}
		b.except = append(b.except, ex)
	}
	if len(c.Except) > 0 {
		b.text += " except " + strings.Join(c.Except, ",")
	}
	return b, nil
}

// parseCIDROrAddr also accepts a bare address, which the plugins read as a /32 or
// /128.
func parseCIDROrAddr(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		if a, err := netip.ParseAddr(strings.TrimSpace(s)); err == nil {
			a = a.Unmap()
			return netip.PrefixFrom(a, a.BitLen()), nil
		}
	}
	return parseCIDR(s)
}

func compileCiliumPort(p CiliumPort) (ciliumPortEntry, error) {
	var e ciliumPortEntry
	switch p.Protocol {
	case "", "ANY":
		e.anyProto = true
	case "TCP", "UDP", "SCTP":
		e.port.protocol = corev1.Protocol(p.Protocol)
	case "ICMP", "ICMPV6", "VRRP", "IGMP":
		// Not a transport port: never matches TCP, UDP or SCTP traffic.
		e.port.protocol = corev1.Protocol(p.Protocol)
	default:
		return e, fmt.Errorf("protocol: unsupported value %q", p.Protocol)
	}
	switch {
	case p.Port == "" || p.Port == "0":
	case isDigits(p.Port):
		n, err := strconv.Atoi(p.Port)
		if err != nil || n < 1 || n > 65535 {
			return e, fmt.Errorf("port %q out of range 1-65535", p.Port)
		}
		e.port.number = int32(n)
		if p.EndPort != 0 {
			if p.EndPort < e.port.number || p.EndPort > 65535 {
				return e, fmt.Errorf("endPort %d must be between port %d and 65535", p.EndPort, n)
			}
			e.port.endPort = p.EndPort
		}
	default:
		// A named port; endPort is ignored, as Cilium does.
		e.port.name = strings.ToLower(p.Port)
	}
	return e, nil
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func (e ciliumPortEntry) String() string {
	p := e.port
	if e.anyProto {
		p.protocol = "ANY"
	}
	return p.String()
}

// Cilium's labels for endpoints, beside the pod's own.
const (
	ciliumNamespaceKey       = "io.kubernetes.pod.namespace"
	ciliumServiceAccountKey  = "io.cilium.k8s.policy.serviceaccount"
	ciliumClusterKey         = "io.cilium.k8s.policy.cluster"
	ciliumNamespaceLabelsKey = "io.cilium.k8s.namespace.labels."
)

// ciliumKey splits a selector key into its source ("k8s", "any", "reserved", ...; ""
// when it has none, which Cilium reads as any) and the label key.
func ciliumKey(key string) (source, label string) {
	if src, rest, ok := strings.Cut(key, ":"); ok && !strings.Contains(src, "/") && !strings.Contains(src, ".") {
		return src, rest
	}
	return "", key
}

// ciliumIdentityFiltered reports whether Cilium leaves a pod label out of the
// endpoint's security identity by default (its label prefix filter), so that no
// selector can match on it.
func ciliumIdentityFiltered(key string) bool {
	switch {
	case strings.HasPrefix(key, "app.kubernetes.io/"):
		return false
	case key == "pod-template-hash", key == "pod-template-generation", key == "controller-revision-hash":
		return true
	case strings.HasPrefix(key, "io.kubernetes"), strings.Contains(key, "kubernetes.io"), strings.Contains(key, "k8s.io"):
		return true
	}
	return false
}

// ciliumPodLookup reads a key as Cilium labels the endpoint of a pod.
func ciliumPodLookup(e *endpoint) labelLookup {
	return func(key string) (string, bool, bool) {
		src, k := ciliumKey(key)
		switch src {
		case "", "k8s", "any":
		case "reserved", "cidr", "fqdn":
			return "", false, true // pods carry no reserved, CIDR or FQDN labels
		default:
			return "", false, false
		}
		switch {
		case k == ciliumNamespaceKey:
			return e.namespace, true, true
		case k == ciliumServiceAccountKey:
			return serviceAccountOf(e.pod), true, true
		case k == ciliumClusterKey:
			return "", false, false
		case strings.HasPrefix(k, ciliumNamespaceLabelsKey):
			v, ok := e.nsLabels[strings.TrimPrefix(k, ciliumNamespaceLabelsKey)]
			return v, ok, true
		case strings.HasPrefix(k, "io.cilium.k8s."):
			return "", false, false
		}
		v, ok := e.pod.Labels[k]
		if ok && ciliumIdentityFiltered(k) {
			// Left out of the identity by Cilium's default label filter, which a
			// cluster may change: whether a selector sees it is unknown.
			return "", false, false
		}
		return v, ok, true
	}
}

func serviceAccountOf(p *corev1.Pod) string {
	if p.Spec.ServiceAccountName != "" {
		return p.Spec.ServiceAccountName
	}
	if p.Spec.DeprecatedServiceAccount != "" {
		return p.Spec.DeprecatedServiceAccount
	}
	return "default"
}

// ciliumEntitiesOf lists the entities a peer belongs to as seen from subject, and
// whether that list is certain. Pods are cluster endpoints; hostNetwork pods are the
// host (on the subject's node) or a remote node; addresses outside the cluster are
// world (and might be the kube-apiserver, which netdoctor cannot tell).
func ciliumEntityMatch(entity string, peer, subject *endpoint) (tri, string) {
	switch {
	case entity == "all":
		return yes, "entity all includes " + peer.desc
	case peer.pod == nil:
		switch entity {
		case "world", "world-ipv4", "world-ipv6":
			fam := entity == "world" || (entity == "world-ipv4") == peer.ip.Is4()
			return triOf(fam), fmt.Sprintf("entity %s %s %s", entity, map[bool]string{true: "includes", false: "does not include"}[fam], peer.desc)
		case "kube-apiserver":
			return maybe, fmt.Sprintf("entity kube-apiserver: netdoctor cannot tell whether %s is the kube-apiserver", peer.desc)
		}
		return no, fmt.Sprintf("entity %s does not include %s (outside the cluster: world)", entity, peer.desc)
	case peer.hostNetwork:
		switch entity {
		case "cluster":
			return yes, "entity cluster includes the nodes, and so " + peer.desc
		case "host", "remote-node":
			pn, sn := peer.pod.Spec.NodeName, ""
			if subject != nil && subject.pod != nil {
				sn = subject.pod.Spec.NodeName
			}
			if pn == "" || sn == "" {
				return maybe, fmt.Sprintf("entity %s: the node of %s or of the subject is unknown", entity, peer.desc)
			}
			same := pn == sn
			m := triOf(same == (entity == "host"))
			return m, fmt.Sprintf("entity %s %s %s (node %s, subject on node %s)", entity, map[tri]string{yes: "includes", no: "does not include"}[m], peer.desc, pn, sn)
		case "kube-apiserver":
			return maybe, fmt.Sprintf("entity kube-apiserver: netdoctor cannot tell whether %s runs the kube-apiserver", peer.desc)
		}
		return no, fmt.Sprintf("entity %s does not include %s (a node)", entity, peer.desc)
	default:
		if entity == "cluster" {
			return yes, "entity cluster includes " + peer.desc
		}
		return no, fmt.Sprintf("entity %s does not include %s (a pod: entity cluster)", entity, peer.desc)
	}
}

// ciliumSelectsSubject says whether a rule selects subject (for which the caller
// checks the direction).
func (cc *ciliumCompiled) selects(r *ciliumRuleCompiled, subject *endpoint) (tri, string) {
	src := r.src
	if src.NodeSelector != nil {
		if subject.hostNetwork {
			return maybe, fmt.Sprintf("%s.nodeSelector %s selects nodes (a host policy) and so maybe the node of %s; netdoctor does not match node labels", src.Path, src.NodeSelector, subject.desc)
		}
		return no, ""
	}
	if subject.hostNetwork || subject.pod == nil {
		return no, ""
	}
	if !cc.src.ClusterWide() && subject.namespace != cc.src.Namespace {
		return no, ""
	}
	lk := ciliumPodLookup(subject)
	if !cc.src.ClusterWide() {
		// The namespace of a CNP's endpointSelector is always its own.
		inner := lk
		lk = func(key string) (string, bool, bool) {
			if _, k := ciliumKey(key); k == ciliumNamespaceKey {
				return cc.src.Namespace, true, true
			}
			return inner(key)
		}
	}
	m := src.EndpointSelector.match(lk)
	switch m {
	case yes:
		return yes, fmt.Sprintf("%s.endpointSelector %s selects %s", src.Path, src.EndpointSelector, subject.desc)
	case maybe:
		return maybe, fmt.Sprintf("%s.endpointSelector %s uses labels netdoctor cannot read from the API (%s), so it may select %s", src.Path, src.EndpointSelector, unknownKeys(src.EndpointSelector, lk), subject.desc)
	}
	return no, ""
}

func unknownKeys(s *LabelSelector, lk labelLookup) string {
	var out []string
	for _, k := range s.keys() {
		if _, _, known := lk(k); !known && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return strings.Join(out, ", ")
}

// ruleMatch is the verdict of one allow or deny rule for a connection.
type ruleMatch struct {
	m      tri
	reason string
	l7     []string // set when an allow matched only through ports with L7 rules
	unsure []string // what made it maybe
}

// matchPeerRule evaluates r for the peer (the other end) and the destination port.
func (cc *ciliumCompiled) matchPeerRule(r *ciliumPeerCompiled, dir Direction, subject, peer, dst *endpoint, tp trafficPort, svcs *serviceIndex) ruleMatch {
	src := r.src
	var out ruleMatch
	l3, l3why, unsure := cc.matchL3(r, dir, subject, peer, svcs)
	out.unsure = unsure
	l4, l4why, l7 := matchCiliumPorts(r, tp, dst)
	out.m = l3.and(l4)
	out.reason = l3why + "; " + l4why
	if out.m != no {
		if src.Authentication {
			out.m = out.m.and(maybe)
			out.unsure = append(out.unsure, "it requires mutual authentication, which netdoctor does not evaluate")
		}
		if len(src.NotEvaluated) > 0 {
			out.m = out.m.and(maybe)
			out.unsure = append(out.unsure, "it uses "+strings.Join(src.NotEvaluated, ", ")+", which netdoctor does not evaluate")
		}
	}
	if out.m == yes {
		out.l7 = l7
	}
	if out.m == maybe && len(out.unsure) > 0 {
		out.reason += "; not evaluated: " + strings.Join(out.unsure, "; ")
	}
	return out
}

func (cc *ciliumCompiled) matchL3(r *ciliumPeerCompiled, dir Direction, subject, peer *endpoint, svcs *serviceIndex) (tri, string, []string) {
	src := r.src
	prep := dir.preposition()
	if !src.hasL3() {
		if len(src.Ports) > 0 || src.ICMPs {
			return yes, fmt.Sprintf("no L3 peer field, so every peer (%s included) matches", peer.desc), nil
		}
		return no, fmt.Sprintf("the rule names no peer and no port (`{}`), so it admits nothing and only puts the endpoint in default deny for %s", dir.lower()), nil
	}
	best := no
	var reasons, unsure []string
	add := func(m tri, why string) {
		if m == yes && best != yes {
			reasons = nil
		}
		if m >= best {
			reasons = append(reasons, why)
		}
		best = best.or(m)
	}
	field := func(s string) string { return prep + s }
	// note adds a match for the reason context+why; a maybe also makes why one of the
	// reasons the verdict is unsure.
	note := func(m tri, context, why string) {
		add(m, context+why)
		if m == maybe {
			unsure = append(unsure, why)
		}
	}
	// outside notes a field that stands for addresses outside the cluster which
	// netdoctor cannot list: never a pod, but maybe any other address.
	outside := func(set bool, notPod, mayBe string) {
		switch {
		case !set:
		case peer.pod != nil:
			add(no, notPod+peer.desc)
		default:
			note(maybe, "", mayBe+peer.desc)
		}
	}
	for i, sel := range src.Endpoints {
		m, why := cc.matchEndpointSelector(sel, peer)
		note(m, fmt.Sprintf("%s[%d] %s: ", field("Endpoints"), i, sel), why)
	}
	if peer.hostNetwork && slices.Contains(src.Entities, "host") && slices.Contains(src.Entities, "remote-node") {
		add(yes, field("Entities")+": host and remote-node together include every node, and so "+peer.desc)
	}
	for _, ent := range src.Entities {
		m, why := ciliumEntityMatch(ent, peer, subject)
		note(m, field("Entities")+": ", why)
	}
	for _, b := range r.cidrs {
		if peer.pod != nil {
			add(no, fmt.Sprintf("%s %s: CIDR rules only match addresses outside the cluster, not %s", field("CIDR"), strings.TrimPrefix(b.text, "CIDR "), peer.desc))
			continue
		}
		ok, why := b.match(0, peer)
		add(triOf(ok), field("CIDR")+": "+strings.TrimPrefix(why, "peer 0: "))
	}
	outside(src.CIDRGroups, "CIDR groups only match addresses outside the cluster, not ", "a CiliumCIDRGroup, which netdoctor does not read, may contain ")
	for i, s := range src.Services {
		m, why := cc.matchService(s, peer, svcs)
		note(m, fmt.Sprintf("toServices[%d]: ", i), why)
	}
	if src.Nodes {
		if peer.hostNetwork {
			note(maybe, "", fmt.Sprintf("%sNodes selects nodes by labels, which netdoctor does not match: it may include %s", prep, peer.desc))
		} else {
			add(no, fmt.Sprintf("%sNodes selects nodes, not %s", prep, peer.desc))
		}
	}
	outside(src.FQDNs, "toFQDNs only matches addresses outside the cluster, not ", "toFQDNs: the addresses of these names come from DNS answers netdoctor does not see, so they may include ")
	outside(src.Groups, "toGroups only matches addresses outside the cluster, not ", "toGroups: cloud provider groups, which netdoctor does not resolve, may include ")
	return best, strings.Join(reasons, "; "), unsure
}

// matchEndpointSelector applies the namespace defaulting of Cilium's policy import:
// a CNP's selector without a namespace (or namespace label) key only matches its own
// namespace; a CCNP's only matches pods (endpoints with a namespace).
func (cc *ciliumCompiled) matchEndpointSelector(sel LabelSelector, peer *endpoint) (tri, string) {
	hasNS, hasNSLabels, hasReserved := false, false, false
	for _, k := range sel.keys() {
		src, lk := ciliumKey(k)
		switch {
		case src == "reserved":
			hasReserved = true
		case lk == ciliumNamespaceKey:
			hasNS = true
		case strings.HasPrefix(lk, ciliumNamespaceLabelsKey):
			hasNSLabels = true
		}
	}
	var lk labelLookup
	switch {
	case peer.isSelectable():
		lk = ciliumPodLookup(peer)
	default:
		lk = ciliumReservedLookup(peer)
	}
	m := sel.match(lk)
	if !hasReserved && !hasNS {
		switch {
		case !peer.isSelectable():
			return no, fmt.Sprintf("selects pods, not %s", peer.desc)
		case !cc.src.ClusterWide() && !hasNSLabels && peer.namespace != cc.src.Namespace:
			return no, fmt.Sprintf("without a namespace it only selects pods in namespace %s, but %s is in namespace %s", cc.src.Namespace, peer.desc, peer.namespace)
		}
	}
	switch m {
	case yes:
		return yes, "matches " + peer.desc
	case maybe:
		return maybe, fmt.Sprintf("uses labels netdoctor cannot read from the API (%s), so it may match %s", unknownKeys(&sel, lk), peer.desc)
	}
	if peer.isSelectable() {
		return no, "does not match " + peer.desc + " (labels " + formatLabels(peer.pod.Labels) + ", namespace " + peer.namespace + ")"
	}
	return no, "does not match " + peer.desc
}

// ciliumReservedLookup reads the labels of a peer that is not a pod endpoint: the
// reserved: identity labels (world, host, remote-node).
func ciliumReservedLookup(peer *endpoint) labelLookup {
	return func(key string) (string, bool, bool) {
		src, k := ciliumKey(key)
		if src != "reserved" {
			if src == "" || src == "k8s" || src == "any" {
				return "", false, true
			}
			return "", false, false
		}
		switch {
		case peer.pod == nil:
			return "", k == "world", true
		case peer.hostNetwork:
			if k == "host" || k == "remote-node" {
				return "", false, false // which one depends on the node
			}
			return "", false, true
		}
		return "", false, true
	}
}

func (cc *ciliumCompiled) matchService(s CiliumService, peer *endpoint, svcs *serviceIndex) (tri, string) {
	ns := s.Namespace
	if ns == "" {
		ns = cc.src.Namespace
	}
	if ns == "" {
		return maybe, "toServices without a namespace in a cluster-wide policy: netdoctor does not evaluate it"
	}
	var matched []*corev1.Service
	if s.Selector != nil {
		list, known := svcs.inNamespace(ns)
		if !known {
			return maybe, fmt.Sprintf("Services of namespace %s selected by %s: netdoctor did not read them", ns, s.Selector)
		}
		for _, svc := range list {
			lk := func(key string) (string, bool, bool) {
				_, k := ciliumKey(key)
				v, ok := svc.Labels[k]
				return v, ok, true
			}
			if s.Selector.match(lk) == yes {
				matched = append(matched, svc)
			}
		}
	} else {
		svc, known := svcs.get(ns, s.Name)
		if !known {
			return maybe, fmt.Sprintf("Service %s/%s: netdoctor did not read it, so it cannot tell whether %s is one of its endpoints", ns, s.Name, peer.desc)
		}
		if svc == nil {
			return no, fmt.Sprintf("Service %s/%s does not exist", ns, s.Name)
		}
		matched = append(matched, svc)
	}
	for _, svc := range matched {
		if len(svc.Spec.Selector) == 0 {
			if peer.pod != nil {
				continue // its EndpointSlice addresses become CIDR rules, which never match pods
			}
			return maybe, fmt.Sprintf("Service %s/%s has no selector: its EndpointSlice addresses become CIDR rules, which netdoctor does not read", svc.Namespace, svc.Name)
		}
		if peer.isSelectable() && peer.namespace == svc.Namespace && selectorMatchesMap(svc.Spec.Selector, peer.pod.Labels) {
			return yes, fmt.Sprintf("%s is an endpoint of Service %s/%s", peer.desc, svc.Namespace, svc.Name)
		}
	}
	return no, fmt.Sprintf("%s is not an endpoint of the Services it names", peer.desc)
}

func selectorMatchesMap(sel, l map[string]string) bool {
	for k, v := range sel {
		if l[k] != v {
			return false
		}
	}
	return true
}

// matchCiliumPorts: no toPorts and no icmps means every port; otherwise some
// toPorts entry must match (icmps never match TCP, UDP or SCTP).
func matchCiliumPorts(r *ciliumPeerCompiled, tp trafficPort, dst *endpoint) (tri, string, []string) {
	if len(r.ports) == 0 {
		if r.src.ICMPs {
			return no, fmt.Sprintf("the rule only allows ICMP (icmps), not %s", tp), nil
		}
		return yes, "no toPorts, so every port matches", nil
	}
	var all []string
	var l7 []string
	matched := false
	for _, pr := range r.ports {
		if len(pr.entries) == 0 {
			// toPorts with no ports: every port, with the L7 part.
			matched = true
			if len(pr.l7) == 0 {
				return yes, "toPorts without ports matches every port", nil
			}
			l7 = append(l7, pr.l7...)
			all = append(all, "*")
			continue
		}
		for _, e := range pr.entries {
			all = append(all, e.String())
			p := e.port
			if e.anyProto {
				p.protocol = tp.protocol
			}
			if ok, _ := p.match(tp, dst); ok {
				if len(pr.l7) == 0 {
					return yes, fmt.Sprintf("port %s matches toPorts %s", tp, e), nil
				}
				matched = true
				l7 = append(l7, pr.l7...)
			}
		}
	}
	if matched {
		return yes, fmt.Sprintf("port %s matches toPorts %s (with %s)", tp, strings.Join(all, ", "), strings.Join(uniqueStrings(l7), ", ")), uniqueStrings(l7)
	}
	return no, fmt.Sprintf("port %s not in toPorts [%s]", tp, strings.Join(all, ", ")), nil
}

func uniqueStrings(in []string) []string {
	var out []string
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

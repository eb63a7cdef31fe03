package netpol

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
)

// namespaceNameLabel is set by the API server on every namespace, which makes
// it the reliable way to select a namespace by name.
const namespaceNameLabel = corev1.LabelMetadataName // "kubernetes.io/metadata.name"

// endpoint is a Peer after validation and defaulting.
type endpoint struct {
	pod         *corev1.Pod // nil for an external address
	hostNetwork bool
	namespace   string            // pods only
	nsLabels    map[string]string // pods only; always has namespaceNameLabel
	ip          netip.Addr        // zero when unknown
	desc        string            // "pod shop/frontend-1", "external address 1.2.3.4", ...
}

// isSelectable reports whether pod/namespace selectors can ever match e.
func (e *endpoint) isSelectable() bool { return e.pod != nil && !e.hostNetwork }

// ipDesc names the address used for ipBlock matching, with its owner.
func (e *endpoint) ipDesc() string {
	if e.pod == nil {
		return e.ip.String()
	}
	return e.ip.String() + " (" + e.desc + ")"
}

func resolvePeer(role string, p Peer) (*endpoint, error) {
	e := &endpoint{pod: p.Pod}
	ipText := strings.TrimSpace(p.IP)
	if p.Pod == nil {
		if ipText == "" {
			return nil, fmt.Errorf("%s: needs a pod or an IP address", role)
		}
	} else {
		e.hostNetwork = p.Pod.Spec.HostNetwork
		ns := p.Pod.Namespace
		if p.Namespace != nil && p.Namespace.Name != "" {
			switch {
			case ns == "":
				ns = p.Namespace.Name
			case ns != p.Namespace.Name:
				return nil, fmt.Errorf("%s: pod %s/%s is given with namespace object %q", role, ns, p.Pod.Name, p.Namespace.Name)
			}
		}
		e.namespace = kube.NamespaceOrDefault(ns)
		e.nsLabels = namespaceLabels(e.namespace, p.Namespace)
		if ipText == "" {
			ipText = p.Pod.Status.PodIP
			if ipText == "" && e.hostNetwork {
				ipText = p.Pod.Status.HostIP
			}
		}
	}
	if ipText != "" {
		addr, err := netip.ParseAddr(ipText)
		if err != nil {
			return nil, fmt.Errorf("%s: invalid IP address %q", role, ipText)
		}
		// Zones and IPv4-in-IPv6 forms would otherwise never match an
		// IPv4 ipBlock even though they denote the same address.
		e.ip = addr.WithZone("").Unmap()
	}
	switch {
	case p.Pod == nil:
		e.desc = "external address " + e.ip.String()
	case e.hostNetwork:
		node := "unknown node IP"
		if e.ip.IsValid() {
			node = "node IP " + e.ip.String()
		}
		e.desc = fmt.Sprintf("hostNetwork pod %s/%s (%s)", e.namespace, p.Pod.Name, node)
	default:
		e.desc = fmt.Sprintf("pod %s/%s", e.namespace, p.Pod.Name)
	}
	return e, nil
}

// namespaceLabels returns the labels namespaceSelector sees for name,
// adding kubernetes.io/metadata.name like the API server does, so stubs and
// manifests without it behave like live namespaces.
func namespaceLabels(name string, ns *corev1.Namespace) map[string]string {
	if ns == nil || len(ns.Labels) == 0 {
		return map[string]string{namespaceNameLabel: name}
	}
	if ns.Labels[namespaceNameLabel] == name {
		return ns.Labels
	}
	out := make(map[string]string, len(ns.Labels)+1)
	for k, v := range ns.Labels {
		out[k] = v
	}
	out[namespaceNameLabel] = name
	return out
}

// trafficPort is the destination port after defaulting and name
// resolution. number is always set; name only when the caller gave one.
type trafficPort struct {
	number   int32
	name     string
	protocol corev1.Protocol
}

func (tp trafficPort) String() string {
	s := fmt.Sprintf("%d/%s", tp.number, tp.protocol)
	if tp.name != "" {
		s += fmt.Sprintf(" (%q)", tp.name)
	}
	return s
}

func normalizeProtocol(p corev1.Protocol) (corev1.Protocol, error) {
	switch up := corev1.Protocol(strings.ToUpper(strings.TrimSpace(string(p)))); up {
	case "":
		return corev1.ProtocolTCP, nil
	case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		return up, nil
	default:
		return "", fmt.Errorf("unsupported protocol %q (want TCP, UDP or SCTP)", p)
	}
}

// resolveTraffic resolves the two ends of t and its port on the destination.
func resolveTraffic(t Traffic) (src, dst *endpoint, tp trafficPort, err error) {
	if src, err = resolvePeer("source", t.Src); err != nil {
		return nil, nil, trafficPort{}, err
	}
	if dst, err = resolvePeer("destination", t.Dst); err != nil {
		return nil, nil, trafficPort{}, err
	}
	if tp, err = resolveTrafficPort(t, dst); err != nil {
		return nil, nil, trafficPort{}, err
	}
	return src, dst, tp, nil
}

func resolveTrafficPort(t Traffic, dst *endpoint) (trafficPort, error) {
	proto, err := normalizeProtocol(t.Protocol)
	if err != nil {
		return trafficPort{}, err
	}
	tp := trafficPort{number: t.Port, name: t.PortName, protocol: proto}
	if t.Port < 0 || t.Port > 65535 {
		return trafficPort{}, fmt.Errorf("port %d out of range 1-65535", t.Port)
	}
	if t.PortName == "" {
		if t.Port == 0 {
			return trafficPort{}, errors.New("traffic needs a port number or a port name")
		}
		return tp, nil
	}
	// A name only means something on the destination pod; resolving it
	// here lets numeric rules be compared with it.
	if dst.pod == nil {
		return trafficPort{}, fmt.Errorf("port name %q cannot be resolved: destination %s is not a pod", t.PortName, dst.desc)
	}
	nums := declaredPortNumbers(dst.pod, t.PortName, proto)
	if len(nums) == 0 {
		return trafficPort{}, fmt.Errorf("%s declares no container port named %q for %s", dst.desc, t.PortName, proto)
	}
	if t.Port == 0 {
		tp.number = nums[0]
		return tp, nil
	}
	for _, n := range nums {
		if n == t.Port {
			return tp, nil
		}
	}
	return trafficPort{}, fmt.Errorf("%s declares port %q as %d/%s, not %d", dst.desc, t.PortName, nums[0], proto, t.Port)
}

// Evaluate decides whether t is allowed and explains why, direction by
// direction. It returns an error for malformed traffic (missing endpoints,
// bad IPs or protocols, port names the destination does not declare).
func (m *Model) Evaluate(t Traffic) (Verdict, error) {
	if m == nil {
		return Verdict{}, errors.New("netpol: nil model")
	}
	src, dst, tp, err := resolveTraffic(t)
	if err != nil {
		return Verdict{}, err
	}
	// Step 6: the source's egress and the destination's ingress are
	// independent gates, and both must open.
	eg := m.evalDirection(Egress, src, dst, dst, tp)
	in := m.evalDirection(Ingress, dst, src, dst, tp)
	return Verdict{Allowed: eg.Allowed && in.Allowed, Egress: eg, Ingress: in}, nil
}

// evalDirection evaluates dir for subject; peer is the other end and dst is
// the destination, against which ports are always matched (a port in a
// policy is the destination port in both directions).
func (m *Model) evalDirection(dir Direction, subject, peer, dst *endpoint, tp trafficPort) DirectionVerdict {
	dv := m.evalNetworkPolicies(dir, subject, peer, dst, tp)
	if m.plugins != nil {
		dv = m.plugins.apply(m, dv, dir, subject, peer, dst, tp)
	}
	if m.admin != nil {
		dv = m.admin.apply(dv, dir, subject, peer, dst, tp)
	}
	return dv
}

func (m *Model) evalNetworkPolicies(dir Direction, subject, peer, dst *endpoint, tp trafficPort) DirectionVerdict {
	dv := DirectionVerdict{Direction: dir, Subject: subject.desc, Allowed: true, DecidedBy: LayerDefault}
	// Step 1 & 5: only pods can be isolated, and hostNetwork pods never
	// are, because selectors do not see them.
	if subject.pod == nil {
		dv.Reason = fmt.Sprintf("%s has no NetworkPolicies of its own, so its %s is not restricted", subject.desc, dir.lower())
		return dv
	}
	if subject.hostNetwork {
		dv.Reason = fmt.Sprintf("%s uses the host network; NetworkPolicy never selects hostNetwork pods, so its %s is not restricted", subject.desc, dir.lower())
		return dv
	}
	for _, p := range m.byNamespace[subject.namespace] {
		if !p.appliesTo(dir) || !p.podSelector.matches(subject.pod.Labels) {
			continue
		}
		dv.Policies = append(dv.Policies, evalPolicy(p, dir, peer, dst, tp))
	}
	if len(dv.Policies) == 0 {
		dv.Reason = fmt.Sprintf("no NetworkPolicy in namespace %s selects %s for %s, so %s is not restricted", subject.namespace, subject.desc, dir.lower(), dir.lower())
		return dv
	}
	// Step 2: isolated; policies are additive, so one allowing rule in any
	// selecting policy is enough and nothing can take it away again.
	dv.Isolated = true
	dv.Allowed = false
	dv.DecidedBy = LayerNetworkPolicy
	var allowedBy, names []string
	for _, pv := range dv.Policies {
		names = append(names, pv.Namespace+"/"+pv.Name)
		if pv.Allowed {
			dv.Allowed = true
			allowedBy = append(allowedBy, fmt.Sprintf("%s/%s (%s)", pv.Namespace, pv.Name, allowingRules(pv)))
		}
	}
	if dv.Allowed {
		dv.Reason = fmt.Sprintf("%s %s %s on %s allowed by %s", dir.lower(), dir.preposition(), peer.desc, tp, strings.Join(allowedBy, ", "))
	} else {
		dv.Reason = fmt.Sprintf("%s is isolated for %s by %s, and no rule allows %s on %s", subject.desc, dir.lower(), strings.Join(names, ", "), peer.desc, tp)
	}
	return dv
}

func allowingRules(pv PolicyVerdict) string {
	var idx []string
	for _, r := range pv.Rules {
		if r.Allows() {
			idx = append(idx, fmt.Sprint(r.Index))
		}
	}
	if len(idx) == 1 {
		return "rule " + idx[0]
	}
	return "rules " + strings.Join(idx, ", ")
}

func evalPolicy(p *compiledPolicy, dir Direction, peer, dst *endpoint, tp trafficPort) PolicyVerdict {
	pv := PolicyVerdict{Namespace: p.namespace, Name: p.name}
	rules := p.rules(dir)
	if len(rules) == 0 {
		// Step 2: with no rules nothing can allow, so merely selecting the
		// pod denies the direction ("default deny").
		pv.NoRules = true
		pv.Reason = fmt.Sprintf("has no %s rules, so it denies all %s of the pods it selects", dir.lower(), dir.lower())
		return pv
	}
	for i, r := range rules {
		rv := evalRule(i, r, p.namespace, dir, peer, dst, tp)
		pv.Rules = append(pv.Rules, rv)
		pv.Allowed = pv.Allowed || rv.Allows()
	}
	if pv.Allowed {
		pv.Reason = allowingRules(pv) + " allows it"
	} else if len(rules) == 1 {
		pv.Reason = fmt.Sprintf("its only %s rule does not match both peer and port", dir.lower())
	} else {
		pv.Reason = fmt.Sprintf("none of its %d %s rules matches both peer and port", len(rules), dir.lower())
	}
	return pv
}

func evalRule(idx int, r compiledRule, policyNS string, dir Direction, peer, dst *endpoint, tp trafficPort) RuleVerdict {
	rv := RuleVerdict{Index: idx}
	rv.PeerMatched, rv.PeerReason = matchPeers(r.peers, policyNS, dir, peer)
	rv.PortMatched, rv.PortReason = matchPorts(r.ports, tp, dst)
	rv.Reason = rv.PeerReason + "; " + rv.PortReason
	return rv
}

// matchPeers implements step 3: entries are OR'd, an empty list matches
// everything.
func matchPeers(peers []compiledPeer, policyNS string, dir Direction, e *endpoint) (bool, string) {
	if len(peers) == 0 {
		return true, fmt.Sprintf("rule has no %s peers, so it matches every peer, %s included", dir.peerField(), e.desc)
	}
	reasons := make([]string, 0, len(peers))
	for i, p := range peers {
		ok, why := p.match(i, policyNS, e)
		if ok {
			return true, why
		}
		reasons = append(reasons, why)
	}
	return false, strings.Join(reasons, "; ")
}

// describe renders the selector part of a peer, e.g.
// "namespaceSelector team=ops + podSelector app=api".
func (p compiledPeer) describe() string {
	switch {
	case p.nsSel != nil && p.podSel != nil:
		return "namespaceSelector " + p.nsSel.text + " + podSelector " + p.podSel.text
	case p.nsSel != nil:
		return "namespaceSelector " + p.nsSel.text
	case p.podSel != nil:
		return "podSelector " + p.podSel.text
	default:
		return p.ipBlock.text
	}
}

func (p compiledPeer) match(i int, policyNS string, e *endpoint) (bool, string) {
	if p.ipBlock != nil {
		return p.ipBlock.match(i, e)
	}
	if e.pod == nil {
		return false, fmt.Sprintf("peer %d: %s selects pods, not %s", i, p.describe(), e.desc)
	}
	if e.hostNetwork {
		return false, fmt.Sprintf("peer %d: %s cannot select %s: hostNetwork pods are invisible to pod and namespace selectors", i, p.describe(), e.desc)
	}
	nsPart := ""
	if p.nsSel == nil {
		// podSelector alone is scoped to the policy's own namespace.
		if e.namespace != policyNS {
			return false, fmt.Sprintf("peer %d: podSelector %s without namespaceSelector only selects pods in namespace %s, but %s is in namespace %s", i, p.podSel.text, policyNS, e.desc, e.namespace)
		}
	} else {
		if !p.nsSel.matches(e.nsLabels) {
			return false, fmt.Sprintf("peer %d: namespaceSelector %s does not match namespace %s labels %s", i, p.nsSel.text, e.namespace, formatLabels(e.nsLabels))
		}
		nsPart = fmt.Sprintf("namespaceSelector %s matches namespace %s", p.nsSel.text, e.namespace)
	}
	if p.podSel == nil {
		return true, fmt.Sprintf("peer %d: %s, which admits every pod in it", i, nsPart)
	}
	if !p.podSel.matches(e.pod.Labels) {
		if nsPart != "" {
			return false, fmt.Sprintf("peer %d: %s but podSelector %s does not match pod labels %s", i, nsPart, p.podSel.text, formatLabels(e.pod.Labels))
		}
		return false, fmt.Sprintf("peer %d: podSelector %s does not match pod labels %s", i, p.podSel.text, formatLabels(e.pod.Labels))
	}
	if nsPart != "" {
		return true, fmt.Sprintf("peer %d: %s and podSelector %s matches %s", i, nsPart, p.podSel.text, e.desc)
	}
	return true, fmt.Sprintf("peer %d: podSelector %s matches %s (labels %s)", i, p.podSel.text, e.desc, formatLabels(e.pod.Labels))
}

func (b *compiledIPBlock) match(i int, e *endpoint) (bool, string) {
	if !e.ip.IsValid() {
		return false, fmt.Sprintf("peer %d: %s cannot match %s: its IP is unknown", i, b.text, e.desc)
	}
	in := false
	for _, c := range b.cidrs {
		in = in || c.Contains(e.ip)
	}
	if !in {
		return false, fmt.Sprintf("peer %d: %s does not contain %s", i, b.text, e.ipDesc())
	}
	for _, ex := range b.except {
		if ex.Contains(e.ip) {
			return false, fmt.Sprintf("peer %d: %s contains %s but except %s removes it", i, b.text, e.ipDesc(), ex)
		}
	}
	return true, fmt.Sprintf("peer %d: %s contains %s", i, b.text, e.ipDesc())
}

// matchPorts implements step 4: entries are OR'd, an empty list matches
// every port.
func matchPorts(ports []compiledPort, tp trafficPort, dst *endpoint) (bool, string) {
	if len(ports) == 0 {
		return true, "rule has no ports, so every port matches"
	}
	all := make([]string, len(ports))
	var details []string
	for i, p := range ports {
		all[i] = p.String()
		ok, detail := p.match(tp, dst)
		if ok {
			return true, fmt.Sprintf("port %s matches %s", tp, detail)
		}
		if detail != "" {
			details = append(details, detail)
		}
	}
	why := fmt.Sprintf("port %s not in [%s]", tp, strings.Join(all, ", "))
	if len(details) > 0 {
		why += ": " + strings.Join(details, "; ")
	}
	return false, why
}

// match returns, on success, a description of the matching entry and, on
// failure, an optional explanation worth more than "not in the list".
func (p compiledPort) match(tp trafficPort, dst *endpoint) (bool, string) {
	if p.protocol != tp.protocol {
		return false, ""
	}
	var ok bool
	switch {
	case p.name != "":
		return p.matchNamed(tp, dst)
	case p.number == 0:
		ok = true
	case p.endPort != 0:
		ok = tp.number >= p.number && tp.number <= p.endPort
	default:
		ok = tp.number == p.number
	}
	if ok {
		return true, p.String()
	}
	return false, ""
}

// matchNamed resolves the name on the destination pod itself: a name is a
// per-pod alias, and two pods selected by one policy may map it to
// different numbers.
func (p compiledPort) matchNamed(tp trafficPort, dst *endpoint) (bool, string) {
	if dst.pod == nil {
		return false, fmt.Sprintf("named port %q cannot match %s: only pods declare named ports", p.name, dst.desc)
	}
	if tp.name == p.name {
		// Traffic given by name: resolveTrafficPort already found it on
		// this pod with this protocol.
		return true, fmt.Sprintf("named port %q of %s", p.name, dst.desc)
	}
	nums := declaredPortNumbers(dst.pod, p.name, p.protocol)
	if len(nums) == 0 {
		if other := declaredProtocols(dst.pod, p.name); len(other) > 0 {
			return false, fmt.Sprintf("named port %q is declared by %s only for %s, not %s", p.name, dst.desc, strings.Join(other, ","), p.protocol)
		}
		return false, fmt.Sprintf("named port %q is not declared by %s", p.name, dst.desc)
	}
	for _, n := range nums {
		if n == tp.number {
			return true, fmt.Sprintf("named port %q (%d/%s on %s)", p.name, n, p.protocol, dst.desc)
		}
	}
	return false, fmt.Sprintf("named port %q is %d/%s on %s, not %d", p.name, nums[0], p.protocol, dst.desc, tp.number)
}

// declaredPortNumbers lists the numbers of the ports called name that pod declares
// for proto, in kube.DeclaredPorts order (containers, then sidecars).
func declaredPortNumbers(pod *corev1.Pod, name string, proto corev1.Protocol) []int32 {
	var out []int32
	for _, d := range kube.DeclaredPorts(pod) {
		if d.Name == name && d.Protocol == proto {
			out = append(out, d.Port)
		}
	}
	return out
}

func declaredProtocols(pod *corev1.Pod, name string) []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range kube.DeclaredPorts(pod) {
		pr := string(d.Protocol)
		if d.Name == name && !seen[pr] {
			seen[pr] = true
			out = append(out, pr)
		}
	}
	sort.Strings(out)
	return out
}

func formatLabels(l map[string]string) string {
	if len(l) == 0 {
		return "<none>"
	}
	return labels.Set(l).String()
}

package netpol

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
)

// Model is a compiled, immutable set of NetworkPolicies. Build it once with
// Compile and query it as often as needed; it is safe for concurrent use.
type Model struct {
	byNamespace map[string][]*compiledPolicy // each slice sorted by name
	all         []*compiledPolicy            // sorted by namespace/name
	admin       *adminLayer                  // nil unless CompileWithAdmin
	plugins     *pluginLayer                 // nil without Cilium or Calico policies
}

// compiledPolicy keeps the original object (for display and for
// PoliciesSelecting) next to the pre-parsed form used for matching.
type compiledPolicy struct {
	obj         *networkingv1.NetworkPolicy
	namespace   string
	name        string
	podSelector selector
	ingressOn   bool // effective policyTypes contains Ingress
	egressOn    bool // effective policyTypes contains Egress
	ingress     []compiledRule
	egress      []compiledRule
}

func (p *compiledPolicy) appliesTo(dir Direction) bool {
	if dir == Egress {
		return p.egressOn
	}
	return p.ingressOn
}

func (p *compiledPolicy) rules(dir Direction) []compiledRule {
	if dir == Egress {
		return p.egress
	}
	return p.ingress
}

type compiledRule struct {
	peers []compiledPeer // empty: every peer
	ports []compiledPort // empty: every port
}

// compiledPeer is one entry of from/to. Exactly one of the two shapes is
// used: selectors (podSel and/or nsSel) or ipBlock, which validation
// guarantees.
type compiledPeer struct {
	podSel  *selector // nil when the entry has no podSelector
	nsSel   *selector // nil when the entry has no namespaceSelector
	ipBlock *compiledIPBlock
}

// compiledIPBlock matches addresses inside any of cidrs (one for
// NetworkPolicy, several for an AdminNetworkPolicy networks peer) and outside
// every except.
type compiledIPBlock struct {
	cidrs  []netip.Prefix
	except []netip.Prefix
	text   string
}

// compiledPort is one entry of ports. number==0 && name=="" means "every
// port of this protocol".
type compiledPort struct {
	protocol corev1.Protocol
	number   int32
	endPort  int32 // 0 unless a range was given
	name     string
}

// selector is a converted label selector plus its display form.
type selector struct {
	sel  labels.Selector
	text string
}

func (s selector) matches(l map[string]string) bool { return s.sel.Matches(labels.Set(l)) }

// compileSelector converts through metav1.LabelSelectorAsSelector only, so
// that operators and validation are exactly the API machinery's.
func compileSelector(ls *metav1.LabelSelector) (selector, error) {
	if ls == nil {
		// Callers decide what an absent selector means; here it is a bug.
		return selector{}, errors.New("internal error: nil label selector")
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return selector{}, err
	}
	text := sel.String()
	if text == "" {
		text = "{}"
	}
	return selector{sel: sel, text: text}, nil
}

// Compile validates the policies like the API server would and pre-converts
// them for fast evaluation. Policies without a namespace are placed in
// "default", as kubectl apply would do without --namespace. The input is
// deep-copied, so the caller may reuse it.
func Compile(policies []networkingv1.NetworkPolicy) (*Model, error) {
	m := &Model{byNamespace: map[string][]*compiledPolicy{}}
	seen := map[string]bool{}
	var errs []error
	for i := range policies {
		cp, err := compilePolicy(&policies[i])
		if err != nil {
			errs = append(errs, fmt.Errorf("networkpolicy #%d (%s): %w", i, policyID(&policies[i]), err))
			continue
		}
		key := cp.namespace + "/" + cp.name
		if seen[key] {
			errs = append(errs, fmt.Errorf("networkpolicy #%d: duplicate policy %s", i, key))
			continue
		}
		seen[key] = true
		m.byNamespace[cp.namespace] = append(m.byNamespace[cp.namespace], cp)
		m.all = append(m.all, cp)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, ps := range m.byNamespace {
		sort.Slice(ps, func(a, b int) bool { return ps[a].name < ps[b].name })
	}
	sort.Slice(m.all, func(a, b int) bool {
		if m.all[a].namespace != m.all[b].namespace {
			return m.all[a].namespace < m.all[b].namespace
		}
		return m.all[a].name < m.all[b].name
	})
	return m, nil
}

func policyID(p *networkingv1.NetworkPolicy) string {
	return kube.NamespaceOrDefault(p.Namespace) + "/" + p.Name
}

func compilePolicy(in *networkingv1.NetworkPolicy) (*compiledPolicy, error) {
	if in.Name == "" {
		return nil, errors.New("metadata.name is required")
	}
	obj := in.DeepCopy()
	obj.Namespace = kube.NamespaceOrDefault(obj.Namespace)
	cp := &compiledPolicy{obj: obj, namespace: obj.Namespace, name: obj.Name}

	var err error
	if cp.podSelector, err = compileSelector(&obj.Spec.PodSelector); err != nil {
		return nil, fmt.Errorf("spec.podSelector: %w", err)
	}
	if len(obj.Spec.PolicyTypes) > 2 {
		return nil, errors.New("spec.policyTypes: may not specify more than two policyTypes")
	}
	for i, t := range obj.Spec.PolicyTypes {
		if t != networkingv1.PolicyTypeIngress && t != networkingv1.PolicyTypeEgress {
			return nil, fmt.Errorf("spec.policyTypes[%d]: unsupported value %q (want Ingress or Egress)", i, t)
		}
	}
	for _, t := range EffectivePolicyTypes(obj) {
		switch t {
		case networkingv1.PolicyTypeIngress:
			cp.ingressOn = true
		case networkingv1.PolicyTypeEgress:
			cp.egressOn = true
		}
	}
	// Rules are compiled (and therefore validated) even for a direction
	// that policyTypes switches off, because the API server validates them
	// too; they are simply never consulted.
	for i, r := range obj.Spec.Ingress {
		rule, err := compileRule(r.From, r.Ports)
		if err != nil {
			return nil, fmt.Errorf("spec.ingress[%d]: %w", i, err)
		}
		cp.ingress = append(cp.ingress, rule)
	}
	for i, r := range obj.Spec.Egress {
		rule, err := compileRule(r.To, r.Ports)
		if err != nil {
			return nil, fmt.Errorf("spec.egress[%d]: %w", i, err)
		}
		cp.egress = append(cp.egress, rule)
	}
	return cp, nil
}

func compileRule(peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) (compiledRule, error) {
	var rule compiledRule
	for i := range peers {
		p, err := compilePeer(&peers[i])
		if err != nil {
			return compiledRule{}, fmt.Errorf("peer %d: %w", i, err)
		}
		rule.peers = append(rule.peers, p)
	}
	for i := range ports {
		p, err := compilePort(&ports[i])
		if err != nil {
			return compiledRule{}, fmt.Errorf("ports[%d]: %w", i, err)
		}
		rule.ports = append(rule.ports, p)
	}
	return rule, nil
}

func compilePeer(in *networkingv1.NetworkPolicyPeer) (compiledPeer, error) {
	var out compiledPeer
	if in.IPBlock != nil {
		// The API server rejects these shapes; accepting them here would
		// force us to invent a meaning for them.
		if in.PodSelector != nil || in.NamespaceSelector != nil {
			return out, errors.New("may not specify both ipBlock and another peer")
		}
		b, err := compileIPBlock(in.IPBlock)
		if err != nil {
			return out, fmt.Errorf("ipBlock: %w", err)
		}
		out.ipBlock = b
		return out, nil
	}
	if in.PodSelector == nil && in.NamespaceSelector == nil {
		return out, errors.New("must specify a peer (podSelector, namespaceSelector or ipBlock)")
	}
	if in.PodSelector != nil {
		s, err := compileSelector(in.PodSelector)
		if err != nil {
			return out, fmt.Errorf("podSelector: %w", err)
		}
		out.podSel = &s
	}
	if in.NamespaceSelector != nil {
		s, err := compileSelector(in.NamespaceSelector)
		if err != nil {
			return out, fmt.Errorf("namespaceSelector: %w", err)
		}
		out.nsSel = &s
	}
	return out, nil
}

func compileIPBlock(in *networkingv1.IPBlock) (*compiledIPBlock, error) {
	if in.CIDR == "" {
		return nil, errors.New("cidr is required")
	}
	cidr, err := parseCIDR(in.CIDR)
	if err != nil {
		return nil, fmt.Errorf("cidr: %w", err)
	}
	// Reasons quote the CIDRs as written, so users can find them.
	b := &compiledIPBlock{cidrs: []netip.Prefix{cidr}, text: "ipBlock " + in.CIDR}
	for i, e := range in.Except {
		ex, err := parseCIDR(e)
		if err != nil {
			return nil, fmt.Errorf("except[%d]: %w", i, err)
		}
		if ex.Addr().Is4() != cidr.Addr().Is4() || !cidr.Contains(ex.Addr()) || ex.Bits() <= cidr.Bits() {
			return nil, fmt.Errorf("except[%d]: %s must be a strict subset of cidr %s", i, e, in.CIDR)
		}
		b.except = append(b.except, ex)
	}
	if len(in.Except) > 0 {
		b.text += " except " + strings.Join(in.Except, ",")
	}
	return b, nil
}

// parseCIDR accepts what the API server's legacy CIDR validation accepts:
// host bits may be set (the network is what counts) and, for objects created
// by older releases, IPv4 octets may carry leading zeros, read as decimal.
func parseCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		if fixed, ok := stripIPv4LeadingZeros(s); ok {
			p, err = netip.ParsePrefix(fixed)
		}
	}
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR %q", s)
	}
	return netip.PrefixFrom(p.Addr().Unmap(), unmappedBits(p)).Masked(), nil
}

// unmappedBits converts the prefix length of an IPv4-mapped IPv6 prefix to
// its IPv4 equivalent so that it can be compared with IPv4 addresses.
func unmappedBits(p netip.Prefix) int {
	if p.Addr().Is4In6() {
		if b := p.Bits() - 96; b >= 0 {
			return b
		}
		return 0
	}
	return p.Bits()
}

func stripIPv4LeadingZeros(s string) (string, bool) {
	addr, bits, ok := strings.Cut(s, "/")
	if !ok || strings.Contains(addr, ":") {
		return "", false
	}
	octets := strings.Split(addr, ".")
	if len(octets) != 4 {
		return "", false
	}
	for i, o := range octets {
		if o == "" {
			return "", false
		}
		t := strings.TrimLeft(o, "0")
		if t == "" {
			t = "0"
		}
		octets[i] = t
	}
	return strings.Join(octets, ".") + "/" + bits, true
}

func compilePort(in *networkingv1.NetworkPolicyPort) (compiledPort, error) {
	out := compiledPort{protocol: corev1.ProtocolTCP}
	if in.Protocol != nil {
		switch *in.Protocol {
		case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
			out.protocol = *in.Protocol
		default:
			return out, fmt.Errorf("protocol: unsupported value %q (want TCP, UDP or SCTP)", *in.Protocol)
		}
	}
	if in.Port == nil {
		if in.EndPort != nil {
			return out, errors.New("endPort may not be specified when port is not specified")
		}
		return out, nil
	}
	switch in.Port.Type {
	case intstr.Int:
		if msgs := validation.IsValidPortNum(int(in.Port.IntVal)); len(msgs) > 0 {
			return out, fmt.Errorf("port %d: %s", in.Port.IntVal, strings.Join(msgs, "; "))
		}
		out.number = in.Port.IntVal
		if in.EndPort != nil {
			if msgs := validation.IsValidPortNum(int(*in.EndPort)); len(msgs) > 0 {
				return out, fmt.Errorf("endPort %d: %s", *in.EndPort, strings.Join(msgs, "; "))
			}
			if *in.EndPort < in.Port.IntVal {
				return out, fmt.Errorf("endPort %d must be greater than or equal to port %d", *in.EndPort, in.Port.IntVal)
			}
			out.endPort = *in.EndPort
		}
	case intstr.String:
		if in.EndPort != nil {
			return out, errors.New("endPort may not be specified when port is non-numeric")
		}
		if msgs := validation.IsValidPortName(in.Port.StrVal); len(msgs) > 0 {
			return out, fmt.Errorf("port %q: %s", in.Port.StrVal, strings.Join(msgs, "; "))
		}
		out.name = in.Port.StrVal
	default:
		return out, fmt.Errorf("port: unknown type %d", in.Port.Type)
	}
	return out, nil
}

// String renders the port the way it is written in reasons: "80/TCP",
// "8000-8100/TCP", "http/TCP", "*/UDP".
func (p compiledPort) String() string {
	switch {
	case p.name != "":
		return p.name + "/" + string(p.protocol)
	case p.number == 0:
		return "*/" + string(p.protocol)
	case p.endPort != 0 && p.endPort != p.number:
		return fmt.Sprintf("%d-%d/%s", p.number, p.endPort, p.protocol)
	default:
		return fmt.Sprintf("%d/%s", p.number, p.protocol)
	}
}

// EffectivePolicyTypes returns the policy types that the API server would
// store for p: the explicit list (deduplicated, Ingress first) or, when it
// is omitted, Ingress plus Egress if the policy has egress rules. Unknown
// values are dropped; Compile reports them as errors.
func EffectivePolicyTypes(p *networkingv1.NetworkPolicy) []networkingv1.PolicyType {
	if p == nil {
		return nil
	}
	if len(p.Spec.PolicyTypes) == 0 {
		// Why the asymmetry: policies predating policyTypes were
		// ingress-only, so an omitted list must keep meaning "ingress";
		// egress isolation is only implied when egress rules are written.
		out := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(p.Spec.Egress) > 0 {
			out = append(out, networkingv1.PolicyTypeEgress)
		}
		return out
	}
	var in, eg bool
	for _, t := range p.Spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			in = true
		case networkingv1.PolicyTypeEgress:
			eg = true
		}
	}
	var out []networkingv1.PolicyType
	if in {
		out = append(out, networkingv1.PolicyTypeIngress)
	}
	if eg {
		out = append(out, networkingv1.PolicyTypeEgress)
	}
	return out
}

// Policies returns every compiled policy, sorted by namespace/name. The
// returned objects are the model's own copies (with the namespace
// defaulted) and must not be modified.
func (m *Model) Policies() []*networkingv1.NetworkPolicy {
	if m == nil {
		return nil
	}
	out := make([]*networkingv1.NetworkPolicy, len(m.all))
	for i, p := range m.all {
		out[i] = p.obj
	}
	return out
}

// PoliciesSelecting returns the policies that isolate pod for dir, sorted
// by name. hostNetwork pods are never selected. The returned objects are
// the model's own copies and must not be modified.
func (m *Model) PoliciesSelecting(pod *corev1.Pod, dir Direction) []*networkingv1.NetworkPolicy {
	if m == nil || pod == nil || pod.Spec.HostNetwork {
		return nil
	}
	var out []*networkingv1.NetworkPolicy
	for _, p := range m.byNamespace[kube.NamespaceOrDefault(pod.Namespace)] {
		if p.appliesTo(dir) && p.podSelector.matches(pod.Labels) {
			out = append(out, p.obj)
		}
	}
	return out
}

package netpol

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// This file layers AdminNetworkPolicy (ANP) and BaselineAdminNetworkPolicy
// (BANP) from sigs.k8s.io/network-policy-api (v1alpha1) around
// NetworkPolicy. The objects are modelled by AdminPolicy instead of importing
// that module, so callers convert from whatever version they read.
//
// Precedence, per direction of a pod:
//
//  1. ANPs selecting the pod, lowest priority number first (ties broken by
//     name, which the API leaves undefined). Inside one ANP the first
//     matching rule wins. Allow and Deny are final; Pass skips every
//     remaining ANP and hands the decision to step 2.
//  2. NetworkPolicy: if any NetworkPolicy isolates the pod for the
//     direction, its verdict is final.
//  3. The BANP, if it selects the pod: first matching rule, Allow or Deny.
//  4. Otherwise allowed.
//
// Not modelled: nodes peers (Peer carries no node labels) and domainNames.

// AdminAction is the action of an ANP/BANP rule.
type AdminAction string

const (
	AdminAllow AdminAction = "Allow"
	AdminDeny  AdminAction = "Deny"
	// AdminPass is only valid in an ANP: delegate to NetworkPolicy/BANP.
	AdminPass AdminAction = "Pass"
)

// Layer names the policy layer that made a decision.
type Layer string

const (
	LayerAdmin         Layer = "AdminNetworkPolicy"
	LayerNetworkPolicy Layer = "NetworkPolicy"
	LayerBaseline      Layer = "BaselineAdminNetworkPolicy"
	// LayerDefault means nothing applied and the traffic is allowed.
	LayerDefault Layer = "Default"
)

// AdminPolicy is a minimal AdminNetworkPolicy or BaselineAdminNetworkPolicy.
type AdminPolicy struct {
	Name string
	// Priority (0-1000, lower wins) is ignored for the baseline policy.
	Priority int32
	Subject  AdminSubject
	Ingress  []AdminRule
	Egress   []AdminRule
}

// AdminSubject selects pods: exactly one of Namespaces and Pods is set.
type AdminSubject struct {
	Namespaces *metav1.LabelSelector
	Pods       *AdminPodSelector
}

// AdminPodSelector selects pods matching PodSelector in namespaces matching
// NamespaceSelector; an empty selector matches everything.
type AdminPodSelector struct {
	NamespaceSelector metav1.LabelSelector
	PodSelector       metav1.LabelSelector
}

// AdminRule is one ingress or egress rule; Peers must not be empty.
type AdminRule struct {
	Name   string
	Action AdminAction
	Peers  []AdminPeer
	// Ports nil means every port.
	Ports []AdminPort
}

// AdminPeer: exactly one field is set. Networks is only valid for egress.
type AdminPeer struct {
	Namespaces *metav1.LabelSelector
	Pods       *AdminPodSelector
	Networks   []string
}

// AdminPort is one of: Port (single number), Port..EndPort (range) or Name
// (named port of the destination pod). Protocol defaults to TCP.
type AdminPort struct {
	Protocol corev1.Protocol
	Port     int32
	EndPort  int32
	Name     string
}

// AdminPolicyVerdict explains one ANP or the BANP for a direction.
type AdminPolicyVerdict struct {
	Name     string
	Priority int32
	// Action of the first matching rule, "" when no rule matched.
	Action AdminAction
	// RuleIndex is the index of the first matching rule or -1.
	RuleIndex int
	RuleName  string
	// Rules holds the rules evaluated up to and including the match.
	Rules  []RuleVerdict
	Reason string
}

type adminLayer struct {
	anps     []*compiledAdmin // sorted by priority, then name
	baseline *compiledAdmin
}

type compiledAdmin struct {
	name     string
	priority int32
	subjNS   selector
	subjPod  *selector // nil when the subject is namespaces only
	ingress  []compiledAdminRule
	egress   []compiledAdminRule
}

type compiledAdminRule struct {
	name   string
	action AdminAction
	rule   compiledRule
}

// CompileWithAdmin is Compile plus AdminNetworkPolicies and an optional
// BaselineAdminNetworkPolicy.
func CompileWithAdmin(policies []networkingv1.NetworkPolicy, admin []AdminPolicy, baseline *AdminPolicy) (*Model, error) {
	m, err := Compile(policies)
	if err != nil {
		return nil, err
	}
	layer := &adminLayer{}
	var errs []error
	seen := map[string]bool{}
	for i := range admin {
		ca, err := compileAdmin(&admin[i], false)
		if err != nil {
			errs = append(errs, fmt.Errorf("adminnetworkpolicy #%d (%s): %w", i, admin[i].Name, err))
			continue
		}
		if seen[ca.name] {
			errs = append(errs, fmt.Errorf("adminnetworkpolicy #%d: duplicate name %q", i, ca.name))
			continue
		}
		seen[ca.name] = true
		layer.anps = append(layer.anps, ca)
	}
	if baseline != nil {
		ca, err := compileAdmin(baseline, true)
		if err != nil {
			errs = append(errs, fmt.Errorf("baselineadminnetworkpolicy (%s): %w", baseline.Name, err))
		}
		layer.baseline = ca
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Slice(layer.anps, func(a, b int) bool {
		if layer.anps[a].priority != layer.anps[b].priority {
			return layer.anps[a].priority < layer.anps[b].priority
		}
		return layer.anps[a].name < layer.anps[b].name
	})
	m.admin = layer
	return m, nil
}

func compileAdmin(in *AdminPolicy, isBaseline bool) (*compiledAdmin, error) {
	if in.Name == "" {
		return nil, errors.New("name is required")
	}
	if !isBaseline && (in.Priority < 0 || in.Priority > 1000) {
		return nil, fmt.Errorf("priority %d out of range 0-1000", in.Priority)
	}
	ca := &compiledAdmin{name: in.Name, priority: in.Priority}
	s := in.Subject
	switch {
	case (s.Namespaces == nil) == (s.Pods == nil):
		return nil, errors.New("subject: exactly one of namespaces and pods must be set")
	case s.Namespaces != nil:
		sel, err := compileSelector(s.Namespaces)
		if err != nil {
			return nil, fmt.Errorf("subject.namespaces: %w", err)
		}
		ca.subjNS = sel
	default:
		ns, pod, err := compileAdminPods(s.Pods)
		if err != nil {
			return nil, fmt.Errorf("subject.pods: %w", err)
		}
		ca.subjNS, ca.subjPod = ns, &pod
	}
	var err error
	if ca.ingress, err = compileAdminRules(in.Ingress, Ingress, isBaseline); err != nil {
		return nil, err
	}
	if ca.egress, err = compileAdminRules(in.Egress, Egress, isBaseline); err != nil {
		return nil, err
	}
	return ca, nil
}

func compileAdminPods(p *AdminPodSelector) (selector, selector, error) {
	ns, err := compileSelector(&p.NamespaceSelector)
	if err != nil {
		return selector{}, selector{}, fmt.Errorf("namespaceSelector: %w", err)
	}
	pod, err := compileSelector(&p.PodSelector)
	if err != nil {
		return selector{}, selector{}, fmt.Errorf("podSelector: %w", err)
	}
	return ns, pod, nil
}

func compileAdminRules(rules []AdminRule, dir Direction, isBaseline bool) ([]compiledAdminRule, error) {
	var out []compiledAdminRule
	for i, r := range rules {
		path := fmt.Sprintf("%s[%d]", dir.lower(), i)
		switch r.Action {
		case AdminAllow, AdminDeny:
		case AdminPass:
			if isBaseline {
				return nil, fmt.Errorf("%s: action Pass is not valid in a baseline policy", path)
			}
		default:
			return nil, fmt.Errorf("%s: unsupported action %q", path, r.Action)
		}
		if len(r.Peers) == 0 {
			return nil, fmt.Errorf("%s: at least one peer is required", path)
		}
		cr := compiledAdminRule{name: r.Name, action: r.Action}
		for j, p := range r.Peers {
			cp, err := compileAdminPeer(p, dir)
			if err != nil {
				return nil, fmt.Errorf("%s.%s[%d]: %w", path, dir.peerField(), j, err)
			}
			cr.rule.peers = append(cr.rule.peers, cp)
		}
		for j, p := range r.Ports {
			cp, err := compileAdminPort(p)
			if err != nil {
				return nil, fmt.Errorf("%s.ports[%d]: %w", path, j, err)
			}
			cr.rule.ports = append(cr.rule.ports, cp)
		}
		out = append(out, cr)
	}
	return out, nil
}

// compileAdminPeer maps ANP peers onto the NetworkPolicy peer shapes, which
// have the same meaning once a namespace selector is always present:
// namespaces = namespaceSelector alone, pods = namespaceSelector AND
// podSelector, networks = an ipBlock with several CIDRs.
func compileAdminPeer(p AdminPeer, dir Direction) (compiledPeer, error) {
	set := 0
	if p.Namespaces != nil {
		set++
	}
	if p.Pods != nil {
		set++
	}
	if len(p.Networks) > 0 {
		set++
	}
	if set != 1 {
		return compiledPeer{}, errors.New("exactly one of namespaces, pods and networks must be set")
	}
	switch {
	case p.Namespaces != nil:
		s, err := compileSelector(p.Namespaces)
		if err != nil {
			return compiledPeer{}, fmt.Errorf("namespaces: %w", err)
		}
		return compiledPeer{nsSel: &s}, nil
	case p.Pods != nil:
		ns, pod, err := compileAdminPods(p.Pods)
		if err != nil {
			return compiledPeer{}, fmt.Errorf("pods: %w", err)
		}
		return compiledPeer{nsSel: &ns, podSel: &pod}, nil
	default:
		if dir != Egress {
			return compiledPeer{}, errors.New("networks peers are only valid in egress rules")
		}
		b := &compiledIPBlock{text: "networks " + strings.Join(p.Networks, ",")}
		for k, c := range p.Networks {
			pfx, err := parseCIDR(c)
			if err != nil {
				return compiledPeer{}, fmt.Errorf("networks[%d]: %w", k, err)
			}
			b.cidrs = append(b.cidrs, pfx)
		}
		return compiledPeer{ipBlock: b}, nil
	}
}

func compileAdminPort(p AdminPort) (compiledPort, error) {
	np := networkingv1.NetworkPolicyPort{}
	if p.Protocol != "" {
		proto := p.Protocol
		np.Protocol = &proto
	}
	switch {
	case p.Name != "" && (p.Port != 0 || p.EndPort != 0):
		return compiledPort{}, errors.New("name may not be combined with port or endPort")
	case p.Name != "":
		v := intstr.FromString(p.Name)
		np.Port = &v
	case p.Port != 0:
		v := intstr.FromInt32(p.Port)
		np.Port = &v
		if p.EndPort != 0 {
			end := p.EndPort
			np.EndPort = &end
		}
	default:
		return compiledPort{}, errors.New("one of port and name is required")
	}
	// Same validation and representation as NetworkPolicy ports.
	return compilePort(&np)
}

func (ca *compiledAdmin) selects(e *endpoint) bool {
	if !e.isSelectable() || !ca.subjNS.matches(e.nsLabels) {
		return false
	}
	return ca.subjPod == nil || ca.subjPod.matches(e.pod.Labels)
}

func (ca *compiledAdmin) eval(dir Direction, peer, dst *endpoint, tp trafficPort) AdminPolicyVerdict {
	av := AdminPolicyVerdict{Name: ca.name, Priority: ca.priority, RuleIndex: -1}
	rules := ca.ingress
	if dir == Egress {
		rules = ca.egress
	}
	for i, r := range rules {
		// Admin peers always carry a namespace selector, so the policy
		// namespace passed here is never consulted.
		rv := evalRule(i, r.rule, "", dir, peer, dst, tp)
		av.Rules = append(av.Rules, rv)
		if rv.Allows() {
			av.Action, av.RuleIndex, av.RuleName = r.action, i, r.name
			av.Reason = fmt.Sprintf("rule %d %q matches (%s): %s", i, r.name, rv.Reason, r.action)
			return av
		}
	}
	av.Reason = fmt.Sprintf("none of its %d %s rules matches", len(rules), dir.lower())
	return av
}

// apply combines the NetworkPolicy verdict dv with the admin layers.
func (l *adminLayer) apply(dv DirectionVerdict, dir Direction, subject, peer, dst *endpoint, tp trafficPort) DirectionVerdict {
	npReason := dv.Reason
	for _, ca := range l.anps {
		if !ca.selects(subject) {
			continue
		}
		av := ca.eval(dir, peer, dst, tp)
		dv.Admin = append(dv.Admin, av)
		switch av.Action {
		case AdminAllow, AdminDeny:
			dv.Allowed = av.Action == AdminAllow
			dv.DecidedBy = LayerAdmin
			dv.Unknown, dv.NotEvaluated, dv.L7 = false, nil, nil
			dv.Reason = fmt.Sprintf("AdminNetworkPolicy %s (priority %d) rule %d %q: %s; NetworkPolicies are not consulted", ca.name, ca.priority, av.RuleIndex, av.RuleName, strings.ToLower(string(av.Action)))
			return dv
		case AdminPass:
			dv.Reason = fmt.Sprintf("AdminNetworkPolicy %s rule %d %q passes to NetworkPolicy; %s", ca.name, av.RuleIndex, av.RuleName, npReason)
			return l.afterAdmin(dv, dir, subject, peer, dst, tp)
		}
	}
	return l.afterAdmin(dv, dir, subject, peer, dst, tp)
}

func (l *adminLayer) afterAdmin(dv DirectionVerdict, dir Direction, subject, peer, dst *endpoint, tp trafficPort) DirectionVerdict {
	if dv.Isolated {
		if dv.Plugin == "" {
			dv.DecidedBy = LayerNetworkPolicy
		}
		return dv
	}
	dv.Allowed = true
	dv.DecidedBy = LayerDefault
	if l.baseline != nil && l.baseline.selects(subject) {
		bv := l.baseline.eval(dir, peer, dst, tp)
		dv.Baseline = &bv
		if bv.Action != "" {
			dv.Allowed = bv.Action == AdminAllow
			dv.DecidedBy = LayerBaseline
			dv.Reason = fmt.Sprintf("no NetworkPolicy isolates %s for %s; BaselineAdminNetworkPolicy %s rule %d %q: %s", subject.desc, dir.lower(), bv.Name, bv.RuleIndex, bv.RuleName, strings.ToLower(string(bv.Action)))
		}
	}
	return dv
}

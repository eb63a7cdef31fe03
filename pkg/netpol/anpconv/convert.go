// Package anpconv converts AdminNetworkPolicy and BaselineAdminNetworkPolicy objects of
// sigs.k8s.io/network-policy-api (policy.networking.k8s.io/v1alpha1) to the engine's
// netpol.AdminPolicy, which models them without importing that module.
//
// The engine does not model nodes and domainNames peers: they are dropped, and a rule
// left with no peer is dropped too (it can never match a pod peer; the engine's rule
// indexes of the later rules of that direction then shift by one, so rules are best
// told apart by name). Every such loss is returned as a note so callers can say the
// verdict ignores it. Invalid objects (no peer, two port kinds) are passed through
// for netpol.CompileWithAdmin to reject with its own message.
package anpconv

import (
	"fmt"

	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

// FromANP converts one AdminNetworkPolicy.
func FromANP(in *anpv1alpha1.AdminNetworkPolicy) (netpol.AdminPolicy, []string) {
	out := netpol.AdminPolicy{Name: in.Name, Priority: in.Spec.Priority, Subject: subject(in.Spec.Subject)}
	var notes []string
	for _, r := range in.Spec.Ingress {
		out.Ingress = append(out.Ingress, ingressRule(r.Name, string(r.Action), r.From, r.Ports))
	}
	for i, r := range in.Spec.Egress {
		peers, lost := egressPeers(r.To)
		if rule, ok := keepRule(&notes, "AdminNetworkPolicy", in.Name, i, r.Name, peers, lost); ok {
			rule.Action = netpol.AdminAction(r.Action)
			rule.Ports = ports(r.Ports)
			out.Egress = append(out.Egress, rule)
		}
	}
	return out, notes
}

// FromBANP converts one BaselineAdminNetworkPolicy (priority is not used).
func FromBANP(in *anpv1alpha1.BaselineAdminNetworkPolicy) (netpol.AdminPolicy, []string) {
	out := netpol.AdminPolicy{Name: in.Name, Subject: subject(in.Spec.Subject)}
	var notes []string
	for _, r := range in.Spec.Ingress {
		out.Ingress = append(out.Ingress, ingressRule(r.Name, string(r.Action), r.From, r.Ports))
	}
	for i, r := range in.Spec.Egress {
		// The baseline egress peer has the same fields as the ANP one, minus domainNames.
		converted := make([]anpv1alpha1.AdminNetworkPolicyEgressPeer, len(r.To))
		for j, p := range r.To {
			converted[j] = anpv1alpha1.AdminNetworkPolicyEgressPeer{Namespaces: p.Namespaces, Pods: p.Pods, Nodes: p.Nodes, Networks: p.Networks}
		}
		peers, lost := egressPeers(converted)
		if rule, ok := keepRule(&notes, "BaselineAdminNetworkPolicy", in.Name, i, r.Name, peers, lost); ok {
			rule.Action = netpol.AdminAction(r.Action)
			rule.Ports = ports(r.Ports)
			out.Egress = append(out.Egress, rule)
		}
	}
	return out, notes
}

// ingressRule converts an ingress rule of either kind: they differ only in the type of
// their action, and every ingress peer is one the engine models.
func ingressRule(name, action string, from []anpv1alpha1.AdminNetworkPolicyIngressPeer, rulePorts *[]anpv1alpha1.AdminNetworkPolicyPort) netpol.AdminRule {
	peers := make([]netpol.AdminPeer, 0, len(from))
	for _, p := range from {
		peers = append(peers, netpol.AdminPeer{Namespaces: p.Namespaces, Pods: pods(p.Pods)})
	}
	return netpol.AdminRule{Name: name, Action: netpol.AdminAction(action), Peers: peers, Ports: ports(rulePorts)}
}

// egressPeers converts the peers the engine models and names the others.
func egressPeers(to []anpv1alpha1.AdminNetworkPolicyEgressPeer) ([]netpol.AdminPeer, []string) {
	var peers []netpol.AdminPeer
	var lost []string
	for j, p := range to {
		switch {
		case p.Namespaces != nil || p.Pods != nil:
			peers = append(peers, netpol.AdminPeer{Namespaces: p.Namespaces, Pods: pods(p.Pods)})
		case len(p.Networks) > 0:
			nets := make([]string, len(p.Networks))
			for k, c := range p.Networks {
				nets[k] = string(c)
			}
			peers = append(peers, netpol.AdminPeer{Networks: nets})
		case p.Nodes != nil:
			lost = append(lost, fmt.Sprintf("to[%d] (nodes)", j))
		case len(p.DomainNames) > 0:
			lost = append(lost, fmt.Sprintf("to[%d] (domainNames)", j))
		default:
			// An empty peer is invalid in the API; let the engine reject it.
			peers = append(peers, netpol.AdminPeer{})
		}
	}
	return peers, lost
}

// keepRule records the peers the engine ignores and drops a rule left without peers.
func keepRule(notes *[]string, kind, name string, index int, ruleName string, peers []netpol.AdminPeer, lost []string) (netpol.AdminRule, bool) {
	for _, l := range lost {
		*notes = append(*notes, fmt.Sprintf("%s %s egress[%d] %s: peer not evaluated", kind, name, index, l))
	}
	if len(peers) == 0 && len(lost) > 0 {
		*notes = append(*notes, fmt.Sprintf("%s %s egress[%d] %q ignored: none of its peers can be evaluated", kind, name, index, ruleName))
		return netpol.AdminRule{}, false
	}
	return netpol.AdminRule{Name: ruleName, Peers: peers}, true
}

func subject(s anpv1alpha1.AdminNetworkPolicySubject) netpol.AdminSubject {
	return netpol.AdminSubject{Namespaces: s.Namespaces, Pods: pods(s.Pods)}
}

func pods(p *anpv1alpha1.NamespacedPod) *netpol.AdminPodSelector {
	if p == nil {
		return nil
	}
	return &netpol.AdminPodSelector{NamespaceSelector: p.NamespaceSelector, PodSelector: p.PodSelector}
}

// ports converts a rule's ports; nil (no ports field) means every port.
func ports(in *[]anpv1alpha1.AdminNetworkPolicyPort) []netpol.AdminPort {
	if in == nil {
		return nil
	}
	out := make([]netpol.AdminPort, 0, len(*in))
	for _, p := range *in {
		switch {
		case p.PortNumber != nil:
			out = append(out, netpol.AdminPort{Protocol: p.PortNumber.Protocol, Port: p.PortNumber.Port})
		case p.PortRange != nil:
			out = append(out, netpol.AdminPort{Protocol: p.PortRange.Protocol, Port: p.PortRange.Start, EndPort: p.PortRange.End})
		case p.NamedPort != nil:
			out = append(out, netpol.AdminPort{Name: *p.NamedPort})
		default:
			// Invalid in the API (exactly one is required); the engine reports it.
			out = append(out, netpol.AdminPort{})
		}
	}
	return out
}

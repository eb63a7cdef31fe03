package netpol

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// How a NetworkPolicy rule reads in a finding: the same words wherever one is quoted.

// FormatSelector renders a label selector compactly, "{}" for the empty one.
func FormatSelector(ls *metav1.LabelSelector) string {
	if ls == nil {
		return "<none>"
	}
	s := metav1.FormatLabelSelector(ls)
	if s == "<none>" {
		return "{}"
	}
	return s
}

// RuleSummary describes who a rule admits and on which ports, e.g. "from pods
// app=frontend on 8080/TCP" or "from everyone on all ports".
func RuleSummary(dir Direction, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) string {
	prep := "from"
	if dir == Egress {
		prep = "to"
	}
	return fmt.Sprintf("%s %s on %s", prep, joined(peers, PeerSummary, " or ", "everyone"), joined(ports, PortSummary, ", ", "all ports"))
}

// joined renders each item and joins them with sep; none stands for an empty list,
// which in a rule means every peer or every port.
func joined[T any](items []T, render func(T) string, sep, none string) string {
	if len(items) == 0 {
		return none
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		out = append(out, render(item))
	}
	return strings.Join(out, sep)
}

// PeerSummary renders one from/to entry.
func PeerSummary(p networkingv1.NetworkPolicyPeer) string {
	switch {
	case p.IPBlock != nil:
		s := "ipBlock " + p.IPBlock.CIDR
		if len(p.IPBlock.Except) > 0 {
			s += " except " + strings.Join(p.IPBlock.Except, ",")
		}
		return s
	case p.NamespaceSelector != nil && p.PodSelector != nil:
		return "pods " + FormatSelector(p.PodSelector) + " in namespaces " + FormatSelector(p.NamespaceSelector)
	case p.NamespaceSelector != nil:
		return "namespaces " + FormatSelector(p.NamespaceSelector)
	case p.PodSelector != nil:
		return "pods " + FormatSelector(p.PodSelector)
	}
	return "nothing"
}

// PortSummary renders one ports entry: "8080/TCP", "http/TCP", "8000-8100/TCP", "all/UDP".
func PortSummary(p networkingv1.NetworkPolicyPort) string {
	proto := corev1.ProtocolTCP
	if p.Protocol != nil && *p.Protocol != "" {
		proto = *p.Protocol
	}
	port := "all"
	if p.Port != nil {
		port = p.Port.String()
		if p.EndPort != nil {
			port += fmt.Sprintf("-%d", *p.EndPort)
		}
	}
	return port + "/" + string(proto)
}

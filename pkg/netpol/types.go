package netpol

import (
	corev1 "k8s.io/api/core/v1"
)

// Direction is the direction of traffic as seen from the pod a policy
// applies to.
type Direction string

const (
	// Ingress is traffic arriving at the subject pod (the destination).
	Ingress Direction = "Ingress"
	// Egress is traffic leaving the subject pod (the source).
	Egress Direction = "Egress"
)

// lower is used inside sentences ("ingress rules").
func (d Direction) lower() string {
	if d == Egress {
		return "egress"
	}
	return "ingress"
}

// preposition joins the direction to the peer: "ingress from", "egress to".
func (d Direction) preposition() string {
	if d == Egress {
		return "to"
	}
	return "from"
}

// peerField is the name of the rule field that lists peers for d.
func (d Direction) peerField() string {
	if d == Egress {
		return "to"
	}
	return "from"
}

// Peer is one end of a connection.
type Peer struct {
	// Pod is nil for an external address.
	Pod *corev1.Pod
	// Namespace supplies the labels namespaceSelector is matched against. It
	// may be nil or a stub carrying only the name: the
	// kubernetes.io/metadata.name label is always added, as the API server
	// does for every namespace. When set, its name must equal the pod's
	// namespace.
	Namespace *corev1.Namespace
	// IP is the pod IP, the node IP for hostNetwork pods, or the external
	// address. For pods it may be left empty, in which case
	// Pod.Status.PodIP (then Pod.Status.HostIP for hostNetwork pods) is
	// used; a pod with no IP at all simply never matches an ipBlock.
	IP string
}

// Traffic describes one connection attempt from Src to Dst.
type Traffic struct {
	Src, Dst Peer
	// Port is the destination port. It may be zero when PortName is set,
	// in which case it is resolved against the destination pod's container
	// ports.
	Port int32
	// PortName is a named container port of the destination pod.
	PortName string
	// Protocol defaults to TCP; matching is case-insensitive.
	Protocol corev1.Protocol
}

// Verdict is the outcome of Model.Evaluate.
type Verdict struct {
	// Allowed is Egress.Allowed && Ingress.Allowed: both ends must agree.
	Allowed bool
	Ingress DirectionVerdict
	Egress  DirectionVerdict
}

// Blocking returns the direction verdicts that deny the traffic, egress
// first because that is the order the packet meets them.
func (v Verdict) Blocking() []DirectionVerdict {
	var out []DirectionVerdict
	if !v.Egress.Allowed {
		out = append(out, v.Egress)
	}
	if !v.Ingress.Allowed {
		out = append(out, v.Ingress)
	}
	return out
}

// DirectionVerdict explains one direction of a connection: the egress of the
// source or the ingress of the destination.
type DirectionVerdict struct {
	Direction Direction
	// Subject describes the pod whose policies are evaluated, e.g.
	// "pod shop/frontend-1" or "external address 203.0.113.7".
	Subject string
	// Isolated is true when some policy selects the subject for this
	// direction.
	Isolated bool
	Allowed  bool
	// Reason is one human sentence summarising the decision.
	Reason string
	// Policies lists every policy selecting the subject for this direction,
	// sorted by namespace/name.
	Policies []PolicyVerdict
	// DecidedBy names the layer that made the decision: NetworkPolicy when
	// isolated, Default when nothing applies, or an admin layer.
	DecidedBy Layer
	// Admin lists the AdminNetworkPolicies selecting the subject that were
	// evaluated (in precedence order, up to the deciding one) and Baseline
	// the BaselineAdminNetworkPolicy when it was consulted. Both are only
	// set for a model built with CompileWithAdmin.
	Admin    []AdminPolicyVerdict `json:",omitempty"`
	Baseline *AdminPolicyVerdict  `json:",omitempty"`
	// Plugin is set when a network plugin's own policies select the subject for this
	// direction ("Cilium" or "Calico"): the plugin's precedence decided, over its
	// policies and the NetworkPolicies together. PluginPolicies explains every policy
	// evaluated in that order, and Decision names the deciding rule (or default).
	Plugin         string                `json:",omitempty"`
	PluginPolicies []PluginPolicyVerdict `json:",omitempty"`
	Decision       *Decision             `json:",omitempty"`
	// Unknown is set when what decides this direction includes something netdoctor
	// does not evaluate (NotEvaluated says what): Allowed is then false, and the
	// direction must be reported as unknown, never as denied.
	Unknown      bool           `json:",omitempty"`
	NotEvaluated []NotEvaluated `json:",omitempty"`
	// L7, for an allowed direction, says which allowing rules further restrict the
	// requests of the connection (HTTP paths, Kafka topics, DNS names, TLS server
	// names): the connection is allowed, the requests are not evaluated.
	L7 []string `json:",omitempty"`
}

// PolicyVerdict explains one NetworkPolicy that selects the subject.
type PolicyVerdict struct {
	Namespace, Name string
	// Allowed is true when at least one rule matches both peer and port.
	Allowed bool
	// NoRules is true when the policy isolates the subject for this
	// direction but lists no rules for it, i.e. it is a default-deny for the
	// direction.
	NoRules bool
	// Reason is one human sentence, e.g. "rule 1 allows it" or "has no
	// egress rules, so it denies all egress of the pods it selects".
	Reason string
	Rules  []RuleVerdict
}

// RuleVerdict explains one ingress or egress rule of a policy.
type RuleVerdict struct {
	// Index is the position of the rule in spec.ingress or spec.egress.
	Index       int
	PeerMatched bool
	PortMatched bool
	// PeerReason and PortReason explain each half; Reason joins them.
	PeerReason string
	PortReason string
	Reason     string
}

// Allows reports whether this rule lets the traffic through.
func (r RuleVerdict) Allows() bool { return r.PeerMatched && r.PortMatched }

// Unknown reports whether a direction that does not deny the traffic is unknown: the
// verdict is then neither allowed nor denied.
func (v Verdict) Unknown() bool {
	eg := v.Egress.Unknown || v.Egress.Allowed
	in := v.Ingress.Unknown || v.Ingress.Allowed
	return eg && in && (v.Egress.Unknown || v.Ingress.Unknown)
}

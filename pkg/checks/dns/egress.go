package dns

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/policy"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

// dnsPort is where cluster DNS listens, on UDP and TCP. Resolvers use UDP and retry a
// truncated answer (over 512 bytes, or 1232 with EDNS) over TCP.
const dnsPort = 53

// Protocols resolvers use, in the order they use them.
var Protocols = []corev1.Protocol{corev1.ProtocolUDP, corev1.ProtocolTCP}

// ProtocolResult is the egress answer for one protocol.
type ProtocolResult struct {
	Protocol corev1.Protocol
	// Denied names the DNS pods the client may not send to; Servers counts all.
	Denied  []string
	Servers int
	// Verdict is the egress verdict for the first denied pod, else the first pod.
	Verdict netpol.DirectionVerdict
	// Traffic is the first denied connection, for a suggested rule.
	Traffic *netpol.Traffic
	// Unknown names the DNS pods for which what decides is not evaluated (a Cilium or
	// Calico rule netdoctor cannot judge): neither allowed nor denied.
	Unknown []string
}

// EgressResult is whether a client may send DNS queries to the cluster DNS pods.
type EgressResult struct {
	UDP, TCP ProtocolResult
	// ClusterIPOnly names the policy rules that allow port 53 to the kube-dns ClusterIP
	// but not to the pods: policies match the pod IPs after the Service is translated,
	// so such a rule never helps.
	ClusterIPOnly string
	// NodeLocal names the rules that allow DNS to the NodeLocal DNSCache address; with
	// that cache the pods query it instead of the DNS pods, so such a rule suffices.
	NodeLocal string
	// UnknownVerdicts are the egress verdicts left unknown, one per protocol at most.
	UnknownVerdicts []netpol.DirectionVerdict
}

// Unknown reports whether some DNS query is neither allowed nor denied: what decides it
// is not evaluated.
func (r EgressResult) Unknown() bool { return len(r.UDP.Unknown) > 0 || len(r.TCP.Unknown) > 0 }

// NodeLocalDNSAddress is the link-local address NodeLocal DNSCache listens on by
// default on every node.
const NodeLocalDNSAddress = "169.254.20.10"

// Blocked reports whether any DNS query is denied.
func (r EgressResult) Blocked() bool { return len(r.UDP.Denied) > 0 || len(r.TCP.Denied) > 0 }

// Isolated reports whether the client's egress is restricted at all.
func (r EgressResult) Isolated() bool { return r.UDP.Verdict.Isolated || r.TCP.Verdict.Isolated }

// Summary is one line for a check detail.
func (r EgressResult) Summary() string {
	if !r.Isolated() {
		return "egress is not restricted, so DNS to " + Namespace + "/" + ServiceName + " is allowed"
	}
	var parts []string
	for _, pr := range []ProtocolResult{r.UDP, r.TCP} {
		switch {
		case len(pr.Unknown) > 0 && len(pr.Denied) == 0:
			parts = append(parts, fmt.Sprintf("%s 53 unknown", pr.Protocol))
		case len(pr.Denied) == 0:
			parts = append(parts, fmt.Sprintf("%s 53 allowed", pr.Protocol))
		case len(pr.Denied) == pr.Servers:
			parts = append(parts, fmt.Sprintf("%s 53 denied", pr.Protocol))
		default:
			parts = append(parts, fmt.Sprintf("%s 53 denied to %d of %d DNS pods", pr.Protocol, len(pr.Denied), pr.Servers))
		}
	}
	s := "egress to the cluster DNS pods: " + strings.Join(parts, ", ")
	if r.NodeLocal != "" {
		s += " (via NodeLocal DNSCache " + NodeLocalDNSAddress + ", allowed by " + r.NodeLocal + ")"
	}
	if !r.Blocked() && !r.Unknown() {
		if by := policy.Deciding(r.UDP.Verdict); by != "" {
			s += " by " + by
		}
		for _, l := range r.UDP.Verdict.L7 {
			s += "; " + l
		}
	}
	return s
}

// dnsTargetPort is the pod port a DNS query for proto reaches on pod: the kube-dns
// Service's port 53 translated to its targetPort (a name resolves per pod), else 53.
func dnsTargetPort(svc *corev1.Service, pod *corev1.Pod, proto corev1.Protocol) int32 {
	if svc != nil {
		for _, sp := range svc.Spec.Ports {
			if sp.Port == dnsPort && sp.Protocol == proto {
				if p, ok := kube.ResolveTargetPort(pod, sp); ok {
					return p
				}
			}
		}
	}
	return dnsPort
}

// EvaluateEgress decides, with the compiled policies of the client's namespace, whether
// client may send DNS queries over UDP and TCP to every cluster DNS pod. namespaces
// supplies namespace labels by name (missing ones are treated as unlabelled, apart from
// kubernetes.io/metadata.name). Only the client's egress is judged: that is what
// DNSEgressBlocked is about, and policies in kube-system are rarely readable.
func EvaluateEgress(m *netpol.Model, client netpol.Peer, c *Cluster, namespaces map[string]*corev1.Namespace) (EgressResult, error) {
	var r EgressResult
	for _, proto := range Protocols {
		pr := ProtocolResult{Protocol: proto, Servers: len(c.Pods)}
		for i := range c.Pods {
			server := &c.Pods[i]
			t := netpol.Traffic{Src: client, Dst: netpol.Peer{Pod: server, Namespace: namespaces[server.Namespace]},
				Port: dnsTargetPort(c.Service, server, proto), Protocol: proto}
			v, err := m.Evaluate(t)
			if err != nil {
				return r, err
			}
			if i == 0 {
				pr.Verdict = v.Egress
			}
			if v.Egress.Unknown {
				if len(pr.Unknown) == 0 {
					r.UnknownVerdicts = append(r.UnknownVerdicts, v.Egress)
				}
				pr.Unknown = append(pr.Unknown, server.Name)
				continue
			}
			if !v.Egress.Allowed {
				if pr.Traffic == nil {
					pr.Verdict = v.Egress
					pr.Traffic = &t
				}
				pr.Denied = append(pr.Denied, server.Name)
			}
		}
		if proto == corev1.ProtocolUDP {
			r.UDP = pr
		} else {
			r.TCP = pr
		}
	}
	if r.Blocked() {
		r.ClusterIPOnly = clusterIPRule(m, client, c)
		nodeLocal(m, client, &r)
	}
	return r, nil
}

// nodeLocal accepts a protocol denied to the DNS pods when a rule explicitly allows it
// to the NodeLocal DNSCache address: clusters running the cache point pods at it (or
// intercept the kube-dns ClusterIP on the node), and the documented policy for them
// allows that address by ipBlock.
func nodeLocal(m *netpol.Model, client netpol.Peer, r *EgressResult) {
	for _, pr := range []*ProtocolResult{&r.UDP, &r.TCP} {
		if len(pr.Denied) == 0 {
			continue
		}
		v, err := m.Evaluate(netpol.Traffic{Src: client, Dst: netpol.Peer{IP: NodeLocalDNSAddress}, Port: dnsPort, Protocol: pr.Protocol})
		if err != nil || !v.Egress.Allowed || !v.Egress.Isolated {
			continue
		}
		r.NodeLocal = policy.Deciding(v.Egress)
		pr.Denied = nil
		pr.Traffic = nil
		pr.Verdict = v.Egress
	}
}

// clusterIPRule finds the classic mistake of allowing DNS by the kube-dns ClusterIP.
func clusterIPRule(m *netpol.Model, client netpol.Peer, c *Cluster) string {
	ip := c.ClusterIP()
	if _, err := netip.ParseAddr(ip); err != nil {
		return ""
	}
	v, err := m.Evaluate(netpol.Traffic{Src: client, Dst: netpol.Peer{IP: ip}, Port: dnsPort, Protocol: corev1.ProtocolUDP})
	if err != nil || !v.Egress.Allowed || !v.Egress.Isolated {
		return ""
	}
	return policy.Deciding(v.Egress)
}

// EgressFinding explains a blocked result: DNSEgressBlocked on obj (the client), an
// error when UDP is denied (no lookup works), a warning when only TCP is (large answers
// fail). clientDesc names the client in sentences; subject selects the client's pods
// in the suggested policy.
func EgressFinding(r EgressResult, obj diag.ObjectRef, clientDesc string, subject *metav1.LabelSelector) diag.Finding {
	udp, tcp := len(r.UDP.Denied) > 0, len(r.TCP.Denied) > 0
	first := r.UDP
	if !udp {
		first = r.TCP
	}
	policies := policy.Deciders(first.Verdict)
	var what string
	switch {
	case udp && tcp:
		what = "DNS (UDP and TCP 53)"
	case udp:
		what = "DNS over UDP 53"
	default:
		what = "DNS over TCP 53"
	}
	kind := "NetworkPolicy"
	if first.Verdict.Plugin != "" {
		kind = "policy"
	}
	f := diag.New(diag.DNSEgressBlocked, obj, "egress %s %s on %s does not allow %s to the cluster DNS pods in %s",
		kind, strings.Join(policies, ", "), clientDesc, what, Namespace)
	if udp {
		f.Message += ": no name resolves, so clients fail before they connect"
	} else {
		f = f.WithSeverity(diag.SeverityWarning)
		f.Message += ": answers too large for UDP (retried over TCP) fail"
	}
	for _, pr := range []ProtocolResult{r.UDP, r.TCP} {
		if len(pr.Denied) > 0 && len(pr.Denied) < pr.Servers {
			f = f.WithEvidence(fmt.Sprintf("%s 53 is denied to %d of %d DNS pods: %s", pr.Protocol, len(pr.Denied), pr.Servers, strings.Join(pr.Denied, ", ")))
		}
	}
	f = f.WithEvidence(policy.Evidence(first.Verdict)...)
	if r.ClusterIPOnly != "" {
		f = f.WithEvidence(fmt.Sprintf("%s allows the kube-dns ClusterIP, which does not help: policies see the DNS pod IPs after the Service is translated", r.ClusterIPOnly))
	}
	var traffic []netpol.Traffic
	for _, pr := range []ProtocolResult{r.UDP, r.TCP} {
		if pr.Traffic != nil {
			traffic = append(traffic, *pr.Traffic)
		}
	}
	if first.Verdict.Plugin != "" {
		// The plugin's precedence decided: the fix is a policy of its own kind.
		sug, err := netpol.SuggestPluginPolicy(policy.PolicyName("allow-dns-egress-"+obj.Name), subject, netpol.Egress, first.Verdict, traffic)
		switch {
		case err == nil:
			kind := sug.Kind
			if strings.Contains(sug.APIVersion, "projectcalico.org") {
				kind = "Calico " + kind
			}
			f = f.WithFix("allow DNS egress with this %s (kubectl apply -f -); %s:\n%s", kind, sug.Why, strings.TrimRight(sug.YAML, "\n"))
		case errors.Is(err, netpol.ErrDenyRuleWins):
			f = f.WithFix("narrow %s so that it no longer matches DNS to the cluster DNS pods: %v", first.Verdict.Decision.Ref(), err)
		}
	} else if sug, err := policy.Suggest("allow-dns-egress-"+obj.Name, subject, netpol.Egress, traffic); err == nil {
		f = f.WithFix("allow DNS egress with this NetworkPolicy (kubectl apply -f -); policies are additive, so it opens only DNS:\n%s", strings.TrimRight(sug.YAML, "\n"))
	}
	ns := obj.Namespace
	for _, p := range policies {
		pns, name, _ := strings.Cut(p, "/")
		if pns == ns {
			f = f.WithCommands(fmt.Sprintf("kubectl get networkpolicy %s -n %s -o yaml", name, ns))
		}
	}
	return f
}

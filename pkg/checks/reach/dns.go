package reach

import (
	"context"
	"fmt"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dns"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

// checkDNS: a client reaches a Service by name, so before it connects it must query the
// cluster DNS. If FROM is isolated for egress, its policies must also allow UDP and TCP
// 53 to the DNS pods themselves; the classic default-deny-egress forgets this and every
// connection fails with a name-resolution error instead of a timeout.
func checkDNS(ctx context.Context, s *State) engine.Result {
	switch {
	case s.To.Service == nil:
		return engine.Skip("TO is not a Service: no name to resolve")
	case s.From.IsIP():
		return engine.Skip("FROM is outside the cluster and does not use the cluster DNS")
	}
	if u := s.Unevaluated[netpol.Egress]; !u.Empty() {
		return engine.Result{Status: diag.StatusUnknown, Detail: fmt.Sprintf(
			"unknown: the egress of %s is also decided by %s, which netdoctor does not evaluate, so whether it may query the cluster DNS is not known",
			podsDesc(s.From), joinAnd(limit(u.Refs(), 3)))}
	}
	var clients []netpol.Peer
	for _, p := range s.peers(s.From) {
		if !p.Pod.Spec.HostNetwork && len(s.Model.PoliciesSelecting(p.Pod, netpol.Egress)) > 0 {
			clients = append(clients, p)
		}
	}
	if len(clients) == 0 {
		return engine.Pass("the egress of %s is not restricted, so DNS queries are allowed", podsDesc(s.From))
	}
	cluster, err := dns.FindCluster(ctx, s.Source)
	if err != nil {
		return engine.ReadError(err)
	}
	if len(cluster.Pods) == 0 {
		if !s.Source.Live() {
			return engine.Skip("the input holds no cluster DNS pods (%s=%s in %s)", dns.PodLabelKey, dns.PodLabelValue, dns.Namespace)
		}
		return engine.Skip("no cluster DNS pods found in %s; run kubectl netdoctor dns", dns.Namespace)
	}
	var first *dns.EgressResult
	for _, c := range clients {
		r, err := dns.EvaluateEgress(s.Model, c, &cluster, s.Namespaces)
		if err != nil {
			return engine.Result{Fatal: err}
		}
		if first == nil || (r.Blocked() && !first.Blocked()) {
			rr := r
			first = &rr
		}
		if r.Blocked() {
			break
		}
	}
	s.DNS = first
	s.isolated = true
	if !first.Blocked() {
		return engine.Pass("%s", first.Summary())
	}
	f := dns.EgressFinding(*first, s.From.Ref(), podsDesc(s.From), selectorOf(s.From))
	return engine.Found(first.Summary(), f)
}

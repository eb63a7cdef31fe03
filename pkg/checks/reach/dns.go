package reach

import (
	"context"
	"fmt"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dns"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol/dialect"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
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
	var clients []netpol.Peer
	for _, p := range s.peers(s.From) {
		if s.Model.Restricts(p, netpol.Egress) {
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
		if !s.Source.Guarantees(source.Complete) {
			return engine.Skip("the input holds no cluster DNS pods (%s=%s in %s)", dns.PodLabelKey, dns.PodLabelValue, dns.Namespace)
		}
		return engine.Skip("no cluster DNS pods found in %s; run kubectl netdoctor dns", dns.Namespace)
	}
	var first *dns.EgressResult
	unknown := dialect.NewUnevaluated(netpol.Egress)
	for _, c := range clients {
		r, err := dns.EvaluateEgress(s.Model, c, &cluster, s.Namespaces)
		if err != nil {
			return engine.Result{Fatal: err}
		}
		for _, v := range r.UnknownVerdicts {
			unknown.Add(v, c.Pod.Name)
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
	if !first.Blocked() && unknown.Unknown() {
		// Neither allowed nor denied. The egress check already says so when the same
		// policies leave the traffic itself unknown.
		s.dnsUnknown = true
		for _, v := range first.UnknownVerdicts {
			s.Unevaluated[netpol.Egress].Add(v, "")
		}
		res := engine.Result{Status: diag.StatusUnknown, Detail: fmt.Sprintf(
			"unknown: the DNS egress of %s is also decided by %s with rules netdoctor does not evaluate", podsDesc(s.From), diag.JoinAnd(diag.Limit(unknown.Refs(), 3, diag.MoreInline)))}
		if !s.egressUnknown() {
			res.Findings = append(res.Findings, unknown.Finding(s.From.Ref(), podsDesc(s.From),
				"whether they may query the cluster DNS (UDP and TCP 53 to the DNS pods) is unknown, not allowed", s.CNI))
		}
		return res
	}
	if !first.Blocked() {
		return engine.Pass("%s", first.Summary())
	}
	f := dns.EgressFinding(*first, s.From.Ref(), podsDesc(s.From), selectorOf(s.From))
	return engine.Found(first.Summary(), f)
}

// egressUnknown reports whether FROM's egress was left unknown for some pair.
func (s *State) egressUnknown() bool {
	for _, pr := range s.Results {
		if pr.Egress.Unknown > 0 {
			return true
		}
	}
	return false
}

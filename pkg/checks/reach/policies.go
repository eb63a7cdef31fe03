package reach

import (
	"context"
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol/dialect"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// PortResult is the verdict for one port over every (FROM pod, TO destination) pair.
type PortResult struct {
	Case *PortCase
	// Pairs evaluated; Denied of them denied in at least one direction; Unknown of the
	// others decided in some direction by a policy netdoctor does not evaluate.
	Pairs, Denied, Unknown int
	Egress, Ingress        DirectionResult
}

// DirectionResult summarises one direction over all pairs of a port.
type DirectionResult struct {
	// Denied counts the pairs this direction denies; Unknown those it cannot decide (a
	// policy netdoctor does not evaluate selects the subject).
	Denied, Unknown int
	// Sample is the verdict of the first denied pair, else of the first pair.
	Sample netpol.DirectionVerdict
	// Traffic is the first denied pair (nil when none is denied).
	Traffic *netpol.Traffic
	// Examples name a few denied and allowed pairs, "checkout-1 → payments-2".
	DeniedPairs, AllowedPairs []string
}

// Allowed reports whether every pair may connect on this port: none denied, none unknown.
func (r PortResult) Allowed() bool { return r.Pairs > 0 && r.Denied == 0 && r.Unknown == 0 }

// DeniedBy names the denying directions as the contract spells them.
func (r PortResult) DeniedBy() string {
	var dirs []string
	if r.Ingress.Denied > 0 {
		dirs = append(dirs, "ingress")
	}
	if r.Egress.Denied > 0 {
		dirs = append(dirs, "egress")
	}
	return strings.Join(dirs, ",")
}

// checkPolicies reads the NetworkPolicies of both namespaces and evaluates every pair on
// every port. Policies elsewhere cannot affect this traffic: a pod is only ever
// selected by policies of its own namespace. Without the policies there is no verdict;
// the report says which read failed and the command exits 2.
func checkPolicies(ctx context.Context, s *State) engine.Result {
	namespaces := []string{}
	for _, r := range []string{s.From.Namespace, s.To.Namespace} {
		if r != "" && !contains(namespaces, r) {
			namespaces = append(namespaces, r)
		}
	}
	counts := map[string]int{}
	if s.Source.Has(source.KindNetworkPolicy) {
		for _, ns := range namespaces {
			ps, err := source.List[networkingv1.NetworkPolicy](ctx, s.Source, ns, nil)
			if err != nil {
				s.undecided = err
				return engine.ReadError(err)
			}
			counts[ns] = len(ps)
			s.Policies = append(s.Policies, ps...)
		}
	}
	// A user limited to namespaces may not list the cluster-scoped admin policies: go on
	// with NetworkPolicy alone and say so, as for unreadable namespace labels.
	var partial []diag.Finding
	if err := s.readAdminPolicies(ctx); err != nil {
		if !source.IsForbidden(err) {
			s.undecided = err
			return engine.ReadError(err)
		}
		s.AdminPolicies, s.Baseline, s.AdminNotes = nil, nil, nil
		partial = append(partial, engine.ReadErrorFinding(err).
			WithEvidence("the verdict ignores any AdminNetworkPolicy and BaselineAdminNetworkPolicy, which take precedence over and fall back behind NetworkPolicies"))
	}
	s.readCNIPolicies(ctx, namespaces)
	model, err := netpol.CompileInput(s.modelInput())
	if err != nil {
		return engine.Result{Fatal: fmt.Errorf("invalid policy in the input: %w", err)}
	}
	s.Model = model
	if err := s.evaluate(); err != nil {
		return engine.Result{Fatal: err}
	}
	admin := s.adminSummary()
	var detail string
	switch {
	case s.Source.Has(source.KindNetworkPolicy):
		var parts []string
		for _, ns := range namespaces {
			parts = append(parts, fmt.Sprintf("%d in %s", counts[ns], ns))
		}
		detail = "NetworkPolicies: " + strings.Join(parts, ", ")
		if admin != "" {
			detail += "; " + admin
		}
	case admin != "":
		detail = "the input holds no NetworkPolicies; " + admin
	case !s.CNI.Empty():
		detail = "the input holds no NetworkPolicies"
	default:
		detail = "the input holds no NetworkPolicies: nothing restricts this traffic"
	}
	return engine.Found(detail, partial...).WithDetails(s.AdminNotes...)
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// evaluate fills Results: every source against every target of every port.
func (s *State) evaluate() error {
	srcs := s.peers(s.From)
	s.Results = make([]PortResult, len(s.Ports))
	s.Unevaluated = map[netpol.Direction]*dialect.Unevaluated{
		netpol.Egress:  dialect.NewUnevaluated(netpol.Egress),
		netpol.Ingress: dialect.NewUnevaluated(netpol.Ingress),
	}
	for i := range s.Ports {
		pc := &s.Ports[i]
		pr := PortResult{Case: pc}
		for _, src := range srcs {
			for _, t := range pc.Targets {
				tr := netpol.Traffic{Src: src, Dst: t.Dst, Port: t.Port, PortName: t.PortName, Protocol: pc.Protocol}
				v, err := s.Model.Evaluate(tr)
				if err != nil {
					return fmt.Errorf("cannot evaluate %s → %s on %s: %w", peerName(src), peerName(t.Dst), pc.Label(), err)
				}
				pr.Pairs++
				egressUnknown, ingressUnknown := v.Egress.Unknown, v.Ingress.Unknown
				eg, in := v.Egress, v.Ingress
				if !v.Allowed {
					// L7 rules only matter to a connection that opens.
					eg.L7, in.L7 = nil, nil
				}
				s.Unevaluated[netpol.Egress].Add(eg, peerName(src))
				s.Unevaluated[netpol.Ingress].Add(in, peerName(t.Dst))
				switch {
				case !v.Egress.Allowed && !egressUnknown, !v.Ingress.Allowed && !ingressUnknown:
					pr.Denied++
				case egressUnknown || ingressUnknown:
					pr.Unknown++
				}
				pair := peerName(src) + " → " + peerName(t.Dst)
				record(&pr.Egress, v.Egress, egressUnknown, tr, pair, pr.Pairs == 1)
				record(&pr.Ingress, v.Ingress, ingressUnknown, tr, pair, pr.Pairs == 1)
				s.isolated = s.isolated || restricted(v.Egress) || restricted(v.Ingress)
			}
		}
		s.Results[i] = pr
	}
	return nil
}

func record(dr *DirectionResult, dv netpol.DirectionVerdict, unknown bool, t netpol.Traffic, pair string, first bool) {
	if first {
		dr.Sample = dv
	}
	if unknown {
		// A policy netdoctor does not evaluate decides too: neither allowed nor denied.
		dr.Unknown++
		return
	}
	if dv.Allowed {
		if len(dr.AllowedPairs) < 3 {
			dr.AllowedPairs = append(dr.AllowedPairs, pair)
		}
		return
	}
	if dr.Traffic == nil {
		dr.Sample = dv
		tr := t
		dr.Traffic = &tr
	}
	dr.Denied++
	if len(dr.DeniedPairs) < 3 {
		dr.DeniedPairs = append(dr.DeniedPairs, pair)
	}
}

func peerName(p netpol.Peer) string {
	if p.Pod == nil {
		return p.IP
	}
	return p.Pod.Name
}

// selecting returns the policies that select any of the pods of a side for dir,
// deduplicated and sorted by namespace/name.
func (s *State) selecting(dir netpol.Direction, side []netpol.Peer) []*networkingv1.NetworkPolicy {
	var out []*networkingv1.NetworkPolicy
	for _, p := range side {
		if p.Pod != nil {
			out = append(out, s.Model.PoliciesSelecting(p.Pod, dir)...)
		}
	}
	return dedupe(out)
}

package reach

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol/dialect"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Cilium and Calico enforce policy kinds of their own beside NetworkPolicy, merged with
// it by their own precedence (Cilium adds its allows to NetworkPolicy's and lets its
// deny rules win; Calico orders its policies before or after the Kubernetes ones).
// netdoctor does not evaluate them yet, so a direction of a pod that one of them selects
// is unknown: reach reports PolicyNotEvaluated there and gives no verdict (exit 2)
// unless something it does evaluate denies the traffic anyway.

// readCNIPolicies reads the network plugins' policies of FROM's and TO's namespaces
// (and the cluster-wide ones) and notes which of FROM's pods they select for egress and
// which of TO's for ingress. A read that fails is reported by checkCNIPolicies.
func (s *State) readCNIPolicies(ctx context.Context, namespaces []string) {
	var items []unstructured.Unstructured
	for _, ns := range namespaces {
		got, err := s.Source.CNIPolicies(ctx, ns)
		if err != nil {
			s.cniErr = err
			if !source.IsForbidden(err) {
				s.undecided = err
			}
			return
		}
		items = append(items, got...)
	}
	s.CNIPolicies = dialect.ParseAll(items)
	s.Unevaluated = map[netpol.Direction]*dialect.Unevaluated{
		netpol.Egress:  dialect.NewUnevaluated(netpol.Egress),
		netpol.Ingress: dialect.NewUnevaluated(netpol.Ingress),
	}
	s.unknownPods = map[netpol.Direction]map[string]bool{netpol.Egress: {}, netpol.Ingress: {}}
	if len(s.CNIPolicies) == 0 {
		return
	}
	for dir, side := range map[netpol.Direction][]netpol.Peer{netpol.Egress: s.peers(s.From), netpol.Ingress: s.peers(s.To)} {
		for _, p := range side {
			if p.Pod == nil {
				continue
			}
			if s.Unevaluated[dir].AddPod(s.CNIPolicies, dialect.Subject{Pod: p.Pod, Namespace: p.Namespace}) {
				s.unknownPods[dir][p.Pod.Namespace+"/"+p.Pod.Name] = true
			}
		}
	}
}

// unknownFor reports whether a policy netdoctor does not evaluate selects the peer for dir.
func (s *State) unknownFor(p netpol.Peer, dir netpol.Direction) bool {
	return p.Pod != nil && s.unknownPods[dir][p.Pod.Namespace+"/"+p.Pod.Name]
}

// checkCNIPolicies says what was read of the network plugins' own policies. Not being
// allowed to read them is reported and the verdict goes on without them, as for the
// admin policies (a user limited to namespaces may not list the cluster-wide kinds);
// any other failure leaves the verdict undecided.
func checkCNIPolicies(_ context.Context, s *State) engine.Result {
	if s.cniErr != nil {
		res := engine.ReadError(s.cniErr)
		if source.IsForbidden(s.cniErr) {
			res.Findings[0] = res.Findings[0].WithEvidence("the verdict leaves out any Cilium or Calico policy: where one selects FROM or TO, it may decide otherwise")
		}
		return res
	}
	if len(s.CNIPolicies) == 0 {
		if !s.Source.Live() && !s.Source.Has(source.KindCNIPolicy) {
			return engine.Skip("the input holds no Cilium or Calico policies")
		}
		return engine.Pass("no Cilium or Calico policy in these namespaces or cluster-wide")
	}
	var selecting []string
	for _, dir := range []netpol.Direction{netpol.Egress, netpol.Ingress} {
		for _, ref := range s.Unevaluated[dir].Refs() {
			if !contains(selecting, ref) {
				selecting = append(selecting, ref)
			}
		}
	}
	read := fmt.Sprintf("%d %s %s read", len(s.CNIPolicies), dialect.Plugins(s.CNIPolicies), pluralPolicies(len(s.CNIPolicies)))
	detail := read + ", none selects FROM or TO"
	if len(selecting) > 0 {
		detail = fmt.Sprintf("%s; selecting FROM or TO, and not evaluated: %s", read, strings.Join(limit(selecting, 5), ", "))
	}
	return engine.Pass("%s", detail)
}

// unevaluatedFinding is PolicyNotEvaluated for one direction, about its subject.
func (s *State) unevaluatedFinding(dir netpol.Direction) diag.Finding {
	subject, consequence := s.To, fmt.Sprintf("whether they admit %s is unknown, not allowed", s.From)
	if dir == netpol.Egress {
		subject, consequence = s.From, fmt.Sprintf("whether they may send to %s is unknown, not allowed", s.To)
	}
	return s.Unevaluated[dir].Finding(subject.Ref(), podsDesc(subject), consequence)
}

// policyUndecided returns why the verdict cannot be given, or nil: nothing netdoctor
// evaluates denies the traffic, and a policy it does not evaluate decides some of it.
func (s *State) policyUndecided(v *diag.Reach) error {
	if v == nil || s.knownDenial() {
		return nil
	}
	unknown := false
	for _, pr := range s.Results {
		unknown = unknown || pr.Unknown > 0
	}
	if !unknown {
		return nil
	}
	var refs []string
	for _, dir := range []netpol.Direction{netpol.Egress, netpol.Ingress} {
		for _, ref := range s.Unevaluated[dir].Refs() {
			if !contains(refs, ref) {
				refs = append(refs, ref)
			}
		}
	}
	return fmt.Errorf("cannot decide whether %s may connect to %s: %s also decide(s) this traffic, and netdoctor does not evaluate %s policies yet (PolicyNotEvaluated)",
		s.From, s.To, joinAnd(limit(refs, 3)), dialect.Plugins(s.CNIPolicies))
}

// knownDenial reports whether something netdoctor evaluates denies the traffic: a port
// denied for some pod pair, DNS, the Service proxy of FROM's node, or no destination.
func (s *State) knownDenial() bool {
	if len(s.Results) == 0 || s.proxyDown || s.DNS != nil && len(s.DNS.UDP.Denied) > 0 {
		return true
	}
	for _, pr := range s.Results {
		if pr.Denied > 0 {
			return true
		}
	}
	return false
}

func pluralPolicies(n int) string {
	if n == 1 {
		return "policy"
	}
	return "policies"
}

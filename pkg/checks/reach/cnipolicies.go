package reach

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol/dialect"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Cilium and Calico enforce policy kinds of their own beside NetworkPolicy, merged with
// it by their own precedence (Cilium adds its allows to NetworkPolicy's and lets its
// deny rules win; Calico orders its policies, by tier and order, before or after the
// Kubernetes ones). The engine evaluates them with the NetworkPolicies; what it cannot
// evaluate (L7 rules aside, which only restrict requests of an allowed connection)
// leaves the direction unknown: reach reports PolicyNotEvaluated there and gives no
// verdict (exit 2) unless something it does evaluate denies the traffic anyway.

// readCNIPolicies reads the network plugins' policies of FROM's and TO's namespaces
// (and the cluster-wide ones, with Calico's Tiers and network sets) into s.CNI. A read
// that fails is reported by checkCNIPolicies.
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
	s.CNI = dialect.Collect(items)
	s.CNIPolicies = s.CNI.Policies
}

// modelInput is what the engine evaluates: the NetworkPolicies, the admin policies and
// the plugins' policies, with TO's Service for the rules that name Services.
func (s *State) modelInput() netpol.Input {
	in := netpol.Input{NetworkPolicies: s.Policies, Admin: s.AdminPolicies, Baseline: s.Baseline}
	if s.cniErr == nil {
		s.CNI.AddTo(&in)
	}
	if s.To.Service != nil {
		in.Services = []corev1.Service{*s.To.Service}
	}
	return in
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
	if s.CNI.Empty() {
		if !s.Source.Has(source.KindCNIPolicy) {
			return engine.Skip("the input holds no Cilium or Calico policies")
		}
		return engine.Pass("no Cilium or Calico policy in these namespaces or cluster-wide")
	}
	var deciding []string
	for _, dir := range []netpol.Direction{netpol.Egress, netpol.Ingress} {
		for i := range s.Results {
			for _, p := range s.dirResult(&s.Results[i], dir).Sample.PluginPolicies {
				if ref := p.Ref(); !contains(deciding, ref) && p.APIVersion != "networking.k8s.io/v1" {
					deciding = append(deciding, ref)
				}
			}
		}
	}
	read := fmt.Sprintf("%d %s %s read", len(s.CNI.Policies), s.CNI.Plugins(), pluralPolicies(len(s.CNI.Policies)))
	if n := len(s.CNI.Tiers); n > 0 {
		read += fmt.Sprintf(", %d Tier(s)", n)
	}
	if n := len(s.CNI.NetworkSets); n > 0 {
		read += fmt.Sprintf(", %d network set(s)", n)
	}
	detail := read + ", none selects FROM or TO"
	if len(deciding) > 0 {
		detail = fmt.Sprintf("%s; evaluated with the NetworkPolicies in the plugin's order: %s", read, strings.Join(diag.Limit(deciding, 5, diag.MoreInline), ", "))
	}
	res := engine.Pass("%s", detail)
	if len(s.CNI.Unreadable) > 0 {
		res = res.WithDetails(append([]string{"not decoded (treated as deciding anything in their scope, so unknown):"}, s.CNI.Unreadable...)...)
	}
	return res
}

// unevaluatedFinding is PolicyNotEvaluated for one direction, about its subject.
func (s *State) unevaluatedFinding(dir netpol.Direction) diag.Finding {
	subject, consequence := s.To, fmt.Sprintf("whether they admit %s is unknown, not allowed", s.From)
	if dir == netpol.Egress {
		subject, consequence = s.From, fmt.Sprintf("whether they may send to %s is unknown, not allowed", s.To)
	}
	return s.Unevaluated[dir].Finding(subject.Ref(), podsDesc(subject), consequence, s.CNI)
}

// l7Finding is PolicyNotEvaluated for the L7 rules of an allowed direction.
func (s *State) l7Finding(dir netpol.Direction) diag.Finding {
	subject := s.To
	if dir == netpol.Egress {
		subject = s.From
	}
	return s.Unevaluated[dir].L7Finding(subject.Ref(), podsDesc(subject), s.CNI)
}

// policyUndecided returns why the verdict cannot be given, or nil: nothing netdoctor
// evaluates denies the traffic, and something it does not evaluate decides some of it.
func (s *State) policyUndecided(v *diag.Reach) error {
	if v == nil || s.knownDenial() {
		return nil
	}
	unknown := false
	for _, pr := range s.Results {
		unknown = unknown || pr.Unknown > 0
	}
	if !unknown && !s.dnsUnknown {
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
	return fmt.Errorf("cannot decide whether %s may connect to %s: %s also decide(s) this traffic with rules netdoctor does not evaluate (PolicyNotEvaluated)",
		s.From, s.To, diag.JoinAnd(diag.Limit(refs, 3, diag.MoreInline)))
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

package reach

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/policy"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

// checkEgress: once any policy selects FROM's pods for egress, they may only send what
// some rule of those policies allows (peer and port); everything else is dropped at
// the source.
// https://kubernetes.io/docs/concepts/services-networking/network-policies/#the-two-sorts-of-pod-isolation
func checkEgress(_ context.Context, s *State) engine.Result {
	if s.From.IsIP() {
		return engine.Skip("FROM is outside the cluster: no NetworkPolicy governs its egress")
	}
	return s.direction(netpol.Egress)
}

// checkIngress: once any policy selects TO's pods for ingress, they only accept what
// some rule of those policies admits (peer and pod port).
func checkIngress(_ context.Context, s *State) engine.Result {
	if s.To.IsIP() {
		return engine.Skip("TO is outside the cluster: no NetworkPolicy governs its ingress")
	}
	return s.direction(netpol.Ingress)
}

func (s *State) dirResult(pr *PortResult, dir netpol.Direction) *DirectionResult {
	if dir == netpol.Egress {
		return &pr.Egress
	}
	return &pr.Ingress
}

func (s *State) direction(dir netpol.Direction) engine.Result {
	subject := s.From
	if dir == netpol.Ingress {
		subject = s.To
	}
	var denied []*PortResult
	var details []string
	unknown := 0
	for i := range s.Results {
		pr := &s.Results[i]
		dr := s.dirResult(pr, dir)
		details = append(details, pr.Case.Label()+": "+s.dirLine(dr, pr.Pairs, dir))
		if dr.Denied > 0 {
			denied = append(denied, pr)
		}
		if dr.Unknown > 0 {
			unknown++
		}
	}
	var notEvaluated []diag.Finding
	if unknown > 0 {
		notEvaluated = append(notEvaluated, s.unevaluatedFinding(dir))
	}
	if s.Unevaluated[dir].L7() {
		notEvaluated = append(notEvaluated, s.l7Finding(dir))
	}
	if len(denied) == 0 {
		if unknown > 0 {
			return engine.Result{Status: diag.StatusUnknown, Findings: notEvaluated,
				Detail: fmt.Sprintf("unknown: the %s of %s is also decided by %s with rules netdoctor does not evaluate",
					lowerDir(dir), podsDesc(subject), diag.JoinAnd(diag.Limit(s.Unevaluated[dir].Refs(), 3, diag.MoreInline)))}.WithDetails(details...)
		}
		if len(notEvaluated) > 0 {
			return engine.Found(allowedSummary(s.Results, dir, subject), notEvaluated...).WithDetails(details...)
		}
		return engine.Pass("%s", allowedSummary(s.Results, dir, subject)).WithDetails(details...)
	}
	f := s.deniedFinding(dir, denied)
	labels := make([]string, 0, len(denied))
	for _, pr := range denied {
		labels = append(labels, pr.Case.Label())
	}
	policies := deciders(s.dirResult(denied[0], dir).Sample)
	detail := fmt.Sprintf("%s denied by %s", strings.Join(labels, ", "), strings.Join(policies, ", "))
	return engine.Found(detail, append([]diag.Finding{f}, notEvaluated...)...).WithDetails(details...)
}

// dirLine is one port's line under the check: who decided, for how many pairs.
func (s *State) dirLine(dr *DirectionResult, pairs int, dir netpol.Direction) string {
	line := dirLine(dr, pairs-dr.Unknown)
	if dr.Unknown == 0 {
		return line
	}
	unknown := fmt.Sprintf("unknown for %d of %d pod pairs (%s decide(s) with rules netdoctor does not evaluate)", dr.Unknown, pairs, diag.JoinAnd(diag.Limit(s.Unevaluated[dir].Refs(), 3, diag.MoreInline)))
	if dr.Unknown == pairs {
		return unknown
	}
	return line + "; " + unknown
}

func dirLine(dr *DirectionResult, pairs int) string {
	v := dr.Sample
	switch {
	case pairs == 0:
		return "no destination"
	case dr.Denied == 0 && !restricted(v):
		return "not restricted (no policy selects the pods for " + lowerDir(v.Direction) + ")"
	case dr.Denied == 0:
		return "allowed by " + allowedBy(v)
	case dr.Denied < pairs:
		return fmt.Sprintf("denied for %d of %d pod pairs by %s", dr.Denied, pairs, strings.Join(deciders(v), ", "))
	}
	return "denied by " + strings.Join(deciders(v), ", ")
}

// allowedBy names the rules that allowed a restricted direction: the ANP or BANP rule
// when an admin layer decided, else the NetworkPolicy rules.
func allowedBy(v netpol.DirectionVerdict) string {
	if av, kind, ok := decidingAdmin(v); ok {
		return adminRuleRef(kind, av, v.Direction)
	}
	return policy.Deciding(v)
}

func lowerDir(d netpol.Direction) string { return strings.ToLower(string(d)) }

// allowedSummary is the check detail when the direction allows every port.
func allowedSummary(results []PortResult, dir netpol.Direction, subject peer.Resolved) string {
	var deciding []string
	isolated := false
	for _, pr := range results {
		dr := pr.Egress
		if dir == netpol.Ingress {
			dr = pr.Ingress
		}
		if restricted(dr.Sample) {
			isolated = true
			if d := allowedBy(dr.Sample); d != "" && !contains(deciding, d) {
				deciding = append(deciding, d)
			}
		}
	}
	if !isolated {
		return fmt.Sprintf("no policy restricts the %s of %s", lowerDir(dir), podsDesc(subject))
	}
	return "allowed by " + strings.Join(deciding, "; ")
}

// deniedSides is what a denied direction is reported as: its finding, the pods whose
// policies deny it (TO for ingress, FROM for egress) and the other end.
func (s *State) deniedSides(dir netpol.Direction) (id diag.FindingID, subject, other peer.Resolved) {
	if dir == netpol.Egress {
		return diag.EgressDenied, s.From, s.To
	}
	return diag.IngressDenied, s.To, s.From
}

// deniedFinding explains a denied direction across its denied ports: which policies
// isolate the subject, why each of their rules does not match (from the engine's
// explanation of the first denied pair), and the NetworkPolicy that would allow it.
func (s *State) deniedFinding(dir netpol.Direction, denied []*PortResult) diag.Finding {
	id, subject, other := s.deniedSides(dir)
	verb := "admits " + other.String()
	if dir == netpol.Egress {
		verb = "allows traffic to " + other.String()
	}
	first := s.dirResult(denied[0], dir)
	if av, kind, ok := decidingAdmin(first.Sample); ok {
		return s.adminDeniedFinding(dir, denied, av, kind)
	}
	if first.Sample.Plugin != "" {
		return s.pluginDeniedFinding(dir, denied)
	}
	var policies []string
	for _, pr := range denied {
		for _, p := range policy.PolicyNames(s.dirResult(pr, dir).Sample) {
			if !contains(policies, p) {
				policies = append(policies, p)
			}
		}
	}
	ports := make([]string, 0, len(denied))
	for _, pr := range denied {
		ports = append(ports, pr.Case.describe())
	}
	noun, verbIsolate := "NetworkPolicy", "isolates"
	if len(policies) > 1 {
		noun, verbIsolate = "NetworkPolicies", "isolate"
	}
	f := diag.New(id, subject.Ref(), "%s %s %s %s for %s, and no rule %s on %s",
		noun, diag.JoinAnd(policies), verbIsolate, podsDesc(subject), lowerDir(dir), verb, diag.JoinAnd(ports))
	f = s.partialEvidence(f, dir, denied)
	f = f.WithEvidence(adminEvidence(first.Sample)...)
	f = f.WithEvidence(policy.Evidence(first.Sample)...)
	if len(denied) > 1 {
		f = f.WithEvidence(fmt.Sprintf("the same policies deny %s", diag.JoinAnd(ports[1:])))
	}
	f = s.suggestFix(f, dir, denied, subject, other, "")
	byNS := map[string][]string{}
	for _, p := range policies {
		ns, n, _ := strings.Cut(p, "/")
		byNS[ns] = append(byNS[ns], n)
	}
	nss := make([]string, 0, len(byNS))
	for ns := range byNS {
		nss = append(nss, ns)
	}
	sort.Strings(nss)
	for _, ns := range nss {
		f = f.WithCommands(fmt.Sprintf("kubectl get networkpolicy %s -n %s -o yaml", strings.Join(byNS[ns], " "), ns))
	}
	return f
}

// partialEvidence says, for the ports denied only for some pod pairs, which.
func (s *State) partialEvidence(f diag.Finding, dir netpol.Direction, denied []*PortResult) diag.Finding {
	var partial []string
	for _, pr := range denied {
		dr := s.dirResult(pr, dir)
		if dr.Denied < pr.Pairs {
			partial = append(partial, fmt.Sprintf("%s: denied for %d of %d pod pairs (denied: %s; allowed: %s)",
				pr.Case.Label(), dr.Denied, pr.Pairs, strings.Join(dr.DeniedPairs, ", "), strings.Join(dr.AllowedPairs, ", ")))
		}
	}
	if len(partial) > 0 {
		f.Message += " for some pod pairs"
		f = f.WithEvidence(partial...)
	}
	return f
}

// suggestFix adds the NetworkPolicy that would allow the denied traffic; why, if not
// empty, replaces the sentence saying why applying it is safe.
func (s *State) suggestFix(f diag.Finding, dir netpol.Direction, denied []*PortResult, subject, other peer.Resolved, why string) diag.Finding {
	var traffic []netpol.Traffic
	for _, pr := range denied {
		if t := s.dirResult(pr, dir).Traffic; t != nil {
			traffic = append(traffic, *t)
		}
	}
	name := "allow-" + shortName(other) + "-to-" + shortName(subject)
	if dir == netpol.Egress {
		name = "allow-" + shortName(subject) + "-egress-to-" + shortName(other)
	}
	intro := "policies are additive, so it opens only this path"
	if why != "" {
		intro = why
	}
	if sug, err := policy.Suggest(name, selectorOf(subject), dir, traffic); err == nil {
		f = f.WithFix("apply this NetworkPolicy (kubectl apply -f -); %s:\n%s", intro, strings.TrimRight(sug.YAML, "\n"))
	} else {
		f = f.WithFix("add a rule for %s to a NetworkPolicy selecting %s (%v)", other, podsDesc(subject), err)
	}
	return f
}

// shortName names an endpoint inside a policy name: "checkout", "203-0-113-7".
func shortName(r peer.Resolved) string {
	if r.IsIP() {
		return strings.NewReplacer(".", "-", ":", "-").Replace(r.IP.String())
	}
	return r.Name
}

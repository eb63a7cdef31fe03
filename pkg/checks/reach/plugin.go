package reach

import (
	"errors"
	"fmt"
	"strings"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/policy"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

// pluginDeniedFinding is IngressDenied / EgressDenied when a network plugin's
// precedence decided (a Cilium or Calico policy selects the subject): the message names
// the kind of the deciding policy and its rule, or the default deny and the policies
// behind it; the fix is a policy of the same kind.
func (s *State) pluginDeniedFinding(dir netpol.Direction, denied []*PortResult) diag.Finding {
	id, subject, other := s.deniedSides(dir)
	fromTo := "from " + other.String()
	if dir == netpol.Egress {
		fromTo = "to " + other.String()
	}
	first := s.dirResult(denied[0], dir).Sample
	d := first.Decision
	ports := make([]string, 0, len(denied))
	for _, pr := range denied {
		ports = append(ports, pr.Case.describe())
	}
	var f diag.Finding
	switch {
	case d == nil:
		f = diag.New(id, subject.Ref(), "the %s policies selecting %s deny its %s %s on %s", first.Plugin, podsDesc(subject), lowerDir(dir), fromTo, diag.JoinAnd(ports))
	case d.Action == "Deny" && first.Plugin == netpol.PluginCilium:
		f = diag.New(id, subject.Ref(), "%s denies the %s of %s %s on %s; a Cilium deny rule wins over every allow, of Cilium policies and NetworkPolicies alike",
			d.Ref(), lowerDir(dir), podsDesc(subject), fromTo, diag.JoinAnd(ports))
	case d.Action == "Deny":
		f = diag.New(id, subject.Ref(), "%s denies the %s of %s %s on %s; Calico evaluates it before any rule that would allow it (Kubernetes NetworkPolicies are order 1000 in the default tier)",
			d.Ref(), lowerDir(dir), podsDesc(subject), fromTo, diag.JoinAnd(ports))
	case first.Plugin == netpol.PluginCilium:
		verb := "puts"
		if len(d.Policies) > 1 {
			verb = "put"
		}
		f = diag.New(id, subject.Ref(), "%s %s %s in default deny for %s, and no rule of a Cilium policy or NetworkPolicy selecting them admits %s on %s",
			diag.JoinAnd(diag.Limit(d.Policies, 3, diag.MoreInline)), verb, podsDesc(subject), lowerDir(dir), strings.TrimPrefix(strings.TrimPrefix(fromTo, "from "), "to "), diag.JoinAnd(ports))
	default:
		f = diag.New(id, subject.Ref(), "Calico tier %s applies to %s for %s (%s), and none of its policies allows %s %s on %s: the end of the tier drops it",
			d.Tier, podsDesc(subject), lowerDir(dir), diag.JoinAnd(diag.Limit(d.Policies, 3, diag.MoreInline)), lowerDir(dir), fromTo, diag.JoinAnd(ports))
	}
	f = s.partialEvidence(f, dir, denied)
	f = f.WithEvidence(policy.Evidence(first)...)
	for _, pr := range denied[1:] {
		if dd := deciders(s.dirResult(pr, dir).Sample); len(dd) > 0 && !contains(deciders(first), dd[0]) {
			f = f.WithEvidence(fmt.Sprintf("%s: denied by %s", pr.Case.Label(), strings.Join(dd, ", ")))
		}
	}
	f = s.pluginFix(f, dir, denied, first)
	return s.pluginCommands(f, first)
}

// pluginFix proposes a policy in the dialect of the deny, or says what to narrow.
func (s *State) pluginFix(f diag.Finding, dir netpol.Direction, denied []*PortResult, dv netpol.DirectionVerdict) diag.Finding {
	subject, other := s.To, s.From
	name := "allow-" + shortName(other) + "-to-" + shortName(subject)
	if dir == netpol.Egress {
		subject, other = s.From, s.To
		name = "allow-" + shortName(subject) + "-egress-to-" + shortName(other)
	}
	var traffic []netpol.Traffic
	for _, pr := range denied {
		dr := s.dirResult(pr, dir)
		if dr.Traffic != nil && sameDecider(dr.Sample, dv) {
			traffic = append(traffic, *dr.Traffic)
		}
	}
	sug, err := netpol.SuggestPluginPolicy(policy.PolicyName(name), selectorOf(subject), dir, dv, traffic)
	switch {
	case err == nil:
		kind := sug.Kind
		if strings.Contains(sug.APIVersion, "projectcalico.org") {
			kind = "Calico " + kind
		}
		return f.WithFix("apply this %s (kubectl apply -f -); %s:\n%s", kind, sug.Why, strings.TrimRight(sug.YAML, "\n"))
	case errors.Is(err, netpol.ErrDenyRuleWins):
		return f.WithFix("no allow rule can open this path: narrow %s (or remove it) so that it no longer matches %s; %s",
			dv.Decision.Ref(), other, err)
	}
	return s.suggestFix(f, dir, denied, subject, other, "")
}

func sameDecider(a, b netpol.DirectionVerdict) bool {
	if a.Decision == nil || b.Decision == nil {
		return a.Decision == b.Decision
	}
	return a.Decision.Ref() == b.Decision.Ref() && a.Decision.Action == b.Decision.Action
}

// pluginCommands adds the kubectl commands that show the policies of a verdict: the
// plugins' (from what was read) and the NetworkPolicies.
func (s *State) pluginCommands(f diag.Finding, dv netpol.DirectionVerdict) diag.Finding {
	n := 0
	for _, pv := range dv.PluginPolicies {
		if pv.APIVersion == "networking.k8s.io/v1" {
			continue
		}
		for _, p := range s.CNI.Policies {
			if p.Ref() == pv.Ref() && n < 4 {
				f = f.WithCommands(p.Command())
				n++
			}
		}
	}
	byNS := map[string][]string{}
	var nss []string
	for _, p := range policy.PolicyNames(dv) {
		ns, name, _ := strings.Cut(p, "/")
		if _, ok := byNS[ns]; !ok {
			nss = append(nss, ns)
		}
		byNS[ns] = append(byNS[ns], name)
	}
	for _, ns := range nss {
		f = f.WithCommands(fmt.Sprintf("kubectl get networkpolicy %s -n %s -o yaml", strings.Join(byNS[ns], " "), ns))
	}
	return f
}

package reach

import (
	"context"
	"fmt"
	"strings"

	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/policy"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol/anpconv"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// AdminNetworkPolicy (ANP) and BaselineAdminNetworkPolicy (BANP), from
// sigs.k8s.io/network-policy-api, wrap NetworkPolicy: ANPs by priority first (Allow
// and Deny are final, Pass hands over), then NetworkPolicy, then the BANP. Where the
// CRDs are not installed the Source lists none and reach is the NetworkPolicy one.

// readAdminPolicies reads and converts the cluster's ANPs and BANP.
func (s *State) readAdminPolicies(ctx context.Context) error {
	anps, err := source.List[anpv1alpha1.AdminNetworkPolicy](ctx, s.Source, source.AllNamespaces, nil)
	if err != nil {
		return err
	}
	banps, err := source.List[anpv1alpha1.BaselineAdminNetworkPolicy](ctx, s.Source, source.AllNamespaces, nil)
	if err != nil {
		return err
	}
	for i := range anps {
		ap, notes := anpconv.FromANP(&anps[i])
		s.AdminPolicies = append(s.AdminPolicies, ap)
		s.AdminNotes = append(s.AdminNotes, notes...)
	}
	// The API admits a single BANP, named "default"; prefer it if the input has more.
	pick := -1
	for i := range banps {
		if pick < 0 || banps[i].Name == "default" {
			pick = i
		}
	}
	if pick >= 0 {
		bp, notes := anpconv.FromBANP(&banps[pick])
		s.Baseline = &bp
		s.AdminNotes = append(s.AdminNotes, notes...)
		for i := range banps {
			if i != pick {
				s.AdminNotes = append(s.AdminNotes, fmt.Sprintf("BaselineAdminNetworkPolicy %s ignored: only %s is evaluated (the API allows one, named default)", banps[i].Name, banps[pick].Name))
			}
		}
	}
	return nil
}

func (s *State) hasAdminPolicies() bool { return len(s.AdminPolicies) > 0 || s.Baseline != nil }

// adminSummary is the part of the policies check detail about admin policies, "" when
// there are none.
func (s *State) adminSummary() string {
	if !s.hasAdminPolicies() {
		return ""
	}
	noun := "AdminNetworkPolicies"
	if len(s.AdminPolicies) == 1 {
		noun = "AdminNetworkPolicy"
	}
	parts := []string{fmt.Sprintf("%d %s", len(s.AdminPolicies), noun)}
	if s.Baseline != nil {
		parts = append(parts, "BaselineAdminNetworkPolicy "+s.Baseline.Name)
	}
	return strings.Join(parts, ", ")
}

// restricted reports whether some policy (of any layer) decided this direction.
func restricted(dv netpol.DirectionVerdict) bool {
	return dv.Isolated || adminDecided(dv)
}

func adminDecided(dv netpol.DirectionVerdict) bool {
	return dv.DecidedBy == netpol.LayerAdmin || dv.DecidedBy == netpol.LayerBaseline
}

// decidingAdmin returns the ANP or BANP verdict that decided dv, and its kind.
func decidingAdmin(dv netpol.DirectionVerdict) (netpol.AdminPolicyVerdict, string, bool) {
	switch dv.DecidedBy {
	case netpol.LayerAdmin:
		if n := len(dv.Admin); n > 0 {
			return dv.Admin[n-1], "AdminNetworkPolicy", true
		}
	case netpol.LayerBaseline:
		if dv.Baseline != nil {
			return *dv.Baseline, "BaselineAdminNetworkPolicy", true
		}
	}
	return netpol.AdminPolicyVerdict{}, "", false
}

// adminRuleRef names the deciding rule of an admin policy, e.g.
// `AdminNetworkPolicy deny-db (priority 10) ingress[0] "deny-from-dev"`.
func adminRuleRef(kind string, av netpol.AdminPolicyVerdict, dir netpol.Direction) string {
	ref := kind + " " + av.Name
	if kind == "AdminNetworkPolicy" {
		ref += fmt.Sprintf(" (priority %d)", av.Priority)
	}
	if av.RuleIndex >= 0 {
		ref += fmt.Sprintf(" %s[%d]", lowerDir(dir), av.RuleIndex)
		if av.RuleName != "" {
			ref += fmt.Sprintf(" %q", av.RuleName)
		}
	}
	return ref
}

// deciders names what decided a direction: the ANP or BANP rule when an admin layer
// did, else the NetworkPolicies selecting the subject ("ns/name").
func deciders(dv netpol.DirectionVerdict) []string {
	if av, kind, ok := decidingAdmin(dv); ok {
		return []string{adminRuleRef(kind, av, dv.Direction)}
	}
	return policy.Deciders(dv)
}

// adminEvidence explains the admin layers of a verdict: every ANP consulted, in
// precedence order, and the BANP.
func adminEvidence(dv netpol.DirectionVerdict) []string {
	var lines []string
	for _, av := range dv.Admin {
		lines = append(lines, fmt.Sprintf("AdminNetworkPolicy %s (priority %d): %s", av.Name, av.Priority, av.Reason))
	}
	if dv.Baseline != nil {
		lines = append(lines, fmt.Sprintf("BaselineAdminNetworkPolicy %s: %s", dv.Baseline.Name, dv.Baseline.Reason))
	}
	return lines
}

// adminKindResource is the kubectl resource name of an admin policy kind.
func adminKindResource(kind string) string {
	if kind == "AdminNetworkPolicy" {
		return "adminnetworkpolicy"
	}
	return "baselineadminnetworkpolicy"
}

// adminDeniedFinding is IngressDenied / EgressDenied when an ANP or the BANP decided:
// the message names the deciding policy and rule, the evidence every admin policy
// consulted. An ANP Deny overrides NetworkPolicies, so only a cluster admin can open
// the path; a BANP Deny only applies to pods no NetworkPolicy isolates, so a
// NetworkPolicy allowing the traffic takes precedence over it.
func (s *State) adminDeniedFinding(dir netpol.Direction, denied []*PortResult, av netpol.AdminPolicyVerdict, kind string) diag.Finding {
	id, subject, other := s.deniedSides(dir)
	fromTo := "from " + other.String()
	if dir == netpol.Egress {
		fromTo = "to " + other.String()
	}
	ports := make([]string, 0, len(denied))
	for _, pr := range denied {
		ports = append(ports, pr.Case.describe())
	}
	first := s.dirResult(denied[0], dir).Sample
	ref := adminRuleRef(kind, av, dir)
	var f diag.Finding
	if kind == "AdminNetworkPolicy" {
		f = diag.New(id, subject.Ref(), "%s denies the %s of %s %s on %s; an AdminNetworkPolicy overrides NetworkPolicies",
			ref, lowerDir(dir), podsDesc(subject), fromTo, diag.JoinAnd(ports))
	} else {
		f = diag.New(id, subject.Ref(), "%s denies the %s of %s %s on %s: no NetworkPolicy isolates them for %s, so the baseline decides",
			ref, lowerDir(dir), podsDesc(subject), fromTo, diag.JoinAnd(ports), lowerDir(dir))
	}
	f = s.partialEvidence(f, dir, denied)
	f = f.WithEvidence(adminEvidence(first)...)
	if kind == "AdminNetworkPolicy" {
		if names := policy.PolicyNames(first); len(names) > 0 {
			f = f.WithEvidence(fmt.Sprintf("not consulted: NetworkPolicies %s (the AdminNetworkPolicy decided first)", strings.Join(names, ", ")))
		}
	}
	for _, pr := range denied[1:] {
		if d := deciders(s.dirResult(pr, dir).Sample); len(d) > 0 && d[0] != ref {
			f = f.WithEvidence(fmt.Sprintf("%s: denied by %s", pr.Case.Label(), strings.Join(d, ", ")))
		}
	}
	f = f.WithCommands(fmt.Sprintf("kubectl get %s %s -o yaml", adminKindResource(kind), av.Name))
	if kind == "AdminNetworkPolicy" {
		rule := fmt.Sprintf("%s[%d]", lowerDir(dir), av.RuleIndex)
		return f.WithFix("a NetworkPolicy cannot override an AdminNetworkPolicy: ask a cluster admin to narrow %s of AdminNetworkPolicy %s, "+
			"or to add a rule with action Allow (or Pass, to let NetworkPolicies decide) for this traffic before it, "+
			"in %s or in an AdminNetworkPolicy with a lower priority number than %d", rule, av.Name, av.Name, av.Priority).
			WithCommands("kubectl get adminnetworkpolicies")
	}
	why := fmt.Sprintf("a NetworkPolicy takes precedence over the BaselineAdminNetworkPolicy; once it isolates %s for %s the baseline no longer applies to them, so it must also allow what the baseline allowed", podsDesc(subject), lowerDir(dir))
	return s.suggestFix(f, dir, denied, subject, other, why)
}

package gateway

import (
	"context"
	"fmt"
	"strings"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
)

// checkWeights: a rule splits its requests between its backendRefs in proportion to
// their weights (1 when unset). When every backendRef of a rule has weight 0 there is
// nowhere to send them, and the implementation must answer HTTP 500 (or reject the
// connection). A rule without backendRefs is different: it only applies filters
// (redirects, for example).
func checkWeights(_ context.Context, s *State) engine.Result {
	var findings []diag.Finding
	var details []string
	for i, rule := range s.Route.Rules {
		if len(rule.BackendRefs) == 0 {
			continue
		}
		total := int32(0)
		var parts []string
		for _, b := range s.Backends {
			if b.Rule != i {
				continue
			}
			total += b.Weight
			parts = append(parts, fmt.Sprintf("%s=%d", b.Label(), b.Weight))
		}
		details = append(details, fmt.Sprintf("%s: %s", rule.Label(i), strings.Join(parts, ", ")))
		if total > 0 {
			continue
		}
		findings = append(findings, diag.New(diag.RouteBackendsZeroWeight, s.Ref(),
			"every backendRef of %s of %s %s/%s has weight 0: requests matching it get HTTP 500",
			rule.Label(i), s.Route.Kind, s.Namespace, s.Name).
			WithEvidence(parts...).
			WithEvidence("weight 0 means \"send nothing here\"; a rule needs at least one backend with weight > 0 (unset means 1)").
			WithFix("give at least one backendRef of the rule a weight above 0 (a canary rollout usually keeps the stable backend at 100 - canary)"))
	}
	if len(details) == 0 {
		return engine.Skip("no rule has backendRefs")
	}
	return engine.Found(fmt.Sprintf("%d rule(s) with backends", len(details)), findings...).WithDetails(details...)
}

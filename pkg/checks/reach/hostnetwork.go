package reach

import (
	"context"
	"fmt"
	"strings"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
)

// checkHostNetwork: a hostNetwork pod shares its node's network namespace. NetworkPolicy
// pod and namespace selectors never select it, neither as the pod a policy applies to
// nor as a peer: its own ingress and egress are unrestricted, and other pods' policies
// see it only as its node's IP (matchable by ipBlock alone).
// https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-and-hostnetwork-pods
func checkHostNetwork(_ context.Context, s *State) engine.Result {
	var findings []diag.Finding
	for _, side := range []struct {
		role string
		r    peer.Resolved
	}{{"FROM", s.From}, {"TO", s.To}} {
		var names, ips []string
		for _, p := range side.r.Pods {
			if p.Spec.HostNetwork {
				names = append(names, p.Name)
				if p.Status.HostIP != "" && !contains(ips, p.Status.HostIP) {
					ips = append(ips, p.Status.HostIP)
				}
			}
		}
		if len(names) == 0 {
			continue
		}
		seenAs := "its node's IP"
		if len(ips) > 0 {
			seenAs = "its node's IP (" + strings.Join(diag.Limit(ips, 3, diag.MoreInline), ", ") + ")"
		}
		consequence := "its egress is never restricted, and TO's policies can admit it only by an ipBlock of " + seenAs
		if side.role == "TO" {
			consequence = "its ingress is never restricted by NetworkPolicy, and FROM's egress policies can allow it only by an ipBlock of " + seenAs
		}
		f := diag.New(diag.HostNetworkNotIsolated, side.r.Ref(), "%s %s runs with hostNetwork: NetworkPolicy pod and namespace selectors do not apply to it; %s",
			side.role, side.r.String(), consequence).
			WithEvidence(fmt.Sprintf("hostNetwork pods: %s", strings.Join(diag.Limit(names, 5, diag.MoreInline), ", ")))
		findings = append(findings, f)
	}
	if len(findings) == 0 {
		return engine.Pass("neither end uses the host network")
	}
	return engine.Found(fmt.Sprintf("%d end(s) use the host network", len(findings)), findings...)
}

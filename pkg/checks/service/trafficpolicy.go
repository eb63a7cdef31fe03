package service

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkTrafficPolicy: with externalTrafficPolicy Local, a node forwards NodePort and
// load-balancer traffic only to endpoints on itself and drops it otherwise; with
// internalTrafficPolicy Local, in-cluster clients reach only endpoints on their own
// node. Either way, nodes without a ready local endpoint black-hole that traffic.
func checkTrafficPolicy(ctx context.Context, s *State) engine.Result {
	svc := s.Service
	if len(svc.Spec.Selector) == 0 {
		return engine.Skip("no selector")
	}
	external := (svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer) &&
		svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
	internal := svc.Spec.InternalTrafficPolicy != nil && *svc.Spec.InternalTrafficPolicy == corev1.ServiceInternalTrafficPolicyLocal
	if !external && !internal {
		return engine.Pass("traffic policies Cluster: any node forwards to any endpoint")
	}
	if len(s.Ready) == 0 {
		return engine.Skip("no ready endpoints to place on nodes")
	}
	if !s.Source.Has(source.KindNode) {
		return engine.Skip("the input holds no Nodes")
	}
	nodes, err := s.dataPlane().Nodes(ctx) // read once, shared with the data plane checks
	if err != nil {
		return engine.ReadError(err)
	}
	local := map[string]bool{}
	for _, p := range s.Ready {
		local[p.Spec.NodeName] = true
	}
	var without []string
	ready := 0
	for _, n := range nodes {
		if !nodeReady(&n) {
			continue
		}
		ready++
		if !local[n.Name] {
			without = append(without, n.Name)
		}
	}
	sort.Strings(without)
	detail := fmt.Sprintf("%d of %d ready node(s) have a ready local endpoint", ready-len(without), ready)
	if len(without) == 0 {
		return engine.Pass("%s", detail)
	}
	nodesLine := "nodes without a ready endpoint: " + strings.Join(diag.Limit(without, 10, diag.MoreLines), ", ")
	withLine := "nodes with one: " + strings.Join(sortedKeysBool(local), ", ")
	// Both policies can be Local at once; each strands its own traffic.
	policies := []struct {
		local bool
		id    diag.FindingID
		name  string
		loss  string
		fix   string
	}{
		{external, diag.ExternalTrafficPolicyLocalNoEndpoints, "externalTrafficPolicy", "NodePort traffic to them is dropped",
			"send external traffic only to nodes with endpoints (cloud load balancers do so via healthCheckNodePort), run a pod on every node (DaemonSet or topology spread), or use externalTrafficPolicy Cluster if client IPs need not be kept"},
		{internal, diag.InternalTrafficPolicyLocalNoEndpoints, "internalTrafficPolicy", "clients on them cannot reach it",
			"run a backend on every node that runs clients (typically a DaemonSet), or set internalTrafficPolicy: Cluster"},
	}
	var findings []diag.Finding
	for _, p := range policies {
		if !p.local {
			continue
		}
		findings = append(findings, diag.New(p.id, s.Ref(),
			"Service %s/%s has %s Local and %d of %d node(s) have no ready endpoint: %s",
			s.Namespace, s.Name, p.name, len(without), ready, p.loss).
			WithEvidence(nodesLine, withLine).
			WithFix("%s", p.fix))
	}
	return engine.Found(detail, findings...)
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func sortedKeysBool(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

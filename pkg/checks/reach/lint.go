package reach

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/policy"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkLint runs the policy lints on the policies this traffic passes through (those
// selecting FROM for egress and TO for ingress): a named port TO's pods do not
// declare never matches; a namespaceSelector that matches no namespace admits nobody;
// a podSelector and a namespaceSelector written as two peers admit far more than one
// peer with both would. Each explains a verdict that looks wrong at first sight.
func checkLint(_ context.Context, s *State) engine.Result {
	relevant := append(s.selecting(netpol.Egress, s.peers(s.From)), s.selecting(netpol.Ingress, s.peers(s.To))...)
	relevant = dedupe(relevant)
	if len(relevant) == 0 {
		return engine.Skip("no NetworkPolicy applies to this traffic")
	}
	namespaces := make([]corev1.Namespace, 0, len(s.Namespaces))
	for _, ns := range s.Namespaces {
		namespaces = append(namespaces, *ns)
	}
	sort.Slice(namespaces, func(i, j int) bool { return namespaces[i].Name < namespaces[j].Name })
	// Offline, namespaces the files do not declare are synthesised with only their
	// name label: a selector on any other label would look unmatched for lack of input.
	checkNamespaces := len(namespaces) > 0 && (s.Source.Has(source.KindNamespace))
	var findings []diag.Finding
	for _, np := range relevant {
		fs, err := policy.NamedPorts(np, s.To.Pods, namespaces)
		if err != nil {
			return engine.Result{Fatal: err}
		}
		findings = append(findings, fs...)
		if checkNamespaces {
			fs, err := policy.NamespaceSelectors(np, namespaces)
			if err != nil {
				return engine.Result{Fatal: err}
			}
			findings = append(findings, fs...)
		}
		findings = append(findings, policy.AndOr(np)...)
	}
	return engine.Found(fmt.Sprintf("%d polic%s checked", len(relevant), map[bool]string{true: "y", false: "ies"}[len(relevant) == 1]), findings...)
}

// dedupe drops repeated policies from list, in place, and sorts the rest by
// namespace/name.
func dedupe(list []*networkingv1.NetworkPolicy) []*networkingv1.NetworkPolicy {
	seen := map[string]bool{}
	out := list[:0]
	for _, np := range list {
		key := np.Namespace + "/" + np.Name
		if !seen[key] {
			seen[key] = true
			out = append(out, np)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out
}

package reach

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

// checkPeers resolves FROM and TO. A workload stands for the pods its selector matches
// (as its controller owns them), a Service for its backend pods; finished pods are
// left out, as they send and receive nothing. Either end missing or unreadable stops
// the diagnosis (exit 2): there is nothing to reason about. A Service without pods is
// a diagnosis: traffic to it fails whatever the policies say.
func checkPeers(ctx context.Context, s *State) engine.Result {
	var err error
	if s.From, err = peer.Resolve(ctx, s.Source, s.Options.From); err != nil {
		return engine.Result{Fatal: fmt.Errorf("FROM %w", err)}
	}
	if s.To, err = peer.Resolve(ctx, s.Source, s.Options.To); err != nil {
		return engine.Result{Fatal: fmt.Errorf("TO %w", err)}
	}
	var partial []diag.Finding
	s.Namespaces = map[string]*corev1.Namespace{}
	if nss, err := s.Source.Namespaces(ctx); err != nil {
		// Selectors on kubernetes.io/metadata.name still work (the engine adds the
		// label); a verdict that hinges on other namespace labels may be wrong.
		partial = append(partial, engine.ReadErrorFinding(err))
	} else {
		for i := range nss {
			s.Namespaces[nss[i].Name] = &nss[i]
		}
	}
	detail := fmt.Sprintf("from %s to %s", s.From.Describe(), s.To.Describe())
	if s.To.Service != nil && len(s.To.Pods) == 0 {
		svc := s.To.Service
		for _, sp := range svc.Spec.Ports {
			s.Ports = append(s.Ports, PortCase{Port: sp.Port, Name: sp.Name, Protocol: sp.Protocol})
		}
		f := finding.SelectorMatchesNoPods(svc, s.To.Selector, "running pod", "those labels: traffic to it goes nowhere, whatever the policies say").
			WithFix("see the Service diagnosis for the nearest pods and the differing label").
			WithCommands(fmt.Sprintf("kubectl netdoctor svc %s -n %s", svc.Name, svc.Namespace))
		return engine.Found(detail, append([]diag.Finding{f}, partial...)...)
	}
	return engine.Found(detail, partial...).WithDetails(podNames("FROM", s.From), podNames("TO", s.To))
}

func podNames(role string, r peer.Resolved) string {
	if r.IsIP() {
		return role + ": address " + r.IP.String() + " (outside the cluster)"
	}
	names := make([]string, 0, len(r.Pods))
	for i, p := range r.Pods {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(r.Pods)-5))
			break
		}
		name := p.Name
		if p.Spec.HostNetwork {
			name += " (hostNetwork)"
		}
		names = append(names, name)
	}
	return role + " pods: " + strings.Join(names, ", ")
}

// peers returns r as engine peers: one per pod, or the address.
func (s *State) peers(r peer.Resolved) []netpol.Peer {
	if r.IsIP() {
		return []netpol.Peer{{IP: r.IP.String()}}
	}
	out := make([]netpol.Peer, 0, len(r.Pods))
	for i := range r.Pods {
		p := &r.Pods[i]
		out = append(out, netpol.Peer{Pod: p, Namespace: s.Namespaces[p.Namespace]})
	}
	return out
}

// selectorOf is the selector a suggested policy uses for r's pods: the Service's or
// workload's own selector, or the pod's identity label.
func selectorOf(r peer.Resolved) *metav1.LabelSelector {
	if r.LabelSelector != nil {
		return r.LabelSelector.DeepCopy()
	}
	if len(r.Pods) > 0 {
		return &metav1.LabelSelector{MatchLabels: kube.WorkloadLabels(r.Pods[0].Labels)}
	}
	return nil
}

// podsDesc names r's pods in sentences: "Service shop/payments's pods", "pod shop/web-1".
func podsDesc(r peer.Resolved) string {
	switch r.Kind {
	case peer.KindIP:
		return "address " + r.IP.String()
	case peer.KindPod:
		return "pod " + r.Namespace + "/" + r.Name
	}
	return r.String() + "'s pods"
}

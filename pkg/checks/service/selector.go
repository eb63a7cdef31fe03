package service

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkSelector: a Service's endpoints are the pods its selector matches in its own
// namespace. Terminal pods (Succeeded, Failed) never become endpoints. A Service
// without a selector gets endpoints only from EndpointSlices (or legacy Endpoints,
// mirrored into slices) that someone writes by hand.
func checkSelector(ctx context.Context, s *State) engine.Result {
	svc := s.Service
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		return engine.Skip("ExternalName Services have no endpoints")
	}
	if len(svc.Spec.Selector) == 0 {
		return checkSelectorless(ctx, s)
	}
	selector := labels.SelectorFromSet(svc.Spec.Selector)
	// The namespace's pods are read anyway (near misses, environment variables): select
	// from that one list instead of asking the API server for a labelled list too, so
	// svc stays within its request budget (one list per kind it needs).
	nsPods, err := s.namespacePods(ctx)
	if err != nil {
		return engine.ReadError(err)
	}
	var terminal []string
	for i := range nsPods {
		p := &nsPods[i] // not a copy of every pod of the namespace for every Service
		if !selector.Matches(labels.Set(p.Labels)) {
			continue
		}
		if kube.PodFinished(p) {
			terminal = append(terminal, fmt.Sprintf("%s (%s)", p.Name, p.Status.Phase))
			continue
		}
		s.Pods = append(s.Pods, *p)
	}
	sel := selectorString(svc.Spec.Selector)
	if len(s.Pods) > 0 {
		names := make([]string, 0, len(s.Pods))
		for _, p := range s.Pods {
			names = append(names, p.Name)
		}
		return engine.Pass("selector %s matches %d pod(s)", sel, len(s.Pods)).WithDetails(names...)
	}
	return noPodsMatch(ctx, s, sel, terminal)
}

func noPodsMatch(ctx context.Context, s *State, sel string, terminal []string) engine.Result {
	f := finding.SelectorMatchesNoPods(s.Service, sel, "pod", pluralLabels(s.Service.Spec.Selector)).
		WithCommands(fmt.Sprintf("kubectl get pods -n %s --show-labels", s.Namespace),
			fmt.Sprintf("kubectl get service %s -n %s -o jsonpath='{.spec.selector}'", s.Name, s.Namespace))
	if len(terminal) > 0 {
		f = f.WithEvidence("only finished pods match (they never receive traffic): " + strings.Join(terminal, ", "))
	}
	var partial []diag.Finding
	selector := labels.SelectorFromSet(s.Service.Spec.Selector)
	idle, err := finding.IdleWorkloads(ctx, sharedReads{s.Source, s}, s.Namespace, selector)
	if err != nil {
		partial = append(partial, engine.ReadErrorFinding(err))
	}
	f = finding.ExplainIdle(f, idle, s.Namespace)
	nsPods, err := s.namespacePods(ctx)
	if err != nil {
		partial = append(partial, engine.ReadErrorFinding(err))
	} else {
		misses := finding.NearMisses(s.Service.Spec.Selector, nsPods)
		for i, m := range misses {
			if i == 0 && len(idle) == 0 {
				f.Message += fmt.Sprintf(" (nearest: %s)", m.Describe())
			}
			f = f.WithEvidence("near miss: " + m.Describe() + ", selector wants " + m.Key + "=" + m.Want)
		}
		switch {
		case len(idle) > 0:
		case len(misses) > 0:
			m := misses[0]
			f = f.WithFix("make the Service selector and the pod template labels agree: either set the Service selector %s=%s, or label the pods %s=%s in their workload's pod template",
				orDefault(m.SameValueKey, m.Key), orDefault(m.Have, m.Want), m.Key, m.Want)
		default:
			f = f.WithEvidence(fmt.Sprintf("namespace %s has %d pod(s); none matches all labels but one", s.Namespace, len(nsPods)))
		}
	}
	if f.Fix == "" {
		f = f.WithFix("set the Service selector to the labels of the pods that should serve it (see the pod template of their Deployment/StatefulSet)")
	}
	elsewhere, err := source.List[corev1.Pod](ctx, s.Source, source.AllNamespaces, selector)
	if err != nil {
		partial = append(partial, engine.ReadErrorFinding(err))
	} else {
		byNamespace := map[string]int{}
		var order []string
		for _, p := range elsewhere {
			if p.Namespace == s.Namespace {
				continue
			}
			if byNamespace[p.Namespace] == 0 {
				order = append(order, p.Namespace)
			}
			byNamespace[p.Namespace]++
		}
		for _, ns := range order {
			f = f.WithEvidence(fmt.Sprintf("%d pod(s) with these labels run in namespace %s: a Service only selects pods in its own namespace", byNamespace[ns], ns))
		}
	}
	return engine.Found("selector "+sel+" matches no pod", append([]diag.Finding{f}, partial...)...)
}

func pluralLabels(selector map[string]string) string {
	if len(selector) == 1 {
		return "that label"
	}
	return "all these labels"
}

// checkSelectorless: without a selector nothing writes endpoints for the Service; they
// must come from manually managed EndpointSlices or an Endpoints object (which the
// mirroring controller copies into slices).
func checkSelectorless(ctx context.Context, s *State) engine.Result {
	slices, err := source.EndpointSlicesOf(ctx, s.Source, s.Namespace, s.Name)
	if err != nil {
		return engine.ReadError(err)
	}
	s.Slices = slices
	if n := countSliceAddresses(slices); n > 0 {
		return engine.Pass("no selector; %d address(es) in %d manually managed EndpointSlice(s)", n, len(slices))
	}
	evidence := fmt.Sprintf("%d EndpointSlice(s) labelled %s=%s, with no addresses", len(slices), discoveryv1.LabelServiceName, s.Name)
	ep, err := source.Get[corev1.Endpoints](ctx, s.Source, s.Namespace, s.Name)
	switch {
	case err == nil && countEndpointsAddresses(ep) > 0:
		return engine.Pass("no selector; %d address(es) in Endpoints %s (mirrored into EndpointSlices)", countEndpointsAddresses(ep), s.Name)
	case err != nil && !source.IsNotFound(err):
		if !s.Source.Has(source.KindEndpoints) {
			break
		}
		return engine.ReadError(err)
	}
	if !s.Source.Has(source.KindEndpointSlice) && !s.Source.Has(source.KindEndpoints) {
		return engine.Skip("no selector, and the input holds no EndpointSlices or Endpoints to check")
	}
	f := diag.New(diag.SelectorlessServiceNoEndpoints, s.Ref(),
		"Service %s/%s has no selector and no endpoints: nothing receives its traffic", s.Namespace, s.Name).
		WithEvidence(evidence, "no Endpoints object with addresses either").
		WithFix("add a selector matching the backend pods, or create an EndpointSlice labelled %s=%s with the backend addresses and ports", discoveryv1.LabelServiceName, s.Name).
		WithCommands(fmt.Sprintf("kubectl get endpointslices -n %s -l %s=%s", s.Namespace, discoveryv1.LabelServiceName, s.Name))
	return engine.Found("no selector and no endpoints", f)
}

func countSliceAddresses(slices []discoveryv1.EndpointSlice) int {
	n := 0
	for _, sl := range slices {
		for _, ep := range sl.Endpoints {
			n += len(ep.Addresses)
		}
	}
	return n
}

func countEndpointsAddresses(ep *corev1.Endpoints) int {
	n := 0
	for _, ss := range ep.Subsets {
		n += len(ss.Addresses) + len(ss.NotReadyAddresses)
	}
	return n
}

// selectorString renders a Service selector as kubectl's -l takes it.
func selectorString(selector map[string]string) string {
	parts := make([]string, 0, len(selector))
	for _, k := range sortedKeysOf(selector) {
		parts = append(parts, k+"="+selector[k])
	}
	return strings.Join(parts, ",")
}

package service

import (
	"context"
	"fmt"
	"sort"

	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// ControllerName is the managed-by value of slices that kube-controller-manager writes.
const ControllerName = "endpointslice-controller.k8s.io"

// publishedEndpoint is one address as the slices publish it.
type publishedEndpoint struct {
	ready   bool
	pod     string
	ports   string
	address string
}

// checkEndpointSlices compares the EndpointSlices kube-proxy reads with what the
// controller would write for the pods that exist now. Any difference means the
// controller is lagging, broken, or fighting another writer: kube-proxy routes by the
// slices, not by the pods, so ready pods missing from them get no traffic and stale
// addresses get traffic that goes nowhere.
func checkEndpointSlices(ctx context.Context, s *State) engine.Result {
	if len(s.Service.Spec.Selector) == 0 {
		return engine.Skip("no selector: slices are managed by hand")
	}
	if !s.Source.Has(source.KindEndpointSlice) {
		return engine.Skip("the input holds no EndpointSlices to compare")
	}
	slices, err := source.EndpointSlicesOf(ctx, s.Source, s.Namespace, s.Name)
	if err != nil {
		return engine.ReadError(err)
	}
	s.Slices = slices
	published := map[string]publishedEndpoint{}
	for _, sl := range slices {
		if m := sl.Labels[discoveryv1.LabelManagedBy]; m != "" && m != ControllerName {
			continue // another controller's slices (e.g. mirroring) are theirs to keep
		}
		if sl.AddressType == discoveryv1.AddressTypeFQDN {
			continue
		}
		for _, ep := range sl.Endpoints {
			pod := ""
			if ep.TargetRef != nil && ep.TargetRef.Kind == "Pod" {
				pod = ep.TargetRef.Name
			}
			for _, addr := range ep.Addresses {
				published[addr] = publishedEndpoint{ready: ep.Conditions.Ready == nil || *ep.Conditions.Ready,
					pod: pod, ports: PortKey(sl.Ports), address: addr}
			}
		}
	}

	var problems []string
	readyCount := 0
	expected := map[string]bool{}
	for _, e := range ExpectedEndpoints(s.Service, s.Pods) {
		for _, addrs := range e.Addresses {
			for _, addr := range addrs {
				expected[addr] = true
				got, ok := published[addr]
				if e.Ready {
					readyCount++
				}
				switch {
				case !ok && e.Ready:
					problems = append(problems, fmt.Sprintf("ready pod %s (%s) is missing from the EndpointSlices", e.Pod.Name, addr))
				case !ok:
				case e.Ready && !got.ready:
					problems = append(problems, fmt.Sprintf("pod %s (%s) is Ready but published as not ready", e.Pod.Name, addr))
				case !e.Ready && got.ready:
					problems = append(problems, fmt.Sprintf("pod %s (%s) is not Ready but published as ready: it gets traffic it cannot serve", e.Pod.Name, addr))
				case got.ports != PortKey(e.Ports):
					problems = append(problems, fmt.Sprintf("pod %s (%s) is published with ports %s, expected %s", e.Pod.Name, addr, got.ports, PortKey(e.Ports)))
				}
			}
		}
	}
	for _, addr := range sortedAddresses(published) {
		if expected[addr] {
			continue
		}
		got := published[addr]
		who := "no current pod"
		if got.pod != "" {
			who = "pod " + got.pod + ", which is gone, changed IP or no longer matches the selector"
		}
		if got.ready {
			problems = append(problems, fmt.Sprintf("stale address %s (%s) is published as ready", addr, who))
		}
	}
	detail := fmt.Sprintf("%d ready address(es) expected, %d EndpointSlice(s) published", readyCount, len(slices))
	if len(problems) == 0 {
		return engine.Pass("%s", detail)
	}
	f := diag.New(diag.EndpointSlicesOutOfSync, s.Ref(), "EndpointSlices of Service %s/%s disagree with its pods (%s)",
		s.Namespace, s.Name, problems[0]).
		WithEvidence(diag.Limit(problems, 8, diag.MoreLines)...).
		WithFix("the EndpointSlice controller in kube-controller-manager is lagging or not running: check its health and logs; deleting the stale slices makes it rebuild them").
		WithCommands(fmt.Sprintf("kubectl get endpointslices -n %s -l %s=%s -o wide", s.Namespace, discoveryv1.LabelServiceName, s.Name),
			"kubectl get pods -n kube-system -l component=kube-controller-manager")
	if len(slices) == 0 {
		f.Message = fmt.Sprintf("Service %s/%s has %d ready pod(s) but no EndpointSlices at all", s.Namespace, s.Name, len(s.Ready))
	}
	return engine.Found(detail, f).WithDetails(diag.Limit(problems, 8, diag.MoreLines)...)
}

func sortedAddresses(m map[string]publishedEndpoint) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

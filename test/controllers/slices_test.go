package controllers

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
)

// assertSlicesAsExpected compares, for every Service of the namespace, the
// EndpointSlices the real controller wrote with both of netdoctor's models of it,
// written apart so that one cannot hide a mistake of the other: fixture.EndpointSlicesFor,
// which every in-memory test runs on, and service.ExpectedEndpoints, which
// EndpointSlicesOutOfSync judges by.
func assertSlicesAsExpected(t *testing.T, ns string) {
	t.Helper()
	var (
		services corev1.ServiceList
		pods     corev1.PodList
		live     discoveryv1.EndpointSliceList
	)
	for _, list := range []client.ObjectList{&services, &pods, &live} {
		if err := k8sClient.List(t.Context(), list, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
	}
	for _, svc := range services.Items {
		var written []discoveryv1.EndpointSlice
		for _, s := range live.Items {
			if s.Labels[discoveryv1.LabelServiceName] == svc.Name {
				written = append(written, s)
			}
		}
		got, want := sliceContents(written), sliceContents(fixture.EndpointSlicesFor(&svc, pods.Items))
		if !slices.Equal(got, want) {
			t.Errorf("Service %s: the EndpointSlice controller wrote\n  %s\nthe fixture model expects\n  %s",
				svc.Name, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		if len(svc.Spec.Selector) == 0 || svc.Spec.Type == corev1.ServiceTypeExternalName {
			continue // slices the controller does not write, so nothing the check expects
		}
		// ExpectedEndpoints speaks of endpoints only: not of placeholders, labels or hostnames.
		gotEndpoints := slices.DeleteFunc(got, func(line string) bool {
			return strings.HasSuffix(line, " no endpoints") || strings.HasPrefix(line, "managed-by ") ||
				strings.HasPrefix(line, "labels ") || strings.HasPrefix(line, "hostname ")
		})
		if expected := expectedContents(&svc, pods.Items); !slices.Equal(gotEndpoints, expected) {
			t.Errorf("Service %s: the EndpointSlice controller wrote\n  %s\nEndpointSlicesOutOfSync expects\n  %s",
				svc.Name, strings.Join(gotEndpoints, "\n  "), strings.Join(expected, "\n  "))
		}
	}
}

// expectedContents renders, as sliceContents does, the endpoints service.ExpectedEndpoints
// predicts for the Service's pods.
func expectedContents(svc *corev1.Service, pods []corev1.Pod) []string {
	selector := labels.SelectorFromSet(svc.Spec.Selector)
	var selected []corev1.Pod
	for _, p := range pods {
		if selector.Matches(labels.Set(p.Labels)) {
			selected = append(selected, p)
		}
	}
	lines := []string{}
	for _, e := range service.ExpectedEndpoints(svc, selected) {
		for _, addressType := range []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6} {
			if len(e.Addresses[addressType]) == 0 {
				continue
			}
			ep := discoveryv1.Endpoint{
				Addresses:  e.Addresses[addressType],
				Conditions: discoveryv1.EndpointConditions{Ready: &e.Ready, Serving: &e.Serving, Terminating: &e.Terminating},
				NodeName:   &e.Pod.Spec.NodeName,
				TargetRef:  &corev1.ObjectReference{Kind: "Pod", Name: e.Pod.Name},
			}
			lines = append(lines, endpointLine(addressType, e.Ports, ep))
		}
	}
	slices.Sort(lines)
	return lines
}

// sliceContents renders what matters of slices, sorted: per slice its labels, per
// endpoint the address type and ports of its slice, the endpoint's address,
// conditions, node and pod, and its hostname if any. Slice names and the split into
// slices are the controller's business.
func sliceContents(list []discoveryv1.EndpointSlice) []string {
	lines := []string{}
	for _, s := range list {
		if s.Labels[discoveryv1.LabelManagedBy] != "endpointslice-controller.k8s.io" {
			lines = append(lines, "managed-by "+s.Labels[discoveryv1.LabelManagedBy])
		}
		if label := fmt.Sprintf("labels %s %v", s.AddressType, s.Labels); !slices.Contains(lines, label) {
			lines = append(lines, label) // once, however many slices carry them
		}
		for _, ep := range s.Endpoints {
			lines = append(lines, endpointLine(s.AddressType, s.Ports, ep))
			if ep.Hostname != nil {
				lines = append(lines, fmt.Sprintf("hostname %s %s", ep.TargetRef.Name, *ep.Hostname))
			}
		}
		if len(s.Endpoints) == 0 {
			lines = append(lines, fmt.Sprintf("%s %s no endpoints", s.AddressType, portsText(s.Ports)))
		}
	}
	slices.Sort(lines)
	return lines
}

// endpointLine is one endpoint of a slice of addressType with ports.
func endpointLine(addressType discoveryv1.AddressType, ports []discoveryv1.EndpointPort, ep discoveryv1.Endpoint) string {
	target := ""
	if ep.TargetRef != nil {
		target = ep.TargetRef.Kind + "/" + ep.TargetRef.Name
	}
	return fmt.Sprintf("%s %s %s ready=%v serving=%v terminating=%v node=%s %s",
		addressType, portsText(ports), strings.Join(ep.Addresses, ","),
		deref(ep.Conditions.Ready), deref(ep.Conditions.Serving), deref(ep.Conditions.Terminating),
		deref(ep.NodeName), target)
}

// portsText is a slice's ports, sorted: "[name:port/protocol ...]".
func portsText(ports []discoveryv1.EndpointPort) string {
	parts := []string{}
	for _, p := range ports {
		parts = append(parts, fmt.Sprintf("%s:%d/%s", deref(p.Name), deref(p.Port), deref(p.Protocol)))
	}
	slices.Sort(parts)
	return "[" + strings.Join(parts, " ") + "]"
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

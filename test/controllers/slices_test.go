package controllers

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
)

// assertSlicesAsExpected compares, for every Service of the namespace, the
// EndpointSlices the real controller wrote with the ones netdoctor's model of it
// (fixture.EndpointSlicesFor, built on service.ExpectedEndpoints) predicts: the model
// is what EndpointSlicesOutOfSync judges by and what every in-memory test runs on.
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
			t.Errorf("Service %s: the EndpointSlice controller wrote\n  %s\nnetdoctor expects\n  %s",
				svc.Name, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
}

// sliceContents renders what matters of slices, one line per endpoint, sorted: the
// address type and ports of its slice, and the endpoint's address, conditions, node
// and pod. Slice names and the split into slices are the controller's business.
func sliceContents(list []discoveryv1.EndpointSlice) []string {
	lines := []string{}
	for _, s := range list {
		if s.Labels[discoveryv1.LabelManagedBy] != "endpointslice-controller.k8s.io" {
			lines = append(lines, "managed-by "+s.Labels[discoveryv1.LabelManagedBy])
		}
		ports := []string{}
		for _, p := range s.Ports {
			ports = append(ports, fmt.Sprintf("%s:%d/%s", deref(p.Name), deref(p.Port), deref(p.Protocol)))
		}
		slices.Sort(ports)
		for _, ep := range s.Endpoints {
			target := ""
			if ep.TargetRef != nil {
				target = ep.TargetRef.Kind + "/" + ep.TargetRef.Name
			}
			lines = append(lines, fmt.Sprintf("%s [%s] %s ready=%v serving=%v terminating=%v node=%s %s",
				s.AddressType, strings.Join(ports, " "), strings.Join(ep.Addresses, ","),
				deref(ep.Conditions.Ready), deref(ep.Conditions.Serving), deref(ep.Conditions.Terminating),
				deref(ep.NodeName), target))
		}
		if len(s.Endpoints) == 0 {
			lines = append(lines, fmt.Sprintf("%s [%s] no endpoints", s.AddressType, strings.Join(ports, " ")))
		}
	}
	slices.Sort(lines)
	return lines
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

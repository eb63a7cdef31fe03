package main

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// endpointsFor is the v1 Endpoints the Endpoints controller keeps beside svc's
// EndpointSlices: one subset per port set, ready addresses apart from not-ready ones,
// terminating endpoints left out. Tools that still read Endpoints (Popeye, older
// ingress controllers) see on the estate what they would see on a cluster.
func endpointsFor(svc *corev1.Service, all []discoveryv1.EndpointSlice) (corev1.Endpoints, bool) {
	if len(svc.Spec.Selector) == 0 {
		return corev1.Endpoints{}, false
	}
	ep := corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace, Labels: svc.Labels}}
	byPorts := map[string]int{}
	for _, s := range all {
		if s.Labels[discoveryv1.LabelServiceName] != svc.Name {
			continue
		}
		var ports []corev1.EndpointPort
		var keys []string
		for _, p := range s.Ports {
			port := corev1.EndpointPort{Name: ptr.Deref(p.Name, ""), Port: ptr.Deref(p.Port, 0), Protocol: ptr.Deref(p.Protocol, corev1.ProtocolTCP), AppProtocol: p.AppProtocol}
			ports = append(ports, port)
			keys = append(keys, fmt.Sprintf("%s/%s/%d", port.Name, port.Protocol, port.Port))
		}
		key := strings.Join(keys, ",")
		i, ok := byPorts[key]
		if !ok {
			i = len(ep.Subsets)
			byPorts[key] = i
			ep.Subsets = append(ep.Subsets, corev1.EndpointSubset{Ports: ports})
		}
		for _, e := range s.Endpoints {
			if ptr.Deref(e.Conditions.Terminating, false) {
				continue
			}
			for _, ip := range e.Addresses {
				addr := corev1.EndpointAddress{IP: ip, NodeName: e.NodeName, Hostname: ptr.Deref(e.Hostname, ""), TargetRef: e.TargetRef}
				// An unset ready condition means ready (discovery/v1).
				if ptr.Deref(e.Conditions.Ready, true) {
					ep.Subsets[i].Addresses = append(ep.Subsets[i].Addresses, addr)
				} else {
					ep.Subsets[i].NotReadyAddresses = append(ep.Subsets[i].NotReadyAddresses, addr)
				}
			}
		}
	}
	ep.Subsets = slices.DeleteFunc(ep.Subsets, func(s corev1.EndpointSubset) bool {
		return len(s.Addresses) == 0 && len(s.NotReadyAddresses) == 0
	})
	return ep, true
}

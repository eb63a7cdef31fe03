package service

import (
	"fmt"
	"net"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// ExpectedEndpoint is what the EndpointSlice controller publishes for one pod of a
// Service: the same rules, restated so that netdoctor can tell when the slices in the
// cluster have fallen behind the pods.
type ExpectedEndpoint struct {
	Pod       *corev1.Pod
	Addresses map[discoveryv1.AddressType][]string
	// Ready is what kube-proxy routes new connections by: the pod is Ready and not
	// terminating, or the Service publishes not-ready addresses.
	Ready       bool
	Serving     bool
	Terminating bool
	// Ports are the Service ports that resolve on this pod; a named port the pod does
	// not declare is absent, so slices group pods by their resolved port set.
	Ports []discoveryv1.EndpointPort
}

// ExpectedEndpoints applies the controller's rules to the selected pods: terminal pods
// and pods without an IP are left out; terminating pods stay, not ready; ports resolve
// per pod. Pods are taken as given (already selected).
func ExpectedEndpoints(svc *corev1.Service, pods []corev1.Pod) []ExpectedEndpoint {
	families := AddressTypes(svc, pods)
	var out []ExpectedEndpoint
	for i := range pods {
		pod := &pods[i]
		if kube.PodFinished(pod) {
			continue
		}
		ips := podIPs(pod)
		if len(ips) == 0 && !source.IsSynthetic(pod) {
			// A pod without an address is not published. Pods that -f made from a
			// workload's template have none either, but stand for pods that will:
			// they are kept, with no addresses, so counts of ready backends see them.
			continue
		}
		serving := kube.PodReady(pod)
		terminating := kube.PodTerminating(pod)
		e := ExpectedEndpoint{
			Pod:         pod,
			Addresses:   map[discoveryv1.AddressType][]string{},
			Ready:       svc.Spec.PublishNotReadyAddresses || (serving && !terminating),
			Serving:     serving,
			Terminating: terminating,
			Ports:       endpointPorts(svc, pod),
		}
		for _, ip := range ips {
			t := addressTypeOf(ip)
			if families[t] {
				e.Addresses[t] = append(e.Addresses[t], ip)
			}
		}
		out = append(out, e)
	}
	return out
}

func endpointPorts(svc *corev1.Service, pod *corev1.Pod) []discoveryv1.EndpointPort {
	ports := []discoveryv1.EndpointPort{}
	for _, sp := range svc.Spec.Ports {
		port, ok := kube.ResolveTargetPort(pod, sp)
		if !ok {
			continue
		}
		name, protocol := sp.Name, kube.ProtocolOrTCP(sp.Protocol)
		ports = append(ports, discoveryv1.EndpointPort{Name: &name, Port: &port, Protocol: &protocol, AppProtocol: sp.AppProtocol})
	}
	return ports
}

// AddressTypes are the slice address types a Service gets: one per IP family it has;
// with no families recorded (offline manifests), the families its pods have.
func AddressTypes(svc *corev1.Service, pods []corev1.Pod) map[discoveryv1.AddressType]bool {
	types := map[discoveryv1.AddressType]bool{}
	for _, f := range svc.Spec.IPFamilies {
		if f == corev1.IPv6Protocol {
			types[discoveryv1.AddressTypeIPv6] = true
		} else {
			types[discoveryv1.AddressTypeIPv4] = true
		}
	}
	if len(types) > 0 {
		return types
	}
	for i := range pods {
		for _, ip := range podIPs(&pods[i]) {
			types[addressTypeOf(ip)] = true
		}
	}
	if len(types) == 0 {
		types[discoveryv1.AddressTypeIPv4] = true
	}
	return types
}

func podIPs(pod *corev1.Pod) []string {
	var ips []string
	for _, ip := range pod.Status.PodIPs {
		if ip.IP != "" {
			ips = append(ips, ip.IP)
		}
	}
	if len(ips) == 0 && pod.Status.PodIP != "" {
		ips = append(ips, pod.Status.PodIP)
	}
	return ips
}

func addressTypeOf(ip string) discoveryv1.AddressType {
	if parsed := net.ParseIP(ip); parsed != nil && parsed.To4() == nil {
		return discoveryv1.AddressTypeIPv6
	}
	return discoveryv1.AddressTypeIPv4
}

// PortKey is a canonical rendering of a port set, comparable between expectation and slice.
func PortKey(ports []discoveryv1.EndpointPort) string {
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		name, port, protocol := "", int32(0), corev1.ProtocolTCP
		if p.Name != nil {
			name = *p.Name
		}
		if p.Port != nil {
			port = *p.Port
		}
		if p.Protocol != nil {
			protocol = *p.Protocol
		}
		parts = append(parts, fmt.Sprintf("%s:%d/%s", name, port, protocol))
	}
	sort.Strings(parts)
	return "[" + strings.Join(parts, " ") + "]"
}

package kube

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// DeclaredPort is a port a pod's container declares.
type DeclaredPort struct {
	Container string
	Name      string
	Port      int32
	Protocol  corev1.Protocol
}

func (d DeclaredPort) String() string {
	if d.Name == "" {
		return fmt.Sprintf("%d/%s (%s)", d.Port, d.Protocol, d.Container)
	}
	return fmt.Sprintf("%s %d/%s (%s)", d.Name, d.Port, d.Protocol, d.Container)
}

// DeclaredPorts lists the ports a pod exposes to Services and policies: those of its
// containers and of its sidecars (init containers with restartPolicy Always), which the
// EndpointSlice controller also searches for named ports. Ordinary init containers run
// to completion and serve nothing. The protocol is defaulted to TCP, as the API does.
func DeclaredPorts(pod *corev1.Pod) []DeclaredPort {
	if pod == nil {
		return nil
	}
	var out []DeclaredPort
	add := func(c corev1.Container) {
		for _, p := range c.Ports {
			out = append(out, DeclaredPort{Container: c.Name, Name: p.Name, Port: p.ContainerPort, Protocol: ProtocolOrTCP(p.Protocol)})
		}
	}
	for _, c := range pod.Spec.Containers {
		add(c)
	}
	for _, c := range pod.Spec.InitContainers {
		if IsSidecar(c) {
			add(c)
		}
	}
	return out
}

// ProtocolOrTCP is p with the API's default: a port without a protocol is TCP.
func ProtocolOrTCP(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// NamedPort returns the number of the first port called name that the pod declares for
// protocol (empty means TCP), in DeclaredPorts order.
func NamedPort(pod *corev1.Pod, name string, protocol corev1.Protocol) (int32, bool) {
	if name == "" {
		return 0, false
	}
	protocol = ProtocolOrTCP(protocol)
	for _, d := range DeclaredPorts(pod) {
		if d.Name == name && d.Protocol == protocol {
			return d.Port, true
		}
	}
	return 0, false
}

// ResolveTargetPort returns the pod port that Service port sp forwards to, with the rule
// the EndpointSlice controller applies: a number is used as is, whether or not a
// container declares it (none means the Service port); a name must be declared by a
// container (or sidecar) of the pod with the same protocol as the Service port, else
// the pod is left out of that port.
func ResolveTargetPort(pod *corev1.Pod, sp corev1.ServicePort) (int32, bool) {
	if sp.TargetPort.Type == intstr.Int {
		if sp.TargetPort.IntVal == 0 {
			return sp.Port, true
		}
		return sp.TargetPort.IntVal, true
	}
	if sp.TargetPort.StrVal == "" {
		return sp.Port, true
	}
	return NamedPort(pod, sp.TargetPort.StrVal, sp.Protocol)
}

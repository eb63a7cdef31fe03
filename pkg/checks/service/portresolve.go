package service

import (
	"fmt"
	"strings"

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

// DeclaredPorts lists the ports a pod exposes to Services: those of its containers and
// of its sidecars (init containers with restartPolicy Always), which the EndpointSlice
// controller also searches for named ports. Ordinary init containers are not searched.
func DeclaredPorts(pod *corev1.Pod) []DeclaredPort {
	var out []DeclaredPort
	add := func(c corev1.Container) {
		for _, p := range c.Ports {
			out = append(out, DeclaredPort{Container: c.Name, Name: p.Name, Port: p.ContainerPort, Protocol: protocolOrTCP(p.Protocol)})
		}
	}
	for _, c := range pod.Spec.Containers {
		add(c)
	}
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			add(c)
		}
	}
	return out
}

func protocolOrTCP(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// ResolveTargetPort returns the pod port that Service port sp forwards to, with the rule
// the EndpointSlice controller applies: a number is used as is, whether or not a
// container declares it; a name must be declared by a container (or sidecar) of the pod
// with the same protocol as the Service port, else the pod is left out of that port.
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
	for _, d := range DeclaredPorts(pod) {
		if d.Name == sp.TargetPort.StrVal && d.Protocol == protocolOrTCP(sp.Protocol) {
			return d.Port, true
		}
	}
	return 0, false
}

// portList renders declared ports for evidence.
func portList(ports []DeclaredPort) string {
	if len(ports) == 0 {
		return "no ports"
	}
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		parts = append(parts, p.String())
	}
	return strings.Join(parts, ", ")
}

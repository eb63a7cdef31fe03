package reach

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

// PortCase is one port FROM connects to, with where it lands on each TO pod.
type PortCase struct {
	// Port, Name and Protocol are what the client connects to: the Service port, the
	// container port, or --port for an address.
	Port     int32
	Name     string
	Protocol corev1.Protocol
	// ServicePort is set for a Service TO.
	ServicePort *corev1.ServicePort
	// Targets are the destinations with the pod port the traffic reaches there.
	Targets []Target
	// Missing names the TO pods the port does not reach (a named port they lack).
	Missing []string
}

// Target is one destination of a port.
type Target struct {
	Dst netpol.Peer
	// Port is the destination pod port; PortName is also set when it was given by
	// name (--port NAME, or a named targetPort), which the engine resolves per pod.
	Port     int32
	PortName string
}

// Label renders the port for humans: "80/TCP (http)".
func (pc PortCase) Label() string {
	s := fmt.Sprintf("%d/%s", pc.Port, pc.Protocol)
	if pc.Port == 0 {
		s = fmt.Sprintf("%s/%s", pc.Name, pc.Protocol)
	} else if pc.Name != "" {
		s += " (" + pc.Name + ")"
	}
	return s
}

// targetPorts renders the distinct pod ports of the targets: "8080", "8080, 9090".
func (pc PortCase) targetPorts() string {
	seen := map[string]bool{}
	var out []string
	for _, t := range pc.Targets {
		p := strconv.Itoa(int(t.Port))
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// translated reports whether some target port differs from the port the client uses.
func (pc PortCase) translated() bool {
	for _, t := range pc.Targets {
		if t.Port != pc.Port {
			return true
		}
	}
	return false
}

// describe is the port in a finding message, with the pod port a Service port
// becomes: "80/TCP (http, pod port 8080)".
func (pc PortCase) describe() string {
	if pc.ServicePort == nil || !pc.translated() {
		return pc.Label()
	}
	s := fmt.Sprintf("%d/%s (", pc.Port, pc.Protocol)
	if pc.Name != "" {
		s += pc.Name + ", "
	}
	return s + "pod port " + pc.targetPorts() + ")"
}

// checkPorts decides which ports to check and where each lands. For a Service, every
// Service port (or the one --port names) is translated to its targetPort per backend
// pod, because NetworkPolicy matches the pod port after the Service is translated; a
// named targetPort resolves per pod, and pods that do not declare it are no backend of
// that port. For pods, --port or else every declared container port. A port TO does
// not have is bad input (exit 2), not a denial.
func checkPorts(_ context.Context, s *State) engine.Result {
	var err error
	switch {
	case s.To.IsIP():
		err = s.ipPorts()
	case s.To.Service != nil:
		err = s.servicePorts()
	default:
		err = s.podPorts()
	}
	if err != nil {
		return engine.Result{Fatal: err}
	}
	var findings []diag.Finding
	var details []string
	for _, pc := range s.Ports {
		line := pc.Label()
		if pc.ServicePort != nil {
			line += " → targetPort " + pc.ServicePort.TargetPort.String()
			if pc.ServicePort.TargetPort.Type == intstr.String && len(pc.Targets) > 0 {
				line += " = " + pc.targetPorts()
			}
		}
		line += fmt.Sprintf(" on %d destination(s)", len(pc.Targets))
		details = append(details, line)
		if len(pc.Missing) > 0 && pc.ServicePort != nil {
			findings = append(findings, s.targetPortNotFound(pc))
		}
	}
	labels := make([]string, 0, len(s.Ports))
	for _, pc := range s.Ports {
		labels = append(labels, pc.Label())
	}
	return engine.Found(strings.Join(labels, ", "), findings...).WithDetails(details...)
}

func (s *State) ipPorts() error {
	if s.Options.Port == "" {
		return fmt.Errorf("TO %s is an address: give the port with --port NUMBER", s.To.Arg())
	}
	n, err := strconv.Atoi(s.Options.Port)
	if err != nil {
		return fmt.Errorf("TO %s is an address, which has no named ports: give --port as a number", s.To.Arg())
	}
	pc := PortCase{Port: int32(n), Protocol: protocolOr(s.Options.Protocol, corev1.ProtocolTCP)}
	pc.Targets = []Target{{Dst: netpol.Peer{IP: s.To.IP.String()}, Port: int32(n)}}
	s.Ports = []PortCase{pc}
	return nil
}

func protocolOr(p, def corev1.Protocol) corev1.Protocol {
	if p == "" {
		return def
	}
	return p
}

func (s *State) servicePorts() error {
	svc := s.To.Service
	if len(svc.Spec.Ports) == 0 {
		return fmt.Errorf("Service %s/%s has no ports (headless without ports): name a pod as TO with --port", svc.Namespace, svc.Name)
	}
	var available []string
	for i := range svc.Spec.Ports {
		sp := svc.Spec.Ports[i]
		available = append(available, servicePortString(sp))
		if s.Options.Port != "" && s.Options.Port != sp.Name && s.Options.Port != strconv.Itoa(int(sp.Port)) {
			continue
		}
		if s.Options.Protocol != "" && sp.Protocol != s.Options.Protocol {
			continue
		}
		pc := PortCase{Port: sp.Port, Name: sp.Name, Protocol: sp.Protocol, ServicePort: &svc.Spec.Ports[i]}
		dsts := s.peers(s.To)
		for j := range s.To.Pods {
			pod := &s.To.Pods[j]
			port, ok := kube.ResolveTargetPort(pod, sp)
			if !ok {
				pc.Missing = append(pc.Missing, finding.PodDisplayName(pod))
				continue
			}
			t := Target{Dst: dsts[j], Port: port}
			if sp.TargetPort.Type == intstr.String {
				// Keep the name: a suggested rule then survives a change of number.
				t.PortName = sp.TargetPort.StrVal
			}
			pc.Targets = append(pc.Targets, t)
		}
		s.Ports = append(s.Ports, pc)
	}
	if len(s.Ports) == 0 {
		what := "port " + s.Options.Port
		if s.Options.Port == "" {
			what = "port"
		}
		if s.Options.Protocol != "" {
			what += " with protocol " + string(s.Options.Protocol)
		}
		return fmt.Errorf("Service %s/%s has no %s; its ports: %s", svc.Namespace, svc.Name, what, strings.Join(available, ", "))
	}
	return nil
}

func servicePortString(sp corev1.ServicePort) string {
	s := fmt.Sprintf("%d/%s", sp.Port, sp.Protocol)
	if sp.Name != "" {
		s = sp.Name + " " + s
	}
	return s + " → " + sp.TargetPort.String()
}

func (s *State) podPorts() error {
	dsts := s.peers(s.To)
	proto := s.Options.Protocol
	if s.Options.Port != "" {
		if n, err := strconv.Atoi(s.Options.Port); err == nil {
			pc := PortCase{Port: int32(n), Protocol: protocolOr(proto, corev1.ProtocolTCP)}
			for j := range dsts {
				pc.Targets = append(pc.Targets, Target{Dst: dsts[j], Port: int32(n)})
			}
			s.Ports = []PortCase{pc}
			return nil
		}
		return s.namedPodPort(dsts)
	}
	// Every port the pods declare, in order of first appearance.
	type key struct {
		port  int32
		proto corev1.Protocol
	}
	cases := map[key]*PortCase{}
	var order []key
	for j := range s.To.Pods {
		for _, d := range kube.DeclaredPorts(&s.To.Pods[j]) {
			if proto != "" && d.Protocol != proto {
				continue
			}
			k := key{d.Port, d.Protocol}
			pc, ok := cases[k]
			if !ok {
				pc = &PortCase{Port: d.Port, Name: d.Name, Protocol: d.Protocol}
				cases[k] = pc
				order = append(order, k)
			}
			if len(pc.Targets) == 0 || pc.Targets[len(pc.Targets)-1].Dst.Pod != dsts[j].Pod {
				pc.Targets = append(pc.Targets, Target{Dst: dsts[j], Port: d.Port})
			}
		}
	}
	if len(order) == 0 {
		return fmt.Errorf("%s declares no container ports%s: give the port with --port", podsDesc(s.To), protocolSuffix(proto))
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].port < order[j].port })
	for _, k := range order {
		s.Ports = append(s.Ports, *cases[k])
	}
	return nil
}

func protocolSuffix(p corev1.Protocol) string {
	if p == "" {
		return ""
	}
	return " for " + string(p)
}

// namedPodPort resolves --port NAME on each TO pod. Pods that do not declare it are
// left out; when none does, the name is bad input.
func (s *State) namedPodPort(dsts []netpol.Peer) error {
	name := s.Options.Port
	proto := protocolOr(s.Options.Protocol, corev1.ProtocolTCP)
	pc := PortCase{Name: name, Protocol: proto}
	for j := range s.To.Pods {
		pod := &s.To.Pods[j]
		n, ok := kube.NamedPort(pod, name, proto)
		if !ok {
			pc.Missing = append(pc.Missing, finding.PodDisplayName(pod))
			continue
		}
		if pc.Port == 0 {
			pc.Port = n
		}
		pc.Targets = append(pc.Targets, Target{Dst: dsts[j], Port: n, PortName: name})
	}
	if len(pc.Targets) == 0 {
		var declared []string
		if len(s.To.Pods) > 0 {
			for _, d := range kube.DeclaredPorts(&s.To.Pods[0]) {
				declared = append(declared, d.String())
			}
		}
		return fmt.Errorf("%s declare no port named %q for %s; %s declares: %s", podsDesc(s.To), name, proto,
			finding.PodDisplayName(&s.To.Pods[0]), orNone(strings.Join(declared, ", ")))
	}
	s.Ports = []PortCase{pc}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "no ports"
	}
	return s
}

// targetPortNotFound: pods without the named targetPort get no traffic on that port
// (the same rule and ID as the svc diagnosis).
func (s *State) targetPortNotFound(pc PortCase) diag.Finding {
	svc := s.To.Service
	f := finding.TargetPortNotFound(svc, pc.Label(), pc.ServicePort.TargetPort.StrVal, len(pc.Missing), len(s.To.Pods), finding.TargetPortWords{
		Pods:      "pod(s)",
		SomeServe: "only the others serve it",
		NoneServe: "so the port has no backends",
	}).
		WithEvidence("pods without it: " + strings.Join(diag.Limit(pc.Missing, 5, diag.MoreInline), ", ")).
		WithCommands(fmt.Sprintf("kubectl netdoctor svc %s -n %s", svc.Name, svc.Namespace))
	return f.WithFix("name the container port %q in the pod template, or set the Service targetPort to what the container declares", pc.ServicePort.TargetPort.StrVal)
}

package service

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
)

// checkPorts resolves every Service port on every selected pod. A named targetPort
// resolves per pod: pods that don't declare it (with the Service port's protocol) are
// left out of that port's endpoints, so traffic to the port finds nothing. A numeric
// targetPort is forwarded as is; when the pods declare ports but not that one, the
// number is probably stale (the container port changed and the Service did not).
func checkPorts(_ context.Context, s *State) engine.Result {
	if len(s.Service.Spec.Selector) == 0 {
		return engine.Skip("no selector: ports come from the manual endpoints")
	}
	if len(s.Service.Spec.Ports) == 0 {
		return engine.Skip("headless Service without ports")
	}
	var findings []diag.Finding
	var details []string
	for _, sp := range s.Service.Spec.Ports {
		line, fs := s.checkServicePort(sp)
		details = append(details, line)
		findings = append(findings, fs...)
	}
	return engine.Found(fmt.Sprintf("%d port(s) checked on %d pod(s)", len(s.Service.Spec.Ports), len(s.Pods)), findings...).WithDetails(details...)
}

func (s *State) checkServicePort(sp corev1.ServicePort) (string, []diag.Finding) {
	label := portString(sp)
	if sp.TargetPort.Type == intstr.String {
		return s.checkNamedPort(sp, label)
	}
	return s.checkNumericPort(sp, label)
}

func (s *State) checkNamedPort(sp corev1.ServicePort, label string) (string, []diag.Finding) {
	name := sp.TargetPort.StrVal
	var missing []string
	resolved := map[int32]int{}
	var findings []diag.Finding
	for i := range s.Pods {
		pod := &s.Pods[i]
		if port, ok := kube.ResolveTargetPort(pod, sp); ok {
			resolved[port]++
			continue
		}
		declared := kube.DeclaredPorts(pod)
		missing = append(missing, fmt.Sprintf("%s declares %s", finding.PodDisplayName(pod), portList(declared)))
		for _, d := range declared {
			if d.Name == name && d.Protocol != kube.ProtocolOrTCP(sp.Protocol) {
				findings = append(findings, diag.New(diag.ProtocolMismatch, s.Ref(),
					"Service %s/%s port %s is %s, but pod %s declares port %q as %s", s.Namespace, s.Name, label, sp.Protocol, finding.PodDisplayName(pod), name, d.Protocol).
					WithFix("make spec.ports[].protocol of the Service and the container port's protocol the same"))
			}
		}
	}
	if len(missing) == 0 {
		return fmt.Sprintf("%s: resolves on all %d pod(s) to %s", label, len(s.Pods), portCounts(resolved)), findings
	}
	f := finding.TargetPortNotFound(s.Service, label, name, len(missing), len(s.Pods), finding.TargetPortWords{
		Pods:      "selected pod(s)",
		SomeServe: fmt.Sprintf("only %d pod(s) serve this port", len(s.Pods)-len(missing)),
		NoneServe: "so the port has no endpoints",
	}).
		WithEvidence(diag.Limit(missing, 5, diag.MoreLines)...).
		WithFix("name the container port %q (protocol %s) in the pod template, or set the Service's targetPort to the name or number the container really declares", name, sp.Protocol).
		WithCommands(fmt.Sprintf("kubectl get pods -n %s -l %s -o jsonpath='{range .items[*]}{.metadata.name}{\"\\t\"}{.spec.containers[*].ports}{\"\\n\"}{end}'", s.Namespace, selectorString(s.Service.Spec.Selector)))
	return fmt.Sprintf("%s: name %q not declared by %d pod(s)", label, name, len(missing)), append([]diag.Finding{f}, findings...)
}

func (s *State) checkNumericPort(sp corev1.ServicePort, label string) (string, []diag.Finding) {
	target, _ := kube.ResolveTargetPort(&corev1.Pod{}, sp)
	var otherPorts []string
	declaring, otherProtocol := 0, 0
	var protocolPods []string
	for i := range s.Pods {
		declared := kube.DeclaredPorts(&s.Pods[i])
		if len(declared) == 0 {
			continue
		}
		match, protoMismatch := false, ""
		for _, d := range declared {
			if d.Port != target {
				continue
			}
			if d.Protocol == kube.ProtocolOrTCP(sp.Protocol) {
				match = true
			} else {
				protoMismatch = string(d.Protocol)
			}
		}
		switch {
		case match:
			declaring++
		case protoMismatch != "":
			otherProtocol++
			protocolPods = append(protocolPods, fmt.Sprintf("%s declares %d/%s", finding.PodDisplayName(&s.Pods[i]), target, protoMismatch))
		default:
			otherPorts = append(otherPorts, fmt.Sprintf("%s declares %s", finding.PodDisplayName(&s.Pods[i]), portList(declared)))
		}
	}
	var findings []diag.Finding
	if otherProtocol > 0 {
		findings = append(findings, diag.New(diag.ProtocolMismatch, s.Ref(),
			"Service %s/%s port %s is %s, but the pods declare port %d with another protocol", s.Namespace, s.Name, label, sp.Protocol, target).
			WithEvidence(diag.Limit(protocolPods, 5, diag.MoreLines)...).
			WithFix("make spec.ports[].protocol of the Service match the protocol the container listens on"))
	}
	if declaring == 0 && len(otherPorts) > 0 {
		findings = append(findings, diag.New(diag.TargetPortMismatch, s.Ref(),
			"Service %s/%s port %s sends to %d, but no selected pod declares port %d", s.Namespace, s.Name, label, target, target).
			WithEvidence(diag.Limit(otherPorts, 5, diag.MoreLines)...).
			WithFix("set the Service's targetPort to the port the container listens on (better: name the container port and target it by name)").
			WithCommands(fmt.Sprintf("kubectl get service %s -n %s -o jsonpath='{.spec.ports}'", s.Name, s.Namespace)))
	}
	if len(findings) > 0 {
		return fmt.Sprintf("%s: %d not declared by the pods", label, target), findings
	}
	if declaring == 0 {
		return fmt.Sprintf("%s: pods declare no ports; traffic goes to %d as is", label, target), nil
	}
	return fmt.Sprintf("%s: declared by %d of %d pod(s)", label, declaring, len(s.Pods)), nil
}

func portCounts(resolved map[int32]int) string {
	var parts []string
	for port, n := range resolved {
		parts = append(parts, fmt.Sprintf("%d (%d pod(s))", port, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

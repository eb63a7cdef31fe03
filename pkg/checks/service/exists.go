package service

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkExists reads the Service. A missing Service is the root cause of everything
// else, so the finding carries what the engineer most likely meant: similar names in
// the namespace and the same name elsewhere. A Service that cannot be read at all
// (Forbidden, unreachable API server) stops the diagnosis with exit code 2.
func checkExists(ctx context.Context, s *State) engine.Result {
	svc, err := source.Get[corev1.Service](ctx, s.Source, s.Namespace, s.Name)
	if err != nil && !source.IsNotFound(err) {
		return engine.Result{Fatal: err}
	}
	if err == nil {
		s.Service = svc
		return engine.Pass("%s", describeService(svc))
	}

	f := diag.New(diag.ServiceNotFound, s.Ref(), "Service %s/%s does not exist", s.Namespace, s.Name).
		WithFix("check the name and namespace the client uses, or create the Service").
		WithCommands("kubectl get services -n " + s.Namespace)
	where := finding.LookFor(ctx, s.Source, s.Namespace, s.Name)
	var partial []diag.Finding
	for _, err := range where.Errs {
		partial = append(partial, engine.ReadErrorFinding(err))
	}
	f = finding.DidYouMean(f, s.Namespace, "names", where.Similar)
	if len(where.Similar) == 0 && len(where.Errs) == 0 {
		f = f.WithEvidence("namespace " + s.Namespace + " has no Service with a similar name")
	}
	if len(where.Elsewhere) > 0 {
		f = f.WithEvidence("a Service named " + s.Name + " exists in namespace " + strings.Join(where.Elsewhere, ", "))
		f = f.WithCommands(fmt.Sprintf("kubectl netdoctor svc %s -n %s", s.Name, where.Elsewhere[0]))
		if len(where.Similar) == 0 {
			f.Message += fmt.Sprintf(" (it exists in namespace %s)", where.Elsewhere[0])
		}
	}
	return engine.Found("Service "+s.Namespace+"/"+s.Name+" not found", append([]diag.Finding{f}, partial...)...)
}

// describeService is the one-line identity of a Service shown in the tree.
func describeService(svc *corev1.Service) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Service %s/%s: %s", svc.Namespace, svc.Name, svc.Spec.Type)
	switch {
	case svc.Spec.Type == corev1.ServiceTypeExternalName:
		fmt.Fprintf(&b, " → %s", svc.Spec.ExternalName)
		return b.String()
	case svc.Spec.ClusterIP == corev1.ClusterIPNone:
		b.WriteString(" headless (DNS answers with pod IPs)")
	case svc.Spec.ClusterIP != "":
		fmt.Fprintf(&b, " %s", svc.Spec.ClusterIP)
	}
	ports := make([]string, 0, len(svc.Spec.Ports))
	for _, p := range svc.Spec.Ports {
		ports = append(ports, portString(p))
	}
	if len(ports) > 0 {
		fmt.Fprintf(&b, ", ports %s", strings.Join(ports, ", "))
	}
	return b.String()
}

// portString renders a Service port as port→target/protocol, with its name and nodePort.
func portString(p corev1.ServicePort) string {
	s := fmt.Sprintf("%d→%s/%s", p.Port, p.TargetPort.String(), p.Protocol)
	if p.Name != "" {
		s = p.Name + " " + s
	}
	if p.NodePort != 0 {
		s += fmt.Sprintf(" (nodePort %d)", p.NodePort)
	}
	return s
}

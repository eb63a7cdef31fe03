package ingress

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/backend"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkBackends: every path (and the default backend) names a Service in the
// Ingress's own namespace and a port of that Service, by number (spec.ports[].port,
// not the targetPort) or by name (spec.ports[].name). A missing Service or port makes
// the controller answer that path with 503 (ingress-nginx) or drop it from its config.
func checkBackends(ctx context.Context, s *State) engine.Result {
	s.Backends = groupBackends(s.Paths)
	var details []string
	var resources []string
	for _, p := range s.Paths {
		details = append(details, fmt.Sprintf("%s → %s", p.Where(), backendLabel(p.Backend)))
		if p.Backend.Resource != nil {
			resources = append(resources, p.Where())
		}
	}
	if len(s.Backends) == 0 {
		if len(resources) > 0 {
			return engine.Skip("only resource backends (served by the controller itself)").WithDetails(details...)
		}
		return engine.Skip("no paths with a Service backend").WithDetails(details...)
	}
	if !s.Source.Has(source.KindService) {
		return engine.Skip("the input holds no Services to check the backends against").WithDetails(details...)
	}

	var findings []diag.Finding
	unknown := false
	for _, b := range s.Backends {
		svc, err := source.Get[corev1.Service](ctx, s.Source, s.Namespace, b.Service)
		if err != nil {
			if !source.IsNotFound(err) {
				findings = append(findings, engine.ReadErrorFinding(err))
				unknown = true
				continue
			}
			findings = append(findings, s.serviceNotFound(ctx, b))
			continue
		}
		b.Object = svc
		sp, ok := backend.FindPort(svc, b.Port)
		if !ok {
			findings = append(findings, s.portNotFound(b, svc))
			continue
		}
		b.ServicePort = sp
	}
	res := engine.Found(fmt.Sprintf("%d path(s) to %d backend Service port(s)", len(s.Paths), len(s.Backends)), findings...).WithDetails(details...)
	if unknown && res.Status != diag.StatusFail {
		res.Status = diag.StatusUnknown
	}
	return res
}

// groupBackends collects the distinct Service backends of the paths in first-use order.
func groupBackends(paths []Path) []*Backend {
	var out []*Backend
	index := map[string]*Backend{}
	for _, p := range paths {
		if p.Backend.Service == nil {
			continue
		}
		ref := portRef(p.Backend.Service.Port)
		key := p.Backend.Service.Name + ":" + ref.String()
		b, ok := index[key]
		if !ok {
			b = &Backend{Service: p.Backend.Service.Name, Port: ref}
			index[key] = b
			out = append(out, b)
		}
		b.Paths = append(b.Paths, p)
	}
	return out
}

func wheres(paths []Path) string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		out = append(out, p.Where())
	}
	return strings.Join(out, ", ")
}

func (s *State) serviceNotFound(ctx context.Context, b *Backend) diag.Finding {
	f := diag.New(diag.IngressBackendServiceNotFound, s.Ref(), "Ingress %s/%s sends %s to Service %s, which does not exist in namespace %s",
		s.Namespace, s.Name, wheres(b.Paths), b.Service, s.Namespace).
		WithEvidence("a backend Service must be in the Ingress's own namespace").
		WithFix("create Service %s in namespace %s, or point the path at the Service that serves it", b.Service, s.Namespace).
		WithCommands("kubectl get services -n " + s.Namespace)
	where := finding.LookFor(ctx, s.Source, s.Namespace, b.Service)
	f = finding.DidYouMean(f, s.Namespace, "Services", where.Similar)
	if len(where.Elsewhere) > 0 {
		f = f.WithEvidence(fmt.Sprintf("a Service named %s exists in namespace %s, but an Ingress cannot reach across namespaces (use an ExternalName Service here, or move the Ingress)",
			b.Service, strings.Join(where.Elsewhere, ", ")))
	}
	return f
}

func (s *State) portNotFound(b *Backend, svc *corev1.Service) diag.Finding {
	kind := "number"
	if b.Port.Name != "" {
		kind = "name"
	}
	f := diag.New(diag.IngressBackendPortNotFound, s.Ref(), "Ingress %s/%s sends %s to port %s of Service %s/%s, which has no port with that %s",
		s.Namespace, s.Name, wheres(b.Paths), b.Port, s.Namespace, b.Service, kind).
		WithEvidence("Service " + b.Service + " ports: " + backend.DescribePorts(svc)).
		WithCommands(fmt.Sprintf("kubectl get service %s -n %s -o jsonpath='{.spec.ports}'", b.Service, s.Namespace))
	// The commonest mistake: the container port (the Service's targetPort) where the
	// Service port belongs.
	var hint string
	for _, sp := range svc.Spec.Ports {
		if b.Port.Name == "" && sp.TargetPort.IntValue() == int(b.Port.Number) {
			hint = fmt.Sprintf("%d is the targetPort of Service port %d: an Ingress names the Service port, not the container port", b.Port.Number, sp.Port)
		}
		if b.Port.Name != "" && sp.TargetPort.StrVal == b.Port.Name {
			hint = fmt.Sprintf("%s is the targetPort name of Service port %d: an Ingress names the Service port (spec.ports[].name), not the container port", b.Port.Name, sp.Port)
		}
	}
	if hint != "" {
		f = f.WithEvidence(hint)
	}
	if len(svc.Spec.Ports) > 0 {
		sp := svc.Spec.Ports[0]
		if sp.Name != "" {
			f = f.WithFix("set the backend port to one the Service exposes, e.g. port.name: %s or port.number: %d", sp.Name, sp.Port)
		} else {
			f = f.WithFix("set the backend port to one the Service exposes, e.g. port.number: %d", sp.Port)
		}
	} else {
		f = f.WithFix("add the port to Service %s or point the path at the right Service", b.Service)
	}
	return f
}

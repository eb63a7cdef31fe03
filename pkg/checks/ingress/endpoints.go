package ingress

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/backend"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
)

// checkEndpoints runs the full `svc` diagnosis of every backend Service that exists
// (nested under this check in the report), and fails when the port a path uses has no
// ready endpoint: the controller proxies to endpoints, not to the Service IP, so such a
// path answers 503 whatever else is right. The nested findings say why.
func checkEndpoints(ctx context.Context, s *State) engine.Result {
	var nested backend.Nested
	for _, b := range s.Backends {
		if b.Object == nil {
			continue
		}
		d := s.Diagnoses.Diagnose(ctx, s.Source, s.Namespace, b.Service)
		b.Diagnosis = d
		if !nested.Read(d) {
			continue
		}
		var lead []diag.Finding
		if b.ServicePort != nil {
			f, line := s.noEndpoints(b)
			if f != nil {
				lead = append(lead, *f)
			}
			nested.Detail(line)
		}
		nested.Nest(d, lead...)
	}
	return nested.Result("no existing backend Service to diagnose")
}

// noEndpoints returns IngressBackendNoEndpoints for b when its port has no ready
// endpoint, and a detail line either way.
func (s *State) noEndpoints(b *Backend) (*diag.Finding, string) {
	d := b.Diagnosis
	if d.State.Service.Spec.Type == corev1.ServiceTypeExternalName {
		return nil, fmt.Sprintf("%s: ExternalName %s, resolved by the controller", b.Label(), d.State.Service.Spec.ExternalName)
	}
	eps := d.ReadyEndpoints(*b.ServicePort)
	if !eps.Known {
		return nil, fmt.Sprintf("%s: endpoints unknown (see the svc checks)", b.Label())
	}
	if eps.Ready > 0 {
		return nil, fmt.Sprintf("%s: %d ready endpoint(s) (%s)", b.Label(), eps.Ready, eps.From)
	}
	why := d.RootCause()
	if why == "" {
		why = fmt.Sprintf("no ready address carries port %s in its %s", b.Port, eps.From)
	}
	f := diag.New(diag.IngressBackendNoEndpoints, s.Ref(), "Ingress %s/%s sends %s to Service %s/%s port %s, which has no ready endpoints: %s",
		s.Namespace, s.Name, wheres(b.Paths), s.Namespace, b.Service, b.Port, why).
		WithEvidence(fmt.Sprintf("0 ready endpoints for port %s (from %s); the controller answers these paths with 503", b.Port, eps.From)).
		WithFix("fix the backend Service first (its own findings follow), then the Ingress serves again without changes").
		WithCommands(fmt.Sprintf("kubectl netdoctor svc %s -n %s", b.Service, s.Namespace))
	return &f, fmt.Sprintf("%s: 0 ready endpoints (%s)", b.Label(), eps.From)
}

package gateway

import (
	"context"
	"fmt"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/backend"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
)

// checkEndpoints runs the full `svc` diagnosis of every backend Service the route
// actually sends traffic to (permitted, existing, weight above 0), nested under this
// check in the report. Gateway implementations proxy to the Service's endpoints, so a
// backend without ready endpoints fails its share of the requests; the nested findings
// say why.
func checkEndpoints(ctx context.Context, s *State) engine.Result {
	var nested backend.Nested
	for _, b := range s.Backends {
		if b.Service == nil || !b.Permitted {
			continue
		}
		if b.Weight == 0 {
			nested.Detail(b.Label() + ": weight 0, receives no traffic")
			continue
		}
		d := s.Diagnoses.Diagnose(ctx, s.Source, b.Namespace, b.Name)
		b.Diagnosis = d
		if !nested.Read(d) {
			continue
		}
		if b.ServicePort != nil {
			if eps := d.ReadyEndpoints(*b.ServicePort); eps.Known {
				nested.Detail(fmt.Sprintf("%s: %d ready endpoint(s) (%s)", b.Label(), eps.Ready, eps.From))
			}
		}
		nested.Nest(d)
	}
	return nested.Result("no backend Service to diagnose")
}

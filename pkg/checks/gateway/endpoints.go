package gateway

import (
	"context"
	"fmt"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
)

// checkEndpoints runs the full `svc` diagnosis of every backend Service the route
// actually sends traffic to (permitted, existing, weight above 0), nested under this
// check in the report. Gateway implementations proxy to the Service's endpoints, so a
// backend without ready endpoints fails its share of the requests; the nested findings
// say why.
func checkEndpoints(ctx context.Context, s *State) engine.Result {
	var findings []diag.Finding
	var details []string
	diagnosed := map[string]bool{}
	unknown := false
	for _, b := range s.Backends {
		if b.Service == nil || !b.Permitted {
			continue
		}
		if b.Weight == 0 {
			details = append(details, b.Label()+": weight 0, receives no traffic")
			continue
		}
		key := b.Namespace + "/" + b.Name
		d := s.Diagnoses.Diagnose(ctx, s.Source, b.Namespace, b.Name)
		b.Diagnosis = d
		if d.Err != nil {
			if !diagnosed[key] {
				findings = append(findings, engine.ReadErrorFinding(d.Err))
				unknown = true
			}
			diagnosed[key] = true
			continue
		}
		if b.ServicePort != nil {
			if eps := d.ReadyEndpoints(*b.ServicePort); eps.Known {
				details = append(details, fmt.Sprintf("%s: %d ready endpoint(s) (%s)", b.Label(), eps.Ready, eps.From))
			}
		}
		if !diagnosed[key] {
			findings = append(findings, d.Findings()...)
			diagnosed[key] = true
		}
	}
	if len(diagnosed) == 0 {
		return engine.Skip("no backend Service to diagnose")
	}
	res := engine.Found(fmt.Sprintf("%d backend Service(s) diagnosed (svc checks below)", len(diagnosed)), findings...).WithDetails(details...)
	if unknown && res.Status != diag.StatusFail {
		res.Status = diag.StatusUnknown
	}
	return res
}

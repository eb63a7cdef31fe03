package reach

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/policy"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
)

// checkServicePort: kube-proxy (or its replacement) translates the Service port to the
// pod's targetPort before NetworkPolicy is applied, so a rule must name the pod port. A
// rule written with the Service port (80 where the pods listen on 8080) looks right in
// review and admits nothing. It is reported when it is the reason for a denial: the
// denied pair would be allowed on the Service port.
func checkServicePort(_ context.Context, s *State) engine.Result {
	if s.To.Service == nil {
		return engine.Skip("TO is not a Service")
	}
	translated := false
	seen := map[string]bool{}
	var findings []diag.Finding
	for i := range s.Results {
		pr := &s.Results[i]
		if pr.Case.ServicePort == nil || !pr.Case.translated() {
			continue
		}
		translated = true
		for _, dir := range []netpol.Direction{netpol.Egress, netpol.Ingress} {
			dr := s.dirResult(pr, dir)
			if dr.Traffic == nil {
				continue
			}
			hyp := *dr.Traffic
			hyp.Port, hyp.PortName = pr.Case.Port, ""
			v, err := s.Model.Evaluate(hyp)
			if err != nil {
				continue
			}
			dv := v.Ingress
			if dir == netpol.Egress {
				dv = v.Egress
			}
			if !dv.Allowed || !dv.Isolated {
				continue
			}
			for _, pv := range dv.Policies {
				key := pv.Namespace + "/" + pv.Name + string(dir) + pr.Case.Label()
				if !pv.Allowed || seen[key] {
					continue
				}
				seen[key] = true
				findings = append(findings, s.servicePortFinding(pr, dir, dr.Traffic, pv))
			}
		}
	}
	if !translated {
		return engine.Skip("every Service port equals its targetPort")
	}
	if len(findings) == 0 {
		return engine.Pass("no policy on this path allows a Service port in place of the pod port")
	}
	return engine.Found(fmt.Sprintf("%d rule(s) use the Service port", len(findings)), findings...)
}

func (s *State) servicePortFinding(pr *PortResult, dir netpol.Direction, t *netpol.Traffic, pv netpol.PolicyVerdict) diag.Finding {
	field := "spec.ingress"
	if dir == netpol.Egress {
		field = "spec.egress"
	}
	var rules []string
	for _, r := range pv.Rules {
		if r.Allows() {
			rules = append(rules, fmt.Sprintf("%s[%d]", field, r.Index))
		}
	}
	sp := pr.Case.ServicePort
	podPort := fmt.Sprint(t.Port)
	if sp.TargetPort.Type == intstr.String {
		podPort = fmt.Sprintf("%d (container port %q)", t.Port, sp.TargetPort.StrVal)
	}
	svc := s.To.Service
	ref := diag.ObjectRef{Kind: "NetworkPolicy", Namespace: pv.Namespace, Name: pv.Name}
	use := fmt.Sprint(t.Port)
	if sp.TargetPort.Type == intstr.String {
		use = fmt.Sprintf("%d or the name %q", t.Port, sp.TargetPort.StrVal)
	}
	return diag.New(diag.PolicyUsesServicePort, ref,
		"%s %s allows port %d, the port of Service %s/%s, but its pods listen on %s: policies see the pod port, so this rule does not allow the traffic",
		policy.Ref(pv.Namespace, pv.Name), strings.Join(rules, ", "), sp.Port, svc.Namespace, svc.Name, podPort).
		WithEvidence(fmt.Sprintf("Service port %s → targetPort %s", pr.Case.Label(), sp.TargetPort.String())).
		WithFix("in %s of %s/%s use port %s (%s)", strings.Join(rules, ", "), pv.Namespace, pv.Name, use, pr.Case.Protocol).
		WithCommands(fmt.Sprintf("kubectl get networkpolicy %s -n %s -o yaml", pv.Name, pv.Namespace))
}

package ingress

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
)

// checkAdmission: a controller that takes an Ingress in writes the address it serves
// it on into status.loadBalancer.ingress. No address means no controller has picked
// the Ingress up (wrong or missing class, controller down, or still starting), so
// clients have nowhere to send the traffic.
func checkAdmission(ctx context.Context, s *State) engine.Result {
	var addrs []string
	for _, in := range s.Ingress.Status.LoadBalancer.Ingress {
		if in.IP != "" {
			addrs = append(addrs, in.IP)
		}
		if in.Hostname != "" {
			addrs = append(addrs, in.Hostname)
		}
	}
	if len(addrs) > 0 {
		return engine.Pass("address %s", strings.Join(addrs, ", "))
	}
	f := diag.New(diag.IngressNotAdmitted, s.Ref(), "Ingress %s/%s has no address in status: no ingress controller has picked it up", s.Namespace, s.Name).
		WithCommands(fmt.Sprintf("kubectl describe ingress %s -n %s", s.Name, s.Namespace))
	switch {
	case s.Class != nil:
		f = f.WithEvidence(fmt.Sprintf("class %s is served by controller %s", s.Class.Name, s.Class.Spec.Controller)).
			WithFix("check that the %s controller runs and watches namespace %s (its logs say why it skips an Ingress)", s.Class.Spec.Controller, s.Namespace)
	case s.ClassName != "":
		f = f.WithEvidence("class "+s.ClassName).
			WithFix("check that the controller for class %s runs and watches namespace %s", s.ClassName, s.Namespace)
	default:
		f = f.WithFix("give the Ingress a class its controller serves (spec.ingressClassName), then check the controller's logs")
	}
	if created := s.Ingress.CreationTimestamp; !created.IsZero() {
		f = f.WithEvidence("created " + time.Since(created.Time).Round(time.Second).String() + " ago")
	}
	return engine.Found("no address in status.loadBalancer", finding.WithWarningEvents(ctx, s.Source, f, "Ingress", s.Namespace, s.Name)...)
}

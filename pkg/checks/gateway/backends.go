package gateway

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/backend"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkBackends: each backendRef names a Service (group "", kind Service by default),
// in the route's namespace unless it says otherwise, and a port of that Service by
// number (spec.ports[].port; a Service backendRef must give one). A reference into
// another namespace is honoured only if a ReferenceGrant in the target namespace
// allows the route's kind from the route's namespace to reference that Service (or
// every Service). An unresolved backend is not skipped: its share of the requests (by
// weight) gets HTTP 500, and the controller sets ResolvedRefs=False on the route.
func checkBackends(ctx context.Context, s *State) engine.Result {
	if len(s.Backends) == 0 {
		return engine.Skip("no backendRefs")
	}
	var findings []diag.Finding
	var details []string
	unknown := false
	grants := map[string][]gatewayv1.ReferenceGrant{}
	for _, b := range s.Backends {
		rule := s.Route.Rules[b.Rule].Label(b.Rule)
		if !b.IsService() {
			b.Permitted = true
			details = append(details, fmt.Sprintf("%s → %s: not a Service, not checked", rule, b.Label()))
			continue
		}
		if b.Namespace != s.Namespace {
			gs, ok := grants[b.Namespace]
			if !ok {
				var err error
				gs, err = source.List[gatewayv1.ReferenceGrant](ctx, s.Source, b.Namespace, nil)
				if err != nil {
					findings = append(findings, engine.ReadErrorFinding(err))
					unknown = true
					continue
				}
				grants[b.Namespace] = gs
			}
			if why := s.grantMisses(b, gs); why != nil {
				findings = append(findings, s.notPermitted(b, rule, why))
				details = append(details, fmt.Sprintf("%s → %s: no ReferenceGrant", rule, b.Label()))
				continue
			}
		}
		b.Permitted = true
		if !s.Source.Has(source.KindService) {
			details = append(details, fmt.Sprintf("%s → %s: the input holds no Services to check", rule, b.Label()))
			continue
		}
		svc, err := source.Get[corev1.Service](ctx, s.Source, b.Namespace, b.Name)
		switch {
		case source.IsNotFound(err):
			findings = append(findings, s.serviceNotFound(ctx, b, rule))
			details = append(details, fmt.Sprintf("%s → %s: Service not found", rule, b.Label()))
			continue
		case err != nil:
			findings = append(findings, engine.ReadErrorFinding(err))
			unknown = true
			continue
		}
		b.Service = svc
		if b.Port == nil {
			findings = append(findings, diag.New(diag.RouteBackendNotFound, s.Ref(), "%s of %s %s/%s references Service %s/%s without a port: a Service backendRef must name one",
				rule, s.Route.Kind, s.Namespace, s.Name, b.Namespace, b.Name).
				WithEvidence("Service "+b.Name+" ports: "+backend.DescribePorts(svc)).
				WithFix("set backendRefs[].port to the Service port (spec.ports[].port) the route should use"))
			continue
		}
		sp, ok := backend.FindPort(svc, backend.PortRef{Number: *b.Port})
		if !ok {
			f := diag.New(diag.RouteBackendNotFound, s.Ref(), "%s of %s %s/%s sends traffic to port %d of Service %s/%s, which has no such port",
				rule, s.Route.Kind, s.Namespace, s.Name, *b.Port, b.Namespace, b.Name).
				WithEvidence("Service " + b.Name + " ports: " + backend.DescribePorts(svc))
			for _, p := range svc.Spec.Ports {
				if p.TargetPort.IntValue() == int(*b.Port) {
					f = f.WithEvidence(fmt.Sprintf("%d is the targetPort of Service port %d: a backendRef names the Service port, not the container port", *b.Port, p.Port))
				}
			}
			if len(svc.Spec.Ports) > 0 {
				f = f.WithFix("set backendRefs[].port to a port the Service exposes, e.g. %d", svc.Spec.Ports[0].Port)
			} else {
				f = f.WithFix("add the port to Service %s/%s", b.Namespace, b.Name)
			}
			findings = append(findings, f.WithCommands(fmt.Sprintf("kubectl get service %s -n %s -o jsonpath='{.spec.ports}'", b.Name, b.Namespace)))
			details = append(details, fmt.Sprintf("%s → %s: no such Service port", rule, b.Label()))
			continue
		}
		b.ServicePort = sp
		details = append(details, fmt.Sprintf("%s → %s (weight %d)", rule, b.Label(), b.Weight))
	}
	res := engine.Found(fmt.Sprintf("%d backendRef(s) in %d rule(s)", len(s.Backends), len(s.Route.Rules)), findings...).WithDetails(details...)
	if unknown && res.Status != diag.StatusFail {
		res.Status = diag.StatusUnknown
	}
	return res
}

// grantMisses returns nil when some grant in gs allows the backend reference, else
// why each grant does not (empty when there is none).
func (s *State) grantMisses(b *Backend, gs []gatewayv1.ReferenceGrant) []string {
	return grantMisses(gs, referenceFrom{kind: s.Route.Kind, namespace: s.Namespace}, b.Group, b.Kind, b.Name)
}

// referenceFrom is the side of a cross-namespace reference that a ReferenceGrant's
// from list must name: a Gateway API kind in a namespace.
type referenceFrom struct{ kind, namespace string }

// grantMisses returns nil when some grant in gs allows from to reference the object
// (group, kind, name) in the grants' namespace, else why each grant does not (empty
// when there is none). A grant's to entry without a name covers every object of the kind.
func grantMisses(gs []gatewayv1.ReferenceGrant, from referenceFrom, group, kind, name string) []string {
	why := []string{}
	for _, g := range gs {
		fromOK, toOK := false, false
		for _, f := range g.Spec.From {
			if string(f.Group) == source.GatewayGroup && string(f.Kind) == from.kind && string(f.Namespace) == from.namespace {
				fromOK = true
			}
		}
		for _, to := range g.Spec.To {
			if string(to.Group) == group && string(to.Kind) == kind && (to.Name == nil || string(*to.Name) == name) {
				toOK = true
			}
		}
		if fromOK && toOK {
			return nil
		}
		why = append(why, describeGrant(g))
	}
	return why
}

// describeGrant says what a ReferenceGrant allows, for the evidence of a reference it
// does not cover.
func describeGrant(g gatewayv1.ReferenceGrant) string {
	var froms, tos []string
	for _, from := range g.Spec.From {
		froms = append(froms, fmt.Sprintf("%s from %s", from.Kind, from.Namespace))
	}
	for _, to := range g.Spec.To {
		t := string(to.Kind)
		if to.Name != nil {
			t += " " + string(*to.Name)
		}
		tos = append(tos, t)
	}
	return fmt.Sprintf("ReferenceGrant %s/%s allows %s to reference %s", g.Namespace, g.Name, strings.Join(froms, ", "), strings.Join(tos, ", "))
}

func (s *State) notPermitted(b *Backend, rule string, why []string) diag.Finding {
	if len(why) == 0 {
		why = []string{"namespace " + b.Namespace + " has no ReferenceGrants"}
	}
	grant := fmt.Sprintf(`apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: allow-%s-from-%s
  namespace: %s
spec:
  from:
  - group: gateway.networking.k8s.io
    kind: %s
    namespace: %s
  to:
  - group: ""
    kind: Service
    name: %s`, strings.ToLower(s.Route.Kind), s.Namespace, b.Namespace, s.Route.Kind, s.Namespace, b.Name)
	return diag.New(diag.BackendRefNotPermitted, s.Ref(), "%s of %s %s/%s references Service %s/%s in another namespace, and no ReferenceGrant in %s allows it: the backend is refused",
		rule, s.Route.Kind, s.Namespace, s.Name, b.Namespace, b.Name, b.Namespace).
		WithEvidence(why...).
		WithEvidence("a ReferenceGrant lives in the namespace of the referenced Service and names the route's kind and namespace in from").
		WithFix("create this ReferenceGrant:\n%s", grant).
		WithCommands("kubectl get referencegrants -n " + b.Namespace)
}

func (s *State) serviceNotFound(ctx context.Context, b *Backend, rule string) diag.Finding {
	f := diag.New(diag.RouteBackendNotFound, s.Ref(), "%s of %s %s/%s sends traffic to Service %s/%s, which does not exist",
		rule, s.Route.Kind, s.Namespace, s.Name, b.Namespace, b.Name).
		WithFix("create Service %s in namespace %s, or point the backendRef at the Service that serves it (set backendRefs[].namespace for another namespace)", b.Name, b.Namespace).
		WithCommands("kubectl get services -n " + b.Namespace)
	where := finding.LookFor(ctx, s.Source, b.Namespace, b.Name)
	f = finding.DidYouMean(f, b.Namespace, "Services", where.Similar)
	if len(where.Elsewhere) > 0 {
		f = f.WithEvidence(fmt.Sprintf("a Service named %s exists in namespace %s: set backendRefs[].namespace (and add a ReferenceGrant there)", b.Name, strings.Join(where.Elsewhere, ", ")))
	}
	return f
}

package gateway

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkParents: a route attaches only through its parentRefs. A parentRef defaults to
// kind Gateway in the route's own namespace, so a Gateway in a shared "infra"
// namespace needs parentRef.namespace; a route without parentRefs attaches to nothing
// (unless the implementation supports default Gateways) and receives no traffic.
func checkParents(ctx context.Context, s *State) engine.Result {
	r := s.Route
	if len(r.ParentRefs) == 0 {
		if r.DefaultScope != "" {
			return engine.Pass("no parentRefs; useDefaultGateways %s: attached to the default Gateways of its scope (not checked)", r.DefaultScope)
		}
		f := diag.New(diag.RouteParentNotFound, s.Ref(), "%s %s/%s has no parentRefs: it is attached to no Gateway and receives no traffic", r.Kind, s.Namespace, s.Name).
			WithFix("add spec.parentRefs naming the Gateway (and its namespace, if it lives elsewhere) that should serve the route").
			WithCommands("kubectl get gateways -A")
		return engine.Found("no parentRefs", f)
	}
	var findings []diag.Finding
	var details []string
	unknown := false
	for _, ref := range r.ParentRefs {
		p := &Parent{Ref: ref, Namespace: namespaceOf(ref.Namespace, s.Namespace), Name: string(ref.Name)}
		s.Parents = append(s.Parents, p)
		g, k := group(ref.Group, source.GatewayGroup), kind(ref.Kind, source.KindGateway)
		if g != source.GatewayGroup || k != source.KindGateway {
			details = append(details, fmt.Sprintf("%s %s: not a Gateway (%s), not followed", k, p.Label(), g))
			continue
		}
		p.IsGateway = true
		if !s.Source.Has(source.KindGateway) {
			details = append(details, "Gateway "+p.Label()+": the input holds no Gateways to check")
			continue
		}
		gw, err := source.Get[gatewayv1.Gateway](ctx, s.Source, p.Namespace, p.Name)
		switch {
		case source.IsNotFound(err):
			findings = append(findings, parentNotFound(ctx, s, p))
			details = append(details, "Gateway "+p.Label()+": not found")
		case err != nil:
			findings = append(findings, engine.ReadErrorFinding(err))
			unknown = true
		default:
			p.Gateway = gw
			details = append(details, fmt.Sprintf("Gateway %s: class %s, %d listener(s)", p.Label(), gw.Spec.GatewayClassName, len(gw.Spec.Listeners)))
		}
	}
	res := engine.Found(fmt.Sprintf("%d parentRef(s)", len(r.ParentRefs)), findings...).WithDetails(details...)
	if unknown && res.Status != diag.StatusFail {
		res.Status = diag.StatusUnknown
	}
	return res
}

func parentNotFound(ctx context.Context, s *State, p *Parent) diag.Finding {
	f := diag.New(diag.RouteParentNotFound, s.Ref(), "%s %s/%s attaches to Gateway %s/%s, which does not exist",
		s.Route.Kind, s.Namespace, s.Name, p.Namespace, p.Name).
		WithFix("point parentRefs at an existing Gateway (set parentRefs[].namespace when the Gateway lives in another namespace), or create the Gateway").
		WithCommands("kubectl get gateways -A")
	all, err := source.List[gatewayv1.Gateway](ctx, s.Source, source.AllNamespaces, nil)
	if err != nil && source.IsForbidden(err) {
		all, err = source.List[gatewayv1.Gateway](ctx, s.Source, p.Namespace, nil)
	}
	if err != nil {
		return f.WithEvidence("could not list Gateways: " + err.Error())
	}
	var here, elsewhere, admitting []string
	routeNS, nsErr := s.namespace(ctx, s.Namespace)
	for i := range all {
		g := &all[i]
		switch {
		case g.Namespace == p.Namespace:
			here = append(here, g.Name)
		case g.Name == p.Name:
			// A Gateway of that name whose listeners would take the route is the
			// likeliest one meant: name it first.
			if nsErr == nil && admitsFrom(g, s.Route.Kind, routeNS) {
				admitting = append(admitting, g.Namespace)
			} else {
				elsewhere = append(elsewhere, g.Namespace)
			}
		}
	}
	elsewhere = append(admitting, elsewhere...)
	f = finding.DidYouMean(f, p.Namespace, "Gateways", kube.SimilarNames(p.Name, here))
	if len(elsewhere) > 0 {
		f = f.WithEvidence(fmt.Sprintf("a Gateway named %s exists in namespace %s: parentRefs default to the route's own namespace, so set parentRefs[].namespace: %s",
			p.Name, strings.Join(elsewhere, ", "), elsewhere[0]))
		if !strings.Contains(f.Message, "did you mean") {
			f.Message += fmt.Sprintf(" (it exists in namespace %s)", elsewhere[0])
		}
	}
	if len(here) == 0 && len(elsewhere) == 0 {
		f = f.WithEvidence(fmt.Sprintf("namespace %s has no Gateways", p.Namespace))
	}
	return f
}

// admitsFrom reports whether some listener of g takes routes of kind from routeNS.
func admitsFrom(g *gatewayv1.Gateway, kind string, routeNS *corev1.Namespace) bool {
	for _, l := range g.Spec.Listeners {
		if why, _ := kindNotAllowed(l, kind); why != "" {
			continue
		}
		if why, _ := namespaceNotAllowed(l, g, routeNS); why == "" {
			return true
		}
	}
	return false
}

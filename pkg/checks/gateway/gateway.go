package gateway

import (
	"context"
	"fmt"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// A Gateway on its own, as scan diagnoses each one once: its GatewayClass, the
// certificates of every TLS-terminating listener (against the listener's own hostname),
// and the conditions the controller wrote on it and on every listener. The route tree
// judges the same things only for the listeners a route attaches to; in a scan that also
// diagnoses the Gateway (WithGatewaysOnce) the routes leave them to the Gateway's report,
// so that a broken Gateway is one finding, not one per route.

// Check IDs of a Gateway's own diagnosis, in walk order.
const (
	CheckGatewayExists       = "gateway.exists"
	CheckGatewayGatewayClass = "gateway.gatewayclass"
	CheckGatewayListenerTLS  = "gateway.tls"
	CheckGatewayProgrammed   = "gateway.programmed"
)

// GatewayChecks is the tree of one Gateway; the checks are the route tree's, run over
// every listener.
func GatewayChecks() []engine.Check[State] {
	return []engine.Check[State]{
		{ID: CheckGatewayExists, Title: "Gateway exists", Run: checkGatewayExists},
		{ID: CheckGatewayGatewayClass, Title: "the GatewayClass exists and is Accepted", Needs: []string{CheckGatewayExists}, Run: checkGatewayClass},
		{ID: CheckGatewayListenerTLS, Title: "TLS listeners have valid certificates for their hostnames", Needs: []string{CheckGatewayExists}, Run: checkListenerTLS},
		{ID: CheckGatewayProgrammed, Title: "the controller programmed the Gateway and its listeners", Needs: []string{CheckGatewayExists}, Run: checkProgrammed},
	}
}

// DiagnoseGateway walks the tree of Gateway namespace/name. The error is non-nil when
// the Gateway could not be read.
func DiagnoseGateway(ctx context.Context, src source.Source, namespace, name string) (diag.Report, error) {
	s := NewState(src, namespace, name, source.KindGateway)
	report := diag.NewReport("route", diag.ObjectRef{Kind: source.KindGateway, Namespace: namespace, Name: name})
	err := engine.Walk(WithoutGatewaysOnce(ctx), GatewayChecks(), s, &report)
	return report, err
}

// checkGatewayExists reads the Gateway: it stands as the only parent, with every
// listener (s.Route stays nil: there is no route to admit).
func checkGatewayExists(ctx context.Context, s *State) engine.Result {
	gw, err := source.Get[gatewayv1.Gateway](ctx, s.Source, s.Namespace, s.Name)
	if err != nil {
		return engine.Result{Fatal: err}
	}
	s.Parents = []*Parent{{Namespace: gw.Namespace, Name: gw.Name, IsGateway: true, Gateway: gw, Listeners: gw.Spec.Listeners}}
	return engine.Pass("Gateway %s/%s: class %s, %d listener(s)%s", gw.Namespace, gw.Name, gw.Spec.GatewayClassName, len(gw.Spec.Listeners), listenerSummary(gw.Spec.Listeners))
}

func listenerSummary(ls []gatewayv1.Listener) string {
	if len(ls) == 0 {
		return ""
	}
	out := ":"
	for i, l := range ls {
		if i > 0 {
			out += ","
		}
		out += fmt.Sprintf(" %s %s/%d", l.Name, l.Protocol, l.Port)
	}
	return out
}

type gatewaysOnceKey struct{}

// WithGatewaysOnce marks ctx as a scan of scope (a namespace, or source.AllNamespaces)
// that diagnoses each Gateway of the scope on its own (DiagnoseGateway): the route
// diagnoses under it leave those Gateways' class, certificates and conditions to the
// Gateway's report. Gateways outside the scope are still judged in each route.
func WithGatewaysOnce(ctx context.Context, scope string) context.Context {
	return context.WithValue(ctx, gatewaysOnceKey{}, &scope)
}

// WithoutGatewaysOnce clears the mark: for the Gateway's own diagnosis, and for the
// routes of a scan that could not list the Gateways (each route then judges its own).
func WithoutGatewaysOnce(ctx context.Context) context.Context {
	return context.WithValue(ctx, gatewaysOnceKey{}, (*string)(nil))
}

// reportedOnce reports whether gw is diagnosed on its own in the scan ctx belongs to.
func reportedOnce(ctx context.Context, gw *gatewayv1.Gateway) bool {
	scope, _ := ctx.Value(gatewaysOnceKey{}).(*string)
	return scope != nil && (*scope == source.AllNamespaces || *scope == gw.Namespace)
}

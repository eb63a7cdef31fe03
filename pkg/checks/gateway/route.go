package gateway

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// RouteKinds are the route kinds `route NAME` looks for, in lookup order: the
// commonest first, so that a name shared by an HTTPRoute and a GRPCRoute resolves to
// the HTTPRoute unless --kind says otherwise.
var RouteKinds = []string{source.KindHTTPRoute, source.KindGRPCRoute, source.KindTLSRoute, source.KindTCPRoute}

// ParseKind accepts a route kind as users type it: HTTPRoute, httproute, http, ...
func ParseKind(s string) (string, error) {
	want := strings.ToLower(strings.TrimSpace(s))
	for _, k := range RouteKinds {
		lower := strings.ToLower(k)
		if want == lower || want+"route" == lower || want == lower+"s" {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown route kind %q (want one of %s)", s, strings.Join(RouteKinds, ", "))
}

// Route is the kind-independent view of an HTTPRoute, GRPCRoute, TLSRoute or TCPRoute:
// what the checks need is the same for all of them.
type Route struct {
	Kind       string
	Meta       metav1.ObjectMeta
	ParentRefs []gatewayv1.ParentReference
	// Hostnames are the route's hostnames; HasHostnames is false for kinds that have
	// none (TCPRoute), which attach whatever the listener's hostname.
	Hostnames    []gatewayv1.Hostname
	HasHostnames bool
	Rules        []Rule
	Status       gatewayv1.RouteStatus
	// DefaultScope is spec.useDefaultGateways: attach to the default Gateways of that
	// scope when there are no parentRefs.
	DefaultScope string
}

// Rule is one rule of a route with its backends.
type Rule struct {
	Name        string
	BackendRefs []gatewayv1.BackendRef
}

// Label names the rule as users see it: "rule 1" or "rule 1 (canary)".
func (r Rule) Label(i int) string {
	if r.Name != "" {
		return fmt.Sprintf("rule %d (%s)", i+1, r.Name)
	}
	return fmt.Sprintf("rule %d", i+1)
}

func ruleName(n *gatewayv1.SectionName) string {
	if n == nil {
		return ""
	}
	return string(*n)
}

// newRoute is the part of a Route every kind has; hostnames is nil for a kind without
// them (TCPRoute).
func newRoute(kind string, meta metav1.ObjectMeta, parents []gatewayv1.ParentReference, hostnames *[]gatewayv1.Hostname,
	status gatewayv1.RouteStatus, scope gatewayv1.GatewayDefaultScope) *Route {
	r := &Route{Kind: kind, Meta: meta, ParentRefs: parents, Status: status, DefaultScope: string(scope)}
	if hostnames != nil {
		r.Hostnames, r.HasHostnames = *hostnames, true
	}
	return r
}

// rulesOf is the kind-independent view of a route's rules: their names and backends.
func rulesOf[R any](rules []R, view func(*R) (*gatewayv1.SectionName, []gatewayv1.BackendRef)) []Rule {
	out := make([]Rule, 0, len(rules))
	for i := range rules {
		name, refs := view(&rules[i])
		out = append(out, Rule{Name: ruleName(name), BackendRefs: refs})
	}
	return out
}

// backendRefs drops what the HTTP and gRPC backendRefs add to a BackendRef (filters).
func backendRefs[B any](refs []B, ref func(*B) gatewayv1.BackendRef) []gatewayv1.BackendRef {
	var out []gatewayv1.BackendRef
	for i := range refs {
		out = append(out, ref(&refs[i]))
	}
	return out
}

func fromHTTPRoute(r *gatewayv1.HTTPRoute) *Route {
	out := newRoute(source.KindHTTPRoute, r.ObjectMeta, r.Spec.ParentRefs, &r.Spec.Hostnames, r.Status.RouteStatus, r.Spec.UseDefaultGateways)
	out.Rules = rulesOf(r.Spec.Rules, func(rule *gatewayv1.HTTPRouteRule) (*gatewayv1.SectionName, []gatewayv1.BackendRef) {
		return rule.Name, backendRefs(rule.BackendRefs, func(b *gatewayv1.HTTPBackendRef) gatewayv1.BackendRef { return b.BackendRef })
	})
	return out
}

func fromGRPCRoute(r *gatewayv1.GRPCRoute) *Route {
	out := newRoute(source.KindGRPCRoute, r.ObjectMeta, r.Spec.ParentRefs, &r.Spec.Hostnames, r.Status.RouteStatus, r.Spec.UseDefaultGateways)
	out.Rules = rulesOf(r.Spec.Rules, func(rule *gatewayv1.GRPCRouteRule) (*gatewayv1.SectionName, []gatewayv1.BackendRef) {
		return rule.Name, backendRefs(rule.BackendRefs, func(b *gatewayv1.GRPCBackendRef) gatewayv1.BackendRef { return b.BackendRef })
	})
	return out
}

func fromTLSRoute(r *gatewayv1.TLSRoute) *Route {
	out := newRoute(source.KindTLSRoute, r.ObjectMeta, r.Spec.ParentRefs, &r.Spec.Hostnames, r.Status.RouteStatus, r.Spec.UseDefaultGateways)
	out.Rules = rulesOf(r.Spec.Rules, func(rule *gatewayv1.TLSRouteRule) (*gatewayv1.SectionName, []gatewayv1.BackendRef) {
		return rule.Name, rule.BackendRefs
	})
	return out
}

func fromTCPRoute(r *gatewayv1.TCPRoute) *Route {
	out := newRoute(source.KindTCPRoute, r.ObjectMeta, r.Spec.ParentRefs, nil, r.Status.RouteStatus, r.Spec.UseDefaultGateways)
	out.Rules = rulesOf(r.Spec.Rules, func(rule *gatewayv1.TCPRouteRule) (*gatewayv1.SectionName, []gatewayv1.BackendRef) {
		return rule.Name, rule.BackendRefs
	})
	return out
}

// routeReaders read a route of each kind as a Route.
var routeReaders = map[string]func(ctx context.Context, src source.Source, namespace, name string) (*Route, error){
	source.KindHTTPRoute: readRoute(fromHTTPRoute),
	source.KindGRPCRoute: readRoute(fromGRPCRoute),
	source.KindTLSRoute:  readRoute(fromTLSRoute),
	source.KindTCPRoute:  readRoute(fromTCPRoute),
}

func readRoute[T any](view func(*T) *Route) func(ctx context.Context, src source.Source, namespace, name string) (*Route, error) {
	return func(ctx context.Context, src source.Source, namespace, name string) (*Route, error) {
		r, err := source.Get[T](ctx, src, namespace, name)
		if err != nil {
			return nil, err
		}
		return view(r), nil
	}
}

// getRoute reads the route of kind namespace/name.
func getRoute(ctx context.Context, src source.Source, kind, namespace, name string) (*Route, error) {
	read, ok := routeReaders[kind]
	if !ok {
		return nil, fmt.Errorf("unknown route kind %s", kind)
	}
	return read(ctx, src, namespace, name)
}

// routeNames lists the routes of kind in namespace, by their metadata.
func routeNames(ctx context.Context, src source.Source, kind, namespace string) ([]metav1.Object, error) {
	if _, ok := routeReaders[kind]; !ok {
		return nil, fmt.Errorf("unknown route kind %s", kind)
	}
	return source.ListMeta(ctx, src, kind, namespace, nil)
}

// protocolKinds are the route kinds a listener protocol can carry when its
// allowedRoutes.kinds is empty, and the only kinds it can carry at all: HTTPRoute and
// GRPCRoute ride HTTP and HTTPS, TLSRoute rides TLS (passthrough or terminated),
// TCPRoute rides TCP (and a terminated TLS listener).
var protocolKinds = map[gatewayv1.ProtocolType][]string{
	gatewayv1.HTTPProtocolType:  {source.KindHTTPRoute, source.KindGRPCRoute},
	gatewayv1.HTTPSProtocolType: {source.KindHTTPRoute, source.KindGRPCRoute},
	gatewayv1.TLSProtocolType:   {source.KindTLSRoute, source.KindTCPRoute},
	gatewayv1.TCPProtocolType:   {source.KindTCPRoute},
	gatewayv1.UDPProtocolType:   {"UDPRoute"},
}

func group(g *gatewayv1.Group, def string) string {
	if g == nil {
		return def
	}
	return string(*g)
}

func kind(k *gatewayv1.Kind, def string) string {
	if k == nil {
		return def
	}
	return string(*k)
}

func namespaceOf(ns *gatewayv1.Namespace, def string) string {
	if ns == nil || *ns == "" {
		return def
	}
	return string(*ns)
}

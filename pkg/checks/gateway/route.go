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

func fromHTTPRoute(r *gatewayv1.HTTPRoute) *Route {
	out := &Route{Kind: source.KindHTTPRoute, Meta: r.ObjectMeta, ParentRefs: r.Spec.ParentRefs,
		Hostnames: r.Spec.Hostnames, HasHostnames: true, Status: r.Status.RouteStatus}
	for _, rule := range r.Spec.Rules {
		var refs []gatewayv1.BackendRef
		for _, b := range rule.BackendRefs {
			refs = append(refs, b.BackendRef)
		}
		out.Rules = append(out.Rules, Rule{Name: ruleName(rule.Name), BackendRefs: refs})
	}
	out.DefaultScope = string(r.Spec.UseDefaultGateways)
	return out
}

func fromGRPCRoute(r *gatewayv1.GRPCRoute) *Route {
	out := &Route{Kind: source.KindGRPCRoute, Meta: r.ObjectMeta, ParentRefs: r.Spec.ParentRefs,
		Hostnames: r.Spec.Hostnames, HasHostnames: true, Status: r.Status.RouteStatus}
	for _, rule := range r.Spec.Rules {
		var refs []gatewayv1.BackendRef
		for _, b := range rule.BackendRefs {
			refs = append(refs, b.BackendRef)
		}
		out.Rules = append(out.Rules, Rule{Name: ruleName(rule.Name), BackendRefs: refs})
	}
	out.DefaultScope = string(r.Spec.UseDefaultGateways)
	return out
}

func fromTLSRoute(r *gatewayv1.TLSRoute) *Route {
	out := &Route{Kind: source.KindTLSRoute, Meta: r.ObjectMeta, ParentRefs: r.Spec.ParentRefs,
		Hostnames: r.Spec.Hostnames, HasHostnames: true, Status: r.Status.RouteStatus}
	for _, rule := range r.Spec.Rules {
		out.Rules = append(out.Rules, Rule{Name: ruleName(rule.Name), BackendRefs: rule.BackendRefs})
	}
	out.DefaultScope = string(r.Spec.UseDefaultGateways)
	return out
}

func fromTCPRoute(r *gatewayv1.TCPRoute) *Route {
	out := &Route{Kind: source.KindTCPRoute, Meta: r.ObjectMeta, ParentRefs: r.Spec.ParentRefs, Status: r.Status.RouteStatus}
	for _, rule := range r.Spec.Rules {
		out.Rules = append(out.Rules, Rule{Name: ruleName(rule.Name), BackendRefs: rule.BackendRefs})
	}
	out.DefaultScope = string(r.Spec.UseDefaultGateways)
	return out
}

// getRoute reads the route of kind namespace/name.
func getRoute(ctx context.Context, src source.Source, kind, namespace, name string) (*Route, error) {
	switch kind {
	case source.KindHTTPRoute:
		r, err := source.Get[gatewayv1.HTTPRoute](ctx, src, namespace, name)
		if err != nil {
			return nil, err
		}
		return fromHTTPRoute(r), nil
	case source.KindGRPCRoute:
		r, err := source.Get[gatewayv1.GRPCRoute](ctx, src, namespace, name)
		if err != nil {
			return nil, err
		}
		return fromGRPCRoute(r), nil
	case source.KindTLSRoute:
		r, err := source.Get[gatewayv1.TLSRoute](ctx, src, namespace, name)
		if err != nil {
			return nil, err
		}
		return fromTLSRoute(r), nil
	case source.KindTCPRoute:
		r, err := source.Get[gatewayv1.TCPRoute](ctx, src, namespace, name)
		if err != nil {
			return nil, err
		}
		return fromTCPRoute(r), nil
	}
	return nil, fmt.Errorf("unknown route kind %s", kind)
}

// routeNames lists the names of the routes of kind in namespace, with their namespaces.
func routeNames(ctx context.Context, src source.Source, kind, namespace string) ([]metav1.ObjectMeta, error) {
	var out []metav1.ObjectMeta
	switch kind {
	case source.KindHTTPRoute:
		rs, err := source.List[gatewayv1.HTTPRoute](ctx, src, namespace, nil)
		for _, r := range rs {
			out = append(out, r.ObjectMeta)
		}
		return out, err
	case source.KindGRPCRoute:
		rs, err := source.List[gatewayv1.GRPCRoute](ctx, src, namespace, nil)
		for _, r := range rs {
			out = append(out, r.ObjectMeta)
		}
		return out, err
	case source.KindTLSRoute:
		rs, err := source.List[gatewayv1.TLSRoute](ctx, src, namespace, nil)
		for _, r := range rs {
			out = append(out, r.ObjectMeta)
		}
		return out, err
	case source.KindTCPRoute:
		rs, err := source.List[gatewayv1.TCPRoute](ctx, src, namespace, nil)
		for _, r := range rs {
			out = append(out, r.ObjectMeta)
		}
		return out, err
	}
	return nil, fmt.Errorf("unknown route kind %s", kind)
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

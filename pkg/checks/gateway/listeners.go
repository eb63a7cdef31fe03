package gateway

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkListeners: a route attaches to a Gateway through its listeners. parentRef
// sectionName and port narrow the listeners it asks for; each of those admits the
// route only if (1) its protocol carries the route's kind (HTTP/HTTPS: HTTPRoute and
// GRPCRoute; TLS: TLSRoute; TCP: TCPRoute) and allowedRoutes.kinds, when set, lists
// it; and (2) allowedRoutes.namespaces allows the route's namespace: Same (the
// default: only routes in the Gateway's namespace), All, Selector (a label selector on
// the route's Namespace object) or None. Hostnames are checked next, on the listeners
// that pass.
func checkListeners(ctx context.Context, s *State) engine.Result {
	routeNS, err := s.namespace(ctx, s.Namespace)
	if err != nil {
		return engine.ReadError(err)
	}
	var findings []diag.Finding
	var details []string
	checked := 0
	for _, p := range s.Parents {
		if p.Gateway == nil {
			continue
		}
		checked++
		reasons, fix := s.admit(p, routeNS)
		if len(p.Listeners) > 0 {
			names := make([]string, 0, len(p.Listeners))
			for _, l := range p.Listeners {
				names = append(names, fmt.Sprintf("%s (%s/%d)", l.Name, l.Protocol, l.Port))
			}
			details = append(details, fmt.Sprintf("Gateway %s: admitted by listener %s", p.Label(), strings.Join(names, ", ")))
			continue
		}
		f := diag.New(diag.RouteNotAllowedByListener, s.Ref(), "no listener of Gateway %s admits %s %s/%s: %s",
			p.Label(), s.Route.Kind, s.Namespace, s.Name, reasons[0]).
			WithEvidence(reasons...).
			WithFix("%s", fix).
			WithCommands(fmt.Sprintf("kubectl get gateway %s -n %s -o jsonpath='{range .spec.listeners[*]}{.name} {.protocol}/{.port} {.allowedRoutes}{\"\\n\"}{end}'", p.Name, p.Namespace))
		findings = append(findings, f)
		details = append(details, fmt.Sprintf("Gateway %s: no listener admits the route", p.Label()))
	}
	if checked == 0 {
		return engine.Skip("no parent Gateway found")
	}
	// The listeners' own status conditions are the controller's verdict, read by
	// route.programmed (GatewayNotProgrammed).
	return engine.Found(fmt.Sprintf("%d Gateway(s) checked", checked), findings...).WithDetails(details...)
}

// admit fills p.Listeners with the listeners that admit the route, and otherwise
// returns why none does and the fix for the first reason.
func (s *State) admit(p *Parent, routeNS *corev1.Namespace) ([]string, string) {
	gw := p.Gateway
	var reasons []string
	fix := ""
	candidates := 0
	for _, l := range gw.Spec.Listeners {
		if p.Ref.SectionName != nil && l.Name != *p.Ref.SectionName {
			continue
		}
		if p.Ref.Port != nil && l.Port != *p.Ref.Port {
			continue
		}
		candidates++
		if why, f := kindNotAllowed(l, s.Route.Kind); why != "" {
			reasons = append(reasons, fmt.Sprintf("listener %s (%s/%d): %s", l.Name, l.Protocol, l.Port, why))
			if fix == "" {
				fix = f
			}
			continue
		}
		if why, f := namespaceNotAllowed(l, gw, routeNS); why != "" {
			reasons = append(reasons, fmt.Sprintf("listener %s (%s/%d): %s", l.Name, l.Protocol, l.Port, why))
			if fix == "" {
				fix = f
			}
			continue
		}
		p.Listeners = append(p.Listeners, l)
	}
	if candidates == 0 {
		var all []string
		for _, l := range gw.Spec.Listeners {
			all = append(all, fmt.Sprintf("%s (%s/%d)", l.Name, l.Protocol, l.Port))
		}
		want := []string{}
		if p.Ref.SectionName != nil {
			want = append(want, "sectionName "+string(*p.Ref.SectionName))
		}
		if p.Ref.Port != nil {
			want = append(want, "port "+itoa(*p.Ref.Port))
		}
		reasons = append(reasons, fmt.Sprintf("the parentRef asks for %s, but the Gateway's listeners are %s", strings.Join(want, " and "), orNone(all)))
		fix = "set parentRefs[].sectionName/port to a listener of the Gateway (or drop them to let any listener admit the route)"
	}
	return reasons, fix
}

// kindNotAllowed explains why listener l does not take routes of kind, with the fix.
func kindNotAllowed(l gatewayv1.Listener, kind string) (string, string) {
	carried, known := protocolKinds[l.Protocol]
	if l.AllowedRoutes != nil && len(l.AllowedRoutes.Kinds) > 0 {
		var listed []string
		for _, rk := range l.AllowedRoutes.Kinds {
			if group(rk.Group, source.GatewayGroup) == source.GatewayGroup {
				listed = append(listed, string(rk.Kind))
			}
		}
		if !slices.Contains(listed, kind) {
			return fmt.Sprintf("allowedRoutes.kinds lists %s, not %s", orNone(listed), kind),
				fmt.Sprintf("add kind %s to allowedRoutes.kinds of listener %s, or attach the route to a listener that takes it", kind, l.Name)
		}
	}
	if known && !slices.Contains(carried, kind) {
		return fmt.Sprintf("protocol %s carries %s, not %s", l.Protocol, strings.Join(carried, " and "), kind),
			fmt.Sprintf("attach the %s to a listener whose protocol carries it (sectionName), or add such a listener", kind)
	}
	return "", ""
}

// namespaceNotAllowed explains why listener l of gw does not take routes from routeNS.
func namespaceNotAllowed(l gatewayv1.Listener, gw *gatewayv1.Gateway, routeNS *corev1.Namespace) (string, string) {
	from := gatewayv1.NamespacesFromSame
	var selector *metav1.LabelSelector
	if l.AllowedRoutes != nil && l.AllowedRoutes.Namespaces != nil {
		if l.AllowedRoutes.Namespaces.From != nil {
			from = *l.AllowedRoutes.Namespaces.From
		}
		selector = l.AllowedRoutes.Namespaces.Selector
	}
	switch from {
	case gatewayv1.NamespacesFromAll:
		return "", ""
	case gatewayv1.NamespacesFromSame:
		if routeNS.Name == gw.Namespace {
			return "", ""
		}
		return fmt.Sprintf("allowedRoutes.namespaces.from is Same (the default): only routes in namespace %s attach, this one is in %s", gw.Namespace, routeNS.Name),
			fmt.Sprintf("on listener %s of Gateway %s/%s set allowedRoutes.namespaces.from: All, or Selector matching namespace %s (e.g. kubernetes.io/metadata.name: %s)", l.Name, gw.Namespace, gw.Name, routeNS.Name, routeNS.Name)
	case gatewayv1.NamespacesFromSelector:
		if selector == nil {
			return "allowedRoutes.namespaces.from is Selector but no selector is set", fmt.Sprintf("set allowedRoutes.namespaces.selector on listener %s", l.Name)
		}
		sel, err := metav1.LabelSelectorAsSelector(selector)
		if err != nil {
			return "allowedRoutes.namespaces.selector is invalid: " + err.Error(), fmt.Sprintf("fix allowedRoutes.namespaces.selector on listener %s", l.Name)
		}
		if sel.Matches(labels.Set(routeNS.Labels)) {
			return "", ""
		}
		return fmt.Sprintf("allowedRoutes.namespaces.selector %s does not match namespace %s (labels %s)", sel, routeNS.Name, formatLabels(routeNS.Labels)),
			fmt.Sprintf("label namespace %s to match %s (kubectl label namespace %s ...), or widen the listener's selector", routeNS.Name, sel, routeNS.Name)
	case gatewayv1.NamespacesFromNone:
		return "allowedRoutes.namespaces.from is None: the listener takes no routes", fmt.Sprintf("change allowedRoutes.namespaces.from on listener %s", l.Name)
	}
	return fmt.Sprintf("allowedRoutes.namespaces.from %q is not a value netdoctor knows", from), ""
}

func formatLabels(l map[string]string) string {
	if len(l) == 0 {
		return "none"
	}
	return labels.Set(l).String()
}

func orNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}

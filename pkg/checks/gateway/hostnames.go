package gateway

import (
	"context"
	"fmt"
	"strings"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
)

// checkHostnames: when both a listener and an HTTPRoute, GRPCRoute or TLSRoute name
// hostnames, the route attaches to the listener only if at least one pair intersects
// (an empty list on either side matches everything). A leading "*." is a suffix match
// of one or more labels: *.example.com matches a.example.com and a.b.example.com, not
// example.com. Route hostnames outside the listener's are ignored, so a route whose
// hostnames all miss is not accepted (Accepted=False, NoMatchingListenerHostname).
func checkHostnames(_ context.Context, s *State) engine.Result {
	if !s.Route.HasHostnames {
		return engine.Skip("%s has no hostnames", s.Route.Kind)
	}
	var findings []diag.Finding
	var details []string
	checked := 0
	for _, p := range s.Parents {
		if len(p.Listeners) == 0 {
			continue
		}
		checked++
		var matched, missed []string
		for _, l := range p.Listeners {
			lh := "*"
			if l.Hostname != nil && *l.Hostname != "" {
				lh = string(*l.Hostname)
			}
			if hits := intersect(l.Hostname, s.Route.Hostnames); len(hits) > 0 {
				matched = append(matched, fmt.Sprintf("listener %s (%s): %s", l.Name, lh, strings.Join(hits, ", ")))
			} else {
				missed = append(missed, fmt.Sprintf("listener %s serves %s", l.Name, lh))
			}
		}
		if len(matched) > 0 {
			details = append(details, fmt.Sprintf("Gateway %s: %s", p.Label(), strings.Join(matched, "; ")))
			continue
		}
		route := hostnames(s.Route.Hostnames)
		f := diag.New(diag.RouteHostnameMismatch, s.Ref(), "%s %s/%s hostnames %s match no listener hostname of Gateway %s (%s)",
			s.Route.Kind, s.Namespace, s.Name, route, p.Label(), strings.Join(missed, "; ")).
			WithEvidence(missed...).
			WithEvidence("a wildcard *.example.com matches one or more labels before example.com, never example.com itself").
			WithFix("add a hostname to the route that the listener serves, or change the listener's hostname (or attach the route to a listener whose hostname matches)").
			WithCommands(fmt.Sprintf("kubectl get gateway %s -n %s -o jsonpath='{range .spec.listeners[*]}{.name} {.hostname}{\"\\n\"}{end}'", p.Name, p.Namespace))
		findings = append(findings, f)
		details = append(details, fmt.Sprintf("Gateway %s: no listener hostname matches %s", p.Label(), route))
	}
	if checked == 0 {
		return engine.Skip("no listener admits the route")
	}
	return engine.Found(fmt.Sprintf("%d Gateway(s) checked", checked), findings...).WithDetails(details...)
}

// intersect returns the hostnames the route is served under on a listener with
// hostname listener (nil: every hostname); empty when they do not intersect.
func intersect(listener *gatewayv1.Hostname, route []gatewayv1.Hostname) []string {
	if len(route) == 0 {
		if listener == nil || *listener == "" {
			return []string{"every hostname"}
		}
		return []string{string(*listener)}
	}
	var out []string
	for _, rh := range route {
		if listener == nil || *listener == "" {
			out = append(out, string(rh))
			continue
		}
		if hostnamesIntersect(string(*listener), string(rh)) {
			out = append(out, string(rh))
		}
	}
	return out
}

// hostnamesIntersect reports whether two hostnames, either possibly a "*." wildcard,
// can match the same request host.
func hostnamesIntersect(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	aw, bw := strings.HasPrefix(a, "*."), strings.HasPrefix(b, "*.")
	switch {
	case a == b:
		return true
	case aw && bw:
		return strings.HasSuffix(a, b[1:]) || strings.HasSuffix(b, a[1:])
	case aw:
		return strings.HasSuffix(b, a[1:])
	case bw:
		return strings.HasSuffix(a, b[1:])
	}
	return false
}

func hostnames(hs []gatewayv1.Hostname) string {
	if len(hs) == 0 {
		return "(any)"
	}
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, string(h))
	}
	return strings.Join(out, ", ")
}

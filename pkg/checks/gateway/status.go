package gateway

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkStatus reads the controller's own verdict: for each parentRef it implements, a
// Gateway controller writes status.parents[] with Accepted (did the route attach?) and
// ResolvedRefs (did every backendRef resolve?). False on either means the route, or
// part of it, is not served; the reason and message name what the controller saw. A
// parentRef without a status entry has not been processed by any controller.
func checkStatus(_ context.Context, s *State) engine.Result {
	if len(s.Route.ParentRefs) == 0 {
		return engine.Skip("no parentRefs")
	}
	if !s.Source.Guarantees(source.ControllerStatus) && len(s.Route.Status.Parents) == 0 {
		return engine.Skip("the input holds no route status")
	}
	var findings []diag.Finding
	var details []string
	pending := false
	for _, ref := range s.Route.ParentRefs {
		ps := s.statusFor(ref)
		label := s.parentLabel(ref)
		if ps == nil {
			details = append(details, fmt.Sprintf("%s: no status from any controller (not processed yet, or no controller implements its class)", label))
			pending = true
			continue
		}
		var bad []string
		for _, t := range []string{string(gatewayv1.RouteConditionAccepted), string(gatewayv1.RouteConditionResolvedRefs)} {
			c := meta.FindStatusCondition(ps.Conditions, t)
			switch {
			case c == nil:
				details = append(details, fmt.Sprintf("%s: no %s condition", label, t))
			case c.Status == metav1.ConditionFalse:
				bad = append(bad, fmt.Sprintf("%s=False, reason %s: %s", t, c.Reason, c.Message))
			default:
				details = append(details, fmt.Sprintf("%s: %s=%s (%s)", label, t, c.Status, c.Reason))
			}
		}
		if len(bad) == 0 {
			continue
		}
		details = append(details, fmt.Sprintf("%s: %s", label, bad[0]))
		findings = append(findings, diag.New(diag.RouteNotAccepted, s.Ref(), "controller %s reports %s %s/%s on %s as %s",
			ps.ControllerName, s.Route.Kind, s.Namespace, s.Name, label, bad[0]).
			WithEvidence(bad...).
			WithFix("%s", statusFix(ps)).
			WithCommands(fmt.Sprintf("kubectl get %s %s -n %s -o jsonpath='{.status.parents}'", strings.ToLower(s.Route.Kind), s.Name, s.Namespace)))
	}
	res := engine.Found(fmt.Sprintf("%d parent status(es)", len(s.Route.Status.Parents)), findings...).WithDetails(details...)
	if pending && res.Status == diag.StatusPass {
		res.Status = diag.StatusWarn
	}
	return res
}

// statusFor finds the status entry of a parentRef, comparing with the API's defaults.
func (s *State) statusFor(ref gatewayv1.ParentReference) *gatewayv1.RouteParentStatus {
	for i := range s.Route.Status.Parents {
		got := s.Route.Status.Parents[i].ParentRef
		if group(got.Group, source.GatewayGroup) == group(ref.Group, source.GatewayGroup) &&
			kind(got.Kind, source.KindGateway) == kind(ref.Kind, source.KindGateway) &&
			namespaceOf(got.Namespace, s.Namespace) == namespaceOf(ref.Namespace, s.Namespace) &&
			got.Name == ref.Name &&
			sectionOf(got.SectionName) == sectionOf(ref.SectionName) &&
			portOf(got.Port) == portOf(ref.Port) {
			return &s.Route.Status.Parents[i]
		}
	}
	return nil
}

func (s *State) parentLabel(ref gatewayv1.ParentReference) string {
	p := Parent{Ref: ref, Namespace: namespaceOf(ref.Namespace, s.Namespace), Name: string(ref.Name)}
	return kind(ref.Kind, source.KindGateway) + " " + p.Label()
}

// statusFix turns the standard reasons into the next step.
func statusFix(ps *gatewayv1.RouteParentStatus) string {
	for _, c := range ps.Conditions {
		if c.Status != metav1.ConditionFalse {
			continue
		}
		switch gatewayv1.RouteConditionReason(c.Reason) {
		case gatewayv1.RouteReasonNotAllowedByListeners:
			return "let a listener admit the route: allowedRoutes namespaces and kinds, sectionName and port"
		case gatewayv1.RouteReasonNoMatchingListenerHostname:
			return "make the route's hostnames intersect a listener hostname"
		case gatewayv1.RouteReasonNoMatchingParent:
			return "fix parentRefs sectionName/port to name an existing listener"
		case gatewayv1.RouteReasonRefNotPermitted:
			return "add a ReferenceGrant in the backend's namespace that allows this route kind from this namespace"
		case gatewayv1.RouteReasonBackendNotFound:
			return "create the missing backend Service (or fix its name, namespace or port)"
		case gatewayv1.RouteReasonInvalidKind:
			return "use a backendRef kind the implementation supports (Service)"
		case gatewayv1.RouteReasonUnsupportedValue, gatewayv1.RouteReasonIncompatibleFilters:
			return "remove the feature the implementation does not support (see the message)"
		}
	}
	return "fix what the controller's message names, then check the route's status again"
}

func sectionOf(s *gatewayv1.SectionName) string {
	if s == nil {
		return ""
	}
	return string(*s)
}

func portOf(p *gatewayv1.PortNumber) int32 {
	if p == nil {
		return 0
	}
	return *p
}

package gateway

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkProgrammed reads the controller's verdict on the parent Gateways: Programmed
// (the data plane is configured and, for most implementations, has an address) and
// Accepted on the Gateway, and Accepted, ResolvedRefs and Programmed on each listener
// the route attaches to. Only a condition that is explicitly False counts: a Gateway
// without status (not reconciled yet, or -f manifests written by hand) or with
// conditions Unknown (Pending) is not reported, because unknown is not false.
func checkProgrammed(ctx context.Context, s *State) engine.Result {
	var findings []diag.Finding
	var details []string
	checked, noStatus, once := 0, 0, 0
	for _, p := range s.Parents {
		gw := p.Gateway
		if gw == nil {
			continue
		}
		label := fmt.Sprintf("Gateway %s/%s", gw.Namespace, gw.Name)
		if reportedOnce(ctx, gw) {
			details = append(details, label+": reported once, under the Gateway")
			once++
			continue
		}
		checked++
		if len(gw.Status.Conditions) == 0 && len(gw.Status.Listeners) == 0 {
			details = append(details, label+": no status (not reconciled by a controller yet, or none in the input)")
			noStatus++
			continue
		}
		var problems []string
		for _, t := range []string{string(gatewayv1.GatewayConditionProgrammed), string(gatewayv1.GatewayConditionAccepted)} {
			c := meta.FindStatusCondition(gw.Status.Conditions, t)
			switch {
			case c == nil:
				details = append(details, fmt.Sprintf("%s: no %s condition", label, t))
			case c.Status == metav1.ConditionFalse:
				problems = append(problems, fmt.Sprintf("%s=False, reason %s: %s%s", t, c.Reason, c.Message, stale(c, gw.Generation)))
			default:
				details = append(details, fmt.Sprintf("%s: %s=%s (%s)", label, t, c.Status, c.Reason))
			}
		}
		var listeners []string
		for _, l := range s.attached(p) {
			listeners = append(listeners, string(l.Name))
			for _, t := range []string{string(gatewayv1.ListenerConditionAccepted), string(gatewayv1.ListenerConditionResolvedRefs), string(gatewayv1.ListenerConditionProgrammed)} {
				c := listenerCondition(gw, l.Name, t)
				switch {
				case c == nil:
				case c.Status == metav1.ConditionFalse:
					problems = append(problems, fmt.Sprintf("listener %s %s=False, reason %s: %s%s", l.Name, t, c.Reason, c.Message, stale(c, gw.Generation)))
				default:
					details = append(details, fmt.Sprintf("%s listener %s: %s=%s (%s)", label, l.Name, t, c.Status, c.Reason))
				}
			}
		}
		if len(problems) == 0 {
			continue
		}
		for _, pr := range problems {
			details = append(details, label+": "+pr)
		}
		what := label
		if s.Route != nil {
			what = fmt.Sprintf("%s, parent of %s %s/%s,", label, s.Route.Kind, s.Namespace, s.Name)
		}
		f := diag.New(diag.GatewayNotProgrammed, diag.ObjectRef{Kind: source.KindGateway, Namespace: gw.Namespace, Name: gw.Name},
			"%s is not programmed: the controller reports %s", what, problems[0]).
			WithEvidence(problems...)
		if len(listeners) > 0 && s.Route != nil {
			f = f.WithEvidence(fmt.Sprintf("the route attaches to listener(s) %s", joinOr(listeners)))
		}
		findings = append(findings, f.
			WithFix("%s", programmedFix(gw)).
			WithCommands(fmt.Sprintf("kubectl get gateway %s -n %s -o jsonpath='{range .status.conditions[*]}{.type}={.status} {.reason}: {.message}{\"\\n\"}{end}{range .status.listeners[*]}{.name}{range .conditions[*]}{\"\\t\"}{.type}={.status} {.reason}: {.message}{\"\\n\"}{end}{end}'", gw.Name, gw.Namespace),
				fmt.Sprintf("kubectl describe gateway %s -n %s", gw.Name, gw.Namespace)))
	}
	if checked == 0 {
		if once > 0 {
			return engine.Skip("the Gateway's conditions are reported once, under the Gateway").WithDetails(details...)
		}
		return engine.Skip("no parent Gateway found")
	}
	res := engine.Found(fmt.Sprintf("%d Gateway(s) checked", checked), findings...).WithDetails(details...)
	if noStatus == checked && !s.Source.Guarantees(source.ControllerStatus) {
		return engine.Skip("the input holds no Gateway status").WithDetails(details...)
	}
	return res
}

// stale notes a condition written for an older generation of the Gateway.
func stale(c *metav1.Condition, generation int64) string {
	if c.ObservedGeneration > 0 && generation > 0 && c.ObservedGeneration < generation {
		return fmt.Sprintf(" (written for generation %d, the Gateway is at %d: the controller has not processed the latest change yet)", c.ObservedGeneration, generation)
	}
	return ""
}

// programmedFix turns the standard reasons into the next step.
func programmedFix(gw *gatewayv1.Gateway) string {
	for _, c := range gw.Status.Conditions {
		if c.Status != metav1.ConditionFalse {
			continue
		}
		switch gatewayv1.GatewayConditionReason(c.Reason) {
		case gatewayv1.GatewayReasonAddressNotAssigned:
			return "the Gateway has no address: check the Service the controller created for it (a LoadBalancer stays <pending> without a load-balancer implementation such as a cloud provider or MetalLB), or set spec.addresses to one the implementation can use"
		case gatewayv1.GatewayReasonAddressNotUsable, gatewayv1.GatewayReasonUnsupportedAddress:
			return "fix spec.addresses: the implementation cannot use the address requested"
		case gatewayv1.GatewayReasonNoResources:
			return "the data plane lacks resources: check the controller's proxy pods for the Gateway (kubectl get pods -A -l gateway.networking.k8s.io/gateway-name=" + gw.Name + ")"
		case gatewayv1.GatewayReasonInvalidParameters:
			return "fix the Gateway's infrastructure.parametersRef (or the GatewayClass parametersRef) that the message names"
		case gatewayv1.GatewayReasonListenersNotValid:
			return "fix the listeners the status names as invalid"
		}
	}
	for _, ls := range gw.Status.Listeners {
		for _, c := range ls.Conditions {
			if c.Status != metav1.ConditionFalse {
				continue
			}
			switch gatewayv1.ListenerConditionReason(c.Reason) {
			case gatewayv1.ListenerReasonInvalidCertificateRef, gatewayv1.ListenerReasonRefNotPermitted:
				return "fix the listener's tls.certificateRefs: the Secret must exist, be a kubernetes.io/tls Secret, and sit in the Gateway's namespace or be allowed by a ReferenceGrant"
			case gatewayv1.ListenerReasonPortUnavailable:
				return "use a listener port the implementation can open (the message says why it cannot)"
			case gatewayv1.ListenerReasonUnsupportedProtocol:
				return "use a listener protocol the implementation supports"
			case gatewayv1.ListenerReasonInvalidRouteKinds:
				return "list only route kinds the implementation supports in allowedRoutes.kinds"
			}
		}
	}
	return "fix what the controller's message names, then check the Gateway's status again (the controller's logs often say more)"
}

func joinOr(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	out := items[0]
	for _, i := range items[1:] {
		out += ", " + i
	}
	return out
}

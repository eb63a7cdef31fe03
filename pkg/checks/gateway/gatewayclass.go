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

// checkGatewayClass: a Gateway is implemented only by the controller that accepted its
// GatewayClass (status condition Accepted=True). A class that does not exist, that no
// installed controller claims (Accepted Unknown, reason Pending: "Waiting for
// controller"), or that its controller rejected (Accepted=False) leaves the Gateway
// unprogrammed: nothing listens on its addresses. The Gateway's own Accepted and
// Programmed conditions are route.programmed's (GatewayNotProgrammed).
func checkGatewayClass(ctx context.Context, s *State) engine.Result {
	var findings []diag.Finding
	var details []string
	unknown, checked := false, 0
	seen := map[string]*gatewayv1.GatewayClass{}
	once := 0
	for _, p := range s.Parents {
		if p.Gateway == nil {
			continue
		}
		className := string(p.Gateway.Spec.GatewayClassName)
		if reportedOnce(ctx, p.Gateway) {
			details = append(details, fmt.Sprintf("Gateway %s/%s, GatewayClass %s: reported once, under the Gateway", p.Gateway.Namespace, p.Gateway.Name, className))
			once++
			continue
		}
		checked++
		gwRef := diag.ObjectRef{Kind: source.KindGateway, Namespace: p.Gateway.Namespace, Name: p.Gateway.Name}
		if !s.Source.Has(source.KindGatewayClass) {
			details = append(details, "GatewayClass "+className+": the input holds no GatewayClasses to check")
			continue
		}
		class, done := seen[className]
		if !done {
			var err error
			class, err = source.Get[gatewayv1.GatewayClass](ctx, s.Source, "", className)
			switch {
			case source.IsNotFound(err):
				class = nil
				findings = append(findings, diag.New(diag.GatewayClassNotAccepted, gwRef,
					"Gateway %s/%s uses GatewayClass %s, which does not exist: no controller implements the Gateway",
					p.Gateway.Namespace, p.Gateway.Name, className).
					WithEvidence("spec.gatewayClassName: "+className+"; a GatewayClass is cluster-scoped and created by (or for) the controller that implements it").
					WithFix("set spec.gatewayClassName to a class your Gateway controller provides, or install that controller (it creates its GatewayClass)").
					WithCommands("kubectl get gatewayclasses"))
				details = append(details, "GatewayClass "+className+": not found")
			case err != nil:
				findings = append(findings, engine.ReadErrorFinding(err))
				unknown = true
				continue
			default:
				if f, line := classAccepted(s, class, gwRef); f != nil {
					findings = append(findings, *f)
					details = append(details, line)
				} else {
					details = append(details, line)
				}
			}
			seen[className] = class
		}
		p.Class = class
	}
	if checked == 0 {
		if once > 0 {
			return engine.Skip("the GatewayClass is reported once, under the Gateway").WithDetails(details...)
		}
		return engine.Skip("no parent Gateway found")
	}
	res := engine.Found(fmt.Sprintf("%d Gateway(s) checked", checked), findings...).WithDetails(details...)
	if unknown && res.Status != diag.StatusFail {
		res.Status = diag.StatusUnknown
	}
	return res
}

func classAccepted(s *State, class *gatewayv1.GatewayClass, gwRef diag.ObjectRef) (*diag.Finding, string) {
	line := fmt.Sprintf("GatewayClass %s: controller %s", class.Name, class.Spec.ControllerName)
	cond := meta.FindStatusCondition(class.Status.Conditions, string(gatewayv1.GatewayClassConditionStatusAccepted))
	switch {
	case cond != nil && cond.Status == metav1.ConditionTrue:
		return nil, line + ", Accepted"
	case cond == nil && !s.Source.Guarantees(source.ControllerStatus):
		return nil, line + ", no status in the input"
	}
	why := "no controller has set its Accepted condition"
	if cond != nil {
		why = fmt.Sprintf("Accepted=%s (%s: %s)", cond.Status, cond.Reason, cond.Message)
		if cond.Status == metav1.ConditionUnknown {
			why = fmt.Sprintf("no controller has accepted it yet, Accepted=Unknown (%s: %s)", cond.Reason, cond.Message)
		}
	}
	f := diag.New(diag.GatewayClassNotAccepted, gwRef, "GatewayClass %s of Gateway %s/%s is not Accepted: %s",
		class.Name, gwRef.Namespace, gwRef.Name, why).
		WithEvidence(fmt.Sprintf("controllerName %s: the controller that claims this name must run and accept the class", class.Spec.ControllerName)).
		WithFix("install or fix the Gateway controller named %s (its logs say why it rejects the class), or use a class that is Accepted", class.Spec.ControllerName).
		WithCommands("kubectl get gatewayclasses", "kubectl describe gatewayclass "+class.Name)
	return &f, line + ", not Accepted"
}

package ingress

import (
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
)

// ClassesLintedOnce marks a scan that judges the IngressClasses once for the cluster
// (LintClasses), so that the Ingress diagnoses under it do not repeat
// MultipleDefaultIngressClasses for every Ingress that names no class.
var ClassesLintedOnce = engine.NewScanMark("IngressClasses linted once for the cluster")

// LintClasses judges the cluster's IngressClasses as a whole: several marked default
// make every Ingress without a class ambiguous today, and decide by creation time which
// controller gets the next one. It returns the class a finding is filed under (the
// newest default, which the admission plugin gives new Ingresses) and the findings;
// classless are the Ingresses that name no class, for the evidence.
func LintClasses(classes []networkingv1.IngressClass, classless []networkingv1.Ingress) (diag.ObjectRef, []diag.Finding) {
	defaults := defaultClasses(classes)
	if len(defaults) < 2 {
		return diag.ObjectRef{}, nil
	}
	ref := diag.ObjectRef{Kind: "IngressClass", Name: defaults[0].Name}
	f := multipleDefaults(ref, defaults, fmt.Sprintf("%d IngressClasses are marked default (%s): an Ingress that names no class is served by whichever of their controllers claims it, and each new one gets %s",
		len(defaults), strings.Join(classNames(defaults), ", "), defaults[0].Name), ", and set spec.ingressClassName on every Ingress")
	if len(classless) == 0 {
		f = f.WithEvidence("no Ingress in scope relies on the default today: every one names its class")
	} else {
		names := make([]string, 0, len(classless))
		for _, ing := range classless {
			names = append(names, ing.Namespace+"/"+ing.Name)
		}
		if len(names) > 10 {
			names = append(names[:10], fmt.Sprintf("... and %d more", len(classless)-10))
		}
		f = f.WithEvidence(fmt.Sprintf("%d Ingress(es) name no class: %s", len(classless), strings.Join(names, ", ")))
	}
	return ref, []diag.Finding{f}
}

package scan

import (
	"context"
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dataplane"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/ingress"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/reach"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Findings about the cluster as a whole are reported once per scan, under one object,
// not once per object they affect: several default IngressClasses, and NetworkPolicies
// that no network plugin enforces.

// Check IDs of the scan's own reports.
const (
	CheckIngressClasses    = "ingressclass.defaults"
	CheckPolicyEnforcement = "policy.enforcement"
)

// scanIngressClasses reports MultipleDefaultIngressClasses once, under the newest
// default class, whatever the Ingresses do (the Ingress diagnoses of the scan leave it
// out, see ingress.ClassesLintedOnce); its evidence names the Ingresses of the scope
// that name no class. A cluster with one default or none gets no report.
func scanIngressClasses(ctx context.Context, src source.Source, namespace string) ([]diag.Report, error) {
	if !src.Has(source.KindIngressClass) {
		return nil, errNotServed
	}
	classes, err := source.List[networkingv1.IngressClass](ctx, src, source.AllNamespaces, nil)
	if err != nil {
		return nil, err
	}
	ings, err := source.List[networkingv1.Ingress](ctx, src, namespace, nil)
	if err != nil {
		ings = nil // the Ingress scanner reports that it could not list them
	}
	var classless []networkingv1.Ingress
	for i := range ings {
		if name, _ := ingress.ClassOf(&ings[i]); name == "" {
			classless = append(classless, ings[i])
		}
	}
	ref, findings := ingress.LintClasses(classes, classless)
	if len(findings) == 0 {
		return nil, nil
	}
	r := diag.NewReport("ingress", ref)
	r.Checks = append(r.Checks, diag.CheckResult{ID: CheckIngressClasses, Title: "at most one IngressClass is the default",
		Status: diag.StatusWarn, Detail: fmt.Sprintf("%d IngressClasses, several marked default", len(classes))})
	r.Add(findings...)
	r.Finalize()
	return []diag.Report{r}, nil
}

// policyEnforcement is NetworkPolicyNotEnforced once for the scope, when it holds
// NetworkPolicies and no known enforcer runs (as `reach` judges it), filed under the
// scope's NetworkPolicies ("NetworkPolicy NAMESPACE/*"). Nil when the policies are
// enforced, or offline when the input shows nothing of the plugins' namespaces.
func policyEnforcement(ctx context.Context, src source.Source, namespace string, policies []networkingv1.NetworkPolicy) *diag.Report {
	if len(policies) == 0 {
		return nil
	}
	e, err := reach.FindEnforcer(ctx, src, dataplane.New(src).SystemPods)
	ref := diag.ObjectRef{Kind: "NetworkPolicy", Namespace: namespace, Name: "*"}
	r := diag.NewReport("scan", ref)
	check := diag.CheckResult{ID: CheckPolicyEnforcement, Title: "a network plugin enforces NetworkPolicy"}
	switch {
	case e.Found != "":
		return nil
	case err != nil:
		res := engine.ReadError(err)
		check.Status, check.Detail = res.Status, res.Detail
		for _, f := range res.Findings {
			f.Object = ref
			r.Add(f.WithEvidence(fmt.Sprintf("whether a network plugin enforces the %d NetworkPolicies is unknown", len(policies))))
		}
	case !src.Guarantees(source.Complete) && !e.InputHasAny:
		return nil
	default:
		names := make([]string, 0, len(policies))
		for _, np := range policies {
			names = append(names, np.Namespace+"/"+np.Name)
		}
		lead := fmt.Sprintf("%d NetworkPolicies exist", len(policies))
		if len(policies) == 1 {
			lead = "1 NetworkPolicy exists"
		}
		if namespace != source.AllNamespaces {
			lead += " in " + namespace
		}
		f := reach.NotEnforcedFinding(ref, lead, "they isolate nothing: traffic they deny flows regardless", e.Seen).
			WithEvidence("NetworkPolicies: " + strings.Join(diag.Limit(names, 10, diag.MoreLines), ", "))
		check.Status, check.Detail = diag.StatusWarn, "no known NetworkPolicy enforcer found"
		r.Add(f)
	}
	r.Checks = append(r.Checks, check)
	r.Finalize()
	return &r
}

package ingress

import (
	"context"
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// checkExists reads the Ingress. A missing Ingress carries what the engineer most
// likely meant (similar names here, the same name in other namespaces); one that cannot
// be read at all stops the diagnosis with exit code 2.
func checkExists(ctx context.Context, s *State) engine.Result {
	ing, err := source.Get[networkingv1.Ingress](ctx, s.Source, s.Namespace, s.Name)
	if err != nil && !source.IsNotFound(err) {
		return engine.Result{Fatal: err}
	}
	if err == nil {
		s.Ingress = ing
		s.Paths = enumeratePaths(ing)
		return engine.Pass("%s", describeIngress(ing))
	}

	f := diag.New(diag.IngressNotFound, s.Ref(), "Ingress %s/%s does not exist", s.Namespace, s.Name).
		WithFix("check the name and namespace, or apply the Ingress manifest").
		WithCommands("kubectl get ingress -n " + s.Namespace)
	all, partial, err := s.everyIngress(ctx)
	if err != nil {
		partial = append(partial, engine.ReadErrorFinding(err))
	} else {
		var here, elsewhere []string
		for _, other := range all {
			switch {
			case other.Namespace == s.Namespace:
				here = append(here, other.Name)
			case other.Name == s.Name:
				elsewhere = append(elsewhere, other.Namespace)
			}
		}
		similar := kube.SimilarNames(s.Name, here)
		f = finding.DidYouMean(f, s.Namespace, "names", similar)
		if len(similar) == 0 {
			f = f.WithEvidence(fmt.Sprintf("namespace %s has %d Ingress(es), none with a similar name", s.Namespace, len(here)))
		}
		if len(elsewhere) > 0 {
			f = f.WithEvidence("an Ingress named " + s.Name + " exists in namespace " + strings.Join(elsewhere, ", ")).
				WithCommands(fmt.Sprintf("kubectl netdoctor ingress %s -n %s", s.Name, elsewhere[0]))
			if !strings.Contains(f.Message, "did you mean") {
				f.Message += fmt.Sprintf(" (it exists in namespace %s)", elsewhere[0])
			}
		}
	}
	return engine.Found("Ingress "+s.Namespace+"/"+s.Name+" not found", append([]diag.Finding{f}, partial...)...)
}

// describeIngress is the one-line identity of an Ingress shown in the tree.
func describeIngress(ing *networkingv1.Ingress) string {
	hosts := map[string]bool{}
	var list []string
	for _, r := range ing.Spec.Rules {
		h := r.Host
		if h == "" {
			h = "*"
		}
		if !hosts[h] {
			hosts[h] = true
			list = append(list, h)
		}
	}
	desc := fmt.Sprintf("Ingress %s/%s", ing.Namespace, ing.Name)
	if len(list) > 0 {
		desc += ", hosts " + strings.Join(list, ", ")
	}
	if len(ing.Spec.TLS) > 0 {
		desc += fmt.Sprintf(", %d TLS entr%s", len(ing.Spec.TLS), plural(len(ing.Spec.TLS), "y", "ies"))
	}
	if ing.Spec.DefaultBackend != nil {
		desc += ", default backend"
	}
	return desc
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

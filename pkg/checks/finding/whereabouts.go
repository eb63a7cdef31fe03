package finding

import (
	"context"
	"fmt"
	"strings"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Whereabouts is where a Service that was not found might be: what an engineer most
// likely meant by a name that does not exist.
type Whereabouts struct {
	// Similar are names of Services in the namespace close to the wanted one, closest first.
	Similar []string
	// Elsewhere are other namespaces holding a Service of exactly that name.
	Elsewhere []string
	// Errs are the reads that failed, for callers that report them.
	Errs []error
}

// LookFor searches namespace for Services named like name, and the cluster for
// Services named name, with one list each.
func LookFor(ctx context.Context, src source.Source, namespace, name string) Whereabouts {
	var w Whereabouts
	if inNamespace, err := src.Services(ctx, namespace, ""); err != nil {
		w.Errs = append(w.Errs, err)
	} else {
		names := make([]string, 0, len(inNamespace))
		for _, svc := range inNamespace {
			names = append(names, svc.Name)
		}
		w.Similar = kube.SimilarNames(name, names)
	}
	if named, err := src.Services(ctx, source.AllNamespaces, name); err != nil {
		w.Errs = append(w.Errs, err)
	} else {
		for _, svc := range named {
			if svc.Namespace != namespace {
				w.Elsewhere = append(w.Elsewhere, svc.Namespace)
			}
		}
	}
	return w
}

// DidYouMean adds to f, a finding about a name that does not exist in namespace, the
// names there that are close to it (similar, closest first, as kube.SimilarNames gives
// them): the closest in the message, all of them in the evidence, as what (for
// example "Services"). With no similar name f is returned as it is.
func DidYouMean(f diag.Finding, namespace, what string, similar []string) diag.Finding {
	if len(similar) == 0 {
		return f
	}
	f.Message += fmt.Sprintf(" (did you mean %s?)", similar[0])
	return f.WithEvidence("similar " + what + " in namespace " + namespace + ": " + strings.Join(similar, ", "))
}

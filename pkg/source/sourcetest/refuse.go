// Package sourcetest holds sources for tests of checks. Only tests import it, so none
// of it is in the plugin.
package sourcetest

import (
	"context"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Refusing is a Source whose user may not read one registered kind, as RBAC refuses a
// Role without the verb: reads of Kind with one of Verbs ("list", "get"; both when
// empty) fail with the Forbidden ReadError the live source returns, and every other
// read is the embedded Source's.
type Refusing struct {
	source.Source
	Kind  string
	Verbs []string
}

// Refuse returns src refusing verbs (both list and get when none) of kind.
func Refuse(src source.Source, kind string, verbs ...string) Refusing {
	return Refusing{Source: src, Kind: kind, Verbs: verbs}
}

func (r Refusing) refuses(kind, verb string) bool {
	return kind == r.Kind && (len(r.Verbs) == 0 || slices.Contains(r.Verbs, verb))
}

// Forbidden is the ReadError of a refused read of kind.
func Forbidden(kind, verb, namespace, name string) error {
	gr := source.KindResource(kind)
	return &source.ReadError{Verb: verb, Resource: gr.String(), Namespace: namespace, Name: name,
		Err: apierrors.NewForbidden(gr, name, nil)}
}

// ListKind implements source.Source.
func (r Refusing) ListKind(ctx context.Context, kind, namespace string, selector labels.Selector) (any, error) {
	if r.refuses(kind, "list") {
		return nil, Forbidden(kind, "list", namespace, "")
	}
	return r.Source.ListKind(ctx, kind, namespace, selector)
}

// GetKind implements source.Source.
func (r Refusing) GetKind(ctx context.Context, kind, namespace, name string) (any, error) {
	if r.refuses(kind, "get") {
		return nil, Forbidden(kind, "get", namespace, name)
	}
	return r.Source.GetKind(ctx, kind, namespace, name)
}

package source

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// discoverCRD finds the resource a cluster serves a CRD kind at; ok is false when it
// serves none (the Gateway API or the admin policies are not installed).
type discoverCRD func(l *Live, ctx context.Context, kind string) (gvr schema.GroupVersionResource, ok bool, err error)

// crdResource is the dynamic client's resource for k in namespace, found by discover.
// A kind the cluster does not serve is ok=false without error.
func crdResource(ctx context.Context, l *Live, k *kindInfo, discover discoverCRD, verb, namespace, name string) (dynamic.ResourceInterface, bool, error) {
	gvr, ok, err := discover(l, ctx, k.name)
	if err != nil || !ok {
		return nil, false, err
	}
	if l.dynamic == nil {
		return nil, false, readErr(verb, k.resourceName(), namespace, name, fmt.Errorf("no dynamic client to read %s with", k.name))
	}
	if k.flags&clusterScope != 0 || namespace == AllNamespaces {
		return l.dynamic.Resource(gvr), true, nil
	}
	return l.dynamic.Resource(gvr).Namespace(namespace), true, nil
}

// liveCRDList lists a CRD kind in namespace (all for AllNamespaces) through the dynamic
// client and converts the items to the kind's v1 Go type; a kind the cluster does not
// serve lists as empty.
func liveCRDList[T any, P interface {
	*T
	object
}](ctx context.Context, l *Live, k *kindInfo, discover discoverCRD, namespace string) ([]T, error) {
	ri, ok, err := crdResource(ctx, l, k, discover, "list", namespace, "")
	if err != nil || !ok {
		return []T{}, err
	}
	items, err := listAll(ctx, metav1.ListOptions{}, ri.List,
		func(list *unstructured.UnstructuredList) []unstructured.Unstructured { return list.Items })
	if err != nil {
		return nil, readErr("list", k.resourceName(), namespace, "", err)
	}
	out := make([]T, 0, len(items))
	for i := range items {
		var item T
		if err := fromUnstructured(&items[i], &item); err != nil {
			return nil, readErr("list", k.resourceName(), namespace, "", fmt.Errorf("%s %s: %w", k.name, items[i].GetName(), err))
		}
		out = append(out, item)
	}
	sortByKey[T, P](out)
	return out, nil
}

// liveCRDGet reads one object of a CRD kind and converts it to T; in a cluster that
// does not serve the kind, no such object can exist: NotFound.
func liveCRDGet[T any](ctx context.Context, l *Live, k *kindInfo, discover discoverCRD, namespace, name string) (*T, error) {
	ri, ok, err := crdResource(ctx, l, k, discover, "get", namespace, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, readErr("get", k.resourceName(), namespace, name, apierrors.NewNotFound(k.groupResource(), name))
	}
	u, err := ri.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, readErr("get", k.resourceName(), namespace, name, err)
	}
	out := new(T)
	if err := fromUnstructured(u, out); err != nil {
		return nil, readErr("get", k.resourceName(), namespace, name, err)
	}
	return out, nil
}

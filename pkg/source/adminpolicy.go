package source

// AdminNetworkPolicy and BaselineAdminNetworkPolicy (sigs.k8s.io/network-policy-api,
// policy.networking.k8s.io/v1alpha1) are cluster-scoped CRDs that most clusters do not
// have. Live reads ask discovery whether the group version serves them and read them
// through the dynamic client; a cluster without the CRDs lists them as empty, so the
// policy engine is then the plain NetworkPolicy one.

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// AdminPolicyGroupVersion is the group version netdoctor reads admin policies at.
var AdminPolicyGroupVersion = anpv1alpha1.SchemeGroupVersion

// Admin network policy kinds, as discovery and manifests name them.
const (
	KindAdminNetworkPolicy         = "AdminNetworkPolicy"
	KindBaselineAdminNetworkPolicy = "BaselineAdminNetworkPolicy"
)

func adminPolicyResourceName(kind string) string {
	return kindsByName[kind].resource + "." + AdminPolicyGroupVersion.Group
}

// adminPolicyServed asks discovery whether kind is served at v1alpha1. A group version
// the API server does not know is not an error: the CRDs are simply not installed.
func (l *Live) adminPolicyServed(ctx context.Context, kind string) (schema.GroupVersionResource, bool, error) {
	gv := AdminPolicyGroupVersion
	list, err := l.client.Discovery().ServerResourcesForGroupVersionWithContext(ctx, gv.String())
	if err != nil {
		if apierrors.IsNotFound(err) {
			return schema.GroupVersionResource{}, false, nil
		}
		return schema.GroupVersionResource{}, false, readErr("get", "API resources of "+gv.String()+" (discovery)", "", "", err)
	}
	for _, r := range list.APIResources {
		if r.Kind == kind && r.Name == kindsByName[kind].resource {
			return gv.WithResource(r.Name), true, nil
		}
	}
	return schema.GroupVersionResource{}, false, nil
}

// liveAdminPolicyList lists a cluster-scoped admin policy kind and converts the items
// to T; a kind the cluster does not serve lists as empty.
func liveAdminPolicyList[T any, P interface {
	*T
	object
}](ctx context.Context, l *Live, kind string) ([]T, error) {
	res := adminPolicyResourceName(kind)
	gvr, ok, err := l.adminPolicyServed(ctx, kind)
	if err != nil {
		return nil, err
	}
	if !ok {
		return []T{}, nil
	}
	if l.dynamic == nil {
		return nil, readErr("list", res, "", "", fmt.Errorf("no dynamic client to read %s with", kind))
	}
	items, err := listAll(ctx, metav1.ListOptions{}, l.dynamic.Resource(gvr).List,
		func(list *unstructured.UnstructuredList) []unstructured.Unstructured { return list.Items })
	if err != nil {
		return nil, readErr("list", res, "", "", err)
	}
	out := make([]T, 0, len(items))
	for i := range items {
		var item T
		if err := fromUnstructured(&items[i], &item); err != nil {
			return nil, readErr("list", res, "", "", fmt.Errorf("%s %s: %w", kind, items[i].GetName(), err))
		}
		out = append(out, item)
	}
	sortByKey[T, P](out)
	return out, nil
}

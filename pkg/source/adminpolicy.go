package source

// AdminNetworkPolicy and BaselineAdminNetworkPolicy (sigs.k8s.io/network-policy-api,
// policy.networking.k8s.io/v1alpha1) are cluster-scoped CRDs that most clusters do not
// have. Live reads ask discovery whether the group version serves them and read them
// through the dynamic client; a cluster without the CRDs lists them as empty, so the
// policy engine is then the plain NetworkPolicy one.

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
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

package source

import (
	"context"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// sliceLister is implemented by sources that can list every EndpointSlice of a scope
// at once, which Cached uses instead of one labelled list per Service.
type sliceLister interface {
	AllEndpointSlices(ctx context.Context, namespace string) ([]discoveryv1.EndpointSlice, error)
}

var (
	_ sliceLister = (*Live)(nil)
	_ sliceLister = (*Objects)(nil)
)

// AllEndpointSlices lists every EndpointSlice in namespace (AllNamespaces for all).
func (l *Live) AllEndpointSlices(ctx context.Context, namespace string) ([]discoveryv1.EndpointSlice, error) {
	slices, err := listAll(ctx, metav1.ListOptions{}, l.client.DiscoveryV1().EndpointSlices(namespace).List,
		func(list *discoveryv1.EndpointSliceList) []discoveryv1.EndpointSlice { return list.Items })
	if err != nil {
		return nil, readErr("list", resEndpointSlices, namespace, "", err)
	}
	sortByKey(slices)
	return slices, nil
}

// AllEndpointSlices lists every EndpointSlice in namespace (AllNamespaces for all).
func (o *Objects) AllEndpointSlices(_ context.Context, namespace string) ([]discoveryv1.EndpointSlice, error) {
	return listed[discoveryv1.EndpointSlice](o, KindEndpointSlice, namespace, nil), nil
}

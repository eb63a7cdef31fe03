package source

// Gateway API reads. The Gateway API is a set of CRDs, so a cluster may serve none of
// it, only some kinds (TCPRoute and TLSRoute came to the standard channel later than
// HTTPRoute), or a kind at an older version (ReferenceGrant at v1beta1, TCPRoute at
// v1alpha2). Live reads therefore go through discovery and the dynamic client, and every
// object is converted to the v1 Go type, whose shape the older versions share.

import (
	"context"
	"fmt"
	"sort"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// GatewayGroup is the API group of the Gateway API.
const GatewayGroup = gatewayv1.GroupName

// Gateway API kinds, as discovery and manifests name them.
const (
	KindGatewayClass   = "GatewayClass"
	KindGateway        = "Gateway"
	KindHTTPRoute      = "HTTPRoute"
	KindGRPCRoute      = "GRPCRoute"
	KindTCPRoute       = "TCPRoute"
	KindTLSRoute       = "TLSRoute"
	KindReferenceGrant = "ReferenceGrant"
)

// gatewayResourceOf returns the resource name of a Gateway API kind netdoctor reads, or
// "" for any other kind.
func gatewayResourceOf(kind string) string {
	if k := kindsByName[kind]; k != nil && k.gv.Group == GatewayGroup {
		return k.resource
	}
	return ""
}

// gatewayVersionRank orders the versions a kind may be served at: the first one served
// is read. Keep the stable version first.
var gatewayVersionRank = []string{"v1", "v1beta1", "v1alpha3", "v1alpha2"}

// gatewayDiscovery caches which Gateway API kinds the API server serves, and at which
// version. It is filled on first use and safe for concurrent use.
type gatewayDiscovery struct {
	mu        sync.Mutex
	done      bool
	installed bool
	served    map[string]schema.GroupVersionResource
	err       error
}

// discover asks the API server once which versions of the Gateway API group it serves
// and which of netdoctor's kinds each one holds.
func (l *Live) discover(ctx context.Context) (*gatewayDiscovery, error) {
	g := &l.gateway
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return g, g.err
	}
	g.done = true
	g.served = map[string]schema.GroupVersionResource{}
	g.installed, g.err = discoverGateway(ctx, l.client, g.served)
	return g, g.err
}

func discoverGateway(ctx context.Context, client kubernetes.Interface, served map[string]schema.GroupVersionResource) (bool, error) {
	groups, err := client.Discovery().ServerGroupsWithContext(ctx)
	if err != nil {
		return false, readErr("get", "API groups (discovery)", "", "", err)
	}
	var versions []string
	for _, grp := range groups.Groups {
		if grp.Name != GatewayGroup {
			continue
		}
		for _, v := range grp.Versions {
			versions = append(versions, v.Version)
		}
	}
	if len(versions) == 0 {
		return false, nil
	}
	rank := func(v string) int {
		for i, r := range gatewayVersionRank {
			if r == v {
				return i
			}
		}
		return len(gatewayVersionRank)
	}
	sort.SliceStable(versions, func(i, j int) bool { return rank(versions[i]) < rank(versions[j]) })
	for _, v := range versions {
		gv := schema.GroupVersion{Group: GatewayGroup, Version: v}
		list, err := client.Discovery().ServerResourcesForGroupVersionWithContext(ctx, gv.String())
		if err != nil {
			if apierrors.IsNotFound(err) {
				continue // the version went away between the two calls
			}
			return true, readErr("get", "API resources of "+gv.String()+" (discovery)", "", "", err)
		}
		for _, r := range list.APIResources {
			if res := gatewayResourceOf(r.Kind); res == "" || r.Name != res {
				continue // subresources (httproutes/status) and kinds netdoctor does not read
			}
			if _, seen := served[r.Kind]; !seen {
				served[r.Kind] = gv.WithResource(r.Name)
			}
		}
	}
	return true, nil
}

// GatewayAPIInstalled implements Source.
func (l *Live) GatewayAPIInstalled(ctx context.Context) (bool, error) {
	g, err := l.discover(ctx)
	if err != nil {
		return false, err
	}
	return g.installed, nil
}

// GatewayAPIServes implements Source.
func (l *Live) GatewayAPIServes(ctx context.Context, kind string) (bool, error) {
	g, err := l.discover(ctx)
	if err != nil {
		return false, err
	}
	_, ok := g.served[kind]
	return ok, nil
}

// gatewayResource returns the resource kind is served as, or ok=false when it is not.
func (l *Live) gatewayResource(ctx context.Context, kind string) (schema.GroupVersionResource, bool, error) {
	g, err := l.discover(ctx)
	if err != nil {
		return schema.GroupVersionResource{}, false, err
	}
	gvr, ok := g.served[kind]
	return gvr, ok, nil
}

// fromUnstructured converts with the same panic guard as the file loader: the object
// is what the API server stored, but an older CRD version may hold shapes the v1 type
// does not expect.
func fromUnstructured(u *unstructured.Unstructured, into any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot convert object: %v", r)
		}
	}()
	return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into)
}

// In-memory (offline) Gateway API reads.

// GatewayAPIInstalled implements Source: offline, the API is "installed" when the
// input holds any of its objects.
func (o *Objects) GatewayAPIInstalled(context.Context) (bool, error) {
	for _, k := range registry {
		if k.gv.Group == GatewayGroup && o.Has(k.name) {
			return true, nil
		}
	}
	return false, nil
}

// GatewayAPIServes implements Source.
func (o *Objects) GatewayAPIServes(_ context.Context, kind string) (bool, error) {
	return o.Has(kind), nil
}

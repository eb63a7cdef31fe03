package source

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	fakediscovery "k8s.io/client-go/discovery/fake"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// gatewayLive builds a Live Source whose discovery serves the given Gateway API
// resources (group version → resource → kind) and whose dynamic client holds objs.
func gatewayLive(t *testing.T, served map[string]map[string]string, objs ...runtime.Object) (*Live, *dynamicfake.FakeDynamicClient) {
	t.Helper()
	client := fake.NewClientset()
	disco := client.Discovery().(*fakediscovery.FakeDiscovery)
	listKinds := map[schema.GroupVersionResource]string{}
	for gv, resources := range served {
		list := &metav1.APIResourceList{GroupVersion: gv}
		for resource, kind := range resources {
			list.APIResources = append(list.APIResources,
				metav1.APIResource{Name: resource, Kind: kind, Namespaced: kind != KindGatewayClass, Verbs: []string{"get", "list"}},
				metav1.APIResource{Name: resource + "/status", Kind: kind})
			parsed, err := schema.ParseGroupVersion(gv)
			if err != nil {
				t.Fatal(err)
			}
			listKinds[parsed.WithResource(resource)] = kind + "List"
		}
		disco.Resources = append(disco.Resources, list)
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), listKinds, objs...)
	l := newLiveFromClient(client)
	l.dynamic = dyn
	return l, dyn
}

func gwObject(apiVersion, kind, namespace, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind, "spec": spec}}
	u.SetNamespace(namespace)
	u.SetName(name)
	return u
}

func TestLiveGatewayAPINotInstalled(t *testing.T) {
	ctx := context.Background()
	l, _ := gatewayLive(t, map[string]map[string]string{"apps/v1": {"deployments": "Deployment"}})
	installed, err := l.GatewayAPIInstalled(ctx)
	if err != nil || installed {
		t.Fatalf("GatewayAPIInstalled = %v, %v; want false, nil", installed, err)
	}
	// Reads of a kind that is not served are empty lists and NotFound gets, never errors.
	routes, err := List[gatewayv1.HTTPRoute](ctx, l, "shop", nil)
	if err != nil || len(routes) != 0 {
		t.Errorf("HTTPRoutes = %v, %v; want empty", routes, err)
	}
	if _, err := Get[gatewayv1.HTTPRoute](ctx, l, "shop", "web"); !IsNotFound(err) {
		t.Errorf("HTTPRoute error = %v, want NotFound", err)
	}
}

// TestLiveGatewayVersions: each kind is read at the best version the cluster serves and
// converted to the v1 type (here ReferenceGrant only at v1beta1, TCPRoute not at all).
func TestLiveGatewayVersions(t *testing.T) {
	ctx := context.Background()
	served := map[string]map[string]string{
		"gateway.networking.k8s.io/v1beta1": {"referencegrants": "ReferenceGrant", "httproutes": "HTTPRoute"},
		"gateway.networking.k8s.io/v1":      {"httproutes": "HTTPRoute", "gateways": "Gateway", "gatewayclasses": "GatewayClass"},
	}
	l, dyn := gatewayLive(t, served,
		gwObject("gateway.networking.k8s.io/v1", "HTTPRoute", "shop", "web", map[string]any{
			"parentRefs": []any{map[string]any{"name": "gw", "namespace": "infra"}},
			"hostnames":  []any{"shop.example.com"},
			"rules":      []any{map[string]any{"backendRefs": []any{map[string]any{"name": "web", "port": int64(80), "weight": int64(90)}}}},
		}),
		gwObject("gateway.networking.k8s.io/v1beta1", "ReferenceGrant", "payments", "allow-shop", map[string]any{
			"from": []any{map[string]any{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": "shop"}},
			"to":   []any{map[string]any{"group": "", "kind": "Service"}},
		}),
		gwObject("gateway.networking.k8s.io/v1", "GatewayClass", "", "example", map[string]any{"controllerName": "example.com/gw"}),
	)
	if ok, err := l.GatewayAPIInstalled(ctx); !ok || err != nil {
		t.Fatalf("GatewayAPIInstalled = %v, %v", ok, err)
	}
	for kind, want := range map[string]bool{KindHTTPRoute: true, KindReferenceGrant: true, KindTCPRoute: false, KindGatewayClass: true} {
		if got, _ := l.GatewayAPIServes(ctx, kind); got != want {
			t.Errorf("GatewayAPIServes(%s) = %v, want %v", kind, got, want)
		}
	}
	route, err := Get[gatewayv1.HTTPRoute](ctx, l, "shop", "web")
	if err != nil {
		t.Fatal(err)
	}
	if len(route.Spec.ParentRefs) != 1 || string(*route.Spec.ParentRefs[0].Namespace) != "infra" ||
		*route.Spec.Rules[0].BackendRefs[0].Weight != 90 || *route.Spec.Rules[0].BackendRefs[0].Port != 80 {
		t.Errorf("HTTPRoute not converted: %+v", route.Spec)
	}
	grants, err := List[gatewayv1.ReferenceGrant](ctx, l, "payments", nil)
	if err != nil || len(grants) != 1 || grants[0].Spec.From[0].Namespace != "shop" {
		t.Errorf("ReferenceGrants = %+v, %v", grants, err)
	}
	if _, err := Get[gatewayv1.GatewayClass](ctx, l, "", "example"); err != nil {
		t.Errorf("GatewayClass: %v", err)
	}
	if tcp, err := List[gatewayv1.TCPRoute](ctx, l, AllNamespaces, nil); err != nil || len(tcp) != 0 {
		t.Errorf("TCPRoutes = %v, %v; want empty: the kind is not served", tcp, err)
	}
	for _, a := range dyn.Actions() {
		if a.GetVerb() != "get" && a.GetVerb() != "list" {
			t.Errorf("unexpected %s %s: Source must only get and list", a.GetVerb(), a.GetResource())
		}
		if a.GetResource().Resource == "referencegrants" && a.GetResource().Version != "v1beta1" {
			t.Errorf("referencegrants read at %s, the cluster serves only v1beta1", a.GetResource().Version)
		}
	}
}

// TestFilesGatewayAPI: manifests in v1 and in the older versions (v1beta1
// ReferenceGrant, v1alpha2 TCPRoute) are read as the v1 types.
func TestFilesGatewayAPI(t *testing.T) {
	ctx := context.Background()
	manifest := `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: example, namespace: ignored}
spec: {controllerName: example.com/gw}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: example
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow, namespace: payments}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]
  to: [{group: "", kind: Service}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: db}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: db, port: 5432}]}]
`
	src := loadManifest(t, "gw.yaml", manifest, "shop")
	if ok, _ := src.GatewayAPIInstalled(ctx); !ok {
		t.Error("GatewayAPIInstalled = false for input with Gateway API objects")
	}
	if _, err := Get[gatewayv1.GatewayClass](ctx, src, "", "example"); err != nil {
		t.Errorf("GatewayClass (cluster-scoped, namespace dropped): %v", err)
	}
	if _, err := Get[gatewayv1.Gateway](ctx, src, "shop", "gw"); err != nil {
		t.Errorf("Gateway: %v", err)
	}
	if r, err := Get[gatewayv1.HTTPRoute](ctx, src, "shop", "web"); err != nil || *r.Spec.Rules[0].BackendRefs[0].Port != 80 {
		t.Errorf("HTTPRoute: %v", err)
	}
	if gs, _ := List[gatewayv1.ReferenceGrant](ctx, src, "payments", nil); len(gs) != 1 {
		t.Errorf("v1beta1 ReferenceGrant not read: %v", gs)
	}
	if r, err := Get[gatewayv1.TCPRoute](ctx, src, "shop", "db"); err != nil || len(r.Spec.Rules) != 1 {
		t.Errorf("v1alpha2 TCPRoute not read: %v", err)
	}
	if ok, _ := src.GatewayAPIServes(ctx, KindGRPCRoute); ok {
		t.Error("GatewayAPIServes(GRPCRoute) = true for input without GRPCRoutes")
	}
	if _, err := Get[gatewayv1.GRPCRoute](ctx, src, "shop", "web"); !IsNotFound(err) {
		t.Errorf("GRPCRoute error = %v, want NotFound", err)
	}
	nss, _ := src.Namespaces(ctx)
	found := false
	for _, ns := range nss {
		found = found || ns.Name == "shop"
	}
	if !found {
		t.Error("the namespace of the routes is not synthesised")
	}
}

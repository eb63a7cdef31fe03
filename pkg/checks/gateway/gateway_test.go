package gateway

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// TestHostnamesIntersect is the Gateway API hostname table: a "*." wildcard is a suffix
// match of one or more labels and never matches the bare domain.
func TestHostnamesIntersect(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		listener, route string
		want            bool
	}{
		{"test.example.com", "test.example.com", true},
		{"test.example.com", "*.example.com", true},
		{"test.example.com", "example.com", false},
		{"*.example.com", "*.example.com", true},
		{"*.example.com", "test.example.com", true},
		{"*.example.com", "foo.test.example.com", true},
		{"*.example.com", "*.foo.example.com", true},
		{"*.foo.example.com", "*.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "test.example.net", false},
		{"Test.Example.com", "test.example.COM", true},
	} {
		if got := hostnamesIntersect(tt.listener, tt.route); got != tt.want {
			t.Errorf("hostnamesIntersect(%s, %s) = %v, want %v", tt.listener, tt.route, got, tt.want)
		}
	}
	h := gatewayv1.Hostname("*.example.com")
	if got := intersect(nil, nil); len(got) != 1 {
		t.Errorf("listener without hostname and route without hostnames must match: %v", got)
	}
	if got := intersect(&h, nil); len(got) != 1 {
		t.Errorf("a route without hostnames takes the listener's: %v", got)
	}
	if got := intersect(&h, []gatewayv1.Hostname{"example.com", "a.example.com"}); len(got) != 1 || got[0] != "a.example.com" {
		t.Errorf("only the intersecting hostnames are served: %v", got)
	}
}

func TestParseKind(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"HTTPRoute": "HTTPRoute", "httproute": "HTTPRoute", "http": "HTTPRoute",
		"grpcroutes": "GRPCRoute", "tcp": "TCPRoute", "TLSRoute": "TLSRoute"} {
		if got, err := ParseKind(in); err != nil || got != want {
			t.Errorf("ParseKind(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, err := ParseKind("udproute"); err == nil {
		t.Error("ParseKind(udproute): no error")
	}
}

// TestListenerAdmission covers allowedRoutes: the protocol's default kinds, explicit
// kinds, and the Same/All/Selector/None namespace policies.
func TestListenerAdmission(t *testing.T) {
	t.Parallel()
	gw := &gatewayv1.Gateway{ObjectMeta: metav1.ObjectMeta{Name: "gw", Namespace: "infra"}}
	shop := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{"team": "shop", corev1.LabelMetadataName: "shop"}}}
	infra := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "infra", Labels: map[string]string{corev1.LabelMetadataName: "infra"}}}
	from := func(f gatewayv1.FromNamespaces, sel map[string]string) *gatewayv1.AllowedRoutes {
		ar := &gatewayv1.AllowedRoutes{Namespaces: &gatewayv1.RouteNamespaces{From: &f}}
		if sel != nil {
			ar.Namespaces.Selector = &metav1.LabelSelector{MatchLabels: sel}
		}
		return ar
	}
	grpc := gatewayv1.Kind("GRPCRoute")
	for _, tt := range []struct {
		name     string
		listener gatewayv1.Listener
		kind     string
		ns       *corev1.Namespace
		want     bool
	}{
		{"HTTP takes HTTPRoute", gatewayv1.Listener{Protocol: gatewayv1.HTTPProtocolType}, "HTTPRoute", infra, true},
		{"HTTPS takes GRPCRoute", gatewayv1.Listener{Protocol: gatewayv1.HTTPSProtocolType}, "GRPCRoute", infra, true},
		{"TCP refuses HTTPRoute", gatewayv1.Listener{Protocol: gatewayv1.TCPProtocolType}, "HTTPRoute", infra, false},
		{"TLS takes TLSRoute", gatewayv1.Listener{Protocol: gatewayv1.TLSProtocolType}, "TLSRoute", infra, true},
		{"explicit kinds", gatewayv1.Listener{Protocol: gatewayv1.HTTPProtocolType,
			AllowedRoutes: &gatewayv1.AllowedRoutes{Kinds: []gatewayv1.RouteGroupKind{{Kind: grpc}}}}, "HTTPRoute", infra, false},
		{"Same by default", gatewayv1.Listener{Protocol: gatewayv1.HTTPProtocolType}, "HTTPRoute", shop, false},
		{"All", gatewayv1.Listener{Protocol: gatewayv1.HTTPProtocolType, AllowedRoutes: from(gatewayv1.NamespacesFromAll, nil)}, "HTTPRoute", shop, true},
		{"Selector match", gatewayv1.Listener{Protocol: gatewayv1.HTTPProtocolType, AllowedRoutes: from(gatewayv1.NamespacesFromSelector, map[string]string{"team": "shop"})}, "HTTPRoute", shop, true},
		{"Selector miss", gatewayv1.Listener{Protocol: gatewayv1.HTTPProtocolType, AllowedRoutes: from(gatewayv1.NamespacesFromSelector, map[string]string{"team": "ops"})}, "HTTPRoute", shop, false},
		{"None", gatewayv1.Listener{Protocol: gatewayv1.HTTPProtocolType, AllowedRoutes: from(gatewayv1.NamespacesFromNone, nil)}, "HTTPRoute", infra, false},
	} {
		kindWhy, _ := kindNotAllowed(tt.listener, tt.kind)
		nsWhy, _ := namespaceNotAllowed(tt.listener, gw, tt.ns)
		if got := kindWhy == "" && nsWhy == ""; got != tt.want {
			t.Errorf("%s: admitted %v (%s%s), want %v", tt.name, got, kindWhy, nsWhy, tt.want)
		}
	}
}

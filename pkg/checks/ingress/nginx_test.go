package ingress

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestCaptureGroups counts capturing groups as PCRE does: escapes, character classes,
// non-capturing groups and lookarounds do not count, named groups do.
func TestCaptureGroups(t *testing.T) {
	t.Parallel()
	for pattern, want := range map[string]int{
		"/api":                  0,
		"/":                     0,
		"/api/.*":               0,
		"/api(/|$)(.*)":         2,
		"/something(/|$)(.*)":   2,
		"/api/(.*)":             1,
		`/api\(v1\)/(.*)`:       1, // escaped parentheses are literal
		"/api[()]/x":            0, // parentheses in a class are literal
		"/api[]()]/(.*)":        1, // ']' first in a class is literal
		"/api[^)]+(.*)":         1,
		"/(?:v1|v2)/(.*)":       1,
		"/(?i)api/(.*)":         1, // an inline flag is not a group
		"/(?=x)(.*)":            1,
		"/(?<=x)(?<!y)(.*)":     1,
		"/(?<ver>v[0-9])/(.*)":  2,
		"/(?P<ver>v[0-9])/(.*)": 2,
		"/(?'ver'v[0-9])/(.*)":  2,
		`/\Q(a)\E(.*)`:          1, // \Q…\E quotes
		"/((a)(b))":             3,
		"/(*UTF)(.*)":           1,
	} {
		if got := captureGroups(pattern); got != want {
			t.Errorf("captureGroups(%q) = %d, want %d", pattern, got, want)
		}
	}
}

func TestCaptureRefs(t *testing.T) {
	t.Parallel()
	for target, want := range map[string][]int{
		"/":             nil,
		"/$1":           {1},
		"/$2":           {2},
		"/api/$1/$2":    {1, 2},
		"/$2/$1/$2":     {1, 2},
		"/$10":          {1}, // nginx reads one digit
		"/${1}x":        {1},
		"/$0":           nil, // the whole match, no group needed
		"/$host/$1":     {1},
		"$":             nil,
		"/${unclosed":   nil,
		"/static/$uri":  nil,
		"/v2/${2}/${1}": {1, 2},
	} {
		if got := captureRefs(target); !slices.Equal(got, want) {
			t.Errorf("captureRefs(%q) = %v, want %v", target, got, want)
		}
	}
}

func TestExpandRewrite(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		target string
		groups int
		want   string
	}{
		{"/$1", 0, "/"},
		{"/$2", 1, "/"},
		{"/$2", 2, "/$2"},
		{"/api/$1/x", 0, "/api//x"},
		{"/${1}", 0, "/"},
		{"/$1/$2", 1, "/$1/"},
	} {
		if got := expandRewrite(tt.target, tt.groups); got != tt.want {
			t.Errorf("expandRewrite(%q, %d) = %q, want %q", tt.target, tt.groups, got, tt.want)
		}
	}
}

func TestHasRegexChars(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]bool{
		"/api":          false,
		"/api/v1.json":  false, // '.' is common in literal paths
		"/api_v1-x/~a":  false,
		"/api/.*":       true,
		"/api(/|$)(.*)": true,
		"/api/[0-9]+":   true,
		"/api/v?":       true,
	} {
		if got := hasRegexChars(path); got != want {
			t.Errorf("hasRegexChars(%q) = %v, want %v", path, got, want)
		}
	}
}

// TestNginxProtocol: ingress-nginx trims and upper-cases the value; unknown values and
// no annotation mean HTTP.
func TestNginxProtocol(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		raw  string
		set  bool
		want string
		note bool
	}{
		{"", false, protoHTTP, true},
		{"HTTPS", true, protoHTTPS, false},
		{" grpc ", true, protoGRPC, false},
		{"grpcs", true, protoGRPCS, false},
		{"auto_http", true, protoAutoHTTP, false},
		{"FCGI", true, protoFCGI, false},
		{"AJP", true, protoHTTP, true}, // removed from ingress-nginx
		{"H2C", true, protoHTTP, true},
		{"  ", true, protoHTTP, true},
	} {
		got, note := nginxProtocol(tt.raw, tt.set)
		if got != tt.want || (note != "") != tt.note {
			t.Errorf("nginxProtocol(%q, %v) = %s, %q; want %s, note %v", tt.raw, tt.set, got, note, tt.want, tt.note)
		}
	}
}

func TestServicePortProtocol(t *testing.T) {
	t.Parallel()
	ap := func(s string) *string { return &s }
	for _, tt := range []struct {
		port corev1.ServicePort
		want string
	}{
		{corev1.ServicePort{Name: "http", Port: 80}, protoHTTP},
		{corev1.ServicePort{Name: "http-metrics", Port: 9090}, protoHTTP},
		{corev1.ServicePort{Name: "https", Port: 443}, protoHTTPS},
		{corev1.ServicePort{Name: "https-web", Port: 8443}, protoHTTPS},
		{corev1.ServicePort{Name: "grpc", Port: 9000}, protoGRPC},
		{corev1.ServicePort{Name: "grpc-api", Port: 9000}, protoGRPC},
		{corev1.ServicePort{Name: "grpc-web", Port: 8080}, protoHTTP},
		{corev1.ServicePort{Name: "grpcs", Port: 9443}, protoGRPCS},
		{corev1.ServicePort{Name: "http2", Port: 8080}, protoH2C},
		{corev1.ServicePort{Name: "tls", Port: 8443}, protoTLS},
		{corev1.ServicePort{Name: "web", Port: 80}, ""},
		{corev1.ServicePort{Port: 80}, ""},
		{corev1.ServicePort{Name: "https", Port: 443, AppProtocol: ap("http")}, protoHTTP}, // appProtocol wins
		{corev1.ServicePort{Name: "web", Port: 443, AppProtocol: ap("HTTPS")}, protoHTTPS},
		{corev1.ServicePort{Name: "web", Port: 80, AppProtocol: ap("kubernetes.io/h2c")}, protoH2C},
		{corev1.ServicePort{Name: "web", Port: 80, AppProtocol: ap("kubernetes.io/ws")}, protoHTTP},
		{corev1.ServicePort{Name: "web", Port: 443, AppProtocol: ap("kubernetes.io/wss")}, protoHTTPS},
		{corev1.ServicePort{Name: "api", Port: 9000, AppProtocol: ap("grpc")}, protoGRPC},
		{corev1.ServicePort{Name: "http", Port: 5432, AppProtocol: ap("postgresql")}, ""}, // appProtocol set but not comparable
	} {
		if got, _ := servicePortProtocol(&tt.port); got != tt.want {
			t.Errorf("servicePortProtocol(%s %d appProtocol %v) = %q, want %q", tt.port.Name, tt.port.Port, tt.port.AppProtocol, got, tt.want)
		}
	}
}

// TestProtocolMismatch is the compatibility table: only combinations that fail for
// certain are mismatches.
func TestProtocolMismatch(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		nginx, port string
		bad         bool
	}{
		{protoHTTP, protoHTTP, false},
		{protoHTTP, protoH2C, false}, // h2c servers usually take HTTP/1.1 too
		{protoHTTP, protoHTTPS, true},
		{protoHTTP, protoTLS, true},
		{protoHTTP, protoGRPC, true},
		{protoHTTP, protoGRPCS, true},
		{protoHTTPS, protoHTTPS, false},
		{protoHTTPS, protoTLS, false},
		{protoHTTPS, protoHTTP, true},
		{protoHTTPS, protoGRPC, true},
		{protoHTTPS, protoGRPCS, true},
		{protoGRPC, protoGRPC, false},
		{protoGRPC, protoH2C, false},
		{protoGRPC, protoHTTP, true},
		{protoGRPC, protoHTTPS, true},
		{protoGRPC, protoGRPCS, true},
		{protoGRPCS, protoGRPCS, false},
		{protoGRPCS, protoTLS, false},
		{protoGRPCS, protoHTTPS, false}, // a TLS server may offer h2: not conclusive
		{protoGRPCS, protoGRPC, true},
		{protoGRPCS, protoHTTP, true},
		{protoAutoHTTP, protoHTTP, false},
		{protoAutoHTTP, protoHTTPS, false},
		{protoAutoHTTP, protoGRPC, true},
		{protoFCGI, protoHTTP, true},
		{protoFCGI, "", false},
		{protoHTTP, "", false},
	} {
		if got := protocolMismatch(tt.nginx, tt.port) != ""; got != tt.bad {
			t.Errorf("protocolMismatch(%s, %s) = %v, want %v", tt.nginx, tt.port, got, tt.bad)
		}
	}
}

func TestIsCanary(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]bool{"true": true, "True": true, "1": true, "false": false, "yes": false, "": false} {
		ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{CanaryAnnotation: value}}}
		if got := isCanary(ing); got != want {
			t.Errorf("canary %q: %v, want %v", value, got, want)
		}
	}
}

// TestFindMain: a canary path merges only into a main path with the same host, path
// string and pathType, or into the root location of a main Ingress's defaultBackend.
func TestFindMain(t *testing.T) {
	t.Parallel()
	prefix, exact := networkingv1.PathTypePrefix, networkingv1.PathTypeExact
	svc := func(name string) networkingv1.IngressBackend {
		return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: name, Port: networkingv1.ServiceBackendPort{Number: 80}}}
	}
	main := func(host, path string, pt networkingv1.PathType) *networkingv1.Ingress {
		return &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "main", Namespace: "shop"}, Spec: networkingv1.IngressSpec{
			Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: path, PathType: &pt, Backend: svc("web")}}}}}}}}
	}
	withDefault := main("shop.example.com", "/api", prefix)
	db := svc("web")
	withDefault.Spec.DefaultBackend = &db
	canary := func(host, path string, pt networkingv1.PathType) Path {
		return Path{Host: host, Path: path, PathType: pt, Backend: svc("web-canary")}
	}
	for _, tt := range []struct {
		name  string
		mains []*networkingv1.Ingress
		p     Path
		want  bool
	}{
		{"same", []*networkingv1.Ingress{main("shop.example.com", "/", prefix)}, canary("shop.example.com", "/", prefix), true},
		{"other host", []*networkingv1.Ingress{main("www.example.com", "/", prefix)}, canary("shop.example.com", "/", prefix), false},
		{"catch-all main", []*networkingv1.Ingress{main("", "/", prefix)}, canary("shop.example.com", "/", prefix), false},
		{"other pathType", []*networkingv1.Ingress{main("shop.example.com", "/api", exact)}, canary("shop.example.com", "/api", prefix), false},
		{"trailing slash", []*networkingv1.Ingress{main("shop.example.com", "/api/", prefix)}, canary("shop.example.com", "/api", prefix), false},
		{"default backend root", []*networkingv1.Ingress{withDefault}, canary("shop.example.com", "/", prefix), true},
		{"no main", nil, canary("shop.example.com", "/", prefix), false},
	} {
		m, _ := findMain(tt.mains, tt.p)
		if got := m != nil; got != tt.want {
			t.Errorf("%s: found %v, want %v", tt.name, got, tt.want)
		}
	}
}

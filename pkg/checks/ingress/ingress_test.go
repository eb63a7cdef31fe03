package ingress

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

func loadScenario(t *testing.T, file string) *source.Objects {
	t.Helper()
	objs, err := fixture.LoadScenario(filepath.Join("..", "..", "..", "test", "testdata", "ingress", file), "shop")
	if err != nil {
		t.Fatal(err)
	}
	return source.FromObjects(fixture.WithControllerSlices(objs)...)
}

// TestControllerFromClass: without --controller-selector the controller's pods are
// found from the IngressClass controller (k8s.io/ingress-nginx) by its well-known labels.
func TestControllerFromClass(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file string
		want []diag.FindingID
	}{
		{"healthy.yaml", nil}, // no false positives
		{"controller-blocked.yaml", []diag.FindingID{diag.IngressControllerBlocked}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			report, s, err := Diagnose(context.Background(), loadScenario(t, tt.file), "shop", "shop", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(s.ControllerPods) == 0 || s.ControllerPods[0].Namespace != "shop-ingress" {
				t.Errorf("controller pods %v, want the ingress-nginx pod in shop-ingress", s.ControllerPods)
			}
			var got []diag.FindingID
			for _, id := range report.IDs() {
				if !slices.Contains(got, id) {
					got = append(got, id)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings %v, want %v", got, tt.want)
			}
		})
	}
}

// TestExpiryClock: expiry is judged against the injected clock, so a certificate valid
// today is expiring soon in 80 days and expired in 100.
func TestExpiryClock(t *testing.T) {
	t.Parallel()
	src := loadScenario(t, "healthy.yaml") // certificate valid for 90 days
	for _, tt := range []struct {
		days int
		want diag.FindingID
	}{{0, ""}, {80, diag.TLSCertificateExpiringSoon}, {100, diag.TLSCertificateExpired}} {
		now := time.Now().Add(time.Duration(tt.days) * 24 * time.Hour)
		report, _, err := Diagnose(context.Background(), src, "shop", "shop", Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		ids := report.IDs()
		if tt.want == "" && len(ids) > 0 || tt.want != "" && !slices.Contains(ids, tt.want) {
			t.Errorf("in %d days: findings %v, want %q", tt.days, ids, tt.want)
		}
	}
}

func TestParseControllerSelector(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, ns, sel string
		err         bool
	}{
		{in: "ingress-nginx/app.kubernetes.io/name=ingress-nginx", ns: "ingress-nginx", sel: "app.kubernetes.io/name=ingress-nginx"},
		{in: "app.kubernetes.io/name=ingress-nginx", sel: "app.kubernetes.io/name=ingress-nginx"},
		{in: "*/app=traefik", sel: "app=traefik"},
		{in: "edge/app=proxy,tier in (edge)", ns: "edge", sel: "app=proxy,tier in (edge)"},
		{in: "app=kong", sel: "app=kong"},
		{in: "", err: true},
		{in: "edge/", err: true},
		{in: "app in (", err: true},
	} {
		got, err := ParseControllerSelector(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("%q: no error", tt.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got.Namespace != tt.ns || got.Text != tt.sel {
			t.Errorf("%q: namespace %q selector %q, want %q %q", tt.in, got.Namespace, got.Text, tt.ns, tt.sel)
		}
	}
}

func TestLookupController(t *testing.T) {
	t.Parallel()
	for controller, want := range map[string]string{
		"k8s.io/ingress-nginx":                         "ingress-nginx",
		"traefik.io/ingress-controller":                "Traefik",
		"haproxy.org/ingress-controller/haproxy":       "HAProxy Kubernetes Ingress",
		"haproxy-ingress.github.io/controller":         "HAProxy Ingress",
		"projectcontour.io/ingress-controller":         "Contour (Envoy)",
		"ingress-controllers.konghq.com/kong":          "Kong",
		"example.com/unknown-controller":               "",
		"k8s.io/ingress-nginx-internal (a prefix hit)": "ingress-nginx",
	} {
		got, ok := lookupController(controller)
		if want == "" && ok || want != "" && got.Name != want {
			t.Errorf("%s: %q (%v), want %q", controller, got.Name, ok, want)
		}
	}
}

// TestClash is the path-matching table: Prefix matches whole path elements and ignores
// a trailing slash, Exact and Prefix on one path coexist, ImplementationSpecific is
// compared as written.
func TestClash(t *testing.T) {
	t.Parallel()
	p := func(host, path string, pt networkingv1.PathType) Path {
		return Path{Host: host, Path: path, PathType: pt}
	}
	const (
		prefix = networkingv1.PathTypePrefix
		exact  = networkingv1.PathTypeExact
		impl   = networkingv1.PathTypeImplementationSpecific
	)
	for _, tt := range []struct {
		a, b Path
		want bool
	}{
		{p("a.com", "/api", prefix), p("a.com", "/api", prefix), true},
		{p("a.com", "/api", prefix), p("a.com", "/api/", prefix), true},
		{p("a.com", "/api", prefix), p("A.com", "/api", prefix), true},
		{p("a.com", "/api", prefix), p("b.com", "/api", prefix), false},
		{p("a.com", "/api", prefix), p("a.com", "/api", exact), false},
		{p("a.com", "/api", exact), p("a.com", "/api", exact), true},
		{p("a.com", "/api", exact), p("a.com", "/api/", exact), false},
		{p("a.com", "/api", prefix), p("a.com", "/apiv2", prefix), false},
		{p("", "/", prefix), p("", "/", prefix), true},
		{p("a.com", "/api", impl), p("a.com", "/api", prefix), true},
		{p("a.com", "/api", impl), p("a.com", "/api/v1", impl), false},
	} {
		if got := clash(tt.a, tt.b) != ""; got != tt.want {
			t.Errorf("clash(%s, %s) = %v, want %v", tt.a.Where(), tt.b.Where(), got, tt.want)
		}
	}
}

package integration

import (
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/scan"
	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// TestScanRequestsFlat: `scan -A` reads each kind with one list for the whole cluster,
// whatever the number of namespaces: the same application in 2 and then in 6 namespaces
// (Services with their pods and slices, a NetworkPolicy, an Ingress, a Gateway with an
// HTTPRoute, so that every scanner has objects to diagnose) costs exactly as many API
// requests. Secrets are the one kind read per object (a TLS certificate a listener or an
// Ingress names): listing them would read every credential of the cluster, so the
// application here terminates no TLS.
func TestScanRequestsFlat(t *testing.T) {
	ensureClusterAddons(t)
	deployApp := func() {
		ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "scan", "mixed.yaml"))
		np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "default-deny-ingress", Namespace: ns},
			Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
		createWithStatus(t, np)
		prefix := networkingv1.PathTypePrefix
		ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "frontend", Namespace: ns},
			Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: "shop.example.com",
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
					Path: "/", PathType: &prefix, Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: "frontend", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}}}}}
		createWithStatus(t, ing)
		applyNetdoctorScenario(t, filepath.Join(repoRoot, "test", "testdata", "gateway", "healthy.yaml"))
	}
	measure := func() (int, []string) {
		r := runNetdoctor(t, "scan", "-A", "--kubeconfig", adminKubeconfig, "-o", "json", "--stats")
		if r.code != cmd.ExitOK && r.code != cmd.ExitFindings {
			t.Fatalf("scan -A: exit %d: %s", r.code, r.errOut)
		}
		return scanRequests(t, r), scanPaths(t)
	}
	for range 2 {
		deployApp()
	}
	few, fewPaths := measure()
	for range 4 {
		deployApp()
	}
	many, manyPaths := measure()
	t.Logf("scan -A: %d API requests with the application in 2 namespaces, %d with it in 6", few, many)
	if few != many {
		t.Errorf("scan -A made %d API requests with the application in 2 namespaces and %d with it in 6: the count must not grow with the cluster\nonly with 2:\n  %s\nonly with 6:\n  %s",
			few, many, strings.Join(missingFrom(fewPaths, manyPaths), "\n  "), strings.Join(missingFrom(manyPaths, fewPaths), "\n  "))
	}
}

// scanPaths runs `scan -A` in-process over a transport that records every request, and
// returns them as "METHOD path?query" lines (namespace names of the tests replaced by
// NS), for the message of a failing count.
func scanPaths(t *testing.T) []string {
	t.Helper()
	cfg := rest.CopyConfig(adminConfig)
	var mu sync.Mutex
	var paths []string
	testNS := regexp.MustCompile(`/namespaces/it-[a-z0-9-]+`)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			mu.Lock()
			p := req.URL.Path
			if req.URL.RawQuery != "" {
				p += "?" + req.URL.RawQuery
			}
			paths = append(paths, req.Method+" "+testNS.ReplaceAllString(p, "/namespaces/NS"))
			mu.Unlock()
			return rt.RoundTrip(req)
		})
	})
	live, err := source.NewLive(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scan.Run(ctx(t), live, scan.Options{Namespace: source.AllNamespaces}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	return paths
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// missingFrom lists the lines of a (with their multiplicity) that b does not have.
func missingFrom(a, b []string) []string {
	count := map[string]int{}
	for _, p := range b {
		count[p]++
	}
	var out []string
	for _, p := range a {
		if count[p] > 0 {
			count[p]--
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return []string{"(none)"}
	}
	return out
}

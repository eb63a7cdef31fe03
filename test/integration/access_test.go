package integration

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/test/harness"
)

// userWithRole adds an envtest user bound to a Role in ns granting get/list on the
// given resources (core group unless "group/resource"), and returns its kubeconfig.
func userWithRole(t *testing.T, ns, name string, resources ...string) string {
	t.Helper()
	grantRole(t, ns, name, resources...)
	return kubeconfigOf(t, name)
}

// readRules lets get and list each resource ("pods", "apps/statefulsets").
func readRules(resources []string) []rbacv1.PolicyRule {
	var rules []rbacv1.PolicyRule
	for _, r := range resources {
		group, resource, found := strings.Cut(r, "/")
		if !found {
			group, resource = "", r
		}
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{resource}, Verbs: []string{"get", "list"}})
	}
	return rules
}

func subjectUser(name string) []rbacv1.Subject {
	return []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}}
}

// grantRole lets user name read resources in namespace ns (a Role and its binding).
func grantRole(t *testing.T, ns, name string, resources ...string) {
	t.Helper()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Rules: readRules(resources)}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		Subjects: subjectUser(name)}
	for _, obj := range []client.Object{role, binding} {
		if err := k8sClient.Create(ctx(t), obj); err != nil {
			t.Fatal(err)
		}
	}
}

// kubeconfigOf writes a kubeconfig for user name, authenticated by a client certificate.
func kubeconfigOf(t *testing.T, name string) string {
	t.Helper()
	user, err := env.AddUser(envtest.User{Name: name}, adminConfig)
	if err != nil {
		t.Fatal(err)
	}
	path, err := harness.WriteKubeconfig(t.TempDir(), name, user)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func hasFinding(r diag.Report, id diag.FindingID) bool {
	return slices.ContainsFunc(r.Findings, func(f diag.Finding) bool { return f.ID == id })
}

// TestPermissionDenied: a user who may read the Service and pods but not EndpointSlices
// gets a partial report: the slice check is unknown with PermissionDenied naming the
// missing permission, and nothing is called healthy that was not read.
func TestPermissionDenied(t *testing.T) {
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", "healthy.yaml"))
	kubeconfig := userWithRole(t, ns, "viewer-no-slices", "services", "pods")
	r := runNetdoctor(t, "svc", "payments", "-n", ns, "--kubeconfig", kubeconfig, "-o", "json")
	if r.code != cmd.ExitOK {
		t.Errorf("exit %d, want 0 (no error finding); stderr %s", r.code, r.errOut)
	}
	if got := r.report.StatusOf("service.endpointslices"); got != diag.StatusUnknown {
		t.Errorf("service.endpointslices is %q, want unknown", got)
	}
	var denied *diag.Finding
	for i, f := range r.report.Findings {
		if f.ID == diag.PermissionDenied && strings.Contains(f.Message, "endpointslices") {
			denied = &r.report.Findings[i]
		}
	}
	if denied == nil {
		t.Fatalf("no PermissionDenied finding: %+v", r.report.Findings)
	}
	if !strings.Contains(denied.Message, "list endpointslices.discovery.k8s.io") || !slices.ContainsFunc(denied.Commands, func(c string) bool {
		return strings.HasPrefix(c, "kubectl auth can-i list endpointslices.discovery.k8s.io -n "+ns)
	}) {
		t.Errorf("PermissionDenied should name the verb and resource: %+v", denied)
	}
	if got := r.report.StatusOf("service.selector"); got != diag.StatusPass {
		t.Errorf("service.selector is %q, want pass", got)
	}
}

// TestTargetForbidden: not being allowed to read the Service itself is not a diagnosis
// (exit 2), and certainly not ServiceNotFound.
func TestTargetForbidden(t *testing.T) {
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", "healthy.yaml"))
	kubeconfig := userWithRole(t, ns, "pods-only", "pods")
	r := runNetdoctor(t, "svc", "payments", "-n", ns, "--kubeconfig", kubeconfig, "-o", "json")
	if r.code != cmd.ExitCannot {
		t.Errorf("exit %d, want 2", r.code)
	}
	if !strings.Contains(r.errOut, "not allowed to get services payments in namespace "+ns) {
		t.Errorf("stderr %q should say what was refused", r.errOut)
	}
	if strings.Contains(r.out, "ServiceNotFound") {
		t.Errorf("forbidden must not look like not found: %s", r.out)
	}
}

// TestAPIError: a 500 from the API server on one read makes that check unknown with an
// APIError finding; the rest of the diagnosis goes on.
func TestAPIError(t *testing.T) {
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", "crashloop.yaml"))
	proxy := proxyToEnvtest(t)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.Contains(req.URL.Path, "/endpointslices") {
			http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"etcdserver: request timed out","code":500}`, http.StatusInternalServerError)
			return
		}
		proxy.ServeHTTP(w, req)
	}))
	defer server.Close()
	kubeconfig := writeTestKubeconfig(t, server.URL)
	r := runNetdoctor(t, "svc", "payments", "-n", ns, "--kubeconfig", kubeconfig, "-o", "json")
	if r.code != cmd.ExitFindings {
		t.Errorf("exit %d, want 1 (NoReadyPods still found); stderr %s", r.code, r.errOut)
	}
	if r.report.StatusOf("service.endpointslices") != diag.StatusUnknown || !hasFinding(r.report, diag.APIError) {
		t.Errorf("want service.endpointslices unknown with APIError: %+v", r.report.Checks)
	}
	if !hasFinding(r.report, diag.NoReadyPods) {
		t.Errorf("the rest of the walk should go on: %v", r.report.IDs())
	}
}

func writeTestKubeconfig(t *testing.T, server string) string {
	t.Helper()
	return writeProxyKubeconfig(t, `{server: "`+server+`"}`)
}

// writeTestKubeconfigInsecure is writeTestKubeconfig for a TLS test server.
func writeTestKubeconfigInsecure(t *testing.T, server string) string {
	t.Helper()
	return writeProxyKubeconfig(t, `{server: "`+server+`", insecure-skip-tls-verify: true}`)
}

func writeProxyKubeconfig(t *testing.T, cluster string) string {
	t.Helper()
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: proxy, cluster: ` + cluster + `}]
contexts: [{name: proxy, context: {cluster: proxy, user: anonymous}}]
current-context: proxy
users: [{name: anonymous, user: {}}]
`
	path := filepath.Join(t.TempDir(), "proxy.kubeconfig")
	if err := writeFile(path, cfg); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestNodesForbidden: without permission to list Nodes, the traffic-policy check of a
// Service with externalTrafficPolicy Local is unknown with PermissionDenied — never a
// pass, and never ExternalTrafficPolicyLocalNoEndpoints guessed without the nodes.
func TestNodesForbidden(t *testing.T) {
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", "etp-local-missing.yaml"))
	kubeconfig := userWithRole(t, ns, "no-nodes", "services", "pods", "discovery.k8s.io/endpointslices", "apps/statefulsets")
	r := runNetdoctor(t, "svc", "payments", "-n", ns, "--kubeconfig", kubeconfig, "-o", "json")
	if r.code != cmd.ExitOK {
		t.Errorf("exit %d, want 0; stderr %s", r.code, r.errOut)
	}
	if got := r.report.StatusOf("service.trafficpolicy"); got != diag.StatusUnknown {
		t.Errorf("service.trafficpolicy is %q, want unknown", got)
	}
	if !hasFinding(r.report, diag.PermissionDenied) || hasFinding(r.report, diag.ExternalTrafficPolicyLocalNoEndpoints) {
		t.Errorf("findings %v", r.report.IDs())
	}
}

// TestNamespaceViewerScansCluster: a viewer of one namespace asking for the whole
// cluster cannot list anything cluster-wide: exit 2 naming the refused read, not an
// empty "healthy" scan. The same viewer scanning their namespace gets a full report.
func TestNamespaceViewerScansCluster(t *testing.T) {
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", "crashloop.yaml"))
	kubeconfig := userWithRole(t, ns, "ns-viewer", "services", "pods", "discovery.k8s.io/endpointslices", "apps/statefulsets")
	r := runNetdoctor(t, "scan", "-A", "--kubeconfig", kubeconfig, "-o", "json")
	if r.code != cmd.ExitCannot || !strings.Contains(r.errOut, "not allowed to list services") {
		t.Errorf("scan -A: exit %d, stderr %q; want 2 naming the refused list", r.code, r.errOut)
	}
	r = runNetdoctor(t, "scan", "-n", ns, "--kubeconfig", kubeconfig, "-o", "json")
	if r.code != cmd.ExitFindings || !strings.Contains(r.out, "NoReadyPods") {
		t.Errorf("scan -n: exit %d, want 1 with NoReadyPods; stderr %s", r.code, r.errOut)
	}
}

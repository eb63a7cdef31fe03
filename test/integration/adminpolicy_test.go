package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// createAdminPolicy creates an AdminNetworkPolicy or BaselineAdminNetworkPolicy (both
// cluster-scoped, CRDs from test/testdata/crds) for the rest of the test, and returns
// the file an offline run reads it from. "$NS" in manifest is the test's namespace:
// keep subjects to it, so other tests' verdicts do not change.
func createAdminPolicy(t *testing.T, ns, manifest string) string {
	t.Helper()
	manifest = strings.ReplaceAll(manifest, "$NS", ns)
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &u.Object); err != nil {
		t.Fatal(err)
	}
	if err := k8sClient.Create(ctx(t), u); err != nil {
		t.Fatalf("create %s %s: %v", u.GetKind(), u.GetName(), err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(context.Background(), u) })
	path := filepath.Join(t.TempDir(), "admin.yaml")
	if err := os.WriteFile(path, []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReachAdminNetworkPolicies: with the network-policy-api CRDs installed, an ANP
// Deny overrides the NetworkPolicy that admits frontend, and a BANP Deny applies where
// no NetworkPolicy isolates the pods; live and offline (-f) agree, and the finding
// names the deciding policy.
func TestReachAdminNetworkPolicies(t *testing.T) {
	tests := []struct {
		name, recipe, manifest, want string
	}{
		{"ANP deny overrides a NetworkPolicy allow", "allow-one-app.yaml", `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: lock-$NS}
spec:
  priority: 10
  subject:
    pods:
      namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: $NS}}
      podSelector: {matchLabels: {app: api}}
  ingress:
  - name: deny-everyone
    action: Deny
    from:
    - namespaces: {}
`, `AdminNetworkPolicy lock-$NS (priority 10) ingress[0] "deny-everyone" denies`},
		{"BANP deny without NetworkPolicy", "no-policies.yaml", `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject:
    namespaces: {matchLabels: {kubernetes.io/metadata.name: $NS}}
  ingress:
  - name: default-deny
    action: Deny
    from:
    - namespaces: {}
`, `BaselineAdminNetworkPolicy default ingress[0] "default-deny" denies`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns, namespaces := applyRecipe(t, filepath.Join(reachData, "apps.yaml"), filepath.Join(reachData, tt.recipe))
			args := []string{"reach", "deploy/frontend", "svc/api", "--port", "80", "-n", ns, "-o", "json"}
			before := runNetdoctor(t, append(args, "--kubeconfig", adminKubeconfig)...)
			if before.code != cmd.ExitOK {
				t.Fatalf("without the admin policy: exit %d, want 0\n%s%s", before.code, before.out, before.errOut)
			}
			file := createAdminPolicy(t, ns, tt.manifest)
			want := strings.ReplaceAll(tt.want, "$NS", ns)
			for mode, extra := range map[string][]string{
				"live":    {"--kubeconfig", adminKubeconfig},
				"offline": {"-f", dumpNamespaces(t, namespaces...), "-f", file},
			} {
				r := runNetdoctor(t, append(args, extra...)...)
				if r.code != cmd.ExitFindings || r.report.Reach == nil || r.report.Reach.Allowed {
					t.Errorf("%s: exit %d, want 1 with a denied verdict\n%s%s", mode, r.code, r.out, r.errOut)
					continue
				}
				var msg string
				for _, f := range r.report.Findings {
					if f.ID == diag.IngressDenied {
						msg = f.Message
					}
				}
				if !strings.Contains(msg, want) {
					t.Errorf("%s: IngressDenied %q does not name %q\n%s", mode, msg, want, checkLines(r.report))
				}
			}
		})
	}
}

package reach_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/yaml"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/reach"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source/sourcetest"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

// ANP and BANP manifests in the v1alpha1 shapes of sigs.k8s.io/network-policy-api.
const (
	anpDenyAPI = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: lock-api}
spec:
  priority: 10
  subject:
    pods:
      namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}
      podSelector: {matchLabels: {app: api}}
  ingress:
  - name: deny-everyone
    action: Deny
    from:
    - namespaces: {}
`
	anpPassAPI = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: delegate-api}
spec:
  priority: 5
  subject:
    pods:
      namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}
      podSelector: {matchLabels: {app: api}}
  ingress:
  - name: let-teams-decide
    action: Pass
    from:
    - namespaces: {}
`
	banpDenyAPI = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject:
    pods:
      namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}
      podSelector: {matchLabels: {app: api}}
  ingress:
  - name: default-deny
    action: Deny
    from:
    - namespaces: {}
`
	// Selects nothing: the CRDs are there, the verdicts must not change.
	anpNoMatch = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: elsewhere}
spec:
  priority: 1
  subject:
    namespaces: {matchLabels: {team: nobody}}
  ingress:
  - {name: deny, action: Deny, from: [{namespaces: {}}]}
  egress:
  - {name: deny, action: Deny, to: [{networks: [0.0.0.0/0]}]}
`
	banpNoMatch = `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject:
    namespaces: {matchLabels: {team: nobody}}
  ingress:
  - {name: deny, action: Deny, from: [{namespaces: {}}]}
`
)

func adminObjects(t *testing.T, docs ...string) []runtime.Object {
	t.Helper()
	var out []runtime.Object
	for _, d := range docs {
		var probe struct{ Kind string }
		if err := yaml.Unmarshal([]byte(d), &probe); err != nil {
			t.Fatal(err)
		}
		var obj runtime.Object = &anpv1alpha1.AdminNetworkPolicy{}
		if probe.Kind == "BaselineAdminNetworkPolicy" {
			obj = &anpv1alpha1.BaselineAdminNetworkPolicy{}
		}
		if err := yaml.UnmarshalStrict([]byte(d), obj); err != nil {
			t.Fatal(err)
		}
		out = append(out, obj)
	}
	return out
}

func diagnoseWith(t *testing.T, sc scenarios.ReachCase, admin ...string) (diag.Report, *reach.State) {
	t.Helper()
	objs := append(sc.Input().Objects(t), adminObjects(t, admin...)...)
	report, st, err := reach.Diagnose(context.Background(), source.FromObjects(objs...), options(t, sc))
	if err != nil {
		t.Fatal(err)
	}
	if report.Reach == nil {
		t.Fatalf("no verdict\n%s", scenarios.Describe(report))
	}
	return report, st
}

func finding(r diag.Report, id diag.FindingID) *diag.Finding {
	for i := range r.Findings {
		if r.Findings[i].ID == id {
			return &r.Findings[i]
		}
	}
	return nil
}

// An ANP Deny is final: the NetworkPolicy that admits frontend is not consulted.
func TestAdminDenyOverridesNetworkPolicyAllow(t *testing.T) {
	t.Parallel()
	sc := scenarios.ReachCase{File: "allow-one-app.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "80"}}
	if before, _ := diagnoseWith(t, sc); !before.Reach.Allowed {
		t.Fatalf("the recipe alone should allow frontend\n%s", scenarios.Describe(before))
	}
	report, st := diagnoseWith(t, sc, anpDenyAPI)
	if report.Reach.Allowed || report.Reach.Ports[0].DeniedBy != "ingress" {
		t.Fatalf("reach = %+v, want denied by ingress\n%s", report.Reach, scenarios.Describe(report))
	}
	if got := scenarios.UniqueIDs(report.IDs()); !slices.Equal(got, []diag.FindingID{diag.IngressDenied}) {
		t.Errorf("findings = %v, want [IngressDenied]\n%s", got, scenarios.Describe(report))
	}
	f := finding(report, diag.IngressDenied)
	if !strings.Contains(f.Message, `AdminNetworkPolicy lock-api (priority 10) ingress[0] "deny-everyone"`) {
		t.Errorf("message does not name the deciding ANP rule: %s", f.Message)
	}
	evidence := strings.Join(f.Evidence, "\n")
	if !strings.Contains(evidence, "AdminNetworkPolicy lock-api (priority 10): rule 0") ||
		!strings.Contains(evidence, "not consulted: NetworkPolicies shop/api-allow-frontend, shop/default-deny-ingress") {
		t.Errorf("evidence:\n%s", evidence)
	}
	if !strings.Contains(f.Fix, "cannot override an AdminNetworkPolicy") || !slices.Contains(f.Commands, "kubectl get adminnetworkpolicy lock-api -o yaml") {
		t.Errorf("fix %q, commands %q", f.Fix, f.Commands)
	}
	if dv := report.Reach.Ports[0]; dv.Allowed {
		t.Error("port allowed")
	}
	if st.Results[0].Ingress.Sample.DecidedBy != netpol.LayerAdmin {
		t.Errorf("DecidedBy = %s", st.Results[0].Ingress.Sample.DecidedBy)
	}
}

// An ANP Pass hands the decision to NetworkPolicy, skipping the ANPs after it (here a
// lower-precedence Deny): frontend is admitted by the NetworkPolicy, batch is not.
func TestAdminPassDefersToNetworkPolicy(t *testing.T) {
	t.Parallel()
	allowed := scenarios.ReachCase{File: "allow-one-app.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "80"}}
	report, st := diagnoseWith(t, allowed, anpPassAPI, anpDenyAPI)
	if !report.Reach.Allowed {
		t.Fatalf("frontend denied despite Pass\n%s", scenarios.Describe(report))
	}
	if d := st.Results[0].Ingress.Sample; d.DecidedBy != netpol.LayerNetworkPolicy || len(d.Admin) != 1 || d.Admin[0].Action != netpol.AdminPass {
		t.Errorf("verdict = %+v, want decided by NetworkPolicy after one Pass", d)
	}
	denied := scenarios.ReachCase{File: "allow-one-app.yaml", From: "deploy/batch", To: "svc/api", Args: []string{"--port", "80"}}
	report, _ = diagnoseWith(t, denied, anpPassAPI, anpDenyAPI)
	if report.Reach.Allowed {
		t.Fatalf("batch allowed\n%s", scenarios.Describe(report))
	}
	f := finding(report, diag.IngressDenied)
	if f == nil || !strings.Contains(f.Message, "NetworkPolicies shop/api-allow-frontend and shop/default-deny-ingress isolate") {
		t.Fatalf("want the NetworkPolicy denial\n%s", scenarios.Describe(report))
	}
	if evidence := strings.Join(f.Evidence, "\n"); !strings.Contains(evidence, `AdminNetworkPolicy delegate-api (priority 5): rule 0 "let-teams-decide"`) {
		t.Errorf("evidence does not show the Pass:\n%s", evidence)
	}
}

// The BANP decides only for pods no NetworkPolicy isolates; its suggested fix, a
// NetworkPolicy, takes precedence and opens the path.
func TestBaselineDeniesWithoutNetworkPolicy(t *testing.T) {
	t.Parallel()
	sc := scenarios.ReachCase{File: "no-policies.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "80"}}
	report, _ := diagnoseWith(t, sc, banpDenyAPI)
	if report.Reach.Allowed {
		t.Fatalf("allowed despite the baseline deny\n%s", scenarios.Describe(report))
	}
	if got := scenarios.UniqueIDs(report.IDs()); !slices.Equal(got, []diag.FindingID{diag.IngressDenied}) {
		t.Errorf("findings = %v, want [IngressDenied]\n%s", got, scenarios.Describe(report))
	}
	f := finding(report, diag.IngressDenied)
	if !strings.Contains(f.Message, `BaselineAdminNetworkPolicy default ingress[0] "default-deny"`) ||
		!strings.Contains(f.Message, "no NetworkPolicy isolates them") {
		t.Errorf("message: %s", f.Message)
	}
	_, manifest, ok := strings.Cut(f.Fix, "\n")
	if !ok {
		t.Fatalf("no manifest in the fix: %q", f.Fix)
	}
	var np networkingv1.NetworkPolicy
	if err := yaml.UnmarshalStrict([]byte(manifest), &np); err != nil {
		t.Fatalf("fix is not a NetworkPolicy: %v", err)
	}
	objs := append(append(sc.Input().Objects(t), adminObjects(t, banpDenyAPI)...), &np)
	after, _, err := reach.Diagnose(context.Background(), source.FromObjects(objs...), options(t, sc))
	if err != nil {
		t.Fatal(err)
	}
	if after.Reach == nil || !after.Reach.Allowed {
		t.Errorf("the suggested NetworkPolicy does not override the baseline\n%s", scenarios.Describe(after))
	}

	// Where a NetworkPolicy isolates the pods, the baseline is not consulted.
	report, _ = diagnoseWith(t, scenarios.ReachCase{File: "allow-one-app.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "80"}}, banpDenyAPI)
	if !report.Reach.Allowed {
		t.Errorf("baseline overrode a NetworkPolicy\n%s", scenarios.Describe(report))
	}
}

// Without admin policies (or with ones selecting nothing) every recipe's verdict and
// findings are what they were.
func TestNoAdminPoliciesVerdictUnchanged(t *testing.T) {
	t.Parallel()
	for _, sc := range scenarios.Reach {
		t.Run(sc.Name(), func(t *testing.T) {
			t.Parallel()
			if sc.Undecided {
				t.Skip("no verdict to compare: a policy netdoctor does not evaluate decides it")
			}
			plain, st := diagnoseWith(t, sc)
			if len(st.AdminPolicies) != 0 || st.Baseline != nil {
				t.Errorf("admin policies read from an input without any: %+v", st.AdminPolicies)
			}
			with, _ := diagnoseWith(t, sc, anpNoMatch, banpNoMatch)
			if !slices.Equal(scenarios.UniqueIDs(plain.IDs()), scenarios.UniqueIDs(with.IDs())) || plain.Reach.Allowed != with.Reach.Allowed {
				t.Errorf("findings %v allowed=%v became %v allowed=%v", scenarios.UniqueIDs(plain.IDs()), plain.Reach.Allowed, scenarios.UniqueIDs(with.IDs()), with.Reach.Allowed)
			}
			for i := range plain.Reach.Ports {
				if plain.Reach.Ports[i] != with.Reach.Ports[i] {
					t.Errorf("port %+v became %+v", plain.Reach.Ports[i], with.Reach.Ports[i])
				}
			}
		})
	}
}

// A user who may not list admin policies still gets the NetworkPolicy verdict, with
// PermissionDenied saying what it ignores.
func TestAdminPoliciesForbidden(t *testing.T) {
	t.Parallel()
	sc := scenarios.ReachCase{File: "allow-one-app.yaml", From: "deploy/batch", To: "svc/api", Args: []string{"--port", "80"}}
	report, _, err := reach.Diagnose(context.Background(), sourcetest.Refuse(sc.Input().Source(t), source.KindAdminNetworkPolicy, "list"), options(t, sc))
	if err != nil {
		t.Fatal(err)
	}
	if report.Reach == nil || report.Reach.Allowed {
		t.Fatalf("want the NetworkPolicy denial\n%s", scenarios.Describe(report))
	}
	f := finding(report, diag.PermissionDenied)
	if f == nil || !strings.Contains(f.Message, "adminnetworkpolicies") || !strings.Contains(strings.Join(f.Evidence, "\n"), "the verdict ignores any AdminNetworkPolicy") {
		t.Errorf("want PermissionDenied naming adminnetworkpolicies\n%s", scenarios.Describe(report))
	}
}

package reach_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/reach"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

// options are the row's arguments as reach.Diagnose takes them.
func options(t *testing.T, sc scenarios.ReachCase) reach.Options {
	t.Helper()
	o, err := sc.Options()
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestScenarios asserts, per recipe, the set of finding IDs, the verdict and the
// per-port answers. Healthy recipes list no IDs: no false positives. The rows are
// shared with the offline and envtest suites (test/scenarios).
func TestScenarios(t *testing.T) {
	t.Parallel()
	scenarios.Run(t, scenarios.Reach, assertVerdict)
}

// assertVerdict holds the reach section to the row: no verdict where the row is
// undecided, else allowed, the exit code it implies, and each port's verdict.
func assertVerdict(t *testing.T, sc scenarios.ReachCase, report diag.Report, st *reach.State) {
	t.Helper()
	if sc.Undecided {
		if report.Reach != nil || st == nil || st.Undecided() == nil {
			t.Errorf("want no verdict (exit 2), got reach %+v\n%s", report.Reach, scenarios.Describe(report))
		}
		return
	}
	if report.Reach == nil {
		t.Fatalf("no reach verdict\n%s", scenarios.Describe(report))
	}
	if report.Reach.Allowed != sc.Allowed {
		t.Errorf("allowed = %v, want %v", report.Reach.Allowed, sc.Allowed)
	}
	if report.HasErrors() == sc.Allowed {
		t.Errorf("error findings %v do not match allowed = %v (exit code would disagree)", scenarios.UniqueIDs(report.IDs()), sc.Allowed)
	}
	if !sc.Allowed && report.RootCause == "" {
		t.Errorf("denied without a root cause")
	}
	for label, want := range sc.Ports {
		found := false
		for _, pv := range report.Reach.Ports {
			if fmt.Sprintf("%d/%s", pv.Port, pv.Protocol) != label {
				continue
			}
			found = true
			verdict := pv.DeniedBy
			if pv.Allowed {
				verdict = "allowed"
			}
			if verdict != want {
				t.Errorf("port %s: %s, want %s", label, verdict, want)
			}
		}
		if !found {
			t.Errorf("no verdict for port %s in %+v", label, report.Reach.Ports)
		}
	}
}

// TestSuggestedPolicyOpensThePath: for every denied recipe, applying the NetworkPolicy
// that the IngressDenied / EgressDenied / DNSEgressBlocked finding suggests must turn
// that denial into an allow, and must not be needed twice (it is complete).
func TestSuggestedPolicyOpensThePath(t *testing.T) {
	t.Parallel()
	fixable := map[diag.FindingID]bool{diag.IngressDenied: true, diag.EgressDenied: true, diag.DNSEgressBlocked: true}
	for _, sc := range scenarios.Reach {
		if sc.Allowed {
			continue
		}
		t.Run(sc.Name(), func(t *testing.T) {
			t.Parallel()
			src := sc.Input().Source(t)
			report, _, err := reach.Diagnose(context.Background(), src, options(t, sc))
			if err != nil {
				t.Fatal(err)
			}
			var extra []runtime.Object
			var fixed []diag.FindingID
			for _, f := range report.Findings {
				if !fixable[f.ID] {
					continue
				}
				_, manifest, ok := strings.Cut(f.Fix, "\n")
				if !ok {
					t.Fatalf("%s has no manifest in its fix: %q", f.ID, f.Fix)
				}
				obj, err := fixManifest(manifest)
				if err != nil {
					t.Fatalf("%s fix is not a policy: %v\n%s", f.ID, err, manifest)
				}
				extra = append(extra, obj)
				fixed = append(fixed, f.ID)
			}
			if len(fixed) == 0 {
				t.Skip("no policy denial to fix")
			}
			objs := append(sc.Input().Objects(t), extra...)
			after, _, err := reach.Diagnose(context.Background(), source.FromObjects(objs...), options(t, sc))
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range after.IDs() {
				if slices.Contains(fixed, id) {
					t.Errorf("%s still fires after applying the suggested policies\n%s", id, scenarios.Describe(after))
				}
			}
		})
	}
}

// TestPartialDenial: a policy that isolates only one of the Service's pods denies the
// port for some pod pairs: the port is not allowed, and the evidence says for which.
func TestPartialDenial(t *testing.T) {
	t.Parallel()
	sc := scenarios.ReachCase{File: "no-policies.yaml", From: "deploy/frontend", To: "svc/api", Args: []string{"--port", "80"}}
	objs := sc.Input().Objects(t)
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok && p.Name == "api-5d4f8-aaaaa" {
			p.Labels["canary"] = "true"
		}
	}
	deny := &networkingv1.NetworkPolicy{}
	if err := yaml.Unmarshal([]byte(`
metadata: {name: canary-lockdown, namespace: shop}
spec:
  podSelector: {matchLabels: {canary: "true"}}
  policyTypes: [Ingress]
`), deny); err != nil {
		t.Fatal(err)
	}
	report, _, err := reach.Diagnose(context.Background(), source.FromObjects(append(objs, deny)...), options(t, sc))
	if err != nil {
		t.Fatal(err)
	}
	if report.Reach == nil || report.Reach.Allowed || len(report.Reach.Ports) != 1 || report.Reach.Ports[0].DeniedBy != "ingress" {
		t.Fatalf("reach = %+v, want port 80 denied by ingress", report.Reach)
	}
	var f *diag.Finding
	for i := range report.Findings {
		if report.Findings[i].ID == diag.IngressDenied {
			f = &report.Findings[i]
		}
	}
	if f == nil {
		t.Fatalf("no IngressDenied\n%s", scenarios.Describe(report))
	}
	evidence := strings.Join(f.Evidence, "\n")
	if !strings.Contains(f.Message, "for some pod pairs") || !strings.Contains(evidence, "denied for 1 of 2 pod pairs") ||
		!strings.Contains(evidence, "frontend-7b9c6-ccccc → api-5d4f8-aaaaa") || !strings.Contains(evidence, "allowed: frontend-7b9c6-ccccc → api-5d4f8-bbbbb") {
		t.Errorf("partial denial not explained:\n%s\n%s", f.Message, evidence)
	}
}

// TestServiceWithoutPods: a Service TO without pods fails whatever the policies say.
func TestServiceWithoutPods(t *testing.T) {
	t.Parallel()
	sc := scenarios.ReachCase{File: "no-policies.yaml", From: "deploy/frontend", To: "svc/api"}
	var objs []runtime.Object
	for _, o := range sc.Input().Objects(t) {
		if p, ok := o.(*corev1.Pod); ok && p.Labels["app"] == "api" {
			continue
		}
		objs = append(objs, o)
	}
	report, _, err := reach.Diagnose(context.Background(), source.FromObjects(objs...), options(t, sc))
	if err != nil {
		t.Fatal(err)
	}
	if got := scenarios.UniqueIDs(report.IDs()); !slices.Equal(got, []diag.FindingID{diag.SelectorMatchesNoPods}) {
		t.Errorf("findings = %v, want [SelectorMatchesNoPods]", got)
	}
	if report.Reach == nil || report.Reach.Allowed || len(report.Reach.Ports) != 2 {
		t.Errorf("reach = %+v, want both ports, not allowed", report.Reach)
	}
}

// fixManifest reads the policy a fix proposes: a NetworkPolicy (strictly), or a policy
// of a network plugin's kind in the dialect of the deny.
func fixManifest(manifest string) (runtime.Object, error) {
	var u unstructured.Unstructured
	if err := yaml.Unmarshal([]byte(manifest), &u.Object); err != nil {
		return nil, err
	}
	if u.GetAPIVersion() == "networking.k8s.io/v1" {
		var np networkingv1.NetworkPolicy
		if err := yaml.UnmarshalStrict([]byte(manifest), &np); err != nil {
			return nil, err
		}
		return &np, nil
	}
	if _, ok := source.CNIPolicyKindOf(u.GroupVersionKind()); !ok {
		return nil, fmt.Errorf("kind %s %s is no policy kind", u.GetAPIVersion(), u.GetKind())
	}
	return &u, nil
}

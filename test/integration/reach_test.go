package integration

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/policy"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/reach"
	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/test/harness"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

var reachData = filepath.Join(repoRoot, "test", "testdata", "reach")

// TestReachScenarios runs `kubectl netdoctor reach` as a new user would, live against
// each recipe and again offline (-f) on a dump of every namespace involved plus
// kube-system: both must give the recipe's findings, verdict and exit code.
func TestReachScenarios(t *testing.T) {
	for _, sc := range scenarios.Reach {
		t.Run(sc.Name(), func(t *testing.T) {
			ns, namespaces := applyRecipe(t, filepath.Join(reachData, "apps.yaml"), filepath.Join(reachData, sc.File))
			if sc.NoCNI {
				withoutPolicyEnforcer(t)
			}
			args := []string{"reach", expandNS(sc.From, ns), expandNS(sc.To, ns)}
			args = append(append(args, sc.Args...), "-n", ns, "-o", "json")
			live := runNetdoctor(t, append(args, "--kubeconfig", adminKubeconfig)...)
			assertReachResult(t, "live", live, sc)
			offline := runNetdoctor(t, append(args, "-f", dumpNamespaces(t, namespaces...))...)
			assertReachResult(t, "offline", offline, sc)
		})
	}
}

func expandNS(s, ns string) string {
	return strings.ReplaceAll(s, fixture.ScenarioNamespacePlaceholder, ns)
}

func assertReachResult(t *testing.T, mode string, r result, sc scenarios.ReachCase) {
	t.Helper()
	wantCode := cmd.ExitFindings
	switch {
	case sc.Undecided:
		wantCode = cmd.ExitCannot
	case sc.Allowed:
		wantCode = cmd.ExitOK
	}
	if r.code != wantCode {
		t.Errorf("%s: exit %d, want %d\nstderr: %s\nstdout: %s", mode, r.code, wantCode, r.errOut, r.out)
		return
	}
	if got := scenarios.UniqueIDs(r.report.IDs()); !slices.Equal(got, sc.Want) {
		t.Errorf("%s: findings %v, want %v\nroot cause: %s\n%s", mode, got, sc.Want, r.report.RootCause, checkLines(r.report))
	}
	if sc.Undecided {
		if r.report.Reach != nil || !strings.Contains(r.errOut, "PolicyNotEvaluated") {
			t.Errorf("%s: want no verdict and a stderr line naming PolicyNotEvaluated; reach %+v, stderr %q", mode, r.report.Reach, r.errOut)
		}
		return
	}
	if r.report.Reach == nil {
		t.Fatalf("%s: no reach section", mode)
	}
	if r.report.Reach.Allowed != sc.Allowed {
		t.Errorf("%s: reach.allowed %v, want %v", mode, r.report.Reach.Allowed, sc.Allowed)
	}
	if !sc.Allowed && r.report.RootCause == "" {
		t.Errorf("%s: denied without a root cause", mode)
	}
	for label, wantVerdict := range sc.Ports {
		verdict := ""
		for _, pv := range r.report.Reach.Ports {
			if fmt.Sprintf("%d/%s", pv.Port, pv.Protocol) == label {
				verdict = pv.DeniedBy
				if pv.Allowed {
					verdict = "allowed"
				}
			}
		}
		if verdict != wantVerdict {
			t.Errorf("%s: port %s is %q, want %q", mode, label, verdict, wantVerdict)
		}
	}
}

func checkLines(r diag.Report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "  %s %s: %s\n", c.Status, c.ID, c.Detail)
	}
	return b.String()
}

// TestReachCannotDecide: what reach cannot diagnose exits 2 with one error line, live:
// malformed FROM/TO, a workload or Service that does not exist, a port TO does not
// have.
func TestReachCannotDecide(t *testing.T) {
	ns, _ := applyRecipe(t, filepath.Join(reachData, "apps.yaml"), filepath.Join(reachData, "allow-one-app.yaml"))
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"frontend", "svc/api"}, `needs a kind`},
		{[]string{"svc/api", "deploy/frontend"}, "FROM cannot be a Service"},
		{[]string{"deploy/frontend", "ip:300.1.1.1", "--port", "80"}, "invalid IP address"},
		{[]string{"deploy/frontnd", "svc/api"}, `deployment "frontnd" not found in namespace ` + ns + ` (did you mean frontend?)`},
		{[]string{"deploy/frontend", "svc/apii"}, `service "apii" not found`},
		{[]string{"deploy/frontend", "svc/api", "--port", "8443"}, "has no port 8443"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runNetdoctor(t, append(append([]string{"reach"}, tt.args...), "-n", ns, "--kubeconfig", adminKubeconfig, "-o", "json")...)
			if r.code != cmd.ExitCannot || !strings.Contains(r.errOut, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want 2 with %q", r.code, r.errOut, tt.wantErr)
			}
			if r.out != "" {
				t.Errorf("stdout: %q", r.out)
			}
		})
	}
}

// TestReachPoliciesForbidden: a user who may not list NetworkPolicies gets the report
// with reach.policies unknown and PermissionDenied naming the grant, no verdict, and
// exit 2: "allowed" would be a guess. With the grant, the same user gets the verdict.
func TestReachPoliciesForbidden(t *testing.T) {
	ns, _ := applyRecipe(t, filepath.Join(reachData, "apps.yaml"), filepath.Join(reachData, "allow-one-app.yaml"))
	base := []string{"pods", "services", "apps/deployments", "discovery.k8s.io/endpointslices"}
	kubeconfig := userWithRole(t, ns, "reach-viewer", base...)
	r := runNetdoctor(t, "reach", "deploy/batch", "svc/api", "-n", ns, "--kubeconfig", kubeconfig, "-o", "json")
	if r.code != cmd.ExitCannot || !strings.Contains(r.errOut, "not allowed to list networkpolicies") {
		t.Errorf("exit %d, stderr %q; want 2 naming networkpolicies", r.code, r.errOut)
	}
	if r.report.StatusOf(reach.CheckPolicies) != diag.StatusUnknown || !hasFinding(r.report, diag.PermissionDenied) || r.report.Reach != nil {
		t.Errorf("want reach.policies unknown, PermissionDenied and no verdict; got %s, reach %+v\n%s",
			r.report.StatusOf(reach.CheckPolicies), r.report.Reach, checkLines(r.report))
	}

	kubeconfig = userWithRole(t, ns, "reach-viewer-np", append(base, "networking.k8s.io/networkpolicies")...)
	r = runNetdoctor(t, "reach", "deploy/batch", "svc/api", "-n", ns, "--kubeconfig", kubeconfig, "-o", "json")
	if r.code != cmd.ExitFindings || !hasFinding(r.report, diag.IngressDenied) {
		t.Errorf("with networkpolicies granted: exit %d, findings %v; want 1 with IngressDenied\nstderr %s", r.code, r.report.IDs(), r.errOut)
	}
	// Namespaces (cluster-scoped) and kube-system stay unreadable: reported, not guessed.
	if !hasFinding(r.report, diag.PermissionDenied) {
		t.Errorf("unreadable namespaces were not reported: %v", r.report.IDs())
	}
}

// TestReachText: the answer a person reads, live: which policy blocks which direction,
// and the policy to apply.
func TestReachText(t *testing.T) {
	ns, _ := applyRecipe(t, filepath.Join(reachData, "apps.yaml"), filepath.Join(reachData, "dns-forgotten.yaml"))
	r := runNetdoctor(t, "reach", "deploy/frontend", "svc/api", "-n", ns, "--kubeconfig", adminKubeconfig, "--color", "never")
	if r.code != cmd.ExitFindings {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	harness.AssertContains(t, "output", r.out,
		"Traffic denied",
		"80/TCP (http)       allowed",
		"9090/TCP (metrics)  denied (egress)",
		"Root cause: NetworkPolicy "+ns+"/frontend-egress isolates Deployment "+ns+"/frontend's pods for egress",
		"✖ DNSEgressBlocked",
		"kubernetes.io/metadata.name: kube-system",
		"k8s-app: kube-dns",
	)
}

// TestPolicyLints runs the scan lints against a live API server and against the
// offline dump of the same namespaces: each fires on its recipe, none on healthy ones.
func TestPolicyLints(t *testing.T) {
	live, err := source.NewLive(adminConfig)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file string
		want []diag.FindingID
	}{
		{"allow-one-app.yaml", nil},
		{"allow-pods-in-namespace.yaml", nil},
		{"policy-selects-no-pods.yaml", []diag.FindingID{diag.PolicySelectsNoPods}},
		{"namespace-selector-typo.yaml", []diag.FindingID{diag.NamespaceSelectorMatchesNoNamespaces}},
		{"and-or-confusion.yaml", []diag.FindingID{diag.PolicyPeerAndOrConfusion}},
		{"named-port-missing.yaml", []diag.FindingID{diag.NamedPortNotFound}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ns, namespaces := applyRecipe(t, filepath.Join(reachData, "apps.yaml"), filepath.Join(reachData, tt.file))
			offline, err := source.FromFiles([]string{dumpNamespaces(t, namespaces...)}, nil, ns)
			if err != nil {
				t.Fatal(err)
			}
			for mode, src := range map[string]source.Source{"live": live, "offline": offline} {
				findings, err := policy.Lint(context.Background(), src, ns)
				if err != nil {
					t.Fatalf("%s: %v", mode, err)
				}
				if got := scenarios.UniqueIDsOf(findings); !slices.Equal(got, tt.want) {
					t.Errorf("%s: lints %v, want %v", mode, got, tt.want)
				}
			}
		})
	}
}

package integration

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

// TestSvcScenarios runs `kubectl netdoctor svc` live against every scenario and again
// offline (-f) on a `kubectl get -o yaml`-style dump of what the API server holds: both
// must give the scenario's findings and the contract's exit code.
func TestSvcScenarios(t *testing.T) {
	for _, sc := range scenarios.Svc {
		t.Run(sc.File+"/"+sc.Target, func(t *testing.T) {
			ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", sc.File))
			wantCode := exitCodeFor(sc.Want)
			live := runNetdoctor(t, "svc", sc.Target, "-n", ns, "--kubeconfig", adminKubeconfig, "-o", "json")
			assertReport(t, "live", live, sc.Want, wantCode)

			offline := runNetdoctor(t, "svc", sc.Target, "-n", ns, "-f", dumpNamespaces(t, ns), "-o", "json")
			assertReport(t, "offline", offline, sc.Want, wantCode)
		})
	}
}

// exitCodeFor is the exit code the contract gives a report of these findings: 1 where
// one is an error in the catalog, else 0.
func exitCodeFor(want []diag.FindingID) int {
	for _, id := range want {
		if id.Severity() == diag.SeverityError {
			return cmd.ExitFindings
		}
	}
	return cmd.ExitOK
}

func assertReport(t *testing.T, mode string, r result, want []diag.FindingID, wantCode int) {
	t.Helper()
	if r.code != wantCode {
		t.Errorf("%s: exit code %d, want %d\nstderr: %s\nstdout: %s", mode, r.code, wantCode, r.errOut, r.out)
	}
	got := scenarios.UniqueIDs(r.report.IDs())
	if !slices.Equal(got, want) {
		t.Errorf("%s: findings %v, want %v\nroot cause: %s", mode, got, want, r.report.RootCause)
	}
	if len(want) > 0 && r.report.RootCause == "" {
		t.Errorf("%s: empty rootCause", mode)
	}
	for _, f := range r.report.Findings {
		// These IDs take error where the case is total (every endpoint, every port).
		if f.Severity != f.ID.Severity() && f.ID != diag.TargetPortNotFound && f.ID != diag.NodeNetworkNotReady && f.ID != diag.KubeProxyNotReady {
			t.Errorf("%s: %s has severity %s, catalog says %s", mode, f.ID, f.Severity, f.ID.Severity())
		}
	}
}

// TestSvcDataPlaneScenarios runs `svc` live and offline over the data plane recipes (on
// top of the shared apps and add-ons, as reach does): the Service proxy and the pod
// network of the endpoints' nodes, and the network plugins' own policies.
func TestSvcDataPlaneScenarios(t *testing.T) {
	for _, sc := range scenarios.SvcDataPlane {
		t.Run(sc.File+"/"+sc.Target, func(t *testing.T) {
			ns, namespaces := applyRecipe(t, filepath.Join(reachData, "apps.yaml"), filepath.Join(reachData, sc.File))
			wantCode := exitCodeFor(sc.Want)
			if sc.Error {
				wantCode = cmd.ExitFindings
			}
			live := runNetdoctor(t, "svc", sc.Target, "-n", ns, "--kubeconfig", adminKubeconfig, "-o", "json")
			assertReport(t, "live", live, sc.Want, wantCode)
			offline := runNetdoctor(t, "svc", sc.Target, "-n", ns, "-f", dumpNamespaces(t, namespaces...), "-o", "json")
			assertReport(t, "offline", offline, sc.Want, wantCode)
		})
	}
}

// TestSvcRequestBudget: `svc` keeps to the request budget of docs/performance.md (at most
// 6 API requests, whatever the cluster size) with the data plane checks included, on a
// cluster that runs neither Cilium nor Calico (whose own policy kinds svc reads only
// where they run).
func TestSvcRequestBudget(t *testing.T) {
	withoutPolicyEnforcer(t)
	for _, tt := range []struct {
		file, target string
		max          int
	}{
		{"healthy.yaml", "payments", 6},
		{"etp-local-ok.yaml", "payments", 6},
		// An empty selector reads the most: the near misses, the idle workloads and the
		// same selector in other namespaces.
		{"selector-typo.yaml", "payments", 6},
		{"scaled-to-zero.yaml", "payments", 6},
		{"statefulset-headless.yaml", "db", 6},
	} {
		t.Run(tt.file, func(t *testing.T) {
			ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", tt.file))
			r := runNetdoctor(t, "svc", tt.target, "-n", ns, "--kubeconfig", adminKubeconfig, "-o", "json", "--stats")
			if n := scanRequests(t, r); n > tt.max {
				t.Errorf("svc made %d API requests, the budget is %d", n, tt.max)
			}
		})
	}
}

package integration

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// TestSvcScenarios runs `kubectl netdoctor svc` live against every scenario and again
// offline (-f) on a `kubectl get -o yaml`-style dump of what the API server holds: both
// must give the scenario's findings and the contract's exit code.
func TestSvcScenarios(t *testing.T) {
	for _, sc := range service.Scenarios {
		t.Run(sc.File+"/"+sc.Target, func(t *testing.T) {
			ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "svc", sc.File))
			wantCode := cmd.ExitOK
			for _, id := range sc.Want {
				if id.Severity() == diag.SeverityError {
					wantCode = cmd.ExitFindings
				}
			}
			live := runNetdoctor(t, "svc", sc.Target, "-n", ns, "--kubeconfig", adminKubeconfig, "-o", "json")
			assertReport(t, "live", live, sc.Want, wantCode)

			offline := runNetdoctor(t, "svc", sc.Target, "-n", ns, "-f", dumpNamespaces(t, ns), "-o", "json")
			assertReport(t, "offline", offline, sc.Want, wantCode)
		})
	}
}

func assertReport(t *testing.T, mode string, r result, want []diag.FindingID, wantCode int) {
	t.Helper()
	if r.code != wantCode {
		t.Errorf("%s: exit code %d, want %d\nstderr: %s\nstdout: %s", mode, r.code, wantCode, r.errOut, r.out)
	}
	got := []diag.FindingID{}
	for _, f := range r.report.Findings {
		if !slices.Contains(got, f.ID) {
			got = append(got, f.ID)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s: findings %v, want %v\nroot cause: %s", mode, got, want, r.report.RootCause)
	}
	if len(want) > 0 && r.report.RootCause == "" {
		t.Errorf("%s: empty rootCause", mode)
	}
	for _, f := range r.report.Findings {
		if f.Severity != f.ID.Severity() && f.ID != diag.TargetPortNotFound {
			t.Errorf("%s: %s has severity %s, catalog says %s", mode, f.ID, f.Severity, f.ID.Severity())
		}
	}
}

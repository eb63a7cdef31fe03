package integration

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

// TestRouteScenarios runs `kubectl netdoctor route` live against every scenario, with
// the Gateway API standard CRDs installed in envtest, and again offline (-f) on a dump
// of what the API server holds: both must give the scenario's findings, the contract's
// exit code, and a root cause that names the broken thing.
func TestRouteScenarios(t *testing.T) {
	for _, sc := range scenarios.Route {
		t.Run(sc.Name(), func(t *testing.T) {
			// --kind in lower case, as people type it (sc.CommandLine passes the table's).
			commandLine := func(ns string) []string {
				args := []string{"route", sc.Target, "-n", ns}
				if sc.Kind != "" {
					args = append(args, "--kind", strings.ToLower(sc.Kind))
				}
				return args
			}
			assertScenarioLiveAndOffline(t, "gateway", sc.File, commandLine, sc.Want, sc.RootCause)
		})
	}
}

// TestRouteCanaryNested: the healthy 90/10 canary exits 0 and nests both backends'
// svc walks; the report's target carries the kind found.
func TestRouteCanaryNested(t *testing.T) {
	applied := applyNetdoctorScenario(t, filepath.Join(repoRoot, "test", "testdata", "gateway", "healthy.yaml"))
	r := runNetdoctor(t, "route", "foo-route", "-n", applied.Namespace, "--kubeconfig", adminKubeconfig, "-o", "json")
	if r.code != cmd.ExitOK {
		t.Fatalf("exit %d, want 0\n%s%s", r.code, r.out, r.errOut)
	}
	if r.report.Target.Kind != "HTTPRoute" {
		t.Errorf("target kind %q, want HTTPRoute", r.report.Target.Kind)
	}
	exists := 0
	for _, c := range r.report.Checks {
		if c.ID == "service.exists" && c.Depth == 1 {
			exists++
		}
	}
	if exists != 2 {
		t.Errorf("%d nested svc walks, want 2 (foo-v1 and foo-v2)", exists)
	}
}

// TestRouteUsage: an unknown --kind is a usage error (exit 2) before anything is read.
func TestRouteUsage(t *testing.T) {
	r := runNetdoctor(t, "route", "foo", "--kind", "udproute", "--kubeconfig", adminKubeconfig)
	if r.code != cmd.ExitCannot || !strings.Contains(r.errOut, "unknown route kind") {
		t.Errorf("exit %d, stderr %q; want 2 and the kind named", r.code, r.errOut)
	}
}

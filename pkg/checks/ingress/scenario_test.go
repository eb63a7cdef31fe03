package ingress_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/ingress"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Scenarios are shared with the envtest suite (test/integration), which runs the same
// files against a real API server and offline; here they run against the in-memory Source.
var scenarioDir = filepath.Join("..", "..", "..", "test", "testdata", "ingress")

const ns = "shop"

func load(t *testing.T, file string) *source.Objects {
	t.Helper()
	objs, err := fixture.LoadScenario(filepath.Join(scenarioDir, file), ns)
	if err != nil {
		t.Fatal(err)
	}
	return source.FromObjects(fixture.WithControllerSlices(objs)...)
}

func options(t *testing.T, controllerSelector string) ingress.Options {
	t.Helper()
	if controllerSelector == "" {
		return ingress.Options{}
	}
	sel, err := ingress.ParseControllerSelector(strings.ReplaceAll(controllerSelector, fixture.ScenarioNamespacePlaceholder, ns))
	if err != nil {
		t.Fatal(err)
	}
	return ingress.Options{ControllerSelector: sel}
}

// TestScenarios asserts the set of finding IDs per scenario. Healthy scenarios list no
// IDs: no false positives.
func TestScenarios(t *testing.T) {
	t.Parallel()
	for _, sc := range ingress.Scenarios {
		t.Run(sc.File+"/"+sc.Target, func(t *testing.T) {
			t.Parallel()
			report, _, err := ingress.Diagnose(context.Background(), load(t, sc.File), ns, sc.Target, options(t, sc.ControllerSelector))
			if err != nil {
				t.Fatal(err)
			}
			got := uniqueIDs(report.IDs())
			if !slices.Equal(got, sc.Want) {
				t.Errorf("findings = %v, want %v\nroot cause: %s", got, sc.Want, report.RootCause)
			}
			if len(sc.Want) > 0 && report.RootCause == "" {
				t.Errorf("no root cause for %v", got)
			}
			if sc.RootCause != "" && !strings.Contains(report.RootCause, strings.ReplaceAll(sc.RootCause, fixture.ScenarioNamespacePlaceholder, ns)) {
				t.Errorf("root cause %q does not name %q", report.RootCause, sc.RootCause)
			}
			for _, f := range report.Findings {
				if f.Message == "" || f.Fix == "" && f.ID != diag.PermissionDenied {
					t.Errorf("%s: finding without message or fix: %+v", f.ID, f)
				}
			}
		})
	}
}

func uniqueIDs(ids []diag.FindingID) []diag.FindingID {
	out := []diag.FindingID{}
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

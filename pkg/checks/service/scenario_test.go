package service_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Scenarios are shared with the envtest suite (test/integration), which runs the same
// files against a real API server; here they run against the in-memory Source.
var scenarioDir = filepath.Join("..", "..", "..", "test", "testdata", "svc")

// TestScenarios asserts the set of finding IDs per scenario. Healthy scenarios list no
// IDs: no false positives.
func TestScenarios(t *testing.T) {
	t.Parallel()
	for _, sc := range service.Scenarios {
		t.Run(sc.File+"/"+sc.Target, func(t *testing.T) {
			t.Parallel()
			objs, err := fixture.Load(filepath.Join(scenarioDir, sc.File), "shop")
			if err != nil {
				t.Fatal(err)
			}
			src := source.FromObjects(fixture.WithControllerSlices(objs)...)
			report, _, err := service.Diagnose(context.Background(), src, "shop", sc.Target)
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
			if !strings.Contains(report.RootCause, sc.RootCause) {
				t.Errorf("root cause %q does not say %q", report.RootCause, sc.RootCause)
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

// TestDataPlaneScenarios: the data plane and the network plugins' policies, per recipe,
// with the severity the case gives (error only where every endpoint is affected).
func TestDataPlaneScenarios(t *testing.T) {
	t.Parallel()
	testdata := filepath.Join("..", "..", "..", "test", "testdata")
	vars := map[string]string{fixture.KubeDNSIPPlaceholder: "10.96.0.10"}
	for _, sc := range service.DataPlaneScenarios {
		t.Run(sc.File+"/"+sc.Target, func(t *testing.T) {
			t.Parallel()
			var objs []runtime.Object
			for _, f := range append(append([]string{}, service.DataPlaneFiles...), filepath.Join("reach", sc.File)) {
				o, err := fixture.LoadRecipe(filepath.Join(testdata, f), "shop", vars)
				if err != nil {
					t.Fatal(err)
				}
				objs = append(objs, o...)
			}
			report, _, err := service.Diagnose(context.Background(), source.FromObjects(fixture.WithControllerSlices(objs)...), "shop", sc.Target)
			if err != nil {
				t.Fatal(err)
			}
			got := uniqueIDs(report.IDs())
			if !slices.Equal(got, sc.Want) {
				t.Errorf("findings = %v, want %v\nroot cause: %s", got, sc.Want, report.RootCause)
			}
			wantError := sc.Error
			for _, id := range sc.Want {
				wantError = wantError || id.Severity() == diag.SeverityError
			}
			if report.HasErrors() != wantError {
				t.Errorf("error findings: %v, want %v (%v)", report.HasErrors(), wantError, got)
			}
			if !strings.Contains(report.RootCause, sc.RootCause) {
				t.Errorf("root cause %q does not say %q", report.RootCause, sc.RootCause)
			}
		})
	}
}

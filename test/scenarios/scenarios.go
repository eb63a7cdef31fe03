package scenarios

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	k8sruntime "k8s.io/apimachinery/pkg/runtime"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// A scenario is a row of one command's table: fixtures under test/testdata, the
// command's target and flags, and the findings it must produce. The same rows run in
// memory (each check package's tests, through Run), offline through the root command
// (ScenarioRuns: test/schema, test/golden) and live on envtest (test/integration), so
// that all of them agree. Keep a healthy neighbour beside each broken row.

// Case is what Run needs of a row; S is the state its command's Diagnose returns.
type Case[S any] interface {
	Name() string
	Input() Input
	Expected() Expectation
	// Diagnose runs the row's command in memory over src, in Namespace.
	Diagnose(ctx context.Context, src source.Source) (diag.Report, S, error)
}

// Input is what a row loads. Rows with the same Key load the same objects, so that the
// offline suites dump them once.
type Input struct {
	Key string
	// Load reads the fixtures as written, without what a controller would add.
	Load func() ([]k8sruntime.Object, error)
}

// scenarioFileInput is a file of test/testdata/dir as fixture.LoadScenario reads it
// ($NS expanded, certificates generated).
func scenarioFileInput(dir, file string) Input {
	return Input{Key: dir + "/" + file, Load: func() ([]k8sruntime.Object, error) {
		return fixture.LoadScenario(filepath.Join(Testdata, dir, file), Namespace)
	}}
}

// Objects are the input's objects with the EndpointSlices the controller would write.
func (in Input) Objects(t *testing.T) []k8sruntime.Object {
	t.Helper()
	objs, err := in.Load()
	if err != nil {
		t.Fatalf("%s: %v", in.Key, err)
	}
	return fixture.WithControllerSlices(objs)
}

// Source is the in-memory Source of Objects.
func (in Input) Source(t *testing.T) *source.Objects {
	t.Helper()
	return source.FromObjects(in.Objects(t)...)
}

// Expectation is what every row asserts of its report, whichever command made it.
type Expectation struct {
	// Want are the finding IDs, sorted; empty for a healthy row (no false positives).
	Want []diag.FindingID
	// RootCause is a phrase the root cause must contain ($NS expanded).
	RootCause string
	// Error: the report holds an error finding although no ID of Want is an error in
	// the catalog (an ID whose severity depends on the case, e.g. NodeNetworkNotReady
	// when every endpoint is affected).
	Error bool
	// FixOnInfo: info findings, too, must say how to fix them (every ingress and route
	// finding does; a reach or dns info finding may only inform).
	FixOnInfo bool
}

// WantsError is whether the report must hold an error finding (the exit code 1).
func (e Expectation) WantsError() bool {
	return e.Error || slices.ContainsFunc(e.Want, func(id diag.FindingID) bool { return id.Severity() == diag.SeverityError })
}

// Check holds report to the expectation: the set of IDs, a root cause wherever an
// error or warning is expected, its phrase, whether an error was found, a message on
// every finding and a fix on every one that is not merely informative.
func (e Expectation) Check(t *testing.T, report diag.Report) {
	t.Helper()
	got := UniqueIDs(report.IDs())
	if !slices.Equal(got, e.Want) {
		t.Errorf("findings = %v, want %v\nroot cause: %s\n%s", got, e.Want, report.RootCause, Describe(report))
	}
	rootCauseExpected := slices.ContainsFunc(e.Want, func(id diag.FindingID) bool { return id.Severity() != diag.SeverityInfo })
	if rootCauseExpected && report.RootCause == "" {
		t.Errorf("no root cause for %v", got)
	}
	if phrase := ExpandNamespace(e.RootCause); !strings.Contains(report.RootCause, phrase) {
		t.Errorf("root cause %q does not say %q", report.RootCause, phrase)
	}
	if report.HasErrors() != e.WantsError() {
		t.Errorf("error findings: %v, want %v (%v)", report.HasErrors(), e.WantsError(), got)
	}
	for _, f := range report.Findings {
		fixExpected := f.ID != diag.PermissionDenied && (f.Severity != diag.SeverityInfo || e.FixOnInfo)
		if f.Message == "" || f.Fix == "" && fixExpected {
			t.Errorf("%s: finding without message or fix: %+v", f.ID, f)
		}
	}
}

// Run runs every row of table in memory, in parallel: its Input with the controller's
// EndpointSlices, its command's Diagnose, its Expectation; then, unless nil, the
// assertions only that command has.
func Run[S any, C Case[S]](t *testing.T, table []C, then func(t *testing.T, c C, report diag.Report, state S)) {
	t.Helper()
	for _, c := range table {
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			report, state, err := c.Diagnose(context.Background(), c.Input().Source(t))
			if err != nil {
				t.Fatal(err)
			}
			c.Expected().Check(t, report)
			if then != nil {
				then(t, c, report, state)
			}
		})
	}
}

// UniqueIDs are the distinct IDs of list, sorted: what tables' Want are compared with.
func UniqueIDs(list []diag.FindingID) []diag.FindingID {
	out := []diag.FindingID{}
	for _, id := range list {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// UniqueIDsOf are the distinct IDs of findings, sorted.
func UniqueIDsOf(findings []diag.Finding) []diag.FindingID {
	report := diag.Report{Findings: findings}
	return UniqueIDs(report.IDs())
}

// ids is how tables write Want: sorted, as UniqueIDs compares.
func ids(list ...diag.FindingID) []diag.FindingID {
	out := slices.Clone(list)
	slices.Sort(out)
	return out
}

// Describe lists a report's checks and findings, one a line, for failure messages.
func Describe(r diag.Report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "  %s %s: %s\n", c.Status, c.ID, c.Detail)
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  %s %s: %s\n", f.ID, f.Object, f.Message)
	}
	return b.String()
}

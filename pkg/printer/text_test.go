package printer

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// assertGolden compares got with testdata/<name>.golden, or rewrites it with -update.
func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/printer/ -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gotLines), len(wantLines)); i++ {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Errorf("%s: first difference at line %d:\n got: %q\nwant: %q\n\nfull output:\n%s", path, i+1, g, w, got)
			return
		}
	}
}

func TestTextGolden(t *testing.T) {
	tests := []struct {
		name    string
		verbose bool
		input   any // a diag.Report or a diag.ScanReport
	}{
		{name: "svc_failing", input: failingSvcReport()},
		{name: "svc_healthy", input: healthySvcReport()},
		{name: "ingress_verbose", verbose: true, input: ingressVerboseReport()},
		{name: "reach_denied", input: reachDeniedReport()},
		{name: "scan", input: scanReport()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertGolden(t, tt.name, printed(t, "text", Options{Color: ColorNever, Verbose: tt.verbose}, tt.input))
		})
	}
}

// printText is the text output for v, a diag.Report or a diag.ScanReport.
func printText(t *testing.T, opts Options, v any) string {
	t.Helper()
	return string(printed(t, "text", opts, v))
}

func TestTextDetailsOnlyUnderProblemsUnlessVerbose(t *testing.T) {
	t.Parallel()
	r := failingSvcReport()
	quiet := printText(t, Options{Color: ColorNever}, r)
	if !strings.Contains(quiet, "      payments-7c9-abcde: CrashLoopBackOff") {
		t.Errorf("details of the failed check are missing:\n%s", quiet)
	}
	if strings.Contains(quiet, "      payments-7c9-fghij\n") {
		t.Errorf("details of a passed check are shown without --verbose:\n%s", quiet)
	}
	verbose := printText(t, Options{Color: ColorNever, Verbose: true}, r)
	if !strings.Contains(verbose, "      payments-7c9-fghij\n") {
		t.Errorf("details of a passed check are missing with --verbose:\n%s", verbose)
	}
}

func TestTextRootCauseOrNoProblems(t *testing.T) {
	t.Parallel()
	failing := printText(t, Options{Color: ColorNever}, failingSvcReport())
	if !strings.Contains(failing, "\nRoot cause: Service shop/payments has 3 matching pods but none is Ready") {
		t.Errorf("root cause line missing:\n%s", failing)
	}
	healthy := printText(t, Options{Color: ColorNever}, healthySvcReport())
	if !strings.Contains(healthy, "\nNo problems found: traffic to Service shop/payments should arrive.\n") {
		t.Errorf("no-problems line missing:\n%s", healthy)
	}
	if strings.Contains(healthy, "Root cause") {
		t.Errorf("healthy report has a root cause line:\n%s", healthy)
	}
}

func TestTextReachAllowed(t *testing.T) {
	t.Parallel()
	r := diag.NewReport("reach", svcPayments)
	r.Reach = &diag.Reach{Allowed: true, Ports: []diag.PortVerdict{{Port: 80, Protocol: "TCP", Allowed: true}}}
	r.Finalize()
	out := printText(t, Options{Color: ColorNever}, r)
	if !strings.Contains(out, "Traffic allowed\n  80/TCP  allowed\n") {
		t.Errorf("reach verdict missing:\n%s", out)
	}
	if strings.Contains(out, "No problems found") {
		t.Errorf("reach prints the svc no-problems line:\n%s", out)
	}
}

func TestTextEmptyReport(t *testing.T) {
	t.Parallel()
	// A zero Report (nil slices, no target) must render, not panic.
	out := printText(t, Options{Color: ColorNever}, diag.Report{Command: "dns"})
	want := "dns\n\nNo problems found: DNS for dns should work.\n\n0 errors, 0 warnings, 0 infos\n"
	if out != want {
		t.Errorf("got\n%q\nwant\n%q", out, want)
	}
}

func TestScanHidesCleanObjectsUnlessVerbose(t *testing.T) {
	t.Parallel()
	s := scanReport()
	quiet := printText(t, Options{Color: ColorNever}, s)
	for _, hidden := range []string{"Service shop/cart", "NdotsAmplification"} {
		if strings.Contains(quiet, hidden) {
			t.Errorf("%q shown without --verbose:\n%s", hidden, quiet)
		}
	}
	if !strings.HasSuffix(quiet, "\n5 objects checked, 1 error, 3 warnings, 1 check unknown\n") {
		t.Errorf("summary line wrong:\n%s", quiet)
	}
	verbose := printText(t, Options{Color: ColorNever, Verbose: true}, s)
	for _, shown := range []string{"Service shop/cart\n", "NdotsAmplification", "Service shop/payments\n"} {
		if !strings.Contains(verbose, shown) {
			t.Errorf("%q missing with --verbose:\n%s", shown, verbose)
		}
	}
}

func TestScanNoProblems(t *testing.T) {
	t.Parallel()
	s := diag.ScanReport{Reports: []diag.Report{healthySvcReport()}}
	out := printText(t, Options{Color: ColorNever}, s)
	want := "No problems found.\n1 object checked, 0 errors, 0 warnings, 0 checks unknown\n"
	if out != want {
		t.Errorf("got\n%q\nwant\n%q", out, want)
	}
}

// failWriter fails every write, as a closed pipe does.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWriteErrorsAreReturned(t *testing.T) {
	t.Parallel()
	for _, format := range Formats {
		p, err := New(format, Options{Color: ColorNever})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.PrintReport(failWriter{}, failingSvcReport()); err == nil {
			t.Errorf("%s: PrintReport on a failing writer returned nil", format)
		}
		if err := p.PrintScan(failWriter{}, scanReport()); err == nil {
			t.Errorf("%s: PrintScan on a failing writer returned nil", format)
		}
	}
}

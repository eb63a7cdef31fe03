// Package golden_test pins what `kubectl netdoctor ... -o json` prints, byte for byte,
// for every scenario row, every fixture file (scanned raw) and every example: the
// reports of today are the goldens under testdata/, so that a refactoring that changes
// any report fails here. `go test ./test/golden -update` rewrites them.
package golden_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

var update = flag.Bool("update", false, "rewrite the golden reports from the current code")

// TestGoldenReports runs every offline command line of the suites and compares its
// JSON report with testdata/<command>/<run>.json.
func TestGoldenReports(t *testing.T) {
	runs := slices.Concat(scenarios.ScenarioRuns(t), scenarios.RawScanRuns(t), scenarios.ExampleRuns(t))
	files := map[string]string{}
	for _, r := range runs {
		path := goldenPath(r.Name)
		if other, ok := files[path]; ok {
			t.Fatalf("runs %q and %q would share the golden %s", other, r.Name, path)
		}
		files[path] = r.Name
	}
	if *update {
		if err := os.RemoveAll("testdata"); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range runs {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			got := normalise(r.ReportJSON(t), r.Args)
			path := goldenPath(r.Name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("netdoctor %s -o json differs from %s (-update rewrites it):\n%s", strings.Join(r.Args, " "), path, diffLines(string(want), got))
			}
		})
	}
}

var (
	unsafeInName = regexp.MustCompile(`[^A-Za-z0-9._+=-]+`)
	// timestamp is how the TLS checks print a certificate's notBefore and notAfter.
	timestamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z`)
	// expiryDay is how the TLS checks' details and fixes print the day a certificate
	// expires.
	expiryDay = regexp.MustCompile(`(valid until|renew it before) \d{4}-\d{2}-\d{2}`)
)

// goldenPath is testdata/<command>/<rest of the run's name>.json, the name's slashes
// turned into "__" and anything a file name should not hold into "_" (no leading "-",
// so that the files are easy to name in a shell).
func goldenPath(run string) string {
	command, rest, _ := strings.Cut(run, "/")
	parts := strings.Split(rest, "/")
	for i, p := range parts {
		parts[i] = strings.Trim(unsafeInName.ReplaceAllString(p, "_"), "_-")
	}
	parts = slices.DeleteFunc(parts, func(p string) bool { return p == "" })
	return filepath.Join("testdata", command, strings.Join(parts, "__")+".json")
}

// normalise takes out of a report what differs between two runs of the same code, and
// nothing else:
//   - the -f path (a temporary directory for dumped fixtures, the checkout for
//     examples), which findings' location.file carries;
//   - the notBefore/notAfter timestamps of TLS findings and the day of expiry in their
//     details and fixes ("valid until", "renew it before"): fixture.LoadScenario generates the certificates of
//     CertificateAnnotation at load time, relative to time.Now. The
//     durations printed beside them ("expired 24h0m0s ago", "expires in 4 days") are
//     rounded to the minute or day, so they are stable and stay compared.
//
// Nothing else in a report reads the clock for these fixtures (the "pending for" and
// "created ... ago" evidence needs a creationTimestamp, which no fixture sets).
func normalise(out string, args []string) string {
	out = timestamp.ReplaceAllString(out, "<generated certificate time>")
	out = expiryDay.ReplaceAllString(out, "$1 <generated certificate day>")
	for i, a := range args {
		if a != "-f" || i+1 >= len(args) {
			continue
		}
		input := args[i+1]
		if rel, err := filepath.Rel(scenarios.RepoRoot, input); err == nil && !strings.HasPrefix(rel, "..") {
			out = strings.ReplaceAll(out, scenarios.RepoRoot+string(filepath.Separator), "")
			continue
		}
		out = strings.ReplaceAll(out, filepath.Dir(input), "<input>")
	}
	return out
}

// diffLines shows the first lines where want and got part, with a little context.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	from := max(0, i-3)
	var b strings.Builder
	for j := from; j < i; j++ {
		b.WriteString("  " + w[j] + "\n")
	}
	for j := i; j < min(len(w), i+5); j++ {
		b.WriteString("- " + w[j] + "\n")
	}
	for j := i; j < min(len(g), i+5); j++ {
		b.WriteString("+ " + g[j] + "\n")
	}
	return b.String()
}

package schema_test

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/scan"
	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

// TestScanCoversTargetedCommandsOffline is pkg/checks/scan's parity test through the
// real command line and the -f loader: for every run of a scenario table (svc, ingress,
// route, reach, dns on its dumped input), `scan -n shop -f` over the same file raises
// every finding ID the targeted command printed, but for scan.TargetedOnly.
func TestScanCoversTargetedCommandsOffline(t *testing.T) {
	var mu sync.Mutex
	scans := map[string]map[diag.FindingID]bool{}
	scanOf := func(t *testing.T, input string) map[diag.FindingID]bool {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if ids, ok := scans[input]; ok {
			return ids
		}
		code, out, errOut := scenarios.Execute("scan", "-n", ns, "-f", input, "-o", "json")
		if code != cmd.ExitOK && code != cmd.ExitFindings {
			t.Fatalf("scan -n %s -f %s: exit %d: %s", ns, input, code, errOut)
		}
		var doc diag.ScanReport
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		ids := map[diag.FindingID]bool{}
		for _, r := range doc.Reports {
			for _, f := range r.Findings {
				ids[f.ID] = true
			}
		}
		scans[input] = ids
		return ids
	}
	checked := 0
	for _, r := range scenarios.ScenarioRuns(t) {
		command := r.Args[0]
		if command == "scan" {
			continue
		}
		input := r.Args[slices.Index(r.Args, "-f")+1]
		checked++
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			out := r.ReportJSON(t)
			var doc diag.Report
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			got := scanOf(t, input)
			var missing []diag.FindingID
			for _, f := range doc.Findings {
				if _, exempt := scan.TargetedOnly[command][f.ID]; !got[f.ID] && !exempt && !slices.Contains(missing, f.ID) {
					missing = append(missing, f.ID)
				}
			}
			if len(missing) > 0 {
				t.Errorf("netdoctor %s raises %v; scan -n %s over the same -f input does not", strings.Join(r.Args, " "), missing, ns)
			}
		})
	}
	if checked < 100 {
		t.Errorf("only %d targeted runs: did the scenario tables move?", checked)
	}
}

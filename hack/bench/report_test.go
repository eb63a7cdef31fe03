package main

import (
	"strings"
	"testing"
	"time"
)

// TestMissedTargetFailsTheRun: a report whose request counts miss a target makes
// output return an error (make bench exits non-zero), after still printing it.
func TestMissedTargetFailsTheRun(t *testing.T) {
	run := func(name string, requests ...int) result {
		r := result{Cmd: command{Name: name}}
		for _, n := range requests {
			r.Samples = append(r.Samples, sample{Wall: time.Second, Requests: n, MaxRSS: 1024})
		}
		return r
	}
	tests := []struct {
		name    string
		results []result
		missed  string
	}{
		{"every target met", []result{run("svc payments", 5, 6), run("scan -A", 38), run("kubectl get (baseline)", 12)}, ""},
		{"svc over budget in one run", []result{run("svc returns", 6, 7), run("scan -A", 38)}, "svc returns"},
		{"scan -A grows", []result{run("svc payments", 6), run("scan -A", 87)}, "scan -A API requests"},
		{"not measured is no failure", []result{{Cmd: command{Name: "svc x"}, Failed: "crashed"}}, ""},
	}
	for _, tt := range tests {
		err := report{Results: tt.results}.output(t.TempDir(), "")
		switch {
		case tt.missed == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.missed != "" && (err == nil || !strings.Contains(err.Error(), tt.missed)):
			t.Errorf("%s: error %v, want one naming %q", tt.name, err, tt.missed)
		}
	}
}

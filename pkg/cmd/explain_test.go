package cmd_test

import (
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// TestExplainEveryID: every catalog ID explains itself offline, with its severity and
// the four parts of the reference, whatever case it is typed in.
func TestExplainEveryID(t *testing.T) {
	t.Parallel()
	for _, id := range diag.CatalogOrder {
		for _, typed := range []string{string(id), strings.ToLower(string(id))} {
			r := execute(t, "", "explain", typed, "--kubeconfig", "/nonexistent")
			if r.code != cmd.ExitOK {
				t.Errorf("explain %s: exit %d, stderr %q", typed, r.code, r.errOut)
				continue
			}
			if !strings.HasPrefix(r.out, string(id)+"\n\nSeverity: "+string(diag.Catalog[id].Severity)+"\n") {
				t.Errorf("explain %s: output does not start with the ID and its severity:\n%.200s", typed, r.out)
			}
			for _, part := range []string{"**What it means", "**Why it happens", "**How to fix", "**Confirm with"} {
				if !strings.Contains(r.out, part) {
					t.Errorf("explain %s: no %s** part", typed, part)
				}
			}
			if strings.Contains(r.out, "](#") {
				t.Errorf("explain %s: Markdown links are left in the terminal text", typed)
			}
		}
	}
}

func TestExplainUnknownIDSuggestsNeighbours(t *testing.T) {
	t.Parallel()
	tests := []struct{ typed, want string }{
		{"SelectorMatchesNoPod", "SelectorMatchesNoPods"},
		{"TargetPortNotFond", "TargetPortNotFound"},
		{"ready", "NoReadyPods"},
	}
	for _, tt := range tests {
		r := execute(t, "", "explain", tt.typed)
		if r.code != cmd.ExitCannot {
			t.Errorf("explain %s: exit %d, want %d", tt.typed, r.code, cmd.ExitCannot)
		}
		if !strings.Contains(r.errOut, `unknown finding ID "`+tt.typed+`"`) || !strings.Contains(r.errOut, tt.want) {
			t.Errorf("explain %s: stderr %q should name the unknown ID and suggest %s", tt.typed, r.errOut, tt.want)
		}
		if r.out != "" {
			t.Errorf("explain %s: printed %q on stdout", tt.typed, r.out)
		}
	}
	if r := execute(t, "", "explain", "NoReadyPods", "SomePodsNotReady"); r.code != cmd.ExitCannot {
		t.Errorf("explain with two IDs: exit %d, want %d", r.code, cmd.ExitCannot)
	}
}

func TestExplainWithoutIDListsTheCatalog(t *testing.T) {
	t.Parallel()
	r := execute(t, "", "explain")
	if r.code != cmd.ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	lines := strings.Split(r.out, "\n")
	for i, id := range diag.CatalogOrder {
		fields := strings.Fields(lines[i+1])
		if len(fields) < 3 || fields[0] != string(id) || fields[1] != string(diag.Catalog[id].Severity) {
			t.Errorf("catalog line %d = %q, want %s %s ...", i+1, lines[i+1], id, diag.Catalog[id].Severity)
		}
	}
}

// TestTextFindingsPointAtExplain: each finding in the text output ends with the explain
// command for its ID.
func TestTextFindingsPointAtExplain(t *testing.T) {
	t.Parallel()
	r := execute(t, "", "svc", "payments", "-n", "shop", "-f", "../../examples/shop/", "--color", "never")
	if r.code != cmd.ExitFindings {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var heads, mores int
	for _, line := range strings.Split(r.out, "\n") {
		for _, glyph := range []string{"✖ ", "⚠ ", "ℹ "} {
			if strings.HasPrefix(line, glyph) {
				heads++
				id := strings.Fields(strings.TrimPrefix(line, glyph))[0]
				if !strings.Contains(r.out, "More: kubectl netdoctor explain "+id+"\n") {
					t.Errorf("finding %s has no explain line", id)
				}
			}
		}
		if strings.HasPrefix(strings.TrimSpace(line), "More: kubectl netdoctor explain ") {
			mores++
		}
	}
	if heads == 0 || heads != mores {
		t.Errorf("%d findings, %d explain lines:\n%s", heads, mores, r.out)
	}
}

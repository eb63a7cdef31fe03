package cmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
)

// TestREADMEOutput keeps the README honest: the output it shows for its first command
// is what that command prints today.
func TestREADMEOutput(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const marker = "The first command prints (exit code 1):\n\n```text\n"
	readme := string(data)
	start := strings.Index(readme, marker)
	if start < 0 {
		t.Fatalf("README has no %q block", strings.TrimSpace(marker))
	}
	start += len(marker)
	want := readme[start : start+strings.Index(readme[start:], "```")]
	if !strings.Contains(readme, "go run ./cmd/kubectl-netdoctor svc payments -n shop -f examples/shop/") {
		t.Fatal("README no longer shows the command this test runs")
	}
	r := execute(t, "", "svc", "payments", "-n", "shop", "-f", filepath.Join("..", "..", "examples", "shop")+"/", "--color", "never")
	if r.code != cmd.ExitFindings {
		t.Errorf("exit %d, README says 1", r.code)
	}
	if r.out != want {
		t.Errorf("README output is stale; it should be:\n%s", r.out)
	}
}

package cmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/test/harness"
)

// TestREADMEOutput keeps the README honest: the output it shows for its first command
// is what that command prints today.
func TestREADMEOutput(t *testing.T) {
	want, err := harness.READMEBlock(filepath.Join("..", ".."), "The first command prints (exit code 1):\n\n```text\n")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "go run ./cmd/kubectl-netdoctor svc payments -n shop -f examples/shop/") {
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

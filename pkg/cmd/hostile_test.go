package cmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
)

// TestHostileInputIsOneLine: input that is not manifests at all ends with exit 2 and one
// error line, whatever the command.
func TestHostileInputIsOneLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.yaml")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	bomb := filepath.Join(dir, "bomb.yaml")
	content := "a0: &a0 [x,x,x,x,x,x,x,x,x]\n"
	for i := 1; i < 9; i++ {
		content += "a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat("*a"+string(rune('0'+i-1))+",", 8) + "*a" + string(rune('0'+i-1)) + "]\n"
	}
	if err := os.WriteFile(bomb, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, want string }{{huge, "too large"}, {bomb, "excessive aliasing"}} {
		for _, args := range [][]string{{"svc", "payments"}, {"scan", "-A"}, {"reach", "deploy/a", "svc/b"}} {
			r := execute(t, "", append(args, "-f", tc.file)...)
			if r.code != cmd.ExitCannot || !strings.Contains(r.errOut, tc.want) || strings.Count(r.errOut, "\n") != 1 {
				t.Errorf("%v -f %s: exit %d, stderr %q", args, filepath.Base(tc.file), r.code, r.errOut)
			}
		}
	}
}

package cmd_test

import (
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
)

// TestCompletionScripts: cobra's completion command writes a script for each shell,
// bound to the binary's name (kubectl-netdoctor), whose completions call back
// __complete. Names from a cluster are tested against envtest in test/integration.
func TestCompletionScripts(t *testing.T) {
	for shell, marker := range map[string]string{
		"bash":       "__start_kubectl-netdoctor",
		"zsh":        "#compdef kubectl-netdoctor",
		"fish":       "complete -c kubectl-netdoctor",
		"powershell": "Register-ArgumentCompleter",
	} {
		t.Run(shell, func(t *testing.T) {
			streams, _, out, errOut := genericiooptions.NewTestIOStreams()
			code := cmd.Execute(cmd.NewCmdNetdoctor(streams), streams, []string{"completion", shell})
			if code != 0 {
				t.Fatalf("exit code %d: %s", code, errOut)
			}
			if !strings.Contains(out.String(), marker) || !strings.Contains(out.String(), "__complete") {
				t.Errorf("%s script lacks %q or __complete:\n%.400s", shell, marker, out)
			}
		})
	}
}

// TestCompletionOffline: with -f, names come from the manifests, without a cluster.
func TestCompletionOffline(t *testing.T) {
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	code := cmd.Execute(cmd.NewCmdNetdoctor(streams), streams,
		[]string{"__complete", "svc", "-n", "shop", "-f", "../../examples/shop", "p"})
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, errOut)
	}
	if got, want := out.String(), "payments\n:4\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestCompletionUnreachable: a cluster that cannot be reached completes nothing, quickly
// and without an error for the shell to print.
func TestCompletionUnreachable(t *testing.T) {
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	code := cmd.Execute(cmd.NewCmdNetdoctor(streams), streams,
		[]string{"__complete", "svc", "--server", "https://127.0.0.1:1", "--request-timeout", "2s", ""})
	if code != 0 || out.String() != ":4\n" {
		t.Errorf("exit code %d, out %q: want 0 and only the directive", code, out)
	}
}

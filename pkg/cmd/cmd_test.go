package cmd_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

var svcData = filepath.Join("..", "..", "test", "testdata", "svc")

type run struct {
	code        int
	out, errOut string
}

func execute(t *testing.T, stdin string, args ...string) run {
	t.Helper()
	streams, in, out, errOut := genericiooptions.NewTestIOStreams()
	in.WriteString(stdin)
	code := cmd.Execute(cmd.NewCmdNetdoctor(streams), streams, args)
	return run{code, out.String(), errOut.String()}
}

// writeKubeconfig points a kubeconfig at server.
func writeKubeconfig(t *testing.T, server string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "` + server + `"}
contexts:
- name: c
  context: {cluster: c, user: u, namespace: shop}
current-context: c
users:
- name: u
  user: {token: t}
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBadInput: every way of calling the tool wrongly exits 2 with a short error on
// stderr, nothing on stdout, and never a panic or stack trace.
func TestBadInput(t *testing.T) {
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	garbage := filepath.Join(t.TempDir(), "garbage.kubeconfig")
	if err := os.WriteFile(garbage, []byte("this: [is not a kubeconfig"), 0o600); err != nil {
		t.Fatal(err)
	}
	badYAML := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(badYAML, []byte("kind: Service\n  metadata: : x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown flag", []string{"svc", "payments", "--bogus"}, "unknown flag: --bogus"},
		{"missing name", []string{"svc"}, "expects the Service NAME"},
		{"two names", []string{"svc", "a", "b"}, "expects the Service NAME"},
		{"unknown output", []string{"svc", "payments", "-o", "xml", "-f", svcData}, `unknown output format "xml"`},
		{"unknown color", []string{"svc", "payments", "--color", "rainbow", "-f", svcData}, `unknown color mode "rainbow"`},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"missing file", []string{"svc", "payments", "-f", "does/not/exist.yaml"}, "does/not/exist.yaml"},
		{"unparsable file", []string{"svc", "payments", "-f", badYAML}, "bad.yaml"},
		{"empty stdin", []string{"svc", "payments", "-f", "-"}, "no objects found in stdin"},
		{"bad kubeconfig", []string{"svc", "payments", "--kubeconfig", garbage}, "garbage.kubeconfig"},
		{"no kubeconfig", []string{"svc", "payments"}, "cannot reach the Kubernetes API server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := execute(t, "", tt.args...)
			if r.code != cmd.ExitCannot {
				t.Errorf("exit %d, want 2; stderr %q", r.code, r.errOut)
			}
			if !strings.HasPrefix(r.errOut, "error: ") || !strings.Contains(r.errOut, tt.wantErr) {
				t.Errorf("stderr %q, want an error: line containing %q", r.errOut, tt.wantErr)
			}
			if lines := strings.Count(strings.TrimSpace(r.errOut), "\n") + 1; lines > 2 {
				t.Errorf("stderr has %d lines, want one error line (and a help hint):\n%s", lines, r.errOut)
			}
			if strings.Contains(r.errOut, "goroutine") || strings.Contains(r.errOut, "panic") {
				t.Errorf("stack trace on stderr:\n%s", r.errOut)
			}
			if r.out != "" {
				t.Errorf("stdout should be empty, got %q", r.out)
			}
		})
	}
}

// TestExitCodesOffline covers 0 and 1 through the offline path, and stdin input.
func TestExitCodesOffline(t *testing.T) {
	healthy := filepath.Join(svcData, "healthy.yaml")
	if r := execute(t, "", "svc", "payments", "-n", "shop", "-f", healthy); r.code != cmd.ExitOK {
		t.Errorf("healthy: exit %d, stderr %s", r.code, r.errOut)
	}
	r := execute(t, "", "svc", "payments", "-n", "shop", "-f", filepath.Join(svcData, "crashloop.yaml"), "-o", "json")
	if r.code != cmd.ExitFindings {
		t.Errorf("crashloop: exit %d, want 1", r.code)
	}
	if rep := report(t, r); rep.APIVersion != diag.APIVersion || rep.Kind != "Report" || rep.Command != "svc" || rep.RootCause == "" {
		t.Errorf("report header wrong: %+v", rep)
	}
	data, err := os.ReadFile(healthy)
	if err != nil {
		t.Fatal(err)
	}
	if r := execute(t, string(data), "svc", "payments", "-n", "shop", "-f", "-", "-o", "yaml"); r.code != cmd.ExitOK || !strings.Contains(r.out, "kind: Report") {
		t.Errorf("stdin: exit %d, out %q, err %q", r.code, r.out, r.errOut)
	}
}

// TestUnreachableCluster: a refused connection and an API server that never answers
// both end in exit 2 within --request-timeout (plus slack), never a hang.
func TestUnreachableCluster(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "https://" + l.Addr().String()
	l.Close()

	hang := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hang }))
	defer silent.Close()
	defer close(hang)

	for name, server := range map[string]string{"refused": refused, "silent": silent.URL} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			r := execute(t, "", "svc", "payments", "--kubeconfig", writeKubeconfig(t, server), "--request-timeout", "1s")
			if r.code != cmd.ExitCannot {
				t.Errorf("exit %d, want 2; stderr %q", r.code, r.errOut)
			}
			if !strings.Contains(r.errOut, "API server") {
				t.Errorf("stderr %q should name the API server", r.errOut)
			}
			if elapsed := time.Since(start); elapsed > 3*time.Second {
				t.Errorf("took %s with --request-timeout 1s", elapsed)
			}
		})
	}
}

// TestHelpAndVersion: help and version are not diagnoses and exit 0.
func TestHelpAndVersion(t *testing.T) {
	r := execute(t, "", "svc", "--help")
	if r.code != cmd.ExitOK || !strings.Contains(r.out, "kubectl netdoctor svc payments -n shop") {
		t.Errorf("help: exit %d, out %q", r.code, r.out)
	}
	r = execute(t, "", "version", "-o", "json")
	var v cmd.VersionInfo
	if r.code != cmd.ExitOK || json.Unmarshal(bytes.TrimSpace([]byte(r.out)), &v) != nil || v.Version == "" {
		t.Errorf("version: exit %d, out %q", r.code, r.out)
	}
}

package integration

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// proxyToEnvtest returns a handler forwarding to the envtest API server as the admin.
func proxyToEnvtest(t *testing.T) http.Handler {
	t.Helper()
	target, err := url.Parse(adminConfig.Host)
	if err != nil {
		t.Fatal(err)
	}
	transport, err := rest.TransportFor(adminConfig)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = transport
	return proxy
}

// TestFaults: an API server that never answers, one that fails every request, one that
// sheds load with 429, and one that disappears mid-scan all end within --request-timeout
// plus a second, with exit 2
// or a partial report whose unread parts are APIError — never a hang, never a clean bill.
func TestFaults(t *testing.T) {
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "scan", "mixed.yaml"))
	forward := proxyToEnvtest(t)
	var served atomic.Int32
	handlers := map[string]http.HandlerFunc{
		"never answers": func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
		"fails every request": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"etcdserver: leader changed","code":500}`))
		},
		// API Priority and Fairness sheds load: every request is told to come back later.
		"429 with Retry-After": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too many requests, please try again later","reason":"TooManyRequests","code":429}`))
		},
		"gone mid-scan": func(w http.ResponseWriter, r *http.Request) {
			if served.Add(1) > 1 {
				// Drop the connection without an answer, as a crashed API server would.
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					_ = conn.(*net.TCPConn).SetLinger(0)
					conn.Close()
				}
				return
			}
			forward.ServeHTTP(w, r)
		},
	}
	for name, handler := range handlers {
		t.Run(name, func(t *testing.T) {
			served.Store(0)
			server := httptest.NewServer(handler)
			defer server.Close()
			kubeconfig := writeTestKubeconfig(t, server.URL)
			for _, args := range [][]string{
				{"svc", "checkout", "-n", ns},
				{"scan", "-n", ns},
			} {
				start := time.Now()
				r := runNetdoctor(t, append(args, "--kubeconfig", kubeconfig, "--request-timeout", "2s", "-o", "json")...)
				if elapsed := time.Since(start); elapsed > 3*time.Second+500*time.Millisecond {
					t.Errorf("%v took %s with --request-timeout 2s", args, elapsed.Round(time.Millisecond))
				}
				expectCannotOrAPIError(t, args, r)
			}
		})
	}
}

// expectCannotOrAPIError: a command that lost its API server either could not diagnose
// (exit 2, one error line) or gives a partial report whose unread parts are APIError,
// never a pass.
func expectCannotOrAPIError(t *testing.T, args []string, r result) {
	t.Helper()
	if r.code == cmd.ExitCannot {
		if !strings.HasPrefix(r.errOut, "error: ") || strings.Count(r.errOut, "\n") > 1 {
			t.Errorf("%v: want one error line, got %q", args, r.errOut)
		}
		return
	}
	if !strings.Contains(r.out, string(diag.APIError)) {
		t.Errorf("%v: exit %d without APIError:\n%s\n%s", args, r.code, r.out, r.errOut)
	}
}

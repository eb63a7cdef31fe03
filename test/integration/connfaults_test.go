package integration

import (
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// isPodList reports whether r lists pods (of a namespace or of the cluster).
func isPodList(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/pods") }

// scanIDs is the sorted set of finding IDs in a scan's output.
func scanIDs(t *testing.T, r result) []diag.FindingID {
	t.Helper()
	var ids []diag.FindingID
	for _, rep := range scanReport(t, r).Reports {
		for _, f := range rep.Findings {
			if !slices.Contains(ids, f.ID) {
				ids = append(ids, f.ID)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// TestConnectionDropped: the connection to the API server is reset in the middle of a
// pod list's body. Whatever was not read is APIError (or the command cannot diagnose at
// all, exit 2 with one line): a half-read list is never taken for the whole.
func TestConnectionDropped(t *testing.T) {
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "scan", "mixed.yaml"))
	forward := proxyToEnvtest(t)
	var cut atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isPodList(r) {
			forward.ServeHTTP(w, r)
			return
		}
		upstream := httptest.NewRecorder()
		forward.ServeHTTP(upstream, r)
		for k, v := range upstream.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(upstream.Code)
		body := upstream.Body.Bytes()
		_, _ = w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		cut.Add(1)
		// The handler dies mid-body: net/http resets the connection.
		panic(http.ErrAbortHandler)
	}))
	defer server.Close()
	kubeconfig := writeTestKubeconfig(t, server.URL)
	for _, args := range [][]string{{"svc", "checkout", "-n", ns}, {"scan", "-n", ns}} {
		cut.Store(0)
		r := runNetdoctor(t, append(args, "--kubeconfig", kubeconfig, "--request-timeout", "5s", "-o", "json")...)
		if cut.Load() == 0 {
			t.Fatalf("%v: no pod list was cut", args)
		}
		expectCannotOrAPIError(t, args, r)
	}
}

// TestGoaway: an HTTP/2 API server that sends GOAWAY after every response (what
// kube-apiserver's --goaway-chance does to spread clients over replicas) costs a new
// connection per request, not a wrong answer: the report is the one the direct
// connection gives.
func TestGoaway(t *testing.T) {
	ns := applyScenario(t, filepath.Join(repoRoot, "test", "testdata", "scan", "mixed.yaml"))
	forward := proxyToEnvtest(t)
	var http2, conns atomic.Int32
	server := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 {
			http2.Add(1)
		}
		// Go's HTTP/2 server answers "Connection: close" with GOAWAY after the
		// response, as kube-apiserver's probabilistic GOAWAY filter relies on.
		w.Header().Set("Connection", "close")
		forward.ServeHTTP(w, r)
	}))
	server.EnableHTTP2 = true
	server.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	server.StartTLS()
	defer server.Close()
	kubeconfig := writeTestKubeconfigInsecure(t, server.URL)
	direct := runNetdoctor(t, "scan", "-n", ns, "--kubeconfig", adminKubeconfig, "-o", "json")
	r := runNetdoctor(t, "scan", "-n", ns, "--kubeconfig", kubeconfig, "-o", "json")
	if r.code != direct.code || r.out == "" {
		t.Fatalf("through GOAWAY: exit %d, direct %d; stderr %s", r.code, direct.code, r.errOut)
	}
	if r.code != direct.code || !slices.Equal(scanIDs(t, r), scanIDs(t, direct)) {
		t.Errorf("through GOAWAY: exit %d %v; direct: exit %d %v\n%s", r.code, scanIDs(t, r), direct.code, scanIDs(t, direct), r.errOut)
	}
	if http2.Load() == 0 || 2*conns.Load() < http2.Load() {
		t.Errorf("%d HTTP/2 requests over %d connections: the GOAWAY path was not exercised", http2.Load(), conns.Load())
	}
}

package source

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
)

// guardedClients returns two HTTP clients built separately from one guarded config, as
// the typed and discovery or dynamic clients of a command would be.
func guardedClients(t *testing.T, handler http.HandlerFunc, timeout time.Duration) (string, [2]*http.Client) {
	t.Helper()
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	cfg := &rest.Config{Host: server.URL, Timeout: timeout}
	GuardConnections(cfg)
	var clients [2]*http.Client
	for i := range clients {
		c, err := rest.HTTPClientFor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	return server.URL, clients
}

// dropConnection closes the connection without an answer, as a crashed API server would.
func dropConnection(w http.ResponseWriter, _ *http.Request) {
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		_ = conn.(*net.TCPConn).SetLinger(0)
		conn.Close()
	}
}

func get(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

func TestGuardSilentServerIsNotAskedAgainByAnyClient(t *testing.T) {
	url, clients := guardedClients(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, 200*time.Millisecond)
	if err := get(clients[0], url); err == nil {
		t.Fatal("a server that never answers: want an error")
	}
	start := time.Now()
	err := get(clients[1], url)
	if !errors.Is(err, errServerSilent) {
		t.Fatalf("second client: want errServerSilent, got %v", err)
	}
	if elapsed := time.Since(start); elapsed > 50*time.Millisecond {
		t.Errorf("second client waited %s for a server known to be silent", elapsed)
	}
}

// client-go puts its own deadline on the request's context just before http.Client sets
// its timer for the same --request-timeout; whichever fires first, the next request must
// find the server marked silent.
func TestGuardSilentServerWithClientGoDeadline(t *testing.T) {
	const timeout = 100 * time.Millisecond
	for attempt := range 10 {
		url, clients := guardedClients(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, timeout)
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp, err := clients[0].Do(req); err == nil {
			resp.Body.Close()
			t.Fatal("a server that never answers: want an error")
		}
		cancel()
		if err := get(clients[1], url); !errors.Is(err, errServerSilent) {
			t.Fatalf("attempt %d: want errServerSilent, got %v", attempt+1, err)
		}
	}
}

func TestGuardDroppedConnections(t *testing.T) {
	url, clients := guardedClients(t, dropConnection, time.Second)
	for i := range maxDroppedConnections {
		if err := get(clients[i%2], url); err == nil || errors.Is(err, errServerGone) {
			t.Fatalf("drop %d: want the transport's own error, got %v", i+1, err)
		}
	}
	if err := get(clients[0], url); !errors.Is(err, errServerGone) {
		t.Fatalf("after %d drops: want errServerGone, got %v", maxDroppedConnections, err)
	}
}

func TestGuardOneSuccessForgivesADrop(t *testing.T) {
	var calls atomic.Int32
	handler := func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1)%2 == 1 {
			dropConnection(w, r)
			return
		}
		w.WriteHeader(http.StatusOK)
	}
	url, clients := guardedClients(t, handler, time.Second)
	for i := range 6 {
		err := get(clients[0], url)
		if errors.Is(err, errServerGone) {
			t.Fatalf("request %d: a drop between successes tripped the guard", i+1)
		}
	}
}

// throttlingLive is a Live against a server that answers the first `shed` requests with
// 429 and Retry-After retryAfter, then serves an empty pod list.
func throttlingLive(t *testing.T, shed int32, retryAfter string, timeout time.Duration) (*Live, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) <= shed {
			w.Header().Set("Retry-After", retryAfter)
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests","code":429}`))
			return
		}
		_, _ = w.Write([]byte(`{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}`))
	}))
	t.Cleanup(server.Close)
	cfg := &rest.Config{Host: server.URL, Timeout: timeout}
	GuardConnections(cfg)
	live, err := NewLive(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return live, &calls
}

func TestGuardWaitsOnceForAThrottlingServer(t *testing.T) {
	// Shed once: client-go waits the Retry-After, the second try is served.
	live, calls := throttlingLive(t, 1, "1", 5*time.Second)
	if _, err := List[corev1.Pod](context.Background(), live, "a", nil); err != nil || calls.Load() != 2 {
		t.Errorf("one 429: err %v after %d requests, want success after 2", err, calls.Load())
	}

	// Shed for ever: one wait, then the read fails instead of retrying ten times.
	live, calls = throttlingLive(t, 1000, "1", 5*time.Second)
	start := time.Now()
	if _, err := List[corev1.Pod](context.Background(), live, "a", nil); err == nil {
		t.Error("a server that only sheds load: want an error")
	}
	if took := time.Since(start); took > 3*time.Second || calls.Load() > 2 {
		t.Errorf("gave up after %s and %d requests; want one wait", took, calls.Load())
	}
	start = time.Now()
	if _, err := List[corev1.Pod](context.Background(), live, "b", nil); err == nil || time.Since(start) > 500*time.Millisecond {
		t.Errorf("the next read waits again (%s, %v); it must fail at once", time.Since(start), err)
	}

	// A Retry-After longer than --request-timeout is not waited for at all.
	live, calls = throttlingLive(t, 1000, "60", 2*time.Second)
	start = time.Now()
	if _, err := List[corev1.Pod](context.Background(), live, "a", nil); err == nil || time.Since(start) > time.Second || calls.Load() != 1 {
		t.Errorf("Retry-After 60 with a 2s timeout: %v after %s, %d requests", err, time.Since(start), calls.Load())
	}
}

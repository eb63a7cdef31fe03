package source

import (
	"context"
	"errors"
	"net/http"
	"sync"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
)

// errServerGone is returned for every request once the API server has dropped
// connections twice in a row. client-go retries a GET that ends in a connection reset
// or EOF up to ten times with backoff; against a crashed API server that turns one
// --request-timeout into half a minute. A diagnostic tool should instead say at once
// that the server is gone. This error is not one client-go retries.
var errServerGone = errors.New("the API server keeps dropping connections")

// errServerSilent is returned for every request after one request timed out: a scan
// reads a dozen kinds one after the other, and --request-timeout bounds the whole
// command only if an API server that does not answer is not asked again.
var errServerSilent = errors.New("the API server did not answer within --request-timeout")

// connectionGuard fails fast after consecutive dropped connections; one success resets
// it, so a single transient reset is still retried by client-go as usual.
type connectionGuard struct {
	next http.RoundTripper

	mu       sync.Mutex
	dropped  int
	timedOut bool
}

// maxDroppedConnections is how many dropped connections in a row trip the guard.
const maxDroppedConnections = 2

// GuardConnections makes clients built from cfg afterwards stop retrying an API server
// that keeps dropping connections (see errServerGone).
func GuardConnections(cfg *rest.Config) {
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &connectionGuard{next: rt} })
}

func (g *connectionGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	g.mu.Lock()
	if g.timedOut {
		g.mu.Unlock()
		return nil, errServerSilent
	}
	if g.dropped >= maxDroppedConnections {
		g.mu.Unlock()
		// The cause is left out on purpose: client-go treats any error whose text says
		// "connection reset" or "EOF" as retryable, which is what this guard prevents.
		return nil, errServerGone
	}
	g.mu.Unlock()

	// Mark the server silent the moment the request's deadline passes, not when the
	// transport gets round to returning: http.Client hands the timeout to client-go
	// first, and the next request must already see it.
	stop := context.AfterFunc(req.Context(), func() {
		g.mu.Lock()
		g.timedOut = true
		g.mu.Unlock()
	})
	resp, err := g.next.RoundTrip(req)
	stop()
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case err != nil && (utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err)):
		g.dropped++
	case err != nil && (isTimeout(err) || req.Context().Err() != nil):
		// http.Client's Timeout cancels the request's context; the transport then
		// reports a plain cancellation, not a timeout.
		g.timedOut = true
	case err == nil:
		g.dropped = 0
	}
	return resp, err
}

func isTimeout(err error) bool {
	var timeout interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &timeout) && timeout.Timeout())
}

// WrappedRoundTripper lets client-go see through the guard (util/net.RoundTripperWrapper).
func (g *connectionGuard) WrappedRoundTripper() http.RoundTripper { return g.next }

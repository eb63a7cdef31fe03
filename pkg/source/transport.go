package source

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

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
	next  http.RoundTripper
	state *serverState
}

// serverState is what every client built from one config knows about the API server:
// the typed, dynamic and discovery clients may each get their own transport, and a
// server that timed out for one of them must not be waited on again by another.
type serverState struct {
	mu       sync.Mutex
	dropped  int
	timedOut bool
	// throttled: the server answered 429 and was waited for once already.
	throttled bool
	// patience is the longest Retry-After worth waiting for: --request-timeout.
	patience time.Duration
}

// maxDroppedConnections is how many dropped connections in a row trip the guard.
const maxDroppedConnections = 2

// GuardConnections makes clients built from cfg afterwards stop retrying an API server
// that keeps dropping connections (see errServerGone).
//
// It also bounds the waits of API Priority and Fairness: client-go sleeps for every 429's
// Retry-After and tries again, up to ten times per request, so a shedding server would
// hold a scan for minutes. The guard lets client-go wait once per command, and only for
// a Retry-After within --request-timeout; later 429s fail at once (APIError, unknown).
func GuardConnections(cfg *rest.Config) {
	state := &serverState{patience: cfg.Timeout}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &connectionGuard{next: rt, state: state} })
}

func (g *connectionGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	s := g.state
	s.mu.Lock()
	if s.timedOut {
		s.mu.Unlock()
		return nil, errServerSilent
	}
	if s.dropped >= maxDroppedConnections {
		s.mu.Unlock()
		// The cause is left out on purpose: client-go treats any error whose text says
		// "connection reset" or "EOF" as retryable, which is what this guard prevents.
		return nil, errServerGone
	}
	s.mu.Unlock()

	// Mark the server silent the moment the request's deadline passes, not when the
	// transport gets round to returning: http.Client hands the timeout to client-go
	// first, and the next request must already see it.
	stop := context.AfterFunc(req.Context(), func() {
		s.mu.Lock()
		s.timedOut = true
		s.mu.Unlock()
	})
	resp, err := g.next.RoundTrip(req)
	stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil && (utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err)):
		s.dropped++
	case err != nil && (isTimeout(err) || canceled(req)):
		s.timedOut = true
	case err == nil && resp.StatusCode == http.StatusTooManyRequests:
		s.dropped = 0
		if s.throttled || !s.worthWaiting(resp.Header.Get("Retry-After")) {
			resp.Header.Del("Retry-After") // client-go retries only what says when to
		}
		s.throttled = true
	case err == nil:
		s.dropped, s.throttled = 0, false
	}
	return resp, err
}

// worthWaiting says whether a Retry-After (in seconds) fits in --request-timeout.
func (s *serverState) worthWaiting(retryAfter string) bool {
	seconds, err := strconv.Atoi(retryAfter)
	if err != nil || seconds < 0 {
		return false
	}
	return s.patience == 0 || time.Duration(seconds)*time.Second <= s.patience
}

// canceled says whether the request was given up on. http.Client's Timeout reaches a
// wrapped transport either through the request's context or, when client-go's own
// deadline on the context is the earlier one, through Request.Cancel; the transport then
// reports a plain cancellation, not a timeout.
func canceled(req *http.Request) bool {
	if req.Context().Err() != nil {
		return true
	}
	select {
	case <-req.Cancel: //nolint:staticcheck // http.Client still cancels wrapped transports this way.
		return true
	default:
		return false
	}
}

func isTimeout(err error) bool {
	var timeout interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &timeout) && timeout.Timeout())
}

// WrappedRoundTripper lets client-go see through the guard (util/net.RoundTripperWrapper).
func (g *connectionGuard) WrappedRoundTripper() http.RoundTripper { return g.next }

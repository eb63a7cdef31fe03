package gateway_test

import (
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/gateway"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

// TestScenarios asserts the set of finding IDs per scenario, and that the root cause
// names the broken thing. Healthy scenarios list no IDs: no false positives. The rows
// are shared with the offline and envtest suites (test/scenarios).
func TestScenarios(t *testing.T) {
	t.Parallel()
	scenarios.Run[*gateway.State](t, scenarios.Route, nil)
}

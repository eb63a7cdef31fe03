package service_test

import (
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

// The rows are shared with the offline and envtest suites (test/scenarios); here they
// run against the in-memory Source.

// TestScenarios asserts the set of finding IDs per scenario. Healthy scenarios list no
// IDs: no false positives.
func TestScenarios(t *testing.T) {
	t.Parallel()
	scenarios.Run[*service.State](t, scenarios.Svc, nil)
}

// TestDataPlaneScenarios: the data plane and the network plugins' policies, per recipe,
// with the severity the case gives (error only where every endpoint is affected).
func TestDataPlaneScenarios(t *testing.T) {
	t.Parallel()
	scenarios.Run[*service.State](t, scenarios.SvcDataPlane, nil)
}

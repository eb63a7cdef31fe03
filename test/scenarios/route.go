package scenarios

import (
	"context"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/gateway"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// RouteCase is `route TARGET` over a fixture of test/testdata/gateway. Files use $NS
// for the test's namespace (see fixture.LoadScenario).
type RouteCase struct {
	File   string
	Target string
	// Kind is passed as --kind; "" looks through every route kind.
	Kind string
	Want []diag.FindingID // sorted; empty for healthy fixtures
	// RootCause is a substring the root cause must contain: the broken thing's name.
	RootCause string
}

// Route lists every fixture of test/testdata/gateway; most are the Gateway API
// traffic-splitting example with one thing broken.
var Route = []RouteCase{
	{File: "healthy.yaml", Target: "foo-route"},
	{File: "healthy.yaml", Target: "foo-rout", Want: ids(diag.RouteNotFound), RootCause: "did you mean foo-route"},
	{File: "parent-missing.yaml", Target: "foo-route", Want: ids(diag.RouteParentNotFound), RootCause: "example-gw"},
	{File: "parent-other-namespace.yaml", Target: "foo-route", Want: ids(diag.RouteParentNotFound), RootCause: "exists in namespace $NS-infra"},
	{File: "class-missing.yaml", Target: "foo-route", Want: ids(diag.GatewayClassNotAccepted), RootCause: "$NS-exmaple"},
	{File: "class-not-accepted.yaml", Target: "foo-route", Want: ids(diag.GatewayClassNotAccepted), RootCause: "InvalidParameters"},
	{File: "class-pending.yaml", Target: "foo-route", Want: ids(diag.GatewayClassNotAccepted), RootCause: "Waiting for controller"},
	{File: "listener-namespace.yaml", Target: "foo-route", Want: ids(diag.RouteNotAllowedByListener, diag.RouteNotAccepted), RootCause: "from is Same"},
	{File: "listener-selector-ok.yaml", Target: "foo-route"},
	{File: "listener-selector.yaml", Target: "foo-route", Want: ids(diag.RouteNotAllowedByListener), RootCause: "shared-gateway-access"},
	{File: "listener-kind.yaml", Target: "foo-route", Want: ids(diag.RouteNotAllowedByListener), RootCause: "protocol TCP"},
	{File: "listener-allowed-kinds.yaml", Target: "foo-route", Want: ids(diag.RouteNotAllowedByListener), RootCause: "allowedRoutes.kinds"},
	{File: "listener-section.yaml", Target: "foo-route", Want: ids(diag.RouteNotAllowedByListener), RootCause: "sectionName https"},
	{File: "listener-port.yaml", Target: "foo-route", Want: ids(diag.RouteNotAllowedByListener), RootCause: "port 8443"},
	{File: "hostname-mismatch.yaml", Target: "foo-route", Want: ids(diag.RouteHostnameMismatch), RootCause: "*.example.com"},
	{File: "hostname-wildcard.yaml", Target: "foo-route"},
	{File: "backend-missing.yaml", Target: "foo-route", Want: ids(diag.RouteBackendNotFound, diag.RouteNotAccepted), RootCause: "foo-v3"},
	{File: "backend-port.yaml", Target: "foo-route", Want: ids(diag.RouteBackendNotFound), RootCause: "port 9090"},
	{File: "crossns-grant.yaml", Target: "foo-route"},
	{File: "crossns-no-grant.yaml", Target: "foo-route", Want: ids(diag.BackendRefNotPermitted), RootCause: "no ReferenceGrant"},
	{File: "crossns-wrong-grant.yaml", Target: "foo-route", Want: ids(diag.BackendRefNotPermitted), RootCause: "$NS-payments"},
	{File: "zero-weight.yaml", Target: "foo-route", Want: ids(diag.RouteBackendsZeroWeight), RootCause: "weight 0"},
	{File: "status-not-accepted.yaml", Target: "foo-route", Want: ids(diag.RouteNotAccepted), RootCause: "UnsupportedValue"},
	{File: "canary-crashloop.yaml", Target: "foo-route", Want: ids(diag.NoReadyPods), RootCause: "foo-v2"},
	{File: "grpcroute.yaml", Target: "foo-grpc"},
	{File: "tcproute.yaml", Target: "foo-tcp"},
	{File: "tlsroute.yaml", Target: "foo-tls"},
	{File: "same-name.yaml", Target: "foo"},
	{File: "same-name.yaml", Target: "foo", Kind: "GRPCRoute", Want: ids(diag.RouteBackendNotFound), RootCause: "foo-grpc"},

	// Listener certificates (Envoy Gateway status shapes): the controller flags a
	// missing or refused Secret itself, but keeps serving an expired or wrong certificate.
	{File: "listener-tls.yaml", Target: "foo-route"},
	{File: "listener-tls-missing-secret.yaml", Target: "foo-route", Want: ids(diag.GatewayListenerTLSInvalid, diag.GatewayNotProgrammed), RootCause: "foo-example-tls, which does not exist"},
	{File: "listener-tls-expired.yaml", Target: "foo-route", Want: ids(diag.GatewayListenerTLSInvalid), RootCause: "expired"},
	{File: "listener-tls-wrong-host.yaml", Target: "foo-route", Want: ids(diag.GatewayListenerTLSInvalid), RootCause: "does not cover foo.example.com"},
	{File: "listener-tls-crossns-grant.yaml", Target: "foo-route"},
	{File: "listener-tls-crossns-no-grant.yaml", Target: "foo-route", Want: ids(diag.GatewayListenerTLSInvalid, diag.GatewayNotProgrammed), RootCause: "no ReferenceGrant in $NS-certs"},
	{File: "gateway-not-programmed.yaml", Target: "foo-route", Want: ids(diag.GatewayNotProgrammed), RootCause: "AddressNotAssigned"},
	{File: "gateway-other-listener-invalid.yaml", Target: "foo-route"},
	{File: "gateway-status-absent.yaml", Target: "foo-route"},
}

func (c RouteCase) Name() string { return c.File + "/" + c.Kind + "/" + c.Target }

func (c RouteCase) Input() Input {
	return scenarioFileInput("gateway", c.File)
}

func (c RouteCase) Expected() Expectation {
	return Expectation{Want: c.Want, RootCause: c.RootCause, FixOnInfo: true}
}

// CommandLine is the command line in namespace ns, without -f and -o.
func (c RouteCase) CommandLine(ns string) []string {
	args := []string{"route", c.Target, "-n", ns}
	if c.Kind != "" {
		args = append(args, "--kind", c.Kind)
	}
	return args
}

func (c RouteCase) Diagnose(ctx context.Context, src source.Source) (diag.Report, *gateway.State, error) {
	return gateway.Diagnose(ctx, src, Namespace, c.Target, c.Kind)
}

package scenarios

import (
	"context"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/ingress"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// IngressCase is `ingress TARGET` over a fixture of test/testdata/ingress. Files use
// $NS for the test's namespace (see fixture.LoadScenario).
type IngressCase struct {
	File   string
	Target string
	Want   []diag.FindingID // sorted; empty for healthy fixtures
	// ControllerSelector is passed as --controller-selector ($NS expanded). Scenarios
	// with a controller pod scope it to their own namespace, because a shared API
	// server holds the controller pods of every test.
	ControllerSelector string
	// RootCause is a substring the root cause must contain: the broken thing's name.
	RootCause string
}

const testController = "$NS-ingress/app.kubernetes.io/name=ingress-nginx"

// Ingress lists every fixture of test/testdata/ingress.
var Ingress = []IngressCase{
	{File: "healthy.yaml", Target: "shop", ControllerSelector: testController},
	{File: "healthy.yaml", Target: "shopp", Want: ids(diag.IngressNotFound), RootCause: "did you mean shop"},
	{File: "class-not-found.yaml", Target: "shop", Want: ids(diag.IngressClassNotFound, diag.IngressNotAdmitted), RootCause: "-ngnix"},
	{File: "legacy-annotation.yaml", Target: "shop"},
	{File: "legacy-annotation-missing.yaml", Target: "shop", Want: ids(diag.IngressClassNotFound), RootCause: "nginx-internal"},
	{File: "default-class.yaml", Target: "shop"},
	{File: "no-class.yaml", Target: "shop", Want: ids(diag.IngressClassMissing)},
	{File: "multiple-defaults.yaml", Target: "shop", Want: ids(diag.MultipleDefaultIngressClasses)},
	{File: "not-admitted.yaml", Target: "shop", Want: ids(diag.IngressNotAdmitted)},
	{File: "backend-service-missing.yaml", Target: "shop", Want: ids(diag.IngressBackendServiceNotFound), RootCause: "frontend"},
	{File: "backend-port-missing.yaml", Target: "shop", Want: ids(diag.IngressBackendPortNotFound), RootCause: "port 8080"},
	{File: "backend-port-name-missing.yaml", Target: "shop", Want: ids(diag.IngressBackendPortNotFound), RootCause: "port https"},
	{File: "default-backend.yaml", Target: "shop"},
	{File: "default-backend-missing.yaml", Target: "shop", Want: ids(diag.IngressBackendServiceNotFound), RootCause: "defaultBackend"},
	{File: "backend-no-endpoints.yaml", Target: "shop", Want: ids(diag.IngressBackendNoEndpoints, diag.NoReadyPods), RootCause: "CrashLoopBackOff"},
	{File: "tls-secret-missing.yaml", Target: "shop", Want: ids(diag.TLSSecretNotFound), RootCause: "shop-tls"},
	{File: "tls-secret-opaque.yaml", Target: "shop", Want: ids(diag.TLSSecretInvalid), RootCause: "Opaque"},
	{File: "tls-secret-garbage.yaml", Target: "shop", Want: ids(diag.TLSSecretInvalid), RootCause: "tls.crt"},
	{File: "tls-wrong-host.yaml", Target: "shop", Want: ids(diag.TLSCertificateHostMismatch), RootCause: "shop.example.com"},
	{File: "tls-wildcard.yaml", Target: "shop"},
	{File: "tls-wildcard-apex.yaml", Target: "shop", Want: ids(diag.TLSCertificateHostMismatch), RootCause: "does not cover example.com"},
	{File: "tls-expired.yaml", Target: "shop", Want: ids(diag.TLSCertificateExpired), RootCause: "expired"},
	{File: "tls-expiring.yaml", Target: "shop", Want: ids(diag.TLSCertificateExpiringSoon), RootCause: "expires in"},
	{File: "rule-conflict.yaml", Target: "shop", Want: ids(diag.IngressRuleConflict), RootCause: "shop-canary"},
	{File: "rule-no-conflict.yaml", Target: "shop"},
	{File: "controller-blocked.yaml", Target: "shop", Want: ids(diag.IngressControllerBlocked), ControllerSelector: testController, RootCause: "allow-from-ingress-nginx"},
	{File: "controller-default-deny.yaml", Target: "shop", Want: ids(diag.IngressControllerBlocked), ControllerSelector: testController},

	// ingress-nginx annotations: canary, backend-protocol, rewrite-target.
	{File: "canary.yaml", Target: "shop-canary"},
	{File: "canary.yaml", Target: "shop"}, // a canary and its main Ingress are not a rule conflict
	{File: "canary-without-main.yaml", Target: "shop-canary", Want: ids(diag.IngressCanaryWithoutMain), RootCause: "no non-canary Ingress of class $NS-nginx"},
	{File: "backend-protocol-grpc.yaml", Target: "shop"},
	{File: "backend-protocol-unset.yaml", Target: "shop", Want: ids(diag.IngressBackendProtocolMismatch), RootCause: "declares GRPC"},
	{File: "backend-protocol-mismatch.yaml", Target: "shop", Want: ids(diag.IngressBackendProtocolMismatch), RootCause: "speak HTTPS"},
	{File: "rewrite-regex.yaml", Target: "shop"},
	{File: "rewrite-without-regex.yaml", Target: "shop", Want: ids(diag.IngressRewriteWithoutRegex), RootCause: "no capture group for $1"},

	// The Kubernetes documentation's Ingress examples, healthy and with one thing broken.
	{File: "docs-fanout.yaml", Target: "simple-fanout-example"},
	{File: "docs-fanout-wrong-port.yaml", Target: "simple-fanout-example", Want: ids(diag.IngressBackendPortNotFound), RootCause: "service2"},
	{File: "docs-virtual-hosting.yaml", Target: "name-virtual-host-ingress"},
	{File: "docs-virtual-hosting-crashloop.yaml", Target: "name-virtual-host-ingress", Want: ids(diag.IngressBackendNoEndpoints, diag.NoReadyPods), RootCause: "service2"},
	{File: "docs-tls.yaml", Target: "tls-example-ingress"},
	{File: "docs-tls-wrong-host.yaml", Target: "tls-example-ingress", Want: ids(diag.TLSCertificateHostMismatch), RootCause: "https-example.foo.com"},
}

func (c IngressCase) Name() string { return c.File + "/" + c.Target }

func (c IngressCase) Input() Input {
	return scenarioFileInput("ingress", c.File)
}

func (c IngressCase) Expected() Expectation {
	return Expectation{Want: c.Want, RootCause: c.RootCause, FixOnInfo: true}
}

// CommandLine is the command line in namespace ns, without -f and -o.
func (c IngressCase) CommandLine(ns string) []string {
	args := []string{"ingress", c.Target, "-n", ns}
	if c.ControllerSelector != "" {
		args = append(args, "--controller-selector", expandNamespaceAs(c.ControllerSelector, ns))
	}
	return args
}

func (c IngressCase) Diagnose(ctx context.Context, src source.Source) (diag.Report, *ingress.State, error) {
	var opts ingress.Options
	if c.ControllerSelector != "" {
		sel, err := ingress.ParseControllerSelector(ExpandNamespace(c.ControllerSelector))
		if err != nil {
			return diag.Report{}, nil, err
		}
		opts.ControllerSelector = sel
	}
	return ingress.Diagnose(ctx, src, Namespace, c.Target, opts)
}

package integration

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/ingress"
	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/test/harness"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

// TestIngressScenarios runs `kubectl netdoctor ingress` live against every scenario
// (with real, freshly generated x509 certificates in the TLS Secrets) and again offline
// (-f) on a dump of what the API server holds: both must give the scenario's findings,
// the contract's exit code, and a root cause that names the broken thing.
func TestIngressScenarios(t *testing.T) {
	for _, sc := range scenarios.Ingress {
		t.Run(sc.Name(), func(t *testing.T) {
			assertScenarioLiveAndOffline(t, "ingress", sc.File, sc.CommandLine, sc.Want, sc.RootCause)
		})
	}
}

// TestIngressText checks what the on-call engineer reads: the nested svc walk under the
// endpoints check, the root cause, and the path semantics.
func TestIngressText(t *testing.T) {
	applied := applyNetdoctorScenario(t, filepath.Join(repoRoot, "test", "testdata", "ingress", "docs-virtual-hosting-crashloop.yaml"))
	r := runNetdoctor(t, "ingress", "name-virtual-host-ingress", "-n", applied.Namespace, "--kubeconfig", adminKubeconfig, "--color", "never")
	if r.code != cmd.ExitFindings {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.out, r.errOut)
	}
	harness.AssertContains(t, "text output", r.out,
		"✖ ingress.endpoints",
		"    ✖ service.readiness", // nested one level under the Ingress check
		"Root cause: Ingress "+applied.Namespace+"/name-virtual-host-ingress sends bar.foo.com/ (Prefix) to Service "+applied.Namespace+"/service2",
		"CrashLoopBackOff",
		"Prefix /: every path",
	)
}

// TestIngressSecretsForbidden: a user who may not read Secrets gets the TLS check as
// unknown with PermissionDenied, never a pass, and the rest of the diagnosis.
func TestIngressSecretsForbidden(t *testing.T) {
	applied := applyNetdoctorScenario(t, filepath.Join(repoRoot, "test", "testdata", "ingress", "tls-wrong-host.yaml"))
	kubeconfig := userWithRole(t, applied.Namespace, "ingress-viewer-no-secrets",
		"services", "pods", "events", "discovery.k8s.io/endpointslices", "networking.k8s.io/ingresses", "networking.k8s.io/networkpolicies")
	r := runNetdoctor(t, "ingress", "shop", "-n", applied.Namespace, "--kubeconfig", kubeconfig, "-o", "json")
	if got := r.report.StatusOf(ingress.CheckTLS); got != diag.StatusUnknown {
		t.Errorf("ingress.tls is %q, want unknown\n%s", got, r.out)
	}
	if !hasFinding(r.report, diag.PermissionDenied) {
		t.Errorf("no PermissionDenied finding: %v", r.report.IDs())
	}
	if hasFinding(r.report, diag.TLSCertificateHostMismatch) {
		t.Errorf("a certificate that could not be read was judged")
	}
	if r.code == cmd.ExitCannot {
		t.Errorf("exit 2, but the Ingress itself was readable: %s", r.errOut)
	}
}

// assertScenarioLiveAndOffline applies file of test/testdata/dir in a fresh namespace
// and checks the JSON report of commandLine there with assertLiveAndOffline.
func assertScenarioLiveAndOffline(t *testing.T, dir, file string, commandLine func(ns string) []string, want []diag.FindingID, rootCause string) {
	t.Helper()
	applied := applyNetdoctorScenario(t, filepath.Join(repoRoot, "test", "testdata", dir, file))
	assertLiveAndOffline(t, applied, append(commandLine(applied.Namespace), "-o", "json"), want, rootCause)
}

// assertLiveAndOffline runs args against the API server and again offline on a dump of
// the scenario's namespaces: both must give want, the exit code it implies, and a root
// cause naming rootCause ($NS expanded). Only the live report is checked for the nested
// svc walk.
func assertLiveAndOffline(t *testing.T, applied appliedScenario, args []string, want []diag.FindingID, rootCause string) {
	t.Helper()
	wantCode := exitCodeFor(want)
	rootCause = expand(rootCause, applied.Namespace)

	live := runNetdoctor(t, append(args, "--kubeconfig", adminKubeconfig)...)
	assertReport(t, "live", live, want, wantCode)
	assertRootCause(t, "live", live, rootCause)
	assertNested(t, "live", live, want)

	offline := runNetdoctor(t, append(args, "-f", dumpWithGatewayAPI(t, applied.Namespaces...))...)
	assertReport(t, "offline", offline, want, wantCode)
	assertRootCause(t, "offline", offline, rootCause)
}

func assertRootCause(t *testing.T, mode string, r result, want string) {
	t.Helper()
	if want != "" && !strings.Contains(r.report.RootCause, want) {
		t.Errorf("%s: root cause %q does not name %q", mode, r.report.RootCause, want)
	}
}

// assertNested checks that a report whose backend has no ready pods nests the
// backend's svc walk (depth 1) and carries its findings.
func assertNested(t *testing.T, mode string, r result, want []diag.FindingID) {
	t.Helper()
	nested := 0
	for _, c := range r.report.Checks {
		if c.Depth == 1 && strings.HasPrefix(c.ID, "service.") {
			nested++
		}
	}
	for _, id := range want {
		if id == diag.NoReadyPods && nested == 0 {
			t.Errorf("%s: NoReadyPods without nested service checks", mode)
		}
	}
}

package integration

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dns"
	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/test/harness"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

var testdataDir = filepath.Join(repoRoot, "test", "testdata")

// TestDNSScenarios runs `kubectl netdoctor dns` live and offline (-f with kube-system in
// the dump) on every DNS scenario: each DNS finding fires on its pod, and healthy pods
// stay silent.
func TestDNSScenarios(t *testing.T) {
	for _, sc := range scenarios.DNS {
		t.Run(sc.Name(), func(t *testing.T) {
			files := []string{filepath.Join(testdataDir, sc.File)}
			if strings.HasPrefix(sc.File, "reach/") {
				files = append([]string{filepath.Join(reachData, "apps.yaml")}, files...)
			}
			ns, namespaces := applyRecipe(t, files...)
			args := []string{"dns"}
			if sc.Pod != "" {
				args = append(args, sc.Pod)
			}
			args = append(append(args, sc.Args...), "-n", ns, "-o", "json")
			live := runNetdoctor(t, append(args, "--kubeconfig", adminKubeconfig)...)
			assertDNSResult(t, "live", live, sc.Want)
			offline := runNetdoctor(t, append(args, "-f", dumpNamespaces(t, namespaces...))...)
			assertDNSResult(t, "offline", offline, sc.Want)
			if slices.Contains(sc.Args, "--name") {
				for mode, r := range map[string]result{"live": live, "offline": offline} {
					if !strings.Contains(strings.Join(r.report.Notes, "\n"), "1. api.stripe.com."+ns+".svc.cluster.local.") {
						t.Errorf("%s: notes lack the first query:\n%s", mode, strings.Join(r.report.Notes, "\n"))
					}
				}
			}
		})
	}
}

func assertDNSResult(t *testing.T, mode string, r result, want []diag.FindingID) {
	t.Helper()
	wantCode := exitCodeFor(want)
	if r.code != wantCode {
		t.Errorf("%s: exit %d, want %d\nstderr: %s\nstdout: %s", mode, r.code, wantCode, r.errOut, r.out)
		return
	}
	if got := scenarios.UniqueIDs(r.report.IDs()); !slices.Equal(got, want) {
		t.Errorf("%s: findings %v, want %v\nroot cause: %s\n%s", mode, got, want, r.report.RootCause, checkLines(r.report))
	}
}

// TestDNSResolvConfLive: the nameserver is the ClusterIP the API server gave kube-dns,
// and the search list is the pod's namespace first.
func TestDNSResolvConfLive(t *testing.T) {
	ns, _ := applyRecipe(t, filepath.Join(testdataDir, "dns", "pods.yaml"))
	r := runNetdoctor(t, "dns", "web", "-n", ns, "--kubeconfig", adminKubeconfig, "-o", "json", "--verbose")
	for _, c := range r.report.Checks {
		if c.ID != dns.CheckResolvConf {
			continue
		}
		harness.AssertContains(t, "resolv.conf", strings.Join(c.Details, "\n"),
			"nameserver "+kubeDNSIP, "search "+ns+".svc.cluster.local svc.cluster.local cluster.local", "options ndots:5")
		return
	}
	t.Errorf("no %s check\n%s", dns.CheckResolvConf, checkLines(r.report))
}

// TestClusterDNSNotReady: with every CoreDNS pod crash-looping, dns exits 1 with
// ClusterDNSNotReady live and offline; the root cause names the pods' state.
func TestClusterDNSNotReady(t *testing.T) {
	ns, namespaces := applyRecipe(t, filepath.Join(testdataDir, "dns", "pods.yaml"))
	withClusterDNSNotReady(t)
	live := runNetdoctor(t, "dns", "-n", ns, "--kubeconfig", adminKubeconfig, "-o", "json")
	offline := runNetdoctor(t, "dns", "-n", ns, "-f", dumpNamespaces(t, namespaces...), "-o", "json")
	for mode, r := range map[string]result{"live": live, "offline": offline} {
		assertDNSResult(t, mode, r, []diag.FindingID{diag.ClusterDNSNotReady})
		if !strings.Contains(r.report.RootCause, "none of the 2 cluster DNS pods is Ready") {
			t.Errorf("%s: root cause %q", mode, r.report.RootCause)
		}
	}
}

// TestDNSMissingPod: a pod that does not exist cannot be diagnosed: exit 2.
func TestDNSMissingPod(t *testing.T) {
	ns, _ := applyRecipe(t, filepath.Join(testdataDir, "dns", "pods.yaml"))
	r := runNetdoctor(t, "dns", "wbe", "-n", ns, "--kubeconfig", adminKubeconfig)
	if r.code != cmd.ExitCannot || !strings.Contains(r.errOut, `pod "wbe" not found in namespace `+ns+" (did you mean web?)") {
		t.Errorf("exit %d, stderr %q", r.code, r.errOut)
	}
}

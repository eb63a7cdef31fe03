package cmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/test/harness"
)

var testdata = filepath.Join("..", "..", "test", "testdata")

// recipeDir writes the given testdata files, placeholders replaced as a real namespace
// "shop" and kube-dns 10.96.0.10, into a directory for -f.
func recipeDir(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for i, f := range files {
		data, err := os.ReadFile(filepath.Join(testdata, f))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), fixture.KubeDNSIPPlaceholder, "10.96.0.10")
		text = strings.ReplaceAll(text, fixture.ScenarioNamespacePlaceholder, "shop")
		name := filepath.Join(dir, strings.ReplaceAll(filepath.ToSlash(f), "/", "-"))
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	return dir
}

func reachDir(t *testing.T, recipe string) string {
	return recipeDir(t, "dns/cluster-dns.yaml", "reach/apps.yaml", "reach/cni-calico.yaml", "reach/"+recipe)
}

func report(t *testing.T, r run) diag.Report {
	t.Helper()
	return harness.DecodeJSON[diag.Report](t, r.out, r.errOut)
}

// TestReachExitCodes: 0 allowed, 1 denied, and the JSON verdict agrees with the code.
func TestReachExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		recipe  string
		args    []string
		code    int
		allowed bool
	}{
		{"allowed", "allow-one-app.yaml", []string{"deploy/frontend", "svc/api"}, 0, true},
		{"denied by ingress", "allow-one-app.yaml", []string{"deploy/batch", "svc/api"}, 1, false},
		{"denied by egress", "deny-egress-except-dns.yaml", []string{"deploy/frontend", "ip:203.0.113.7", "--port", "443"}, 1, false},
		{"allowed on one port", "allow-one-port.yaml", []string{"deploy/frontend", "shop/svc/api", "--port", "http"}, 0, true},
		{"DNS forgotten", "dns-forgotten.yaml", []string{"deploy/frontend", "svc/api", "--port", "80"}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"reach"}, tt.args...)
			r := execute(t, "", append(args, "-n", "shop", "-f", reachDir(t, tt.recipe), "-o", "json")...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.errOut)
			}
			rep := report(t, r)
			if rep.Reach == nil || rep.Reach.Allowed != tt.allowed {
				t.Errorf("reach = %+v, want allowed %v", rep.Reach, tt.allowed)
			}
			if r.errOut != "" {
				t.Errorf("stderr: %q", r.errOut)
			}
		})
	}
}

// TestReachText: the text answer an on-call engineer reads, for the classic deny.
func TestReachText(t *testing.T) {
	t.Parallel()
	r := execute(t, "", "reach", "deploy/batch", "svc/api", "--port", "80", "-n", "shop", "-f", reachDir(t, "allow-one-app.yaml"), "--color", "never")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	harness.AssertContains(t, "output", r.out,
		"Traffic denied",
		"80/TCP (http)  denied (ingress)",
		"Root cause: NetworkPolicies shop/api-allow-frontend and shop/default-deny-ingress isolate Service shop/api's pods for ingress, and no rule admits Deployment shop/batch on 80/TCP (http, pod port 8080)",
		"spec.ingress[0]: peer 0: podSelector app=frontend does not match pod labels app=batch",
		"kind: NetworkPolicy",
		"app: batch",
		"port: http",
		"kubectl get networkpolicy api-allow-frontend default-deny-ingress -n shop -o yaml",
	)
}

// TestReachBadInput: malformed FROM/TO and flags exit 2 with one short error line (plus
// the help pointer for usage errors), nothing on stdout, and never a panic.
func TestReachBadInput(t *testing.T) {
	t.Parallel()
	dir := reachDir(t, "allow-one-app.yaml")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"one argument", []string{"reach", "deploy/frontend"}, "expects FROM and TO"},
		{"three arguments", []string{"reach", "a/b", "c/d", "e/f"}, "expects FROM and TO"},
		{"no kind", []string{"reach", "frontend", "svc/api"}, `FROM: "frontend" needs a kind`},
		{"unknown kind", []string{"reach", "deploy/frontend", "cm/api"}, `TO: unknown kind "cm"`},
		{"Service as FROM", []string{"reach", "svc/api", "deploy/frontend"}, "FROM cannot be a Service"},
		{"CIDR", []string{"reach", "deploy/frontend", "ip:10.0.0.0/8", "--port", "80"}, "is a CIDR"},
		{"bad address", []string{"reach", "deploy/frontend", "ip:10.0.0.256", "--port", "80"}, "invalid IP address"},
		{"address without port", []string{"reach", "deploy/frontend", "ip:203.0.113.7"}, "give the port with --port"},
		{"port zero", []string{"reach", "deploy/frontend", "svc/api", "--port", "0"}, "--port 0"},
		{"port too big", []string{"reach", "deploy/frontend", "svc/api", "--port", "70000"}, "--port 70000"},
		{"bad port name", []string{"reach", "deploy/frontend", "svc/api", "--port", "Bad_Name"}, `--port "Bad_Name"`},
		{"bad protocol", []string{"reach", "deploy/frontend", "svc/api", "--protocol", "ICMP"}, `--protocol "ICMP"`},
		{"newline in argument", []string{"reach", "deploy/front\nend", "svc/api"}, `"front\nend"`},
		{"missing workload", []string{"reach", "deploy/frontnd", "svc/api"}, `FROM deployment "frontnd" not found in namespace shop (did you mean frontend?)`},
		{"missing Service", []string{"reach", "deploy/frontend", "svc/apii"}, `TO service "apii" not found in namespace shop (did you mean api?)`},
		{"no such Service port", []string{"reach", "deploy/frontend", "svc/api", "--port", "8443"}, "Service shop/api has no port 8443; its ports: http 80/TCP → http, metrics 9090/TCP → 9090"},
		{"no such pod port name", []string{"reach", "deploy/frontend", "deploy/api", "--port", "grpc"}, `declare no port named "grpc"`},
		{"pod without ports", []string{"reach", "deploy/api", "deploy/frontend"}, "declares no container ports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{}, tt.args...), "-n", "shop", "-f", dir)
			r := execute(t, "", args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2\nstdout: %s\nstderr: %s", r.code, r.out, r.errOut)
			}
			if r.out != "" {
				t.Errorf("stdout not empty: %q", r.out)
			}
			if !strings.Contains(r.errOut, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", r.errOut, tt.wantErr)
			}
			if !strings.HasPrefix(r.errOut, "error: ") || strings.Count(strings.TrimSpace(r.errOut), "\n") > 1 {
				t.Errorf("stderr is not one error line (plus help pointer): %q", r.errOut)
			}
			if strings.Contains(r.errOut, "panic") || strings.Contains(r.errOut, "goroutine") {
				t.Errorf("stack trace: %s", r.errOut)
			}
		})
	}
}

// TestSvcShowsWhoMayReach: the svc tree adds who may reach the pods once a policy
// isolates them for ingress, and says nothing of policies when the input has none.
func TestSvcShowsWhoMayReach(t *testing.T) {
	t.Parallel()
	r := execute(t, "", "svc", "api", "-n", "shop", "-f", reachDir(t, "allow-one-app.yaml"), "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	found := false
	for _, c := range report(t, r).Checks {
		if c.ID == "service.networkpolicy" {
			found = true
			if c.Status != diag.StatusPass || !strings.Contains(c.Detail, "isolated for ingress by api-allow-frontend, default-deny-ingress") ||
				!strings.Contains(c.Detail, "from pods app=frontend") {
				t.Errorf("service.networkpolicy = %s %q", c.Status, c.Detail)
			}
		}
	}
	if !found {
		t.Error("no service.networkpolicy check")
	}
	r = execute(t, "", "svc", "api", "-n", "shop", "-f", recipeDir(t, "reach/apps.yaml"), "-o", "json")
	for _, c := range report(t, r).Checks {
		if c.ID == "service.networkpolicy" && c.Status != diag.StatusSkip {
			t.Errorf("without policies in the input: %s %q, want skip", c.Status, c.Detail)
		}
	}
}

// TestReachPolicyNotEvaluated: what decides FROM's egress is a Cilium toFQDNs rule, which
// netdoctor does not evaluate: the report is printed without a verdict and the exit code
// is 2 with one line saying why. Where the Cilium policies are evaluated they decide:
// frontend denied by the default deny of a CiliumNetworkPolicy (exit 1), admin admitted
// (exit 0), and an L7 rule keeps the L4 verdict with a PolicyNotEvaluated warning.
func TestReachPolicyNotEvaluated(t *testing.T) {
	t.Parallel()
	r := execute(t, "", "reach", "deploy/frontend", "ip:203.0.113.7", "--port", "443", "-n", "shop", "-f", reachDir(t, "cilium-fqdn.yaml"), "-o", "json")
	if r.code != 2 || !strings.Contains(r.errOut, "CiliumNetworkPolicy shop/frontend-egress") || !strings.Contains(r.errOut, "PolicyNotEvaluated") {
		t.Errorf("exit %d, stderr %q; want 2 naming the policy", r.code, r.errOut)
	}
	rep := report(t, r)
	if rep.Reach != nil || len(rep.IDs()) != 1 || rep.IDs()[0] != diag.PolicyNotEvaluated {
		t.Errorf("reach %+v, findings %v; want no verdict and PolicyNotEvaluated", rep.Reach, rep.IDs())
	}
	r = execute(t, "", "reach", "shop/pod/frontend-7b9c6-ccccc", "shop/svc/api", "-n", "shop", "-f", reachDir(t, "cilium-admin-only.yaml"), "-o", "json")
	rep = report(t, r)
	if r.code != 1 || rep.Reach == nil || rep.Reach.Allowed || !strings.Contains(rep.RootCause, "CiliumNetworkPolicy shop/api-admin-only") {
		t.Errorf("exit %d, reach %+v, root cause %q; want 1, denied by the Cilium policy", r.code, rep.Reach, rep.RootCause)
	}
	if r = execute(t, "", "reach", "shop/deploy/admin", "shop/svc/api", "-n", "shop", "-f", reachDir(t, "cilium-admin-only.yaml"), "-o", "json"); r.code != 0 {
		t.Errorf("admin: exit %d, want 0\n%s", r.code, r.out)
	}
	r = execute(t, "", "reach", "shop/pod/frontend-7b9c6-ccccc", "shop/svc/api", "-n", "shop", "-f", reachDir(t, "calico-deny-frontend.yaml"), "-o", "json")
	rep = report(t, r)
	if r.code != 1 || !strings.Contains(rep.RootCause, "Calico GlobalNetworkPolicy default.deny-frontend-to-api (tier default, order 100) spec.ingress[0]") {
		t.Errorf("exit %d, root cause %q; want 1 naming the Calico policy and rule", r.code, rep.RootCause)
	}
	if r = execute(t, "", "reach", "shop/pod/frontend-7b9c6-ccccc", "shop/svc/api", "-n", "shop", "-f", reachDir(t, "calico-allow-frontend.yaml"), "-o", "json"); r.code != 0 {
		t.Errorf("Calico allowing twin: exit %d, want 0\n%s", r.code, r.out)
	}
	r = execute(t, "", "reach", "deploy/frontend", "svc/api", "--port", "80", "-n", "shop", "-f", reachDir(t, "cilium-l7.yaml"), "-o", "json")
	if rep := report(t, r); r.code != 0 || rep.Reach == nil || !rep.Reach.Allowed || len(rep.IDs()) != 1 || rep.IDs()[0] != diag.PolicyNotEvaluated ||
		!strings.Contains(rep.Findings[0].Message, "further restrict") {
		t.Errorf("L7: exit %d, reach %+v, findings %v; want 0, allowed, the PolicyNotEvaluated warning on HTTP rules", r.code, rep.Reach, rep.IDs())
	}
	r = execute(t, "", "reach", "deploy/frontend", "svc/api", "-n", "shop", "-f", reachDir(t, "cilium-l7-egress-denied.yaml"), "-o", "json")
	if rep := report(t, r); r.code != 1 || rep.Reach == nil || rep.Reach.Allowed {
		t.Errorf("exit %d, reach %+v; want 1, denied", r.code, rep.Reach)
	}
}

package cmd_test

import (
	"strings"
	"testing"
)

// TestDNSExitCodes: a healthy cluster and pod exit 0; a blocked DNS egress (an error
// finding) exits 1; --name lists the queries in the notes.
func TestDNSExitCodes(t *testing.T) {
	t.Parallel()
	healthy := recipeDir(t, "dns/cluster-dns.yaml", "dns/pods.yaml")
	forgotten := recipeDir(t, "dns/cluster-dns.yaml", "reach/apps.yaml", "reach/dns-forgotten.yaml")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"cluster only", []string{"dns", "-f", healthy}, 0, `"command": "dns"`},
		{"pod by name", []string{"dns", "web", "-n", "shop", "-f", healthy}, 0, "NdotsAmplification"},
		{"pod by kind and namespace", []string{"dns", "shop/pod/agent-hostnet", "-n", "shop", "-f", healthy}, 0, "HostNetworkDNSPolicy"},
		{"--name", []string{"dns", "web", "-n", "shop", "-f", healthy, "--name", "api.stripe.com"}, 0, "1. api.stripe.com.shop.svc.cluster.local."},
		{"--name absolute", []string{"dns", "web", "-n", "shop", "-f", healthy, "--name", "api.stripe.com."}, 0, "1 query"},
		{"DNS egress blocked", []string{"dns", "deploy/frontend", "-n", "shop", "-f", forgotten}, 1, "DNSEgressBlocked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := execute(t, "", append(tt.args, "-o", "json")...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.errOut)
			}
			if !strings.Contains(r.out, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, r.out)
			}
			report(t, r)
		})
	}
}

// TestDNSBadInput: what cannot be diagnosed exits 2 with one error line.
func TestDNSBadInput(t *testing.T) {
	t.Parallel()
	dir := recipeDir(t, "dns/cluster-dns.yaml", "dns/pods.yaml")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"two pods", []string{"dns", "a", "b"}, "at most one POD"},
		{"a Service", []string{"dns", "svc/api"}, "dns diagnoses a pod"},
		{"an address", []string{"dns", "ip:10.0.0.1"}, "dns diagnoses a pod"},
		{"bad pod name", []string{"dns", "Web_1"}, `invalid pod name "Web_1"`},
		{"bad kind", []string{"dns", "cm/x"}, `unknown kind "cm"`},
		{"bad --name", []string{"dns", "web", "--name", "api..stripe.com"}, "empty or over-long label"},
		{"bad --name character", []string{"dns", "web", "--name", "api stripe"}, "invalid character"},
		{"missing pod", []string{"dns", "wbe"}, `pod "wbe" not found in namespace shop (did you mean web?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := execute(t, "", append(tt.args, "-n", "shop", "-f", dir)...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2\nstdout: %s\nstderr: %s", r.code, r.out, r.errOut)
			}
			if !strings.Contains(r.errOut, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", r.errOut, tt.wantErr)
			}
			if r.out != "" {
				t.Errorf("stdout not empty: %q", r.out)
			}
		})
	}
}

package cmd_test

import (
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
)

// TestWatchFlagsNeedSense: the watch flags are refused, before anything is read, where
// they cannot mean anything; scan, a report on everything, has no --watch.
func TestWatchFlagsNeedSense(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"svc", "payments", "--until", "healthy"}, "--until and --timeout need --watch"},
		{[]string{"svc", "payments", "--timeout", "5m"}, "--until and --timeout need --watch"},
		{[]string{"svc", "payments", "--watch", "--until", "ready"}, `the only condition is "healthy"`},
		{[]string{"svc", "payments", "--watch", "--timeout", "-1s"}, "must not be negative"},
		{[]string{"svc", "payments", "--watch", "-f", "../../examples/shop/"}, "--watch needs a live cluster"},
		{[]string{"ingress", "shop", "-w", "-o", "sarif"}, "use -o text, json or yaml"},
		{[]string{"dns", "--watch", "--timeout", "soon"}, "invalid argument"},
		{[]string{"scan", "--watch"}, "unknown flag: --watch"},
	}
	for _, tt := range tests {
		r := execute(t, "", append(tt.args, "--kubeconfig", "/nonexistent")...)
		if r.code != cmd.ExitCannot || !strings.Contains(r.errOut, tt.want) || strings.Count(strings.TrimSpace(r.errOut), "\n") > 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.args, r.code, r.errOut, tt.want)
		}
	}
}

// TestWatchOnAnUnreachableCluster: the first diagnosis fails as without --watch, with
// one line and exit 2, instead of waiting for a cluster that is not there.
func TestWatchOnAnUnreachableCluster(t *testing.T) {
	t.Parallel()
	kubeconfig := writeKubeconfig(t, "https://127.0.0.1:1")
	for _, args := range [][]string{
		{"svc", "payments", "--watch"},
		{"reach", "deploy/a", "svc/b", "--watch", "--until", "healthy", "-o", "json"},
		{"route", "r", "--watch"},
	} {
		r := execute(t, "", append(args, "--kubeconfig", kubeconfig, "--request-timeout", "2s")...)
		if r.code != cmd.ExitCannot || !strings.Contains(r.errOut, "cannot reach the Kubernetes API server") || r.out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.out, r.errOut)
		}
	}
}

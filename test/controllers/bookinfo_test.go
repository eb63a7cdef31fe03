package controllers

import (
	"path/filepath"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
)

// TestBookinfoHealthy: the book review application, fresh from its manifests, has no
// finding: not in any Service, and not in scan, whose every check runs, but for the info
// that the kubelet's default ndots:5 amplifies external lookups, once per Deployment.
func TestBookinfoHealthy(t *testing.T) {
	withCoreDNS(t)
	ns := deploy(t, filepath.Join(repoRoot, "test", "testdata", "controllers", "bookinfo.yaml"))
	for _, svc := range []string{"productpage", "details", "ratings", "reviews"} {
		expect(t, ns, svc, cmd.ExitOK, nil, "")
	}
	expectRun(t, ns, []string{"scan"}, cmd.ExitOK, []string{"details-v1:NdotsAmplification", "productpage-v1:NdotsAmplification",
		"ratings-v1:NdotsAmplification", "reviews-v1:NdotsAmplification", "reviews-v2:NdotsAmplification", "reviews-v3:NdotsAmplification"}, "")
	assertSlicesAsExpected(t, ns)
}

// Package checks_test holds the tests that span every command's tree of checks.
package checks_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dns"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/gateway"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/ingress"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/reach"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
)

// TestTreesAreWired: in every command's tree, each Needs and After names a check that
// runs earlier, and IDs are unique.
func TestTreesAreWired(t *testing.T) {
	t.Parallel()
	pod := &peer.Endpoint{}
	trees := map[string]error{
		"svc":              engine.Validate(service.Checks()),
		"reach":            engine.Validate(reach.Checks()),
		"ingress":          engine.Validate(ingress.Checks()),
		"route":            engine.Validate(gateway.Checks()),
		"dns":              engine.Validate(dns.Checks(dns.Options{})),
		"dns POD":          engine.Validate(dns.Checks(dns.Options{Pod: pod})),
		"dns POD --name":   engine.Validate(dns.Checks(dns.Options{Pod: pod, QueryName: "payments"})),
		"dns --name alone": engine.Validate(dns.Checks(dns.Options{QueryName: "payments"})),
		"scan: a Gateway":  engine.Validate(gateway.GatewayChecks()),
		"scan: a workload": engine.Validate(dns.WorkloadChecks()),
	}
	for name, err := range trees {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestEveryCatalogIDIsRaised: every ID of the catalog is raised somewhere outside the
// catalog and the tests. An ID no code raises is a promise the contract makes and the
// tool does not keep.
func TestEveryCatalogIDIsRaised(t *testing.T) {
	t.Parallel()
	used := map[string]bool{}
	ref := regexp.MustCompile(`\bdiag\.([A-Z][A-Za-z]+)\b`)
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		if filepath.Base(filepath.Dir(path)) == "diag" {
			return nil // the catalog itself
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range ref.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range diag.CatalogOrder {
		if !used[string(id)] {
			t.Errorf("%s is in the catalog but no code under pkg/ raises it", id)
		}
	}
}

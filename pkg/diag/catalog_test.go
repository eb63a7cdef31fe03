package diag_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// TestCatalogMatchesContract: every finding ID of the product contract is in the
// catalog with the contract's severity, and the catalog invents no severity-less IDs.
func TestCatalogMatchesContract(t *testing.T) {
	contract, err := os.ReadFile(filepath.Join("..", "..", "docs", "contract.md"))
	if err != nil {
		t.Fatalf("read the contract docs/contract.md: %v", err)
	}
	rows := regexp.MustCompile(`(?m)^\| ([A-Z][A-Za-z]+) \| (error|warning|info) \|`).FindAllStringSubmatch(string(contract), -1)
	if len(rows) < 50 {
		t.Fatalf("found only %d finding rows in the contract", len(rows))
	}
	for _, row := range rows {
		id, sev := diag.FindingID(row[1]), diag.Severity(row[2])
		entry, ok := diag.Catalog[id]
		if !ok {
			t.Errorf("%s is in the contract but not in the catalog", id)
			continue
		}
		if entry.Severity != sev {
			t.Errorf("%s: catalog severity %s, contract %s", id, entry.Severity, sev)
		}
	}
}

func TestCatalogIsConsistent(t *testing.T) {
	if len(diag.CatalogOrder) != len(diag.Catalog) {
		t.Errorf("CatalogOrder has %d IDs, Catalog %d", len(diag.CatalogOrder), len(diag.Catalog))
	}
	seen := map[diag.FindingID]bool{}
	for _, id := range diag.CatalogOrder {
		if seen[id] {
			t.Errorf("%s twice in CatalogOrder", id)
		}
		seen[id] = true
		if e, ok := diag.Catalog[id]; !ok || e.Summary == "" || e.Severity == "" {
			t.Errorf("%s: incomplete catalog entry %+v", id, e)
		}
	}
}

func TestFinalizePicksFirstErrorInWalkOrder(t *testing.T) {
	r := diag.NewReport("svc", diag.ObjectRef{Kind: "Service", Namespace: "shop", Name: "payments"})
	r.Add(diag.New(diag.SessionAffinityWithoutSourceIP, r.Target, "warning first"))
	r.Add(diag.New(diag.NoReadyPods, r.Target, "first error"))
	r.Add(diag.New(diag.EndpointSlicesOutOfSync, r.Target, "second error"))
	r.Add(diag.New(diag.NdotsAmplification, r.Target, "info"))
	r.Finalize()
	if r.RootCause != "first error" {
		t.Errorf("root cause %q", r.RootCause)
	}
	want := []diag.FindingID{diag.NoReadyPods, diag.EndpointSlicesOutOfSync, diag.SessionAffinityWithoutSourceIP, diag.NdotsAmplification}
	if !slices.Equal(r.IDs(), want) {
		t.Errorf("order %v, want %v", r.IDs(), want)
	}
	if r.Summary != (diag.Summary{Errors: 2, Warnings: 1, Infos: 1}) || !r.HasErrors() {
		t.Errorf("summary %+v", r.Summary)
	}
	info := diag.NewReport("svc", r.Target)
	info.Add(diag.New(diag.NdotsAmplification, r.Target, "only info"))
	info.Finalize()
	if info.RootCause != "" || info.HasErrors() {
		t.Errorf("info alone is no root cause: %+v", info)
	}
}

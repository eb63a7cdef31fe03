package printer

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

func TestSARIF(t *testing.T) {
	r := diag.NewReport("svc", diag.ObjectRef{Kind: "Service", Namespace: "shop", Name: "payments"})
	f := diag.New(diag.SelectorMatchesNoPods, r.Target, "no pods").WithFix("fix the selector")
	f.Location = &diag.Location{File: "manifests/payments.yaml", Line: 12}
	r.Add(f, diag.New(diag.NdotsAmplification, r.Target, "ndots"))
	r.Finalize()
	p, err := New(FormatSARIF, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.PrintScan(&buf, diag.ScanReport{Reports: []diag.Report{r}}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
						Region           struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
					LogicalLocations []struct{ FullyQualifiedName string } `json:"logicalLocations"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("header: %+v", log)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(diag.CatalogOrder) || len(run.Results) != 2 {
		t.Fatalf("%d rules, %d results", len(run.Tool.Driver.Rules), len(run.Results))
	}
	first := run.Results[0]
	if first.RuleID != "SelectorMatchesNoPods" || first.Level != "error" || run.Tool.Driver.Rules[first.RuleIndex].ID != first.RuleID {
		t.Errorf("first result %+v", first)
	}
	loc := first.Locations[0]
	if loc.PhysicalLocation == nil || loc.PhysicalLocation.ArtifactLocation.URI != "manifests/payments.yaml" || loc.PhysicalLocation.Region.StartLine != 12 {
		t.Errorf("physical location %+v", loc.PhysicalLocation)
	}
	if loc.LogicalLocations[0].FullyQualifiedName != "Service/shop/payments" {
		t.Errorf("logical location %+v", loc.LogicalLocations)
	}
	if run.Results[1].Level != "note" || run.Results[1].Locations[0].PhysicalLocation != nil {
		t.Errorf("info finding without file: %+v", run.Results[1])
	}
}

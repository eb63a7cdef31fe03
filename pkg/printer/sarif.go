package printer

import (
	"encoding/json"
	"io"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// sarifPrinter writes SARIF 2.1.0 (OASIS), the format code-scanning UIs read: one run,
// one rule per finding ID of the catalog, one result per finding. Findings from -f input
// point at the manifest file and line; live findings carry a logical location naming
// the object.
type sarifPrinter struct{}

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	docsURI      = "https://github.com/netdoctor/kubectl-netdoctor/blob/main/docs/checks.md"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	ShortDescription     sarifMessage `json:"shortDescription"`
	HelpURI              string       `json:"helpUri"`
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation struct {
		URI string `json:"uri"`
	} `json:"artifactLocation"`
	Region *struct {
		StartLine int `json:"startLine"`
	} `json:"region,omitempty"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// sarifLevel maps severities to SARIF levels.
func sarifLevel(s diag.Severity) string {
	switch s {
	case diag.SeverityError:
		return "error"
	case diag.SeverityWarning:
		return "warning"
	default:
		return "note"
	}
}

func (sarifPrinter) PrintReport(w io.Writer, r diag.Report) error {
	return sarifPrinter{}.PrintScan(w, diag.ScanReport{Reports: []diag.Report{r}})
}

func (sarifPrinter) PrintScan(w io.Writer, s diag.ScanReport) error {
	rules := make([]sarifRule, 0, len(diag.CatalogOrder))
	index := map[diag.FindingID]int{}
	for _, id := range diag.CatalogOrder {
		entry := diag.Catalog[id]
		rule := sarifRule{ID: string(id), ShortDescription: sarifMessage{Text: entry.Summary}, HelpURI: docsURI + "#" + anchor(string(id))}
		rule.DefaultConfiguration.Level = sarifLevel(entry.Severity)
		index[id] = len(rules)
		rules = append(rules, rule)
	}
	results := []sarifResult{}
	for _, r := range s.Reports {
		for _, f := range r.Findings {
			text := f.Message
			if f.Fix != "" {
				text += "\nFix: " + f.Fix
			}
			results = append(results, sarifResult{RuleID: string(f.ID), RuleIndex: index[f.ID], Level: sarifLevel(f.Severity),
				Message: sarifMessage{Text: text}, Locations: []sarifLocation{sarifLocationOf(f)}})
		}
	}
	log := sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{{
		Tool:    sarifTool{Driver: sarifDriver{Name: "kubectl-netdoctor", InformationURI: "https://github.com/netdoctor/kubectl-netdoctor", Rules: rules}},
		Results: results,
	}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func sarifLocationOf(f diag.Finding) sarifLocation {
	loc := sarifLocation{LogicalLocations: []sarifLogical{{FullyQualifiedName: objectPath(f.Object), Kind: "resource"}}}
	if f.Location != nil && f.Location.File != "" {
		phys := &sarifPhysical{}
		phys.ArtifactLocation.URI = f.Location.File
		if f.Location.Line > 0 {
			phys.Region = &struct {
				StartLine int `json:"startLine"`
			}{StartLine: f.Location.Line}
		}
		loc.PhysicalLocation = phys
	}
	return loc
}

// objectPath is KIND/NAMESPACE/NAME, the form --suppress takes.
func objectPath(o diag.ObjectRef) string {
	return o.Kind + "/" + o.Namespace + "/" + o.Name
}

// anchor is GitHub's heading anchor for a finding ID section.
func anchor(id string) string {
	out := make([]rune, 0, len(id))
	for _, r := range id {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		out = append(out, r)
	}
	return string(out)
}

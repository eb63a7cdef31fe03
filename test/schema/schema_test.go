// Package schema_test holds docs/report.schema.json to the code: the JSON that
// `kubectl netdoctor ... -o json` really prints for every fixture must validate against
// it, the schema's fields must be the json fields of the pkg/diag types, and its finding
// IDs must be the catalog's. It runs offline (-f), without a cluster.
package schema_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

var (
	schemaFile   = filepath.Join(scenarios.RepoRoot, "docs", "report.schema.json")
	contractFile = filepath.Join(scenarios.RepoRoot, "docs", "contract.md")
)

const ns = scenarios.Namespace

// compiled is docs/report.schema.json, compiled once for all tests.
var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	return compileSchema(schemaFile)
})

func compileSchema(path string) (*jsonschema.Schema, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s is not JSON: %w", path, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	const url = "file:///report.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

func reportSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	sch, err := compiled()
	if err != nil {
		t.Fatalf("compile %s: %v", schemaFile, err)
	}
	return sch
}

// validate checks one printed document against the schema, then what a schema cannot
// say: each summary counts what it summarises.
func validate(sch *jsonschema.Schema, out []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		return fmt.Errorf("not one JSON document: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return err
	}
	var doc struct {
		Kind string `json:"kind"`
		diag.Report
		Reports []diag.Report `json:"reports"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return err
	}
	if doc.Kind == diag.KindScanReport {
		var total diag.Summary
		for i, r := range doc.Reports {
			if err := checkSummary(r); err != nil {
				return fmt.Errorf("reports[%d]: %w", i, err)
			}
			total.Errors += r.Summary.Errors
			total.Warnings += r.Summary.Warnings
			total.Infos += r.Summary.Infos
		}
		if total != doc.Summary {
			return fmt.Errorf("scan summary %+v, but its reports add up to %+v", doc.Summary, total)
		}
		return nil
	}
	return checkSummary(doc.Report)
}

func checkSummary(r diag.Report) error {
	var s diag.Summary
	for _, f := range r.Findings {
		switch f.Severity {
		case diag.SeverityError:
			s.Errors++
		case diag.SeverityWarning:
			s.Warnings++
		case diag.SeverityInfo:
			s.Infos++
		}
	}
	if s != r.Summary {
		return fmt.Errorf("summary %+v, but the findings count %+v", r.Summary, s)
	}
	return nil
}

// TestRealOutputMatchesSchema: every report the plugin prints for the fixtures, the
// scenario tables' runs, a scan of each fixture file and each example, validates.
func TestRealOutputMatchesSchema(t *testing.T) {
	sch := reportSchema(t)
	runs := slices.Concat(scenarios.ScenarioRuns(t), scenarios.RawScanRuns(t), scenarios.ExampleRuns(t))
	if len(runs) < 100 {
		t.Fatalf("only %d runs: did the scenario tables or fixtures move?", len(runs))
	}
	seen := map[diag.FindingID]bool{}
	var mu sync.Mutex
	t.Run("runs", func(t *testing.T) {
		for _, r := range runs {
			t.Run(r.Name, func(t *testing.T) {
				t.Parallel()
				out := r.ReportJSON(t)
				if err := validate(sch, []byte(out)); err != nil {
					t.Fatalf("netdoctor %s -o json does not match docs/report.schema.json:\n%v\n%s", strings.Join(r.Args, " "), err, out)
				}
				var doc struct {
					Findings []diag.Finding `json:"findings"`
					Reports  []diag.Report  `json:"reports"`
				}
				if err := json.Unmarshal([]byte(out), &doc); err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				defer mu.Unlock()
				for _, f := range doc.Findings {
					seen[f.ID] = true
				}
				for _, rep := range doc.Reports {
					for _, f := range rep.Findings {
						seen[f.ID] = true
					}
				}
			})
		}
	})
	if !t.Failed() && len(seen) < 30 {
		t.Errorf("the runs produced only %d distinct finding IDs: the fixtures no longer exercise the report", len(seen))
	}
	t.Logf("%d runs validated, %d distinct finding IDs", len(runs), len(seen))
}

// TestYAMLOutputMatchesSchema: -o yaml is the same document as -o json.
func TestYAMLOutputMatchesSchema(t *testing.T) {
	sch := reportSchema(t)
	dir := filepath.Join(scenarios.Examples, "shop") + string(filepath.Separator)
	for _, args := range [][]string{
		{"svc", "payments", "-n", ns, "-f", dir},
		{"scan", "-A", "-f", dir},
	} {
		code, out, errOut := scenarios.Execute(append(args, "-o", "yaml")...)
		if code != cmd.ExitOK && code != cmd.ExitFindings {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		j, err := yaml.YAMLToJSON([]byte(out))
		if err != nil {
			t.Fatalf("%v: not YAML: %v", args, err)
		}
		if err := validate(sch, j); err != nil {
			t.Errorf("%v -o yaml does not match the schema: %v", args, err)
		}
	}
}

// realReport is the JSON of a real reach report with findings, checks and a verdict.
func realReport(t *testing.T) map[string]any {
	t.Helper()
	f := scenarios.Dump(t, fixture.WithControllerSlices(mustLoad(t, scenarios.LoadRecipes("dns/cluster-dns.yaml", "reach/apps.yaml", "reach/allow-one-app.yaml", "reach/cni-calico.yaml"))))
	code, out, errOut := scenarios.Execute("reach", "deploy/batch", "svc/api", "-n", ns, "-f", f, "-o", "json")
	if code != cmd.ExitFindings {
		t.Fatalf("reach: exit %d, want 1: %s", code, errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func mustLoad(t *testing.T, load func() ([]runtime.Object, error)) []runtime.Object {
	t.Helper()
	objs, err := load()
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// TestSchemaRejects: documents that break the contract fail validation, so the schema
// (and TestRealOutputMatchesSchema) can fail.
func TestSchemaRejects(t *testing.T) {
	sch := reportSchema(t)
	base := realReport(t)
	baseJSON, err := json.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(sch, baseJSON); err != nil {
		t.Fatalf("the real report itself does not validate: %v", err)
	}
	first := func(doc map[string]any, key string) map[string]any {
		list, _ := doc[key].([]any)
		if len(list) == 0 {
			t.Fatalf("the real report has no %s", key)
		}
		return list[0].(map[string]any)
	}
	scanOf := func(doc map[string]any) map[string]any {
		return map[string]any{"apiVersion": diag.APIVersion, "kind": "ScanReport",
			"summary": doc["summary"], "reports": []any{doc}}
	}
	tests := []struct {
		name   string
		mutate func(doc map[string]any) any
	}{
		{"unknown check status", func(d map[string]any) any { first(d, "checks")["status"] = "maybe"; return d }},
		{"check status info", func(d map[string]any) any { first(d, "checks")["status"] = "info"; return d }},
		{"check without id", func(d map[string]any) any { delete(first(d, "checks"), "id"); return d }},
		{"no rootCause", func(d map[string]any) any { delete(d, "rootCause"); return d }},
		{"no checks", func(d map[string]any) any { delete(d, "checks"); return d }},
		{"findings null", func(d map[string]any) any { d["findings"] = nil; return d }},
		{"no summary", func(d map[string]any) any { delete(d, "summary"); return d }},
		{"summary without infos", func(d map[string]any) any { delete(d["summary"].(map[string]any), "infos"); return d }},
		{"negative count", func(d map[string]any) any { d["summary"].(map[string]any)["errors"] = -1; return d }},
		{"wrong apiVersion", func(d map[string]any) any { d["apiVersion"] = "netdoctor.dev/v1"; return d }},
		{"unknown kind", func(d map[string]any) any { d["kind"] = "Diagnosis"; return d }},
		{"unknown command", func(d map[string]any) any { d["command"] = "frobnicate"; delete(d, "reach"); return d }},
		{"target without name", func(d map[string]any) any { delete(d["target"].(map[string]any), "name"); return d }},
		{"unknown finding ID", func(d map[string]any) any { first(d, "findings")["id"] = "NoSuchFinding"; return d }},
		{"unknown severity", func(d map[string]any) any { first(d, "findings")["severity"] = "fatal"; return d }},
		{"finding without message", func(d map[string]any) any { delete(first(d, "findings"), "message"); return d }},
		{"finding without object", func(d map[string]any) any { delete(first(d, "findings"), "object"); return d }},
		{"location without file", func(d map[string]any) any { first(d, "findings")["location"] = map[string]any{"line": 3}; return d }},
		{"unknown field", func(d map[string]any) any { d["verdict"] = "denied"; return d }},
		{"unknown finding field", func(d map[string]any) any { first(d, "findings")["score"] = 0.9; return d }},
		{"reach on an svc report", func(d map[string]any) any { d["command"] = "svc"; return d }},
		{"reach without ports", func(d map[string]any) any { delete(d["reach"].(map[string]any), "ports"); return d }},
		{"port out of range", func(d map[string]any) any {
			first(d["reach"].(map[string]any), "ports")["port"] = 70000
			return d
		}},
		{"unknown protocol", func(d map[string]any) any {
			first(d["reach"].(map[string]any), "ports")["protocol"] = "ICMP"
			return d
		}},
		{"unknown deniedBy", func(d map[string]any) any {
			first(d["reach"].(map[string]any), "ports")["deniedBy"] = "firewall"
			return d
		}},
		{"summary disagrees with findings", func(d map[string]any) any { d["summary"].(map[string]any)["errors"] = 7; return d }},
		{"scan without reports", func(d map[string]any) any { s := scanOf(d); delete(s, "reports"); return s }},
		{"scan report with a bad check", func(d map[string]any) any { first(d, "checks")["status"] = "ok"; return scanOf(d) }},
		{"scan report without checks", func(d map[string]any) any { delete(d, "checks"); return scanOf(d) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(baseJSON, &doc); err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(tt.mutate(doc))
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(sch, raw); err == nil {
				t.Errorf("validated, want a failure:\n%s", raw)
			}
		})
	}
	// The unmutated scan wrapper is valid, so the scan cases fail for their mutation.
	var doc map[string]any
	if err := json.Unmarshal(baseJSON, &doc); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(scanOf(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(sch, raw); err != nil {
		t.Errorf("a ScanReport around the real report does not validate: %v", err)
	}
}

// schemaDoc is the parts of docs/report.schema.json the consistency tests read.
type schemaDoc struct {
	Defs map[string]struct {
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
		Enum       []string                   `json:"enum"`
	} `json:"$defs"`
}

func readSchemaDoc(t *testing.T) schemaDoc {
	t.Helper()
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc schemaDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	return doc
}

// TestSchemaFieldsMatchGoTypes: each object of the schema has exactly the json fields of
// its pkg/diag type, required exactly when the field is not omitempty. A field added to
// diag without the schema (or the other way round) fails here, even if no fixture
// prints it.
func TestSchemaFieldsMatchGoTypes(t *testing.T) {
	doc := readSchemaDoc(t)
	types := map[string]reflect.Type{
		"report":      reflect.TypeFor[diag.Report](),
		"scanReport":  reflect.TypeFor[diag.ScanReport](),
		"objectRef":   reflect.TypeFor[diag.ObjectRef](),
		"summary":     reflect.TypeFor[diag.Summary](),
		"finding":     reflect.TypeFor[diag.Finding](),
		"location":    reflect.TypeFor[diag.Location](),
		"check":       reflect.TypeFor[diag.CheckResult](),
		"reach":       reflect.TypeFor[diag.Reach](),
		"portVerdict": reflect.TypeFor[diag.PortVerdict](),
	}
	for def, typ := range types {
		d, ok := doc.Defs[def]
		if !ok {
			t.Errorf("schema has no $defs/%s for %s", def, typ)
			continue
		}
		var fields, required []string
		for f := range typ.Fields() {
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fields = append(fields, name)
			if !slices.Contains(strings.Split(opts, ","), "omitempty") {
				required = append(required, name)
			}
		}
		props := make([]string, 0, len(d.Properties))
		for p := range d.Properties {
			props = append(props, p)
		}
		slices.Sort(fields)
		slices.Sort(props)
		slices.Sort(required)
		gotRequired := slices.Sorted(slices.Values(d.Required))
		if !slices.Equal(props, fields) {
			t.Errorf("$defs/%s properties %v, %s json fields %v", def, props, typ, fields)
		}
		if !slices.Equal(gotRequired, required) {
			t.Errorf("$defs/%s required %v, %s fields without omitempty %v", def, gotRequired, typ, required)
		}
	}
	statuses := []string{string(diag.StatusPass), string(diag.StatusFail), string(diag.StatusWarn), string(diag.StatusUnknown), string(diag.StatusSkip)}
	if raw := doc.Defs["check"].Properties["status"]; !strings.Contains(string(raw), `"enum"`) {
		t.Errorf("$defs/check status has no enum: %s", raw)
	} else {
		var st struct{ Enum []string }
		if err := json.Unmarshal(raw, &st); err != nil || !slices.Equal(st.Enum, statuses) {
			t.Errorf("$defs/check status enum %v, want %v (err %v)", st.Enum, statuses, err)
		}
	}
	sev := []string{string(diag.SeverityError), string(diag.SeverityWarning), string(diag.SeverityInfo)}
	if !slices.Equal(doc.Defs["severity"].Enum, sev) {
		t.Errorf("$defs/severity enum %v, want %v", doc.Defs["severity"].Enum, sev)
	}
}

// TestSchemaFindingIDsMatchCatalog: the schema's finding ID enum is exactly the IDs of
// diag.Catalog and of docs/contract.md (the contract's are in the catalog once
// TestCatalogMatchesContract passes), so that a new ID cannot be printed without the
// schema knowing it.
func TestSchemaFindingIDsMatchCatalog(t *testing.T) {
	enum := readSchemaDoc(t).Defs["findingId"].Enum
	if len(enum) == 0 {
		t.Fatal("schema has no $defs/findingId enum")
	}
	contract, err := os.ReadFile(contractFile)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for id := range diag.Catalog {
		want[string(id)] = true
	}
	rows := regexp.MustCompile(`(?m)^\| ([A-Z][A-Za-z]+) \| (error|warning|info) \|`).FindAllStringSubmatch(string(contract), -1)
	if len(rows) < 50 {
		t.Fatalf("found only %d finding rows in docs/contract.md", len(rows))
	}
	for _, row := range rows {
		want[row[1]] = true
	}
	got := map[string]bool{}
	for _, id := range enum {
		if got[id] {
			t.Errorf("%s twice in the schema's finding ID enum", id)
		}
		got[id] = true
		if !want[id] {
			t.Errorf("%s is in the schema's finding ID enum but neither in diag.Catalog nor in docs/contract.md", id)
		}
	}
	var missing []string
	for id := range want {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	for _, id := range missing {
		t.Errorf("%s is in diag.Catalog or docs/contract.md but not in $defs/findingId of docs/report.schema.json", id)
	}
}

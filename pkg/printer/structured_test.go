package printer

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

func render(t *testing.T, format string, v any) []byte {
	t.Helper()
	out := printed(t, format, Options{Color: ColorAlways}, v) // color must not reach JSON/YAML
	if bytes.Contains(out, []byte("\x1b")) {
		t.Errorf("%s output contains an escape", format)
	}
	return out
}

// keys returns the sorted keys of a decoded JSON object, failing if it is not one.
func keys(t *testing.T, v any, where string) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, not an object", where, v)
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func assertKeys(t *testing.T, v any, where string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := keys(t, v, where); !slices.Equal(got, want) {
		t.Errorf("%s keys = %v, want %v", where, got, want)
	}
}

func first(t *testing.T, v any, where string) any {
	t.Helper()
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		t.Fatalf("%s is %T (%v), not a non-empty array", where, v, v)
	}
	return a[0]
}

// TestJSONContractFields pins the field names of the product contract (netdoctor.md,
// "JSON/YAML output"): runbooks branch on them, so a rename must fail here.
func TestJSONContractFields(t *testing.T) {
	t.Parallel()
	out := render(t, "json", reachDeniedReport())
	if !bytes.HasSuffix(out, []byte("}\n")) || !bytes.HasPrefix(out, []byte("{\n  \"apiVersion\"")) {
		t.Errorf("not indented JSON with a trailing newline:\n%s", out)
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	assertKeys(t, doc, "report", "apiVersion", "kind", "command", "target", "rootCause", "summary", "findings", "checks", "reach")
	if doc["apiVersion"] != diag.APIVersion || doc["kind"] != "Report" || doc["command"] != "reach" {
		t.Errorf("apiVersion/kind/command = %v/%v/%v", doc["apiVersion"], doc["kind"], doc["command"])
	}
	if rc, _ := doc["rootCause"].(string); rc == "" {
		t.Error("rootCause is empty")
	}
	assertKeys(t, doc["target"], "target", "kind", "namespace", "name")
	assertKeys(t, doc["summary"], "summary", "errors", "warnings", "infos")

	finding := first(t, doc["findings"], "findings")
	assertKeys(t, finding, "findings[0]", "id", "severity", "object", "message", "evidence", "fix", "commands")
	f := finding.(map[string]any)
	if f["id"] != "IngressDenied" || f["severity"] != "error" {
		t.Errorf("findings[0] = %v/%v, want IngressDenied/error", f["id"], f["severity"])
	}
	assertKeys(t, f["object"], "findings[0].object", "kind", "namespace", "name")
	for _, list := range []string{"evidence", "commands"} {
		if _, ok := f[list].([]any); !ok {
			t.Errorf("findings[0].%s is %T, not an array", list, f[list])
		}
	}

	assertKeys(t, first(t, doc["checks"], "checks"), "checks[0]", "id", "status", "detail")

	assertKeys(t, doc["reach"], "reach", "allowed", "ports")
	port := first(t, doc["reach"].(map[string]any)["ports"], "reach.ports")
	assertKeys(t, port, "reach.ports[0]", "port", "protocol", "allowed", "deniedBy")
	if p := port.(map[string]any); p["port"] != float64(8000) || p["protocol"] != "TCP" || p["allowed"] != false || p["deniedBy"] != "ingress" {
		t.Errorf("reach.ports[0] = %v", p)
	}
}

func TestJSONReachOnlyForReach(t *testing.T) {
	t.Parallel()
	if out := render(t, "json", failingSvcReport()); bytes.Contains(out, []byte(`"reach"`)) {
		t.Errorf("svc report has a reach field:\n%s", out)
	}
}

// TestJSONEmptyListsAreArrays: runbooks iterate findings and checks without a null check.
func TestJSONEmptyListsAreArrays(t *testing.T) {
	t.Parallel()
	target := diag.ObjectRef{Kind: "Service", Namespace: "shop", Name: "payments"}
	for name, r := range map[string]diag.Report{
		"NewReport":   func() diag.Report { r := diag.NewReport("svc", target); r.Finalize(); return r }(),
		"zero Report": {Command: "svc", Target: target, Reach: &diag.Reach{}},
	} {
		out := render(t, "json", r)
		for _, want := range []string{`"findings": []`, `"checks": []`, `"apiVersion": "netdoctor.dev/v1alpha1"`, `"kind": "Report"`, `"rootCause": ""`} {
			if !bytes.Contains(out, []byte(want)) {
				t.Errorf("%s: %s missing from\n%s", name, want, out)
			}
		}
		if bytes.Contains(out, []byte("null")) {
			t.Errorf("%s: null in\n%s", name, out)
		}
	}
	// The caller's report is not modified by the guard.
	r := diag.Report{Reach: &diag.Reach{}}
	render(t, "json", r)
	if r.Findings != nil || r.Reach.Ports != nil || r.Kind != "" {
		t.Error("printing modified the caller's report")
	}
}

func TestJSONScan(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	if err := json.Unmarshal(render(t, "json", scanReport()), &doc); err != nil {
		t.Fatal(err)
	}
	assertKeys(t, doc, "scan", "apiVersion", "kind", "summary", "reports")
	if doc["kind"] != "ScanReport" {
		t.Errorf("kind = %v", doc["kind"])
	}
	if n := len(doc["reports"].([]any)); n != 5 {
		t.Errorf("%d reports, want 5", n)
	}

	// A scan built without the constructors still has its identity and [] lists.
	out := render(t, "json", diag.ScanReport{Reports: []diag.Report{{Command: "svc"}}})
	for _, want := range []string{`"kind": "ScanReport"`, `"kind": "Report"`, `"findings": []`, `"checks": []`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("%s missing from\n%s", want, out)
		}
	}
	if out := render(t, "json", diag.ScanReport{}); !bytes.Contains(out, []byte(`"reports": []`)) {
		t.Errorf(`"reports": [] missing from\n%s`, out)
	}
}

// TestJSONScanStreamsTheSameBytes: PrintScan writes a report at a time; what it writes
// must be the whole document encoded at once, byte for byte.
func TestJSONScanStreamsTheSameBytes(t *testing.T) {
	t.Parallel()
	shell := failingSvcReport()
	shell.Findings[0].Fix = "kubectl get pods -l 'app in (a,b)' && echo <none>"
	for name, s := range map[string]diag.ScanReport{
		"several":      scanReport(),
		"none":         {},
		"empty list":   {Reports: []diag.Report{}},
		"bare report":  {Reports: []diag.Report{{Command: "svc"}}},
		"shell quotes": {Summary: diag.Summary{Errors: 1}, Reports: []diag.Report{shell}},
	} {
		var whole bytes.Buffer
		if err := writeJSON(&whole, normalizeScan(s)); err != nil {
			t.Fatal(err)
		}
		if got := render(t, "json", s); !bytes.Equal(got, whole.Bytes()) {
			t.Errorf("%s: streamed\n%s\nwant\n%s", name, got, whole.Bytes())
		}
	}
}

func TestJSONKeepsShellCharacters(t *testing.T) {
	t.Parallel()
	r := diag.NewReport("svc", svcPayments)
	r.Add(diag.New(diag.NoReadyPods, svcPayments, "none Ready").WithCommands("kubectl get pods -n shop && kubectl get events <pod>"))
	r.Finalize()
	if out := render(t, "json", r); !bytes.Contains(out, []byte(`"kubectl get pods -n shop && kubectl get events <pod>"`)) {
		t.Errorf("command was escaped:\n%s", out)
	}
}

// TestYAMLRoundTrip: YAML carries the same document as JSON, field for field.
func TestYAMLRoundTrip(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]diag.Report{
		"failing": failingSvcReport(),
		"reach":   reachDeniedReport(),
		"empty":   {Command: "svc"},
	} {
		out := render(t, "yaml", r)
		if !strings.HasPrefix(string(out), "apiVersion: netdoctor.dev/v1alpha1\n") {
			t.Errorf("%s: YAML does not start with apiVersion:\n%s", name, out)
		}
		var back diag.Report
		if err := yaml.UnmarshalStrict(out, &back); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		// Compare through JSON: diag.Finding has an unexported walk-order field.
		want := render(t, "json", r)
		got := render(t, "json", back)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: YAML round trip changed the report:\n got %s\nwant %s", name, got, want)
		}
	}

	out := render(t, "yaml", scanReport())
	var back diag.ScanReport
	if err := yaml.UnmarshalStrict(out, &back); err != nil {
		t.Fatal(err)
	}
	if got, want := render(t, "json", back), render(t, "json", scanReport()); !bytes.Equal(got, want) {
		t.Errorf("scan YAML round trip changed the scan:\n got %s\nwant %s", got, want)
	}
	if empty := render(t, "yaml", diag.Report{}); !bytes.Contains(empty, []byte("findings: []\n")) {
		t.Errorf("findings: [] missing from\n%s", empty)
	}
}

package printer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// jsonPrinter writes the contract's JSON: the diag structs through their json tags.
// stream writes each document on one line (JSON Lines), for --watch.
type jsonPrinter struct{ stream bool }

// yamlPrinter writes the same document as YAML (sigs.k8s.io/yaml goes through the json
// tags, so field names are identical). stream starts each document with ---, for --watch.
type yamlPrinter struct{ stream bool }

var (
	_ Printer = jsonPrinter{}
	_ Printer = yamlPrinter{}
)

// PrintReport implements Printer.
func (p jsonPrinter) PrintReport(w io.Writer, r diag.Report) error {
	if p.stream {
		return writeJSONLine(w, normalizeReport(r))
	}
	return writeJSON(w, normalizeReport(r))
}

// PrintScan implements Printer. It writes the bytes of writeJSON(normalizeScan(s)),
// one report at a time: the JSON of a scan of a large cluster is tens of MiB, and
// encoding it whole held it twice (the encoding and its indented copy) beside the
// reports themselves, the largest part of the scan's peak memory.
func (jsonPrinter) PrintScan(w io.Writer, s diag.ScanReport) error {
	head := normalizeScan(diag.ScanReport{APIVersion: s.APIVersion, Kind: s.Kind, Summary: s.Summary})
	out := bufio.NewWriterSize(w, 64<<10)
	enc := &indentedEncoder{}
	out.WriteString("{\n  \"apiVersion\": ")
	enc.write(out, head.APIVersion, "  ")
	out.WriteString(",\n  \"kind\": ")
	enc.write(out, head.Kind, "  ")
	out.WriteString(",\n  \"summary\": ")
	enc.write(out, head.Summary, "  ")
	out.WriteString(",\n  \"reports\": [")
	for i, r := range s.Reports {
		if i > 0 {
			out.WriteString(",")
		}
		out.WriteString("\n    ")
		enc.write(out, normalizeReport(r), "    ")
	}
	if len(s.Reports) > 0 {
		out.WriteString("\n  ")
	}
	out.WriteString("]\n}\n")
	if enc.err != nil {
		return fmt.Errorf("encoding JSON: %w", enc.err)
	}
	return out.Flush()
}

// indentedEncoder encodes values as writeJSON does, nested at a prefix, reusing one
// buffer; the first error sticks.
type indentedEncoder struct {
	buf bytes.Buffer
	err error
}

func (e *indentedEncoder) write(w io.Writer, v any, prefix string) {
	if e.err != nil {
		return
	}
	e.buf.Reset()
	enc := json.NewEncoder(&e.buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if e.err = enc.Encode(v); e.err == nil {
		_, e.err = w.Write(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")))
	}
}

// PrintReport implements Printer.
func (p yamlPrinter) PrintReport(w io.Writer, r diag.Report) error {
	if p.stream {
		if _, err := io.WriteString(w, "---\n"); err != nil {
			return err
		}
	}
	return writeYAML(w, normalizeReport(r))
}

// PrintScan implements Printer.
func (yamlPrinter) PrintScan(w io.Writer, s diag.ScanReport) error {
	return writeYAML(w, normalizeScan(s))
}

// writeJSON is json.MarshalIndent(v, "", "  ") plus a newline, except that HTML
// characters stay as they are: runbooks and people read commands such as
// `kubectl get pods -l 'a in (x)' && ...` or evidence like "<none>", and \u0026 helps
// neither. Decoders see the same values either way.
func writeJSON(w io.Writer, v any) error {
	return encodeJSON(w, v, "  ")
}

// writeJSONLine is writeJSON on one line.
func writeJSONLine(w io.Writer, v any) error {
	return encodeJSON(w, v, "")
}

// encodeJSON writes v in one Write: json.Encoder encodes the whole value before it
// writes, so a value that cannot be encoded leaves no partial output, and a scan's
// report (tens of MiB) is not copied once more through a buffer of ours.
func encodeJSON(w io.Writer, v any, indent string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil { // Encode appends the trailing newline
		return fmt.Errorf("encoding JSON: %w", err)
	}
	return nil
}

func writeYAML(w io.Writer, v any) error {
	out, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding YAML: %w", err)
	}
	_, err = w.Write(out)
	return err
}

// normalizeReport returns a copy of r as the contract shows it: apiVersion and kind set,
// and findings, checks and reach ports as [] rather than null, because runbooks iterate
// over them without a null check. The caller's report is not modified.
func normalizeReport(r diag.Report) diag.Report {
	setIdentity(&r.APIVersion, &r.Kind, diag.KindReport)
	if r.Findings == nil {
		r.Findings = []diag.Finding{}
	}
	if r.Checks == nil {
		r.Checks = []diag.CheckResult{}
	}
	if r.Reach != nil && r.Reach.Ports == nil {
		reach := *r.Reach
		reach.Ports = []diag.PortVerdict{}
		r.Reach = &reach
	}
	return r
}

// normalizeScan does for a scan what normalizeReport does for a report, for the scan and
// each of its reports.
func normalizeScan(s diag.ScanReport) diag.ScanReport {
	setIdentity(&s.APIVersion, &s.Kind, diag.KindScanReport)
	reports := make([]diag.Report, 0, len(s.Reports))
	for _, r := range s.Reports {
		reports = append(reports, normalizeReport(r))
	}
	s.Reports = reports
	return s
}

// setIdentity sets the contract's apiVersion and the given kind where a report built as
// a literal, not by diag.NewReport, left them empty.
func setIdentity(apiVersion, kind *string, want string) {
	if *apiVersion == "" {
		*apiVersion = diag.APIVersion
	}
	if *kind == "" {
		*kind = want
	}
}

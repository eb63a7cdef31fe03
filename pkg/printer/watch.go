package printer

import (
	"fmt"
	"io"
	"time"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// UpdatePrinter renders the later diagnoses of --watch, after the first one was printed
// in full with PrintReport. It prints nothing when nothing the reader acts on changed.
type UpdatePrinter interface {
	PrintUpdate(w io.Writer, at time.Time, prev, next diag.Report) error
}

var (
	_ UpdatePrinter = (*textPrinter)(nil)
	_ UpdatePrinter = jsonPrinter{}
	_ UpdatePrinter = yamlPrinter{}
)

// watchTime is how --watch stamps its lines: the wall clock an on-call engineer
// compares with their own actions and with the cluster's events.
const watchTime = "15:04:05"

// PrintUpdate implements UpdatePrinter: a timestamped line per finding that resolved,
// appeared or changed, then the new root cause or verdict.
func (p *textPrinter) PrintUpdate(w io.Writer, at time.Time, prev, next diag.Report) error {
	changes := diag.Changes(prev, next)
	if !changed(prev, next) {
		return nil
	}
	// Each update stands apart, as the report before it.
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	pal := p.paletteFor(w)
	pw := &prefixWriter{w: w}
	stamp := at.Format(watchTime) + "  "
	for _, c := range changes {
		glyph, col := pal.severity(c.Finding.Severity)
		if c.Kind == diag.ChangeResolved {
			glyph, col = glyphPass, pal.green
		}
		line := stamp + col.Sprint(glyph) + " " + fmt.Sprintf("%-8s", c.Kind) + "  " + pal.bold.Sprint(string(c.Finding.ID))
		if obj := objectString(c.Finding.Object); obj != "" {
			line += "  " + obj
		}
		if c.Kind != diag.ChangeResolved && c.Finding.Message != "" {
			line += ": " + c.Finding.Message
		}
		pw.write(0, len(stamp)+2, line)
	}
	if v := reachVerdict(next); v != "" {
		pw.write(0, len(stamp), stamp+pal.bold.Sprint(v))
	}
	switch {
	case next.RootCause != "":
		pw.write(0, len(stamp)+len("Root cause: "), stamp+pal.bold.Sprint("Root cause: "+next.RootCause))
	case next.Reach == nil:
		pw.write(0, len(stamp), stamp+pal.green.Sprint(noProblemLine(next)))
	}
	return pw.err
}

// reachVerdict is the verdict line of a reach report, "" for other reports.
func reachVerdict(r diag.Report) string {
	switch {
	case r.Reach == nil:
		return ""
	case r.Reach.Allowed:
		return "Traffic allowed."
	}
	return "Traffic denied."
}

// PrintUpdate implements UpdatePrinter: every later diagnosis is a whole report, so a
// program reading the stream never has to merge changes.
func (p jsonPrinter) PrintUpdate(w io.Writer, _ time.Time, prev, next diag.Report) error {
	if !changed(prev, next) {
		return nil
	}
	return p.PrintReport(w, next)
}

// PrintUpdate implements UpdatePrinter, as for JSON.
func (p yamlPrinter) PrintUpdate(w io.Writer, _ time.Time, prev, next diag.Report) error {
	if !changed(prev, next) {
		return nil
	}
	return p.PrintReport(w, next)
}

// changed reports whether next says anything prev did not: findings, root cause or
// verdict. Check details alone (a resourceVersion, a pod IP) are not news.
func changed(prev, next diag.Report) bool {
	return len(diag.Changes(prev, next)) > 0 || prev.RootCause != next.RootCause ||
		reachVerdict(prev) != reachVerdict(next)
}

package printer

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/fatih/color"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// Glyphs of the text tree, as the contract lists them.
const (
	glyphPass    = "✔"
	glyphFail    = "✖"
	glyphWarn    = "⚠"
	glyphUnknown = "?"
	glyphSkip    = "·"
	glyphInfo    = "ℹ"
)

// palette holds one printer's colors. Each *color.Color is switched on or off by
// EnableColor/DisableColor from the --color decision; the global color.NoColor is never
// touched, because fatih/color computes it from os.Stdout, not from our writer, and a
// global switch would leak between printers (and tests).
type palette struct {
	green, red, yellow, magenta, cyan, faint, bold *color.Color
	// boldGreen and boldRed carry the reach verdict; Add on a shared color would
	// change it for every later use, so they are colors of their own.
	boldGreen, boldRed *color.Color
}

func newPalette(enabled bool) *palette {
	p := &palette{
		green:   color.New(color.FgGreen),
		red:     color.New(color.FgRed),
		yellow:  color.New(color.FgYellow),
		magenta: color.New(color.FgMagenta),
		cyan:    color.New(color.FgCyan),
		faint:   color.New(color.Faint),
		bold:    color.New(color.Bold),

		boldGreen: color.New(color.FgGreen, color.Bold),
		boldRed:   color.New(color.FgRed, color.Bold),
	}
	for _, c := range []*color.Color{p.green, p.red, p.yellow, p.magenta, p.cyan, p.faint, p.bold, p.boldGreen, p.boldRed} {
		if enabled {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return p
}

// status returns the glyph and color of a check status. An unrecognised status is shown
// as unknown: output must never make an unexpected state look like a pass.
func (p *palette) status(s diag.Status) (string, *color.Color) {
	switch s {
	case diag.StatusPass:
		return glyphPass, p.green
	case diag.StatusFail:
		return glyphFail, p.red
	case diag.StatusWarn:
		return glyphWarn, p.yellow
	case diag.StatusSkip:
		return glyphSkip, p.faint
	default:
		return glyphUnknown, p.magenta
	}
}

// severity returns the glyph and color of a finding severity; anything unrecognised is
// shown as an error, as diag treats an unknown ID.
func (p *palette) severity(s diag.Severity) (string, *color.Color) {
	switch s {
	case diag.SeverityWarning:
		return glyphWarn, p.yellow
	case diag.SeverityInfo:
		return glyphInfo, p.cyan
	default:
		return glyphFail, p.red
	}
}

// textPrinter renders the tree an on-call engineer reads: checks, root cause, findings
// with evidence and commands, notes, and a count.
type textPrinter struct {
	verbose bool
	mode    ColorMode
	// pal is decided once in New when the answer does not depend on the writer given to
	// Print (always, never, or auto with Options.Out); nil means decide per call.
	pal *palette
}

var _ Printer = (*textPrinter)(nil)

func newTextPrinter(opts Options) *textPrinter {
	p := &textPrinter{verbose: opts.Verbose, mode: opts.Color}
	if p.mode == ColorAlways || p.mode == ColorNever || opts.Out != nil {
		p.pal = newPalette(p.mode.Enabled(opts.Out))
	}
	return p
}

// paletteFor returns the instance palette, or a fresh one decided from w. A fresh value
// rather than a cached one keeps concurrent Print calls free of shared mutable state.
func (p *textPrinter) paletteFor(w io.Writer) *palette {
	if p.pal != nil {
		return p.pal
	}
	return newPalette(p.mode.Enabled(w))
}

// PrintReport implements Printer.
func (p *textPrinter) PrintReport(w io.Writer, r diag.Report) error {
	pal := p.paletteFor(w)
	pw := &prefixWriter{w: w}

	pw.write(0, 0, pal.bold.Sprint(reportTitle(r)))
	p.writeChecks(pw, pal, r.Checks)

	pw.blank()
	writeVerdict(pw, pal, r)

	if len(r.Findings) > 0 {
		pw.blank()
		for _, f := range r.Findings {
			writeFinding(pw, pal, f)
		}
	}

	if len(r.Notes) > 0 {
		pw.blank()
		pw.write(0, 0, "Notes:")
		for _, n := range r.Notes {
			pw.write(1, 0, n)
		}
	}

	pw.blank()
	errs, warns, infos := countFindings(r.Findings)
	pw.write(0, 0, fmt.Sprintf("%s, %s, %s",
		plural(errs, "error", "errors"), plural(warns, "warning", "warnings"), plural(infos, "info", "infos")))
	return pw.err
}

// reportTitle is the first line: the target as kubectl users read it.
func reportTitle(r diag.Report) string {
	if s := objectString(r.Target); s != "" {
		return s
	}
	if r.Command != "" {
		return r.Command
	}
	return "Report"
}

// writeChecks prints the walk as a tree: glyph, check ID padded so that the details line
// up in one column, then the detail. Depth nests a check two spaces per level.
func (p *textPrinter) writeChecks(pw *prefixWriter, pal *palette, checks []diag.CheckResult) {
	if !p.verbose {
		checks = withoutNotApplicable(checks)
	}
	width := 0
	for _, c := range checks {
		width = max(width, 2*depth(c)+len(c.ID))
	}
	for _, c := range checks {
		d := depth(c)
		glyph, col := pal.status(c.Status)
		text := c.Detail
		if text == "" {
			text = c.Title
		}
		if c.Status == diag.StatusSkip && !strings.HasPrefix(strings.ToLower(text), "skip") {
			// The engine names the parent that failed; say it was skipped so that a
			// faint line on a colorless terminal is not read as a result.
			text = strings.TrimSuffix("skipped: "+text, ": ")
		}
		idCol := c.ID + strings.Repeat(" ", width-2*d-len(c.ID))
		var line string
		if c.Status == diag.StatusSkip {
			line = col.Sprint(strings.TrimRight(glyph+" "+idCol+"  "+text, " "))
		} else {
			line = col.Sprint(glyph) + " " + strings.TrimRight(idCol+"  "+text, " ")
		}
		// Continuation lines of a multi-line detail hang under the detail column.
		pw.write(1+d, 2+len(idCol)+2, line)

		if p.verbose || c.Status == diag.StatusFail || c.Status == diag.StatusWarn || c.Status == diag.StatusUnknown {
			for _, detail := range c.Details {
				pw.write(3+d, 0, detail)
			}
		}
	}
}

// noProblemLine is the verdict of a report without warnings or errors, in the words of
// the question the command answers.
func noProblemLine(r diag.Report) string {
	switch r.Command {
	case "svc", "ingress", "route":
		return fmt.Sprintf("No problems found: traffic to %s should arrive.", reportTitle(r))
	case "dns":
		return fmt.Sprintf("No problems found: DNS for %s should work.", reportTitle(r))
	}
	return "No problems found."
}

// withoutNotApplicable drops checks skipped because they do not apply to the target
// (an ExternalName check on a ClusterIP Service): they are noise at 3 a.m. Checks skipped
// because a prerequisite failed stay, since they say what was not examined. JSON keeps all.
func withoutNotApplicable(checks []diag.CheckResult) []diag.CheckResult {
	// A check that others were skipped for stays, so "needs X" always points at a line.
	needed := map[string]bool{}
	for _, c := range checks {
		if rest, ok := strings.CutPrefix(strings.TrimPrefix(c.Detail, "skipped: "), "needs "); ok && c.Status == diag.StatusSkip {
			needed[strings.Fields(rest + " ")[0]] = true
		}
	}
	out := make([]diag.CheckResult, 0, len(checks))
	for _, c := range checks {
		blocked := strings.HasPrefix(strings.TrimPrefix(c.Detail, "skipped: "), "needs ")
		if c.Status == diag.StatusSkip && !blocked && !needed[c.ID] {
			continue
		}
		out = append(out, c)
	}
	return out
}

func depth(c diag.CheckResult) int {
	return max(c.Depth, 0)
}

// writeVerdict prints the one line an engineer reads first: the reach answer per port,
// the root cause, or that nothing was found.
func writeVerdict(pw *prefixWriter, pal *palette, r diag.Report) {
	if r.Reach != nil {
		writeReach(pw, pal, r.Reach)
		if r.RootCause != "" {
			pw.blank()
		}
	}
	switch {
	case r.RootCause != "":
		pw.write(0, len("Root cause: "), pal.bold.Sprint("Root cause: "+r.RootCause))
	case r.Reach == nil:
		pw.write(0, 0, pal.green.Sprint(noProblemLine(r)))
	}
}

func writeReach(pw *prefixWriter, pal *palette, reach *diag.Reach) {
	if reach.Allowed {
		pw.write(0, 0, pal.boldGreen.Sprint("Traffic allowed"))
	} else {
		pw.write(0, 0, pal.boldRed.Sprint("Traffic denied"))
	}
	labels := make([]string, len(reach.Ports))
	width := 0
	for i, pv := range reach.Ports {
		labels[i] = fmt.Sprintf("%d/%s", pv.Port, pv.Protocol)
		if pv.Name != "" {
			labels[i] += " (" + pv.Name + ")"
		}
		width = max(width, len(labels[i]))
	}
	for i, pv := range reach.Ports {
		verdict := pal.green.Sprint("allowed")
		if !pv.Allowed {
			verdict = pal.red.Sprint("denied")
			if pv.DeniedBy != "" {
				verdict += " (" + pv.DeniedBy + ")"
			}
		}
		pw.write(1, 0, labels[i]+strings.Repeat(" ", width-len(labels[i]))+"  "+verdict)
	}
}

// writeFinding prints one finding: glyph, ID and object, then message, evidence, fix,
// the commands to run next and where to read more, each indented under the finding.
func writeFinding(pw *prefixWriter, pal *palette, f diag.Finding) {
	glyph, col := pal.severity(f.Severity)
	head := col.Sprint(glyph) + " " + pal.bold.Sprint(string(f.ID))
	if obj := objectString(f.Object); obj != "" {
		head += "  " + obj
	}
	pw.write(0, 2, head)
	if f.Message != "" {
		pw.write(2, 0, f.Message)
	}
	if len(f.Evidence) > 0 {
		pw.write(2, 0, "Evidence:")
		for _, e := range f.Evidence {
			pw.write(3, 2, "- "+e)
		}
	}
	if f.Fix != "" {
		pw.write(2, len("Fix: "), "Fix: "+f.Fix)
	}
	if len(f.Commands) > 0 {
		pw.write(2, 0, "Try:")
		for _, c := range f.Commands {
			pw.write(3, 0, c)
		}
	}
	// The reference is in the binary, so this works where the page was not bookmarked.
	pw.write(2, 0, pal.faint.Sprint("More: kubectl netdoctor explain "+string(f.ID)))
}

// PrintScan implements Printer. It prints one line per problem, grouped by object and
// worst object first, then a count. Info findings are facts, not problems: they and the
// objects without problems are shown only with Verbose.
func (p *textPrinter) PrintScan(w io.Writer, s diag.ScanReport) error {
	pal := p.paletteFor(w)
	pw := &prefixWriter{w: w}

	type entry struct {
		report diag.Report
		shown  []diag.Finding
		worst  int
	}
	var entries []entry
	var errs, warns, unknown int
	for _, r := range s.Reports {
		re, rw, _ := countFindings(r.Findings)
		errs += re
		warns += rw
		for _, c := range r.Checks {
			if c.Status == diag.StatusUnknown {
				unknown++
			}
		}
		var shown []diag.Finding
		for _, f := range r.Findings {
			if f.Severity != diag.SeverityInfo || p.verbose {
				shown = append(shown, f)
			}
		}
		if len(shown) == 0 && !p.verbose {
			continue
		}
		// Reports come finalized (sorted), but the scan order must not depend on it.
		sort.SliceStable(shown, func(i, j int) bool {
			return shown[i].Severity.Rank() < shown[j].Severity.Rank()
		})
		worst := diag.SeverityInfo.Rank() + 1
		if len(shown) > 0 {
			worst = shown[0].Severity.Rank()
		}
		entries = append(entries, entry{report: r, shown: shown, worst: worst})
	}
	// Worst object first; among equals the scan's own (namespace/name) order stands.
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].worst < entries[j].worst })

	width := 0
	for _, e := range entries {
		for _, f := range e.shown {
			width = max(width, len(f.ID))
		}
	}
	for _, e := range entries {
		pw.write(0, 0, pal.bold.Sprint(reportTitle(e.report)))
		if len(e.shown) == 0 {
			pw.write(1, 0, pal.green.Sprint(glyphPass)+" no problems found")
			continue
		}
		for _, f := range e.shown {
			glyph, col := pal.severity(f.Severity)
			id := string(f.ID) + strings.Repeat(" ", width-len(f.ID))
			pw.write(1, 2+width+2, col.Sprint(glyph)+" "+strings.TrimRight(id+"  "+f.Message, " "))
		}
	}

	pw.blank()
	if errs+warns+unknown == 0 {
		pw.write(0, 0, pal.green.Sprint("No problems found."))
	}
	pw.write(0, 0, fmt.Sprintf("%s checked, %s, %s, %s",
		plural(len(s.Reports), "object", "objects"), plural(errs, "error", "errors"),
		plural(warns, "warning", "warnings"), plural(unknown, "check unknown", "checks unknown")))
	return pw.err
}

// objectString renders a ref as kubectl users read it, or "" for an empty ref.
func objectString(o diag.ObjectRef) string {
	if o.Kind == "" && o.Name == "" {
		return ""
	}
	return strings.TrimSpace(o.String())
}

func countFindings(fs []diag.Finding) (errs, warns, infos int) {
	for _, f := range fs {
		switch f.Severity {
		case diag.SeverityError:
			errs++
		case diag.SeverityWarning:
			warns++
		case diag.SeverityInfo:
			infos++
		default:
			errs++ // as palette.severity: an unrecognised severity is not hidden
		}
	}
	return errs, warns, infos
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// prefixWriter writes indented lines, two spaces per level, in the manner of kubectl
// describe's PrefixWriter. It keeps the first write error so that the rendering code reads
// straight through, and it separates sections with at most one blank line.
type prefixWriter struct {
	w       io.Writer
	err     error
	written bool // something was written: a blank line now separates sections
	blanked bool // the last line written was blank
}

// write prints s at level. Lines after the first of a multi-line s are indented hang more
// columns, so wrapped evidence stays under its bullet text. Empty lines get no indent, so
// no line ends in spaces.
func (pw *prefixWriter) write(level, hang int, s string) {
	if pw.err != nil {
		return
	}
	indent := strings.Repeat("  ", level)
	var b strings.Builder
	for i, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) != "" {
			b.WriteString(indent)
			if i > 0 {
				b.WriteString(strings.Repeat(" ", hang))
			}
			b.WriteString(line)
		}
		b.WriteByte('\n')
	}
	_, pw.err = io.WriteString(pw.w, b.String())
	pw.written, pw.blanked = true, false
}

// blank separates two sections; it is a no-op at the start and after another blank.
func (pw *prefixWriter) blank() {
	if pw.err != nil || !pw.written || pw.blanked {
		return
	}
	_, pw.err = io.WriteString(pw.w, "\n")
	pw.blanked = true
}

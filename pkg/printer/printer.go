// Package printer renders diag reports for people (a text tree with colored glyphs) and
// for programs (JSON and YAML of the contract). It only formats: it never decides what is
// wrong, and it writes only to the writer it is given.
package printer

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// Printer writes one report or one scan to w. Implementations write nothing but the
// rendering (no warnings about the tool itself: those belong on ErrOut) and return the
// first write or marshal error. They do not modify the report they are given.
type Printer interface {
	// PrintReport renders the result of one command on one target.
	PrintReport(w io.Writer, r diag.Report) error
	// PrintScan renders the reports of a scan.
	PrintScan(w io.Writer, s diag.ScanReport) error
}

// Output formats accepted by New, as -o spells them.
const (
	FormatText = "text"
	FormatJSON = "json"
	FormatYAML = "yaml"
	// FormatSARIF is SARIF 2.1.0, for code-scanning UIs and CI gates.
	FormatSARIF = "sarif"
)

// Formats lists the accepted -o values in the order help text shows them.
var Formats = []string{FormatText, FormatJSON, FormatYAML, FormatSARIF}

// ValidateFormat rejects an -o value New would not accept, so that commands can fail in
// Validate before touching the cluster. The empty string means the default, text, as an
// empty -o does in kubectl.
func ValidateFormat(format string) error {
	switch format {
	case "", FormatText, FormatJSON, FormatYAML, FormatSARIF:
		return nil
	}
	return fmt.Errorf("unknown output format %q: must be one of %s", format, strings.Join(Formats, ", "))
}

// ColorMode is the --color decision: auto, always or never.
type ColorMode string

// Color modes, as --color spells them.
const (
	ColorAuto   ColorMode = "auto"
	ColorAlways ColorMode = "always"
	ColorNever  ColorMode = "never"
)

// ColorModes lists the accepted --color values in the order help text shows them.
var ColorModes = []string{string(ColorAuto), string(ColorAlways), string(ColorNever)}

// ParseColorMode parses a --color value. The empty string is auto, the default.
func ParseColorMode(s string) (ColorMode, error) {
	switch ColorMode(s) {
	case "", ColorAuto:
		return ColorAuto, nil
	case ColorAlways:
		return ColorAlways, nil
	case ColorNever:
		return ColorNever, nil
	}
	return "", fmt.Errorf("unknown color mode %q: must be one of %s", s, strings.Join(ColorModes, ", "))
}

// Enabled reports whether output written to w should be colored: always → yes, never →
// no, auto (or empty) → only when NO_COLOR is unset or empty, TERM is not "dumb", and w
// itself is a terminal. The decision looks at w, not at os.Stdout as fatih/color's global
// NoColor does, so `kubectl netdoctor ... > file` or a pipe gets no escapes.
func (m ColorMode) Enabled(w io.Writer) bool {
	return colorEnabled(m, w, isTerminal)
}

// colorEnabled is Enabled with the terminal test injected, so tests can pretend to be
// on a terminal and check that NO_COLOR and TERM=dumb still win.
func colorEnabled(m ColorMode, w io.Writer, isTerm func(io.Writer) bool) bool {
	switch m {
	case ColorAlways:
		return true
	case ColorNever:
		return false
	}
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return w != nil && isTerm(w)
}

// isTerminal reports whether w is an *os.File on a terminal; any other writer (buffers,
// pipes wrapped in bufio, test streams) is not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// Options configure a printer. The zero value is text-friendly: auto color, not verbose.
type Options struct {
	// Color is the --color decision; empty means auto.
	Color ColorMode
	// Verbose shows passed checks' details, and reports without problems in a scan.
	Verbose bool
	// Out is the writer whose terminal-ness decides auto color, normally the command's
	// Out stream. When nil, auto decides from the writer given to each Print call.
	Out io.Writer
	// Stream is for --watch, which prints a report per change: JSON one per line (JSON
	// Lines), YAML as separate documents. Text and SARIF ignore it.
	Stream bool
}

// New returns the printer for an -o format ("text", "json" or "yaml"; empty is text).
// Only text uses opts; JSON and YAML are never colored.
func New(format string, opts Options) (Printer, error) {
	if err := ValidateFormat(format); err != nil {
		return nil, err
	}
	if _, err := ParseColorMode(string(opts.Color)); err != nil {
		return nil, err
	}
	switch format {
	case FormatJSON:
		return jsonPrinter{stream: opts.Stream}, nil
	case FormatYAML:
		return yamlPrinter{stream: opts.Stream}, nil
	case FormatSARIF:
		return sarifPrinter{}, nil
	default:
		return newTextPrinter(opts), nil
	}
}

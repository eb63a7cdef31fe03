package printer

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fatih/color"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

// printed is what a printer New builds from format and opts writes for v, a diag.Report
// or a diag.ScanReport.
func printed(t *testing.T, format string, opts Options, v any) []byte {
	t.Helper()
	p, err := New(format, opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	switch v := v.(type) {
	case diag.Report:
		err = p.PrintReport(&buf, v)
	case diag.ScanReport:
		err = p.PrintScan(&buf, v)
	default:
		t.Fatalf("cannot print %T", v)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestNewRejectsUnknownFormat(t *testing.T) {
	t.Parallel()
	_, err := New("xml", Options{})
	if err == nil || err.Error() != `unknown output format "xml": must be one of text, json, yaml, sarif` {
		t.Fatalf("New(xml) error = %v", err)
	}
	if err := ValidateFormat("xml"); err == nil || err.Error() != `unknown output format "xml": must be one of text, json, yaml, sarif` {
		t.Fatalf("ValidateFormat(xml) = %v", err)
	}
	for _, f := range append([]string{""}, Formats...) {
		if err := ValidateFormat(f); err != nil {
			t.Errorf("ValidateFormat(%q) = %v", f, err)
		}
		if _, err := New(f, Options{}); err != nil {
			t.Errorf("New(%q) = %v", f, err)
		}
	}
	if _, err := New("text", Options{Color: "sometimes"}); err == nil {
		t.Error("New accepted color mode sometimes")
	}
}

func TestParseColorMode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]ColorMode{"": ColorAuto, "auto": ColorAuto, "always": ColorAlways, "never": ColorNever} {
		got, err := ParseColorMode(in)
		if err != nil || got != want {
			t.Errorf("ParseColorMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := ParseColorMode("yes")
	if err == nil || err.Error() != `unknown color mode "yes": must be one of auto, always, never` {
		t.Errorf("ParseColorMode(yes) error = %v", err)
	}
}

const esc = "\x1b["

// TestColorModes renders the failing report under each mode. Not parallel: subtests set
// NO_COLOR and TERM.
func TestColorModes(t *testing.T) {
	globalBefore := color.NoColor
	defer func() {
		if color.NoColor != globalBefore {
			t.Errorf("color.NoColor changed from %v to %v: printers must not touch the global", globalBefore, color.NoColor)
		}
	}()

	render := func(t *testing.T, opts Options) string {
		t.Helper()
		return printText(t, opts, failingSvcReport()) + printText(t, opts, scanReport()) +
			printText(t, opts, reachDeniedReport())
	}

	t.Run("always colors", func(t *testing.T) {
		if out := render(t, Options{Color: ColorAlways}); !strings.Contains(out, esc) {
			t.Errorf("no ANSI escapes with --color always:\n%s", out)
		}
	})
	t.Run("always wins over NO_COLOR", func(t *testing.T) {
		t.Setenv("NO_COLOR", "1")
		if out := render(t, Options{Color: ColorAlways}); !strings.Contains(out, esc) {
			t.Errorf("no ANSI escapes with --color always and NO_COLOR:\n%s", out)
		}
	})
	t.Run("never", func(t *testing.T) {
		if out := render(t, Options{Color: ColorNever}); strings.Contains(out, "\x1b") {
			t.Errorf("escape in output with --color never:\n%q", out)
		}
	})
	t.Run("auto with a buffer", func(t *testing.T) {
		t.Setenv("NO_COLOR", "")
		t.Setenv("TERM", "xterm-256color")
		var buf bytes.Buffer
		if out := render(t, Options{Color: ColorAuto}); strings.Contains(out, "\x1b") {
			t.Errorf("escape in output with auto to a buffer:\n%q", out)
		}
		if out := render(t, Options{Color: ColorAuto, Out: &buf}); strings.Contains(out, "\x1b") {
			t.Errorf("escape in output with auto and Out a buffer:\n%q", out)
		}
	})
	t.Run("auto with a regular file", func(t *testing.T) {
		t.Setenv("NO_COLOR", "")
		t.Setenv("TERM", "xterm-256color")
		f, err := os.Create(filepath.Join(t.TempDir(), "out"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if ColorAuto.Enabled(f) {
			t.Error("auto colors a regular file")
		}
		if out := render(t, Options{Color: ColorAuto, Out: f}); strings.Contains(out, "\x1b") {
			t.Errorf("escape in output with auto and Out a file:\n%q", out)
		}
	})
	t.Run("auto with NO_COLOR", func(t *testing.T) {
		t.Setenv("NO_COLOR", "1")
		t.Setenv("TERM", "xterm-256color")
		if out := render(t, Options{Color: ColorAuto}); strings.Contains(out, "\x1b") {
			t.Errorf("escape in output with auto and NO_COLOR:\n%q", out)
		}
	})
}

// TestAutoDecision checks the auto rule against a writer that claims to be a terminal, so
// that NO_COLOR and TERM=dumb are shown to matter on their own. Not parallel: t.Setenv.
func TestAutoDecision(t *testing.T) {
	terminal := func(io.Writer) bool { return true }
	notTerminal := func(io.Writer) bool { return false }
	w := &bytes.Buffer{}
	tests := []struct {
		name    string
		noColor string
		term    string
		isTerm  func(io.Writer) bool
		want    bool
	}{
		{name: "terminal", term: "xterm-256color", isTerm: terminal, want: true},
		{name: "not a terminal", term: "xterm-256color", isTerm: notTerminal, want: false},
		{name: "NO_COLOR set", noColor: "1", term: "xterm-256color", isTerm: terminal, want: false},
		{name: "TERM dumb", term: "dumb", isTerm: terminal, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tt.noColor)
			t.Setenv("TERM", tt.term)
			for _, mode := range []ColorMode{ColorAuto, ""} {
				if got := colorEnabled(mode, w, tt.isTerm); got != tt.want {
					t.Errorf("colorEnabled(%q) = %v, want %v", mode, got, tt.want)
				}
			}
			if !colorEnabled(ColorAlways, w, notTerminal) {
				t.Error("always is not colored")
			}
			if colorEnabled(ColorNever, w, terminal) {
				t.Error("never is colored")
			}
		})
	}
	if colorEnabled(ColorAuto, nil, terminal) {
		t.Error("auto with a nil writer is colored")
	}
}

package printer

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

func watchReports() (broken, fixed diag.Report) {
	svc := diag.ObjectRef{Kind: "Service", Namespace: "shop", Name: "payments"}
	broken = diag.NewReport("svc", svc)
	broken.Add(diag.New(diag.SelectorMatchesNoPods, svc, "Service shop/payments selects app=payment, but no pod has that label"))
	broken.Finalize()
	fixed = diag.NewReport("svc", svc)
	fixed.Add(diag.New(diag.SomePodsNotReady, svc, "1 of 3 pod(s) Ready"))
	fixed.Finalize()
	return broken, fixed
}

func TestTextUpdate(t *testing.T) {
	t.Parallel()
	broken, fixed := watchReports()
	at := time.Date(2026, 12, 3, 14, 3, 7, 0, time.UTC)
	p, _ := New(FormatText, Options{Color: ColorNever})
	var buf bytes.Buffer
	if err := p.(UpdatePrinter).PrintUpdate(&buf, at, broken, fixed); err != nil {
		t.Fatal(err)
	}
	want := `
14:03:07  ✔ resolved  SelectorMatchesNoPods  Service shop/payments
14:03:07  ⚠ appeared  SomePodsNotReady  Service shop/payments: 1 of 3 pod(s) Ready
14:03:07  Root cause: 1 of 3 pod(s) Ready
`
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}

	// Fixed for good: the verdict line says so.
	healthy := diag.NewReport("svc", fixed.Target)
	healthy.Finalize()
	buf.Reset()
	if err := p.(UpdatePrinter).PrintUpdate(&buf, at, fixed, healthy); err != nil {
		t.Fatal(err)
	}
	if want := "\n14:03:07  ✔ resolved  SomePodsNotReady  Service shop/payments\n14:03:07  No problems found: traffic to Service shop/payments should arrive.\n"; buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}

	buf.Reset()
	if err := p.(UpdatePrinter).PrintUpdate(&buf, at, fixed, fixed); err != nil || buf.Len() != 0 {
		t.Errorf("an unchanged diagnosis prints %q (%v), want nothing", buf.String(), err)
	}
}

func TestStreamedReports(t *testing.T) {
	t.Parallel()
	broken, fixed := watchReports()
	for _, tt := range []struct {
		format string
		check  func(out string) bool
	}{
		{FormatJSON, func(out string) bool {
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			return len(lines) == 2 && strings.HasPrefix(lines[0], `{"apiVersion":"netdoctor.dev/v1alpha1","kind":"Report"`) && strings.HasPrefix(lines[1], "{")
		}},
		{FormatYAML, func(out string) bool {
			return strings.Count(out, "---\n") == 2 && strings.HasPrefix(out, "---\napiVersion: netdoctor.dev/v1alpha1\n")
		}},
	} {
		p, _ := New(tt.format, Options{Stream: true})
		var buf bytes.Buffer
		if err := p.PrintReport(&buf, broken); err != nil {
			t.Fatal(err)
		}
		if err := p.(UpdatePrinter).PrintUpdate(&buf, time.Now(), broken, fixed); err != nil {
			t.Fatal(err)
		}
		if err := p.(UpdatePrinter).PrintUpdate(&buf, time.Now(), fixed, fixed); err != nil {
			t.Fatal(err)
		}
		if !tt.check(buf.String()) {
			t.Errorf("%s stream: a report per change expected, got:\n%s", tt.format, buf.String())
		}
	}
}

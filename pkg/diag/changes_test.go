package diag_test

import (
	"reflect"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
)

func TestChanges(t *testing.T) {
	t.Parallel()
	svc := diag.ObjectRef{Kind: "Service", Namespace: "shop", Name: "payments"}
	other := diag.ObjectRef{Kind: "Service", Namespace: "shop", Name: "cart"}
	f := func(id diag.FindingID, obj diag.ObjectRef, msg string, evidence ...string) diag.Finding {
		return diag.Finding{ID: id, Severity: diag.Catalog[id].Severity, Object: obj, Message: msg, Evidence: evidence}
	}
	report := func(fs ...diag.Finding) diag.Report { return diag.Report{Findings: fs} }
	type change struct {
		kind diag.ChangeKind
		id   diag.FindingID
		obj  string
	}
	tests := []struct {
		name       string
		prev, next diag.Report
		want       []change
	}{
		{"nothing changed", report(f(diag.NoReadyPods, svc, "0 of 3")), report(f(diag.NoReadyPods, svc, "0 of 3")), nil},
		{"both empty", report(), report(), nil},
		{"fixed", report(f(diag.SelectorMatchesNoPods, svc, "m")), report(),
			[]change{{diag.ChangeResolved, diag.SelectorMatchesNoPods, "payments"}}},
		{"broke", report(), report(f(diag.NoReadyPods, svc, "m")),
			[]change{{diag.ChangeAppeared, diag.NoReadyPods, "payments"}}},
		{"one cause replaces another, resolved first",
			report(f(diag.SelectorMatchesNoPods, svc, "m")), report(f(diag.NoReadyPods, svc, "n")),
			[]change{{diag.ChangeResolved, diag.SelectorMatchesNoPods, "payments"}, {diag.ChangeAppeared, diag.NoReadyPods, "payments"}}},
		{"same rule, new message", report(f(diag.SomePodsNotReady, svc, "1 of 3")), report(f(diag.SomePodsNotReady, svc, "2 of 3")),
			[]change{{diag.ChangeChanged, diag.SomePodsNotReady, "payments"}}},
		{"same rule, new evidence", report(f(diag.SomePodsNotReady, svc, "m", "a")), report(f(diag.SomePodsNotReady, svc, "m", "b")),
			[]change{{diag.ChangeChanged, diag.SomePodsNotReady, "payments"}}},
		{"same rule on another object is another finding",
			report(f(diag.NoReadyPods, svc, "m")), report(f(diag.NoReadyPods, other, "m")),
			[]change{{diag.ChangeResolved, diag.NoReadyPods, "payments"}, {diag.ChangeAppeared, diag.NoReadyPods, "cart"}}},
	}
	for _, tt := range tests {
		var got []change
		for _, c := range diag.Changes(tt.prev, tt.next) {
			got = append(got, change{c.Kind, c.Finding.ID, c.Finding.Object.Name})
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

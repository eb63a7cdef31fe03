package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

type state struct{ ran []string }

func step(id string, needs []string, r engine.Result) engine.Check[state] {
	return engine.Check[state]{ID: id, Needs: needs, Run: func(_ context.Context, s *state) engine.Result {
		s.ran = append(s.ran, id)
		return r
	}}
}

func TestWalk(t *testing.T) {
	forbidden := &source.ReadError{Verb: "list", Resource: "endpointslices.discovery.k8s.io", Namespace: "shop",
		Err: apierrors.NewForbidden(schema.GroupResource{Group: "discovery.k8s.io", Resource: "endpointslices"}, "", errors.New("RBAC"))}
	timeout := &source.ReadError{Verb: "list", Resource: "pods", Namespace: "shop", Err: apierrors.NewTimeoutError("slow", 1)}
	target := diag.ObjectRef{Kind: "Service", Namespace: "shop", Name: "payments"}
	checks := []engine.Check[state]{
		step("a", nil, engine.Pass("ok")),
		step("b", []string{"a"}, engine.ReadError(forbidden)),
		step("c", []string{"b"}, engine.Pass("never runs")),
		step("d", []string{"a"}, engine.ReadError(timeout)),
		step("e", []string{"a"}, engine.Found("bad", diag.New(diag.NoReadyPods, diag.ObjectRef{}, "no ready pods"))),
		step("f", []string{"e"}, engine.Pass("never runs")),
	}
	s := &state{}
	report := diag.NewReport("svc", target)
	if err := engine.Walk(context.Background(), checks, s, &report); err != nil {
		t.Fatal(err)
	}
	want := map[string]diag.Status{"a": diag.StatusPass, "b": diag.StatusUnknown, "c": diag.StatusSkip,
		"d": diag.StatusUnknown, "e": diag.StatusFail, "f": diag.StatusSkip}
	for _, c := range report.Checks {
		if c.Status != want[c.ID] {
			t.Errorf("check %s: %s, want %s", c.ID, c.Status, want[c.ID])
		}
	}
	if len(s.ran) != 4 {
		t.Errorf("ran %v: skipped checks must not run", s.ran)
	}
	ids := report.IDs()
	if len(ids) != 3 || ids[0] != diag.NoReadyPods {
		t.Errorf("findings %v", ids)
	}
	var sawDenied, sawAPI bool
	for _, f := range report.Findings {
		if f.Object != target {
			t.Errorf("%s has object %v, want the target", f.ID, f.Object)
		}
		sawDenied = sawDenied || f.ID == diag.PermissionDenied
		sawAPI = sawAPI || f.ID == diag.APIError
	}
	if !sawDenied || !sawAPI {
		t.Errorf("want PermissionDenied and APIError, got %v", ids)
	}
	if report.RootCause != "no ready pods" {
		t.Errorf("root cause %q", report.RootCause)
	}
}

func TestWalkStopsOnFatal(t *testing.T) {
	fatal := errors.New("cannot read target")
	checks := []engine.Check[state]{step("a", nil, engine.Result{Fatal: fatal}), step("b", nil, engine.Pass("x"))}
	report := diag.NewReport("svc", diag.ObjectRef{})
	if err := engine.Walk(context.Background(), checks, &state{}, &report); !errors.Is(err, fatal) {
		t.Errorf("err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	type tree struct{}
	run := func(context.Context, *tree) engine.Result { return engine.Pass("ok") }
	tests := []struct {
		name   string
		checks []engine.Check[tree]
		want   string
	}{
		{"wired", []engine.Check[tree]{{ID: "a", Run: run}, {ID: "b", Needs: []string{"a"}, Run: run}, {ID: "c", After: []string{"b"}, Run: run}}, ""},
		{"a need that runs later", []engine.Check[tree]{{ID: "a", Needs: []string{"b"}, Run: run}, {ID: "b", Run: run}}, "a depends on b"},
		{"state read from a later check", []engine.Check[tree]{{ID: "a", After: []string{"b"}, Run: run}, {ID: "b", Run: run}}, "a depends on b"},
		{"a need on no check", []engine.Check[tree]{{ID: "a", Needs: []string{"typo"}, Run: run}}, "a depends on typo"},
		{"a duplicate", []engine.Check[tree]{{ID: "a", Run: run}, {ID: "a", Run: run}}, "duplicate"},
	}
	for _, tt := range tests {
		err := engine.Validate(tt.checks)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

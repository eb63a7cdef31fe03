package engine_test

import (
	"context"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
)

// Two marks never answer for each other, even with the same name: each is its own key.
func TestScanMark(t *testing.T) {
	t.Parallel()
	a, b := engine.NewScanMark("same"), engine.NewScanMark("same")
	ctx := context.Background()
	if a.In(ctx) || b.In(ctx) {
		t.Fatal("an unmarked context is marked")
	}
	marked := a.Set(ctx)
	if !a.In(marked) {
		t.Error("a.Set(ctx) is not marked by a")
	}
	if b.In(marked) {
		t.Error("a.Set(ctx) is marked by b")
	}
	if !a.In(b.Set(marked)) {
		t.Error("a mark is lost under another")
	}
}

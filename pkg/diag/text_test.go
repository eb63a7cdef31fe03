package diag

import (
	"slices"
	"strings"
	"testing"
)

func TestLimit(t *testing.T) {
	abc := []string{"a", "b", "c"}
	for _, tt := range []struct {
		n    int
		more string
		want []string
	}{
		{3, MoreLines, abc},
		{5, MoreInline, abc},
		{2, MoreLines, []string{"a", "b", "... and 1 more"}},
		{1, MoreInline, []string{"a", "and 2 more"}},
		{0, MoreCount, []string{"3 more"}},
	} {
		if got := Limit(abc, tt.n, tt.more); !slices.Equal(got, tt.want) {
			t.Errorf("Limit(%d, %q) = %q, want %q", tt.n, tt.more, got, tt.want)
		}
	}
	if !slices.Equal(abc, []string{"a", "b", "c"}) {
		t.Errorf("Limit modified its input: %q", abc)
	}
}

func TestJoinAnd(t *testing.T) {
	for items, want := range map[string]string{"": "", "a": "a", "a b": "a and b", "a b c": "a, b and c"} {
		if got := JoinAnd(strings.Fields(items)); got != want {
			t.Errorf("JoinAnd(%q) = %q, want %q", items, got, want)
		}
	}
}

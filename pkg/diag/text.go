package diag

import (
	"fmt"
	"strings"
)

// Wordings for the item Limit adds: an evidence line of its own, or the last item of a
// list inside a sentence.
const (
	MoreLines  = "... and %d more"
	MoreInline = "and %d more"
	MoreCount  = "%d more"
)

// Limit keeps the first n items and, when there were more, adds one that says how many,
// in the wording more (MoreLines, MoreInline or MoreCount). items is not modified.
func Limit(items []string, n int, more string) []string {
	if len(items) <= n {
		return items
	}
	return append(append([]string{}, items[:n]...), fmt.Sprintf(more, len(items)-n))
}

// JoinAnd joins items for a sentence: "a", "a and b", "a, b and c".
func JoinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// FirstLine is s up to its first newline: an error's headline for a one-line detail.
func FirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

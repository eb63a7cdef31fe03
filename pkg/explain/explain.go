// Package explain reads the finding reference (docs/checks.md) as sections, one per
// finding ID, for `kubectl netdoctor explain` and for the tests that keep the reference
// complete.
package explain

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/netdoctor/kubectl-netdoctor/docs"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
)

// Section is one `## ID` section: the heading's ID and the lines up to the next
// heading of any level, fenced code blocks included.
type Section struct {
	ID    string
	Lines []string
}

// Body is the section's text without the blank lines around it.
func (s Section) Body() string {
	return strings.Trim(strings.Join(s.Lines, "\n"), "\n")
}

// Parse splits a reference written in Markdown into its `## ` sections. Lines inside
// fenced code blocks are never headings: shell and YAML comments start with '#'.
func Parse(markdown string) ([]Section, error) {
	var sections []Section
	var cur *Section
	inFence := false
	for _, line := range strings.Split(markdown, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
		}
		if !inFence && strings.HasPrefix(line, "#") {
			cur = nil
			if id, ok := strings.CutPrefix(line, "## "); ok {
				sections = append(sections, Section{ID: strings.TrimSpace(id)})
				cur = &sections[len(sections)-1]
			}
			continue
		}
		if cur != nil {
			cur.Lines = append(cur.Lines, line)
		}
	}
	if inFence {
		return sections, fmt.Errorf("unclosed code fence")
	}
	return sections, nil
}

// Reference is the embedded docs/checks.md, parsed once.
type Reference struct {
	byID map[string]Section
}

// Embedded returns the reference compiled into the binary.
func Embedded() (*Reference, error) {
	sections, err := Parse(docs.ChecksMarkdown)
	if err != nil {
		return nil, fmt.Errorf("embedded docs/checks.md: %w", err)
	}
	ref := &Reference{byID: map[string]Section{}}
	for _, s := range sections {
		ref.byID[strings.ToLower(s.ID)] = s
	}
	return ref, nil
}

// UnknownIDError is what Lookup returns for an ID the catalog does not have, with the
// IDs that the user most likely meant.
type UnknownIDError struct {
	ID      string
	Closest []diag.FindingID
}

func (e *UnknownIDError) Error() string {
	msg := fmt.Sprintf("unknown finding ID %q", e.ID)
	if len(e.Closest) > 0 {
		names := make([]string, len(e.Closest))
		for i, id := range e.Closest {
			names[i] = string(id)
		}
		msg += "; did you mean " + strings.Join(names, ", ") + "?"
	}
	return msg + " ('kubectl netdoctor explain' lists every ID)"
}

// Lookup returns the catalog ID and its section for id, matched without regard to case
// (runbooks and people type selectormatchesnopods too).
func (r *Reference) Lookup(id string) (diag.FindingID, Section, error) {
	for _, known := range diag.CatalogOrder {
		if strings.EqualFold(string(known), id) {
			if s, ok := r.byID[strings.ToLower(string(known))]; ok {
				return known, s, nil
			}
			return known, Section{}, fmt.Errorf("%s is in the catalog but docs/checks.md has no section for it", known)
		}
	}
	return "", Section{}, &UnknownIDError{ID: id, Closest: Closest(id)}
}

// Closest returns up to five catalog IDs nearest to id. Finding IDs are long
// CamelCase words, so besides the edit distance an ID also counts as near when it
// shares a word with id (Ready for NoReadyPods and SomePodsNotReady).
func Closest(id string) []diag.FindingID {
	lower := strings.ToLower(id)
	byLower := map[string]diag.FindingID{}
	candidates := make([]string, 0, len(diag.CatalogOrder))
	for _, known := range diag.CatalogOrder {
		l := strings.ToLower(string(known))
		byLower[l] = known
		candidates = append(candidates, l)
	}
	out := []diag.FindingID{}
	seen := map[diag.FindingID]bool{}
	add := func(id diag.FindingID) {
		if !seen[id] && len(out) < 5 {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, name := range kube.SimilarNames(lower, candidates) {
		add(byLower[name])
	}
	words := camelWords(id)
	for _, known := range diag.CatalogOrder {
		for _, w := range camelWords(string(known)) {
			if len(w) >= 4 && containsFold(words, w) {
				add(known)
				break
			}
		}
	}
	return out
}

var camelWord = regexp.MustCompile(`[A-Z]+[a-z0-9]*|[a-z0-9]+`)

func camelWords(s string) []string {
	return camelWord.FindAllString(s, -1)
}

func containsFold(words []string, w string) bool {
	for _, x := range words {
		if strings.EqualFold(x, w) {
			return true
		}
	}
	return false
}

// markdownLink matches [text](target) so that the terminal shows only the text.
var markdownLink = regexp.MustCompile(`\[([^\]]+)\]\([^)]+\)`)

// Plain renders a section for a terminal: links become their text, the rest of the
// Markdown (bold, code fences) stays, as it reads well as plain text.
func Plain(s Section) string {
	return markdownLink.ReplaceAllString(s.Body(), "$1")
}

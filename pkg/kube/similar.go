// Package kube holds Kubernetes semantics that several commands share and that depend
// on no check: pure functions over API objects and names.
package kube

import (
	"sort"
	"strings"
)

// SimilarNames returns the candidates a human most likely meant by name: those within
// a small edit distance, or that contain it or are contained by it (payments vs
// payments-api). Closest first, at most five.
func SimilarNames(name string, candidates []string) []string {
	type scored struct {
		name     string
		distance int
	}
	limit := max(2, len(name)/3)
	var hits []scored
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := EditDistance(name, c)
		if d <= limit || (len(name) >= 3 && (strings.Contains(c, name) || strings.Contains(name, c) && len(c) >= 3)) {
			hits = append(hits, scored{c, d})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].distance != hits[j].distance {
			return hits[i].distance < hits[j].distance
		}
		return hits[i].name < hits[j].name
	})
	out := []string{}
	for i := 0; i < len(hits) && i < 5; i++ {
		out = append(out, hits[i].name)
	}
	return out
}

// EditDistance is the Levenshtein distance between a and b.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

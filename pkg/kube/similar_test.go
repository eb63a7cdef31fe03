package kube_test

import (
	"slices"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
)

func TestSimilarNames(t *testing.T) {
	t.Parallel()
	candidates := []string{"payments", "payments-api", "checkout", "frontend", "paymnts"}
	got := kube.SimilarNames("payment", candidates)
	want := []string{"payments", "paymnts", "payments-api"}
	if !slices.Equal(got, want) {
		t.Errorf("SimilarNames = %q, want %q", got, want)
	}
	if got := kube.SimilarNames("zzz", candidates); len(got) != 0 {
		t.Errorf("no similar names expected, got %q", got)
	}
}

package kube

import "testing"

func TestNamespaceOrDefault(t *testing.T) {
	for in, want := range map[string]string{"": "default", "default": "default", "shop": "shop", "kube-system": "kube-system"} {
		if got := NamespaceOrDefault(in); got != want {
			t.Errorf("NamespaceOrDefault(%q) = %q, want %q", in, got, want)
		}
	}
}

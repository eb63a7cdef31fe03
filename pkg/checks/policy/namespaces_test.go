package policy

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodsByNamespace(t *testing.T) {
	pod := func(ns, name string) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	}
	// Sorted as a Source lists them: pods without a namespace first, then by name.
	pods := []corev1.Pod{pod("", "a"), pod("", "b"), pod("default", "c"), pod("shop", "d"), pod("shop", "e"), pod("web", "f")}
	before := append([]corev1.Pod(nil), pods...)
	got := podsByNamespace(pods)
	names := map[string][]string{}
	for ns, ps := range got {
		for _, p := range ps {
			names[ns] = append(names[ns], p.Name)
		}
	}
	want := map[string][]string{"default": {"a", "b", "c"}, "shop": {"d", "e"}, "web": {"f"}}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("podsByNamespace = %v, want %v", names, want)
	}
	if !reflect.DeepEqual(pods, before) {
		t.Error("podsByNamespace wrote to its input")
	}
	if &got["shop"][0] != &pods[3] {
		t.Error("a namespace of one run should share the input's elements, not copy them")
	}
	if len(podsByNamespace(nil)) != 0 {
		t.Error("no pods, no namespaces")
	}
}

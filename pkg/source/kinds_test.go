package source

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestRegistryKindsRoundTrip reads one manifest of every registered kind, at each
// version the registry names, and checks that it is decoded to the kind's Go type,
// stored in the kind's table, found by name and reported by Has.
func TestRegistryKindsRoundTrip(t *testing.T) {
	for _, k := range registry {
		if k.flags&untyped != 0 {
			continue
		}
		for _, version := range append([]string{k.gv.Version}, k.alsoAt...) {
			gv := schema.GroupVersion{Group: k.gv.Group, Version: version}
			t.Run(gv.WithKind(k.name).String(), func(t *testing.T) {
				namespace := "ns1"
				if k.flags&clusterScope != 0 {
					namespace = ""
				}
				manifest := fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: one\n", gv, k.name)
				store, err := FromFiles([]string{StdinPath}, strings.NewReader(manifest), "ns1")
				if err != nil {
					t.Fatal(err)
				}
				if len(store.Others) != 0 {
					t.Fatalf("kept as %T, not as %s", store.Others[0], k.goType)
				}
				if !store.Has(k.name) {
					t.Fatalf("Has(%q) = false", k.name)
				}
				if n := store.tables[k.name].len(); n != 1 {
					t.Fatalf("%d objects in the table, want 1", n)
				}
				found := false
				store.tables[k.name].eachNamespace(func(ns string) { found = found || ns == namespace })
				if !found {
					t.Errorf("not stored in namespace %q", namespace)
				}
				if got := kindInfoOf(k.newObj()); got != k {
					t.Errorf("kindInfoOf(%T) = %v", k.newObj(), got)
				}
				if _, err := apimeta.Accessor(k.newObj()); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// TestRegistryDeclaresEachKindOnce guards the indexes the registry fills.
func TestRegistryDeclaresEachKindOnce(t *testing.T) {
	if len(kindsByName) != len(registry) || len(kindsByType) != len(registry) {
		t.Fatalf("%d kinds by name, %d by type, %d registered", len(kindsByName), len(kindsByType), len(registry))
	}
	for _, k := range registry {
		if k.goType.Kind() != reflect.Pointer {
			t.Errorf("%s: Go type %s is not a pointer", k.name, k.goType)
		}
		if k.flags&untyped == 0 && k.resource == "" {
			t.Errorf("%s: no resource", k.name)
		}
		if k.flags&clusterScope != 0 && !clusterScoped[schema.GroupKind{Group: k.gv.Group, Kind: k.name}] {
			t.Errorf("%s: cluster-scoped in the registry, namespaced to the loader", k.name)
		}
	}
	if FromObjects().Has("NoSuchKind") {
		t.Error("Has of an unregistered kind")
	}
}

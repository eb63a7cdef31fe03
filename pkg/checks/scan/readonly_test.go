package scan_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/scan"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture/estate"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

// TestScanLeavesItsInputUnchanged holds the checks to the Source contract: lists share
// their elements with an in-memory snapshot, so a check that sorted a list in place or
// wrote to an object would change what every later check (and every other goroutine of
// the scan) reads. scan runs every check; over every fixture, every example and a small
// generated estate, the snapshot must be what it was before, field for field.
func TestScanLeavesItsInputUnchanged(t *testing.T) {
	load := map[string]func(t *testing.T) *source.Objects{}
	small := estate.Config{Seed: 7, Namespaces: 4, Nodes: 8, Pods: 600, Services: 120,
		NetworkPolicies: 60, Ingresses: 20, NotReadyPercent: 5}
	load["estate"] = func(*testing.T) *source.Objects {
		return source.FromObjects(estate.Generate(small).Objects()...)
	}
	for _, run := range slices.Concat(scenarios.RawScanRuns(t), scenarios.ExampleRuns(t)) {
		i := slices.Index(run.Args, "-f")
		if run.Args[0] != "scan" || i < 0 {
			continue
		}
		path := run.Args[i+1]
		load[run.Name] = func(t *testing.T) *source.Objects {
			o, err := source.FromFiles([]string{path}, nil, scenarios.Namespace)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
	}
	if len(load) < 20 {
		t.Fatalf("only %d inputs: the fixture runs were not found", len(load))
	}
	for name, read := range load {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			scanned, untouched := read(t), read(t)
			if !reflect.DeepEqual(scanned, untouched) {
				t.Fatal("two loads of the same input differ before any scan")
			}
			if _, err := scan.Run(context.Background(), scanned, scan.Options{Namespace: source.AllNamespaces}); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(scanned, untouched) {
				t.Error("scan -A changed the snapshot it read: a check sorts a list in place or writes to an object")
			}
		})
	}
}

package scan_test

import (
	"context"
	"sync"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/scan"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture/estate"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

var (
	benchOnce  sync.Once
	benchStore *source.Objects
	benchTotal int
)

// benchSource is the estate of issue 5 (50 namespaces, 10,000 pods, 2,000 Services
// with their EndpointSlices, 1,000 NetworkPolicies, 300 Ingresses) in memory: the same
// cluster hack/bench loads into envtest, without the API server.
func benchSource(b *testing.B) *source.Objects {
	b.Helper()
	benchOnce.Do(func() {
		e := estate.Generate(estate.Default())
		benchStore = source.FromObjects(e.Objects()...)
		benchTotal = len(e.Services)
	})
	return benchStore
}

// BenchmarkScanSnapshot is the pure diagnosis cost of `scan -A` on a production-sized
// cluster: the snapshot (one list per kind from an in-memory source, then indexing)
// and every check of every Service, with no API server or printing involved.
func BenchmarkScanSnapshot(b *testing.B) {
	src := benchSource(b)
	benchmarkScan(b, src, source.AllNamespaces, benchTotal)
}

// BenchmarkScanNamespace is `scan -n` on one namespace of the same cluster.
func BenchmarkScanNamespace(b *testing.B) {
	benchmarkScan(b, benchSource(b), "shop-00", 1)
}

// benchmarkScan times scan.Run over src in namespace; a run that reports on fewer than
// minReports objects did not diagnose what it was meant to, so its time is no answer.
func benchmarkScan(b *testing.B, src *source.Objects, namespace string, minReports int) {
	b.Helper()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		result, err := scan.Run(ctx, src, scan.Options{Namespace: namespace})
		if err != nil {
			b.Fatal(err)
		}
		if len(result.Reports) < minReports {
			b.Fatalf("%d reports, want at least %d", len(result.Reports), minReports)
		}
	}
}

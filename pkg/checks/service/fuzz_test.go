package service_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

// FuzzDiagnoseManifests: any manifest that loads can be diagnosed without a panic,
// whatever odd shapes it holds (missing ports, empty selectors, strange statuses).
func FuzzDiagnoseManifests(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(scenarios.Testdata, "svc", "*.yaml"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		store, err := source.FromFiles([]string{source.StdinPath}, bytes.NewReader(data), "shop")
		if err != nil {
			return
		}
		ctx := context.Background()
		svcs, err := store.Services(ctx, source.AllNamespaces, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, svc := range svcs {
			if _, _, err := service.Diagnose(ctx, store, svc.Namespace, svc.Name); err != nil {
				t.Fatalf("diagnosing %s/%s of loaded input: %v", svc.Namespace, svc.Name, err)
			}
		}
	})
}

package service

// DataPlaneFiles are the fixtures (test/testdata relative) the data plane recipes are
// loaded on top of. The scenario tables live in test/scenarios, which reads this list
// as SvcDataPlaneFiles; it stays here only while pkg/checks/scan/dataplane_test.go,
// under another change now, still reads it from here. Move it into test/scenarios
// once that test does.
var DataPlaneFiles = []string{"dns/cluster-dns.yaml", "reach/apps.yaml", "reach/cni-calico.yaml"}

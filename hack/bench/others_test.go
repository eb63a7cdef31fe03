package main

import (
	"slices"
	"testing"
)

func TestFloorPaths(t *testing.T) {
	got := floorPaths([]string{
		"GET /api/v1/pods?limit=500",
		"GET /api/v1/pods?continue=xyz&limit=500",
		"GET /apis/discovery.k8s.io/v1/endpointslices?limit=500",
		"POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
		"GET /api/v1/namespaces/kube-system/configmaps/coredns",
	})
	want := []string{"/api/v1/pods?limit=500", "/apis/discovery.k8s.io/v1/endpointslices?limit=500", "/api/v1/namespaces/kube-system/configmaps/coredns"}
	if !slices.Equal(got, want) {
		t.Errorf("floorPaths = %q, want %q", got, want)
	}
}

func TestPopeyeSummary(t *testing.T) {
	out := []byte(`{"popeye":{"sections":[{"linter":"services","issues":{"shop/api":[
		{"group":"__root__","gvr":"v1/services","level":3,"message":"[POP-1106] No target ports match service port TCP:http:80"},
		{"group":"__root__","gvr":"v1/services","level":3,"message":"[POP-1106] No target ports match service port TCP:grpc:90"},
		{"group":"__root__","gvr":"v1/services","level":2,"message":"[POP-1109] Only one Pod associated with this endpoint"},
		{"group":"__root__","gvr":"v1/services","level":1,"message":"[POP-1102] Use of target port #8080 for service port TCP::80. Prefer named port"}]}}]}}`)
	want := `issues: 2 errors, 1 warnings, 1 infos, 0 oks; most frequent warnings and errors: [POP-1106] 2 ("No target ports match service port TCP:http:80"), [POP-1109] 1 ("Only one Pod associated with this endpoint")`
	if got := popeyeSummary(out); got != want {
		t.Errorf("popeyeSummary =\n%s\nwant\n%s", got, want)
	}
}

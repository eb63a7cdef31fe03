package diag_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/explain"
)

// parseChecksDoc splits docs/checks.md into its `## ` sections the way `explain` does.
func parseChecksDoc(t *testing.T) []explain.Section {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "checks.md"))
	if err != nil {
		t.Fatalf("read docs/checks.md: %v", err)
	}
	sections, err := explain.Parse(string(raw))
	if err != nil {
		t.Errorf("docs/checks.md: %v", err)
	}
	return sections
}

// TestEveryFindingDocumented: docs/checks.md has exactly one `## ID` section per catalog
// ID, in catalog order, each with the catalog severity and the four parts; every `## `
// heading is a catalog ID.
func TestEveryFindingDocumented(t *testing.T) {
	sections := parseChecksDoc(t)
	count := map[diag.FindingID]int{}
	var order []diag.FindingID
	for _, s := range sections {
		id := diag.FindingID(s.ID)
		if _, ok := diag.Catalog[id]; !ok {
			t.Errorf("docs/checks.md: heading %q is not a catalog finding ID (only IDs may be `## ` headings)", s.ID)
			continue
		}
		count[id]++
		if count[id] == 1 {
			order = append(order, id)
		}

		var severities []string
		for _, line := range s.Lines {
			if v, ok := strings.CutPrefix(line, "Severity:"); ok {
				severities = append(severities, strings.TrimSpace(v))
			}
		}
		want := string(diag.Catalog[id].Severity)
		switch {
		case len(severities) != 1:
			t.Errorf("%s: want exactly one `Severity:` line, found %d", id, len(severities))
		case severities[0] != want:
			t.Errorf("%s: documented severity %q, catalog %q", id, severities[0], want)
		}

		body := strings.Join(s.Lines, "\n")
		for _, part := range []string{"**What it means", "**Why it happens", "**How to fix", "**Confirm with"} {
			if !strings.Contains(body, part) {
				t.Errorf("%s: section lacks %s**", id, part)
			}
		}
	}
	for _, id := range diag.CatalogOrder {
		if count[id] != 1 {
			t.Errorf("%s: want exactly one `## %s` heading in docs/checks.md, found %d", id, id, count[id])
		}
	}
	if !t.Failed() && !slices.Equal(order, diag.CatalogOrder) {
		t.Errorf("docs/checks.md sections are not in catalog order:\n got %v\nwant %v", order, diag.CatalogOrder)
	}
}

// TestRBACIsReadOnly: docs/rbac.yaml parses, its first document is the netdoctor-reader
// ClusterRole, every rule grants exactly get and list, and it covers what netdoctor reads.
func TestRBACIsReadOnly(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "rbac.yaml"))
	if err != nil {
		t.Fatalf("read docs/rbac.yaml: %v", err)
	}
	docs := strings.Split(string(raw), "\n---\n")
	var role rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict([]byte(docs[0]), &role); err != nil {
		t.Fatalf("docs/rbac.yaml first document: %v", err)
	}
	if role.Kind != "ClusterRole" || role.Name != "netdoctor-reader" {
		t.Fatalf("first document is %s %q, want ClusterRole netdoctor-reader", role.Kind, role.Name)
	}
	if len(role.Rules) == 0 {
		t.Fatal("ClusterRole has no rules")
	}
	granted := map[string]bool{}
	for i, r := range role.Rules {
		verbs := slices.Clone(r.Verbs)
		slices.Sort(verbs)
		if !slices.Equal(verbs, []string{"get", "list"}) {
			t.Errorf("rule %d (%v %v): verbs %v, want exactly get and list", i, r.APIGroups, r.Resources, r.Verbs)
		}
		if len(r.NonResourceURLs) > 0 || len(r.ResourceNames) > 0 {
			t.Errorf("rule %d: unexpected nonResourceURLs/resourceNames", i)
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				if g == "*" || res == "*" || strings.Contains(res, "/") {
					t.Errorf("rule %d: wildcard or subresource %q in group %q", i, res, g)
				}
				granted[g+"/"+res] = true
			}
		}
	}
	want := map[string][]string{
		"":                          {"services", "endpoints", "pods", "nodes", "namespaces", "events", "configmaps", "secrets"},
		"discovery.k8s.io":          {"endpointslices"},
		"apps":                      {"statefulsets", "deployments", "daemonsets", "replicasets"},
		"batch":                     {"jobs"},
		"networking.k8s.io":         {"networkpolicies", "ingresses", "ingressclasses"},
		"gateway.networking.k8s.io": {"gateways", "gatewayclasses", "httproutes", "grpcroutes", "tcproutes", "tlsroutes", "referencegrants"},
		"policy.networking.k8s.io":  {"adminnetworkpolicies", "baselineadminnetworkpolicies"},
		"cilium.io":                 {"ciliumnetworkpolicies", "ciliumclusterwidenetworkpolicies"},
		"projectcalico.org":         {"networkpolicies", "globalnetworkpolicies", "tiers", "networksets", "globalnetworksets"},
		"crd.projectcalico.org":     {"networkpolicies", "globalnetworkpolicies", "tiers", "networksets", "globalnetworksets"},
	}
	for g, resources := range want {
		for _, res := range resources {
			if !granted[g+"/"+res] {
				t.Errorf("ClusterRole does not grant %s in group %q", res, g)
			}
		}
	}

	if len(docs) < 2 {
		t.Fatal("docs/rbac.yaml has no ClusterRoleBinding example")
	}
	var binding rbacv1.ClusterRoleBinding
	if err := yaml.UnmarshalStrict([]byte(docs[1]), &binding); err != nil {
		t.Fatalf("docs/rbac.yaml second document: %v", err)
	}
	if binding.Kind != "ClusterRoleBinding" || binding.RoleRef.Kind != "ClusterRole" || binding.RoleRef.Name != role.Name {
		t.Errorf("second document is %s binding %s %q, want a ClusterRoleBinding to ClusterRole %s",
			binding.Kind, binding.RoleRef.Kind, binding.RoleRef.Name, role.Name)
	}
	if !slices.ContainsFunc(binding.Subjects, func(s rbacv1.Subject) bool { return s.Kind == "Group" && s.Name == "oncall" }) {
		t.Errorf("ClusterRoleBinding does not bind group oncall: %+v", binding.Subjects)
	}
}

package policy_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/policy"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

var testdata = filepath.Join("..", "..", "..", "test", "testdata")

const ns = "shop"

// LintScenarios are the scan lints over the reach recipes: each ID fires on its
// recipe and nowhere else (the healthy recipes carry no IDs: no false positives).
var lintScenarios = []struct {
	file string
	want []diag.FindingID
}{
	{"no-policies.yaml", nil},
	{"allow-one-app.yaml", nil},
	{"allow-pods-in-namespace.yaml", nil},
	{"deny-egress-except-dns.yaml", nil},
	{"policy-selects-no-pods.yaml", []diag.FindingID{diag.PolicySelectsNoPods}},
	{"namespace-selector-typo.yaml", []diag.FindingID{diag.NamespaceSelectorMatchesNoNamespaces}},
	{"and-or-confusion.yaml", []diag.FindingID{diag.PolicyPeerAndOrConfusion}},
	{"named-port-missing.yaml", []diag.FindingID{diag.NamedPortNotFound}},
}

func load(t *testing.T, files ...string) *source.Objects {
	t.Helper()
	var objs []runtime.Object
	for _, f := range files {
		o, err := fixture.LoadRecipe(filepath.Join(testdata, f), ns, nil)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o...)
	}
	return source.FromObjects(objs...)
}

func TestLint(t *testing.T) {
	t.Parallel()
	for _, sc := range lintScenarios {
		t.Run(sc.file, func(t *testing.T) {
			t.Parallel()
			src := load(t, "reach/apps.yaml", "reach/"+sc.file)
			for _, namespace := range []string{ns, source.AllNamespaces} {
				findings, err := policy.Lint(context.Background(), src, namespace)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range findings {
					if f.Object.Kind != "NetworkPolicy" || f.Object.Namespace != ns {
						t.Errorf("%s is about %s, want a NetworkPolicy in %s", f.ID, f.Object, ns)
					}
					if f.Message == "" || f.Fix == "" {
						t.Errorf("%s lacks a message or fix: %+v", f.ID, f)
					}
				}
				if got := scenarios.UniqueIDsOf(findings); !slices.Equal(got, sc.want) {
					t.Errorf("namespace %q: findings = %v, want %v", namespace, got, sc.want)
				}
			}
		})
	}
}

// TestLintOfflineWithoutObjects: manifests holding only policies cannot show that a
// selector matches nothing, so those lints stay silent rather than guess.
func TestLintOfflineWithoutObjects(t *testing.T) {
	t.Parallel()
	src := load(t, "reach/policy-selects-no-pods.yaml", "reach/namespace-selector-typo.yaml")
	findings, err := policy.Lint(context.Background(), src, ns)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		switch f.ID {
		case diag.PolicySelectsNoPods:
			t.Errorf("PolicySelectsNoPods without any pod in the input: %s", f.Message)
		}
	}
}

// TestLintHints: the namespaceSelector finding names the label that exists, and the
// selects-no-pods finding names the nearest pod.
func TestLintHints(t *testing.T) {
	t.Parallel()
	src := load(t, "reach/apps.yaml", "reach/namespace-selector-typo.yaml", "reach/policy-selects-no-pods.yaml")
	findings, err := policy.Lint(context.Background(), src, ns)
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	for _, f := range findings {
		text = append(text, f.Message+" | "+strings.Join(f.Evidence, " | "))
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"kubernetes.io/metadata.name: shop-ops", "near miss: api-5d4f8-aaaaa has app=api"} {
		if !strings.Contains(all, want) {
			t.Errorf("findings lack %q:\n%s", want, all)
		}
	}
}

func TestPolicyName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"allow-frontend-to-api":          "allow-frontend-to-api",
		"allow-203.0.113.7-to-API":       "allow-203-0-113-7-to-api",
		"--x--":                          "x",
		"":                               "allow-traffic",
		strings.Repeat("ab-", 40) + "cd": strings.TrimRight(strings.Repeat("ab-", 21), "-"),
	} {
		if got := policy.PolicyName(in); got != want {
			t.Errorf("PolicyName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Package scenarios holds what the test suites share about the fixtures under
// test/testdata and examples/: the scenario tables of every command, the one runner
// that holds a report to a row, and the command lines that run them offline. It is
// imported by _test.go files only, so none of it ships in the binary.
package scenarios

import (
	"context"
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	networkingv1 "k8s.io/api/networking/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

var (
	// RepoRoot is found from this file, so that suites at any depth read the same files.
	RepoRoot = func() string {
		_, file, _, _ := runtime.Caller(0)
		return filepath.Join(filepath.Dir(file), "..", "..")
	}()
	Testdata = filepath.Join(RepoRoot, "test", "testdata")
	Examples = filepath.Join(RepoRoot, "examples")
)

// Namespace is the -n namespace of every offline run, and what "$NS" in fixtures stands for.
const Namespace = "shop"

// RecipeVars are the recipe placeholders for offline runs (a real API server allocates
// the kube-dns ClusterIP).
var RecipeVars = map[string]string{fixture.KubeDNSIPPlaceholder: "10.96.0.10"}

// Execute runs the plugin's root command as `kubectl netdoctor ARGS` would, with the
// output captured.
func Execute(args ...string) (code int, stdout, stderr string) {
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	code = cmd.Execute(cmd.NewCmdNetdoctor(streams), streams, args)
	return code, out.String(), errOut.String()
}

// CommandRun is one command line over fixtures, without the -o flag.
type CommandRun struct {
	Name string
	Args []string
	// Undecided runs exit 2 after printing their report (a reach verdict that depends on
	// a policy netdoctor does not evaluate).
	Undecided bool
}

// ReportJSON runs the command line with -o json and returns what it printed; it fails
// t unless the command diagnosed (exit 0 or 1, or 2 for an Undecided run).
func (r CommandRun) ReportJSON(t *testing.T) string {
	t.Helper()
	code, out, errOut := Execute(append(slices.Clone(r.Args), "-o", "json")...)
	if code != cmd.ExitOK && code != cmd.ExitFindings && !(r.Undecided && code == cmd.ExitCannot) {
		t.Fatalf("netdoctor %s -o json: exit %d, want a diagnosis\nstderr: %s", strings.Join(r.Args, " "), code, errOut)
	}
	return out
}

// Dump writes objects as one `kind: List` JSON file, as `kubectl get -o json` would
// print what the API server holds, and returns its path for -f.
func Dump(t *testing.T, objs []k8sruntime.Object) string {
	t.Helper()
	items := make([]json.RawMessage, 0, len(objs))
	for _, obj := range objs {
		if obj.GetObjectKind().GroupVersionKind().Empty() {
			gvks, _, err := fixture.Scheme.ObjectKinds(obj)
			if err != nil || len(gvks) == 0 {
				t.Fatalf("no kind for %T: %v", obj, err)
			}
			obj.GetObjectKind().SetGroupVersionKind(gvks[0])
		}
		b, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, b)
	}
	list, err := json.MarshalIndent(map[string]any{"apiVersion": "v1", "kind": "List", "items": items}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "input.json")
	if err := os.WriteFile(path, list, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// LoadRecipes returns a loader of recipes (test/testdata relative), in order.
func LoadRecipes(files ...string) func() ([]k8sruntime.Object, error) {
	return func() ([]k8sruntime.Object, error) {
		var objs []k8sruntime.Object
		for _, f := range files {
			o, err := fixture.LoadRecipe(filepath.Join(Testdata, f), Namespace, RecipeVars)
			if err != nil {
				return nil, err
			}
			objs = append(objs, o...)
		}
		return objs, nil
	}
}

// ExpandNamespace replaces the namespace placeholder of fixtures and tables by Namespace.
func ExpandNamespace(s string) string { return expandNamespaceAs(s, Namespace) }

func expandNamespaceAs(s, ns string) string {
	return strings.ReplaceAll(s, fixture.ScenarioNamespacePlaceholder, ns)
}

// ScenarioRuns are the runs of every scenario table, with the targets and flags those
// tables give and the fixtures loaded as their in-memory tests load them (controller
// EndpointSlices and generated certificates included). After the per-command runs, scan
// runs once over every distinct input.
func ScenarioRuns(t *testing.T) []CommandRun {
	dumps := map[string]string{}
	input := func(in Input) string {
		if _, ok := dumps[in.Key]; !ok {
			dumps[in.Key] = Dump(t, in.Objects(t))
		}
		return dumps[in.Key]
	}
	var runs []CommandRun
	add := func(name string, in Input, args []string) {
		runs = append(runs, CommandRun{Name: name, Args: append(args, "-f", input(in))})
	}
	for _, c := range Svc {
		add("svc/"+c.Name(), c.Input(), c.CommandLine(Namespace))
	}
	for _, c := range SvcDataPlane {
		add("svc/dataplane/"+c.Name(), c.Input(), c.CommandLine(Namespace))
	}
	for _, c := range Ingress {
		add("ingress/"+c.Name(), c.Input(), c.CommandLine(Namespace))
	}
	for _, c := range Route {
		add("route/"+c.Name(), c.Input(), c.CommandLine(Namespace))
	}
	for _, c := range Reach {
		add("reach/"+c.Name(), c.Input(), c.CommandLine(Namespace))
		runs[len(runs)-1].Undecided = c.Undecided
	}
	for _, c := range DNS {
		add("dns/"+c.Name(), c.Input(), c.CommandLine(Namespace))
	}
	for _, key := range slices.Sorted(maps.Keys(dumps)) {
		runs = append(runs, CommandRun{Name: "scan/" + key, Args: []string{"scan", "-A", "-n", Namespace, "-f", dumps[key]}})
	}
	return runs
}

// fixtureFiles lists every manifest under test/testdata.
func fixtureFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(Testdata, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".json")) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no fixtures under %s", Testdata)
	}
	return files
}

// RawScanRuns scan every fixture file as a user would hand it to -f: the file itself,
// placeholders filled in, nothing added.
func RawScanRuns(t *testing.T) []CommandRun {
	dir := t.TempDir()
	var runs []CommandRun
	for _, path := range fixtureFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for k, v := range RecipeVars {
			text = strings.ReplaceAll(text, k, v)
		}
		text = ExpandNamespace(text)
		rel, err := filepath.Rel(Testdata, path)
		if err != nil {
			t.Fatal(err)
		}
		copyPath := filepath.Join(dir, strings.ReplaceAll(filepath.ToSlash(rel), "/", "-"))
		if err := os.WriteFile(copyPath, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, CommandRun{Name: "scan/raw/" + filepath.ToSlash(rel), Args: []string{"scan", "-A", "-n", Namespace, "-f", copyPath}})
	}
	return runs
}

// listAll is every T that src holds, in every namespace; a read error fails t.
func listAll[T any](t *testing.T, src source.Source) []T {
	t.Helper()
	items, err := source.List[T](context.Background(), src, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// ExampleRuns diagnose every object of each directory under examples/ with the command
// for its kind: svc for each Service, ingress for each Ingress, route for each route,
// dns for the cluster and each Deployment's pods, reach from each Deployment to each
// Service of its namespace, and scan over the whole directory.
func ExampleRuns(t *testing.T) []CommandRun {
	entries, err := os.ReadDir(Examples)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var runs []CommandRun
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(Examples, e.Name()) + string(filepath.Separator)
		src, err := source.FromFiles([]string{dir}, nil, Namespace)
		if err != nil {
			t.Fatalf("examples/%s: %v", e.Name(), err)
		}
		add := func(args ...string) {
			runs = append(runs, CommandRun{Name: "examples/" + e.Name() + "/" + strings.Join(args, " "), Args: append(args, "-f", dir)})
		}
		add("scan", "-A")
		add("dns")
		services, err := src.Services(ctx, "", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range services {
			add("svc", s.Name, "-n", s.Namespace)
		}
		for _, ing := range listAll[networkingv1.Ingress](t, src) {
			add("ingress", ing.Name, "-n", ing.Namespace)
		}
		for _, r := range listAll[gatewayv1.HTTPRoute](t, src) {
			add("route", r.Name, "-n", r.Namespace)
		}
		for _, d := range listAll[appsv1.Deployment](t, src) {
			add("dns", "deploy/"+d.Name, "-n", d.Namespace)
			for _, s := range services {
				if s.Namespace == d.Namespace {
					add("reach", "deploy/"+d.Name, "svc/"+s.Name, "-n", d.Namespace)
				}
			}
		}
	}
	if len(runs) == 0 {
		t.Fatalf("no examples under %s", Examples)
	}
	return runs
}

// Package scenarios holds what the test suites share about the fixtures under
// test/testdata and examples/: the command lines that run them offline. It is imported
// by _test.go files only, so none of it ships in the binary.
package scenarios

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dns"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/gateway"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/ingress"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/reach"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/service"
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

// Run is one command line over fixtures, without the -o flag.
type Run struct {
	Name string
	Args []string
	// Undecided runs exit 2 after printing their report (a reach verdict that depends on
	// a policy netdoctor does not evaluate).
	Undecided bool
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

// inputs caches one dump per list of fixture files, shared by the runs that load them.
type inputs struct {
	t     *testing.T
	paths map[string]string
}

func (in *inputs) get(key string, load func() ([]k8sruntime.Object, error)) string {
	in.t.Helper()
	if p, ok := in.paths[key]; ok {
		return p
	}
	objs, err := load()
	if err != nil {
		in.t.Fatalf("%s: %v", key, err)
	}
	p := Dump(in.t, fixture.WithControllerSlices(objs))
	in.paths[key] = p
	return p
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

// ExpandNamespace replaces the namespace placeholder of fixtures and tables.
func ExpandNamespace(s string) string {
	return strings.ReplaceAll(s, fixture.ScenarioNamespacePlaceholder, Namespace)
}

// ScenarioRuns are the runs of every scenario table of pkg/checks, with the targets and
// flags those tables give and the fixtures loaded as their suites load them (controller
// EndpointSlices and generated certificates included). After the per-command runs, scan
// runs once over every distinct input.
func ScenarioRuns(t *testing.T) []Run {
	in := &inputs{t: t, paths: map[string]string{}}
	var runs []Run
	add := func(name string, args ...string) { runs = append(runs, Run{Name: name, Args: args}) }
	ns := Namespace

	for _, sc := range service.Scenarios {
		f := in.get("svc/"+sc.File, func() ([]k8sruntime.Object, error) {
			return fixture.Load(filepath.Join(Testdata, "svc", sc.File), ns)
		})
		add("svc/"+sc.File+"/"+sc.Target, "svc", sc.Target, "-n", ns, "-f", f)
	}
	for _, sc := range service.DataPlaneScenarios {
		files := append(append([]string{}, service.DataPlaneFiles...), "reach/"+sc.File)
		f := in.get(strings.Join(files, "+"), LoadRecipes(files...))
		add("svc/dataplane/"+sc.File+"/"+sc.Target, "svc", sc.Target, "-n", ns, "-f", f)
	}
	for _, sc := range ingress.Scenarios {
		f := in.get("ingress/"+sc.File, func() ([]k8sruntime.Object, error) {
			return fixture.LoadScenario(filepath.Join(Testdata, "ingress", sc.File), ns)
		})
		args := []string{"ingress", sc.Target, "-n", ns, "-f", f}
		if sc.ControllerSelector != "" {
			args = append(args, "--controller-selector", ExpandNamespace(sc.ControllerSelector))
		}
		add("ingress/"+sc.File+"/"+sc.Target, args...)
	}
	for _, sc := range gateway.Scenarios {
		f := in.get("gateway/"+sc.File, func() ([]k8sruntime.Object, error) {
			return fixture.LoadScenario(filepath.Join(Testdata, "gateway", sc.File), ns)
		})
		args := []string{"route", sc.Target, "-n", ns, "-f", f}
		if sc.Kind != "" {
			args = append(args, "--kind", sc.Kind)
		}
		add("route/"+sc.File+"/"+sc.Kind+"/"+sc.Target, args...)
	}
	for _, sc := range reach.Scenarios {
		files := []string{"dns/cluster-dns.yaml", "reach/apps.yaml", "reach/" + sc.File}
		if !sc.NoCNI {
			files = append(files, "reach/cni-calico.yaml")
		}
		f := in.get(strings.Join(files, "+"), LoadRecipes(files...))
		args := append([]string{"reach", ExpandNamespace(sc.From), ExpandNamespace(sc.To), "-n", ns, "-f", f}, sc.Args...)
		add("reach/"+sc.Name, args...)
		runs[len(runs)-1].Undecided = sc.Undecided
	}
	for _, sc := range dns.Scenarios {
		files := []string{"dns/cluster-dns.yaml"}
		if strings.HasPrefix(sc.File, "reach/") {
			files = append(files, "reach/apps.yaml")
		}
		files = append(files, sc.File)
		f := in.get(strings.Join(files, "+"), LoadRecipes(files...))
		args := []string{"dns"}
		if sc.Pod != "" {
			args = append(args, ExpandNamespace(sc.Pod))
		}
		add("dns/"+sc.Name, append(append(args, "-n", ns, "-f", f), sc.Args...)...)
	}

	keys := make([]string, 0, len(in.paths))
	for k := range in.paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add("scan/"+k, "scan", "-A", "-n", ns, "-f", in.paths[k])
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
func RawScanRuns(t *testing.T) []Run {
	dir := t.TempDir()
	var runs []Run
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
		runs = append(runs, Run{Name: "scan/raw/" + filepath.ToSlash(rel), Args: []string{"scan", "-A", "-n", Namespace, "-f", copyPath}})
	}
	return runs
}

// ExampleRuns diagnose every object of each directory under examples/ with the command
// for its kind: svc for each Service, ingress for each Ingress, route for each route,
// dns for the cluster and each Deployment's pods, reach from each Deployment to each
// Service of its namespace, and scan over the whole directory.
func ExampleRuns(t *testing.T) []Run {
	entries, err := os.ReadDir(Examples)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var runs []Run
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
			runs = append(runs, Run{Name: "examples/" + e.Name() + "/" + strings.Join(args, " "), Args: append(args, "-f", dir)})
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
		ingresses, err := src.Ingresses(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, ing := range ingresses {
			add("ingress", ing.Name, "-n", ing.Namespace)
		}
		routes, err := src.HTTPRoutes(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range routes {
			add("route", r.Name, "-n", r.Namespace)
		}
		deployments, err := src.Deployments(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range deployments {
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

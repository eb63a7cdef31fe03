package release

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

var repoRoot = filepath.Join("..", "..")

const testTag = "v1.2.3"

// fakeSum stands in for the sha256 the bot computes; krew only checks its shape here.
const fakeSum = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func renderPlugin(t *testing.T) (*Plugin, []string) {
	t.Helper()
	return renderManifest(t, ".krew.yaml")
}

// renderManifest renders the krew-release-bot template at name (relative to the
// repository root) for testTag and parses the result strictly.
func renderManifest(t *testing.T, name string) (*Plugin, []string) {
	t.Helper()
	tmpl, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	out, err := Render(tmpl, testTag, func(url string) (string, string, error) {
		urls = append(urls, url)
		return url, fakeSum, nil
	})
	if err != nil {
		t.Fatalf("render %s as krew-release-bot does: %v", name, err)
	}
	p, err := ParsePlugin(out)
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return p, urls
}

func goreleaser(t *testing.T) *GoReleaser {
	t.Helper()
	g, err := ReadGoReleaser(filepath.Join(repoRoot, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestPluginPlatformsMatchArchives is the guard against a manifest that drifts from the
// artifacts: every archive goreleaser builds has exactly one platform entry whose
// selector, uri, files and bin fit that archive, and there is no other entry.
func TestPluginPlatformsMatchArchives(t *testing.T) {
	p, _ := renderPlugin(t)
	checkPlatformsMatchArchives(t, ".krew.yaml", p)
}

func checkPlatformsMatchArchives(t *testing.T, name string, p *Plugin) {
	t.Helper()
	archives, err := goreleaser(t).ArchivesFor(testTag)
	if err != nil {
		t.Fatal(err)
	}
	if len(archives) == 0 {
		t.Fatal("goreleaser builds no archive")
	}
	if len(p.Spec.Platforms) != len(archives) {
		t.Errorf("%s has %d platform entries, goreleaser builds %d archives", name, len(p.Spec.Platforms), len(archives))
	}
	for _, a := range archives {
		t.Run(a.OS+"_"+a.Arch, func(t *testing.T) {
			var matches []Platform
			for _, pl := range p.Spec.Platforms {
				if pl.Selector.MatchLabels["os"] == a.OS && pl.Selector.MatchLabels["arch"] == a.Arch {
					matches = append(matches, pl)
				}
			}
			if len(matches) != 1 {
				t.Fatalf("want 1 platform entry with selector os=%s arch=%s, got %d", a.OS, a.Arch, len(matches))
			}
			pl := matches[0]
			if len(pl.Selector.MatchLabels) != 2 {
				t.Errorf("selector %v: want exactly os and arch", pl.Selector.MatchLabels)
			}
			if want := ReleaseURLPrefix + testTag + "/" + a.Name; pl.URI != want {
				t.Errorf("uri\n got %s\nwant %s (goreleaser's archive name)", pl.URI, want)
			}
			if pl.Sha256 != fakeSum {
				t.Errorf("sha256 = %q, want the one addURIAndSha computed", pl.Sha256)
			}
			if pl.Bin != a.Binary {
				t.Errorf("bin = %q, want %q (the goreleaser binary)", pl.Bin, a.Binary)
			}
			var from []string
			for _, f := range pl.Files {
				from = append(from, f.From)
				if f.To != "." {
					t.Errorf("files: %s goes to %q, want the plugin root", f.From, f.To)
				}
			}
			// wrap_in_directory is off, so both sit at the archive root under these names.
			for _, want := range []string{a.Binary, "LICENSE"} {
				if !slices.Contains(from, want) {
					t.Errorf("files %v: want %s from the archive root", from, want)
				}
			}
		})
	}
}

// TestGoReleaserConfig pins the parts of .goreleaser.yaml that .krew.yaml, the version
// command and the house style rely on.
func TestGoReleaserConfig(t *testing.T) {
	g := goreleaser(t)
	if g.Version != 2 {
		t.Errorf("version = %d, want the goreleaser v2 schema", g.Version)
	}
	if g.ProjectName != "kubectl-netdoctor" {
		t.Errorf("project_name = %q", g.ProjectName)
	}
	if len(g.Builds) != 1 || len(g.Archives) != 1 {
		t.Fatalf("want one build and one archive, got %d and %d", len(g.Builds), len(g.Archives))
	}
	b, a := g.Builds[0], g.Archives[0]
	if b.Main != "./cmd/kubectl-netdoctor" || b.Binary != "kubectl-netdoctor" {
		t.Errorf("build main %q binary %q", b.Main, b.Binary)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, b.Main, "main.go")); err != nil {
		t.Errorf("build main: %v", err)
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("env %v: want CGO_ENABLED=0", b.Env)
	}
	ldflags := strings.Join(b.Ldflags, " ")
	for _, v := range []string{"version={{ .Version }}", "commit={{ .Commit }}", "date={{ .Date }}"} {
		if !strings.Contains(ldflags, "-X github.com/netdoctor/kubectl-netdoctor/pkg/cmd."+v) {
			t.Errorf("ldflags %q: want -X .../pkg/cmd.%s", ldflags, v)
		}
	}
	// The -X targets must exist, or the linker ignores them silently.
	src, err := os.ReadFile(filepath.Join(repoRoot, "pkg", "cmd", "version.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"version", "commit", "date"} {
		if !regexp.MustCompile(`(?m)^\s*` + v + `\s*=\s*"`).Match(src) {
			t.Errorf("pkg/cmd/version.go: no string variable %q for -X", v)
		}
	}
	if got, want := b.Goos, []string{"linux", "darwin", "windows"}; !slices.Equal(got, want) {
		t.Errorf("goos %v, want %v", got, want)
	}
	if got, want := b.Goarch, []string{"amd64", "arm64"}; !slices.Equal(got, want) {
		t.Errorf("goarch %v, want %v", got, want)
	}
	if a.NameTemplate != "{{ .ProjectName }}_{{ .Tag }}_{{ .Os }}_{{ .Arch }}" {
		t.Errorf("archive name_template %q", a.NameTemplate)
	}
	if a.WrapInDirectory != nil && a.WrapInDirectory != false && a.WrapInDirectory != "false" {
		t.Errorf("wrap_in_directory = %v: .krew.yaml expects files at the archive root", a.WrapInDirectory)
	}
	if !slices.Equal(a.Files, []string{"LICENSE"}) {
		t.Errorf("archive files %v, want [LICENSE]", a.Files)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "LICENSE")); err != nil {
		t.Errorf("archives ship LICENSE: %v", err)
	}
	if g.Checksum.NameTemplate != "checksums.txt" {
		t.Errorf("checksum name_template %q", g.Checksum.NameTemplate)
	}
}

// TestPluginManifest checks what krew's own validation checks (validate-krew-manifest)
// and what the krew index reviewers ask for, on the rendered template.
func TestPluginManifest(t *testing.T) {
	p, urls := renderPlugin(t)
	if p.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || p.Kind != "Plugin" {
		t.Errorf("apiVersion/kind = %s/%s", p.APIVersion, p.Kind)
	}
	if p.Metadata.Name != "netdoctor" {
		t.Errorf("name = %q, want netdoctor", p.Metadata.Name)
	}
	if p.Spec.Version != testTag {
		t.Errorf("version = %q, want the tag %q", p.Spec.Version, testTag)
	}
	if s := p.Spec.ShortDescription; s == "" || strings.ContainsAny(s, "\r\n") || len(s) > 50 {
		t.Errorf("shortDescription %q: want a few words on one line", s)
	}
	for _, want := range []string{"read-only", "Service", "Ingress", "NetworkPolicies", "DNS"} {
		if !strings.Contains(p.Spec.Description, want) {
			t.Errorf("description does not mention %q", want)
		}
	}
	if !strings.Contains(p.Spec.Caveats, "docs/rbac.yaml") || !strings.Contains(p.Spec.Caveats, "get and list") {
		t.Errorf("caveats should say get and list, and point at docs/rbac.yaml")
	}
	if len(urls) != len(p.Spec.Platforms) {
		t.Errorf("addURIAndSha called %d times for %d platforms", len(urls), len(p.Spec.Platforms))
	}
	sha := regexp.MustCompile(`^[a-f0-9]{64}$`)
	for i, pl := range p.Spec.Platforms {
		if pl.URI == "" || pl.Bin == "" || !sha.MatchString(pl.Sha256) {
			t.Errorf("platforms[%d]: uri %q sha256 %q bin %q", i, pl.URI, pl.Sha256, pl.Bin)
		}
	}
}

func TestRenderURLTemplate(t *testing.T) {
	tmpl := []byte(`v: {{ .TagName }}
    {{addURIAndSha "https://example.invalid/{{ .TagName }}/x_{{ .Version }}.tar.gz" .TagName }}
`)
	out, err := Render(tmpl, "v0.3.0", func(url string) (string, string, error) { return url + "?", "ab", nil })
	if err != nil {
		t.Fatal(err)
	}
	want := "v: v0.3.0\n    uri: https://example.invalid/v0.3.0/x_0.3.0.tar.gz?\n    sha256: ab\n"
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// TestCaveatsListTheClusterRole: the RBAC the krew caveats promise is the ClusterRole in
// docs/rbac.yaml, resource for resource, so that neither drifts from the other.
func TestCaveatsListTheClusterRole(t *testing.T) {
	p, _ := renderPlugin(t)
	data, err := os.ReadFile(filepath.Join(repoRoot, "docs", "rbac.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	role := strings.SplitN(string(data), "\n---", 2)[0]
	var cr struct {
		Kind  string `json:"kind"`
		Rules []struct {
			APIGroups []string `json:"apiGroups"`
			Resources []string `json:"resources"`
			Verbs     []string `json:"verbs"`
		} `json:"rules"`
	}
	if err := yaml.Unmarshal([]byte(role), &cr); err != nil || cr.Kind != "ClusterRole" {
		t.Fatalf("docs/rbac.yaml does not start with a ClusterRole: %v", err)
	}
	words := regexp.MustCompile(`[a-z.]+`).FindAllString(p.Spec.Caveats, -1)
	for _, r := range cr.Rules {
		for _, res := range r.Resources {
			if !slices.Contains(words, res) {
				t.Errorf("caveats do not list %s (%v), which docs/rbac.yaml grants", res, r.APIGroups)
			}
		}
		for _, g := range r.APIGroups {
			if g != "" && !strings.Contains(p.Spec.Caveats, "("+g+")") {
				t.Errorf("caveats do not name the API group %s", g)
			}
		}
		if !slices.Equal(r.Verbs, []string{"get", "list"}) {
			t.Errorf("docs/rbac.yaml grants %v on %v: the caveats say get and list only", r.Verbs, r.Resources)
		}
	}
}

// TestKrewTemplateMatchesArchives: .krew.yaml, the template krew-release-bot renders on
// a release tag, names exactly the archives goreleaser builds.
func TestKrewTemplateMatchesArchives(t *testing.T) {
	p, urls := renderManifest(t, ".krew.yaml")
	checkPlatformsMatchArchives(t, ".krew.yaml", p)
	if len(urls) != len(p.Spec.Platforms) {
		t.Errorf("addURIAndSha called %d times for %d platforms", len(urls), len(p.Spec.Platforms))
	}
	if p.Spec.Version != testTag {
		t.Errorf(".krew.yaml version = %q, want the tag %q", p.Spec.Version, testTag)
	}
}

// A GitHub Actions workflow, as far as these tests read it.
type workflow struct {
	Name string `json:"name"`
	// YAML 1.1 reads a plain on: key as the boolean true, and sigs.k8s.io/yaml then
	// names it "true"; a quoted "on": stays "on".
	On          any                    `json:"on"`
	OnYAML11    any                    `json:"true"`
	Permissions any                    `json:"permissions"`
	Jobs        map[string]workflowJob `json:"jobs"`
}

type workflowJob struct {
	RunsOn      any            `json:"runs-on"`
	Permissions any            `json:"permissions"`
	Steps       []workflowStep `json:"steps"`
}

type workflowStep struct {
	Name string            `json:"name"`
	If   string            `json:"if"`
	Uses string            `json:"uses"`
	Run  string            `json:"run"`
	With map[string]any    `json:"with"`
	Env  map[string]string `json:"env"`
}

func readWorkflow(t *testing.T, name string) *workflow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, ".github", "workflows", name))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(w.Jobs) == 0 {
		t.Fatalf("%s has no jobs", name)
	}
	return &w
}

// events is the workflow's on: as event name -> its filters, for the string, list and
// map forms GitHub accepts.
func (w *workflow) events() map[string]any {
	on := w.On
	if on == nil {
		on = w.OnYAML11
	}
	out := map[string]any{}
	switch v := on.(type) {
	case string:
		out[v] = nil
	case []any:
		for _, e := range v {
			out[fmt.Sprint(e)] = nil
		}
	case map[string]any:
		out = v
	}
	return out
}

// action is the action a uses: names, without its @ref.
func (s workflowStep) action() string {
	a, _, _ := strings.Cut(s.Uses, "@")
	return a
}

func (s workflowStep) ref() string {
	_, r, _ := strings.Cut(s.Uses, "@")
	return r
}

func (s workflowStep) with(key string) string {
	if v, ok := s.With[key]; ok && v != nil {
		return fmt.Sprint(v)
	}
	return ""
}

// stepIndex is the index of the first step of job that uses action, or -1.
func stepIndex(job workflowJob, action string) int {
	return slices.IndexFunc(job.Steps, func(s workflowStep) bool { return s.action() == action })
}

// moduleVersion reads the version at which a tools go.mod requires module.
func moduleVersion(t *testing.T, gomod, module string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, gomod))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "require" && f[1] == module {
			return f[2]
		}
		if len(f) >= 2 && f[0] == module {
			return f[1]
		}
	}
	t.Fatalf("%s does not require %s", gomod, module)
	return ""
}

// readmeTestCommand is the command the README gives newcomers for "every test": the
// line of a sh block whose comment starts with "every test".
func readmeTestCommand(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	inSh := false
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "```"):
			inSh = !inSh && strings.TrimPrefix(line, "```") == "sh"
		case inSh:
			cmd, comment, ok := strings.Cut(line, "#")
			if ok && strings.HasPrefix(strings.TrimSpace(comment), "every test") {
				cmds = append(cmds, strings.TrimSpace(cmd))
			}
		}
	}
	if len(cmds) != 1 || cmds[0] == "" {
		t.Fatalf("README.md: want one sh line commented \"every test\", got %q", cmds)
	}
	return cmds[0]
}

// TestCIWorkflowRunsTheREADMETestCommand: the CI workflow runs, on every push and pull
// request, exactly the test command the README gives, after checkout, setup-go from
// go.mod and a restore of the bin/k8s cache that hack/envtest.sh fills, keyed on what
// decides the binaries in it.
func TestCIWorkflowRunsTheREADMETestCommand(t *testing.T) {
	want := readmeTestCommand(t)
	w := readWorkflow(t, "ci.yml")
	events := w.events()
	for _, e := range []string{"push", "pull_request"} {
		if _, ok := events[e]; !ok {
			t.Errorf("ci.yml does not run on %s (on: %v)", e, events)
		}
	}
	envtest, err := os.ReadFile(filepath.Join(repoRoot, "hack", "envtest.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(envtest), `"$root/bin/k8s/`) {
		t.Fatalf("hack/envtest.sh no longer builds into bin/k8s: update the cache in ci.yml")
	}
	var found bool
	for id, job := range w.Jobs {
		run := slices.IndexFunc(job.Steps, func(s workflowStep) bool { return strings.TrimSpace(s.Run) == want })
		if run < 0 {
			continue
		}
		found = true
		if job.RunsOn != "ubuntu-latest" {
			t.Errorf("job %s runs on %v, want ubuntu-latest", id, job.RunsOn)
		}
		if job.Steps[run].If != "" {
			t.Errorf("job %s: %q runs only if %s", id, want, job.Steps[run].If)
		}
		checkout, setup := stepIndex(job, "actions/checkout"), stepIndex(job, "actions/setup-go")
		if checkout < 0 || setup < 0 || checkout > setup || setup > run {
			t.Errorf("job %s: want actions/checkout, then actions/setup-go, then %q", id, want)
		}
		if setup >= 0 {
			s := job.Steps[setup]
			if s.with("go-version-file") != "go.mod" {
				t.Errorf("job %s: setup-go go-version-file = %q, want go.mod", id, s.with("go-version-file"))
			}
			if c := s.with("cache"); c != "" && c != "true" {
				t.Errorf("job %s: setup-go cache = %s, want the module and build cache", id, c)
			}
		}
		cache := slices.IndexFunc(job.Steps, func(s workflowStep) bool {
			return s.action() == "actions/cache" && slices.Contains(strings.Fields(s.with("path")), "bin/k8s")
		})
		if cache < 0 || cache > run {
			t.Errorf("job %s: want an actions/cache step for bin/k8s before %q", id, want)
			continue
		}
		key := job.Steps[cache].with("key")
		for _, f := range []string{"hack/tools/go.sum", "hack/etcd/go.sum", "hack/envtest.sh"} {
			if !strings.Contains(key, "'"+f+"'") || !strings.Contains(key, "hashFiles(") {
				t.Errorf("job %s: bin/k8s cache key %q does not hash %s", id, key, f)
			}
		}
	}
	if !found {
		t.Errorf("no job of ci.yml runs the README's test command %q", want)
	}
}

// TestReleaseWorkflow: a v* tag runs goreleaser at the version hack/release/go.mod pins
// (the one hack/release-smoke.sh proves), with the full history and a token that may
// write the release, then krew-release-bot at a pinned tag on the template it reads.
func TestReleaseWorkflow(t *testing.T) {
	w := readWorkflow(t, "release.yml")
	events := w.events()
	if len(events) != 1 {
		t.Errorf("release.yml runs on %v, want push of tags only", events)
	}
	push, _ := events["push"].(map[string]any)
	tags, _ := push["tags"].([]any)
	if len(tags) != 1 || tags[0] != "v*" {
		t.Errorf("release.yml on.push.tags = %v, want [v*]", push["tags"])
	}
	for _, k := range []string{"branches", "branches-ignore", "paths", "paths-ignore"} {
		if _, ok := push[k]; ok {
			t.Errorf("release.yml on.push has %s: a tag push alone must release", k)
		}
	}
	if len(w.Jobs) != 1 {
		t.Fatalf("release.yml: want one job, got %d", len(w.Jobs))
	}
	pinned := moduleVersion(t, "hack/release/go.mod", "github.com/goreleaser/goreleaser/v2")
	for id, job := range w.Jobs {
		if job.RunsOn != "ubuntu-latest" {
			t.Errorf("job %s runs on %v, want ubuntu-latest", id, job.RunsOn)
		}
		perms := job.Permissions
		if perms == nil {
			perms = w.Permissions
		}
		if p, _ := perms.(map[string]any); p["contents"] != "write" {
			t.Errorf("job %s: permissions %v, want contents: write to publish the release", id, perms)
		}
		checkout := stepIndex(job, "actions/checkout")
		setup := stepIndex(job, "actions/setup-go")
		release := stepIndex(job, "goreleaser/goreleaser-action")
		bot := stepIndex(job, "rajatjindal/krew-release-bot")
		if checkout < 0 || setup < 0 || release < 0 || bot < 0 || !(checkout < setup && setup < release && release < bot) {
			t.Fatalf("job %s: want checkout, setup-go, goreleaser-action, krew-release-bot in that order, got indexes %d %d %d %d",
				id, checkout, setup, release, bot)
		}
		if d := job.Steps[checkout].with("fetch-depth"); d != "0" {
			t.Errorf("checkout fetch-depth = %q, want 0: goreleaser needs the tags and history", d)
		}
		if f := job.Steps[setup].with("go-version-file"); f != "go.mod" {
			t.Errorf("setup-go go-version-file = %q, want go.mod", f)
		}
		g := job.Steps[release]
		if g.ref() != "v6" {
			t.Errorf("goreleaser-action@%s, want v6", g.ref())
		}
		if d := g.with("distribution"); d != "goreleaser" {
			t.Errorf("goreleaser-action distribution = %q, want goreleaser", d)
		}
		if v := g.with("version"); v != pinned {
			t.Errorf("goreleaser-action version = %q, want %s, the version hack/release/go.mod pins", v, pinned)
		}
		if a := g.with("args"); a != "release --clean" {
			t.Errorf("goreleaser-action args = %q, want release --clean", a)
		}
		if tok := g.Env["GITHUB_TOKEN"]; tok != "${{ secrets.GITHUB_TOKEN }}" {
			t.Errorf("goreleaser-action env GITHUB_TOKEN = %q", tok)
		}
		b := job.Steps[bot]
		if !regexp.MustCompile(`^v\d+\.\d+\.\d+$`).MatchString(b.ref()) {
			t.Errorf("krew-release-bot@%s: want a pinned version tag", b.ref())
		}
		template := b.with("krew_template_file")
		if template == "" {
			template = ".krew.yaml" // the bot's default
		}
		if _, err := os.Stat(filepath.Join(repoRoot, template)); err != nil {
			t.Errorf("krew-release-bot renders %s: %v", template, err)
		}
	}
}

package release

import (
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
	tmpl, err := os.ReadFile(filepath.Join(repoRoot, "plugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	out, err := Render(tmpl, testTag, func(url string) (string, string, error) {
		urls = append(urls, url)
		return url, fakeSum, nil
	})
	if err != nil {
		t.Fatalf("render plugin.yaml as krew-release-bot does: %v", err)
	}
	p, err := ParsePlugin(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
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
	archives, err := goreleaser(t).ArchivesFor(testTag)
	if err != nil {
		t.Fatal(err)
	}
	if len(archives) == 0 {
		t.Fatal("goreleaser builds no archive")
	}
	if len(p.Spec.Platforms) != len(archives) {
		t.Errorf("plugin.yaml has %d platform entries, goreleaser builds %d archives", len(p.Spec.Platforms), len(archives))
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

// TestGoReleaserConfig pins the parts of .goreleaser.yaml that plugin.yaml, the version
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
		t.Errorf("wrap_in_directory = %v: plugin.yaml expects files at the archive root", a.WrapInDirectory)
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

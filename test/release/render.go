// Package release keeps the krew manifest template (.krew.yaml) and the goreleaser
// configuration (.goreleaser.yaml) in step. It renders the template exactly as
// krew-release-bot does, for the release test and for hack/krew-index, which builds
// the local krew index of hack/release-smoke.sh.
package release

import (
	"bytes"
	"fmt"
	"os"
	"text/template"

	"sigs.k8s.io/yaml"
)

// ReleaseURLPrefix is where GitHub serves release assets; .krew.yaml's URIs start with it.
const ReleaseURLPrefix = "https://github.com/netdoctor/kubectl-netdoctor/releases/download/"

// Resolver maps an archive URL of the template (already rendered for the tag) to the
// uri written into the manifest and the sha256 of the archive found there.
// krew-release-bot keeps the URL and downloads the archive to hash it.
type Resolver func(url string) (uri, sha256 string, err error)

// Render executes a krew-release-bot template for tag: .TagName is the tag, and
// addURIAndSha URL TAG renders URL (itself a template over .TagName and .Version) and
// returns "uri: <uri>\n    sha256: <sum>", the two lines of a platform entry at the
// four-space indentation the bot assumes.
func Render(tmpl []byte, tag string, resolve Resolver) ([]byte, error) {
	var resolveErr error
	funcs := template.FuncMap{
		"addURIAndSha": func(url, tag string) (string, error) {
			u, err := renderURL(url, tag)
			if err != nil {
				return "", err
			}
			uri, sum, err := resolve(u)
			if err != nil {
				resolveErr = err
				return "", err
			}
			return fmt.Sprintf("uri: %s\n    sha256: %s", uri, sum), nil
		},
	}
	t, err := template.New(".krew.yaml").Funcs(funcs).Option("missingkey=error").Parse(string(tmpl))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := t.Execute(&out, struct{ TagName string }{TagName: tag}); err != nil {
		if resolveErr != nil {
			return nil, resolveErr
		}
		return nil, err
	}
	return out.Bytes(), nil
}

func renderURL(url, tag string) (string, error) {
	t, err := template.New("url").Option("missingkey=error").Parse(url)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	err = t.Execute(&b, struct{ TagName, Version string }{TagName: tag, Version: versionOf(tag)})
	return b.String(), err
}

// versionOf is the bot's .Version inside addURIAndSha: the tag without its "v".
func versionOf(tag string) string {
	if len(tag) > 1 && tag[0] == 'v' {
		return tag[1:]
	}
	return tag
}

// Plugin is the part of krew's v1alpha2 Plugin that the release checks read. Parsing is
// strict, so a misspelt field in .krew.yaml fails the test rather than being ignored
// by krew.
type Plugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string     `json:"version"`
		Homepage         string     `json:"homepage"`
		ShortDescription string     `json:"shortDescription"`
		Description      string     `json:"description"`
		Caveats          string     `json:"caveats"`
		Platforms        []Platform `json:"platforms"`
	} `json:"spec"`
}

// Platform is one spec.platforms entry of a krew manifest.
type Platform struct {
	Selector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	} `json:"selector"`
	URI    string `json:"uri"`
	Sha256 string `json:"sha256"`
	Files  []struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"files"`
	Bin string `json:"bin"`
}

// ParsePlugin reads a rendered manifest strictly.
func ParsePlugin(data []byte) (*Plugin, error) {
	var p Plugin
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return nil, fmt.Errorf("krew manifest: %w", err)
	}
	return &p, nil
}

// GoReleaser is the part of .goreleaser.yaml that decides archive names and contents.
type GoReleaser struct {
	Version     int    `json:"version"`
	ProjectName string `json:"project_name"`
	Builds      []struct {
		ID      string   `json:"id"`
		Main    string   `json:"main"`
		Binary  string   `json:"binary"`
		Env     []string `json:"env"`
		Ldflags []string `json:"ldflags"`
		Goos    []string `json:"goos"`
		Goarch  []string `json:"goarch"`
	} `json:"builds"`
	Archives []struct {
		ID              string   `json:"id"`
		NameTemplate    string   `json:"name_template"`
		Formats         []string `json:"formats"`
		FormatOverrides []struct {
			Goos    string   `json:"goos"`
			Formats []string `json:"formats"`
		} `json:"format_overrides"`
		WrapInDirectory any      `json:"wrap_in_directory"`
		Files           []string `json:"files"`
	} `json:"archives"`
	Checksum struct {
		NameTemplate string `json:"name_template"`
	} `json:"checksum"`
}

// ReadGoReleaser reads the fields of a goreleaser configuration that archives depend on.
func ReadGoReleaser(path string) (*GoReleaser, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var g GoReleaser
	if err := yaml.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &g, nil
}

// Archive is one archive goreleaser produces for a release.
type Archive struct {
	OS, Arch string
	Name     string // file name, with extension
	Binary   string // binary name inside the archive root
}

// ArchivesFor lists the archives of the first build and archive of g for tag, in goos ×
// goarch order, by executing the archive name_template with goreleaser's field names.
func (g *GoReleaser) ArchivesFor(tag string) ([]Archive, error) {
	if len(g.Builds) == 0 || len(g.Archives) == 0 {
		return nil, fmt.Errorf("goreleaser config needs a build and an archive")
	}
	b, a := g.Builds[0], g.Archives[0]
	t, err := template.New("name_template").Option("missingkey=error").Parse(a.NameTemplate)
	if err != nil {
		return nil, err
	}
	var out []Archive
	for _, goos := range b.Goos {
		for _, goarch := range b.Goarch {
			var name bytes.Buffer
			fields := map[string]string{"ProjectName": g.ProjectName, "Tag": tag, "Version": versionOf(tag), "Os": goos, "Arch": goarch}
			if err := t.Execute(&name, fields); err != nil {
				return nil, err
			}
			format := first(a.Formats, "tar.gz")
			for _, o := range a.FormatOverrides {
				if o.Goos == goos {
					format = first(o.Formats, format)
				}
			}
			bin := b.Binary
			if goos == "windows" {
				bin += ".exe"
			}
			out = append(out, Archive{OS: goos, Arch: goarch, Name: name.String() + "." + format, Binary: bin})
		}
	}
	return out, nil
}

func first(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}

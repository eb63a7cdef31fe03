package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// The yardsticks measured beside netdoctor on the same estate and API server (issue 13):
// the floor, Popeye, and netdoctor itself at an earlier commit.

// popeyeVersion is the Popeye that hack/popeye/go.mod pins.
const popeyeVersion = "v0.22.1"

// popeyeSections are Popeye's networking linters: Services (their endpoints and ports
// against the pods), Ingresses, NetworkPolicies.
const popeyeSections = "svc,ing,np"

type otherTools struct {
	floor       string // the floor client (hack/bench/floor)
	floorPaths  []string
	popeye      string
	baseline    string // the plugin built at baselineRef
	baselineRef string
}

// commands are the yardsticks that could be built, as commands to measure.
func (o otherTools) commands(kubeconfig, tmp string) []command {
	var cmds []command
	if len(o.floorPaths) > 0 {
		args := func(k string) []string { return append([]string{"-kubeconfig", k}, o.floorPaths...) }
		cmds = append(cmds, command{Name: floorName, Display: fmt.Sprintf("floor: the %d reads of scan -A, paginated, protobuf, bytes dropped", len(o.floorPaths)),
			Path: o.floor, Args: args(kubeconfig), ProxyArgs: args})
	}
	if o.popeye != "" {
		logs := filepath.Join(tmp, "popeye.log")
		args := func(k string) []string {
			return []string{"--kubeconfig", k, "-A", "-s", popeyeSections, "-o", "json", "--force-exit-zero", "--logs", logs}
		}
		cmds = append(cmds, command{Name: popeyeName, Display: "popeye -A -s " + popeyeSections + " -o json (" + popeyeVersion + ")",
			Path: o.popeye, Args: args(kubeconfig), ProxyArgs: args, Popeye: true})
	}
	if o.baseline != "" {
		args := func(k string) []string { return []string{"--kubeconfig", k, "scan", "-A", "-o", "json", "--stats"} }
		cmds = append(cmds, command{Name: baselineName(o.baselineRef), Display: "kubectl netdoctor scan -A -o json, built at " + o.baselineRef,
			Path: o.baseline, Args: args(kubeconfig), ProxyArgs: args, Scan: true})
	}
	return cmds
}

const (
	floorName  = "floor"
	popeyeName = "popeye"
)

func baselineName(ref string) string { return "scan -A @ " + ref }

// ensurePopeye builds Popeye from hack/popeye into bin/popeye/VERSION once (several
// minutes cold) and returns its path.
func ensurePopeye(ctx context.Context, root string) (string, error) {
	path := filepath.Join(root, "bin", "popeye", popeyeVersion, "popeye")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	logf("building Popeye %s from hack/popeye (a cold build takes several minutes)", popeyeVersion)
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", path+".tmp", "github.com/derailed/popeye")
	build.Dir, build.Stdout, build.Stderr = filepath.Join(root, "hack", "popeye"), os.Stderr, os.Stderr
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building Popeye: %w", err)
	}
	return path, os.Rename(path+".tmp", path)
}

// buildAt builds the plugin as it was at git ref, in a temporary worktree.
func buildAt(ctx context.Context, root, ref, tmp string) (string, error) {
	dir := filepath.Join(tmp, "baseline-src")
	git := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir, cmd.Stderr = root, os.Stderr
		return cmd.Run()
	}
	if err := git("worktree", "add", "--detach", dir, ref); err != nil {
		return "", fmt.Errorf("git worktree add %s: %w", ref, err)
	}
	defer func() { _ = git("worktree", "remove", "--force", dir) }()
	logf("building kubectl-netdoctor at %s", ref)
	out := filepath.Join(tmp, "kubectl-netdoctor-baseline")
	return out, goBuild(ctx, dir, out, "./cmd/kubectl-netdoctor")
}

// popeyeSummary counts Popeye's issues by level in its JSON report, and names its most
// frequent warnings and errors by code with one message each, so that the page can say
// what Popeye found, not only how much. Its schema is walked loosely (any object with a
// numeric "level" and a "message" is an issue), so that a change of nesting between
// Popeye versions does not break the count.
func popeyeSummary(out []byte) string {
	var doc any
	if err := json.Unmarshal(out, &doc); err != nil {
		return "unparsable output: " + err.Error()
	}
	levels := map[int]int{}
	codes := map[string]int{}
	example := map[string]string{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			lvl, isLevel := v["level"].(float64)
			msg, isMessage := v["message"].(string)
			if isLevel && isMessage {
				levels[int(lvl)]++
				if lvl >= 2 {
					code := popeyeCode.FindString(msg)
					codes[code]++
					if _, ok := example[code]; !ok {
						example[code] = strings.TrimSpace(strings.TrimPrefix(msg, code))
					}
				}
				return
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	names := []string{"ok", "info", "warning", "error"}
	var parts []string
	for _, lvl := range slices.Backward([]int{0, 1, 2, 3}) {
		parts = append(parts, fmt.Sprintf("%d %ss", levels[lvl], names[lvl]))
	}
	byCount := slices.Sorted(mapsKeys(codes))
	slices.SortStableFunc(byCount, func(a, b string) int { return codes[b] - codes[a] })
	var top []string
	for _, code := range byCount[:min(len(byCount), 4)] {
		top = append(top, fmt.Sprintf("%s %d (%q)", code, codes[code], example[code]))
	}
	return "issues: " + strings.Join(parts, ", ") + "; most frequent warnings and errors: " + strings.Join(top, ", ")
}

var popeyeCode = regexp.MustCompile(`^\[POP-\d+\]`)

// floorPaths turns the requests a scan made ("GET /api/v1/pods?limit=500&continue=...")
// into the distinct first pages to read again.
func floorPaths(recorded []string) []string {
	var out []string
	for _, r := range recorded {
		method, uri, ok := strings.Cut(r, " ")
		if !ok || method != http.MethodGet {
			continue
		}
		u, err := url.Parse(uri)
		if err != nil {
			continue
		}
		q := u.Query()
		q.Del("continue")
		u.RawQuery = q.Encode()
		if p := u.RequestURI(); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// loadLarge reads the measurements of a larger estate saved with -save; none for "".
func loadLarge(path string) (*report, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var large report
	if err := json.Unmarshal(data, &large); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &large, nil
}

package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// fixtureUser writes test fixtures; every other non-system user is netdoctor.
const fixtureUser = "fixture-writer"

const auditPolicyYAML = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
`

// envtestAdmin is the user envtest.Environment itself uses, to install the CRDs of
// CRDDirectoryPaths before any test runs; netdoctor never runs as it.
const envtestAdmin = "admin"

// readVerbs are the only verbs netdoctor may use.
var readVerbs = map[string]bool{"get": true, "list": true, "watch": true}

// assertReadOnly reads the API server's audit log after the whole suite and fails if any
// request of a netdoctor user (everyone but the fixture writer and the control plane
// itself) used a verb other than get, list or watch. It also fails when netdoctor made
// no request at all, so the check cannot pass vacuously.
func assertReadOnly(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	reads := 0
	var writes []string
	for scanner.Scan() {
		var event struct {
			Verb       string `json:"verb"`
			RequestURI string `json:"requestURI"`
			User       struct {
				Username string `json:"username"`
			} `json:"user"`
		}
		if err := json.Unmarshal(scanner.Bytes(), &event); err != nil {
			return fmt.Errorf("audit line: %w", err)
		}
		user := event.User.Username
		if user == fixtureUser || user == envtestAdmin || user == "" || strings.HasPrefix(user, "system:") {
			continue
		}
		if readVerbs[event.Verb] {
			reads++
			continue
		}
		writes = append(writes, fmt.Sprintf("%s %s %s", user, event.Verb, event.RequestURI))
	}
	if err := scanner.Err(); err != nil {
		return err
	}
	if len(writes) > 0 {
		sort.Strings(writes)
		return fmt.Errorf("netdoctor wrote to the cluster:\n  %s", strings.Join(writes, "\n  "))
	}
	if reads == 0 {
		return fmt.Errorf("no netdoctor request in the audit log %s", path)
	}
	fmt.Printf("read-only audit: %d netdoctor requests, all get/list/watch\n", reads)
	return nil
}

// Command floor is the least any tool can do to read what `scan -A` reads: the same
// requests (recorded through the counting proxy), each list followed page by page, in
// the wire format a client would pick (protobuf for built-in kinds, JSON for the rest),
// every kind at once, the bytes read and dropped. Only the continue token of each page
// is decoded. netdoctor's ratio to it is what its decoding, indexing and diagnosing cost.
//
// hack/bench builds it and runs it as a subprocess, measured exactly as the other
// commands are:
//
//	floor -kubeconfig FILE PATH...
//
// with the request paths hack/bench recorded of scan -A. It prints a --stats line like
// netdoctor's on stderr.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

const protobufMedia = "application/vnd.kubernetes.protobuf"

// builtInGroups are the API groups kube-apiserver serves from its own types, which
// speak protobuf; CRDs (gateway.networking.k8s.io and policy.networking.k8s.io among
// them) and discovery documents speak JSON only.
var builtInGroups = []string{"apps", "batch", "autoscaling", "policy", "networking.k8s.io", "discovery.k8s.io",
	"rbac.authorization.k8s.io", "storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "node.k8s.io",
	"certificates.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io", "resource.k8s.io",
	"admissionregistration.k8s.io", "apiextensions.k8s.io"}

// builtIn reports whether path lists or gets objects of a built-in kind.
func builtIn(path string) bool {
	if strings.HasPrefix(path, "/api/v1/") {
		return true
	}
	rest, ok := strings.CutPrefix(path, "/apis/")
	if !ok {
		return false
	}
	group, version, _ := strings.Cut(rest, "/")
	return version != "" && slices.Contains(builtInGroups, group)
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "the cluster to read")
	flag.Parse()
	if err := run(*kubeconfig, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

// run reads every path of paths from the cluster of kubeconfig.
func run(kubeconfig string, paths []string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	var requests, read atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, len(paths))
	for i, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = readAll(context.Background(), client, cfg.Host, p, &requests, &read)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "stats: %d API requests, %.1f KiB read, %s\n", requests.Load(), float64(read.Load())/1024, time.Since(start).Round(time.Millisecond))
	return nil
}

// readAll reads path and its further pages.
func readAll(ctx context.Context, client *http.Client, host, path string, requests, read *atomic.Int64) error {
	accept := "application/json"
	if builtIn(path) {
		accept = protobufMedia + ", application/json"
	}
	next := ""
	for {
		u, err := url.Parse(host + path)
		if err != nil {
			return err
		}
		if next != "" {
			q := u.Query()
			q.Set("continue", next)
			u.RawQuery = q.Encode()
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", accept)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		requests.Add(1)
		read.Add(int64(len(body)))
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusNotFound {
			return nil // a kind the cluster does not serve, as scan saw it
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		if next, err = continueToken(resp.Header.Get("Content-Type"), body); err != nil || next == "" {
			return err
		}
	}
}

// continueToken is the list's metadata.continue. A protobuf list is the "k8s\x00"
// envelope around runtime.Unknown{raw: 2}, whose raw message has ListMeta as field 1
// and the token as ListMeta's field 3.
func continueToken(contentType string, body []byte) (string, error) {
	if !strings.HasPrefix(contentType, protobufMedia) {
		var list struct {
			Metadata struct {
				Continue string `json:"continue"`
			} `json:"metadata"`
		}
		// Decoding the page is what any JSON client pays; only CRDs are read as JSON.
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&list); err != nil {
			return "", err
		}
		return list.Metadata.Continue, nil
	}
	raw, ok := field(bytes.TrimPrefix(body, []byte("k8s\x00")), 2)
	if !ok {
		return "", errors.New("protobuf response without a raw object")
	}
	meta, ok := field(raw, 1)
	if !ok {
		return "", nil
	}
	token, _ := field(meta, 3)
	return string(token), nil
}

// field returns the first length-delimited field num of a protobuf message.
func field(msg []byte, num protowire.Number) ([]byte, bool) {
	for len(msg) > 0 {
		n, typ, l := protowire.ConsumeTag(msg)
		if l < 0 {
			return nil, false
		}
		msg = msg[l:]
		if n == num && typ == protowire.BytesType {
			v, l := protowire.ConsumeBytes(msg)
			return v, l >= 0
		}
		l = protowire.ConsumeFieldValue(n, typ, msg)
		if l < 0 {
			return nil, false
		}
		msg = msg[l:]
	}
	return nil, false
}

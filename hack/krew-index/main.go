// Command krew-index stands in for GitHub releases and krew-release-bot in
// hack/release-smoke.sh, so that a snapshot release can be installed through a real krew
// index on a machine that cannot reach GitHub:
//
//	krew-index serve  -dir DIR -port-file FILE   serves DIR on 127.0.0.1, on a free port
//	krew-index render -template .krew.yaml -tag TAG -base-url URL -o FILE
//
// render executes .krew.yaml as krew-release-bot does, with the release download URLs
// moved from GitHub to URL (same path, /releases/download/TAG/ARCHIVE), and the sha256
// of each archive as downloaded from there.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/netdoctor/kubectl-netdoctor/test/release"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: krew-index serve|render [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "render":
		err = render(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: want serve or render", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "krew-index:", err)
		os.Exit(1)
	}
}

// serve serves a directory on a free loopback port until SIGTERM, SIGINT or
// -max-lifetime, writing the port to -port-file once it listens, so that the caller
// never races the bind.
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	dir := fs.String("dir", ".", "directory to serve")
	portFile := fs.String("port-file", "", "write the chosen port here once listening")
	lifetime := fs.Duration("max-lifetime", 30*time.Minute, "stop by itself after this long, should the caller die without stopping it")
	_ = fs.Parse(args)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if *portFile != "" {
		tmp := *portFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(fmt.Sprintf("%d\n", port)), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, *portFile); err != nil {
			return err
		}
	}
	srv := &http.Server{Handler: logRequests(http.FileServer(http.Dir(*dir))), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *lifetime)
	defer cancel()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(os.Stderr, "krew-index: GET %s\n", r.URL.Path)
		h.ServeHTTP(w, r)
	})
}

func render(args []string) error {
	fs := flag.NewFlagSet("render", flag.ExitOnError)
	tmplPath := fs.String("template", ".krew.yaml", "krew-release-bot template")
	tag := fs.String("tag", "", "release tag, e.g. v0.0.1")
	baseURL := fs.String("base-url", "", "where the releases are served instead of GitHub, e.g. http://127.0.0.1:8080/")
	out := fs.String("o", "", "write the manifest here (default stdout)")
	_ = fs.Parse(args)
	if *tag == "" || *baseURL == "" {
		return errors.New("render needs -tag and -base-url")
	}
	tmpl, err := os.ReadFile(*tmplPath)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(*baseURL, "/") + "/releases/download/"
	client := &http.Client{Timeout: time.Minute}
	manifest, err := release.Render(tmpl, *tag, func(url string) (string, string, error) {
		if !strings.HasPrefix(url, release.ReleaseURLPrefix) {
			return "", "", fmt.Errorf("%s is not a release download URL (%s...)", url, release.ReleaseURLPrefix)
		}
		local := base + strings.TrimPrefix(url, release.ReleaseURLPrefix)
		sum, err := sha256Of(client, local)
		return local, sum, err
	})
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = os.Stdout.Write(manifest)
		return err
	}
	return os.WriteFile(*out, manifest, 0o644)
}

// sha256Of downloads url, as krew-release-bot does, so that the sum is that of the
// bytes krew will download.
func sha256Of(client *http.Client, url string) (string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	h := sha256.New()
	if _, err := io.Copy(h, resp.Body); err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

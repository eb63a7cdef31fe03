package source

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Hostile -f input: each must end in one clear error line, within bounded time and
// memory, never a panic or a hang.
func TestHostileManifests(t *testing.T) {
	aliasBomb := func() string {
		var b strings.Builder
		b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n")
		b.WriteString("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
		for i := 1; i < 10; i++ {
			fmt.Fprintf(&b, "a%d: &a%d [*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
		}
		return b.String()
	}
	deep := func(open, close string, n int) string {
		return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"deep\"},\"data\":" +
			strings.Repeat(open, n) + strings.Repeat(close, n) + "}"
	}
	garbage := make([]byte, 1<<20)
	for i := range garbage {
		garbage[i] = byte(i*7919 + i/13)
	}
	tests := []struct {
		name    string
		content []byte
		want    string
	}{
		{"YAML alias bomb", []byte(aliasBomb()), "alias"},
		{"JSON nested 100k deep", []byte(deep("[", "]", 100000)), "error reading"},
		{"YAML nested 100k deep", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n"), "error reading"},
		{"binary garbage", garbage, "error reading"},
		{"NUL bytes", bytes.Repeat([]byte{0}, 4096), "error reading"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hostile.yaml")
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			err, took, allocated := bounded(t, func() error {
				_, err := FromFiles([]string{path}, nil, "default")
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("want one line containing %q, got %v", tt.want, err)
			}
			if took > 10*time.Second || allocated > 512<<20 {
				t.Errorf("took %s and %d MiB; the bounds are 10 s and 512 MiB", took, allocated>>20)
			}
		})
	}
}

// TestOversizedManifest: a file larger than any manifest dump netdoctor reads is refused
// before it is read.
func TestOversizedManifest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil { // 1 GiB, sparse: no disk is spent
		t.Fatal(err)
	}
	f.Close()
	err, took, allocated := bounded(t, func() error {
		_, err := FromFiles([]string{path}, nil, "default")
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("a 1 GiB file: %v", err)
	}
	if took > 10*time.Second || allocated > 512<<20 {
		t.Errorf("took %s and allocated %d MiB", took, allocated>>20)
	}

	// The same on stdin, where there is no size to look at first.
	err, _, allocated = bounded(t, func() error {
		_, err := FromFiles([]string{StdinPath}, zeroReader{n: 1 << 30}, "default")
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "too large") || allocated > 512<<20 {
		t.Errorf("1 GiB on stdin: %v, %d MiB allocated", err, allocated>>20)
	}
}

type zeroReader struct{ n int }

func (z zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// bounded runs f and reports how long it took and how much more memory the process
// took from the OS meanwhile (the Go runtime does not give it back at once, so this is
// the peak, not what f still holds).
func bounded(t *testing.T, f func() error) (error, time.Duration, uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		return err, took, after.Sys - before.Sys
	case <-time.After(30 * time.Second):
		t.Fatal("still running after 30 s")
		return nil, 0, 0
	}
}

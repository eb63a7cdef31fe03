//go:build tools

// Package tools pins goreleaser, built by hack/release-smoke.sh.
package tools

import (
	_ "github.com/goreleaser/goreleaser/v2"
)

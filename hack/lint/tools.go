//go:build tools

// Package tools pins actionlint, built by hack/actionlint.sh to check the GitHub
// Actions workflows in .github/workflows.
package tools

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)

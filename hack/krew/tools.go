//go:build tools

// Package tools pins the krew commands built by hack/release-smoke.sh: krew itself and
// validate-krew-manifest, the check the krew index runs on every plugin manifest.
package tools

import (
	_ "sigs.k8s.io/krew/cmd/krew"
	_ "sigs.k8s.io/krew/cmd/validate-krew-manifest"
)

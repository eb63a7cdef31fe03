// Package docs embeds the finding reference so that `kubectl netdoctor explain` works
// offline, from the same text the repository publishes.
package docs

import _ "embed"

// ChecksMarkdown is docs/checks.md: one `## ID` section per finding ID.
//
//go:embed checks.md
var ChecksMarkdown string

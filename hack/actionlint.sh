#!/usr/bin/env bash
# Checks the GitHub Actions workflows with actionlint, built from the Go module proxy at
# the version pinned in hack/lint/go.mod into bin/lint/actionlint-<version>/. Idempotent:
# a binary that is already there is not rebuilt.
#
#   hack/actionlint.sh            checks .github/workflows/*.yml (and *.yaml)
#   hack/actionlint.sh FILE...    checks these workflow files instead
#
# actionlint also runs shellcheck on run: scripts and pyflakes on python ones when they
# are on PATH (they are on GitHub's ubuntu runners), and skips those checks otherwise.
# Exits non-zero when a workflow has a problem.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

module=github.com/rhysd/actionlint
version=$(awk -v m="$module" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' hack/lint/go.mod)
[[ -n "$version" ]] || { echo "actionlint: no $module version in hack/lint/go.mod" >&2; exit 1; }
actionlint="$root/bin/lint/actionlint-$version/actionlint"

if [[ ! -x "$actionlint" ]]; then
	echo "actionlint: building $version from hack/lint (once, cached in bin/)" >&2
	mkdir -p "$(dirname "$actionlint")"
	(cd hack/lint && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X $module.version=$version" \
		-o "$actionlint.tmp" "$module/cmd/actionlint")
	mv "$actionlint.tmp" "$actionlint"
fi

if [[ $# -eq 0 ]]; then
	shopt -s nullglob
	set -- .github/workflows/*.yml .github/workflows/*.yaml
	shopt -u nullglob
	[[ $# -gt 0 ]] || { echo "actionlint: no workflow in .github/workflows" >&2; exit 1; }
fi

"$actionlint" "$@"
echo "actionlint $version: $# workflow(s) ok: $*" >&2

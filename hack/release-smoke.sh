#!/usr/bin/env bash
# Proves the path users take to install netdoctor, end to end and offline:
#
#   goreleaser snapshot (tag v0.0.1) -> archives served over HTTP on 127.0.0.1
#   -> a local git repository laid out as a krew index, plugins/netdoctor.yaml rendered
#      from .krew.yaml as krew-release-bot renders it (URLs + real sha256)
#   -> validate-krew-manifest (the krew index's own check: installs every platform)
#   -> kubectl krew index add / install local/netdoctor / kubectl netdoctor version
#   -> second snapshot (tag v0.0.2), index updated -> kubectl krew upgrade -> version
#   -> kubectl krew uninstall netdoctor
#
# goreleaser and krew are built from the Go module proxy at the versions pinned in
# hack/release/go.mod and hack/krew/go.mod, kubectl by hack/envtest.sh --with-kubectl;
# all three are cached under bin/. The release is built from a temporary git repository
# holding the current work tree (tracked and untracked, not ignored, files), so the
# clone's own tags and state are never touched. Everything else lives in a temporary
# directory that is removed on exit, with the HTTP server (KEEP=1 keeps the directory).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

start=$SECONDS
step_no=0
step() {
	step_no=$((step_no + 1))
	printf '\n==> [release-smoke %2d] %s (t+%ds)\n' "$step_no" "$*" "$((SECONDS - start))"
}
fail() {
	echo "release-smoke: FAIL: $*" >&2
	exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/netdoctor-release-smoke.XXXXXX")
server_pid=""
cleanup() {
	local code=$?
	if [[ -n "$server_pid" ]]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [[ "${KEEP:-}" == 1 ]]; then
		echo "release-smoke: kept $work" >&2
	else
		rm -rf "$work"
	fi
	if [[ $code -ne 0 ]]; then
		echo "release-smoke: FAILED after $((SECONDS - start))s (KEEP=1 keeps $work for a look)" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM # so that cleanup runs when CI or a user stops the script

module_version() { # module_version GO_MOD MODULE
	awk -v m="$2" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1"
}

# Tools --------------------------------------------------------------------------------

goreleaser_version=$(module_version hack/release/go.mod github.com/goreleaser/goreleaser/v2)
krew_version=$(module_version hack/krew/go.mod sigs.k8s.io/krew)
[[ -n "$goreleaser_version" && -n "$krew_version" ]] || fail "cannot read the pinned goreleaser/krew versions"
tools="$root/bin/release"
goreleaser="$tools/goreleaser-$goreleaser_version/goreleaser"
krew_dir="$tools/krew-$krew_version"

step "goreleaser $goreleaser_version (hack/release/go.mod)"
if [[ ! -x "$goreleaser" ]]; then
	echo "building goreleaser from the module proxy (cold: a few minutes)"
	mkdir -p "$(dirname "$goreleaser")"
	(cd hack/release && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$goreleaser.tmp" github.com/goreleaser/goreleaser/v2)
	mv "$goreleaser.tmp" "$goreleaser"
fi
"$goreleaser" --version 2>/dev/null | grep -E '^GitVersion' || true
"$goreleaser" check --quiet .goreleaser.yaml || fail "goreleaser check: .goreleaser.yaml is invalid or uses deprecated options"

step "krew $krew_version and validate-krew-manifest (hack/krew/go.mod)"
if [[ ! -x "$krew_dir/krew" || ! -x "$krew_dir/validate-krew-manifest" ]]; then
	mkdir -p "$krew_dir.tmp"
	(cd hack/krew && CGO_ENABLED=0 go build -trimpath \
		-ldflags "-s -w -X sigs.k8s.io/krew/internal/version.gitTag=$krew_version" \
		-o "$krew_dir.tmp/" sigs.k8s.io/krew/cmd/krew sigs.k8s.io/krew/cmd/validate-krew-manifest)
	rm -rf "$krew_dir"
	mv "$krew_dir.tmp" "$krew_dir"
fi

step "kubectl (hack/envtest.sh --with-kubectl)"
assets=$(hack/envtest.sh --with-kubectl)
kubectl_bin="$assets/kubectl"
[[ -x "$kubectl_bin" ]] || fail "hack/envtest.sh did not build $kubectl_bin"

# A PATH with exactly these tools: kubectl finds plugins as kubectl-NAME on PATH, and
# krew links installed plugins into $KREW_ROOT/bin, which comes first.
mkdir -p "$work/bin"
ln -s "$kubectl_bin" "$work/bin/kubectl"
ln -s "$krew_dir/krew" "$work/bin/kubectl-krew"
ln -s "$krew_dir/validate-krew-manifest" "$work/bin/validate-krew-manifest"
go build -o "$work/bin/krew-index" ./hack/krew-index
export KREW_ROOT="$work/krew-root"
export KREW_NO_UPGRADE_CHECK=1
export PATH="$KREW_ROOT/bin:$work/bin:$PATH"
export KUBECONFIG="$work/no-cluster.kubeconfig" # kubectl plugin dispatch needs no cluster
kubectl version --client | sed -n 1p

# Snapshot releases ----------------------------------------------------------------------

# The release is built from a git repository of its own, so that goreleaser sees a tag
# without the clone gaining one, and so that uncommitted work is what gets released.
src="$work/src"
step "temporary git repository of the work tree at $src"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [[ -e "$f" || -L "$f" ]] && printf '%s\0' "$f"; done |
	tar --null -T - -cf - | tar -C "$src" -xf -
git -C "$src" init -q -b main
# goreleaser reads the tag only with a remote configured (it is never contacted).
git -C "$src" remote add origin https://github.com/netdoctor/kubectl-netdoctor.git
git -C "$src" -c user.name=release-smoke -c user.email=release-smoke@localhost add -A
git -C "$src" -c user.name=release-smoke -c user.email=release-smoke@localhost commit -q -m "release smoke"

www="$work/www"
snapshot() { # snapshot TAG
	local tag=$1
	step "goreleaser release --snapshot --clean --skip=publish at tag $tag"
	git -C "$src" -c user.name=release-smoke -c user.email=release-smoke@localhost commit -q --allow-empty -m "$tag"
	git -C "$src" tag "$tag"
	(cd "$src" && "$goreleaser" release --snapshot --clean --skip=publish --parallelism 2 >"$work/goreleaser-$tag.log" 2>&1) || {
		tail -40 "$work/goreleaser-$tag.log" >&2
		fail "goreleaser failed for $tag"
	}
	local out="$www/releases/download/$tag"
	mkdir -p "$out"
	cp "$src"/dist/*.tar.gz "$src"/dist/*.zip "$src/dist/checksums.txt" "$out/"
	(cd "$out" && sha256sum --quiet -c checksums.txt) || fail "checksums.txt does not match the archives of $tag"
	ls -1 "$out"
	# The archive must hold the binary and LICENSE at its root, as .krew.yaml's files say.
	tar -tzf "$out/kubectl-netdoctor_${tag}_linux_amd64.tar.gz" | sort | tr '\n' ' ' | grep -qx 'LICENSE kubectl-netdoctor ' ||
		fail "linux/amd64 archive of $tag does not hold exactly LICENSE and kubectl-netdoctor at its root"
}

snapshot v0.0.1

step "serve the releases over HTTP on 127.0.0.1"
"$work/bin/krew-index" serve -dir "$www" -port-file "$work/port" 2>"$work/http.log" &
server_pid=$!
for _ in $(seq 100); do
	[[ -s "$work/port" ]] && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/http.log" >&2; fail "HTTP server exited"; }
	sleep 0.1
done
[[ -s "$work/port" ]] || fail "HTTP server did not start"
base_url="http://127.0.0.1:$(cat "$work/port")"
echo "serving $www at $base_url (pid $server_pid)"

index="$work/index"
publish() { # publish TAG: render plugins/netdoctor.yaml for TAG into the index and commit
	local tag=$1
	step "krew index: plugins/netdoctor.yaml for $tag rendered from .krew.yaml"
	mkdir -p "$index/plugins"
	"$work/bin/krew-index" render -template "$src/.krew.yaml" -tag "$tag" -base-url "$base_url" -o "$index/plugins/netdoctor.yaml"
	awk '/^  version:/ || /uri:.*linux_amd64/ { print; if (/uri:/) { getline; print } }' "$index/plugins/netdoctor.yaml"
	git -C "$index" add plugins/netdoctor.yaml
	git -C "$index" -c user.name=release-smoke -c user.email=release-smoke@localhost commit -q -m "netdoctor $tag"
}
git init -q -b master "$index"
publish v0.0.1

step "validate-krew-manifest: the krew index check, installing all $(grep -c 'matchLabels:' "$index/plugins/netdoctor.yaml") platforms"
validate-krew-manifest -manifest "$index/plugins/netdoctor.yaml" >"$work/validate.log" 2>&1 || {
	cat "$work/validate.log" >&2
	fail "validate-krew-manifest rejected the manifest"
}
tail -1 "$work/validate.log"

expect_version() { # expect_version VERSION COMMIT
	local out
	out=$(kubectl netdoctor version -o json)
	echo "$out"
	grep -q "\"version\": \"$1\"" <<<"$out" || fail "kubectl netdoctor version: want version $1"
	grep -q "\"commit\": \"$2\"" <<<"$out" || fail "kubectl netdoctor version: want commit $2"
	[[ "$(command -v kubectl-netdoctor)" == "$KREW_ROOT/bin/kubectl-netdoctor" ]] ||
		fail "kubectl-netdoctor resolves to $(command -v kubectl-netdoctor), not krew's"
}

step "kubectl krew index add local $index"
kubectl krew index add local "$index"
kubectl krew index list

step "kubectl krew install local/netdoctor"
kubectl krew install local/netdoctor </dev/null

step "kubectl netdoctor version (v0.0.1)"
kubectl netdoctor version
expect_version 0.0.1-snapshot "$(git -C "$src" rev-parse v0.0.1)"

step "kubectl netdoctor svc payments -n shop -f examples/shop/ (the installed binary diagnoses)"
code=0
kubectl netdoctor svc payments -n shop -f "$src/examples/shop/" --color never >"$work/svc.out" 2>&1 || code=$?
sed -n '/Root cause/p' "$work/svc.out"
[[ $code -eq 1 ]] && grep -q SelectorMatchesNoPods "$work/svc.out" ||
	{ cat "$work/svc.out" >&2; fail "want exit code 1 and SelectorMatchesNoPods, got exit code $code"; }

step "kubectl __complete netdoctor svc (kubectl's plugin completion, via kubectl_complete-netdoctor)"
printf '#!/usr/bin/env sh\nexec kubectl netdoctor __complete "$@"\n' >"$work/bin/kubectl_complete-netdoctor"
chmod +x "$work/bin/kubectl_complete-netdoctor"
words=$(kubectl __complete netdoctor svc -n shop -f "$src/examples/shop/" "" 2>/dev/null)
echo "$words" | tr '\n' ' '
echo
grep -qx payments <<<"$words" || fail "kubectl did not complete Service names of the installed plugin"

snapshot v0.0.2
publish v0.0.2

step "kubectl krew upgrade"
kubectl krew upgrade 2>&1 | tee "$work/upgrade.log"
grep -Eq 'Upgraded plugin: (local/)?netdoctor' "$work/upgrade.log" || fail "krew did not upgrade netdoctor"

step "kubectl netdoctor version (v0.0.2)"
expect_version 0.0.2-snapshot "$(git -C "$src" rev-parse v0.0.2)"
kubectl krew list

step "kubectl krew uninstall netdoctor"
kubectl krew uninstall netdoctor
[[ ! -e "$KREW_ROOT/bin/kubectl-netdoctor" ]] || fail "kubectl-netdoctor is still linked in $KREW_ROOT/bin"
if kubectl netdoctor version >/dev/null 2>&1; then fail "kubectl netdoctor still runs after uninstall"; fi

step "release smoke passed"
echo "release-smoke: ok in $((SECONDS - start))s"

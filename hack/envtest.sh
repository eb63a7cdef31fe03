#!/usr/bin/env bash
# Builds the envtest control plane (kube-apiserver, etcd), the kube-controller-manager
# that test/controllers runs against it, and kubectl from Go modules
# into bin/k8s/<version>/, the layout KUBEBUILDER_ASSETS expects. Idempotent: a binary
# that is already there is not rebuilt. Prints the assets directory on stdout.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
k8s_version=v1.37.2
assets="$root/bin/k8s/$k8s_version"
mkdir -p "$assets"

log() { echo "envtest: $*" >&2; }

version_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version \
-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 \
-X k8s.io/component-base/version.gitTreeState=clean"

build() { # build NAME MODULE_DIR PACKAGE [LDFLAGS]
	local name=$1 dir=$2 pkg=$3 ldflags=${4:-"-s -w"}
	if [[ -x "$assets/$name" ]]; then
		return
	fi
	log "building $name (a cold build takes several minutes)"
	(cd "$root/hack/$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$assets/$name.tmp" "$pkg")
	mv "$assets/$name.tmp" "$assets/$name"
}

build etcd etcd .
build kube-apiserver tools k8s.io/kubernetes/cmd/kube-apiserver "$version_ldflags"
build kube-controller-manager tools k8s.io/kubernetes/cmd/kube-controller-manager "$version_ldflags"
if [[ "${1:-}" == "--with-kubectl" ]]; then
	build kubectl tools k8s.io/kubernetes/cmd/kubectl "$version_ldflags"
fi

echo "$assets"

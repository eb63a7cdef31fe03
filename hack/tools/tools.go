//go:build tools

// Package tools pins the commands built by hack/envtest.sh and hack/kubectl.sh.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)

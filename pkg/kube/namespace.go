package kube

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// NamespaceOrDefault is the namespace an object without one lives in: the API server
// puts namespaced objects created without a namespace into "default", and a manifest
// that omits it means that.
func NamespaceOrDefault(ns string) string {
	if ns == "" {
		return metav1.NamespaceDefault
	}
	return ns
}

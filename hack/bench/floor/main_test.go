package main

import (
	"bytes"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"
)

// The floor pages through protobuf lists by the continue token it digs out of the wire
// bytes: check that against what the API server's own serializer writes.
func TestContinueTokenProtobuf(t *testing.T) {
	for _, token := range []string{"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzfQ", ""} {
		list := &corev1.PodList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PodList"},
			ListMeta: metav1.ListMeta{ResourceVersion: "123", Continue: token},
			Items:    []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "shop", Labels: map[string]string{"app": "x"}}}}}
		var buf bytes.Buffer
		if err := protobuf.NewSerializer(scheme.Scheme, scheme.Scheme).Encode(list, &buf); err != nil {
			t.Fatal(err)
		}
		got, err := continueToken(protobufMedia, buf.Bytes())
		if err != nil || got != token {
			t.Errorf("continueToken = %q, %v; want %q", got, err, token)
		}
	}
	got, err := continueToken("application/json", []byte(`{"kind":"CiliumNetworkPolicyList","metadata":{"continue":"abc"},"items":[]}`))
	if err != nil || got != "abc" {
		t.Errorf("JSON continueToken = %q, %v", got, err)
	}
}

func TestBuiltIn(t *testing.T) {
	for path, want := range map[string]bool{
		"/api/v1/pods":                                                 true,
		"/apis/apps/v1/statefulsets":                                   true,
		"/apis/networking.k8s.io/v1/ingresses":                         true,
		"/apis/gateway.networking.k8s.io/v1/httproutes":                false,
		"/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies": false,
		"/apis/cilium.io/v2/ciliumnetworkpolicies":                     false,
		"/apis": false,
	} {
		if got := builtIn(path); got != want {
			t.Errorf("builtIn(%s) = %v, want %v", path, got, want)
		}
	}
}

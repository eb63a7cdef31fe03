package source

import (
	"bytes"
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// FuzzFromFiles: whatever bytes arrive on stdin with -f -, loading either fails with an
// error or yields a store that every lister can read. It never panics.
func FuzzFromFiles(f *testing.F) {
	seeds := []string{
		"apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selector: {app: a}, ports: [{port: 80}]}\n",
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p, labels: {app: a}}\n",
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c"}]}}}}`,
		"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}, egress: [{}]}\n",
		"---\n---\nkind: Service\n",
		"apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: \"x\"}]}\n",
		"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s, labels: {kubernetes.io/service-name: a}}\naddressType: IPv4\nendpoints: [{addresses: [1.2.3.4]}]\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		store, err := FromFiles([]string{StdinPath}, bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		ctx := context.Background()
		if _, err := store.Services(ctx, AllNamespaces, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := List[corev1.Pod](ctx, store, AllNamespaces, labels.Everything()); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Namespaces(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := List[networkingv1.NetworkPolicy](ctx, store, AllNamespaces, nil); err != nil {
			t.Fatal(err)
		}
	})
}

package integration

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
)

// The ingress and route suites use scenario files that may hold Gateway API kinds, span
// several namespaces ($NS, $NS-infra, ...) and carry cluster-scoped objects
// (IngressClass, GatewayClass). This file holds their harness: an applier that creates
// every namespace a scenario names and deletes its cluster-scoped objects when the test
// ends (they would otherwise leak into later tests: a default IngressClass changes every
// later Ingress), and a dump that adds the Gateway API kinds to dumpNamespaces for
// offline parity runs. Everything is written by the fixture user through k8sClient;
// the Gateway API kinds, which its scheme does not know, go through as unstructured.

// appliedScenario is a scenario as created in the API server.
type appliedScenario struct {
	// Namespace is the test's namespace ($NS).
	Namespace string
	// Namespaces are every namespace the scenario uses, for dumps.
	Namespaces []string
}

// applyNetdoctorScenario creates the objects of a scenario file in a fresh namespace,
// in file order, writes their status as controllers would, then the EndpointSlices the
// EndpointSlice controller would write.
func applyNetdoctorScenario(t *testing.T, file string) appliedScenario {
	t.Helper()
	c := k8sClient
	ns := newNamespace(t, "it")
	objs, err := fixture.LoadScenario(file, ns)
	if err != nil {
		t.Fatal(err)
	}
	applied := appliedScenario{Namespace: ns, Namespaces: []string{ns}}
	var created []runtime.Object
	for _, obj := range objs {
		if n, ok := obj.(*corev1.Namespace); ok {
			applyNamespace(t, c, n, ns)
			if n.Name != ns {
				applied.Namespaces = append(applied.Namespaces, n.Name)
			}
			continue
		}
		created = append(created, createScenarioObject(t, c, obj.(client.Object)))
	}
	for _, obj := range fixture.WithControllerSlices(created)[len(created):] {
		createScenarioObject(t, c, obj.(client.Object))
	}
	return applied
}

// applyNamespace creates an extra namespace of the scenario, or labels the test's own.
func applyNamespace(t *testing.T, c client.Client, n *corev1.Namespace, testNS string) {
	t.Helper()
	if n.Name != testNS {
		if err := c.Create(ctx(t), n.DeepCopy()); err != nil {
			t.Fatalf("create namespace %s: %v", n.Name, err)
		}
		return
	}
	var existing corev1.Namespace
	if err := c.Get(ctx(t), client.ObjectKey{Name: testNS}, &existing); err != nil {
		t.Fatal(err)
	}
	if existing.Labels == nil {
		existing.Labels = map[string]string{}
	}
	for k, v := range n.Labels {
		existing.Labels[k] = v
	}
	if err := c.Update(ctx(t), &existing); err != nil {
		t.Fatalf("label namespace %s: %v", testNS, err)
	}
}

// createScenarioObject creates obj, then writes the status the fixture gives it through
// the status subresource. Cluster-scoped objects are deleted when the test ends.
func createScenarioObject(t *testing.T, c client.Client, obj client.Object) client.Object {
	t.Helper()
	waitCreateDelay(t, obj)
	if gvks, _, err := clientgoscheme.Scheme.ObjectKinds(obj); err != nil || len(gvks) == 0 {
		createUnstructured(t, c, obj)
		return obj
	}
	withStatus := obj.DeepCopyObject().(client.Object)
	obj.SetCreationTimestamp(metav1.Time{})
	if err := c.Create(ctx(t), obj); err != nil {
		t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
	}
	if fixture.ClusterScoped(obj) {
		// t.Context() is already cancelled when cleanups run.
		t.Cleanup(func() { _ = c.Delete(context.Background(), obj) })
	}
	if copyStatus(withStatus, obj) {
		if err := c.Status().Update(ctx(t), obj); err != nil {
			t.Fatalf("status of %T %s: %v", obj, obj.GetName(), err)
		}
	}
	return obj
}

// createUnstructured creates a Gateway API object and its status as unstructured.
func createUnstructured(t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	gvks, _, err := fixture.Scheme.ObjectKinds(obj)
	if err != nil {
		t.Fatal(err)
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: content}
	u.SetGroupVersionKind(gvks[0])
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	status, _, _ := unstructured.NestedMap(u.Object, "status")
	unstructured.RemoveNestedField(u.Object, "status")
	if err := c.Create(ctx(t), u); err != nil {
		t.Fatalf("create %s %s: %v", gvks[0].Kind, u.GetName(), err)
	}
	if fixture.ClusterScoped(obj) {
		t.Cleanup(func() { _ = c.Delete(context.Background(), u) })
	}
	if isEmpty(status) {
		return
	}
	if err := unstructured.SetNestedMap(u.Object, status, "status"); err != nil {
		t.Fatal(err)
	}
	if err := c.Status().Update(ctx(t), u); err != nil {
		t.Fatalf("status of %s %s: %v", gvks[0].Kind, u.GetName(), err)
	}
}

// isEmpty reports whether a decoded value holds nothing but nils and empty collections
// (a typed object without status converts to {"parents": null}).
func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range t {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	case []any:
		return len(t) == 0
	}
	return false
}

// dumpWithGatewayAPI is dumpNamespaces plus what `kubectl get gatewayclasses,gateways,
// httproutes,grpcroutes,tcproutes,tlsroutes,referencegrants -o yaml` adds.
func dumpWithGatewayAPI(t *testing.T, namespaces ...string) string {
	t.Helper()
	path := dumpNamespaces(t, namespaces...)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Items      []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	add := func(kind string, opts ...client.ListOption) {
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(schema.GroupVersionKind{Group: gatewayv1.GroupName, Version: "v1", Kind: kind + "List"})
		if err := k8sClient.List(ctx(t), l, opts...); err != nil {
			t.Fatal(err)
		}
		for i := range l.Items {
			raw, err := json.Marshal(l.Items[i].Object)
			if err != nil {
				t.Fatal(err)
			}
			list.Items = append(list.Items, raw)
		}
	}
	for _, ns := range namespaces {
		for _, kind := range []string{"Gateway", "HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "ReferenceGrant"} {
			add(kind, client.InNamespace(ns))
		}
	}
	add("GatewayClass")
	out, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// expand replaces the scenario namespace placeholder in flag values and expectations.
func expand(s, ns string) string {
	return strings.ReplaceAll(s, fixture.ScenarioNamespacePlaceholder, ns)
}

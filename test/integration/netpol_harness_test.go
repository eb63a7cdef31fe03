package integration

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
)

// The reach and dns suites need what every real cluster has in kube-system: the
// cluster DNS (kube-dns Service, CoreDNS pods, their EndpointSlices and ConfigMap) and a
// network plugin that enforces NetworkPolicy. kube-system is shared by the whole suite,
// so they are created once, from the same fixtures the unit tests use, and left healthy;
// a test that needs them broken (ClusterDNSNotReady, NetworkPolicyNotEnforced) breaks
// them for its own duration only. Nothing here matches the svc fixtures' selectors, and
// the svc tests dump only their own namespace, so they are unaffected.

var (
	addonsOnce sync.Once
	addonsErr  error
	// kubeDNSIP is the ClusterIP the API server allocated to kube-dns.
	kubeDNSIP string
)

var (
	clusterDNSFile = filepath.Join(repoRoot, "test", "testdata", "dns", "cluster-dns.yaml")
	cniFile        = filepath.Join(repoRoot, "test", "testdata", "reach", "cni-calico.yaml")
)

// ensureClusterAddons creates the cluster DNS and the network plugin in kube-system the
// first time it is called and returns the kube-dns ClusterIP. Objects that already
// exist (another suite's helper made them) are kept.
func ensureClusterAddons(t *testing.T) string {
	t.Helper()
	addonsOnce.Do(func() { addonsErr = createClusterAddons(context.Background()) })
	if addonsErr != nil {
		t.Fatalf("cluster add-ons in kube-system: %v", addonsErr)
	}
	return kubeDNSIP
}

func createClusterAddons(ctx context.Context) error {
	var objs []runtime.Object
	for _, f := range []string{clusterDNSFile, cniFile} {
		// An empty clusterIP lets the API server allocate one from its range.
		o, err := fixture.LoadRecipe(f, metav1.NamespaceSystem, map[string]string{fixture.KubeDNSIPPlaceholder: ""})
		if err != nil {
			return err
		}
		objs = append(objs, o...)
	}
	var created []runtime.Object
	for _, obj := range objs {
		o, err := createOrKeep(ctx, obj.(client.Object))
		if err != nil {
			return err
		}
		created = append(created, o)
	}
	for _, obj := range fixture.WithControllerSlices(created)[len(created):] {
		if _, err := createOrKeep(ctx, obj.(client.Object)); err != nil {
			return err
		}
	}
	var svc corev1.Service
	if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: metav1.NamespaceSystem, Name: "kube-dns"}, &svc); err != nil {
		return err
	}
	kubeDNSIP = svc.Spec.ClusterIP
	return nil
}

// createOrKeep creates obj with its status (as createWithStatus does) unless an object
// of that name exists, which is then returned as it is.
func createOrKeep(ctx context.Context, obj client.Object) (client.Object, error) {
	withStatus := obj.DeepCopyObject().(client.Object)
	err := k8sClient.Create(ctx, obj)
	if apierrors.IsAlreadyExists(err) {
		existing := obj.DeepCopyObject().(client.Object)
		return existing, k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), existing)
	}
	if err != nil {
		return nil, fmt.Errorf("create %T %s: %w", obj, obj.GetName(), err)
	}
	if copyStatus(withStatus, obj) {
		if err := k8sClient.Status().Update(ctx, obj); err != nil {
			return nil, fmt.Errorf("status of %T %s: %w", obj, obj.GetName(), err)
		}
	}
	return obj, nil
}

// applyRecipe creates the given recipe files in a fresh namespace ($NS), with every
// extra namespace they declare ($NS-ops), on top of the shared cluster add-ons, then
// the EndpointSlices the controller would write. It returns the test's namespace and
// every namespace to dump for an offline run (kube-system included).
func applyRecipe(t *testing.T, files ...string) (string, []string) {
	t.Helper()
	ip := ensureClusterAddons(t)
	ns := newNamespace(t, "it")
	namespaces := []string{ns}
	var created []runtime.Object
	for _, f := range files {
		objs, err := fixture.LoadRecipe(f, ns, map[string]string{fixture.KubeDNSIPPlaceholder: ip})
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range objs {
			if n, ok := obj.(*corev1.Namespace); ok {
				if err := k8sClient.Create(ctx(t), n); err != nil {
					t.Fatalf("create namespace %s: %v", n.Name, err)
				}
				namespaces = append(namespaces, n.Name)
				continue
			}
			o := createWithStatus(t, obj.(client.Object))
			created = append(created, o)
			if o.GetNamespace() == metav1.NamespaceSystem || o.GetNamespace() == "" {
				removeAtEnd(t, o)
			}
		}
	}
	for _, obj := range fixture.WithControllerSlices(created)[len(created):] {
		createWithStatus(t, obj.(client.Object))
	}
	return ns, append(namespaces, metav1.NamespaceSystem)
}

// removeAtEnd deletes, when the test ends, an object a recipe put where every test
// looks (kube-system, or cluster-scoped like a GlobalNetworkPolicy), so that the next
// test sees the shared add-ons only. Nodes are removed by createWithStatus already.
func removeAtEnd(t *testing.T, obj client.Object) {
	if _, ok := obj.(*corev1.Node); ok {
		return
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled when cleanups run; grace period 0: there is no
		// kubelet to confirm that a pod has stopped.
		if err := k8sClient.Delete(context.Background(), obj, client.GracePeriodSeconds(0)); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("remove %T %s: %v", obj, obj.GetName(), err)
		}
	})
}

// withoutPolicyEnforcer removes the network plugin from kube-system for the rest of
// the test and puts it back when the test ends.
func withoutPolicyEnforcer(t *testing.T) {
	t.Helper()
	ensureClusterAddons(t)
	objs, err := fixture.LoadRecipe(cniFile, metav1.NamespaceSystem, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		// Grace period 0: there is no kubelet to confirm that a pod has stopped.
		if err := k8sClient.Delete(ctx(t), obj.(client.Object), client.GracePeriodSeconds(0)); err != nil && !apierrors.IsNotFound(err) {
			t.Fatalf("remove %T %s: %v", obj, obj.(client.Object).GetName(), err)
		}
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled when cleanups run.
		fresh, err := fixture.LoadRecipe(cniFile, metav1.NamespaceSystem, nil)
		if err != nil {
			t.Error(err)
			return
		}
		for _, obj := range fresh {
			if _, err := createOrKeep(context.Background(), obj.(client.Object)); err != nil {
				t.Errorf("restore the network plugin: %v", err)
			}
		}
	})
}

// withClusterDNSNotReady marks every CoreDNS pod not Ready (CrashLoopBackOff) for the
// rest of the test, as the kubelet would report it, and Ready again when it ends.
func withClusterDNSNotReady(t *testing.T) {
	t.Helper()
	ensureClusterAddons(t)
	setReady := func(ctx context.Context, ready bool) error {
		var pods corev1.PodList
		if err := k8sClient.List(ctx, &pods, client.InNamespace(metav1.NamespaceSystem), client.MatchingLabels{"k8s-app": "kube-dns"}); err != nil {
			return err
		}
		for i := range pods.Items {
			p := &pods.Items[i]
			status := corev1.ConditionFalse
			state := corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 5m0s restarting failed container"}}
			if ready {
				status = corev1.ConditionTrue
				state = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
			}
			for j := range p.Status.Conditions {
				if p.Status.Conditions[j].Type == corev1.PodReady || p.Status.Conditions[j].Type == corev1.ContainersReady {
					p.Status.Conditions[j].Status = status
				}
			}
			for j := range p.Status.ContainerStatuses {
				p.Status.ContainerStatuses[j].Ready = ready
				p.Status.ContainerStatuses[j].State = state
			}
			if err := k8sClient.Status().Update(ctx, p); err != nil {
				return err
			}
		}
		return nil
	}
	if err := setReady(ctx(t), false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := setReady(context.Background(), true); err != nil {
			t.Errorf("make CoreDNS Ready again: %v", err)
		}
	})
}

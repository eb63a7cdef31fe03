package controllers

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/test/harness"
)

// containerStateAnnotation on a pod template tells the stand-in kubelet how the pod's
// containers fare: "crashloop" keeps them restarting; anything else runs them Ready.
const containerStateAnnotation = "sim.netdoctor.dev/container-state"

// holdTerminationAnnotation on a pod keeps it Terminating once deleted, as a pod in its
// grace period is: still Ready, but no longer a ready endpoint.
const holdTerminationAnnotation = "sim.netdoctor.dev/hold-termination"

// node is a worker the stand-in scheduler binds pods to.
type node struct {
	name, zone, address string
	podSubnet           int // pods get 10.244.<podSubnet>.N
}

var nodes = []node{
	{name: "worker-a", zone: "zone-a", address: "172.18.0.2", podSubnet: 1},
	{name: "worker-b", zone: "zone-b", address: "172.18.0.3", podSubnet: 2},
}

func createNodes(ctx context.Context) error {
	for _, n := range nodes {
		obj := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: n.name, Labels: map[string]string{
				"kubernetes.io/hostname":      n.name,
				"kubernetes.io/os":            "linux",
				"topology.kubernetes.io/zone": n.zone,
			}},
			Spec: corev1.NodeSpec{PodCIDR: fmt.Sprintf("10.244.%d.0/24", n.podSubnet), PodCIDRs: []string{fmt.Sprintf("10.244.%d.0/24", n.podSubnet)}},
		}
		created, err := clientset.CoreV1().Nodes().Create(ctx, obj, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		created.Status = corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
				LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: n.address}, {Type: corev1.NodeHostName, Address: n.name}},
		}
		if _, err := clientset.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// newNamespace creates a fresh namespace (harness.NewNamespace).
func newNamespace(t *testing.T) string {
	t.Helper()
	ns, err := harness.NewNamespace(t.Context(), k8sClient, "kcm")
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// deploy applies a manifest file to a fresh namespace, as `kubectl apply -f` would, and
// waits until the controllers and the stand-in kubelet have settled.
func deploy(t *testing.T, file string) string {
	t.Helper()
	ns := newNamespace(t)
	applyFile(t, ns, file)
	return ns
}

// applyFile creates the objects of a manifest file in ns and waits for the cluster to
// settle.
func applyFile(t *testing.T, ns, file string) {
	t.Helper()
	objs, err := fixture.Load(file, ns)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		if err := k8sClient.Create(t.Context(), obj.(client.Object)); err != nil {
			t.Fatalf("create %T: %v", obj, err)
		}
	}
	settle(t, ns)
}

// change applies one edit to a live object, retrying on conflicts with the
// controllers, then waits for the cluster to settle again.
func change[T client.Object](t *testing.T, ns, name string, obj T, edit func(T)) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := k8sClient.Get(ctx, keyOf(ns, name), obj); err != nil {
			return false, err
		}
		edit(obj)
		err := k8sClient.Update(ctx, obj)
		return err == nil, client.IgnoreNotFound(ignoreConflict(err))
	})
	if err != nil {
		t.Fatalf("update %s/%s: %v", ns, name, err)
	}
	settle(t, ns)
}

func ignoreConflict(err error) error {
	if apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// settle plays the scheduler and the kubelet for the namespace's pods until nothing is
// left to do and the EndpointSlice controller has caught up with every pod.
func settle(t *testing.T, ns string) {
	t.Helper()
	settledOnce := false
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		acted, err := runPods(ctx, ns)
		if err != nil || acted {
			settledOnce = false
			return false, err
		}
		done, err := controllersDone(ctx, ns)
		if err != nil || !done {
			settledOnce = false
			return false, err
		}
		// Twice in a row: the Endpoints controller and the slice mirroring lag by a beat.
		if !settledOnce {
			settledOnce = true
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("namespace %s did not settle: %v", ns, err)
	}
}

// runPods binds pending pods, reports new ones running and finishes deletions, as the
// scheduler and the kubelet would. It says whether it changed anything.
func runPods(ctx context.Context, ns string) (bool, error) {
	pods, err := clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return false, err
	}
	acted := false
	for i := range pods.Items {
		pod := &pods.Items[i]
		switch {
		case pod.DeletionTimestamp != nil && pod.Annotations[holdTerminationAnnotation] != "":
			continue
		case pod.DeletionTimestamp != nil:
			zero := int64(0)
			err = clientset.CoreV1().Pods(ns).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
		case pod.Spec.NodeName == "":
			target := nodes[podOrdinal(pod.Name)%len(nodes)]
			if name := requiredNode(pod); name != "" {
				target = nodes[slices.IndexFunc(nodes, func(n node) bool { return n.name == name })]
			}
			err = clientset.CoreV1().Pods(ns).Bind(ctx, &corev1.Binding{
				ObjectMeta: metav1.ObjectMeta{Name: pod.Name, UID: pod.UID},
				Target:     corev1.ObjectReference{Kind: "Node", Name: target.name},
			}, metav1.CreateOptions{})
		case pod.Status.PodIP == "":
			err = reportRunning(ctx, pod)
		default:
			continue
		}
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return false, fmt.Errorf("pod %s: %w", pod.Name, err)
		}
		acted = true
	}
	return acted, nil
}

// requiredNode is the node a DaemonSet pod is pinned to by its node affinity
// (matchFields metadata.name), "" for other pods.
func requiredNode(pod *corev1.Pod) string {
	if pod.Spec.Affinity == nil || pod.Spec.Affinity.NodeAffinity == nil ||
		pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, term := range pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, field := range term.MatchFields {
			if field.Key == "metadata.name" && len(field.Values) == 1 {
				return field.Values[0]
			}
		}
	}
	return ""
}

// podOrdinal spreads pods over the nodes by name, so a test run is repeatable.
func podOrdinal(name string) int {
	sum := 0
	for _, c := range name {
		sum += int(c)
	}
	return sum
}

var (
	addressesMu sync.Mutex
	lastAddress = map[string]int{}
)

func nextPodIP(n node) string {
	addressesMu.Lock()
	defer addressesMu.Unlock()
	lastAddress[n.name]++
	return fmt.Sprintf("10.244.%d.%d", n.podSubnet, lastAddress[n.name]+1)
}

// reportRunning writes the status the kubelet writes once the pod's containers started.
func reportRunning(ctx context.Context, pod *corev1.Pod) error {
	i := slices.IndexFunc(nodes, func(n node) bool { return n.name == pod.Spec.NodeName })
	if i < 0 {
		return fmt.Errorf("bound to unknown node %q", pod.Spec.NodeName)
	}
	host := nodes[i]
	podIP := host.address
	if !pod.Spec.HostNetwork {
		podIP = nextPodIP(host)
	}
	crashing := pod.Annotations[containerStateAnnotation] == "crashloop"
	started := metav1.NewTime(time.Now().Add(-time.Minute).Truncate(time.Second))
	condition := func(typ corev1.PodConditionType, ok bool) corev1.PodCondition {
		status, reason := corev1.ConditionTrue, ""
		if !ok {
			status, reason = corev1.ConditionFalse, "ContainersNotReady"
		}
		return corev1.PodCondition{Type: typ, Status: status, Reason: reason, LastTransitionTime: started}
	}
	pod.Status = corev1.PodStatus{
		Phase:     corev1.PodRunning,
		HostIP:    host.address,
		HostIPs:   []corev1.HostIP{{IP: host.address}},
		PodIP:     podIP,
		PodIPs:    []corev1.PodIP{{IP: podIP}},
		StartTime: &started,
		QOSClass:  corev1.PodQOSBestEffort,
		Conditions: []corev1.PodCondition{
			condition(corev1.PodReadyToStartContainers, true),
			condition(corev1.PodInitialized, true),
			condition(corev1.PodReady, !crashing),
			condition(corev1.ContainersReady, !crashing),
			condition(corev1.PodScheduled, true),
		},
	}
	for _, c := range pod.Spec.Containers {
		status := corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: c.Image + "@sha256:" + fmt.Sprintf("%064x", podOrdinal(c.Image)),
			ContainerID: "containerd://" + fmt.Sprintf("%064x", podOrdinal(pod.Name+c.Name)),
			Ready:       !crashing, Started: &[]bool{!crashing}[0],
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}},
		}
		if crashing {
			status.RestartCount = 6
			status.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
				Reason: "CrashLoopBackOff", Message: "back-off 2m40s restarting failed container=" + c.Name + " pod=" + pod.Name}}
			status.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 1, Reason: "Error", StartedAt: started, FinishedAt: started}}
		}
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, status)
	}
	_, err := clientset.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	return err
}

// controllersDone says whether every workload has the pods it asked for and every
// Service's EndpointSlices list exactly the addresses of its pods, with their readiness.
func controllersDone(ctx context.Context, ns string) (bool, error) {
	var (
		deployments  appsv1.DeploymentList
		replicaSets  appsv1.ReplicaSetList
		statefulSets appsv1.StatefulSetList
		daemonSets   appsv1.DaemonSetList
		pods         corev1.PodList
		services     corev1.ServiceList
		slices       discoveryv1.EndpointSliceList
	)
	for _, list := range []client.ObjectList{&deployments, &replicaSets, &statefulSets, &daemonSets, &pods, &services, &slices} {
		if err := k8sClient.List(ctx, list, client.InNamespace(ns)); err != nil {
			return false, err
		}
	}
	for _, d := range deployments.Items {
		if d.Status.ObservedGeneration < d.Generation {
			return false, nil
		}
	}
	owned := func(uid string) int {
		n := 0
		for _, p := range pods.Items {
			if p.DeletionTimestamp != nil {
				continue // controllers replace terminating pods without waiting for them
			}
			for _, ref := range p.OwnerReferences {
				if string(ref.UID) == uid {
					n++
				}
			}
		}
		return n
	}
	for _, rs := range replicaSets.Items {
		if rs.Status.ObservedGeneration < rs.Generation || owned(string(rs.UID)) != int(*rs.Spec.Replicas) {
			return false, nil
		}
	}
	for _, ss := range statefulSets.Items {
		if ss.Status.ObservedGeneration < ss.Generation || owned(string(ss.UID)) != int(*ss.Spec.Replicas) {
			return false, nil
		}
	}
	for _, ds := range daemonSets.Items {
		if ds.Status.ObservedGeneration < ds.Generation || owned(string(ds.UID)) != len(nodes) {
			return false, nil
		}
	}
	for _, svc := range services.Items {
		if svc.Spec.Selector == nil {
			continue
		}
		want := map[string]bool{}
		selector := labels.SelectorFromSet(svc.Spec.Selector)
		for _, p := range pods.Items {
			if p.Status.PodIP != "" && selector.Matches(labels.Set(p.Labels)) {
				// A terminating pod stays serving but is never a ready endpoint.
				want[p.Status.PodIP] = podReady(&p) && p.DeletionTimestamp == nil
			}
		}
		got := map[string]bool{}
		for _, s := range slices.Items {
			if s.Labels[discoveryv1.LabelServiceName] != svc.Name {
				continue
			}
			for _, ep := range s.Endpoints {
				got[ep.Addresses[0]] = ep.Conditions.Ready != nil && *ep.Conditions.Ready
			}
		}
		if !sets.KeySet(want).Equal(sets.KeySet(got)) {
			return false, nil
		}
		for ip, ready := range want {
			if got[ip] != ready {
				return false, nil
			}
		}
	}
	return true, nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func keyOf(namespace, name string) client.ObjectKey {
	return client.ObjectKey{Namespace: namespace, Name: name}
}

// waitFor polls until done, for what settle does not watch.
func waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return done(), nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

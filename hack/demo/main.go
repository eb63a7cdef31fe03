// Command demo runs kubectl netdoctor against a real API server: it starts the envtest
// control plane (kube-apiserver and etcd from hack/envtest.sh), loads the shop from
// examples/shop/ together with what a real cluster runs beside it (addons.yaml: nodes,
// Cilium, CoreDNS, ingress-nginx), writes what the controllers and kubelets would have written
// (ReplicaSets, Ready pods with IPs, EndpointSlices, Ingress and LoadBalancer status),
// then runs the diagnosing commands as a user would, with a kubeconfig it writes, and
// prints their output. `make demo` runs it; -wait keeps the cluster up to explore.
package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
)

//go:embed addons.yaml
var addonsYAML []byte

// demoCommand is one command the demo runs; the first argument is the subcommand,
// which is skipped when this build has no such command yet.
type demoCommand struct {
	why  string
	args []string
}

// commands are what an on-call engineer would run for the shop, in that order.
var commands = []demoCommand{
	{"payments has a Service selector typo", []string{"svc", "payments", "-n", "shop"}},
	{"checkout's Service targets a port name its pods do not declare", []string{"svc", "checkout", "-n", "shop"}},
	{"frontend is healthy", []string{"svc", "frontend", "-n", "shop"}},
	{"the payments NetworkPolicy allows the Service port, not the pod port", []string{"reach", "deploy/checkout", "deploy/payments", "-n", "shop"}},
	{"the TLS certificate does not cover the Ingress host", []string{"ingress", "shop", "-n", "shop"}},
	{"DNS as the checkout pods see it", []string{"dns", "deploy/checkout", "-n", "shop"}},
	{"everything in the namespace, one line per problem", []string{"scan", "-n", "shop"}},
}

func main() {
	examples := flag.String("examples", "examples/shop", "directory of manifests to load")
	wait := flag.Bool("wait", false, "keep the control plane running after the demo until interrupted")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *examples, *wait); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, examples string, wait bool) (err error) {
	start := time.Now()
	if err := ensureAssets(); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "netdoctor-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	banner("starting the control plane: kube-apiserver and etcd (envtest, %s)", os.Getenv("KUBEBUILDER_ASSETS"))
	env := &envtest.Environment{}
	cfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("envtest: %w", err)
	}
	defer func() {
		banner("stopping the control plane")
		if stopErr := env.Stop(); stopErr != nil && err == nil {
			err = stopErr
		}
	}()
	// The demo writes fixtures as one user; netdoctor reads as another, through a
	// kubeconfig file, exactly as a user's kubectl would.
	admin, err := env.AddUser(envtest.User{Name: "on-call", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		return err
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		return err
	}
	kubeconfigPath := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfigPath, kubeconfig, 0o600); err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}

	objs, err := decode("addons.yaml", addonsYAML)
	if err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(examples, "*.yaml"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no manifests in %s", examples)
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		more, err := decode(f, data)
		if err != nil {
			return err
		}
		objs = append(objs, more...)
	}
	banner("loading %s and the cluster add-ons (nodes, Cilium, CoreDNS, ingress-nginx)", examples)
	l := &loader{c: c}
	if err := l.apply(ctx, objs); err != nil {
		return err
	}
	l.summary()
	fmt.Printf("control plane up and loaded in %s\n", time.Since(start).Round(100*time.Millisecond))

	if err := os.Setenv("KUBECONFIG", kubeconfigPath); err != nil {
		return err
	}
	banner("export KUBECONFIG=%s", kubeconfigPath)
	for _, dc := range commands {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		runNetdoctor(dc)
	}
	if wait {
		banner("the cluster stays up: export KUBECONFIG=%s, then try kubectl netdoctor (Ctrl-C stops it)", kubeconfigPath)
		<-ctx.Done()
	}
	fmt.Printf("\ndemo finished in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// runNetdoctor runs one command line through the real root command and main's
// exit-code mapping, printing what a terminal would show.
func runNetdoctor(dc demoCommand) {
	line := "kubectl netdoctor " + strings.Join(dc.args, " ")
	fmt.Printf("\n# %s\n$ %s\n", dc.why, line)
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: os.Stdout, ErrOut: os.Stdout}
	root := cmd.NewCmdNetdoctor(streams)
	if sub, _, err := root.Find(dc.args[:1]); err != nil || sub == root {
		fmt.Printf("(skipped: this build has no `kubectl netdoctor %s` command yet)\n", dc.args[0])
		return
	}
	code := cmd.Execute(root, streams, dc.args)
	fmt.Printf("[exit code %d]\n", code)
}

func banner(format string, args ...any) {
	fmt.Printf("\n=== "+format+"\n", args...)
}

// ensureAssets points KUBEBUILDER_ASSETS at the binaries hack/envtest.sh builds.
func ensureAssets() error {
	if os.Getenv("KUBEBUILDER_ASSETS") != "" {
		return nil
	}
	c := exec.Command("bash", filepath.Join("hack", "envtest.sh"))
	c.Stderr = os.Stderr
	out, err := c.Output()
	if err != nil {
		return fmt.Errorf("hack/envtest.sh (run the demo from the repository root): %w", err)
	}
	return os.Setenv("KUBEBUILDER_ASSETS", strings.TrimSpace(string(out)))
}

// decode reads multi-document YAML into typed objects, keeping their namespaces.
func decode(name string, data []byte) ([]client.Object, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []client.Object
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if t := string(bytes.TrimSpace(j)); t == "" || t == "null" {
			continue
		}
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(j, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		co, ok := obj.(client.Object)
		if !ok {
			return nil, fmt.Errorf("%s: %T is not an object", name, obj)
		}
		objs = append(objs, co)
	}
}

// loader creates objects and writes what the missing controllers would.
type loader struct {
	c client.Client
	// created counts objects per namespace ("" for the cluster) and kind.
	created map[string]map[string]int
	// pods holds the pods created so far, per namespace, for EndpointSlices.
	pods  map[string][]corev1.Pod
	nodes []string
	// podSeq numbers pod IPs per node; scheduled spreads Deployment pods over nodes.
	podSeq    map[string]int
	scheduled int
}

// apply creates objs in dependency order: namespaces and nodes, then workloads and
// their pods, then everything else, then the EndpointSlices of every Service.
func (l *loader) apply(ctx context.Context, objs []client.Object) error {
	l.pods = map[string][]corev1.Pod{}
	l.podSeq = map[string]int{}
	l.created = map[string]map[string]int{}
	rank := func(o client.Object) int {
		switch o.(type) {
		case *corev1.Namespace:
			return 0
		case *corev1.Node:
			return 1
		case *appsv1.Deployment, *appsv1.DaemonSet:
			return 2
		case *corev1.Service:
			return 4
		}
		return 3
	}
	sort.SliceStable(objs, func(i, j int) bool { return rank(objs[i]) < rank(objs[j]) })
	var services []*corev1.Service
	for _, o := range objs {
		switch v := o.(type) {
		case *corev1.Namespace:
			if err := l.c.Create(ctx, v); err != nil && !apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("namespace %s: %w", v.Name, err)
			}
			l.count(v)
		case *corev1.Node:
			if err := l.create(ctx, v); err != nil {
				return err
			}
			l.nodes = append(l.nodes, v.Name)
		case *appsv1.Deployment:
			if err := l.deployment(ctx, v); err != nil {
				return err
			}
		case *appsv1.DaemonSet:
			if err := l.daemonSet(ctx, v); err != nil {
				return err
			}
		case *corev1.Service:
			if err := l.create(ctx, v); err != nil {
				return err
			}
			services = append(services, v)
		default:
			if err := l.create(ctx, v); err != nil {
				return err
			}
		}
	}
	// The EndpointSlice controller's view, from the pods as created.
	for _, svc := range services {
		slices := fixture.EndpointSlicesFor(svc, l.pods[svc.Namespace])
		for i := range slices {
			if err := l.c.Create(ctx, &slices[i]); err != nil {
				return fmt.Errorf("EndpointSlice %s/%s: %w", slices[i].Namespace, slices[i].Name, err)
			}
			l.count(&slices[i])
		}
	}
	return nil
}

// create creates obj, then writes its status as the controller owning it would.
func (l *loader) create(ctx context.Context, obj client.Object) error {
	withStatus := obj.DeepCopyObject().(client.Object)
	if err := l.c.Create(ctx, obj); err != nil {
		return fmt.Errorf("%s %s/%s: %w", kind(obj), obj.GetNamespace(), obj.GetName(), err)
	}
	if copyStatus(withStatus, obj) {
		if err := l.c.Status().Update(ctx, obj); err != nil {
			return fmt.Errorf("status of %s %s/%s: %w", kind(obj), obj.GetNamespace(), obj.GetName(), err)
		}
	}
	l.count(obj)
	return nil
}

func (l *loader) count(obj client.Object) {
	ns := obj.GetNamespace()
	if l.created[ns] == nil {
		l.created[ns] = map[string]int{}
	}
	l.created[ns][kind(obj)]++
}

// summary prints one line per namespace: what was created there, kinds sorted.
func (l *loader) summary() {
	namespaces := make([]string, 0, len(l.created))
	for ns := range l.created {
		namespaces = append(namespaces, ns)
	}
	sort.Strings(namespaces)
	for _, ns := range namespaces {
		kinds := make([]string, 0, len(l.created[ns]))
		for k := range l.created[ns] {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		parts := make([]string, 0, len(kinds))
		for _, k := range kinds {
			parts = append(parts, fmt.Sprintf("%d %s", l.created[ns][k], k))
		}
		name := ns
		if name == "" {
			name = "(cluster)"
		}
		fmt.Printf("  %-14s %s\n", name, strings.Join(parts, ", "))
	}
}

func copyStatus(from, to client.Object) bool {
	switch f := from.(type) {
	case *corev1.Node:
		to.(*corev1.Node).Status = f.Status
	case *corev1.Service:
		if len(f.Status.LoadBalancer.Ingress) == 0 {
			return false
		}
		to.(*corev1.Service).Status = f.Status
	case *networkingv1.Ingress:
		if len(f.Status.LoadBalancer.Ingress) == 0 {
			return false
		}
		to.(*networkingv1.Ingress).Status = f.Status
	case *corev1.Pod:
		to.(*corev1.Pod).Status = f.Status
	default:
		return false
	}
	return true
}

// deployment creates the Deployment, the ReplicaSet the deployment controller would
// create for its template, and Ready pods as the ReplicaSet controller, the scheduler
// and the kubelets would, then marks both workloads available.
func (l *loader) deployment(ctx context.Context, d *appsv1.Deployment) error {
	if err := l.create(ctx, d); err != nil {
		return err
	}
	replicas := int32(1)
	if d.Spec.Replicas != nil {
		replicas = *d.Spec.Replicas
	}
	hash := templateHash(&d.Spec.Template)
	podLabels := map[string]string{appsv1.DefaultDeploymentUniqueLabelKey: hash}
	for k, v := range d.Spec.Template.Labels {
		podLabels[k] = v
	}
	selector := d.Spec.Selector.DeepCopy()
	if selector.MatchLabels == nil {
		selector.MatchLabels = map[string]string{}
	}
	selector.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: d.Name + "-" + hash, Namespace: d.Namespace, Labels: podLabels,
			Annotations:     map[string]string{"deployment.kubernetes.io/revision": "1"},
			OwnerReferences: []metav1.OwnerReference{owner(d, "apps/v1", "Deployment")},
		},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: selector, Template: *d.Spec.Template.DeepCopy()},
	}
	rs.Spec.Template.Labels = podLabels
	if err := l.c.Create(ctx, rs); err != nil {
		return fmt.Errorf("ReplicaSet %s/%s: %w", rs.Namespace, rs.Name, err)
	}
	l.count(rs)
	for i := range int(replicas) {
		pod := l.readyPod(podName(rs.Name, i), rs.Namespace, &rs.Spec.Template, nil, owner(rs, "apps/v1", "ReplicaSet"), l.scheduled)
		l.scheduled++
		if err := l.create(ctx, pod); err != nil {
			return err
		}
		l.pods[pod.Namespace] = append(l.pods[pod.Namespace], *pod)
	}
	rs.Status = appsv1.ReplicaSetStatus{Replicas: replicas, FullyLabeledReplicas: replicas, ReadyReplicas: replicas,
		AvailableReplicas: replicas, ObservedGeneration: rs.Generation}
	if err := l.c.Status().Update(ctx, rs); err != nil {
		return fmt.Errorf("status of ReplicaSet %s/%s: %w", rs.Namespace, rs.Name, err)
	}
	now := metav1.Now()
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: replicas, UpdatedReplicas: replicas,
		ReadyReplicas: replicas, AvailableReplicas: replicas, Conditions: []appsv1.DeploymentCondition{
			{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable", LastUpdateTime: now, LastTransitionTime: now},
			{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable", LastUpdateTime: now, LastTransitionTime: now},
		}}
	if err := l.c.Status().Update(ctx, d); err != nil {
		return fmt.Errorf("status of Deployment %s/%s: %w", d.Namespace, d.Name, err)
	}
	return nil
}

// readyPod is a pod of ref built from template plus labels, on node nodeIdx, Running
// and Ready, with an IP from that node's pod CIDR (the node's own IP with hostNetwork).
func (l *loader) readyPod(name, namespace string, template *corev1.PodTemplateSpec, labels map[string]string, ref metav1.OwnerReference, nodeIdx int) *corev1.Pod {
	node := ""
	if len(l.nodes) > 0 {
		nodeIdx %= len(l.nodes)
		node = l.nodes[nodeIdx]
	}
	podLabels := maps.Clone(template.Labels)
	if podLabels == nil {
		podLabels = map[string]string{}
	}
	maps.Copy(podLabels, labels)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: namespace, Labels: podLabels, Annotations: maps.Clone(template.Annotations),
			OwnerReferences: []metav1.OwnerReference{ref},
		},
		Spec: *template.Spec.DeepCopy(),
	}
	pod.Spec.NodeName = node
	l.podSeq[node]++
	ip := fmt.Sprintf("10.244.%d.%d", nodeIdx+1, 10+l.podSeq[node])
	if pod.Spec.HostNetwork {
		ip = hostIP(nodeIdx)
	}
	started := metav1.NewTime(time.Now().Add(-time.Hour).Truncate(time.Second))
	pod.Status = corev1.PodStatus{
		Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}, HostIP: hostIP(nodeIdx), StartTime: &started,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: started},
		},
	}
	for _, c := range pod.Spec.Containers {
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: "", Ready: true, Started: ptr(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}},
		})
	}
	return pod
}

// podName is a generated pod name: owner name, "-", five characters stable per replica.
func podName(owner string, i int) string {
	return owner + "-" + rand.SafeEncodeString(fmt.Sprintf("%010d", fnv32(owner+fmt.Sprint(i))))[:5]
}

// daemonSet creates the DaemonSet and, as its controller and the kubelets would, one
// Ready pod per node, then marks it fully rolled out.
func (l *loader) daemonSet(ctx context.Context, ds *appsv1.DaemonSet) error {
	if err := l.create(ctx, ds); err != nil {
		return err
	}
	hash := templateHash(&ds.Spec.Template)
	for i := range l.nodes {
		pod := l.readyPod(podName(ds.Name, i), ds.Namespace, &ds.Spec.Template,
			map[string]string{appsv1.ControllerRevisionHashLabelKey: hash}, owner(ds, "apps/v1", "DaemonSet"), i)
		if err := l.create(ctx, pod); err != nil {
			return err
		}
		l.pods[pod.Namespace] = append(l.pods[pod.Namespace], *pod)
	}
	n := int32(len(l.nodes))
	ds.Status = appsv1.DaemonSetStatus{ObservedGeneration: ds.Generation, DesiredNumberScheduled: n, CurrentNumberScheduled: n,
		NumberReady: n, NumberAvailable: n, UpdatedNumberScheduled: n}
	if err := l.c.Status().Update(ctx, ds); err != nil {
		return fmt.Errorf("status of DaemonSet %s/%s: %w", ds.Namespace, ds.Name, err)
	}
	return nil
}

func hostIP(nodeIdx int) string { return fmt.Sprintf("172.18.0.%d", nodeIdx+2) }

// templateHash stands in for the deployment controller's pod-template-hash: stable
// for a template, in the same alphabet.
func templateHash(t *corev1.PodTemplateSpec) string {
	b, _ := yaml.Marshal(t)
	return rand.SafeEncodeString(fmt.Sprintf("%010d", fnv32(string(b))))
}

func fnv32(s string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return h.Sum32()
}

func owner(o client.Object, apiVersion, kind string) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: o.GetName(), UID: o.GetUID(),
		Controller: ptr(true), BlockOwnerDeletion: ptr(true)}
}

func kind(o runtime.Object) string {
	if gvks, _, err := scheme.Scheme.ObjectKinds(o); err == nil && len(gvks) > 0 {
		return gvks[0].Kind
	}
	return fmt.Sprintf("%T", o)
}

func ptr[T any](v T) *T { return &v }

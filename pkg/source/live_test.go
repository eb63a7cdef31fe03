package source

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

func fakeLive(objs ...runtime.Object) (*Live, *fake.Clientset) {
	client := fake.NewClientset(objs...)
	return newLiveFromClient(client), client
}

func listOptions(t *testing.T, client *fake.Clientset, resource string) []metav1.ListOptions {
	t.Helper()
	var out []metav1.ListOptions
	for _, a := range client.Actions() {
		if a.GetVerb() != "list" && a.GetResource().Resource == resource {
			t.Errorf("unexpected %s %s: Source must only get and list", a.GetVerb(), resource)
		}
		if la, ok := a.(k8stesting.ListActionImpl); ok && a.GetResource().Resource == resource {
			out = append(out, la.GetListOptions())
		}
	}
	return out
}

func TestLiveReadsWithServerSideSelectors(t *testing.T) {
	ctx := context.Background()
	live, client := fakeLive(
		&corev1.Pod{ObjectMeta: meta("b", "web-2", map[string]string{"app": "web"})},
		&corev1.Pod{ObjectMeta: meta("a", "web-1", map[string]string{"app": "web"})},
		&corev1.Pod{ObjectMeta: meta("a", "db-1", map[string]string{"app": "db"})},
		&corev1.Service{ObjectMeta: meta("b", "web", nil)},
		&corev1.Service{ObjectMeta: meta("a", "web", nil)},
		&corev1.Service{ObjectMeta: meta("a", "db", nil)},
		&discoveryv1.EndpointSlice{ObjectMeta: meta("a", "web-x", map[string]string{discoveryv1.LabelServiceName: "web"})},
		&discoveryv1.EndpointSlice{ObjectMeta: meta("a", "db-x", map[string]string{discoveryv1.LabelServiceName: "db"})},
		&corev1.Event{ObjectMeta: meta("a", "e1", nil), InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web-1"}},
		&corev1.Event{ObjectMeta: meta("a", "e2", nil), InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "db-1"}},
	)
	if !live.Live() || !live.Has("Anything") {
		t.Error("Live() and Has() must be true")
	}
	for _, g := range []Guarantee{Complete, ControllerStatus, RecordedEvents, Admitted} {
		if !live.Guarantees(g) || !NewCached(live, "a").Guarantees(g) {
			t.Errorf("Guarantees(%d) = false live (or through Cached)", g)
		}
	}

	pods, err := List[corev1.Pod](ctx, live, AllNamespaces, labels.SelectorFromSet(labels.Set{"app": "web"}))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "pods app=web", names(pods), []string{"a/web-1", "b/web-2"})
	pods, _ = List[corev1.Pod](ctx, live, "a", labels.Everything())
	equal(t, "pods in a", names(pods), []string{"a/db-1", "a/web-1"})
	pods, _ = List[corev1.Pod](ctx, live, "a", nil)
	equal(t, "pods in a (nil selector)", names(pods), []string{"a/db-1", "a/web-1"})
	opts := listOptions(t, client, "pods")
	if len(opts) != 3 || opts[0].LabelSelector != "app=web" || opts[1].LabelSelector != "" || opts[0].Limit != pageSize {
		t.Errorf("pod list options = %+v", opts)
	}
	pods, _ = List[corev1.Pod](ctx, live, "a", labels.Nothing())
	if pods == nil || len(pods) != 0 {
		t.Errorf("Nothing() = %v, want empty non-nil", pods)
	}
	if n := len(listOptions(t, client, "pods")); n != 3 {
		t.Errorf("labels.Nothing() made a request (%d lists)", n)
	}

	svcs, err := live.Services(ctx, AllNamespaces, "web")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "services named web", names(svcs), []string{"a/web", "b/web"})
	if opts := listOptions(t, client, "services"); len(opts) != 1 || opts[0].FieldSelector != "metadata.name=web" {
		t.Errorf("service list options = %+v", opts)
	}
	svcs, _ = live.Services(ctx, "a", "")
	equal(t, "services in a", names(svcs), []string{"a/db", "a/web"})

	slices, _ := EndpointSlicesOf(ctx, live, "a", "web")
	equal(t, "slices", names(slices), []string{"a/web-x"})
	if opts := listOptions(t, client, "endpointslices"); len(opts) != 1 || opts[0].LabelSelector != "kubernetes.io/service-name=web" {
		t.Errorf("endpointslice list options = %+v", opts)
	}

	events, _ := live.Events(ctx, "a", "Pod", "web-1")
	equal(t, "events", names(events), []string{"a/e1"})
	if opts := listOptions(t, client, "events"); len(opts) != 1 || opts[0].FieldSelector != "involvedObject.kind=Pod,involvedObject.name=web-1" {
		t.Errorf("event list options = %+v", opts)
	}

	nps, err := List[networkingv1.NetworkPolicy](ctx, live, "a", nil)
	if err != nil || nps == nil || len(nps) != 0 {
		t.Errorf("NetworkPolicies = %v, %v; want empty non-nil", nps, err)
	}
	for name, list := range map[string]func() (int, error){
		"nodes":        func() (int, error) { l, err := List[corev1.Node](ctx, live, AllNamespaces, nil); return len(l), err },
		"namespaces":   func() (int, error) { l, err := live.Namespaces(ctx); return len(l), err },
		"statefulsets": func() (int, error) { l, err := List[appsv1.StatefulSet](ctx, live, "a", nil); return len(l), err },
		"deployments":  func() (int, error) { l, err := List[appsv1.Deployment](ctx, live, "a", nil); return len(l), err },
		"daemonsets":   func() (int, error) { l, err := List[appsv1.DaemonSet](ctx, live, "a", nil); return len(l), err },
		"replicasets":  func() (int, error) { l, err := List[appsv1.ReplicaSet](ctx, live, "a", nil); return len(l), err },
		"jobs":         func() (int, error) { l, err := List[batchv1.Job](ctx, live, "a", nil); return len(l), err },
		"ingresses":    func() (int, error) { l, err := List[networkingv1.Ingress](ctx, live, "a", nil); return len(l), err },
		"ingressclasses": func() (int, error) {
			l, err := List[networkingv1.IngressClass](ctx, live, AllNamespaces, nil)
			return len(l), err
		},
	} {
		if n, err := list(); err != nil || n != 0 {
			t.Errorf("%s: %d, %v", name, n, err)
		}
	}

	for _, a := range client.Actions() {
		if v := a.GetVerb(); v != "list" && v != "get" {
			t.Errorf("Live issued a %s", v)
		}
	}
}

func TestLiveGetters(t *testing.T) {
	ctx := context.Background()
	live, _ := fakeLive(&corev1.Service{ObjectMeta: meta("a", "web", nil)})
	if svc, err := Get[corev1.Service](ctx, live, "a", "web"); err != nil || svc.Name != "web" {
		t.Fatalf("Service = %v, %v", svc, err)
	}
	for name, get := range map[string]func() error{
		"service":   func() error { _, err := Get[corev1.Service](ctx, live, "b", "web"); return err },
		"pod":       func() error { _, err := Get[corev1.Pod](ctx, live, "a", "x"); return err },
		"endpoints": func() error { _, err := Get[corev1.Endpoints](ctx, live, "a", "web"); return err },
		"configmap": func() error { _, err := Get[corev1.ConfigMap](ctx, live, "a", "x"); return err },
		"secret":    func() error { _, err := Get[corev1.Secret](ctx, live, "a", "x"); return err },
		"ingress":   func() error { _, err := Get[networkingv1.Ingress](ctx, live, "a", "x"); return err },
	} {
		err := get()
		if !IsNotFound(err) {
			t.Errorf("%s: IsNotFound(%v) = false", name, err)
		}
	}
	_, err := Get[corev1.Secret](ctx, live, "a", "tls")
	var re *ReadError
	if !errors.As(err, &re) || re.Verb != "get" || re.Resource != "secrets" || re.Namespace != "a" || re.Name != "tls" {
		t.Errorf("ReadError = %+v", re)
	}
}

func TestLiveForbidden(t *testing.T) {
	ctx := context.Background()
	live, client := fakeLive()
	forbid := func(a k8stesting.Action) (bool, runtime.Object, error) {
		gr := a.GetResource().GroupResource()
		return true, nil, apierrors.NewForbidden(gr, "", errors.New("RBAC says no"))
	}
	client.PrependReactor("list", "pods", forbid)
	client.PrependReactor("list", "endpointslices", forbid)
	client.PrependReactor("get", "services", forbid)

	_, err := List[corev1.Pod](ctx, live, "shop", labels.Everything())
	var re *ReadError
	if !IsForbidden(err) || !errors.As(err, &re) {
		t.Fatalf("Pods error %v is not a forbidden ReadError", err)
	}
	if re.Verb != "list" || re.Resource != "pods" || re.Namespace != "shop" || IsNotFound(err) {
		t.Errorf("ReadError = %+v", re)
	}
	if want := "kubectl auth can-i list pods -n shop"; re.CanICommand() != want {
		t.Errorf("CanICommand() = %q, want %q", re.CanICommand(), want)
	}

	_, err = EndpointSlicesOf(ctx, live, AllNamespaces, "web")
	if !IsForbidden(err) || !errors.As(err, &re) || re.Resource != "endpointslices.discovery.k8s.io" || re.Namespace != "" {
		t.Errorf("EndpointSlices error = %v (%+v)", err, re)
	}
	if want := "kubectl auth can-i list endpointslices.discovery.k8s.io --all-namespaces"; re.CanICommand() != want {
		t.Errorf("CanICommand() = %q, want %q", re.CanICommand(), want)
	}

	_, err = Get[corev1.Service](ctx, live, "shop", "web")
	if !IsForbidden(err) || !errors.As(err, &re) || re.Verb != "get" || re.Resource != "services" || re.Name != "web" {
		t.Errorf("Service error = %v (%+v)", err, re)
	}
}

// pagedReactor serves services in pages of one, using its own continue tokens, and
// optionally expires the token after the first page.
func pagedReactor(items []corev1.Service, expire bool, calls *[]metav1.ListOptions) k8stesting.ReactionFunc {
	return func(a k8stesting.Action) (bool, runtime.Object, error) {
		opts := a.(k8stesting.ListActionImpl).GetListOptions()
		*calls = append(*calls, opts)
		if opts.Limit == 0 {
			return true, &corev1.ServiceList{Items: items}, nil
		}
		i := 0
		if opts.Continue != "" {
			if expire {
				return true, nil, apierrors.NewResourceExpired("continue token expired")
			}
			fmt.Sscanf(opts.Continue, "page-%d", &i)
		}
		list := &corev1.ServiceList{Items: items[i : i+1]}
		if i+1 < len(items) {
			list.Continue = fmt.Sprintf("page-%d", i+1)
		}
		return true, list, nil
	}
}

func TestLivePagination(t *testing.T) {
	ctx := context.Background()
	items := []corev1.Service{{ObjectMeta: meta("a", "c", nil)}, {ObjectMeta: meta("a", "a", nil)}, {ObjectMeta: meta("a", "b", nil)}}

	for _, expire := range []bool{false, true} {
		live, client := fakeLive()
		var calls []metav1.ListOptions
		client.PrependReactor("list", "services", pagedReactor(items, expire, &calls))
		svcs, err := live.Services(ctx, "a", "")
		if err != nil {
			t.Fatal(err)
		}
		equal(t, fmt.Sprintf("services (expire=%v)", expire), names(svcs), []string{"a/a", "a/b", "a/c"})
		want := 3 // three pages, or: first page, expired continue, one full list
		if len(calls) != want {
			t.Errorf("expire=%v: %d list calls, want %d: %+v", expire, len(calls), want, calls)
		}
		if calls[0].Limit != pageSize {
			t.Errorf("first page limit = %d", calls[0].Limit)
		}
	}
}

func TestCountRequests(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	single := `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"web-0","namespace":"shop","labels":{"app":"web"}}}]}`
	pages := []string{
		`{"kind":"PodList","apiVersion":"v1","metadata":{"continue":"next"},"items":[{"metadata":{"name":"b","namespace":"paged"}}]}`,
		`{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"a","namespace":"paged"}}]}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method != http.MethodGet:
			http.Error(w, "unexpected "+r.Method, http.StatusMethodNotAllowed)
		case r.URL.Path == "/api/v1/namespaces/shop/pods":
			fmt.Fprint(w, single)
		case r.URL.Path == "/api/v1/namespaces/paged/pods" && r.URL.Query().Get("continue") == "next":
			fmt.Fprint(w, pages[1])
		case r.URL.Path == "/api/v1/namespaces/paged/pods":
			fmt.Fprint(w, pages[0])
		default:
			http.Error(w, "unexpected "+r.URL.Path, http.StatusNotFound)
		}
	}))
	defer srv.Close()

	cfg := &rest.Config{Host: srv.URL}
	stats := CountRequests(cfg)
	live, err := NewLive(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pods, err := List[corev1.Pod](context.Background(), live, "shop", labels.SelectorFromSet(labels.Set{"app": "web"}))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "pods", names(pods), []string{"shop/web-0"})
	if s := stats.Snapshot(); s.Requests != 1 || s.Bytes != int64(len(single)) {
		t.Errorf("stats = %+v, want 1 request and %d bytes", s, len(single))
	}
	if len(queries) != 1 || !strings.Contains(queries[0], "limit=500") || !strings.Contains(queries[0], "labelSelector=app%3Dweb") {
		t.Errorf("query = %v", queries)
	}

	pods, err = List[corev1.Pod](context.Background(), live, "paged", labels.Everything())
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "paged pods", names(pods), []string{"paged/a", "paged/b"})
	if s := stats.Snapshot(); s.Requests != 3 || s.Bytes != int64(len(single)+len(pages[0])+len(pages[1])) {
		t.Errorf("stats = %+v, want 3 requests", s)
	}
	if !strings.Contains(queries[2], "continue=next") || strings.Contains(queries[1], "labelSelector") {
		t.Errorf("queries = %v", queries)
	}

	if _, err := NewLive(nil); err == nil {
		t.Error("NewLive(nil) did not fail")
	}
}

// TestLiveAsksForProtobuf: built-in kinds are asked for as protobuf, with JSON as the
// fallback a server may answer with (this one does); CRDs are read as JSON.
func TestLiveAsksForProtobuf(t *testing.T) {
	var mu sync.Mutex
	accept := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		accept[r.URL.Path] = r.Header.Get("Accept")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/pods"):
			fmt.Fprint(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"p","namespace":"a"}}]}`)
		default:
			fmt.Fprint(w, `{"kind":"List","apiVersion":"v1","metadata":{},"items":[]}`)
		}
	}))
	defer srv.Close()
	live, err := NewLive(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	pods, err := List[corev1.Pod](context.Background(), live, "a", nil)
	if err != nil || len(pods) != 1 {
		t.Fatalf("pods through the JSON fallback: %v %v", pods, err)
	}
	if got := accept["/api/v1/namespaces/a/pods"]; !strings.HasPrefix(got, "application/vnd.kubernetes.protobuf") || !strings.Contains(got, "application/json") {
		t.Errorf("Accept for pods = %q, want protobuf first and JSON as fallback", got)
	}
	gvr := gatewayv1.SchemeGroupVersion.WithResource("httproutes")
	if _, err := live.dynamic.Resource(gvr).Namespace("a").List(context.Background(), metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := accept["/apis/gateway.networking.k8s.io/v1/namespaces/a/httproutes"]; strings.Contains(got, "protobuf") {
		t.Errorf("Accept for a CRD = %q, want JSON only", got)
	}
}

func TestListsDropWhatNoCheckReads(t *testing.T) {
	svc := &corev1.Service{ObjectMeta: meta("a", "web", nil)}
	svc.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply}}
	svc.Annotations = map[string]string{lastApplied: `{"big":"copy"}`, "service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}
	live, _ := fakeLive(svc)
	services, err := List[corev1.Service](context.Background(), live, "a", nil)
	if err != nil || len(services) != 1 {
		t.Fatalf("%v %v", services, err)
	}
	if s := services[0]; s.ManagedFields != nil || s.Annotations[lastApplied] != "" || s.Annotations["service.beta.kubernetes.io/aws-load-balancer-type"] != "nlb" {
		t.Errorf("managedFields %v, annotations %v: want both gone and the others kept", s.ManagedFields, s.Annotations)
	}
}

// TestListedPodsKeepWhatChecksRead: the fields leanenPod drops are read by no check;
// everything a check does read (ports, env, conditions, statuses, the Service proxy's
// volumes in kube-system) survives the list.
func TestListedPodsKeepWhatChecksRead(t *testing.T) {
	quantity := resource.MustParse("100m")
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz"}}}
	podIn := func(ns string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: meta(ns, "web-1", map[string]string{"app": "web"})}
		p.Spec.Volumes = []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-proxy"}}}}}
		p.Spec.Containers = []corev1.Container{{
			Name: "web", Command: []string{"/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf"},
			Ports:         []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
			Env:           []corev1.EnvVar{{Name: "UPSTREAM", Value: "$(API_SERVICE_HOST)"}},
			VolumeMounts:  []corev1.VolumeMount{{Name: "config", MountPath: "/var/lib/kube-proxy"}},
			Resources:     corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: quantity}},
			LivenessProbe: probe, ReadinessProbe: probe, StartupProbe: probe,
		}}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "web", RestartCount: 4,
			AllocatedResources: corev1.ResourceList{corev1.ResourceCPU: quantity},
			ImageID:            "registry.example.com/web@sha256:0123", ContainerID: "containerd://4567",
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}
		p.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubelet", Operation: metav1.ManagedFieldsOperationUpdate}}
		p.Annotations = map[string]string{lastApplied: `{"big":"copy"}`, "prometheus.io/scrape": "true"}
		p.Spec.Tolerations = []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists}}
		p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: ptrTo(true)}
		p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{RunAsNonRoot: ptrTo(true)}
		p.Spec.Containers[0].Image = "registry.example.com/web:1.0"
		p.Spec.Containers[0].TerminationMessagePath = "/dev/termination-log"
		p.Spec.ServiceAccountName, p.Spec.NodeName, p.Spec.DNSPolicy = "web", "node-1", corev1.DNSClusterFirst
		p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/gate"}}
		return p
	}
	live, _ := fakeLive(podIn("shop"), podIn(metav1.NamespaceSystem))
	for _, ns := range []string{"shop", metav1.NamespaceSystem} {
		pods, err := List[corev1.Pod](context.Background(), live, ns, nil)
		if err != nil || len(pods) != 1 {
			t.Fatalf("%s: %v %v", ns, pods, err)
		}
		p, c := pods[0], pods[0].Spec.Containers[0]
		if c.Resources.Requests != nil || c.LivenessProbe != nil || c.ReadinessProbe != nil || c.StartupProbe != nil ||
			p.Status.ContainerStatuses[0].AllocatedResources != nil {
			t.Errorf("%s: resources or probes kept: %+v", ns, c)
		}
		if len(c.Ports) != 1 || len(c.Env) != 1 || len(c.Command) != 2 || len(p.Status.Conditions) != 1 ||
			p.Status.ContainerStatuses[0].State.Waiting == nil || p.Status.ContainerStatuses[0].RestartCount != 4 {
			t.Errorf("%s: lost what checks read: %+v", ns, p)
		}
		// Read by checks: the image (which agent runs, CoreDNS), the identity Cilium
		// selects on, the node, the DNS policy and the readiness gates.
		if c.Image == "" || p.Spec.ServiceAccountName != "web" || p.Spec.NodeName != "node-1" || p.Spec.DNSPolicy != corev1.DNSClusterFirst || len(p.Spec.ReadinessGates) != 1 {
			t.Errorf("%s: lost image, service account, node, DNS policy or readiness gates: %+v", ns, p.Spec)
		}
		if st := p.Status.ContainerStatuses[0]; p.ManagedFields != nil || p.Spec.Tolerations != nil || p.Spec.SecurityContext != nil ||
			c.SecurityContext != nil || c.TerminationMessagePath != "" || st.ImageID != "" || st.ContainerID != "" {
			t.Errorf("%s: kept what no check reads: %+v", ns, p)
		}
		system := ns == metav1.NamespaceSystem
		if kept := len(p.Spec.Volumes) == 1 && len(c.VolumeMounts) == 1; kept != system {
			t.Errorf("%s: volumes kept %v, want %v (the Service proxy's config is read in kube-system only)", ns, kept, system)
		}
		if kept := p.Annotations["prometheus.io/scrape"] == "true"; kept != system || p.Annotations[lastApplied] != "" {
			t.Errorf("%s: annotations %v, want the last-applied copy gone and the rest kept only in kube-system", ns, p.Annotations)
		}
	}
}

// TestListedPodsShareEqualLabels: the pods of a ReplicaSet carry the same labels; a list
// keeps one map for them, and a pod whose labels differ keeps its own.
func TestListedPodsShareEqualLabels(t *testing.T) {
	replica := func(name string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: meta("shop", name, map[string]string{"app": "web", "pod-template-hash": "5d4f8"})}
	}
	other := &corev1.Pod{ObjectMeta: meta("shop", "web-x", map[string]string{"app": "web", "pod-template-hash": "77c9d"})}
	bare := &corev1.Pod{ObjectMeta: meta("shop", "bare", nil)}
	live, _ := fakeLive(replica("web-a"), replica("web-b"), other, bare)
	pods, err := List[corev1.Pod](context.Background(), live, "shop", nil)
	if err != nil || len(pods) != 4 {
		t.Fatalf("%v %v", pods, err)
	}
	byName := map[string]corev1.Pod{}
	for _, p := range pods {
		byName[p.Name] = p
	}
	same := func(a, b map[string]string) bool {
		return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
	}
	if a, b := byName["web-a"].Labels, byName["web-b"].Labels; !same(a, b) || a["pod-template-hash"] != "5d4f8" || len(a) != 2 {
		t.Errorf("replicas' labels %v and %v: want one map with both labels", a, b)
	}
	if x := byName["web-x"].Labels; same(x, byName["web-a"].Labels) || x["pod-template-hash"] != "77c9d" {
		t.Errorf("another ReplicaSet's pod has labels %v: want its own", x)
	}
	if byName["bare"].Labels != nil {
		t.Errorf("a pod without labels got %v", byName["bare"].Labels)
	}
}

// TestLiveIsNotThrottledByClientGoDefaults: a scan -A makes some 40 requests one after
// another; under client-go's default limiter (5 a second after a burst of 10) 40
// requests take at least 6 s of waiting, and the scan's wall time was mostly that.
func TestLiveIsNotThrottledByClientGoDefaults(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"a"}}`)
	}))
	defer srv.Close()
	live, err := NewLive(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	const requests = 40
	for range requests {
		if _, err := Get[corev1.Pod](context.Background(), live, "a", "p"); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("%d sequential gets took %v: a client-side limiter holds them up", requests, took)
	}
	own := &rest.Config{QPS: 7, Burst: 3}
	if got := withRateLimit(own); got.QPS != 7 || got.Burst != 3 || got.RateLimiter != nil {
		t.Errorf("a config's own rate (QPS 7, burst 3) became QPS %v, burst %d", got.QPS, got.Burst)
	}
}

package source

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

// writeFiles creates files (relative path → content) under a temp dir and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadManifest writes manifest to a file named name and reads it as `-f name` does.
func loadManifest(t *testing.T, name, manifest, namespace string) *Objects {
	t.Helper()
	return mustLoad(t, []string{filepath.Join(writeFiles(t, map[string]string{name: manifest}), name)}, "", namespace)
}

func mustLoad(t *testing.T, paths []string, stdin string, namespace string) *Objects {
	t.Helper()
	o, err := FromFiles(paths, strings.NewReader(stdin), namespace)
	if err != nil {
		t.Fatalf("FromFiles(%v): %v", paths, err)
	}
	return o
}

const multiDoc = `# leading comment
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
---
# a document with only a comment
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny
  namespace: other
spec:
  podSelector: {}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-0
  labels:
    app: web
spec:
  containers:
  - name: app
    image: nginx
    ports:
    - containerPort: 8080
`

func TestFromFilesMultiDocYAML(t *testing.T) {
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{"all.yaml": multiDoc})
	o := mustLoad(t, []string{filepath.Join(dir, "all.yaml")}, "", "team-a")

	svc, err := Get[corev1.Service](ctx, o, "team-a", "web")
	if err != nil {
		t.Fatalf("default namespace not applied: %v", err)
	}
	if p := svc.Spec.Ports[0]; p.Protocol != corev1.ProtocolTCP || p.TargetPort.IntValue() != 80 {
		t.Errorf("service port not defaulted: %+v", p)
	}
	if svc.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("service type = %q, want ClusterIP", svc.Spec.Type)
	}
	nps, _ := List[networkingv1.NetworkPolicy](ctx, o, "other", nil)
	if len(nps) != 1 {
		t.Fatalf("network policies in other = %v, want deny (explicit namespace kept)", names(nps))
	}
	if got := nps[0].Spec.PolicyTypes; len(got) != 1 || got[0] != networkingv1.PolicyTypeIngress {
		t.Errorf("policyTypes = %v, want [Ingress]", got)
	}
	pod, err := Get[corev1.Pod](ctx, o, "team-a", "web-0")
	if err != nil {
		t.Fatal(err)
	}
	if pod.Spec.Containers[0].Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("container port protocol not defaulted")
	}
	if IsSynthetic(pod) {
		t.Error("a pod from the files is reported synthetic")
	}
	if !o.Has("Service") || !o.Has("NetworkPolicy") || o.Has("Ingress") {
		t.Errorf("Has() wrong: Service=%v NetworkPolicy=%v Ingress=%v", o.Has("Service"), o.Has("NetworkPolicy"), o.Has("Ingress"))
	}
}

func TestFromFilesDefaultNamespaceIsDefault(t *testing.T) {
	dir := writeFiles(t, map[string]string{"svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"})
	o := mustLoad(t, []string{filepath.Join(dir, "svc.yaml")}, "", "")
	if _, err := Get[corev1.Service](context.Background(), o, "default", "web"); err != nil {
		t.Error(err)
	}
}

func TestFromFilesJSON(t *testing.T) {
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{
		"svc.json": `{"apiVersion":"v1","kind":"Service","metadata":{"name":"api","namespace":"x"},
			"spec":{"ports":[{"port":443,"targetPort":"https","protocol":"TCP"}]}}`,
		// a stream of JSON objects, as kubectl accepts
		"stream.json": `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}
{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"},"data":{"k":"v"}}`,
	})
	o := mustLoad(t, []string{filepath.Join(dir, "svc.json"), filepath.Join(dir, "stream.json")}, "", "ns")
	svc, err := Get[corev1.Service](ctx, o, "x", "api")
	if err != nil {
		t.Fatal(err)
	}
	if tp := svc.Spec.Ports[0].TargetPort; tp.String() != "https" {
		t.Errorf("targetPort = %v, want https", tp.String())
	}
	cm, err := Get[corev1.ConfigMap](ctx, o, "ns", "b")
	if err != nil || cm.Data["k"] != "v" {
		t.Errorf("ConfigMap ns/b = %v, %v", cm, err)
	}
	if _, err := Get[corev1.ConfigMap](ctx, o, "ns", "a"); err != nil {
		t.Error(err)
	}
}

func TestFromFilesList(t *testing.T) {
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{"list.yaml": `
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: a}
  spec: {ports: [{port: 80}]}
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1
    kind: Service
    metadata: {name: nested}
`,
		// the raw API form: items carry no kind of their own
		"typed.json": `{"apiVersion":"v1","kind":"ServiceList","metadata":{"resourceVersion":"1"},
			"items":[{"metadata":{"name":"b","namespace":"y"},"spec":{"ports":[{"port":81}]}}]}`,
	})
	o := mustLoad(t, []string{dir}, "", "default")
	svcs, _ := o.Services(ctx, AllNamespaces, "")
	equal(t, "services", names(svcs), []string{"default/a", "default/nested", "y/b"})
}

const kubectlGetYAML = `apiVersion: v1
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    annotations:
      deployment.kubernetes.io/revision: "1"
    creationTimestamp: "2025-01-02T03:04:05Z"
    generation: 1
    name: web
    namespace: shop
    resourceVersion: "1234"
    uid: 0b0b0b0b-0000-0000-0000-000000000001
  spec:
    replicas: 2
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
        containers:
        - image: nginx:1.27
          name: nginx
          ports:
          - containerPort: 80
            protocol: TCP
  status:
    availableReplicas: 2
    readyReplicas: 2
    replicas: 2
- apiVersion: v1
  kind: Pod
  metadata:
    creationTimestamp: "2025-01-02T03:04:06Z"
    labels:
      app: web
      pod-template-hash: 7d9c
    name: web-7d9c-abcde
    namespace: shop
    ownerReferences:
    - apiVersion: apps/v1
      blockOwnerDeletion: true
      controller: true
      kind: ReplicaSet
      name: web-7d9c
      uid: 0b0b0b0b-0000-0000-0000-000000000002
    resourceVersion: "1240"
    managedFields:
    - apiVersion: v1
      fieldsType: FieldsV1
      fieldsV1:
        f:metadata: {}
      manager: kube-controller-manager
      operation: Update
      time: "2025-01-02T03:04:06Z"
  spec:
    containers:
    - image: nginx:1.27
      name: nginx
      resources:
        requests:
          cpu: 100m
          memory: 64Mi
  status:
    conditions:
    - lastProbeTime: null
      lastTransitionTime: "2025-01-02T03:04:10Z"
      status: "True"
      type: Ready
    phase: Running
    podIP: 10.244.1.7
    podIPs:
    - ip: 10.244.1.7
kind: List
metadata:
  resourceVersion: ""
`

func TestFromFilesKubectlGetOutput(t *testing.T) {
	ctx := context.Background()
	o := mustLoad(t, []string{"-"}, kubectlGetYAML, "default")
	pods, _ := List[corev1.Pod](ctx, o, "shop", labels.Everything())
	equal(t, "pods", names(pods), []string{"shop/web-7d9c-abcde"}) // no synthetic pod: the Deployment's pod is there
	p := pods[0]
	if p.Status.Phase != corev1.PodRunning || p.Status.PodIP != "10.244.1.7" || p.CreationTimestamp.IsZero() {
		t.Errorf("pod status/metadata not read: phase=%q ip=%q created=%v", p.Status.Phase, p.Status.PodIP, p.CreationTimestamp)
	}
	if q := p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]; q.String() != "100m" {
		t.Errorf("cpu request = %v", q.String())
	}
	deps, _ := List[appsv1.Deployment](ctx, o, "shop", nil)
	if len(deps) != 1 || deps[0].Status.ReadyReplicas != 2 || *deps[0].Spec.Replicas != 2 {
		t.Errorf("deployment not read: %+v", deps)
	}
}

func TestFromFilesDirectoryRecursion(t *testing.T) {
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{
		"a.yaml":            "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n",
		"sub/b.yml":         "apiVersion: v1\nkind: Service\nmetadata: {name: b}\n",
		"sub/deeper/c.json": `{"apiVersion":"v1","kind":"Service","metadata":{"name":"c"}}`,
		"sub/README.md":     "# not a manifest: {{",
		"sub/notes.txt":     "key: : value",
		".git/config.yaml":  "this: is: not: valid",
		"sub/.hidden/x.yml": "kind: [",
	})
	o := mustLoad(t, []string{dir}, "", "default")
	svcs, _ := o.Services(ctx, AllNamespaces, "")
	equal(t, "services", names(svcs), []string{"default/a", "default/b", "default/c"})

	// A file named explicitly is read whatever its extension.
	txt := writeFiles(t, map[string]string{"svc.txt": "apiVersion: v1\nkind: Service\nmetadata: {name: t}\n"})
	o = mustLoad(t, []string{filepath.Join(txt, "svc.txt"), filepath.Join(dir, "a.yaml")}, "", "default")
	svcs, _ = o.Services(ctx, AllNamespaces, "")
	equal(t, "services", names(svcs), []string{"default/a", "default/t"})
}

func TestFromFilesStdin(t *testing.T) {
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{"a.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: from-file}\n"})
	stdin := "\ufeffapiVersion: v1\r\nkind: Service\r\nmetadata:\r\n  name: from-stdin\r\n"
	o := mustLoad(t, []string{filepath.Join(dir, "a.yaml"), "-"}, stdin, "default")
	svcs, _ := o.Services(ctx, AllNamespaces, "")
	equal(t, "services", names(svcs), []string{"default/from-file", "default/from-stdin"})

	if _, err := FromFiles([]string{"-", "-"}, strings.NewReader(stdin), ""); err == nil || !strings.Contains(err.Error(), "only once") {
		t.Errorf("stdin twice: err = %v", err)
	}
	if _, err := FromFiles([]string{"-"}, nil, ""); err == nil || !strings.Contains(err.Error(), "stdin") {
		t.Errorf("nil stdin: err = %v", err)
	}
	if _, err := FromFiles([]string{"-"}, strings.NewReader(""), ""); err == nil || err.Error() != "no objects found in stdin" {
		t.Errorf("empty stdin: err = %v", err)
	}
}

func TestFromFilesEncodingAndSymlinks(t *testing.T) {
	ctx := context.Background()
	// UTF-16 LE with a byte order mark, as some Windows editors write.
	text := "apiVersion: v1\nkind: Service\nmetadata: {name: wide}\n"
	utf16le := []byte{0xFF, 0xFE}
	for _, r := range text {
		utf16le = append(utf16le, byte(r), 0)
	}
	dir := writeFiles(t, map[string]string{"real/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: linked}\n"})
	if err := os.WriteFile(filepath.Join(dir, "wide.yaml"), utf16le, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join(dir, "real"), link); err != nil {
		t.Skip("symlinks not supported:", err)
	}
	o := mustLoad(t, []string{filepath.Join(dir, "wide.yaml"), link}, "", "default")
	svcs, _ := o.Services(ctx, AllNamespaces, "")
	equal(t, "services", names(svcs), []string{"default/linked", "default/wide"})

	// Errors in a symlinked directory name the path as given.
	if err := os.WriteFile(filepath.Join(dir, "real", "bad.yaml"), []byte("kind: Service\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := FromFiles([]string{link}, nil, ""); err == nil || !strings.Contains(err.Error(), filepath.Join(link, "bad.yaml")) {
		t.Errorf("error = %v, want it to name %s", err, filepath.Join(link, "bad.yaml"))
	}
}

func TestFromFilesOthersAndScope(t *testing.T) {
	o := mustLoad(t, []string{"-"}, `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: cnp}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader, namespace: ignored}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: v1
kind: Secret
metadata: {name: tls}
type: kubernetes.io/tls
data:
  tls.crt: Y2VydA==
stringData:
  tls.key: key
`, "apps")
	got := map[string]string{}
	for _, obj := range o.Others {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			t.Fatalf("Others holds %T, want *unstructured.Unstructured", obj)
		}
		got[u.GetKind()] = u.GetNamespace()
	}
	if len(got) != 2 || got["Certificate"] != "apps" || got["ClusterRole"] != "" {
		t.Errorf("Others kind→namespace = %v, want Certificate→apps, ClusterRole→\"\"", got)
	}
	// Network plugin policies are not "others": checks read them (unstructured).
	cnps, err := o.CNIPolicies(context.Background(), "apps")
	if err != nil || len(cnps) != 1 || cnps[0].GetKind() != "CiliumNetworkPolicy" || cnps[0].GetNamespace() != "apps" || !o.Has(KindCNIPolicy) {
		t.Errorf("CNIPolicies(apps) = %v, %v", cnps, err)
	}
	ics, _ := List[networkingv1.IngressClass](context.Background(), o, AllNamespaces, nil)
	if len(ics) != 1 || ics[0].Namespace != "" || ics[0].Spec.Controller != "k8s.io/ingress-nginx" {
		t.Errorf("IngressClasses = %+v", ics)
	}
	s, err := Get[corev1.Secret](context.Background(), o, "apps", "tls")
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Data["tls.crt"]) != "cert" || string(s.Data["tls.key"]) != "key" {
		t.Errorf("secret data = %q, want base64-decoded data merged with stringData", s.Data)
	}
}

func TestFromFilesLastDuplicateWins(t *testing.T) {
	o := mustLoad(t, []string{"-"}, `
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {v: "1"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: default}
data: {v: "2"}
`, "default")
	cm, err := Get[corev1.ConfigMap](context.Background(), o, "default", "cm")
	if err != nil || cm.Data["v"] != "2" {
		t.Errorf("ConfigMap = %v, %v; want the last one (v=2)", cm, err)
	}
}

func TestFromFilesErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"bad.yaml": "apiVersion: v1\nkind: Service\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: x\n   bad: indent: here\n",
		"nokind.yaml": `apiVersion: v1
kind: Service
metadata: {name: ok}
---

apiVersion: v1
metadata: {name: nokind}
`,
		"noversion.yaml": "kind: Service\nmetadata: {name: x}\n",
		"noname.yaml":    "apiVersion: v1\nkind: Service\nmetadata: {}\n",
		"badtype.yaml":   "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n  - port: eighty\n",
		"scalar.yaml":    "just a string\n",
		"badlist.yaml":   "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n- metadata: {name: b}\n",
		"badjson.json":   "{\"apiVersion\": \"v1\",\n \"kind\": \"Service\",,\n}",
		"sep.yaml":       "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n--- garbage\n",
		"empty.yaml":     "# nothing here\n---\n",
		"emptydir/x.txt": "not read",
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range []struct {
		path string
		want []string
	}{
		{p("missing.yaml"), []string{"error reading " + p("missing.yaml") + ": no such file or directory"}},
		{p("bad.yaml"), []string{"error reading " + p("bad.yaml") + ": yaml: line 8:"}},
		{p("nokind.yaml"), []string{"error reading " + p("nokind.yaml") + `: document 2 (line 6): object has no "kind"`}},
		{p("noversion.yaml"), []string{p("noversion.yaml"), `document 1 (line 1): Service has no "apiVersion"`}},
		{p("noname.yaml"), []string{p("noname.yaml"), "Service has no metadata.name"}},
		{p("badtype.yaml"), []string{p("badtype.yaml"), "Service default/web:", "spec.ports.port"}},
		{p("scalar.yaml"), []string{p("scalar.yaml"), "expected a Kubernetes object, found a string"}},
		{p("badlist.yaml"), []string{p("badlist.yaml"), `document 1 (line 1), item 2: object has no "kind"`}},
		{p("badjson.json"), []string{p("badjson.json"), "json: line 2:"}},
		{p("sep.yaml"), []string{p("sep.yaml"), "line 4: invalid YAML document separator"}},
		{p("empty.yaml"), []string{"no objects found in " + p("empty.yaml")}},
		{p("emptydir"), []string{"no objects found in " + p("emptydir")}},
		{"https://example.com/x.yaml", []string{"URLs are not supported"}},
	} {
		_, err := FromFiles([]string{tc.path}, nil, "default")
		if err == nil {
			t.Errorf("%s: no error", tc.path)
			continue
		}
		t.Log(err)
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", tc.path, err)
		}
		for _, want := range tc.want {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not contain %q", tc.path, err, want)
			}
		}
	}
	if _, err := FromFiles(nil, nil, ""); err == nil {
		t.Error("no paths: no error")
	}
}

const workloads = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: payments, namespace: shop}
spec:
  selector: {matchLabels: {app: payments}}
  template:
    metadata:
      labels: {app: payments, tier: backend}
      annotations: {prometheus.io/scrape: "true"}
    spec:
      containers:
      - name: app
        image: payments:1
        ports: [{containerPort: 8080, name: http}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: payments-abc
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: payments, uid: u1, controller: true}]
spec:
  selector: {matchLabels: {app: payments}}
  template:
    metadata: {labels: {app: payments}}
    spec: {containers: [{name: app, image: payments:1}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db-headless
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      initContainers: [{name: init, image: busybox}]
      containers: [{name: db, image: postgres}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: migrate}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: idle, namespace: shop}
spec:
  replicas: 0
  selector: {matchLabels: {app: idle}}
  template:
    metadata: {labels: {app: idle}}
    spec: {containers: [{name: app, image: idle}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: agent}]}
`

func TestFromFilesSyntheticPods(t *testing.T) {
	ctx := context.Background()
	o := mustLoad(t, []string{"-"}, workloads, "default")
	pods, _ := List[corev1.Pod](ctx, o, "shop", labels.Everything())
	equal(t, "synthetic pods", names(pods), []string{
		"shop/agent-daemonset-template", "shop/db-statefulset-template",
		"shop/migrate-job-template", "shop/payments-deployment-template",
	})
	if !o.Has("Pod") {
		t.Error("Has(Pod) = false with synthetic pods")
	}

	p, err := Get[corev1.Pod](ctx, o, "shop", "payments-deployment-template")
	if err != nil {
		t.Fatal(err)
	}
	if !IsSynthetic(p) {
		t.Error("IsSynthetic = false")
	}
	if got := p.Annotations[SyntheticAnnotation]; got != "from Deployment payments pod template" {
		t.Errorf("annotation = %q", got)
	}
	if p.Annotations["prometheus.io/scrape"] != "true" {
		t.Errorf("template annotations not kept: %v", p.Annotations)
	}
	if len(p.Labels) != 2 || p.Labels["app"] != "payments" || p.Labels["tier"] != "backend" {
		t.Errorf("labels = %v, want the template labels", p.Labels)
	}
	if p.Status.Phase != corev1.PodRunning {
		t.Errorf("phase = %q", p.Status.Phase)
	}
	ready := map[corev1.PodConditionType]corev1.ConditionStatus{}
	for _, c := range p.Status.Conditions {
		ready[c.Type] = c.Status
	}
	if ready[corev1.PodReady] != corev1.ConditionTrue || ready[corev1.ContainersReady] != corev1.ConditionTrue {
		t.Errorf("conditions = %v, want Ready and ContainersReady True", p.Status.Conditions)
	}
	if len(p.Status.ContainerStatuses) != 1 || !p.Status.ContainerStatuses[0].Ready {
		t.Errorf("container statuses = %+v", p.Status.ContainerStatuses)
	}
	if port := p.Spec.Containers[0].Ports[0]; port.Name != "http" || port.Protocol != corev1.ProtocolTCP {
		t.Errorf("template port not kept and defaulted: %+v", port)
	}
	if ref := p.OwnerReferences; len(ref) != 1 || ref[0].Kind != "Deployment" || ref[0].Name != "payments" {
		t.Errorf("ownerReferences = %+v", ref)
	}

	// A Service selector finds the synthetic pod.
	sel := labels.SelectorFromSet(labels.Set{"app": "payments"})
	if got, _ := List[corev1.Pod](ctx, o, "shop", sel); len(got) != 1 {
		t.Errorf("pods for app=payments = %v", names(got))
	}

	db, _ := Get[corev1.Pod](ctx, o, "shop", "db-statefulset-template")
	if db.Spec.Subdomain != "db-headless" || db.Spec.Hostname != db.Name {
		t.Errorf("statefulset pod hostname/subdomain = %q/%q", db.Spec.Hostname, db.Spec.Subdomain)
	}
	if len(db.Status.InitContainerStatuses) != 1 || db.Status.InitContainerStatuses[0].State.Terminated == nil {
		t.Errorf("init container status = %+v", db.Status.InitContainerStatuses)
	}
	job, _ := Get[corev1.Pod](ctx, o, "shop", "migrate-job-template")
	if job.Labels["batch.kubernetes.io/job-name"] != "migrate" || job.Labels["job-name"] != "migrate" {
		t.Errorf("job pod labels = %v", job.Labels)
	}
}

func TestFromFilesNoSyntheticPodWhenPodsGiven(t *testing.T) {
	ctx := context.Background()
	matching := workloads + `
---
apiVersion: v1
kind: Pod
metadata: {name: payments-1, namespace: shop, labels: {app: payments}}
spec: {containers: [{name: app, image: payments:1}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: migrate-xyz
  namespace: shop
  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: migrate, uid: u2}]
spec: {containers: [{name: migrate, image: migrate}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: other, labels: {app: db}}
spec: {containers: [{name: db, image: postgres}]}
`
	o := mustLoad(t, []string{"-"}, matching, "default")
	pods, _ := List[corev1.Pod](ctx, o, "shop", labels.Everything())
	// db-0 is in another namespace, so the StatefulSet still gets its template pod.
	equal(t, "pods", names(pods), []string{
		"shop/agent-daemonset-template", "shop/db-statefulset-template", "shop/migrate-xyz", "shop/payments-1",
	})
	for _, p := range pods {
		if want := strings.HasSuffix(p.Name, "-template"); IsSynthetic(&p) != want {
			t.Errorf("IsSynthetic(%s) = %v", p.Name, !want)
		}
	}
	if IsSynthetic(nil) {
		t.Error("IsSynthetic(nil) = true")
	}
}

package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// StdinPath, given as a path to FromFiles, reads manifests from its stdin reader.
const StdinPath = "-"

// SyntheticAnnotation marks the pods that FromFiles builds from workload pod templates.
// Its value says where the pod came from, e.g. "from Deployment web pod template".
const SyntheticAnnotation = "netdoctor.dev/synthetic"

// IsSynthetic reports whether pod was built by FromFiles from a workload's pod template
// rather than read from the input: such a pod stands for the pods the workload would
// run, and is reported Running and Ready because a manifest describes desired state.
func IsSynthetic(pod *corev1.Pod) bool {
	if pod == nil {
		return false
	}
	_, ok := pod.Annotations[SyntheticAnnotation]
	return ok
}

// manifestExtensions are the files read from a directory, as kubectl apply -f does.
// A file named explicitly is read whatever its extension.
var manifestExtensions = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// FromFiles reads manifests the way kubectl apply -f does and returns them as an
// in-memory Source. Each path is a file, a directory (read recursively: its .yaml,
// .yml and .json files, skipping hidden directories), or "-" for stdin. Files hold
// YAML or JSON, one or more documents, and may be Lists (including kubectl get -o
// yaml output). Objects of namespaced kinds without a namespace get defaultNamespace
// ("default" if empty), like kubectl's -n. When an object appears more than once,
// the last one wins, as it would with kubectl apply.
//
// Kinds that checks read are converted to their typed structs; anything else is kept
// in Others as *unstructured.Unstructured. Workloads whose pods are not in the input
// get one synthetic pod built from their pod template (see IsSynthetic).
//
// Errors name the file, and the document and line where they can: a path that does
// not exist, an unreadable file, YAML or JSON that does not parse, an object without
// kind, apiVersion or name, or a path that holds no objects.
func FromFiles(paths []string, stdin io.Reader, defaultNamespace string) (*Objects, error) {
	if len(paths) == 0 {
		return nil, errors.New("no manifest files given")
	}
	if defaultNamespace == "" {
		defaultNamespace = metav1.NamespaceDefault
	}
	l := &loader{namespace: defaultNamespace, index: map[objectKey]int{}, origins: map[Origin]Position{}}
	stdinRead := false
	for _, path := range paths {
		l.found = 0
		var err error
		switch {
		case path == StdinPath:
			if stdinRead {
				return nil, errors.New(`"-" (stdin) can be given only once`)
			}
			stdinRead = true
			err = l.loadStdin(stdin)
			path = "stdin"
		case path == "":
			return nil, errors.New("empty manifest path")
		case strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://"):
			return nil, fmt.Errorf("error reading %s: URLs are not supported; download the manifest and pass the file", path)
		default:
			err = l.loadPath(path)
		}
		if err != nil {
			return nil, err
		}
		if l.found == 0 {
			return nil, fmt.Errorf("no objects found in %s", path)
		}
	}
	objs := append(l.objs, syntheticPods(l.objs)...)
	store := FromObjects(objs...)
	store.origins = l.origins
	return store, nil
}

type objectKey struct{ group, kind, namespace, name string }

type loader struct {
	namespace string
	objs      []runtime.Object // typed for the kinds Objects stores, else *unstructured.Unstructured
	index     map[objectKey]int
	found     int // objects read from the current path argument
	at        Position
	origins   map[Origin]Position
}

// maxManifestBytes bounds one file or stdin. A `kubectl get -A -o yaml` dump of a
// 10,000-pod cluster fits; parsing much more would take gigabytes of memory (the
// decoded objects are several times the text), and a larger input is more likely a
// mistake (a disk image, a log) than manifests. Larger clusters are read live.
const maxManifestBytes = 128 << 20

func tooLarge(name string, size int64) error {
	return fmt.Errorf("error reading %s: too large (%d MiB; at most %d MiB): split it, or diagnose the live cluster", name, size>>20, maxManifestBytes>>20)
}

func (l *loader) loadStdin(stdin io.Reader) error {
	if stdin == nil {
		return errors.New("error reading stdin: no standard input available")
	}
	data, err := io.ReadAll(io.LimitReader(stdin, maxManifestBytes+1))
	if err != nil {
		return fmt.Errorf("error reading stdin: %w", err)
	}
	if len(data) > maxManifestBytes {
		return fmt.Errorf("error reading stdin: too large (more than %d MiB): split it, or diagnose the live cluster", maxManifestBytes>>20)
	}
	return l.loadData("stdin", data)
}

func (l *loader) loadPath(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("error reading %s: %w", path, pathErr(err))
	}
	if !info.IsDir() {
		return l.loadFile(path)
	}
	// WalkDir does not follow a symlinked root; walk its target and show paths under
	// the name the user gave.
	root, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("error reading %s: %w", path, pathErr(err))
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if rel, relErr := filepath.Rel(root, p); relErr == nil {
			p = filepath.Join(path, rel)
		}
		if err != nil {
			return fmt.Errorf("error reading %s: %w", p, pathErr(err))
		}
		if d.IsDir() {
			if p != filepath.Join(path, ".") && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir // .git, .github and the like hold no manifests to check
			}
			return nil
		}
		if !manifestExtensions[strings.ToLower(filepath.Ext(p))] {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Stat(p)
			if err != nil {
				return fmt.Errorf("error reading %s: %w", p, pathErr(err))
			}
			if target.IsDir() {
				return nil
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		return l.loadFile(p)
	})
}

func (l *loader) loadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("error reading %s: %w", path, pathErr(err))
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > maxManifestBytes {
		return tooLarge(path, info.Size())
	}
	// The size may change while reading (a file still being written, a FIFO).
	data, err := io.ReadAll(io.LimitReader(f, maxManifestBytes+1))
	if err != nil {
		return fmt.Errorf("error reading %s: %w", path, pathErr(err))
	}
	if len(data) > maxManifestBytes {
		return tooLarge(path, int64(len(data)))
	}
	return l.loadData(path, data)
}

// pathErr drops the operation and path from fs errors: the message names the path already.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// document is one decoded YAML or JSON document of a file.
type document struct {
	index int // 1-based, counting non-empty documents
	line  int // line where the document's content starts
	value any
}

func (d document) where() string { return fmt.Sprintf("document %d (line %d)", d.index, d.line) }

func (l *loader) loadData(name string, data []byte) error {
	data, err := toUTF8(data)
	if err != nil {
		return fmt.Errorf("error reading %s: %v", name, err)
	}
	docs, err := parseDocuments(data)
	if err != nil {
		return fmt.Errorf("error reading %s: %s", name, oneLine(err.Error()))
	}
	for _, doc := range docs {
		l.at = Position{File: name, Line: doc.line}
		obj, ok := doc.value.(map[string]any)
		if !ok {
			return fmt.Errorf("error reading %s: %s: expected a Kubernetes object, found %s", name, doc.where(), describeValue(doc.value))
		}
		if err := l.addObject(obj, "", ""); err != nil {
			return fmt.Errorf("error reading %s: %s%s", name, doc.where(), oneLine(err.Error()))
		}
	}
	return nil
}

// addObject adds one object, or each item of a List. Errors start with ": " or ", "
// so that they read on from the document's position.
func (l *loader) addObject(obj map[string]any, listKind, listAPIVersion string) error {
	u := &unstructured.Unstructured{Object: obj}
	kind, apiVersion := u.GetKind(), u.GetAPIVersion()
	if kind == "" && apiVersion == "" && listKind != "" {
		// Items of typed lists (ServiceList and so on) carry no kind of their own.
		kind, apiVersion = strings.TrimSuffix(listKind, "List"), listAPIVersion
		u.SetKind(kind)
		u.SetAPIVersion(apiVersion)
	}
	switch {
	case kind == "":
		return errors.New(`: object has no "kind"`)
	case apiVersion == "":
		return fmt.Errorf(`: %s has no "apiVersion"`, kind)
	}
	if items, isList := obj["items"]; isList && strings.HasSuffix(kind, "List") {
		list, ok := items.([]any)
		if !ok && items != nil {
			return fmt.Errorf(": %s items is not a list", kind)
		}
		for i, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				return fmt.Errorf(", item %d: expected a Kubernetes object, found %s", i+1, describeValue(item))
			}
			if err := l.addObject(m, kind, apiVersion); err != nil {
				return fmt.Errorf(", item %d%s", i+1, err.Error())
			}
		}
		return nil
	}

	gvk := u.GroupVersionKind()
	if u.GetName() == "" {
		if u.GetGenerateName() == "" {
			return fmt.Errorf(": %s has no metadata.name", kind)
		}
		u.SetName(u.GetGenerateName())
	}
	if clusterScoped[gvk.GroupKind()] {
		u.SetNamespace("")
	} else if u.GetNamespace() == "" {
		u.SetNamespace(l.namespace)
	}

	var typed runtime.Object = u
	if k, ok := typedKinds[gvk]; ok {
		typed = k.newObj()
		if err := convert(u, typed); err != nil {
			return fmt.Errorf(": %s %s: %v", kind, describeName(u.GetNamespace(), u.GetName()), conversionError(u, k.newObj(), err))
		}
		if secret, ok := typed.(*corev1.Secret); ok {
			mergeStringData(secret)
		}
	}

	key := objectKey{group: gvk.Group, kind: gvk.Kind, namespace: u.GetNamespace(), name: u.GetName()}
	l.origins[Origin{Kind: gvk.Kind, Namespace: u.GetNamespace(), Name: u.GetName()}] = l.at
	if i, dup := l.index[key]; dup {
		l.objs[i] = typed
	} else {
		l.index[key] = len(l.objs)
		l.objs = append(l.objs, typed)
	}
	l.found++
	return nil
}

// clusterScoped are the well-known kinds without a namespace: those of the registry
// (kinds.go) and the ones below. Any other kind is taken to be namespaced (offline
// there is no discovery to ask).
var clusterScoped = map[schema.GroupKind]bool{}

func init() {
	for group, kinds := range map[string][]string{
		"":                             {"PersistentVolume", "ComponentStatus"},
		"rbac.authorization.k8s.io":    {"ClusterRole", "ClusterRoleBinding"},
		"storage.k8s.io":               {"StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "VolumeAttributesClass"},
		"networking.k8s.io":            {"IPAddress", "ServiceCIDR"},
		"apiextensions.k8s.io":         {"CustomResourceDefinition"},
		"apiregistration.k8s.io":       {"APIService"},
		"scheduling.k8s.io":            {"PriorityClass"},
		"node.k8s.io":                  {"RuntimeClass"},
		"certificates.k8s.io":          {"CertificateSigningRequest", "ClusterTrustBundle"},
		"flowcontrol.apiserver.k8s.io": {"FlowSchema", "PriorityLevelConfiguration"},
		"resource.k8s.io":              {"DeviceClass", "ResourceSlice"},
		"admissionregistration.k8s.io": {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding"},
		"policy.networking.k8s.io":     {"ClusterNetworkPolicy"},
		"crd.projectcalico.org":        {"GlobalNetworkPolicy", "GlobalNetworkSet"},
		"projectcalico.org":            {"GlobalNetworkPolicy", "GlobalNetworkSet"},
		"cilium.io":                    {"CiliumClusterwideNetworkPolicy"},
		"cert-manager.io":              {"ClusterIssuer"},
		"snapshot.storage.k8s.io":      {"VolumeSnapshotClass", "VolumeSnapshotContent"},
	} {
		for _, kind := range kinds {
			clusterScoped[schema.GroupKind{Group: group, Kind: kind}] = true
		}
	}
}

// convert fills typed from u. Input is arbitrary user data, so a panic deep in the
// converter is turned into an error rather than taking the plugin down.
func convert(u *unstructured.Unstructured, typed runtime.Object) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot convert object: %v", r)
		}
	}()
	return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, typed)
}

// conversionError explains why an object does not fit its Go type. The converter's
// errors do not name the field ("unrecognized type: int32"); decoding the same object
// from JSON does ("cannot unmarshal string into Go struct field ServicePort.spec.ports.port
// of type int32"), so that message is preferred when there is one.
func conversionError(u *unstructured.Unstructured, into runtime.Object, err error) error {
	data, mErr := u.MarshalJSON()
	if mErr != nil {
		return err
	}
	if jErr := json.Unmarshal(data, into); jErr != nil {
		return jErr
	}
	return err
}

// mergeStringData does what the API server does on write: stringData overrides data.
func mergeStringData(s *corev1.Secret) {
	if len(s.StringData) == 0 {
		return
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
}

func describeName(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

func describeValue(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case nil:
		return "nothing"
	default:
		return fmt.Sprintf("a %T", v)
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// toUTF8 strips a UTF-8 byte order mark and decodes UTF-16 (as some Windows tools
// write), like kubectl.
func toUTF8(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], nil
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		bigEndian := data[0] == 0xFE
		data = data[2:]
		if len(data)%2 != 0 {
			return nil, errors.New("invalid UTF-16: odd number of bytes")
		}
		units := make([]uint16, len(data)/2)
		for i := range units {
			if bigEndian {
				units[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
			} else {
				units[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
			}
		}
		return []byte(string(utf16.Decode(units))), nil
	}
	return data, nil
}

// parseDocuments splits a stream into documents. A stream that starts with "{" is read
// as a sequence of JSON objects; anything else (or JSON that does not parse but is
// valid YAML) as YAML documents separated by "---" lines.
func parseDocuments(data []byte) ([]document, error) {
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		docs, jsonErr := parseJSON(data)
		if jsonErr == nil {
			return docs, nil
		}
		if docs, err := parseYAML(data); err == nil {
			return docs, nil
		}
		return nil, jsonErr
	}
	return parseYAML(data)
}

func parseJSON(data []byte) ([]document, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var docs []document
	for {
		start := int(dec.InputOffset())
		for start < len(data) && strings.IndexByte(" \t\r\n", data[start]) >= 0 {
			start++
		}
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			var syntax *json.SyntaxError
			if errors.As(err, &syntax) {
				return nil, fmt.Errorf("json: line %d: %v", lineAt(data, int(syntax.Offset)), err)
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("json: line %d: unexpected end of input", lineAt(data, len(data)))
			}
			return nil, fmt.Errorf("json: %v", err)
		}
		var value any
		if err := utiljson.Unmarshal(raw, &value); err != nil {
			return nil, fmt.Errorf("json: line %d: %v", lineAt(data, start), err)
		}
		if value == nil {
			continue
		}
		docs = append(docs, document{index: len(docs) + 1, line: lineAt(data, start), value: value})
	}
}

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

var yamlLine = regexp.MustCompile(`\bline (\d+)`)

func parseYAML(data []byte) ([]document, error) {
	var docs []document
	var chunk bytes.Buffer
	chunkStart, contentLine := 1, 0 // first line of the chunk; first line with content

	flush := func() error {
		defer func() { chunk.Reset() }()
		if contentLine == 0 {
			return nil // blank or comments only
		}
		j, err := yaml.YAMLToJSON(chunk.Bytes())
		if err != nil {
			// YAML reports lines within the document; make them lines of the file.
			msg := yamlLine.ReplaceAllStringFunc(err.Error(), func(m string) string {
				n, _ := strconv.Atoi(strings.TrimPrefix(m, "line "))
				return "line " + strconv.Itoa(chunkStart+n-1)
			})
			return errors.New(msg)
		}
		var value any
		if err := utiljson.Unmarshal(j, &value); err != nil {
			return fmt.Errorf("line %d: %v", contentLine, err)
		}
		if value != nil {
			docs = append(docs, document{index: len(docs) + 1, line: contentLine, value: value})
		}
		return nil
	}

	lineNo := 0
	for len(data) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			line, data = data, nil
		}
		if bytes.HasPrefix(line, []byte("---")) {
			rest := strings.TrimSpace(string(line[3:]))
			if rest != "" && rest[0] != '#' {
				return nil, fmt.Errorf("line %d: invalid YAML document separator %q (only a comment may follow \"---\")", lineNo, strings.TrimSpace(string(line)))
			}
			if err := flush(); err != nil {
				return nil, err
			}
			chunkStart, contentLine = lineNo+1, 0
			continue
		}
		chunk.Write(line)
		if trimmed := strings.TrimSpace(string(line)); contentLine == 0 && trimmed != "" && trimmed[0] != '#' {
			contentLine = lineNo
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return docs, nil
}

// syntheticPods returns one pod per workload in objs whose pods are not in objs,
// built from its pod template, so that offline checks see the pods a Service or
// NetworkPolicy would select once the manifests are applied.
func syntheticPods(objs []runtime.Object) []runtime.Object {
	var pods []*corev1.Pod
	type nsName struct{ namespace, name string }
	deployments := map[nsName]bool{}
	rsOwner := map[nsName]string{} // ReplicaSet → owning Deployment
	for _, obj := range objs {
		switch v := obj.(type) {
		case *corev1.Pod:
			pods = append(pods, v)
		case *appsv1.Deployment:
			deployments[nsName{v.Namespace, v.Name}] = true
		case *appsv1.ReplicaSet:
			if ref := metav1.GetControllerOfNoCopy(v); ref != nil && ref.Kind == "Deployment" {
				rsOwner[nsName{v.Namespace, v.Name}] = ref.Name
			}
		}
	}

	var out []runtime.Object
	for _, obj := range objs {
		w, ok := workloadOf(obj)
		if !ok || w.scaledToZero {
			continue
		}
		if owner, owned := rsOwner[nsName{w.meta.Namespace, w.meta.Name}]; owned && deployments[nsName{w.meta.Namespace, owner}] {
			continue // the Deployment stands for it
		}
		selector := w.podSelector()
		covered := false
		for _, p := range pods {
			if p.Namespace != w.meta.Namespace {
				continue
			}
			if selector.Matches(labels.Set(p.Labels)) {
				covered = true
				break
			}
			for _, ref := range p.OwnerReferences {
				if ref.Kind == w.kind && ref.Name == w.meta.Name ||
					w.kind == "Deployment" && ref.Kind == "ReplicaSet" && rsOwner[nsName{p.Namespace, ref.Name}] == w.meta.Name {
					covered = true
					break
				}
			}
			if covered {
				break
			}
		}
		if !covered {
			out = append(out, w.templatePod())
		}
	}
	return out
}

type workload struct {
	kind         string
	apiVersion   string
	meta         *metav1.ObjectMeta
	selector     *metav1.LabelSelector
	template     *corev1.PodTemplateSpec
	serviceName  string // StatefulSet governing Service
	scaledToZero bool
}

func workloadOf(obj runtime.Object) (workload, bool) {
	zero := func(n *int32) bool { return n != nil && *n == 0 }
	switch v := obj.(type) {
	case *appsv1.Deployment:
		return workload{kind: "Deployment", apiVersion: "apps/v1", meta: &v.ObjectMeta, selector: v.Spec.Selector,
			template: &v.Spec.Template, scaledToZero: zero(v.Spec.Replicas)}, true
	case *appsv1.StatefulSet:
		return workload{kind: "StatefulSet", apiVersion: "apps/v1", meta: &v.ObjectMeta, selector: v.Spec.Selector,
			template: &v.Spec.Template, serviceName: v.Spec.ServiceName, scaledToZero: zero(v.Spec.Replicas)}, true
	case *appsv1.DaemonSet:
		return workload{kind: "DaemonSet", apiVersion: "apps/v1", meta: &v.ObjectMeta, selector: v.Spec.Selector,
			template: &v.Spec.Template}, true
	case *appsv1.ReplicaSet:
		return workload{kind: "ReplicaSet", apiVersion: "apps/v1", meta: &v.ObjectMeta, selector: v.Spec.Selector,
			template: &v.Spec.Template, scaledToZero: zero(v.Spec.Replicas)}, true
	case *batchv1.Job:
		suspended := v.Spec.Suspend != nil && *v.Spec.Suspend
		return workload{kind: "Job", apiVersion: "batch/v1", meta: &v.ObjectMeta, selector: v.Spec.Selector,
			template: &v.Spec.Template, scaledToZero: suspended || zero(v.Spec.Parallelism)}, true
	}
	return workload{}, false
}

// podSelector is the workload's selector; when it has none (Jobs usually do not
// before the server generates one), its template labels, plus for Jobs the job-name
// label the Job controller adds.
func (w workload) podSelector() labels.Selector {
	if w.selector != nil && (len(w.selector.MatchLabels) > 0 || len(w.selector.MatchExpressions) > 0) {
		if s, err := metav1.LabelSelectorAsSelector(w.selector); err == nil {
			return s
		}
		return labels.Nothing()
	}
	if w.kind == "Job" {
		return labels.SelectorFromSet(labels.Set{batchv1.JobNameLabel: w.meta.Name})
	}
	if len(w.template.Labels) == 0 {
		return labels.Nothing()
	}
	return labels.SelectorFromSet(w.template.Labels)
}

func (w workload) templatePod() *corev1.Pod {
	t := w.template.DeepCopy()
	pod := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        w.meta.Name + "-" + strings.ToLower(w.kind) + "-template",
			Namespace:   w.meta.Namespace,
			Labels:      t.Labels,
			Annotations: t.Annotations,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: w.apiVersion,
				Kind:       w.kind,
				Name:       w.meta.Name,
				UID:        w.meta.UID,
				Controller: ptrTo(true),
			}},
		},
		Spec: t.Spec,
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[SyntheticAnnotation] = fmt.Sprintf("from %s %s pod template", w.kind, w.meta.Name)
	switch w.kind {
	case "Job":
		// The Job controller always adds these; policies and Services may select on them.
		if pod.Labels == nil {
			pod.Labels = map[string]string{}
		}
		pod.Labels[batchv1.JobNameLabel] = w.meta.Name
		pod.Labels["job-name"] = w.meta.Name // the legacy unprefixed label
	case "StatefulSet":
		// As the StatefulSet controller sets them, for per-pod DNS through the governing Service.
		if pod.Spec.Hostname == "" {
			pod.Spec.Hostname = pod.Name
		}
		if pod.Spec.Subdomain == "" {
			pod.Spec.Subdomain = w.serviceName
		}
	}

	pod.Status.Phase = corev1.PodRunning
	for _, c := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
		pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: c, Status: corev1.ConditionTrue})
	}
	for _, c := range pod.Spec.InitContainers {
		st := corev1.ContainerStatus{Name: c.Name, Image: c.Image, Ready: true}
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			st.Started = ptrTo(true)
			st.State.Running = &corev1.ContainerStateRunning{}
		} else {
			st.State.Terminated = &corev1.ContainerStateTerminated{Reason: "Completed"}
		}
		pod.Status.InitContainerStatuses = append(pod.Status.InitContainerStatuses, st)
	}
	for _, c := range pod.Spec.Containers {
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, Ready: true, Started: ptrTo(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
		})
	}
	return pod
}

func ptrTo[T any](v T) *T { return &v }

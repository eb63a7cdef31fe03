package netpol

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The network plugins' policy kinds reach the engine as unstructured objects (the API
// serves them as CRDs; netdoctor does not import the plugins' Go modules). They are
// decoded here into the small types of cilium.go and calico.go, which hold exactly the
// fields the engine evaluates. A field the decoder does not read is never dropped
// silently: fields records its path, and the types carry it as NotEvaluated, so that
// the direction it could decide becomes unknown instead of being decided without it.

// fields reads one JSON object and remembers which of its keys were read.
type fields struct {
	m    map[string]any
	path string
	read map[string]bool
}

func newFields(v any, path string) *fields {
	m, _ := v.(map[string]any)
	return &fields{m: m, path: path, read: map[string]bool{}}
}

func (f *fields) at(key string) string {
	if f.path == "" {
		return key
	}
	return f.path + "." + key
}

// has reports whether key is set (to anything but null), and marks it read.
func (f *fields) has(key string) bool {
	f.read[key] = true
	v, ok := f.m[key]
	return ok && v != nil
}

func (f *fields) raw(key string) any {
	f.read[key] = true
	return f.m[key]
}

// ignore marks keys that do not change what traffic is allowed (descriptions,
// labels, annotations).
func (f *fields) ignore(keys ...string) {
	for _, k := range keys {
		f.read[k] = true
	}
}

func (f *fields) str(key string) (string, error) {
	v := f.raw(key)
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	}
	return "", fmt.Errorf("%s: want a string, got %T", f.at(key), v)
}

func (f *fields) boolPtr(key string) (*bool, error) {
	v := f.raw(key)
	switch t := v.(type) {
	case nil:
		return nil, nil
	case bool:
		return &t, nil
	}
	return nil, fmt.Errorf("%s: want true or false, got %T", f.at(key), v)
}

// number reads an integer or float (JSON numbers come as int64 or float64 from
// unstructured, as float64 from encoding/json).
func (f *fields) number(key string) (*float64, error) {
	v := f.raw(key)
	n, ok, err := toNumber(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.at(key), err)
	}
	if !ok {
		return nil, nil
	}
	return &n, nil
}

func toNumber(v any) (float64, bool, error) {
	switch t := v.(type) {
	case nil:
		return 0, false, nil
	case int:
		return float64(t), true, nil
	case int32:
		return float64(t), true, nil
	case int64:
		return float64(t), true, nil
	case float64:
		return t, true, nil
	case float32:
		return float64(t), true, nil
	case string:
		n, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		if err != nil {
			return 0, false, fmt.Errorf("want a number, got %q", t)
		}
		return n, true, nil
	}
	return 0, false, fmt.Errorf("want a number, got %T", v)
}

// serviceRef reads the object at key that names a Service (Calico's services,
// Cilium's k8sService): its name under nameKey, and its namespace. The paths in it
// left unread are appended to unread.
func (f *fields) serviceRef(key, nameKey string, unread *[]string) (name, namespace string, err error) {
	ref, err := f.object(key)
	if err != nil {
		return "", "", err
	}
	if name, err = ref.str(nameKey); err != nil {
		return "", "", err
	}
	if namespace, err = ref.str("namespace"); err != nil {
		return "", "", err
	}
	*unread = append(*unread, ref.unread()...)
	return name, namespace, nil
}

// list returns the elements of a list (nil for a missing or null key).
func (f *fields) list(key string) ([]any, error) {
	v := f.raw(key)
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return t, nil
	}
	return nil, fmt.Errorf("%s: want a list, got %T", f.at(key), v)
}

// strings reads a list of strings (numbers are formatted, as YAML writes ports).
func (f *fields) strings(key string) ([]string, error) {
	items, err := f.list(key)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		s, err := scalarString(it)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", f.at(key), i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func scalarString(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case bool:
		return strconv.FormatBool(t), nil
	case nil:
		return "", nil
	}
	if n, ok, err := toNumber(v); err == nil && ok {
		return strconv.FormatFloat(n, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("want a string, got %T", v)
}

// object returns the nested object at key (an empty one when missing).
func (f *fields) object(key string) (*fields, error) {
	v := f.raw(key)
	if v == nil {
		return newFields(nil, f.at(key)), nil
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("%s: want an object, got %T", f.at(key), v)
	}
	return newFields(v, f.at(key)), nil
}

// unread lists the paths of the keys that were never read, sorted.
func (f *fields) unread() []string {
	var out []string
	for k := range f.m {
		if !f.read[k] {
			out = append(out, f.at(k))
		}
	}
	sort.Strings(out)
	return out
}

// decodeLabelSelector reads a metav1.LabelSelector given as unstructured data:
// matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist, any case, as
// Cilium accepts). Values are kept as strings.
func decodeLabelSelector(v any, path string) (LabelSelector, []string, error) {
	f := newFields(v, path)
	var sel LabelSelector
	if v != nil {
		if _, ok := v.(map[string]any); !ok {
			return sel, nil, fmt.Errorf("%s: want a label selector, got %T", path, v)
		}
	}
	mlv := f.raw("matchLabels")
	if mlv != nil {
		ml, ok := mlv.(map[string]any)
		if !ok {
			return sel, nil, fmt.Errorf("%s.matchLabels: want an object", path)
		}
		sel.MatchLabels = map[string]string{}
		for k, val := range ml {
			s, err := scalarString(val)
			if err != nil {
				return sel, nil, fmt.Errorf("%s.matchLabels.%s: %w", path, k, err)
			}
			sel.MatchLabels[k] = s
		}
	}
	exprs, err := f.list("matchExpressions")
	if err != nil {
		return sel, nil, err
	}
	var unread []string
	for i, e := range exprs {
		ef := newFields(e, fmt.Sprintf("%s.matchExpressions[%d]", path, i))
		key, err := ef.str("key")
		if err != nil {
			return sel, nil, err
		}
		op, err := ef.str("operator")
		if err != nil {
			return sel, nil, err
		}
		values, err := ef.strings("values")
		if err != nil {
			return sel, nil, err
		}
		var canon string
		switch strings.ToLower(op) {
		case "in":
			canon = "In"
		case "notin":
			canon = "NotIn"
		case "exists":
			canon = "Exists"
		case "doesnotexist":
			canon = "DoesNotExist"
		default:
			return sel, nil, fmt.Errorf("%s.matchExpressions[%d].operator: unsupported %q", path, i, op)
		}
		sel.MatchExpressions = append(sel.MatchExpressions, LabelRequirement{Key: key, Operator: canon, Values: values})
		unread = append(unread, ef.unread()...)
	}
	return sel, append(unread, f.unread()...), nil
}

// LabelSelector is a Kubernetes label selector as the plugins write it (matchLabels
// and matchExpressions), kept with its raw keys: Cilium gives keys a source prefix
// ("k8s:app") that the API machinery's parser would reject.
type LabelSelector struct {
	MatchLabels      map[string]string
	MatchExpressions []LabelRequirement
}

// LabelRequirement is one matchExpressions entry.
type LabelRequirement struct {
	Key, Operator string
	Values        []string
}

// Empty reports whether the selector has no terms (it selects everything).
func (s LabelSelector) Empty() bool { return len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0 }

// String renders the selector compactly: "app=api,k8s:io.kubernetes.pod.namespace=shop",
// "tier in (a,b)", "{}" for the empty one.
func (s LabelSelector) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.MatchLabels)) {
		parts = append(parts, k+"="+s.MatchLabels[k])
	}
	for _, e := range s.MatchExpressions {
		switch e.Operator {
		case "Exists":
			parts = append(parts, e.Key)
		case "DoesNotExist":
			parts = append(parts, "!"+e.Key)
		case "In":
			parts = append(parts, e.Key+" in ("+strings.Join(e.Values, ",")+")")
		default:
			parts = append(parts, e.Key+" notin ("+strings.Join(e.Values, ",")+")")
		}
	}
	if len(parts) == 0 {
		return "{}"
	}
	return strings.Join(parts, ",")
}

// keys lists every key the selector mentions.
func (s LabelSelector) keys() []string {
	var out []string
	for k := range s.MatchLabels {
		out = append(out, k)
	}
	for _, e := range s.MatchExpressions {
		out = append(out, e.Key)
	}
	return out
}

// match evaluates the selector through lk; a key netdoctor cannot know makes the
// requirement maybe.
func (s LabelSelector) match(lk labelLookup) tri {
	result := yes
	for k, want := range s.MatchLabels {
		v, present, known := lk(k)
		if !known {
			result = result.and(maybe)
			continue
		}
		result = result.and(triOf(present && v == want))
	}
	for _, e := range s.MatchExpressions {
		v, present, known := lk(e.Key)
		if !known {
			result = result.and(maybe)
			continue
		}
		var m bool
		switch e.Operator {
		case "In":
			m = present && slices.Contains(e.Values, v)
		case "NotIn":
			m = !present || !slices.Contains(e.Values, v)
		case "Exists":
			m = present
		case "DoesNotExist":
			m = !present
		}
		result = result.and(triOf(m))
	}
	return result
}

package dialect

import (
	"fmt"
	"sort"
	"strings"
)

// Labels Cilium gives every endpoint beside the pod's own (its "k8s:" source).
const (
	ciliumNamespaceLabel      = "io.kubernetes.pod.namespace"
	ciliumServiceAccountLabel = "io.cilium.k8s.policy.serviceaccount"
	ciliumNamespaceLabels     = "io.cilium.k8s.namespace.labels."
	ciliumClusterLabel        = "io.cilium.k8s.policy.cluster"
)

// ciliumRules reads spec and specs of a CiliumNetworkPolicy or
// CiliumClusterwideNetworkPolicy. A rule decides ingress when it has ingress or
// ingressDeny, egress when it has egress or egressDeny: Cilium leaves a direction that
// no rule mentions alone.
func ciliumRules(obj map[string]any, namespace string, clusterWide bool) []rule {
	var rules []rule
	add := func(where string, spec map[string]any) {
		r := rule{where: where}
		_, in := spec["ingress"]
		_, inDeny := spec["ingressDeny"]
		_, eg := spec["egress"]
		_, egDeny := spec["egressDeny"]
		r.ingress, r.egress = in || inDeny, eg || egDeny
		if !r.ingress && !r.egress {
			return
		}
		switch {
		case spec["endpointSelector"] != nil:
			sel, _ := spec["endpointSelector"].(map[string]any)
			r.selects = ciliumEndpointSelector(sel, namespace, clusterWide)
		case spec["nodeSelector"] != nil:
			r.selects = func(s Subject) (Match, string) {
				if s.Pod.Spec.HostNetwork {
					return Maybe, "a host policy (nodeSelector) applies to the nodes, and so to hostNetwork pods; netdoctor does not match nodes"
				}
				return NoMatch, ""
			}
		default:
			return
		}
		rules = append(rules, r)
	}
	if spec, ok := obj["spec"].(map[string]any); ok {
		add("spec", spec)
	}
	if specs, ok := obj["specs"].([]any); ok {
		for i, s := range specs {
			if spec, ok := s.(map[string]any); ok {
				add(fmt.Sprintf("specs[%d]", i), spec)
			}
		}
	}
	return rules
}

// ciliumEndpointSelector evaluates an endpointSelector. A CiliumNetworkPolicy only
// selects endpoints of its own namespace; hostNetwork pods are no Cilium endpoints.
func ciliumEndpointSelector(sel map[string]any, namespace string, clusterWide bool) func(Subject) (Match, string) {
	return func(s Subject) (Match, string) {
		if !clusterWide && s.Pod.Namespace != namespace {
			return NoMatch, ""
		}
		if s.Pod.Spec.HostNetwork {
			return NoMatch, ""
		}
		m, why := labelSelectorMatch(sel, ciliumLookup(s))
		if m == Selects {
			why = "endpointSelector " + why
		}
		return m, why
	}
}

// ciliumLookup reads a key the way Cilium labels endpoints: the pod's labels under the
// k8s: (or any:) source, plus the namespace, the service account and the namespace's
// labels. Other sources (reserved:, cidr:, ...) and the cluster name are not in the API.
func ciliumLookup(s Subject) lookup {
	return func(key string) (string, bool, bool) {
		if src, rest, ok := strings.Cut(key, ":"); ok {
			switch src {
			case "k8s", "any":
				key = rest
			case "reserved":
				if s.Pod.Spec.HostNetwork {
					return "", false, false
				}
				return "", false, true // pods carry no reserved: labels
			default:
				return "", false, false
			}
		}
		switch {
		case key == ciliumNamespaceLabel:
			return s.Pod.Namespace, true, true
		case key == ciliumServiceAccountLabel:
			return s.serviceAccount(), true, true
		case key == ciliumClusterLabel:
			return "", false, false
		case strings.HasPrefix(key, ciliumNamespaceLabels):
			return s.nsLabel(strings.TrimPrefix(key, ciliumNamespaceLabels))
		}
		v, ok := s.Pod.Labels[key]
		return v, ok, true
	}
}

// labelSelectorMatch evaluates a metav1.LabelSelector given as unstructured data
// (matchLabels and matchExpressions with In, NotIn, Exists, DoesNotExist); the empty
// selector selects everything. It returns Maybe, with the reason, for a key netdoctor
// cannot know or a form it does not read.
func labelSelectorMatch(sel map[string]any, lk lookup) (Match, string) {
	result := Selects
	var unknown, terms []string
	if ml, ok := sel["matchLabels"].(map[string]any); ok {
		keys := make([]string, 0, len(ml))
		for k := range ml {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			want := fmt.Sprint(ml[k])
			v, present, known := lk(k)
			switch {
			case !known:
				result = and(result, Maybe)
				unknown = append(unknown, k)
			case !present || v != want:
				return NoMatch, ""
			}
			terms = append(terms, k+"="+want)
		}
	}
	if me, ok := sel["matchExpressions"].([]any); ok {
		for _, e := range me {
			expr, _ := e.(map[string]any)
			key, _ := expr["key"].(string)
			op, _ := expr["operator"].(string)
			var values []string
			if vs, ok := expr["values"].([]any); ok {
				for _, v := range vs {
					values = append(values, fmt.Sprint(v))
				}
			}
			v, present, known := lk(key)
			if !known {
				result = and(result, Maybe)
				unknown = append(unknown, key)
				continue
			}
			var m Match
			switch op {
			case "In":
				m = boolMatch(present && contains(values, v))
			case "NotIn":
				m = boolMatch(!present || !contains(values, v))
			case "Exists":
				m = boolMatch(present)
			case "DoesNotExist":
				m = boolMatch(!present)
			default:
				result = and(result, Maybe)
				unknown = append(unknown, key+" "+op)
				continue
			}
			if m == NoMatch {
				return NoMatch, ""
			}
			terms = append(terms, fmt.Sprintf("%s %s %v", key, op, values))
		}
	}
	if result == Maybe {
		return Maybe, fmt.Sprintf("the selector uses %s, which netdoctor cannot match against the API's view of the pod: assumed to select it", strings.Join(unknown, ", "))
	}
	if len(terms) == 0 {
		return Selects, "{} selects every pod"
	}
	return Selects, "matches " + strings.Join(terms, ", ")
}

func boolMatch(b bool) Match {
	if b {
		return Selects
	}
	return NoMatch
}

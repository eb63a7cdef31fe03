package finding

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// NearMiss is a pod that matches every label of a selector but one.
type NearMiss struct {
	Pod string
	// Key is the selector key the pod fails; Have is the pod's value for it ("" if the
	// pod lacks the key), Want is the selector's.
	Key, Have, Want string
	// SameValueKey is set when the pod carries the wanted value under another key
	// (name=payments where app=payments was asked for).
	SameValueKey string
}

// Describe says how the pod differs, the way the root cause quotes it.
func (n NearMiss) Describe() string {
	switch {
	case n.Have != "":
		return fmt.Sprintf("%s has %s=%s", n.Pod, n.Key, n.Have)
	case n.SameValueKey != "":
		return fmt.Sprintf("%s has %s=%s but no %s label", n.Pod, n.SameValueKey, n.Want, n.Key)
	default:
		return fmt.Sprintf("%s lacks label %s", n.Pod, n.Key)
	}
}

// NearMisses finds the pods a selector nearly matches: all labels but one agree. For a
// one-label selector every pod "nearly" matches, so there a pod counts only when the
// difference is plausibly a typo: same key with another value, or the same value under
// another key. Pods with identical label differences (replicas of one workload) are
// reported once. Closest first, at most three.
func NearMisses(selector map[string]string, pods []corev1.Pod) []NearMiss {
	type scored struct {
		miss  NearMiss
		score int
	}
	var hits []scored
	seen := map[string]bool{}
	for _, pod := range pods {
		miss, ok := nearMiss(selector, pod)
		if !ok {
			continue
		}
		score := 100
		switch {
		case miss.Have != "":
			score = kube.EditDistance(miss.Have, miss.Want)
		case miss.SameValueKey != "":
			score = 50
		}
		if len(selector) == 1 && !plausibleTypo(miss) {
			continue
		}
		sig := miss.Key + "\x00" + miss.Have + "\x00" + miss.SameValueKey
		if seen[sig] {
			continue
		}
		seen[sig] = true
		hits = append(hits, scored{miss, score})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score < hits[j].score
		}
		return hits[i].miss.Pod < hits[j].miss.Pod
	})
	out := []NearMiss{}
	for i := 0; i < len(hits) && i < 3; i++ {
		out = append(out, hits[i].miss)
	}
	return out
}

// plausibleTypo keeps one-label near misses to what a human could have mistyped: the
// wanted value under another key, or a value a few edits away (payment vs payments).
func plausibleTypo(m NearMiss) bool {
	if m.SameValueKey != "" {
		return true
	}
	if m.Have == "" {
		return false
	}
	return kube.EditDistance(m.Have, m.Want) <= max(2, len(m.Want)/3) ||
		strings.Contains(m.Have, m.Want) || strings.Contains(m.Want, m.Have)
}

func nearMiss(selector map[string]string, pod corev1.Pod) (NearMiss, bool) {
	var miss *NearMiss
	for _, key := range slices.Sorted(maps.Keys(selector)) {
		want := selector[key]
		have, ok := pod.Labels[key]
		if ok && have == want {
			continue
		}
		if miss != nil {
			return NearMiss{}, false
		}
		miss = &NearMiss{Pod: PodDisplayName(&pod), Key: key, Have: have, Want: want}
		if !ok {
			for _, other := range slices.Sorted(maps.Keys(pod.Labels)) {
				if pod.Labels[other] == want {
					miss.SameValueKey = other
					break
				}
			}
		}
	}
	if miss == nil {
		return NearMiss{}, false
	}
	return *miss, true
}

// PodDisplayName names a pod in evidence. Pods that -f synthesised from a workload's
// template are named after the workload, since no such pod exists anywhere.
func PodDisplayName(pod *corev1.Pod) string {
	if source.IsSynthetic(pod) && len(pod.OwnerReferences) > 0 {
		owner := pod.OwnerReferences[0]
		return fmt.Sprintf("the pod template of %s %s", owner.Kind, owner.Name)
	}
	return pod.Name
}

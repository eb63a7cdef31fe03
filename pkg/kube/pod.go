package kube

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// PodReady reports the pod's Ready condition, the signal the EndpointSlice controller
// publishes as an endpoint's serving condition.
func PodReady(p *corev1.Pod) bool {
	return PodConditionTrue(p, corev1.PodReady)
}

// PodConditionTrue reports whether the pod's condition of type t is True (absent is not).
func PodConditionTrue(p *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// PodTerminating reports whether the pod's deletion was asked for: it finishes the
// connections it has but is sent no new ones.
func PodTerminating(p *corev1.Pod) bool {
	return p.DeletionTimestamp != nil
}

// PodReceivesTraffic reports whether a Service sends the pod new connections: Ready and
// not terminating, the EndpointSlice controller's ready condition.
func PodReceivesTraffic(p *corev1.Pod) bool {
	return PodReady(p) && !PodTerminating(p)
}

// PodFinished reports whether the pod reached a terminal phase (Succeeded or Failed):
// its containers do not run again and it is never an endpoint.
func PodFinished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// terminationSlack is how long past the end of its grace period a deleted pod may still
// be reported before it counts as stuck: the kubelet needs a moment to confirm.
const terminationSlack = 30 * time.Second

// StuckTerminating reports whether a deleted pod outlived its grace period: a finalizer
// that nobody removes, or a node whose kubelet no longer answers.
func StuckTerminating(p *corev1.Pod, now time.Time) bool {
	return p.DeletionTimestamp != nil && now.After(p.DeletionTimestamp.Add(terminationSlack))
}

// TerminationReason describes a deleted pod. metadata.deletionTimestamp is not when
// deletion was asked for but when the grace period ends.
func TerminationReason(p *corev1.Pod, now time.Time) string {
	end := p.DeletionTimestamp.UTC().Format("15:04:05")
	if !StuckTerminating(p, now) {
		return "terminating, grace period ends " + end
	}
	reason := fmt.Sprintf("stuck terminating: its grace period ended at %s, %s ago", end, now.Sub(p.DeletionTimestamp.Time).Round(time.Second))
	if len(p.Finalizers) > 0 {
		reason += "; finalizers " + strings.Join(p.Finalizers, ", ") + " not yet removed"
	} else if p.Spec.NodeName != "" {
		reason += "; the kubelet on " + p.Spec.NodeName + " has not confirmed it stopped (is the node Ready?)"
	}
	return reason
}

// ShortReason keeps the reason PodNotReadyReason gives and drops the kubelet's message,
// for a one-line summary.
func ShortReason(reason string) string {
	if i := strings.Index(reason, ": "); i >= 0 && !strings.HasPrefix(reason, "Pending") {
		return reason[:i]
	}
	return truncate(reason, 120)
}

// PodNotReadyReason explains in one line why a pod is not Ready, from the most specific
// signal the kubelet and scheduler leave in its status.
func PodNotReadyReason(p *corev1.Pod) string {
	if p.DeletionTimestamp != nil {
		return TerminationReason(p, time.Now())
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return strings.TrimSpace(fmt.Sprintf("Pending, %s: %s", orDefault(c.Reason, "not scheduled"), c.Message))
		}
	}
	var parts []string
	for _, cs := range p.Status.InitContainerStatuses {
		if part := initContainerReason(p, cs); part != "" {
			parts = append(parts, part)
		}
	}
	for _, cs := range p.Status.ContainerStatuses {
		if part := containerReason(cs); part != "" {
			parts = append(parts, part)
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, "; ")
	}
	for _, gate := range p.Spec.ReadinessGates {
		if !PodConditionTrue(p, gate.ConditionType) {
			return fmt.Sprintf("readiness gate %s is not True", gate.ConditionType)
		}
	}
	phase := orDefault(string(p.Status.Phase), "Pending")
	if p.Spec.NodeName == "" {
		return phase + ", not scheduled to a node yet"
	}
	if len(p.Status.ContainerStatuses) == 0 {
		return phase + " on node " + p.Spec.NodeName + ", containers not started yet"
	}
	return phase + ", Ready condition is not True"
}

// IsSidecar reports whether c, an init container, is a sidecar (restartPolicy Always):
// it keeps running beside the main containers and serves their ports.
func IsSidecar(c corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// initContainerReason: an ordinary init container that has not completed holds the pod
// in Init; a sidecar (restartPolicy Always) is judged like a main container.
func initContainerReason(p *corev1.Pod, cs corev1.ContainerStatus) string {
	for _, c := range p.Spec.InitContainers {
		if c.Name == cs.Name && IsSidecar(c) {
			return containerReason(cs)
		}
	}
	if cs.State.Running != nil {
		return fmt.Sprintf("init container %s still running: the pod stays in Init until it completes", cs.Name)
	}
	if reason := containerReason(cs); reason != "" {
		return "init " + reason
	}
	return ""
}

func containerReason(cs corev1.ContainerStatus) string {
	restarts := ""
	if cs.RestartCount > 0 {
		restarts = fmt.Sprintf(" (restarts %d)", cs.RestartCount)
	}
	last := ""
	if t := cs.LastTerminationState.Terminated; t != nil {
		last = fmt.Sprintf(", last exit %d %s", t.ExitCode, t.Reason)
	}
	switch {
	case cs.State.Waiting != nil:
		w := cs.State.Waiting
		msg := ""
		if w.Message != "" {
			msg = ": " + truncate(w.Message, 160)
		}
		return fmt.Sprintf("container %s waiting, %s%s%s%s", cs.Name, orDefault(w.Reason, "Waiting"), restarts, last, msg)
	case cs.State.Terminated != nil:
		t := cs.State.Terminated
		if t.ExitCode == 0 && t.Reason == "Completed" {
			return ""
		}
		return fmt.Sprintf("container %s terminated, %s exit %d%s", cs.Name, orDefault(t.Reason, "Error"), t.ExitCode, restarts)
	case cs.State.Running != nil && !cs.Ready:
		if cs.Started != nil && !*cs.Started {
			return fmt.Sprintf("container %s running, startup probe not yet passed%s", cs.Name, restarts)
		}
		return fmt.Sprintf("container %s running but not ready: readiness probe failing%s%s", cs.Name, restarts, last)
	}
	return ""
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

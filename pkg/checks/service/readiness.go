package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
)

// checkReadiness: only Ready pods that are not terminating receive new connections
// through a Service (unless publishNotReadyAddresses). For each pod that is not Ready,
// the evidence names the real reason the kubelet reports, so nobody has to run describe.
func checkReadiness(_ context.Context, s *State) engine.Result {
	if len(s.Service.Spec.Selector) == 0 {
		return engine.Skip("no selector: endpoints are managed by hand")
	}
	var notReady, shuttingDown []string
	firstReason, firstShutdown := "", ""
	now := time.Now()
	for _, p := range s.Pods {
		switch {
		case p.DeletionTimestamp != nil && !stuckTerminating(&p, now):
			// Within its grace period a deleted pod finishes the connections it has; it
			// is what every rollout and scale-down leaves behind for a while.
			reason := terminationReason(&p, now)
			shuttingDown = append(shuttingDown, PodDisplayName(&p)+": "+reason)
			if firstShutdown == "" {
				firstShutdown = p.Name + ": " + shortReason(reason)
			}
		case IsPodReady(&p) && p.DeletionTimestamp == nil:
			s.Ready = append(s.Ready, p)
		default:
			reason := PodNotReadyReason(&p)
			notReady = append(notReady, PodDisplayName(&p)+": "+reason)
			if firstReason == "" {
				firstReason = p.Name + ": " + shortReason(reason)
			}
		}
	}
	current := len(s.Pods) - len(shuttingDown)
	detail := fmt.Sprintf("%d of %d pod(s) Ready", len(s.Ready), current)
	if len(shuttingDown) > 0 {
		detail += fmt.Sprintf("; %d more shutting down (rollout or scale-down), sent no new connections", len(shuttingDown))
	}
	if len(s.Ready) == 0 && len(notReady) == 0 {
		// Every pod is shutting down: nothing takes new connections.
		notReady, shuttingDown, firstReason, current = shuttingDown, nil, firstShutdown, len(s.Pods)
	}
	if len(notReady) == 0 {
		return engine.Pass("%s", detail).WithDetails(shuttingDown...)
	}
	cmds := []string{fmt.Sprintf("kubectl describe pod %s -n %s", firstField(notReady[0]), s.Namespace)}
	if strings.Contains(strings.Join(notReady, " "), "restarts") {
		cmds = append(cmds, fmt.Sprintf("kubectl logs %s -n %s --previous", firstField(notReady[0]), s.Namespace))
	}
	var f diag.Finding
	if len(s.Ready) == 0 {
		f = diag.New(diag.NoReadyPods, s.Ref(), "Service %s/%s selects %d pod(s) but none is Ready (%s)",
			s.Namespace, s.Name, len(s.Pods), firstReason).
			WithFix("fix what keeps the pods from becoming Ready (see each pod's reason); the Service has no endpoint to send traffic to until then")
	} else {
		f = diag.New(diag.SomePodsNotReady, s.Ref(), "%d of %d pod(s) behind Service %s/%s are not Ready",
			len(notReady), current, s.Namespace, s.Name).
			WithFix("traffic goes only to the Ready pods; fix or replace the others before they are needed for capacity")
	}
	f = f.WithEvidence(notReady...).WithCommands(cmds...)
	if len(s.Ready) == 0 {
		f = f.WithEvidence(shuttingDown...)
	}
	if s.Service.Spec.PublishNotReadyAddresses {
		f = f.WithEvidence("publishNotReadyAddresses is true: these pods are published as endpoints anyway")
	}
	return engine.Found(detail, f).WithDetails(append(notReady, shuttingDown...)...)
}

// terminationSlack is how long past the end of its grace period a deleted pod may still
// be reported before it counts as stuck: the kubelet needs a moment to confirm.
const terminationSlack = 30 * time.Second

// stuckTerminating reports whether a deleted pod outlived its grace period: a finalizer
// that nobody removes, or a node whose kubelet no longer answers.
func stuckTerminating(p *corev1.Pod, now time.Time) bool {
	return p.DeletionTimestamp != nil && now.After(p.DeletionTimestamp.Add(terminationSlack))
}

// terminationReason describes a deleted pod. metadata.deletionTimestamp is not when
// deletion was asked for but when the grace period ends.
func terminationReason(p *corev1.Pod, now time.Time) string {
	end := p.DeletionTimestamp.UTC().Format("15:04:05")
	if !stuckTerminating(p, now) {
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

// shortReason keeps the reason and drops the kubelet's message, for the root-cause line.
func shortReason(reason string) string {
	if i := strings.Index(reason, ": "); i >= 0 && !strings.HasPrefix(reason, "Pending") {
		return reason[:i]
	}
	return truncate(reason, 120)
}

func firstField(s string) string {
	name, _, _ := strings.Cut(s, ":")
	return name
}

// IsPodReady reports the pod's Ready condition, the signal the EndpointSlice controller uses.
func IsPodReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// PodNotReadyReason explains in one line why a pod is not Ready, from the most specific
// signal the kubelet and scheduler leave in its status.
func PodNotReadyReason(p *corev1.Pod) string {
	if p.DeletionTimestamp != nil {
		return terminationReason(p, time.Now())
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
		if !conditionTrue(p, gate.ConditionType) {
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

// initContainerReason: an ordinary init container that has not completed holds the pod
// in Init; a sidecar (restartPolicy Always) is judged like a main container.
func initContainerReason(p *corev1.Pod, cs corev1.ContainerStatus) string {
	for _, c := range p.Spec.InitContainers {
		if c.Name == cs.Name && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
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

func conditionTrue(p *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

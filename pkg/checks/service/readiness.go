package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
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
		case p.DeletionTimestamp != nil && !kube.StuckTerminating(&p, now):
			// Within its grace period a deleted pod finishes the connections it has; it
			// is what every rollout and scale-down leaves behind for a while.
			reason := kube.TerminationReason(&p, now)
			shuttingDown = append(shuttingDown, finding.PodDisplayName(&p)+": "+reason)
			if firstShutdown == "" {
				firstShutdown = p.Name + ": " + kube.ShortReason(reason)
			}
		case kube.PodReceivesTraffic(&p):
			s.Ready = append(s.Ready, p)
		default:
			reason := kube.PodNotReadyReason(&p)
			notReady = append(notReady, finding.PodDisplayName(&p)+": "+reason)
			if firstReason == "" {
				firstReason = p.Name + ": " + kube.ShortReason(reason)
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

func firstField(s string) string {
	name, _, _ := strings.Cut(s, ":")
	return name
}

package finding_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// recordingSource is a cluster that records events: it answers the events of every
// object with events, or fails with err.
type recordingSource struct {
	*source.Objects
	events []corev1.Event
	err    error
}

func (r recordingSource) Guarantees(g source.Guarantee) bool { return g == source.RecordedEvents }

func (r recordingSource) Events(context.Context, string, string, string) ([]corev1.Event, error) {
	return r.events, r.err
}

func TestWithWarningEvents(t *testing.T) {
	t.Parallel()
	f := diag.New(diag.LoadBalancerPending, diag.ObjectRef{Kind: "Service", Namespace: "shop", Name: "web"}, "pending")
	events := []corev1.Event{
		{Type: corev1.EventTypeNormal, Reason: "EnsuringLoadBalancer", Message: "ensuring"},
		{Type: corev1.EventTypeWarning, Reason: "SyncLoadBalancerFailed", Message: " quota exceeded\n"},
	}
	tests := []struct {
		name     string
		src      source.Source
		evidence []string
		ids      []diag.FindingID
	}{
		{"offline: no record to read", source.FromObjects(), nil, []diag.FindingID{diag.LoadBalancerPending}},
		{"only the warnings, trimmed", recordingSource{Objects: source.FromObjects(), events: events},
			[]string{"event SyncLoadBalancerFailed: quota exceeded"}, []diag.FindingID{diag.LoadBalancerPending}},
		{"unreadable: a read error beside the finding", recordingSource{Objects: source.FromObjects(), err: &source.ReadError{Verb: "list", Resource: "events", Err: errors.New("forbidden")}},
			nil, []diag.FindingID{diag.LoadBalancerPending, diag.APIError}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := finding.WithWarningEvents(context.Background(), tt.src, f, "Service", "shop", "web")
			var ids []diag.FindingID
			for _, g := range got {
				ids = append(ids, g.ID)
			}
			if !slices.Equal(ids, tt.ids) {
				t.Fatalf("findings %v, want %v", ids, tt.ids)
			}
			if !slices.Equal(got[0].Evidence, tt.evidence) {
				t.Errorf("evidence %q, want %q", got[0].Evidence, tt.evidence)
			}
		})
	}
}

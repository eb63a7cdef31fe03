package finding

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// WithWarningEvents adds to f, as evidence, the Warning events recorded for object
// kind namespace/name: a controller that refuses an object says why there, and nowhere
// else. A source that holds no events (offline manifests) adds nothing; events that
// cannot be read come back as a read-error finding beside f, never as silence.
func WithWarningEvents(ctx context.Context, src source.Source, f diag.Finding, kind, namespace, name string) []diag.Finding {
	if !src.Guarantees(source.RecordedEvents) {
		return []diag.Finding{f}
	}
	events, err := src.Events(ctx, namespace, kind, name)
	for _, e := range events {
		if e.Type == corev1.EventTypeWarning {
			f = f.WithEvidence(fmt.Sprintf("event %s: %s", e.Reason, strings.TrimSpace(e.Message)))
		}
	}
	if err != nil {
		return []diag.Finding{f, engine.ReadErrorFinding(err)}
	}
	return []diag.Finding{f}
}

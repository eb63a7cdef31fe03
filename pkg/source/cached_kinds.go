package source

import (
	"context"

	corev1 "k8s.io/api/core/v1"
)

// Events complete Cached's one-list-per-kind snapshot (read.go for the registered
// kinds): the events of the objects a finding cites are listed once in the scan's scope
// and selected by involved object in memory.

// Events implements Source: the scope's events are listed once, then selected by
// involved object in memory.
func (c *Cached) Events(ctx context.Context, namespace, kind, name string) ([]corev1.Event, error) {
	if !c.inScope(namespace) {
		return elsewhere(ctx, c, "Event|"+namespace+"|"+kind+"|"+name, func(ctx context.Context) ([]corev1.Event, error) {
			return c.Source.Events(ctx, namespace, kind, name)
		})
	}
	store, err := c.snapshotOf(ctx, kindsByName[KindEvent])
	if IsForbidden(err) {
		// A user may be allowed to list the events of one namespace only.
		return c.Source.Events(ctx, namespace, kind, name)
	}
	if err != nil {
		return nil, err
	}
	return store.Events(ctx, namespace, kind, name)
}

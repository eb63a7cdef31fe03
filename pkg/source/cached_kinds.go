package source

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Events complete Cached's one-list-per-kind snapshot (read.go for the registered
// kinds): the events of the objects a finding cites are listed once in the scan's scope
// and selected by involved object in memory.

// eventLister is implemented by sources that can list every Event of a scope at once,
// which Cached uses instead of one field-selected list per object.
type eventLister interface {
	AllEvents(ctx context.Context, namespace string) ([]corev1.Event, error)
}

var (
	_ eventLister = (*Live)(nil)
	_ eventLister = (*Objects)(nil)
)

// AllEvents lists every Event in namespace (AllNamespaces for all).
func (l *Live) AllEvents(ctx context.Context, namespace string) ([]corev1.Event, error) {
	events, err := listAll(ctx, metav1.ListOptions{}, l.client.CoreV1().Events(namespace).List,
		func(list *corev1.EventList) []corev1.Event { return list.Items })
	if err != nil {
		return nil, readErr("list", resEvents, namespace, "", err)
	}
	sortByKey(events)
	return events, nil
}

// AllEvents lists every Event in namespace (AllNamespaces for all).
func (o *Objects) AllEvents(_ context.Context, namespace string) ([]corev1.Event, error) {
	return listed[corev1.Event](o, KindEvent, namespace, nil), nil
}

// Events implements Source: the scope's events are listed once, then selected by
// involved object in memory.
func (c *Cached) Events(ctx context.Context, namespace, kind, name string) ([]corev1.Event, error) {
	all, ok := c.Source.(eventLister)
	if !ok || !c.inScope(namespace) {
		return elsewhere(ctx, c, "Event|"+namespace+"|"+kind+"|"+name, func(ctx context.Context) ([]corev1.Event, error) {
			return c.Source.Events(ctx, namespace, kind, name)
		})
	}
	store, err := c.kind(ctx, "Event", func(ctx context.Context) ([]runtime.Object, error) {
		return toObjects(all.AllEvents(ctx, c.scope))
	})
	if IsForbidden(err) {
		// A user may be allowed to list the events of one namespace only.
		return c.Source.Events(ctx, namespace, kind, name)
	}
	if err != nil {
		return nil, err
	}
	return store.Events(ctx, namespace, kind, name)
}

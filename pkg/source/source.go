// Package source is netdoctor's read-only view of a cluster. Checks read only through
// Source, so every check runs the same against a live API server (NewLive) and against
// manifests given with -f (FromFiles) or built in tests (FromObjects). Source has getters
// and listers only: there is no way to write to the cluster through it.
package source

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

// AllNamespaces, passed as a namespace, lists across the cluster.
const AllNamespaces = ""

// Guarantee is what a source can vouch for beyond the objects it returns. An API server
// vouches for each; files given with -f hold what someone exported, so offline a check
// that needs one says what the input lacks instead of reporting a problem.
type Guarantee int

const (
	// Complete: every object that exists is returned; one that is not, does not exist
	// (and a kind the API server does not serve cannot exist). -f input holds only what
	// was given: an object or namespace missing from it proves nothing.
	Complete Guarantee = iota + 1
	// ControllerStatus: objects carry the status their controllers write (conditions,
	// route and Gateway status). Manifests often carry none.
	ControllerStatus
	// RecordedEvents: the events the cluster recorded about an object can be read.
	RecordedEvents
	// Admitted: the API server validated every object and allocated what must be unique
	// (a nodePort is never given to two Services).
	Admitted
)

// Source reads cluster objects. Every method returns a *ReadError on failure so callers
// can tell Forbidden from other API failures; a missing object from a getter is a
// ReadError whose IsNotFound() is true. Lists return objects sorted by namespace and
// name so that output is deterministic. A list may share its elements with the source
// (an in-memory snapshot answers from its own slices): callers read it, may append to
// it, and never sort it or write to its objects in place.
type Source interface {
	// Live reports whether objects come from an API server (true) or from files.
	Live() bool
	// Has reports whether the input can hold objects of the kind at all: always true
	// live; offline, true only when the files contained at least one object of it, so
	// checks can skip instead of reporting objects "missing" that were never given.
	Has(kind string) bool
	// Guarantees reports whether the source vouches for g beyond the objects it returns:
	// always true live, never for -f input. Checks ask it, never which source they run
	// on, when an answer depends on it (a missing status, an object not in the files).
	Guarantees(g Guarantee) bool

	// ListKind and GetKind read a kind of the registry (kinds.go) by name: ListKind's
	// items are a []T and GetKind's object a *T of the kind's Go type. Checks call them
	// through List and Get, which are typed; a kind needs no method of its own.
	//
	// The Gateway API kinds are returned as their v1 Go types whatever version the
	// cluster or the files serve them in (v1beta1 ReferenceGrant, v1alpha2 TCPRoute have
	// the same shape). A CRD kind the cluster does not serve (the Gateway API, the admin
	// network policies of sigs.k8s.io/network-policy-api on most clusters) lists as
	// empty and gets as NotFound: no such object can exist there.
	ListKind(ctx context.Context, kind, namespace string, selector labels.Selector) (any, error)
	GetKind(ctx context.Context, kind, namespace, name string) (any, error)

	// Services lists Services; name, if not empty, keeps only Services of that name.
	Services(ctx context.Context, namespace, name string) ([]corev1.Service, error)
	Namespaces(ctx context.Context) ([]corev1.Namespace, error)
	// Events lists events about one object (involvedObject kind and name).
	Events(ctx context.Context, namespace, kind, name string) ([]corev1.Event, error)

	// GatewayAPIInstalled reports whether the API server serves the Gateway API group
	// (discovery). Offline it reports whether the input holds any Gateway API object.
	GatewayAPIInstalled(ctx context.Context) (bool, error)
	// GatewayAPIServes reports whether kind (e.g. "TCPRoute") of the Gateway API group is
	// served. Offline it reports whether the input holds objects of that kind.
	GatewayAPIServes(ctx context.Context, kind string) (bool, error)

	// CNIPolicies lists the network plugins' own policy kinds (CNIPolicyKinds: Cilium's
	// and Calico's), which netdoctor reads but does not evaluate: those of namespace (every
	// namespace for AllNamespaces) and every cluster-wide one. Objects are unstructured,
	// with apiVersion and kind set. Where no such kind is served (most clusters), or
	// offline when the input holds none, the list is empty without error.
	CNIPolicies(ctx context.Context, namespace string) ([]unstructured.Unstructured, error)
}

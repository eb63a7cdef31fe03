package source

// Network plugins bring policy kinds of their own beside NetworkPolicy: Cilium
// (cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy) and Calico
// (NetworkPolicy and GlobalNetworkPolicy, served as projectcalico.org/v3 by the Calico
// API server and stored as crd.projectcalico.org/v1 CRDs, with the Tiers that order
// them and the NetworkSets and GlobalNetworkSets their selectors match). netdoctor
// reads them so that the policy engine evaluates them beside NetworkPolicy. They stay
// unstructured here: pkg/netpol decodes the fields it evaluates.
//
// Live reads ask discovery once which of these kinds the API server serves and read
// them through the dynamic client, like the admin network policies; a kind that is not
// served (most clusters) lists as empty, without error. When the Calico API server
// serves projectcalico.org/v3, the crd.projectcalico.org/v1 objects behind it are the
// same policies and are not read a second time.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientdiscovery "k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
)

// KindCNIPolicy is what Has answers for the policy kinds of CNIPolicyKinds: offline, true
// when the input holds at least one object of any of them.
const KindCNIPolicy = "CNIPolicy"

// CNIPolicyKind is one network plugin policy kind as the API serves it.
type CNIPolicyKind struct {
	GroupVersion schema.GroupVersion
	Kind         string
	Resource     string
	// ClusterWide kinds have no namespace and may select pods in every namespace.
	ClusterWide bool
	// Plugin is the network plugin that enforces the kind: "Cilium" or "Calico".
	Plugin string
	// Auxiliary kinds are no policies but what policies refer to (Calico's Tiers and
	// network sets).
	Auxiliary bool
}

// ResourceName is the kind's resource as kubectl and RBAC name it, e.g.
// "ciliumnetworkpolicies.cilium.io".
func (k CNIPolicyKind) ResourceName() string { return k.Resource + "." + k.GroupVersion.Group }

// Calico's two API groups: the API server's and the CRDs it stores objects in.
var (
	CalicoGroupVersion    = schema.GroupVersion{Group: "projectcalico.org", Version: "v3"}
	CalicoCRDGroupVersion = schema.GroupVersion{Group: "crd.projectcalico.org", Version: "v1"}
	CiliumGroupVersion    = schema.GroupVersion{Group: "cilium.io", Version: "v2"}
)

// CNIPolicyKinds are the kinds CNIPolicies reads, in the order it lists them.
var CNIPolicyKinds = []CNIPolicyKind{
	{GroupVersion: CiliumGroupVersion, Kind: "CiliumNetworkPolicy", Resource: "ciliumnetworkpolicies", Plugin: "Cilium"},
	{GroupVersion: CiliumGroupVersion, Kind: "CiliumClusterwideNetworkPolicy", Resource: "ciliumclusterwidenetworkpolicies", ClusterWide: true, Plugin: "Cilium"},
	{GroupVersion: CalicoGroupVersion, Kind: "NetworkPolicy", Resource: "networkpolicies", Plugin: "Calico"},
	{GroupVersion: CalicoGroupVersion, Kind: "GlobalNetworkPolicy", Resource: "globalnetworkpolicies", ClusterWide: true, Plugin: "Calico"},
	{GroupVersion: CalicoCRDGroupVersion, Kind: "NetworkPolicy", Resource: "networkpolicies", Plugin: "Calico"},
	{GroupVersion: CalicoCRDGroupVersion, Kind: "GlobalNetworkPolicy", Resource: "globalnetworkpolicies", ClusterWide: true, Plugin: "Calico"},
	// What Calico's policies refer to: the Tiers that order them, and the network sets
	// their selectors match addresses outside the cluster by.
	{GroupVersion: CalicoGroupVersion, Kind: "Tier", Resource: "tiers", ClusterWide: true, Plugin: "Calico", Auxiliary: true},
	{GroupVersion: CalicoGroupVersion, Kind: "NetworkSet", Resource: "networksets", Plugin: "Calico", Auxiliary: true},
	{GroupVersion: CalicoGroupVersion, Kind: "GlobalNetworkSet", Resource: "globalnetworksets", ClusterWide: true, Plugin: "Calico", Auxiliary: true},
	{GroupVersion: CalicoCRDGroupVersion, Kind: "Tier", Resource: "tiers", ClusterWide: true, Plugin: "Calico", Auxiliary: true},
	{GroupVersion: CalicoCRDGroupVersion, Kind: "NetworkSet", Resource: "networksets", Plugin: "Calico", Auxiliary: true},
	{GroupVersion: CalicoCRDGroupVersion, Kind: "GlobalNetworkSet", Resource: "globalnetworksets", ClusterWide: true, Plugin: "Calico", Auxiliary: true},
}

// CNIPolicyKindOf returns the CNIPolicyKinds entry of gvk; ok is false for any other kind
// (networking.k8s.io NetworkPolicy included).
func CNIPolicyKindOf(gvk schema.GroupVersionKind) (CNIPolicyKind, bool) {
	for _, k := range CNIPolicyKinds {
		if k.GroupVersion == gvk.GroupVersion() && k.Kind == gvk.Kind {
			return k, true
		}
	}
	return CNIPolicyKind{}, false
}

// cniDiscovery remembers which CNIPolicyKinds the API server serves. A failed
// discovery is not remembered: the next read asks again.
type cniDiscovery struct {
	mu     sync.Mutex
	done   bool
	served []CNIPolicyKind
}

// cniPoliciesServed asks discovery, once per Live, which CNIPolicyKinds are served: one
// request for the API groups, and one per group version of these kinds that exists.
func (l *Live) cniPoliciesServed(ctx context.Context) ([]CNIPolicyKind, error) {
	d := &l.cni
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done {
		return d.served, nil
	}
	groups, err := apiGroups(ctx, l.client.Discovery())
	if err != nil {
		return nil, readErr("get", "API groups (discovery)", "", "", err)
	}
	present := map[schema.GroupVersion]bool{}
	for _, g := range groups.Groups {
		for _, v := range g.Versions {
			present[schema.GroupVersion{Group: g.Name, Version: v.Version}] = true
		}
	}
	resources := map[schema.GroupVersion]map[string]string{} // group version → kind → resource
	var served []CNIPolicyKind
	for _, k := range CNIPolicyKinds {
		gv := k.GroupVersion
		if !present[gv] {
			continue
		}
		if gv == CalicoCRDGroupVersion && servesGroupVersion(served, CalicoGroupVersion) {
			continue // the same policies, already read through the Calico API server
		}
		if _, asked := resources[gv]; !asked {
			resources[gv] = map[string]string{}
			list, err := l.client.Discovery().ServerResourcesForGroupVersionWithContext(ctx, gv.String())
			switch {
			case apierrors.IsNotFound(err):
				// the group version went away between the two requests
			case err != nil:
				return nil, readErr("get", "API resources of "+gv.String()+" (discovery)", "", "", err)
			default:
				for _, r := range list.APIResources {
					if !strings.Contains(r.Name, "/") { // not a subresource (…/status)
						resources[gv][r.Kind] = r.Name
					}
				}
			}
		}
		if resources[gv][k.Kind] == k.Resource {
			served = append(served, k)
		}
	}
	d.done, d.served = true, served
	return served, nil
}

func servesGroupVersion(kinds []CNIPolicyKind, gv schema.GroupVersion) bool {
	for _, k := range kinds {
		if k.GroupVersion == gv {
			return true
		}
	}
	return false
}

// apiGroups lists the API groups with one request (GET /apis). The legacy core group,
// which ServerGroups also asks for, holds none of these kinds. Without a REST client
// (a fake discovery in tests) it falls back to ServerGroups.
func apiGroups(ctx context.Context, d clientdiscovery.DiscoveryInterfaces) (*metav1.APIGroupList, error) {
	rc := d.RESTClient()
	if rc == nil {
		return d.ServerGroupsWithContext(ctx)
	}
	raw, err := rc.Get().AbsPath("/apis").SetHeader("Accept", "application/json").Do(ctx).Raw()
	if err != nil {
		return nil, err
	}
	var groups metav1.APIGroupList
	if err := json.Unmarshal(raw, &groups); err != nil {
		return nil, fmt.Errorf("API groups (discovery): %w", err)
	}
	return &groups, nil
}

// CNIPolicies implements Source.
func (l *Live) CNIPolicies(ctx context.Context, namespace string) ([]unstructured.Unstructured, error) {
	served, err := l.cniPoliciesServed(ctx)
	if err != nil {
		return nil, err
	}
	out := []unstructured.Unstructured{}
	for _, k := range served {
		gvr := k.GroupVersion.WithResource(k.Resource)
		ns := namespace
		if k.ClusterWide {
			ns = ""
		}
		if l.dynamic == nil {
			return nil, readErr("list", k.ResourceName(), ns, "", fmt.Errorf("no dynamic client to read %s with", k.Kind))
		}
		var ri dynamic.ResourceInterface = l.dynamic.Resource(gvr)
		if !k.ClusterWide {
			ri = l.dynamic.Resource(gvr).Namespace(ns)
		}
		items, err := listAll(ctx, metav1.ListOptions{}, ri.List,
			func(list *unstructured.UnstructuredList) []unstructured.Unstructured { return list.Items })
		if apierrors.IsNotFound(err) || apimeta.IsNoMatchError(err) {
			continue // the CRD was removed since discovery: no such policies any more
		}
		if err != nil {
			return nil, readErr("list", k.ResourceName(), ns, "", err)
		}
		for i := range items {
			items[i].SetAPIVersion(k.GroupVersion.String())
			items[i].SetKind(k.Kind)
		}
		out = append(out, items...)
	}
	sortByKey(out)
	return out, nil
}

// CNIPolicies implements Source: the namespaced policies of namespace (all of them for
// AllNamespaces) and every cluster-wide one.
func (o *Objects) CNIPolicies(_ context.Context, namespace string) ([]unstructured.Unstructured, error) {
	policies := rows[unstructured.Unstructured](o, KindCNIPolicy)
	if namespace == AllNamespaces {
		return filter(policies, AllNamespaces, nil), nil
	}
	lo, hi := namespaceRange(policies, "")
	out := append([]unstructured.Unstructured{}, policies[lo:hi]...)
	return append(out, filter(policies, namespace, nil)...), nil
}

// CNIPolicies implements Source: the scope's policies are listed once per scan.
func (c *Cached) CNIPolicies(ctx context.Context, namespace string) ([]unstructured.Unstructured, error) {
	if !c.inScope(namespace) {
		return elsewhere(ctx, c, KindCNIPolicy+"|"+namespace, func(ctx context.Context) ([]unstructured.Unstructured, error) {
			return c.Source.CNIPolicies(ctx, namespace)
		})
	}
	store, err := c.kind(ctx, KindCNIPolicy, func(ctx context.Context) ([]runtime.Object, error) {
		return toObjects(c.Source.CNIPolicies(ctx, c.scope))
	})
	if err != nil {
		return nil, err
	}
	return store.CNIPolicies(ctx, namespace)
}

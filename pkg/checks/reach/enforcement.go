package reach

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dataplane"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Enforcer is a network plugin, or a policy agent beside one, that enforces
// NetworkPolicy. Match lists the names its DaemonSet, pods, containers or images use.
type Enforcer struct {
	Name  string
	Match []string
	// MinImageTag, when set, is the first image tag that enforces: plugins that gained
	// NetworkPolicy support late are recognised only from that release on. Tags of
	// these images are dates (vYYYYMMDD-...), so they compare as strings.
	MinImageTag string
}

// PolicyEnforcers is the one list of known NetworkPolicy enforcers. NetworkPolicy is
// only an API: a plugin that does not implement it (flannel alone, kindnet before
// kind v0.24, the bare AWS VPC CNI) accepts the objects and enforces nothing. Keep
// sorted by name; add an entry rather than matching elsewhere.
var PolicyEnforcers = []Enforcer{
	{Name: "Antrea", Match: []string{"antrea-agent"}},
	{Name: "AWS VPC CNI network policy agent", Match: []string{"aws-network-policy-agent", "aws-eks-nodeagent"}},
	{Name: "Azure Network Policy Manager", Match: []string{"azure-npm"}},
	{Name: "Calico", Match: []string{"calico-node"}},
	{Name: "Canal", Match: []string{"canal"}},
	{Name: "Cilium", Match: []string{"cilium", "cilium-agent", "anetd"}}, // anetd: GKE Dataplane V2
	{Name: "kindnet (kind v0.24+)", Match: []string{"kindnetd"}, MinImageTag: "v20240813"},
	{Name: "kube-network-policies", Match: []string{"kube-network-policies"}},
	{Name: "Kube-OVN", Match: []string{"kube-ovn-cni"}},
	{Name: "kube-router", Match: []string{"kube-router"}},
	{Name: "OVN-Kubernetes", Match: []string{"ovnkube-node"}},
	{Name: "Weave Net", Match: []string{"weave-net"}},
}

// EnforcerNamespaces are where those plugins run: kube-system, and the namespaces of
// operator-based installs (Tigera's calico-system, Cilium's own namespace).
var EnforcerNamespaces = []string{metav1.NamespaceSystem, "calico-system", "cilium"}

// DetectEnforcer returns the enforcer a DaemonSet or pod (name, container names and
// images) belongs to, or "".
func DetectEnforcer(name string, containers []corev1.Container) string {
	for _, e := range PolicyEnforcers {
		if e.MinImageTag != "" {
			if enforcingImage(e, containers) {
				return e.Name
			}
			continue
		}
		for _, m := range e.Match {
			if name == m || strings.HasPrefix(name, m+"-") {
				return e.Name
			}
			for _, c := range containers {
				if c.Name == m || imageName(c.Image) == m {
					return e.Name
				}
			}
		}
	}
	return ""
}

// enforcingImage reports whether a container runs e's image at MinImageTag or later.
func enforcingImage(e Enforcer, containers []corev1.Container) bool {
	for _, c := range containers {
		image, _, _ := strings.Cut(c.Image, "@")
		base := path.Base(image)
		repo, tag, _ := strings.Cut(base, ":")
		for _, m := range e.Match {
			if repo == m && tag >= e.MinImageTag {
				return true
			}
		}
	}
	return false
}

// imageName is the repository's last path element without tag or digest:
// "quay.io/cilium/cilium:v1.15@sha256:..." → "cilium".
func imageName(image string) string {
	image, _, _ = strings.Cut(image, "@")
	base := path.Base(image)
	if i := strings.LastIndex(base, ":"); i >= 0 {
		base = base[:i]
	}
	return base
}

// checkEnforcement: policies that affect this traffic only matter if the network plugin
// enforces them. When no known enforcer runs, the verdict above is what the policies
// say, not what the network does. Offline it is skipped unless the input holds
// DaemonSets or pods of those namespaces.
func checkEnforcement(ctx context.Context, s *State) engine.Result {
	if !s.isolated {
		return engine.Skip("no NetworkPolicy applies to this traffic")
	}
	e, err := FindEnforcer(ctx, s.Source, s.dataPlane().SystemPods) // kube-system listed once, shared with the kube-proxy check
	switch {
	case e.Found != "":
		return engine.Pass("%s", e.Found)
	case err != nil:
		return engine.ReadError(err)
	case !s.Source.Guarantees(source.Complete) && !e.InputHasAny:
		return engine.Skip("the input holds no DaemonSets or pods of %s", strings.Join(EnforcerNamespaces, ", "))
	}
	f := NotEnforcedFinding(diag.ObjectRef{}, "NetworkPolicies apply to this traffic", "the verdict above is only what the policies say, and traffic flows regardless", e.Seen)
	return engine.Found("no known NetworkPolicy enforcer found", f)
}

// Enforcement is what FindEnforcer saw in EnforcerNamespaces.
type Enforcement struct {
	// Found names the enforcer and where it runs ("Calico (DaemonSet kube-system/calico-node)"),
	// "" when none was found.
	Found string
	// Seen are the DaemonSets and the pods of no DaemonSet that are no known enforcer.
	Seen []string
	// InputHasAny is false when nothing of those namespaces could be seen (offline
	// input without them, where no answer is possible).
	InputHasAny bool
}

// FindEnforcer looks for a known NetworkPolicy enforcer among the DaemonSets and pods of
// EnforcerNamespaces; systemPods lists the pods of kube-system (dataplane.Snapshot's, so
// that they are listed once per diagnosis). The error is the last read that failed; an
// enforcer found elsewhere answers all the same.
func FindEnforcer(ctx context.Context, src source.Source, systemPods func(context.Context) ([]corev1.Pod, error)) (Enforcement, error) {
	var e Enforcement
	var readErr error
	for _, ns := range EnforcerNamespaces {
		dss, err := source.List[appsv1.DaemonSet](ctx, src, ns, nil)
		if err != nil {
			readErr = err
		}
		for _, ds := range dss {
			e.InputHasAny = true
			if name := DetectEnforcer(ds.Name, ds.Spec.Template.Spec.Containers); name != "" {
				e.Found = fmt.Sprintf("%s (DaemonSet %s/%s)", name, ns, ds.Name)
				return e, nil
			}
			e.Seen = append(e.Seen, "DaemonSet "+ns+"/"+ds.Name)
		}
		var pods []corev1.Pod
		if ns == dataplane.Namespace {
			pods, err = systemPods(ctx)
		} else {
			pods, err = source.List[corev1.Pod](ctx, src, ns, nil)
		}
		if err != nil {
			readErr = err
		}
		for _, p := range pods {
			e.InputHasAny = true
			if name := DetectEnforcer(p.Name, p.Spec.Containers); name != "" {
				e.Found = fmt.Sprintf("%s (pod %s/%s)", name, ns, p.Name)
				return e, nil
			}
			if owner := daemonSetOwner(p); owner == "" {
				e.Seen = append(e.Seen, "pod "+ns+"/"+p.Name)
			}
		}
	}
	sort.Strings(e.Seen)
	return e, readErr
}

// NotEnforcedFinding is NetworkPolicyNotEnforced on obj: "LEAD, but no policy-enforcing
// network plugin was found in ...: if the cluster's plugin does not enforce
// NetworkPolicy, CONSEQUENCE", with the enforcers looked for and what was seen instead.
func NotEnforcedFinding(obj diag.ObjectRef, lead, consequence string, seen []string) diag.Finding {
	names := make([]string, 0, len(PolicyEnforcers))
	for _, e := range PolicyEnforcers {
		names = append(names, e.Name)
	}
	f := diag.New(diag.NetworkPolicyNotEnforced, obj,
		"%s, but no policy-enforcing network plugin was found in %s: if the cluster's plugin does not enforce NetworkPolicy, %s",
		lead, strings.Join(EnforcerNamespaces, ", "), consequence).
		WithEvidence(fmt.Sprintf("known enforcers: %s", strings.Join(names, ", "))).
		WithFix("check which CNI plugin runs (kubectl get ds -A) and whether it enforces NetworkPolicy; install or enable one that does (e.g. Calico or Cilium) if the policies must hold").
		WithCommands("kubectl get daemonsets -A")
	if len(seen) > 0 {
		f = f.WithEvidence("found instead: " + strings.Join(diag.Limit(seen, 8, diag.MoreInline), ", "))
	}
	return f
}

// daemonSetOwner is the DaemonSet controlling pod, "" if none (its DaemonSet was
// already listed).
func daemonSetOwner(p corev1.Pod) string {
	for _, ref := range p.OwnerReferences {
		if ref.Kind == "DaemonSet" && ref.APIVersion == appsv1.SchemeGroupVersion.String() {
			return ref.Name
		}
	}
	return ""
}

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
	var seen []string
	var readErr error
	inputHasAny := false
	for _, ns := range EnforcerNamespaces {
		dss, err := s.Source.DaemonSets(ctx, ns)
		if err != nil {
			readErr = err
		}
		for _, ds := range dss {
			inputHasAny = true
			if e := DetectEnforcer(ds.Name, ds.Spec.Template.Spec.Containers); e != "" {
				return engine.Pass("%s (DaemonSet %s/%s)", e, ns, ds.Name)
			}
			seen = append(seen, "DaemonSet "+ns+"/"+ds.Name)
		}
		var pods []corev1.Pod
		if ns == dataplane.Namespace {
			pods, err = s.dataPlane().SystemPods(ctx) // listed once, shared with the kube-proxy check
		} else {
			pods, err = s.Source.Pods(ctx, ns, nil)
		}
		if err != nil {
			readErr = err
		}
		for _, p := range pods {
			inputHasAny = true
			if e := DetectEnforcer(p.Name, p.Spec.Containers); e != "" {
				return engine.Pass("%s (pod %s/%s)", e, ns, p.Name)
			}
			if owner := daemonSetOwner(p); owner == "" {
				seen = append(seen, "pod "+ns+"/"+p.Name)
			}
		}
	}
	if readErr != nil {
		return engine.ReadError(readErr)
	}
	if !s.Source.Live() && !inputHasAny {
		return engine.Skip("the input holds no DaemonSets or pods of %s", strings.Join(EnforcerNamespaces, ", "))
	}
	sort.Strings(seen)
	names := make([]string, 0, len(PolicyEnforcers))
	for _, e := range PolicyEnforcers {
		names = append(names, e.Name)
	}
	f := diag.New(diag.NetworkPolicyNotEnforced, diag.ObjectRef{},
		"NetworkPolicies apply to this traffic, but no policy-enforcing network plugin was found in %s: if the cluster's plugin does not enforce NetworkPolicy, the verdict above is only what the policies say, and traffic flows regardless",
		strings.Join(EnforcerNamespaces, ", ")).
		WithEvidence(fmt.Sprintf("known enforcers: %s", strings.Join(names, ", "))).
		WithFix("check which CNI plugin runs (kubectl get ds -A) and whether it enforces NetworkPolicy; install or enable one that does (e.g. Calico or Cilium) if the policies must hold").
		WithCommands("kubectl get daemonsets -A")
	if len(seen) > 0 {
		f = f.WithEvidence("found instead: " + strings.Join(limit(seen, 8), ", "))
	}
	return engine.Found("no known NetworkPolicy enforcer found", f)
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

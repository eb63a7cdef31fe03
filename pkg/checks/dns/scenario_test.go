package dns_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/dns"
	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
	"github.com/netdoctor/kubectl-netdoctor/test/scenarios"
)

const ns = scenarios.Namespace

// loadObjects reads recipes (test/testdata relative) as the scenario rows load them.
func loadObjects(t *testing.T, files ...string) []runtime.Object {
	t.Helper()
	objs, err := scenarios.LoadRecipes(files...)()
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func diagnose(t *testing.T, objs []runtime.Object, opts dns.Options) diag.Report {
	t.Helper()
	report, _, err := dns.Diagnose(context.Background(), source.FromObjects(fixture.WithControllerSlices(objs)...), opts)
	if err != nil {
		t.Fatal(err)
	}
	return report
}

// TestScenarios: each DNS finding fires on its fixture, and the healthy ones stay
// silent (no false positives). The rows are shared with the offline and envtest suites
// (test/scenarios).
func TestScenarios(t *testing.T) {
	t.Parallel()
	scenarios.Run[*dns.State](t, scenarios.DNS, nil)
}

// TestClusterDNSNotReady breaks the cluster DNS one way at a time.
func TestClusterDNSNotReady(t *testing.T) {
	t.Parallel()
	notReady := func(objs []runtime.Object) []runtime.Object {
		for _, o := range objs {
			if p, ok := o.(*corev1.Pod); ok && p.Namespace == dns.Namespace {
				p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}
				p.Status.ContainerStatuses[0].Ready = false
				p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
			}
		}
		return objs
	}
	drop := func(kind string) func([]runtime.Object) []runtime.Object {
		return func(objs []runtime.Object) []runtime.Object {
			var out []runtime.Object
			for _, o := range objs {
				switch v := o.(type) {
				case *corev1.Service:
					if kind == "Service" && v.Namespace == dns.Namespace {
						continue
					}
				case *corev1.ConfigMap:
					if kind == "ConfigMap" {
						continue
					}
				case *corev1.Pod:
					if kind == "Pod" && v.Namespace == dns.Namespace {
						continue
					}
				}
				out = append(out, o)
			}
			if kind == "ConfigMap" {
				// Another ConfigMap, so that the input is known to hold ConfigMaps.
				out = append(out, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-proxy", Namespace: dns.Namespace}})
			}
			return out
		}
	}
	noKubernetesPlugin := func(objs []runtime.Object) []runtime.Object {
		for _, o := range objs {
			if cm, ok := o.(*corev1.ConfigMap); ok {
				cm.Data["Corefile"] = ".:53 {\n    forward . /etc/resolv.conf\n}\n"
			}
		}
		return objs
	}
	tests := []struct {
		name    string
		mutate  func([]runtime.Object) []runtime.Object
		failing string // the check that fails
	}{
		{"kube-dns Service missing", drop("Service"), dns.CheckService},
		{"CoreDNS pods not Ready", notReady, dns.CheckPods},
		{"no CoreDNS pods", drop("Pod"), dns.CheckPods},
		{"coredns ConfigMap missing", drop("ConfigMap"), dns.CheckConfigMap},
		{"Corefile without the kubernetes plugin", noKubernetesPlugin, dns.CheckConfigMap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			objs := tt.mutate(loadObjects(t, "dns/cluster-dns.yaml", "dns/pods.yaml"))
			report := diagnose(t, objs, dns.Options{Namespace: ns})
			if got := scenarios.UniqueIDs(report.IDs()); !slices.Equal(got, []diag.FindingID{diag.ClusterDNSNotReady}) {
				t.Errorf("findings = %v, want [ClusterDNSNotReady]\n%s", got, scenarios.Describe(report))
			}
			if status := report.StatusOf(tt.failing); status != diag.StatusFail {
				t.Errorf("%s is %s, want fail\n%s", tt.failing, status, scenarios.Describe(report))
			}
			if report.RootCause == "" {
				t.Error("no root cause")
			}
		})
	}
}

// TestEndpointsWithoutReadyAddresses: pods look fine but the EndpointSlices the
// controller wrote list none of them as ready.
func TestEndpointsWithoutReadyAddresses(t *testing.T) {
	t.Parallel()
	objs := fixture.WithControllerSlices(loadObjects(t, "dns/cluster-dns.yaml"))
	no := false
	for _, o := range objs {
		if sl, ok := o.(*discoveryv1.EndpointSlice); ok && sl.Labels[discoveryv1.LabelServiceName] == dns.ServiceName {
			for i := range sl.Endpoints {
				sl.Endpoints[i].Conditions.Ready = &no
			}
		}
	}
	report, _, err := dns.Diagnose(context.Background(), source.FromObjects(objs...), dns.Options{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	if status := report.StatusOf(dns.CheckEndpoints); status != diag.StatusFail {
		t.Errorf("%s is %s, want fail\n%s", dns.CheckEndpoints, status, scenarios.Describe(report))
	}
}

// TestOfflineWithoutKubeSystem: manifests of one app say nothing about the cluster DNS,
// so the cluster checks are skipped rather than reporting it missing.
func TestOfflineWithoutKubeSystem(t *testing.T) {
	t.Parallel()
	report := diagnose(t, loadObjects(t, "dns/pods.yaml"), dns.Options{Namespace: ns})
	if len(report.Findings) != 0 {
		t.Errorf("findings %v, want none\n%s", report.IDs(), scenarios.Describe(report))
	}
	if status := report.StatusOf(dns.CheckService); status != diag.StatusSkip {
		t.Errorf("%s is %s, want skip", dns.CheckService, status)
	}
}

// TestDNSEgressOnlyTCPBlocked: UDP allowed, TCP forgotten: a warning, since only
// answers too large for UDP fail.
func TestDNSEgressOnlyTCPBlocked(t *testing.T) {
	t.Parallel()
	objs := loadObjects(t, "dns/cluster-dns.yaml", "reach/apps.yaml", "reach/deny-egress-except-dns.yaml")
	for _, o := range objs {
		if np, ok := o.(*networkingv1.NetworkPolicy); ok {
			np.Spec.Egress[0].Ports = np.Spec.Egress[0].Ports[:1] // UDP only
		}
	}
	ep := peer.Endpoint{Kind: peer.KindDeployment, Namespace: ns, Name: "frontend"}
	report := diagnose(t, objs, dns.Options{Namespace: ns, Pod: &ep})
	var found bool
	for _, f := range report.Findings {
		if f.ID == diag.DNSEgressBlocked {
			found = true
			if f.Severity != diag.SeverityWarning {
				t.Errorf("TCP-only DNSEgressBlocked is %s, want warning", f.Severity)
			}
		}
	}
	if !found {
		t.Errorf("no DNSEgressBlocked\n%s", scenarios.Describe(report))
	}
}

// TestDNSEgressByClusterIP: allowing the kube-dns ClusterIP by ipBlock is the classic
// mistake; the evidence says why it does not help.
func TestDNSEgressByClusterIP(t *testing.T) {
	t.Parallel()
	objs := loadObjects(t, "dns/cluster-dns.yaml", "reach/apps.yaml", "reach/deny-egress-except-dns.yaml")
	for _, o := range objs {
		if np, ok := o.(*networkingv1.NetworkPolicy); ok {
			np.Spec.Egress[0].To = []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.96.0.10/32"}}}
		}
	}
	ep := peer.Endpoint{Kind: peer.KindDeployment, Namespace: ns, Name: "frontend"}
	report := diagnose(t, objs, dns.Options{Namespace: ns, Pod: &ep})
	for _, f := range report.Findings {
		if f.ID == diag.DNSEgressBlocked {
			if !strings.Contains(strings.Join(f.Evidence, "\n"), "ClusterIP, which does not help") {
				t.Errorf("evidence does not explain the ClusterIP rule: %q", f.Evidence)
			}
			if !strings.Contains(f.Fix, "k8s-app: kube-dns") {
				t.Errorf("fix does not select the DNS pods:\n%s", f.Fix)
			}
			return
		}
	}
	t.Errorf("no DNSEgressBlocked\n%s", scenarios.Describe(report))
}

// TestQueryNotes: --name lists the resolver's queries, search domains first for a name
// with fewer dots than ndots, and the node's search domains where they come.
func TestQueryNotes(t *testing.T) {
	t.Parallel()
	ep := peer.Endpoint{Kind: peer.KindPod, Namespace: ns, Name: "web"}
	report := diagnose(t, loadObjects(t, "dns/cluster-dns.yaml", "dns/pods.yaml"), dns.Options{Namespace: ns, Pod: &ep, QueryName: "api.stripe.com"})
	notes := strings.Join(report.Notes, "\n")
	for _, want := range []string{"1. api.stripe.com.shop.svc.cluster.local.", "4. api.stripe.com.<node search domain>.", "5. api.stripe.com."} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	// Without a pod, the queries are those of any ClusterFirst pod of the namespace.
	report = diagnose(t, loadObjects(t, "dns/cluster-dns.yaml"), dns.Options{Namespace: ns, QueryName: "payments"})
	if notes := strings.Join(report.Notes, "\n"); !strings.Contains(notes, "1. payments.shop.svc.cluster.local.") {
		t.Errorf("example pod notes:\n%s", notes)
	}
}

// TestDNSEgressViaNodeLocalCache: with NodeLocal DNSCache, pods query 169.254.20.10 on
// their node; a policy allowing that address (as its documentation says) is enough.
func TestDNSEgressViaNodeLocalCache(t *testing.T) {
	t.Parallel()
	objs := loadObjects(t, "dns/cluster-dns.yaml", "reach/apps.yaml", "reach/deny-egress-except-dns.yaml")
	for _, o := range objs {
		if np, ok := o.(*networkingv1.NetworkPolicy); ok {
			np.Spec.Egress[0].To = []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: dns.NodeLocalDNSAddress + "/32"}}}
		}
	}
	ep := peer.Endpoint{Kind: peer.KindDeployment, Namespace: ns, Name: "frontend"}
	report := diagnose(t, objs, dns.Options{Namespace: ns, Pod: &ep})
	for _, f := range report.Findings {
		if f.ID == diag.DNSEgressBlocked {
			t.Errorf("DNSEgressBlocked although the NodeLocal DNSCache address is allowed: %s", f.Message)
		}
	}
	if status := report.StatusOf(dns.CheckEgress); status != diag.StatusPass {
		t.Errorf("%s is %s, want pass\n%s", dns.CheckEgress, status, scenarios.Describe(report))
	}
}

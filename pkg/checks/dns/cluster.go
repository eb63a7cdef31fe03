package dns

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/finding"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Where the cluster DNS lives. Every mainstream distribution (kubeadm, EKS, GKE, AKS,
// k3s) runs it in kube-system behind a Service named kube-dns whose pods carry
// k8s-app=kube-dns, whatever the server (CoreDNS or the older kube-dns).
const (
	Namespace     = metav1.NamespaceSystem
	ServiceName   = "kube-dns"
	ConfigMapName = "coredns"
	PodLabelKey   = "k8s-app"
	PodLabelValue = "kube-dns"
)

// Cluster is the cluster DNS as found in kube-system.
type Cluster struct {
	// Service is kube-dns (or, on distributions that rename it, the kube-system Service
	// selecting k8s-app=kube-dns); nil when there is none.
	Service *corev1.Service
	// Pods are the non-terminal DNS server pods.
	Pods []corev1.Pod
	// Selector found Pods: the Service's selector, else k8s-app=kube-dns.
	Selector labels.Selector
}

// ClusterIP is the address ClusterFirst pods send queries to, "" when unknown.
func (c *Cluster) ClusterIP() string {
	if c.Service == nil || c.Service.Spec.ClusterIP == corev1.ClusterIPNone {
		return ""
	}
	return c.Service.Spec.ClusterIP
}

// Ref is the finding object of the cluster DNS.
func (c *Cluster) Ref() diag.ObjectRef {
	name := ServiceName
	if c.Service != nil {
		name = c.Service.Name
	}
	return diag.ObjectRef{Kind: "Service", Namespace: Namespace, Name: name}
}

// FindService reads the cluster DNS Service: kube-dns, else a kube-system Service that
// selects k8s-app=kube-dns. A missing one is (nil, nil).
func FindService(ctx context.Context, src source.Source) (*corev1.Service, error) {
	svc, err := source.Get[corev1.Service](ctx, src, Namespace, ServiceName)
	if err == nil {
		return svc, nil
	}
	if !source.IsNotFound(err) {
		return nil, err
	}
	all, err := src.Services(ctx, Namespace, "")
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].Spec.Selector[PodLabelKey] == PodLabelValue {
			return &all[i], nil
		}
	}
	return nil, nil
}

// FindPods reads the DNS server pods selected by svc (nil: by k8s-app=kube-dns).
func FindPods(ctx context.Context, src source.Source, svc *corev1.Service) ([]corev1.Pod, labels.Selector, error) {
	sel := labels.SelectorFromSet(labels.Set{PodLabelKey: PodLabelValue})
	if svc != nil && len(svc.Spec.Selector) > 0 {
		sel = labels.SelectorFromSet(svc.Spec.Selector)
	}
	pods, err := source.List[corev1.Pod](ctx, src, Namespace, sel)
	if err != nil {
		return nil, sel, err
	}
	out := pods[:0]
	for _, p := range pods {
		if !kube.PodFinished(&p) {
			out = append(out, p)
		}
	}
	return out, sel, nil
}

// FindCluster reads the Service and the pods of the cluster DNS.
func FindCluster(ctx context.Context, src source.Source) (Cluster, error) {
	var c Cluster
	svc, err := FindService(ctx, src)
	if err != nil {
		return c, err
	}
	c.Service = svc
	c.Pods, c.Selector, err = FindPods(ctx, src, svc)
	return c, err
}

func notReady(c *Cluster, format string, args ...any) diag.Finding {
	return diag.New(diag.ClusterDNSNotReady, c.Ref(), format, args...).
		WithCommands(fmt.Sprintf("kubectl get svc,endpointslices,pods -n %s -l %s", Namespace, c.selectorString()),
			fmt.Sprintf("kubectl logs -n %s -l %s --tail=50", Namespace, c.selectorString()))
}

func (c *Cluster) selectorString() string {
	if c.Selector == nil {
		return PodLabelKey + "=" + PodLabelValue
	}
	return c.Selector.String()
}

// checkService: without the cluster DNS Service, pods with dnsPolicy ClusterFirst send
// their queries to an address nothing answers on, so no name resolves. Offline it is
// skipped when the input holds nothing from kube-system.
func checkService(ctx context.Context, s *State) engine.Result {
	svc, err := FindService(ctx, s.Source)
	if err != nil {
		return engine.ReadError(err)
	}
	if svc == nil && !s.Source.Guarantees(source.Complete) {
		pods, err := source.List[corev1.Pod](ctx, s.Source, Namespace, nil)
		if err == nil && len(pods) == 0 {
			s.clusterSkipped = true
			return engine.Skip("the input holds no kube-system objects; add `kubectl get svc,endpointslices,pods,configmaps -n kube-system -o yaml` to -f")
		}
	}
	s.Cluster.Service = svc
	if svc == nil {
		f := notReady(&s.Cluster, "the cluster DNS Service %s/%s does not exist: pods with dnsPolicy ClusterFirst cannot resolve any name", Namespace, ServiceName).
			WithFix("reinstall the cluster DNS add-on (kubeadm: kubeadm init phase addon coredns)")
		return engine.Found("no kube-dns Service in "+Namespace, f)
	}
	ports := make([]string, 0, len(svc.Spec.Ports))
	for _, p := range svc.Spec.Ports {
		ports = append(ports, fmt.Sprintf("%d/%s", p.Port, p.Protocol))
	}
	return engine.Pass("Service %s/%s, ClusterIP %s, ports %s", Namespace, svc.Name, orUnknown(svc.Spec.ClusterIP), strings.Join(ports, ", "))
}

func orUnknown(s string) string {
	if s == "" {
		return "<unset>"
	}
	return s
}

// checkPods: the DNS Service forwards only to Ready server pods; when none is Ready,
// every lookup times out.
func checkPods(ctx context.Context, s *State) engine.Result {
	pods, sel, err := FindPods(ctx, s.Source, s.Cluster.Service)
	s.Cluster.Selector = sel
	if err != nil {
		return engine.ReadError(err)
	}
	s.Cluster.Pods = pods
	if len(pods) == 0 {
		f := notReady(&s.Cluster, "no cluster DNS pods match %s in %s: the kube-dns Service has no backends and no name resolves", sel, Namespace).
			WithFix("check the CoreDNS Deployment in %s (kubectl get deploy -n %s) and why it has no pods", Namespace, Namespace)
		idle, err := finding.IdleWorkloads(ctx, s.Source, Namespace, sel)
		if err != nil {
			return engine.Found("no pods match "+sel.String(), f, engine.ReadErrorFinding(err))
		}
		return engine.Found("no pods match "+sel.String(), finding.ExplainIdle(f, idle, Namespace))
	}
	var ready int
	var notReadyLines []string
	for i := range pods {
		if kube.PodReceivesTraffic(&pods[i]) {
			ready++
			continue
		}
		notReadyLines = append(notReadyLines, pods[i].Name+": "+kube.PodNotReadyReason(&pods[i]))
	}
	detail := fmt.Sprintf("%d of %d pod(s) Ready (%s)", ready, len(pods), sel)
	if ready == 0 {
		f := notReady(&s.Cluster, "none of the %d cluster DNS pods is Ready: lookups from every ClusterFirst pod time out", len(pods)).
			WithEvidence(notReadyLines...).
			WithFix("fix what keeps the DNS pods from becoming Ready (see each pod's reason and its logs)")
		return engine.Found(detail, f).WithDetails(notReadyLines...)
	}
	return engine.Pass("%s", detail).WithDetails(notReadyLines...)
}

// checkEndpoints: what kube-proxy programs for the kube-dns ClusterIP is its
// EndpointSlices; with no ready endpoint there, queries go nowhere even if pods look
// fine (the EndpointSlice controller is lagging or broken).
func checkEndpoints(ctx context.Context, s *State) engine.Result {
	if !s.Source.Has(source.KindEndpointSlice) {
		return engine.Skip("the input holds no EndpointSlices")
	}
	slices, err := source.EndpointSlicesOf(ctx, s.Source, Namespace, s.Cluster.Service.Name)
	if err != nil {
		return engine.ReadError(err)
	}
	ready, total := 0, 0
	for _, sl := range slices {
		for _, ep := range sl.Endpoints {
			total += len(ep.Addresses)
			if endpointReady(ep) {
				ready += len(ep.Addresses)
			}
		}
	}
	detail := fmt.Sprintf("%d ready of %d address(es) in %d EndpointSlice(s)", ready, total, len(slices))
	if ready > 0 {
		return engine.Pass("%s", detail)
	}
	f := notReady(&s.Cluster, "the cluster DNS Service %s/%s has no ready endpoints: queries to %s go nowhere", Namespace, s.Cluster.Service.Name, orUnknown(s.Cluster.ClusterIP())).
		WithEvidence(fmt.Sprintf("%d EndpointSlice(s) labelled %s=%s, %d address(es), none ready", len(slices), discoveryv1.LabelServiceName, s.Cluster.Service.Name, total)).
		WithFix("check kube-controller-manager (it writes EndpointSlices) and that the Service selector matches the DNS pods")
	return engine.Found(detail, f)
}

func endpointReady(ep discoveryv1.Endpoint) bool {
	return ep.Conditions.Ready == nil || *ep.Conditions.Ready
}

// checkConfigMap: CoreDNS reads its Corefile from the coredns ConfigMap; without it the
// pods cannot start, and without the kubernetes plugin in it cluster names do not
// resolve. The older kube-dns server has no such ConfigMap, so it is not required there.
func checkConfigMap(ctx context.Context, s *State) engine.Result {
	if !s.Source.Has(source.KindConfigMap) {
		return engine.Skip("the input holds no ConfigMaps")
	}
	cm, err := source.Get[corev1.ConfigMap](ctx, s.Source, Namespace, ConfigMapName)
	if source.IsNotFound(err) {
		if !runsCoreDNS(s.Cluster.Pods) {
			return engine.Skip("the DNS pods do not run CoreDNS")
		}
		f := notReady(&s.Cluster, "the CoreDNS ConfigMap %s/%s does not exist: CoreDNS has no Corefile", Namespace, ConfigMapName).
			WithFix("restore the ConfigMap (kubeadm: kubeadm init phase addon coredns); kubectl get configmap -n %s shows what is there", Namespace)
		return engine.Found("no ConfigMap "+ConfigMapName, f)
	}
	if err != nil {
		return engine.ReadError(err)
	}
	corefile, ok := cm.Data["Corefile"]
	if !ok {
		f := notReady(&s.Cluster, "the CoreDNS ConfigMap %s/%s has no Corefile key", Namespace, ConfigMapName).
			WithFix("restore the Corefile key of the ConfigMap")
		return engine.Found("ConfigMap "+ConfigMapName+" has no Corefile", f)
	}
	if !hasKubernetesPlugin(corefile) {
		f := notReady(&s.Cluster, "the Corefile in %s/%s has no kubernetes plugin: cluster names (*.svc.%s) do not resolve", Namespace, ConfigMapName, kube.ClusterDomain).
			WithFix("add `kubernetes %s in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa }` to the server block of the Corefile", kube.ClusterDomain)
		return engine.Found("Corefile lacks the kubernetes plugin", f)
	}
	return engine.Pass("ConfigMap %s has a Corefile with the kubernetes plugin", ConfigMapName)
}

func runsCoreDNS(pods []corev1.Pod) bool {
	if len(pods) == 0 {
		return true // nothing to tell otherwise: assume the default server
	}
	for _, c := range pods[0].Spec.Containers {
		if strings.Contains(c.Image, "coredns") {
			return true
		}
	}
	return false
}

// hasKubernetesPlugin reports whether a Corefile line starts with the kubernetes
// plugin (comments aside).
func hasKubernetesPlugin(corefile string) bool {
	for _, line := range strings.Split(corefile, "\n") {
		line, _, _ = strings.Cut(line, "#")
		fields := strings.Fields(line)
		if len(fields) > 0 && fields[0] == "kubernetes" {
			return true
		}
	}
	return false
}

package dns

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/peer"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/engine"
	"github.com/netdoctor/kubectl-netdoctor/pkg/kube"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol"
	"github.com/netdoctor/kubectl-netdoctor/pkg/netpol/dialect"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// ErrNotAPod is returned for a dns POD argument that names a Service or an address.
var ErrNotAPod = errors.New("dns diagnoses a pod: give a pod name, or pod/NAME, deploy/NAME, sts/NAME, ds/NAME, rs/NAME or job/NAME")

// exampleName marks the stand-in pod used when only --name is given.
const exampleName = "(any pod)"

// podRef is the finding object: the workload when one was named (its pod template
// is what to fix), else the pod.
func (s *State) podRef() diag.ObjectRef {
	switch {
	case s.Example:
		return diag.ObjectRef{Kind: "Namespace", Name: s.Namespace}
	case s.Workload != nil:
		return s.Workload.Ref()
	}
	return diag.ObjectRef{Kind: "Pod", Namespace: s.Pod.Namespace, Name: s.Pod.Name}
}

// podDesc names the pod in sentences.
func (s *State) podDesc() string {
	switch {
	case s.Example:
		return "a pod in namespace " + s.Namespace + " with dnsPolicy ClusterFirst"
	case s.Workload != nil:
		return s.Workload.String() + "'s pod " + s.Pod.Name
	}
	return "pod " + s.Pod.Namespace + "/" + s.Pod.Name
}

// podSelector selects the diagnosed pods in a suggested policy.
func (s *State) podSelector() *metav1.LabelSelector {
	if s.Workload != nil && s.Workload.LabelSelector != nil {
		return s.Workload.LabelSelector.DeepCopy()
	}
	return &metav1.LabelSelector{MatchLabels: kube.WorkloadLabels(s.Pod.Labels)}
}

// checkPod reads the pod to diagnose. A workload stands for its pods, which share one
// template; the first one (by name) is diagnosed. A pod that cannot be read stops the
// diagnosis: it is the target.
func checkPod(ctx context.Context, s *State) engine.Result {
	if s.Options.Pod == nil {
		s.Example = true
		s.Pod = &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: exampleName, Namespace: s.Namespace},
			Spec: corev1.PodSpec{DNSPolicy: corev1.DNSClusterFirst}}
		return engine.Pass("no POD given: %s", s.podDesc())
	}
	ep := *s.Options.Pod
	if ep.IsService() || ep.IsIP() {
		return engine.Result{Fatal: ErrNotAPod}
	}
	r, err := peer.Resolve(ctx, s.Source, ep)
	if err != nil {
		return engine.Result{Fatal: err}
	}
	s.Pod = &r.Pods[0]
	detail := fmt.Sprintf("pod %s/%s: dnsPolicy %s", s.Pod.Namespace, s.Pod.Name, orDefault(string(s.Pod.Spec.DNSPolicy), string(corev1.DNSClusterFirst)))
	if ep.Kind != peer.KindPod {
		s.Workload = &r
		detail = fmt.Sprintf("%s, the first of %s: dnsPolicy %s", s.Pod.Name, r.Describe(), orDefault(string(s.Pod.Spec.DNSPolicy), string(corev1.DNSClusterFirst)))
	}
	if s.Pod.Spec.HostNetwork {
		detail += ", hostNetwork"
	}
	return engine.Pass("%s", detail)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// checkResolvConf derives the pod's resolv.conf and flags the dnsPolicy mistakes: on
// the host network, ClusterFirst silently means Default, so cluster names do not
// resolve (ClusterFirstWithHostNet is the fix); Default and None without the cluster
// DNS server bypass cluster DNS altogether.
// https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-dns-policy
func checkResolvConf(_ context.Context, s *State) engine.Result {
	ip := s.Cluster.ClusterIP()
	s.Conf = EffectiveResolvConf(s.Pod, ip, kube.ClusterDomain)
	pod := s.Pod
	policy := corev1.DNSPolicy(orDefault(string(pod.Spec.DNSPolicy), string(corev1.DNSClusterFirst)))
	var findings []diag.Finding
	fix := fmt.Sprintf("kubectl get pod %s -n %s -o jsonpath='{.spec.dnsPolicy} {.spec.hostNetwork} {.spec.dnsConfig}'", pod.Name, pod.Namespace)
	switch {
	case pod.Spec.HostNetwork && policy == corev1.DNSClusterFirst:
		findings = append(findings, diag.New(diag.HostNetworkDNSPolicy, s.podRef(),
			"%s runs on the host network with dnsPolicy ClusterFirst, which the kubelet turns into Default: it gets the node's resolv.conf, so cluster names (*.svc.%s) do not resolve", s.podDesc(), kube.ClusterDomain).
			WithFix("set dnsPolicy: ClusterFirstWithHostNet in the pod template").
			WithCommands(fix))
	case policy == corev1.DNSDefault:
		findings = append(findings, diag.New(diag.DNSPolicyBypassesClusterDNS, s.podRef(),
			"%s has dnsPolicy Default: it resolves with the node's resolv.conf, so Service names (NAME.NAMESPACE.svc) do not resolve", s.podDesc()).
			WithFix("remove dnsPolicy (ClusterFirst is the default) unless the pod must not use cluster DNS").
			WithCommands(fix))
	case policy == corev1.DNSNone && ip != "" && !slices.Contains(s.Conf.Nameservers, ip):
		f := diag.New(diag.DNSPolicyBypassesClusterDNS, s.podRef(),
			"%s has dnsPolicy None and its dnsConfig does not list the cluster DNS server %s: Service names do not resolve", s.podDesc(), ip).
			WithFix("add %s to spec.dnsConfig.nameservers, with the searches %s.svc.%s svc.%s %s, or use dnsPolicy ClusterFirst", ip, pod.Namespace, kube.ClusterDomain, kube.ClusterDomain, kube.ClusterDomain).
			WithCommands(fix)
		if len(s.Conf.Nameservers) > 0 {
			f = f.WithEvidence("nameservers: " + strings.Join(s.Conf.Nameservers, ", "))
		}
		findings = append(findings, f)
	}
	detail := fmt.Sprintf("dnsPolicy %s: %s", policy, confSummary(s.Conf, ip))
	return engine.Found(detail, findings...).WithDetails(append(s.Conf.Lines(), s.Conf.Notes...)...)
}

func confSummary(c ResolvConf, clusterIP string) string {
	var parts []string
	switch {
	case c.ClusterDNS && clusterIP != "":
		parts = append(parts, "nameserver "+clusterIP+" (kube-dns)")
	case c.ClusterDNS:
		parts = append(parts, "nameserver kube-dns (ClusterIP unknown)")
	case c.NodeNameservers:
		parts = append(parts, "the node's nameservers")
	case len(c.Nameservers) > 0:
		parts = append(parts, "nameservers "+strings.Join(c.Nameservers, ", "))
	default:
		parts = append(parts, "no nameserver")
	}
	search := len(c.Search)
	switch {
	case c.NodeSearch && search > 0:
		parts = append(parts, fmt.Sprintf("%d search domains plus the node's", search))
	case c.NodeSearch:
		parts = append(parts, "the node's search domains")
	default:
		parts = append(parts, fmt.Sprintf("%d search domains", search))
	}
	parts = append(parts, fmt.Sprintf("ndots %d", c.Ndots))
	return strings.Join(parts, ", ")
}

// usesClusterDNS reports whether the pod's queries go to the cluster DNS Service.
func (s *State) usesClusterDNS() bool {
	ip := s.Cluster.ClusterIP()
	return s.Conf.ClusterDNS || (ip != "" && slices.Contains(s.Conf.Nameservers, ip))
}

// checkEgress: a pod isolated for egress must be allowed UDP and TCP 53 to the DNS
// pods themselves (policies see pod IPs after the kube-dns ClusterIP is translated),
// or no name resolves and every client fails before it connects.
func checkEgress(ctx context.Context, s *State) engine.Result {
	switch {
	case s.Example:
		return engine.Skip("no pod given")
	case !s.usesClusterDNS():
		return engine.Skip("the pod does not send queries to the cluster DNS")
	case s.Pod.Spec.HostNetwork:
		return engine.Pass("hostNetwork pods are never isolated by NetworkPolicy")
	case s.clusterSkipped:
		return engine.Skip("the input holds no cluster DNS pods")
	case len(s.Cluster.Pods) == 0:
		return engine.Skip("no cluster DNS pods to check against")
	case !s.Source.Has(source.KindNetworkPolicy) && !s.Source.Has(source.KindCNIPolicy):
		return engine.Skip("the input holds no NetworkPolicies")
	}
	// Cilium and Calico policies selecting the pod decide with the NetworkPolicies, in
	// the plugin's order; what the engine cannot evaluate leaves the answer unknown.
	items, err := s.Source.CNIPolicies(ctx, s.Pod.Namespace)
	if err != nil {
		res := engine.ReadError(err)
		res.Findings[0] = res.Findings[0].WithEvidence("a Cilium or Calico policy may decide the DNS egress of the pod")
		return res
	}
	cni := dialect.Collect(items)
	var policies []networkingv1.NetworkPolicy
	if s.Source.Has(source.KindNetworkPolicy) {
		if policies, err = source.List[networkingv1.NetworkPolicy](ctx, s.Source, s.Pod.Namespace, nil); err != nil {
			return engine.ReadError(err)
		}
	}
	in := netpol.Input{NetworkPolicies: policies}
	cni.AddTo(&in)
	model, err := netpol.CompileInput(in)
	if err != nil {
		return engine.Result{Fatal: err}
	}
	namespaces, partial := namespaceIndex(ctx, s)
	client := netpol.Peer{Pod: s.Pod, Namespace: namespaces[s.Pod.Namespace]}
	if !model.Restricts(client, netpol.Egress) {
		if len(policies) == 0 && cni.Empty() {
			return engine.Pass("the input holds no NetworkPolicy restricting the egress of the pod")
		}
		return engine.Pass("no NetworkPolicy restricts the egress of the pod")
	}
	r, err := EvaluateEgress(model, client, &s.Cluster, namespaces)
	if err != nil {
		return engine.Result{Fatal: err}
	}
	findings := partial
	switch {
	case r.Blocked():
		findings = append(findings, EgressFinding(r, s.podRef(), s.podDesc(), s.podSelector()))
	case !r.Unknown() && len(r.UDP.Verdict.L7)+len(r.TCP.Verdict.L7) > 0:
		// Allowed at L4, but DNS rules (Cilium's DNS proxy) restrict the names.
		u := dialect.NewUnevaluated(netpol.Egress)
		u.Add(r.UDP.Verdict, s.Pod.Name)
		u.Add(r.TCP.Verdict, s.Pod.Name)
		res := engine.Found(r.Summary(), append(findings, u.L7Finding(s.podRef(), s.podDesc(), cni))...)
		return res
	case r.Unknown():
		u := dialect.NewUnevaluated(netpol.Egress)
		for _, v := range r.UnknownVerdicts {
			u.Add(v, s.Pod.Name)
		}
		f := u.Finding(s.podRef(), s.podDesc(), "whether it may query the cluster DNS (UDP and TCP 53 to the DNS pods) is unknown, not allowed", cni)
		return engine.Result{Status: diag.StatusUnknown, Findings: append(findings, f),
			Detail: "unknown: the DNS egress of the pod is also decided by " + strings.Join(u.Refs(), ", ") + " with rules netdoctor does not evaluate"}
	}
	return engine.Found(r.Summary(), findings...)
}

// namespaceIndex reads namespace labels for namespaceSelectors. When they cannot be
// read, selectors on kubernetes.io/metadata.name still work (the engine adds it), and
// the read failure is reported so that a verdict on other labels is not trusted blindly.
func namespaceIndex(ctx context.Context, s *State) (map[string]*corev1.Namespace, []diag.Finding) {
	out := map[string]*corev1.Namespace{}
	nss, err := s.Source.Namespaces(ctx)
	if err != nil {
		return out, []diag.Finding{engine.ReadErrorFinding(err)}
	}
	for i := range nss {
		out[nss[i].Name] = &nss[i]
	}
	return out, nil
}

// exampleExternal is the name used to show amplification when --name is not given.
const exampleExternal = "api.example.com"

// checkNdots: with ndots above 1, a name with fewer dots than ndots is tried with every
// search domain before it is tried as is. For cluster names that is the point; for
// external names (api.example.com has 2 dots, the default ndots is 5) every lookup
// first costs one failing query per search domain, for A and AAAA each.
func checkNdots(_ context.Context, s *State) engine.Result {
	c := s.Conf
	if len(c.Search) == 0 && !c.NodeSearch {
		return engine.Pass("no search list: names are queried as given")
	}
	if c.Ndots <= 1 {
		return engine.Pass("ndots %d: names with a dot are queried as given first", c.Ndots)
	}
	name := exampleExternal
	if q := strings.TrimSuffix(s.QueryName, "."); q != "" && !strings.HasSuffix(s.QueryName, ".") &&
		strings.Count(q, ".") >= 1 && strings.Count(q, ".") < c.Ndots && !strings.HasSuffix(q, kube.ClusterDomain) {
		name = q
	}
	wasted := len(c.Search)
	domains := fmt.Sprintf("%d search domains", wasted)
	if c.NodeSearch {
		domains += " (plus the node's)"
	}
	f := diag.New(diag.NdotsAmplification, s.podRef(),
		"%s uses ndots %d: names with fewer than %d dots, such as %s, are tried against %s first, so each external lookup makes at least %d failing queries (for A and AAAA each) before the real one",
		s.podDesc(), c.Ndots, c.Ndots, name, domains, wasted).
		WithEvidence("queries for "+name+": "+strings.Join(QuerySequence(name, searchWithNode(c), c.Ndots), " → ")).
		WithFix("end external names with a dot (%s.), or lower ndots with spec.dnsConfig.options: [{name: ndots, value: \"2\"}]", name)
	return engine.Found(fmt.Sprintf("ndots %d, %s", c.Ndots, domains), f)
}

// searchWithNode is the search list with a placeholder where the node's domains go.
func searchWithNode(c ResolvConf) []string {
	out := slices.Clone(c.Search)
	if c.NodeSearch {
		out = append(out, "<node search domain>")
	}
	return out
}

// checkQuery lists the queries the resolver makes for --name.
func checkQuery(_ context.Context, s *State) engine.Result {
	qs := QuerySequence(s.QueryName, searchWithNode(s.Conf), s.Conf.Ndots)
	lines := make([]string, 0, len(qs))
	for i, q := range qs {
		lines = append(lines, fmt.Sprintf("%d. %s", i+1, q))
	}
	return engine.Pass("%s", queryRule(s.QueryName, s.Conf.Ndots, len(qs))).WithDetails(lines...)
}

// queryRule says which resolver rule applies to name.
func queryRule(name string, ndots, n int) string {
	dots := strings.Count(strings.TrimSuffix(name, "."), ".")
	switch {
	case n == 0:
		return name + " is an address, not looked up"
	case strings.HasSuffix(name, "."):
		return fmt.Sprintf("%s is absolute (trailing dot): 1 query", name)
	case dots >= ndots:
		return fmt.Sprintf("%d queries: %s has %d dots (ndots %d), so it is tried as is first", n, name, dots, ndots)
	default:
		return fmt.Sprintf("%d queries: %s has %d dots, fewer than ndots %d, so the search domains come first", n, name, dots, ndots)
	}
}

// queryNotes are the report notes for --name: the numbered queries, as the text output
// shows them under Notes.
func queryNotes(s *State) []string {
	if s.Pod == nil {
		return nil
	}
	qs := QuerySequence(s.QueryName, searchWithNode(s.Conf), s.Conf.Ndots)
	notes := []string{fmt.Sprintf("%s resolves %s with these queries, in order, until one answers (A and AAAA each): %s",
		s.podDesc(), s.QueryName, queryRule(s.QueryName, s.Conf.Ndots, len(qs)))}
	for i, q := range qs {
		notes = append(notes, fmt.Sprintf("  %d. %s", i+1, q))
	}
	return notes
}

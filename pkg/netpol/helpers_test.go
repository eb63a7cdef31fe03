package netpol

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// parsePolicies unmarshals a "---"-separated YAML stream of NetworkPolicies.
func parsePolicies(t testing.TB, stream string) []networkingv1.NetworkPolicy {
	t.Helper()
	var out []networkingv1.NetworkPolicy
	for _, doc := range strings.Split(stream, "\n---") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var p networkingv1.NetworkPolicy
		if err := yaml.UnmarshalStrict([]byte(doc), &p); err != nil {
			t.Fatalf("bad test YAML: %v\n%s", err, doc)
		}
		out = append(out, p)
	}
	return out
}

func compileYAML(t testing.TB, stream string) *Model {
	t.Helper()
	m, err := Compile(parsePolicies(t, stream))
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return m
}

// parseLabels turns "a=b,c=d" into a map; "" gives nil.
func parseLabels(s string) map[string]string {
	if s == "" {
		return nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}

// port builds a container port, "name:number/PROTO" with optional parts,
// e.g. "http:8080", "dns:53/UDP", "9090".
func cport(spec string) corev1.ContainerPort {
	var p corev1.ContainerPort
	if n, rest, ok := strings.Cut(spec, ":"); ok {
		p.Name, spec = n, rest
	}
	if num, proto, ok := strings.Cut(spec, "/"); ok {
		p.Protocol, spec = corev1.Protocol(proto), num
	}
	var n int32
	for _, c := range spec {
		n = n*10 + int32(c-'0')
	}
	p.ContainerPort = n
	return p
}

// mkPod builds a pod "ns/name" with an IP, "k=v,..." labels and container
// ports.
func mkPod(id, ip, lbls string, ports ...string) *corev1.Pod {
	ns, name, _ := strings.Cut(id, "/")
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: parseLabels(lbls)},
		Status:     corev1.PodStatus{PodIP: ip},
	}
	c := corev1.Container{Name: "main"}
	for _, s := range ports {
		c.Ports = append(c.Ports, cport(s))
	}
	p.Spec.Containers = []corev1.Container{c}
	return p
}

func hostNetwork(p *corev1.Pod) *corev1.Pod {
	p.Spec.HostNetwork = true
	p.Status.HostIP = p.Status.PodIP
	return p
}

func mkNS(name, lbls string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: parseLabels(lbls)}}
}

// world is the fixed cluster most truth tables run against.
type world struct {
	pods map[string]*corev1.Pod
	nss  map[string]*corev1.Namespace
}

func newWorld() *world {
	w := &world{pods: map[string]*corev1.Pod{}, nss: map[string]*corev1.Namespace{}}
	for _, n := range []*corev1.Namespace{
		mkNS("shop", "team=shop,env=prod"),
		mkNS("payments", "team=payments,env=prod"),
		mkNS("monitoring", "team=ops,purpose=monitoring"),
		mkNS("dev", "env=dev"),
		mkNS("kube-system", ""),
		mkNS("default", ""),
	} {
		w.nss[n.Name] = n
	}
	for _, p := range []*corev1.Pod{
		mkPod("shop/frontend", "10.0.1.10", "app=frontend,tier=web,pod-template-hash=abc12", "http:8080"),
		mkPod("shop/checkout", "10.0.1.11", "app=checkout,tier=api", "http:9090", "grpc:9091"),
		mkPod("shop/db", "10.0.1.12", "app=db", "postgres:5432", "metrics:9187"),
		mkPod("shop/api-shadow", "10.0.1.13", "app=api"),
		mkPod("shop/sctp", "10.0.1.14", "app=sctp-server", "diameter:3868/SCTP", "syslog:514/UDP"),
		mkPod("shop/no-ip", "", "app=frontend,tier=web"),
		hostNetwork(mkPod("shop/agent", "192.168.0.6", "app=agent", "agent:9100")),
		mkPod("payments/api", "10.0.2.10", "app=api", "http:8080"),
		mkPod("payments/api-2", "10.0.2.11", "app=api", "http:8081"),
		mkPod("payments/api-noports", "10.0.2.12", "app=api"),
		mkPod("payments/worker", "10.0.2.13", "app=worker"),
		mkPod("payments/checkout", "10.0.2.14", "app=checkout"),
		mkPod("monitoring/prometheus", "10.0.3.10", "app=prometheus"),
		mkPod("dev/frontend", "10.0.4.10", "app=frontend"),
		mkPod("kube-system/coredns", "10.0.5.10", "k8s-app=kube-dns", "dns:53/UDP", "dns-tcp:53/TCP", "metrics:9153"),
		hostNetwork(mkPod("kube-system/node-exporter", "192.168.0.5", "app=node-exporter", "metrics:9100")),
		mkPod("default/plain", "10.0.6.10", ""),
	} {
		w.pods[p.Namespace+"/"+p.Name] = p
	}
	return w
}

// peer returns the Peer for "ns/name", or an external address for
// anything containing no "/".
func (w *world) peer(id string) Peer {
	if !strings.Contains(id, "/") {
		return Peer{IP: id}
	}
	p, ok := w.pods[id]
	if !ok {
		panic("unknown test pod " + id)
	}
	// IP left empty on purpose: Evaluate must fall back to the pod status.
	return Peer{Pod: p, Namespace: w.nss[p.Namespace]}
}

func (w *world) podList() []corev1.Pod {
	var out []corev1.Pod
	for _, p := range w.pods {
		out = append(out, *p)
	}
	return out
}

func (w *world) nsList() []corev1.Namespace {
	var out []corev1.Namespace
	for _, n := range w.nss {
		out = append(out, *n)
	}
	return out
}

// allReasons flattens every explanation in a verdict, for substring checks.
func allReasons(v Verdict) string {
	var sb strings.Builder
	for _, d := range []DirectionVerdict{v.Egress, v.Ingress} {
		sb.WriteString(d.Reason + "\n")
		for _, p := range d.Policies {
			sb.WriteString(p.Reason + "\n")
			for _, r := range p.Rules {
				sb.WriteString(r.Reason + "\n")
			}
		}
		for _, a := range d.Admin {
			sb.WriteString(a.Reason + "\n")
			for _, r := range a.Rules {
				sb.WriteString(r.Reason + "\n")
			}
		}
		if d.Baseline != nil {
			sb.WriteString(d.Baseline.Reason + "\n")
		}
	}
	return sb.String()
}

// checkInvariants asserts the structural promises of a verdict that hold
// for any input, so every table and the fuzzer check them.
func checkInvariants(t testing.TB, v Verdict, admin bool) {
	t.Helper()
	if v.Allowed != (v.Ingress.Allowed && v.Egress.Allowed) {
		t.Errorf("Allowed=%v but ingress=%v egress=%v", v.Allowed, v.Ingress.Allowed, v.Egress.Allowed)
	}
	for _, d := range []DirectionVerdict{v.Ingress, v.Egress} {
		if d.Isolated != (len(d.Policies) > 0) {
			t.Errorf("%s: Isolated=%v with %d policies", d.Direction, d.Isolated, len(d.Policies))
		}
		if d.Reason == "" {
			t.Errorf("%s: empty reason", d.Direction)
		}
		anyAllowed := false
		for i, p := range d.Policies {
			if i > 0 && d.Policies[i-1].Namespace+"/"+d.Policies[i-1].Name >= p.Namespace+"/"+p.Name {
				t.Errorf("%s: policies not sorted: %s/%s after %s/%s", d.Direction, p.Namespace, p.Name, d.Policies[i-1].Namespace, d.Policies[i-1].Name)
			}
			ruleAllows := false
			for _, r := range p.Rules {
				ruleAllows = ruleAllows || r.Allows()
				if r.Reason == "" || r.PeerReason == "" || r.PortReason == "" {
					t.Errorf("%s: policy %s rule %d has an empty reason", d.Direction, p.Name, r.Index)
				}
			}
			if p.Allowed != ruleAllows {
				t.Errorf("%s: policy %s Allowed=%v but rules say %v", d.Direction, p.Name, p.Allowed, ruleAllows)
			}
			if p.NoRules && (len(p.Rules) > 0 || p.Allowed) {
				t.Errorf("%s: policy %s NoRules with rules or allowed", d.Direction, p.Name)
			}
			anyAllowed = anyAllowed || p.Allowed
		}
		if !admin {
			if want := map[bool]Layer{true: LayerNetworkPolicy, false: LayerDefault}[d.Isolated]; d.DecidedBy != want {
				t.Errorf("%s: DecidedBy=%s, want %s", d.Direction, d.DecidedBy, want)
			}
			if want := !d.Isolated || anyAllowed; d.Allowed != want {
				t.Errorf("%s: Allowed=%v, want %v (isolated=%v)", d.Direction, d.Allowed, want, d.Isolated)
			}
		}
	}
}

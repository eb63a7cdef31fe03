package netpol

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// reach is one row of a truth table: src → dst on port, and the expected
// outcome per direction (egress of src, ingress of dst).
type reach struct {
	src, dst string
	port     int32
	name     string // port name instead of / in addition to port
	proto    corev1.Protocol
	eg, in   bool
	why      string // substring expected somewhere in the explanation
}

type scenario struct {
	name     string
	policies string
	cases    []reach
}

func runScenarios(t *testing.T, scenarios []scenario) {
	t.Helper()
	w := newWorld()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			m := compileYAML(t, sc.policies)
			for _, c := range sc.cases {
				label := c.src + "->" + c.dst + ":" + portLabel(c)
				t.Run(label, func(t *testing.T) {
					v, err := m.Evaluate(Traffic{Src: w.peer(c.src), Dst: w.peer(c.dst), Port: c.port, PortName: c.name, Protocol: c.proto})
					if err != nil {
						t.Fatalf("Evaluate: %v", err)
					}
					checkInvariants(t, v, false)
					if v.Egress.Allowed != c.eg || v.Ingress.Allowed != c.in || v.Allowed != (c.eg && c.in) {
						t.Errorf("got egress=%v ingress=%v allowed=%v, want egress=%v ingress=%v\n%s", v.Egress.Allowed, v.Ingress.Allowed, v.Allowed, c.eg, c.in, allReasons(v))
					}
					if c.why != "" && !strings.Contains(allReasons(v), c.why) {
						t.Errorf("explanation lacks %q:\n%s", c.why, allReasons(v))
					}
				})
			}
		})
	}
}

func portLabel(c reach) string {
	s := c.name
	if c.port != 0 {
		s += "" + itoa(c.port)
	}
	if c.proto != "" {
		s += "/" + string(c.proto)
	}
	return s
}

func itoa(n int32) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

const denyAllIngressShop = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-ingress, namespace: shop}
spec:
  podSelector: {}
`

// denyAllShop isolates every pod of shop in both directions.
const denyAllShop = `
metadata: {name: deny-all, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`

func TestNoPoliciesAllowsEverything(t *testing.T) {
	runScenarios(t, []scenario{{
		name:     "empty",
		policies: ``,
		cases: []reach{
			{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true, why: "no NetworkPolicy in namespace shop selects pod shop/frontend for egress"},
			{src: "8.8.8.8", dst: "payments/api", port: 8080, eg: true, in: true, why: "external address 8.8.8.8 has no NetworkPolicies"},
			{src: "payments/api", dst: "1.1.1.1", port: 443, eg: true, in: true},
		},
	}})
}

func TestIsolationAndPolicyTypes(t *testing.T) {
	runScenarios(t, []scenario{
		{
			// Empty podSelector selects every pod of the namespace; omitted
			// policyTypes means Ingress only.
			name:     "empty podSelector, omitted policyTypes = ingress deny",
			policies: denyAllIngressShop,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: false, why: "has no ingress rules, so it denies all ingress"},
				{src: "payments/api", dst: "shop/db", port: 5432, eg: true, in: false},
				{src: "8.8.8.8", dst: "shop/frontend", port: 8080, eg: true, in: false},
				// Egress of shop pods is untouched.
				{src: "shop/checkout", dst: "payments/api", port: 8080, eg: true, in: true},
				{src: "shop/checkout", dst: "8.8.8.8", port: 443, eg: true, in: true},
				// Another namespace is unaffected.
				{src: "payments/api", dst: "payments/worker", port: 80, eg: true, in: true},
			},
		},
		{
			name: "explicit Egress with no egress rules = egress deny only",
			policies: `
metadata: {name: default-deny-egress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
`,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: false, in: true, why: "has no egress rules, so it denies all egress"},
				{src: "shop/frontend", dst: "8.8.8.8", port: 443, eg: false, in: true},
				{src: "payments/api", dst: "shop/frontend", port: 8080, eg: true, in: true},
			},
		},
		{
			name:     "both types, no rules = full isolation",
			policies: denyAllShop,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: false, in: false},
				{src: "payments/api", dst: "shop/db", port: 5432, eg: true, in: false},
				{src: "shop/db", dst: "payments/api", port: 8080, eg: false, in: true},
			},
		},
		{
			// The classic trap: only egress rules written, policyTypes
			// omitted → Ingress is still implied, and there are no ingress
			// rules, so ingress is denied too.
			name: "omitted policyTypes with egress rules = ingress AND egress",
			policies: `
metadata: {name: egress-to-payments, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  egress:
  - to:
    - namespaceSelector: {matchLabels: {team: payments}}
`,
			cases: []reach{
				{src: "shop/checkout", dst: "payments/api", port: 8080, eg: true, in: true},
				{src: "shop/checkout", dst: "shop/db", port: 5432, eg: false, in: true},
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: false, why: "has no ingress rules"},
			},
		},
		{
			name: "egress-only policy leaves ingress open",
			policies: `
metadata: {name: egress-to-payments, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {team: payments}}
`,
			cases: []reach{
				{src: "shop/checkout", dst: "payments/api", port: 8080, eg: true, in: true},
				{src: "shop/checkout", dst: "8.8.8.8", port: 443, eg: false, in: true, why: "namespaceSelector team=payments selects pods, not external address 8.8.8.8"},
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true},
			},
		},
		{
			// Rules of a direction missing from policyTypes are dead.
			name: "ingress rules ignored when policyTypes is [Egress]",
			policies: `
metadata: {name: confused, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  ingress:
  - from:
    - podSelector: {matchLabels: {app: nobody}}
  egress:
  - {}
`,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true},
			},
		},
		{
			name: "policy without namespace lands in default",
			policies: `
metadata: {name: deny-default}
spec:
  podSelector: {}
`,
			cases: []reach{
				{src: "shop/frontend", dst: "default/plain", port: 80, eg: true, in: false},
				{src: "default/plain", dst: "shop/frontend", port: 8080, eg: true, in: true},
			},
		},
	})
}

func TestPeers(t *testing.T) {
	runScenarios(t, []scenario{
		{
			name: "podSelector alone = same namespace only",
			policies: denyAllIngressShop + `
---
metadata: {name: db-from-checkout, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: checkout}}
    ports:
    - port: 5432
`,
			cases: []reach{
				{src: "shop/checkout", dst: "shop/db", port: 5432, eg: true, in: true, why: "shop/db-from-checkout (rule 0)"},
				{src: "shop/frontend", dst: "shop/db", port: 5432, eg: true, in: false, why: "peer 0: podSelector app=checkout does not match pod labels app=frontend,pod-template-hash=abc12,tier=web"},
				{src: "payments/checkout", dst: "shop/db", port: 5432, eg: true, in: false, why: "without namespaceSelector only selects pods in namespace shop"},
				{src: "shop/checkout", dst: "shop/db", port: 5433, eg: true, in: false, why: "port 5433/TCP not in [5432/TCP]"},
				{src: "10.0.1.11", dst: "shop/db", port: 5432, eg: true, in: false, why: "selects pods, not external address 10.0.1.11"},
			},
		},
		{
			name: "namespaceSelector alone = every pod of matching namespaces",
			policies: `
metadata: {name: checkout-from-ops, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: ops}}
`,
			cases: []reach{
				{src: "monitoring/prometheus", dst: "shop/checkout", port: 9090, eg: true, in: true, why: "namespaceSelector team=ops matches namespace monitoring"},
				{src: "payments/api", dst: "shop/checkout", port: 9090, eg: true, in: false, why: "namespaceSelector team=ops does not match namespace payments labels env=prod,kubernetes.io/metadata.name=payments,team=payments"},
				// The policy's own namespace is not special.
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: false},
			},
		},
		{
			name: "select namespace by kubernetes.io/metadata.name on a stub namespace",
			policies: `
metadata: {name: from-kube-system, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
`,
			cases: []reach{
				{src: "kube-system/coredns", dst: "shop/frontend", port: 8080, eg: true, in: true},
				{src: "payments/api", dst: "shop/frontend", port: 8080, eg: true, in: false},
			},
		},
		{
			name: "AND form: one entry with both selectors",
			policies: `
metadata: {name: and-form, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: payments}}
      podSelector: {matchLabels: {app: api}}
`,
			cases: []reach{
				{src: "payments/api", dst: "shop/checkout", port: 9090, eg: true, in: true, why: "namespaceSelector team=payments matches namespace payments and podSelector app=api matches pod payments/api"},
				{src: "payments/worker", dst: "shop/checkout", port: 9090, eg: true, in: false, why: "namespaceSelector team=payments matches namespace payments but podSelector app=api does not match pod labels app=worker"},
				{src: "shop/api-shadow", dst: "shop/checkout", port: 9090, eg: true, in: false, why: "namespaceSelector team=payments does not match namespace shop"},
			},
		},
		{
			name: "OR form: two entries",
			policies: `
metadata: {name: or-form, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: payments}}
    - podSelector: {matchLabels: {app: api}}
`,
			cases: []reach{
				{src: "payments/api", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "payments/worker", dst: "shop/checkout", port: 9090, eg: true, in: true, why: "peer 0: namespaceSelector team=payments matches namespace payments, which admits every pod in it"},
				{src: "shop/api-shadow", dst: "shop/checkout", port: 9090, eg: true, in: true, why: "peer 1: podSelector app=api matches pod shop/api-shadow"},
				{src: "dev/frontend", dst: "shop/checkout", port: 9090, eg: true, in: false},
			},
		},
		{
			name: "namespaceSelector {} = all namespaces, but no external addresses",
			policies: `
metadata: {name: from-cluster, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from:
    - namespaceSelector: {}
`,
			cases: []reach{
				{src: "dev/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true, why: "namespaceSelector {} matches namespace dev"},
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "kube-system/coredns", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "8.8.8.8", dst: "shop/checkout", port: 9090, eg: true, in: false},
				{src: "kube-system/node-exporter", dst: "shop/checkout", port: 9090, eg: true, in: false, why: "hostNetwork pods are invisible to pod and namespace selectors"},
			},
		},
		{
			name: "podSelector {} = all pods of the policy namespace only",
			policies: `
metadata: {name: from-namespace, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from:
    - podSelector: {}
`,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "dev/frontend", dst: "shop/checkout", port: 9090, eg: true, in: false},
				{src: "8.8.8.8", dst: "shop/checkout", port: 9090, eg: true, in: false},
				// hostNetwork pod of the same namespace is still invisible.
				{src: "shop/agent", dst: "shop/checkout", port: 9090, eg: true, in: false},
			},
		},
		{
			name: "namespaceSelector {} AND podSelector = that app in every namespace",
			policies: `
metadata: {name: frontends-anywhere, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from:
    - namespaceSelector: {}
      podSelector: {matchLabels: {app: frontend}}
`,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "dev/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "payments/api", dst: "shop/checkout", port: 9090, eg: true, in: false},
			},
		},
		{
			name: "rule with no peers (absent from) matches everything incl. external",
			policies: `
metadata: {name: open-8080, namespace: shop}
spec:
  podSelector: {matchLabels: {app: frontend}}
  ingress:
  - ports:
    - port: 8080
`,
			cases: []reach{
				{src: "8.8.8.8", dst: "shop/frontend", port: 8080, eg: true, in: true, why: "rule has no from peers, so it matches every peer"},
				{src: "kube-system/node-exporter", dst: "shop/frontend", port: 8080, eg: true, in: true},
				{src: "dev/frontend", dst: "shop/frontend", port: 8080, eg: true, in: true},
				{src: "dev/frontend", dst: "shop/frontend", port: 9090, eg: true, in: false},
			},
		},
		{
			name: "empty from list and empty rule allow everything",
			policies: `
metadata: {name: allow-all, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: []
  egress:
  - {}
`,
			cases: []reach{
				{src: "8.8.8.8", dst: "shop/frontend", port: 1, eg: true, in: true},
				{src: "shop/frontend", dst: "2001:db8::1", port: 65535, proto: corev1.ProtocolUDP, eg: true, in: true},
				{src: "shop/frontend", dst: "shop/checkout", port: 9091, proto: corev1.ProtocolSCTP, eg: true, in: true},
			},
		},
	})
}

func TestIPBlock(t *testing.T) {
	runScenarios(t, []scenario{
		{
			name: "egress ipBlock with except applies to pod and external IPs",
			policies: `
metadata: {name: egress-cidr, namespace: shop}
spec:
  podSelector: {matchLabels: {app: frontend}}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/16
        except: [10.0.2.0/24]
`,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true, why: "ipBlock 10.0.0.0/16 except 10.0.2.0/24 contains 10.0.1.11 (pod shop/checkout)"},
				{src: "shop/frontend", dst: "payments/api", port: 8080, eg: false, in: true, why: "but except 10.0.2.0/24 removes it"},
				{src: "shop/frontend", dst: "10.0.1.99", port: 443, eg: true, in: true},
				{src: "shop/frontend", dst: "10.0.2.99", port: 443, eg: false, in: true},
				{src: "shop/frontend", dst: "8.8.8.8", port: 443, eg: false, in: true, why: "does not contain 8.8.8.8"},
				{src: "shop/frontend", dst: "2001:db8::1", port: 443, eg: false, in: true},
				// hostNetwork destination seen as its node IP.
				{src: "shop/frontend", dst: "kube-system/node-exporter", port: 9100, eg: false, in: true, why: "192.168.0.5 (hostNetwork pod kube-system/node-exporter (node IP 192.168.0.5))"},
			},
		},
		{
			name: "ingress from the internet but not from the cluster range",
			policies: `
metadata: {name: internet-only, namespace: shop}
spec:
  podSelector: {matchLabels: {app: frontend}}
  ingress:
  - from:
    - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 192.168.0.0/16]}
    - ipBlock: {cidr: "2001:db8::/32"}
`,
			cases: []reach{
				{src: "8.8.8.8", dst: "shop/frontend", port: 8080, eg: true, in: true},
				{src: "2001:db8::5", dst: "shop/frontend", port: 8080, eg: true, in: true, why: "peer 1: ipBlock 2001:db8::/32 contains 2001:db8::5"},
				{src: "2001:db9::5", dst: "shop/frontend", port: 8080, eg: true, in: false},
				{src: "shop/checkout", dst: "shop/frontend", port: 8080, eg: true, in: false},
				{src: "10.9.9.9", dst: "shop/frontend", port: 8080, eg: true, in: false},
				{src: "kube-system/node-exporter", dst: "shop/frontend", port: 8080, eg: true, in: false},
			},
		},
		{
			name: "pod without IP never matches an ipBlock",
			policies: `
metadata: {name: from-everywhere-v4, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from:
    - ipBlock: {cidr: 0.0.0.0/0}
`,
			cases: []reach{
				{src: "shop/no-ip", dst: "shop/checkout", port: 9090, eg: true, in: false, why: "cannot match pod shop/no-ip: its IP is unknown"},
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "kube-system/node-exporter", dst: "shop/checkout", port: 9090, eg: true, in: true},
			},
		},
		{
			name: "host bits in cidr and leading zeros are accepted like the API server",
			policies: `
metadata: {name: sloppy, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from:
    - ipBlock: {cidr: 10.0.1.77/24}
    - ipBlock: {cidr: 010.000.003.0/24}
`,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "monitoring/prometheus", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "payments/api", dst: "shop/checkout", port: 9090, eg: true, in: false},
			},
		},
	})
}

func TestPorts(t *testing.T) {
	runScenarios(t, []scenario{
		{
			name: "named port resolved per destination pod",
			policies: `
metadata: {name: api-http, namespace: payments}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - ports:
    - port: http
`,
			cases: []reach{
				{src: "shop/checkout", dst: "payments/api", port: 8080, eg: true, in: true, why: `matches named port "http" (8080/TCP on pod payments/api)`},
				// Same name, different number on the second replica.
				{src: "shop/checkout", dst: "payments/api-2", port: 8080, eg: true, in: false, why: `named port "http" is 8081/TCP on pod payments/api-2, not 8080`},
				{src: "shop/checkout", dst: "payments/api-2", port: 8081, eg: true, in: true},
				// Traffic given by name.
				{src: "shop/checkout", dst: "payments/api", name: "http", eg: true, in: true},
				{src: "shop/checkout", dst: "payments/api-2", name: "http", eg: true, in: true},
				{src: "shop/checkout", dst: "payments/api-2", port: 8081, name: "http", eg: true, in: true},
				// Undeclared.
				{src: "shop/checkout", dst: "payments/api-noports", port: 8080, eg: true, in: false, why: `named port "http" is not declared by pod payments/api-noports`},
				// Protocol mismatch: rule defaults to TCP.
				{src: "shop/checkout", dst: "payments/api", port: 8080, proto: corev1.ProtocolUDP, eg: true, in: false, why: "port 8080/UDP not in [http/TCP]"},
			},
		},
		{
			name: "named port with explicit protocol",
			policies: `
metadata: {name: dns-udp-named, namespace: kube-system}
spec:
  podSelector: {matchLabels: {k8s-app: kube-dns}}
  ingress:
  - ports:
    - port: dns
      protocol: UDP
    - port: dns-tcp
      protocol: UDP
`,
			cases: []reach{
				{src: "shop/frontend", dst: "kube-system/coredns", port: 53, proto: corev1.ProtocolUDP, eg: true, in: true},
				{src: "shop/frontend", dst: "kube-system/coredns", name: "dns", proto: corev1.ProtocolUDP, eg: true, in: true},
				// dns-tcp is declared for TCP only, so the UDP entry never
				// matches, and the TCP traffic meets no TCP entry.
				{src: "shop/frontend", dst: "kube-system/coredns", port: 53, proto: corev1.ProtocolTCP, eg: true, in: false, why: "port 53/TCP not in [dns/UDP, dns-tcp/UDP]"},
				{src: "shop/frontend", dst: "kube-system/coredns", port: 54, proto: corev1.ProtocolUDP, eg: true, in: false, why: `named port "dns-tcp" is declared by pod kube-system/coredns only for TCP, not UDP`},
			},
		},
		{
			name: "egress named port cannot match external addresses",
			policies: `
metadata: {name: egress-named, namespace: shop}
spec:
  podSelector: {matchLabels: {app: frontend}}
  policyTypes: [Egress]
  egress:
  - ports:
    - port: http
`,
			cases: []reach{
				{src: "shop/frontend", dst: "payments/api", port: 8080, eg: true, in: true},
				{src: "shop/frontend", dst: "payments/api-2", port: 8080, eg: false, in: true},
				{src: "shop/frontend", dst: "8.8.8.8", port: 8080, eg: false, in: true, why: `named port "http" cannot match external address 8.8.8.8: only pods declare named ports`},
			},
		},
		{
			name: "SCTP and UDP",
			policies: `
metadata: {name: sctp, namespace: shop}
spec:
  podSelector: {matchLabels: {app: sctp-server}}
  ingress:
  - ports:
    - {port: 3868, protocol: SCTP}
    - {port: syslog, protocol: UDP}
`,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/sctp", port: 3868, proto: corev1.ProtocolSCTP, eg: true, in: true},
				{src: "shop/frontend", dst: "shop/sctp", port: 3868, eg: true, in: false, why: "port 3868/TCP not in [3868/SCTP, syslog/UDP]"},
				{src: "shop/frontend", dst: "shop/sctp", port: 3868, proto: corev1.ProtocolUDP, eg: true, in: false},
				{src: "shop/frontend", dst: "shop/sctp", port: 514, proto: "udp", eg: true, in: true},
				{src: "shop/frontend", dst: "shop/sctp", name: "syslog", proto: corev1.ProtocolUDP, eg: true, in: true},
				{src: "shop/frontend", dst: "shop/sctp", port: 514, proto: corev1.ProtocolSCTP, eg: true, in: false},
			},
		},
		{
			name: "endPort range and protocol-only entry",
			policies: `
metadata: {name: ranges, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - ports:
    - {port: 32000, endPort: 32768}
    - {protocol: UDP}
`,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/checkout", port: 32000, eg: true, in: true, why: "port 32000/TCP matches 32000-32768/TCP"},
				{src: "shop/frontend", dst: "shop/checkout", port: 32768, eg: true, in: true},
				{src: "shop/frontend", dst: "shop/checkout", port: 32500, eg: true, in: true},
				{src: "shop/frontend", dst: "shop/checkout", port: 31999, eg: true, in: false, why: "port 31999/TCP not in [32000-32768/TCP, */UDP]"},
				{src: "shop/frontend", dst: "shop/checkout", port: 32769, eg: true, in: false},
				{src: "shop/frontend", dst: "shop/checkout", port: 1, proto: corev1.ProtocolUDP, eg: true, in: true, why: "matches */UDP"},
				{src: "shop/frontend", dst: "shop/checkout", port: 32001, proto: corev1.ProtocolSCTP, eg: true, in: false},
			},
		},
		{
			name: "peer and port must match in the same rule",
			policies: `
metadata: {name: split, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: checkout}}
    ports:
    - port: 5432
  - from:
    - namespaceSelector: {matchLabels: {team: ops}}
    ports:
    - port: metrics
`,
			cases: []reach{
				{src: "shop/checkout", dst: "shop/db", port: 5432, eg: true, in: true},
				{src: "monitoring/prometheus", dst: "shop/db", port: 9187, eg: true, in: true},
				{src: "monitoring/prometheus", dst: "shop/db", port: 5432, eg: true, in: false},
				{src: "shop/checkout", dst: "shop/db", port: 9187, eg: true, in: false},
			},
		},
	})
}

// kubeDNSEgress lets the pods of shop send only to kube-dns, on port 53 over the
// protocols given.
func kubeDNSEgress(name string, protocols ...string) string {
	policy := `
metadata: {name: ` + name + `, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports:
`
	for _, p := range protocols {
		policy += "    - {port: 53, protocol: " + p + "}\n"
	}
	return policy
}

func TestDNSEgress(t *testing.T) {
	runScenarios(t, []scenario{
		{
			name:     "only UDP 53 allowed",
			policies: kubeDNSEgress("dns-udp-only", "UDP"),
			cases: []reach{
				{src: "shop/frontend", dst: "kube-system/coredns", port: 53, proto: corev1.ProtocolUDP, eg: true, in: true},
				{src: "shop/frontend", dst: "kube-system/coredns", port: 53, proto: corev1.ProtocolTCP, eg: false, in: true, why: "port 53/TCP not in [53/UDP]"},
				{src: "shop/frontend", dst: "kube-system/coredns", port: 53, eg: false, in: true},
				{src: "shop/frontend", dst: "8.8.8.8", port: 53, proto: corev1.ProtocolUDP, eg: false, in: true},
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: false, in: true},
			},
		},
		{
			name:     "UDP and TCP 53 allowed",
			policies: kubeDNSEgress("dns", "UDP", "TCP"),
			cases: []reach{
				{src: "shop/frontend", dst: "kube-system/coredns", port: 53, proto: corev1.ProtocolUDP, eg: true, in: true},
				{src: "shop/frontend", dst: "kube-system/coredns", port: 53, proto: corev1.ProtocolTCP, eg: true, in: true},
				{src: "shop/frontend", dst: "kube-system/coredns", port: 9153, eg: false, in: true},
			},
		},
	})
}

func TestHostNetwork(t *testing.T) {
	runScenarios(t, []scenario{
		{
			name:     "hostNetwork pod is never a subject",
			policies: denyAllShop,
			cases: []reach{
				{src: "8.8.8.8", dst: "shop/agent", port: 9100, eg: true, in: true, why: "NetworkPolicy never selects hostNetwork pods"},
				{src: "shop/agent", dst: "8.8.8.8", port: 443, eg: true, in: true},
				{src: "shop/agent", dst: "shop/frontend", port: 8080, eg: true, in: false},
			},
		},
		{
			name: "hostNetwork peer only matches ipBlock or peer-less rules",
			policies: `
metadata: {name: from-selectors, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from:
    - namespaceSelector: {}
    - podSelector: {matchLabels: {app: agent}}
---
metadata: {name: from-nodes, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - ipBlock: {cidr: 192.168.0.0/24}
`,
			cases: []reach{
				{src: "kube-system/node-exporter", dst: "shop/checkout", port: 9090, eg: true, in: false},
				{src: "shop/agent", dst: "shop/checkout", port: 9090, eg: true, in: false, why: "peer 1: podSelector app=agent cannot select hostNetwork pod shop/agent"},
				{src: "kube-system/node-exporter", dst: "shop/db", port: 5432, eg: true, in: true, why: "ipBlock 192.168.0.0/24 contains 192.168.0.5"},
				{src: "shop/agent", dst: "shop/db", port: 5432, eg: true, in: true},
				{src: "shop/frontend", dst: "shop/db", port: 5432, eg: true, in: false},
			},
		},
	})
}

func TestAdditiveAndBothDirections(t *testing.T) {
	runScenarios(t, []scenario{
		{
			name: "policies add up, a deny-all never subtracts",
			policies: denyAllIngressShop + `
---
metadata: {name: db-from-checkout, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: checkout}}}]
    ports: [{port: 5432}]
---
metadata: {name: db-metrics, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {purpose: monitoring}}}]
    ports: [{port: 9187}]
`,
			cases: []reach{
				{src: "shop/checkout", dst: "shop/db", port: 5432, eg: true, in: true},
				{src: "monitoring/prometheus", dst: "shop/db", port: 9187, eg: true, in: true, why: "allowed by shop/db-metrics (rule 0)"},
				{src: "monitoring/prometheus", dst: "shop/db", port: 5432, eg: true, in: false, why: "isolated for ingress by shop/db-from-checkout, shop/db-metrics, shop/default-deny-ingress"},
				{src: "shop/checkout", dst: "shop/db", port: 9187, eg: true, in: false},
			},
		},
		{
			name: "both ends must allow",
			policies: `
metadata: {name: deny-egress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
---
metadata: {name: api-from-shop, namespace: payments}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: shop}}}]
`,
			cases: []reach{
				{src: "shop/checkout", dst: "payments/api", port: 8080, eg: false, in: true},
				{src: "dev/frontend", dst: "payments/api", port: 8080, eg: true, in: false},
				{src: "shop/checkout", dst: "payments/worker", port: 8080, eg: false, in: true},
			},
		},
		{
			name: "both ends allow",
			policies: `
metadata: {name: egress-to-payments, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {team: payments}}, podSelector: {matchLabels: {app: api}}}]
    ports: [{port: http}]
---
metadata: {name: api-from-shop, namespace: payments}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: shop}}, podSelector: {matchLabels: {app: checkout}}}]
    ports: [{port: 8080}, {port: 8081}]
`,
			cases: []reach{
				{src: "shop/checkout", dst: "payments/api", port: 8080, eg: true, in: true},
				{src: "shop/checkout", dst: "payments/api-2", port: 8081, eg: true, in: true},
				{src: "shop/checkout", dst: "payments/api-2", port: 8080, eg: false, in: true},
				{src: "shop/frontend", dst: "payments/api", port: 8080, eg: true, in: false},
			},
		},
	})
}

func TestMatchExpressions(t *testing.T) {
	runScenarios(t, []scenario{
		{
			name: "In",
			policies: `
metadata: {name: in, namespace: shop}
spec:
  podSelector: {matchExpressions: [{key: app, operator: In, values: [db, checkout]}]}
  ingress:
  - from: [{podSelector: {matchExpressions: [{key: app, operator: In, values: [frontend]}]}}]
`,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/db", port: 5432, eg: true, in: true},
				{src: "shop/checkout", dst: "shop/db", port: 5432, eg: true, in: false, why: "podSelector app in (frontend) does not match"},
				{src: "shop/checkout", dst: "shop/frontend", port: 8080, eg: true, in: true}, // frontend not selected
			},
		},
		{
			// NotIn also matches pods that lack the key entirely.
			name: "NotIn",
			policies: `
metadata: {name: notin, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from: [{podSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [web]}]}}]
`,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: false, why: "tier notin (web)"},
				{src: "shop/db", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "shop/checkout", dst: "shop/checkout", port: 9090, eg: true, in: true},
			},
		},
		{
			name: "Exists and DoesNotExist",
			policies: `
metadata: {name: exists, namespace: shop}
spec:
  podSelector: {matchExpressions: [{key: tier, operator: Exists}]}
  ingress:
  - from: [{podSelector: {matchExpressions: [{key: tier, operator: DoesNotExist}]}}]
`,
			cases: []reach{
				{src: "shop/db", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: false, why: "podSelector !tier does not match"},
				{src: "shop/frontend", dst: "shop/db", port: 5432, eg: true, in: true}, // db has no tier: not selected
			},
		},
		{
			// NotIn on namespaces: kube-system has no env label and matches.
			name: "namespaceSelector NotIn",
			policies: `
metadata: {name: not-dev, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from: [{namespaceSelector: {matchExpressions: [{key: env, operator: NotIn, values: [dev]}]}}]
`,
			cases: []reach{
				{src: "dev/frontend", dst: "shop/checkout", port: 9090, eg: true, in: false},
				{src: "kube-system/coredns", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "payments/api", dst: "shop/checkout", port: 9090, eg: true, in: true},
			},
		},
		{
			name: "matchLabels and matchExpressions are AND'd",
			policies: `
metadata: {name: both, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from:
    - podSelector:
        matchLabels: {app: frontend}
        matchExpressions: [{key: tier, operator: In, values: [web, edge]}]
`,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "shop/db", dst: "shop/checkout", port: 9090, eg: true, in: false},
			},
		},
	})
}

// TestRecipes covers the well-known recipes from the Kubernetes docs and
// the community "network policy recipes".
func TestRecipes(t *testing.T) {
	runScenarios(t, []scenario{
		{
			name: "deny all traffic to an application",
			policies: `
metadata: {name: web-deny-all, namespace: shop}
spec:
  podSelector: {matchLabels: {app: frontend}}
  ingress: []
`,
			cases: []reach{
				{src: "shop/checkout", dst: "shop/frontend", port: 8080, eg: true, in: false},
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true},
			},
		},
		{
			name: "allow traffic from one app",
			policies: `
metadata: {name: api-allow, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: frontend}}
`,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "shop/frontend", dst: "shop/checkout", port: 9091, eg: true, in: true},
				{src: "shop/db", dst: "shop/checkout", port: 9090, eg: true, in: false},
				{src: "dev/frontend", dst: "shop/checkout", port: 9090, eg: true, in: false},
			},
		},
		{
			name: "allow traffic from a namespace by label",
			policies: `
metadata: {name: allow-prod, namespace: shop}
spec:
  podSelector: {matchLabels: {app: frontend}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {env: prod}}
`,
			cases: []reach{
				{src: "payments/api", dst: "shop/frontend", port: 8080, eg: true, in: true},
				{src: "shop/checkout", dst: "shop/frontend", port: 8080, eg: true, in: true},
				{src: "dev/frontend", dst: "shop/frontend", port: 8080, eg: true, in: false},
			},
		},
		{
			name: "allow from some pods in another namespace",
			policies: `
metadata: {name: allow-monitoring, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: ops}}
      podSelector: {matchLabels: {app: prometheus}}
`,
			cases: []reach{
				{src: "monitoring/prometheus", dst: "shop/db", port: 9187, eg: true, in: true},
				{src: "payments/api", dst: "shop/db", port: 9187, eg: true, in: false},
			},
		},
		{
			name: "allow only one port",
			policies: `
metadata: {name: only-8080, namespace: shop}
spec:
  podSelector: {matchLabels: {app: frontend}}
  ingress:
  - ports:
    - port: 8080
`,
			cases: []reach{
				{src: "8.8.8.8", dst: "shop/frontend", port: 8080, eg: true, in: true},
				{src: "8.8.8.8", dst: "shop/frontend", port: 22, eg: true, in: false},
			},
		},
		{
			name: "deny egress except DNS",
			policies: `
metadata: {name: deny-egress-except-dns, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
`,
			cases: []reach{
				{src: "shop/db", dst: "kube-system/coredns", port: 53, proto: corev1.ProtocolUDP, eg: true, in: true},
				{src: "shop/db", dst: "kube-system/coredns", port: 53, eg: true, in: true},
				{src: "shop/db", dst: "8.8.8.8", port: 53, proto: corev1.ProtocolUDP, eg: false, in: true},
				{src: "shop/db", dst: "payments/api", port: 8080, eg: false, in: true},
			},
		},
		{
			name: "default deny with DNS forgotten",
			policies: `
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
metadata: {name: frontend-to-checkout, namespace: shop}
spec:
  podSelector: {matchLabels: {app: frontend}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: checkout}}}]
    ports: [{port: 9090}]
---
metadata: {name: checkout-from-frontend, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: frontend}}}]
    ports: [{port: http}]
`,
			cases: []reach{
				{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: true, in: true},
				{src: "shop/frontend", dst: "shop/checkout", name: "http", eg: true, in: true},
				// The app "works" by IP but name resolution is blocked.
				{src: "shop/frontend", dst: "kube-system/coredns", port: 53, proto: corev1.ProtocolUDP, eg: false, in: true,
					why: "pod shop/frontend is isolated for egress by shop/default-deny, shop/frontend-to-checkout, and no rule allows pod kube-system/coredns on 53/UDP"},
			},
		},
	})
}

func TestVerdictDetails(t *testing.T) {
	w := newWorld()
	m := compileYAML(t, denyAllIngressShop+`
---
metadata: {name: a-db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: frontend}}}]
  - from: [{podSelector: {matchLabels: {app: checkout}}}]
    ports: [{port: 5432}]
`)
	v, err := m.Evaluate(Traffic{Src: w.peer("shop/checkout"), Dst: w.peer("shop/db"), Port: 5432})
	if err != nil {
		t.Fatal(err)
	}
	in := v.Ingress
	if !in.Isolated || !in.Allowed || in.Direction != Ingress || in.Subject != "pod shop/db" {
		t.Fatalf("unexpected ingress verdict %+v", in)
	}
	if len(in.Policies) != 2 || in.Policies[0].Name != "a-db" || in.Policies[1].Name != "default-deny-ingress" {
		t.Fatalf("policies = %+v", in.Policies)
	}
	p0, p1 := in.Policies[0], in.Policies[1]
	if !p0.Allowed || p0.NoRules || len(p0.Rules) != 2 {
		t.Fatalf("a-db verdict %+v", p0)
	}
	r0, r1 := p0.Rules[0], p0.Rules[1]
	if r0.Index != 0 || r0.PeerMatched || !r0.PortMatched || r1.Index != 1 || !r1.PeerMatched || !r1.PortMatched {
		t.Errorf("rule verdicts %+v %+v", r0, r1)
	}
	if p1.Allowed || !p1.NoRules || len(p1.Rules) != 0 {
		t.Errorf("default deny verdict %+v", p1)
	}
	if v.Egress.Isolated || !v.Egress.Allowed || len(v.Egress.Policies) != 0 {
		t.Errorf("egress %+v", v.Egress)
	}
	if b := v.Blocking(); len(b) != 0 {
		t.Errorf("Blocking = %+v", b)
	}
	v, _ = m.Evaluate(Traffic{Src: w.peer("shop/frontend"), Dst: w.peer("shop/checkout"), Port: 9090})
	if b := v.Blocking(); len(b) != 1 || b[0].Direction != Ingress {
		t.Errorf("Blocking = %+v", b)
	}
}

func TestEvaluateInputHandling(t *testing.T) {
	w := newWorld()
	m := compileYAML(t, denyAllIngressShop)
	// A pod with nil labels, nil namespace object and an explicit IP.
	bare := &corev1.Pod{}
	bare.Name, bare.Namespace = "bare", "shop"
	v, err := m.Evaluate(Traffic{Src: Peer{Pod: bare, IP: "10.0.1.50"}, Dst: Peer{Pod: bare}, Port: 80})
	if err != nil || v.Allowed || v.Ingress.Allowed {
		t.Errorf("bare pod: %+v, %v", v, err)
	}
	// Namespace taken from the namespace object when the pod has none.
	bare2 := &corev1.Pod{}
	bare2.Name = "bare2"
	v, err = m.Evaluate(Traffic{Src: w.peer("8.8.8.8"), Dst: Peer{Pod: bare2, Namespace: mkNS("shop", "")}, Port: 80})
	if err != nil || v.Ingress.Allowed {
		t.Errorf("pod namespace from Namespace: %+v, %v", v, err)
	}
	// No namespace at all means default.
	v, err = m.Evaluate(Traffic{Src: w.peer("8.8.8.8"), Dst: Peer{Pod: bare2}, Port: 80})
	if err != nil || !v.Ingress.Allowed || !strings.Contains(v.Ingress.Subject, "default/bare2") {
		t.Errorf("default namespace: %+v, %v", v, err)
	}
	// IPv4-mapped IPv6 and zones are normalised.
	m2 := compileYAML(t, `
metadata: {name: v4, namespace: shop}
spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: 8.8.8.0/24}}]}]
`)
	for _, ip := range []string{"::ffff:8.8.8.8", " 8.8.8.8 "} {
		v, err = m2.Evaluate(Traffic{Src: Peer{IP: ip}, Dst: w.peer("shop/db"), Port: 5432})
		if err != nil || !v.Allowed {
			t.Errorf("%q: %+v %v", ip, v.Ingress.Reason, err)
		}
	}
}

func TestEvaluateErrors(t *testing.T) {
	w := newWorld()
	m := compileYAML(t, denyAllIngressShop)
	otherNS := *w.pods["shop/frontend"]
	cases := []struct {
		name string
		m    *Model
		t    Traffic
		want string
	}{
		{"nil model", nil, Traffic{Src: w.peer("shop/frontend"), Dst: w.peer("shop/db"), Port: 1}, "nil model"},
		{"empty source", m, Traffic{Dst: w.peer("shop/db"), Port: 1}, "source: needs a pod or an IP"},
		{"empty destination", m, Traffic{Src: w.peer("shop/db"), Port: 1}, "destination: needs a pod or an IP"},
		{"bad IP", m, Traffic{Src: Peer{IP: "10.0.0.300"}, Dst: w.peer("shop/db"), Port: 1}, "invalid IP"},
		{"bad pod IP", m, Traffic{Src: Peer{Pod: &otherNS, IP: "nope"}, Dst: w.peer("shop/db"), Port: 1}, "invalid IP"},
		{"namespace mismatch", m, Traffic{Src: Peer{Pod: &otherNS, Namespace: mkNS("payments", "")}, Dst: w.peer("shop/db"), Port: 1}, "given with namespace object"},
		{"no port", m, Traffic{Src: w.peer("shop/frontend"), Dst: w.peer("shop/db")}, "needs a port"},
		{"negative port", m, Traffic{Src: w.peer("shop/frontend"), Dst: w.peer("shop/db"), Port: -1}, "out of range"},
		{"port too big", m, Traffic{Src: w.peer("shop/frontend"), Dst: w.peer("shop/db"), Port: 65536}, "out of range"},
		{"bad protocol", m, Traffic{Src: w.peer("shop/frontend"), Dst: w.peer("shop/db"), Port: 1, Protocol: "ICMP"}, "unsupported protocol"},
		{"undeclared port name", m, Traffic{Src: w.peer("shop/frontend"), Dst: w.peer("shop/db"), PortName: "http"}, `declares no container port named "http"`},
		{"port name wrong protocol", m, Traffic{Src: w.peer("shop/frontend"), Dst: w.peer("kube-system/coredns"), PortName: "dns"}, "for TCP"},
		{"port name to external", m, Traffic{Src: w.peer("shop/frontend"), Dst: w.peer("8.8.8.8"), PortName: "http"}, "is not a pod"},
		{"port name and number disagree", m, Traffic{Src: w.peer("shop/frontend"), Dst: w.peer("shop/db"), PortName: "postgres", Port: 5433}, "not 5433"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.m.Evaluate(c.t)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestConcurrentEvaluate documents that a Model is safe for concurrent use
// (run with -race to make it meaningful).
func TestConcurrentEvaluate(t *testing.T) {
	w := newWorld()
	m := compileYAML(t, denyAllIngressShop+`
---
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: checkout}}}], ports: [{port: postgres}]}]
`)
	done := make(chan bool)
	for g := 0; g < 8; g++ {
		go func() {
			ok := true
			for i := 0; i < 200; i++ {
				v, err := m.Evaluate(Traffic{Src: w.peer("shop/checkout"), Dst: w.peer("shop/db"), Port: 5432})
				ok = ok && err == nil && v.Allowed
			}
			done <- ok
		}()
	}
	for g := 0; g < 8; g++ {
		if !<-done {
			t.Error("concurrent evaluation gave a wrong answer")
		}
	}
}

package netpol

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// denyTableAllowL3 is the L3 allow of the table in Cilium's "Deny Policies", which its
// columns 2 and 3 both hold beside their deny.
const denyTableAllowL3 = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: allow-l3}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: frontend}
`

// The Cilium truth table: the policies of Cilium's documentation ("Layer 3 Examples",
// "Layer 4 Examples", "Using Kubernetes Constructs in Policy", "Deny Policies",
// "Policy Enforcement Modes"; examples/policies/ of github.com/cilium/cilium), each
// with the verdicts and deciding rule the documentation gives, plus how Cilium merges
// its policies with NetworkPolicies.
var ciliumCases = []dialectCase{
	{name: "l3/simple: backend admits frontend", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l3-rule}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: frontend}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: A, egBy: "not restricted", inBy: "Allow CiliumNetworkPolicy default/l3-rule spec.ingress[0]"},
		{src: "default/frontend", dst: "default/backend", port: 9999, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "default/victim", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny CiliumNetworkPolicy default/l3-rule"},
		{src: "production/frontend", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "203.0.113.7", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "default/backend", dst: "default/frontend", port: 80, eg: A, in: A, egBy: "not restricted", inBy: "not restricted"},
	}},
	{name: "l3/simple egress: frontend may send to backend", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l3-egress-rule}
spec:
  endpointSelector: {matchLabels: {role: frontend}}
  egress:
  - toEndpoints:
    - matchLabels: {role: backend}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: A, egBy: "Allow CiliumNetworkPolicy default/l3-egress-rule spec.egress[0]"},
		{src: "default/frontend", dst: "default/victim", port: 80, eg: D, in: A, egBy: "DefaultDeny CiliumNetworkPolicy default/l3-egress-rule"},
		{src: "default/frontend", dst: "8.8.8.8", port: 443, eg: D, in: A, egBy: "DefaultDeny"},
	}},
	{name: "l3/ingress-allow-all: victim admits every endpoint of its namespace", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: allow-all-to-victim}
spec:
  endpointSelector: {matchLabels: {role: victim}}
  ingress:
  - fromEndpoints:
    - {}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/victim", port: 80, eg: A, in: A, inBy: "Allow CiliumNetworkPolicy default/allow-all-to-victim spec.ingress[0]"},
		{src: "default/backend", dst: "default/victim", port: 80, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "shop/frontend", dst: "default/victim", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "203.0.113.7", dst: "default/victim", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "l3/egress-allow-all: frontend may send to its namespace", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: allow-all-from-frontend}
spec:
  endpointSelector: {matchLabels: {role: frontend}}
  egress:
  - toEndpoints:
    - {}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: A, egBy: "Allow CiliumNetworkPolicy default/allow-all-from-frontend spec.egress[0]"},
		{src: "default/frontend", dst: "shop/checkout", port: 9090, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/frontend", dst: "8.8.8.8", port: 53, proto: "UDP", eg: D, in: A, egBy: "DefaultDeny"},
	}},
	{name: "l3/egress-default-deny: the empty rule admits nothing", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: deny-all-egress}
spec:
  endpointSelector: {matchLabels: {role: restricted}}
  egress:
  - {}
`, rows: []dialectRow{
		{src: "default/restricted", dst: "default/backend", port: 80, eg: D, in: A, egBy: "DefaultDeny CiliumNetworkPolicy default/deny-all-egress"},
		{src: "default/restricted", dst: "8.8.8.8", port: 443, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/restricted", dst: "kube-system/coredns", port: 53, proto: "UDP", eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/backend", dst: "default/restricted", port: 80, eg: A, in: A, inBy: "not restricted"},
	}},
	{name: "l3/egress-deny: egressDeny wins over toEntities all", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: deny-egress-example}
spec:
  endpointSelector: {matchLabels: {role: frontend}}
  egress:
  - toEntities: [all]
  egressDeny:
  - toEndpoints:
    - matchLabels: {role: backend}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: D, in: A, egBy: "Deny CiliumNetworkPolicy default/deny-egress-example spec.egressDeny[0]"},
		{src: "default/frontend", dst: "default/victim", port: 80, eg: A, in: A, egBy: "Allow CiliumNetworkPolicy default/deny-egress-example spec.egress[0]"},
		{src: "default/frontend", dst: "8.8.8.8", port: 443, eg: A, in: A, egBy: "spec.egress[0]"},
		{src: "default/frontend", dst: "shop/checkout", port: 9090, eg: A, in: A, egBy: "spec.egress[0]"},
	}},
	{name: "entities/world: role=public admits the world", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: from-world-to-role-public}
spec:
  endpointSelector: {matchLabels: {role: public}}
  ingress:
  - fromEntities: [world]
`, rows: []dialectRow{
		{src: "203.0.113.7", dst: "default/public", port: 80, eg: A, in: A, inBy: "Allow CiliumNetworkPolicy default/from-world-to-role-public spec.ingress[0]"},
		{src: "8.8.8.8", dst: "default/public", port: 443, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "default/frontend", dst: "default/public", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "default/host-a", dst: "default/public", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "entities/from_world_deny: everything but the world", policies: `
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: external-lockdown}
spec:
  endpointSelector: {}
  ingressDeny:
  - fromEntities: [world]
  ingress:
  - fromEntities: [all]
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: A, inBy: "Allow CiliumClusterwideNetworkPolicy external-lockdown spec.ingress[0]"},
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: A, inBy: "Allow CiliumClusterwideNetworkPolicy external-lockdown"},
		{src: "203.0.113.7", dst: "default/backend", port: 80, eg: A, in: D, inBy: "Deny CiliumClusterwideNetworkPolicy external-lockdown spec.ingressDeny[0]"},
		{src: "default/host-a", dst: "default/backend", port: 80, eg: A, in: A, inBy: "spec.ingress[0]"},
	}},
	{name: "entities/host: env=dev may reach its own node", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: dev-to-host}
spec:
  endpointSelector: {matchLabels: {env: dev}}
  egress:
  - toEntities: [host]
`, rows: []dialectRow{
		{src: "default/dev", dst: "default/host-a", port: 10250, eg: A, in: A, egBy: "Allow CiliumNetworkPolicy default/dev-to-host spec.egress[0]"},
		{src: "default/dev", dst: "default/host-b", port: 10250, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/dev", dst: "default/backend", port: 80, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/dev", dst: "8.8.8.8", port: 443, eg: D, in: A, egBy: "DefaultDeny"},
	}},
	{name: "entities/nodes: env=dev admits every node", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: to-dev-from-nodes-in-cluster}
spec:
  endpointSelector: {matchLabels: {env: dev}}
  ingress:
  - fromEntities: [host, remote-node]
`, rows: []dialectRow{
		{src: "default/host-a", dst: "default/dev", port: 80, eg: A, in: A, inBy: "Allow CiliumNetworkPolicy default/to-dev-from-nodes-in-cluster spec.ingress[0]"},
		{src: "default/host-b", dst: "default/dev", port: 80, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "default/frontend", dst: "default/dev", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "203.0.113.7", dst: "default/dev", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "entities/apiserver: the kube-apiserver entity", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: dev-to-kube-apiserver}
spec:
  endpointSelector: {matchLabels: {env: dev}}
  egress:
  - toEntities: [kube-apiserver]
`, rows: []dialectRow{
		{src: "default/dev", dst: "203.0.113.50", port: 443, eg: U, in: A, egBy: "kube-apiserver"},
		{src: "default/dev", dst: "default/backend", port: 443, eg: D, in: A, egBy: "DefaultDeny"},
	}},
	{name: "entities/cluster and world together", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: cluster-only}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromEntities: [cluster]
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "default/backend", port: 80, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "default/host-b", dst: "default/backend", port: 80, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "203.0.113.7", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "l3/cidr: toCIDR and toCIDRSet with except", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: cidr-rule}
spec:
  endpointSelector: {matchLabels: {app: myService}}
  egress:
  - toCIDR: [20.1.1.1/32]
  - toCIDRSet:
    - cidr: 10.0.0.0/8
      except: [10.96.0.0/12]
`, rows: []dialectRow{
		{src: "default/myservice", dst: "20.1.1.1", port: 443, eg: A, in: A, egBy: "Allow CiliumNetworkPolicy default/cidr-rule spec.egress[0]"},
		{src: "default/myservice", dst: "20.1.1.2", port: 443, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/myservice", dst: "10.1.2.3", port: 80, eg: A, in: A, egBy: "spec.egress[1]"},
		{src: "default/myservice", dst: "10.96.0.10", port: 53, proto: "UDP", eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/myservice", dst: "default/backend", port: 80, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/myservice", dst: "8.8.8.8", port: 53, proto: "UDP", eg: D, in: A},
	}},
	{name: "l4: myService may only send TCP 80, anywhere", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l4-rule}
spec:
  endpointSelector: {matchLabels: {app: myService}}
  egress:
  - toPorts:
    - ports:
      - {port: "80", protocol: TCP}
`, rows: []dialectRow{
		{src: "default/myservice", dst: "default/backend", port: 80, eg: A, in: A, egBy: "Allow CiliumNetworkPolicy default/l4-rule spec.egress[0]"},
		{src: "default/myservice", dst: "8.8.8.8", port: 80, eg: A, in: A, egBy: "spec.egress[0]"},
		{src: "default/myservice", dst: "default/backend", port: 81, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/myservice", dst: "8.8.8.8", port: 80, proto: "UDP", eg: D, in: A, egBy: "DefaultDeny"},
	}},
	{name: "l4 port range: 80-444", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l4-port-range-rule}
spec:
  endpointSelector: {matchLabels: {app: myService}}
  egress:
  - toPorts:
    - ports:
      - {port: "80", endPort: 444, protocol: TCP}
`, rows: []dialectRow{
		{src: "default/myservice", dst: "8.8.8.8", port: 80, eg: A, in: A, egBy: "spec.egress[0]"},
		{src: "default/myservice", dst: "8.8.8.8", port: 443, eg: A, in: A, egBy: "spec.egress[0]"},
		{src: "default/myservice", dst: "8.8.8.8", port: 444, eg: A, in: A, egBy: "spec.egress[0]"},
		{src: "default/myservice", dst: "8.8.8.8", port: 445, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/myservice", dst: "8.8.8.8", port: 79, eg: D, in: A, egBy: "DefaultDeny"},
	}},
	{name: "l3_l4_combined: frontend to backend on TCP 80 only", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l4-rule}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: frontend}
    toPorts:
    - ports:
      - {port: "80", protocol: TCP}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: A, inBy: "Allow CiliumNetworkPolicy default/l4-rule spec.ingress[0]"},
		{src: "default/frontend", dst: "default/backend", port: 81, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "default/frontend", dst: "default/backend", port: 80, proto: "UDP", eg: A, in: D, inBy: "DefaultDeny"},
		{src: "default/victim", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "cidr_l4_combined: crawler to 192.0.2.0/24 on TCP 80", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: cidr-l4-rule}
spec:
  endpointSelector: {matchLabels: {role: crawler}}
  egress:
  - toCIDR: [192.0.2.0/24]
    toPorts:
    - ports:
      - {port: "80", protocol: TCP}
`, rows: []dialectRow{
		{src: "default/crawler", dst: "192.0.2.10", port: 80, eg: A, in: A, egBy: "Allow CiliumNetworkPolicy default/cidr-l4-rule spec.egress[0]"},
		{src: "default/crawler", dst: "192.0.2.10", port: 443, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/crawler", dst: "198.51.100.1", port: 80, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/frontend", dst: "192.0.2.10", port: 80, eg: A, in: A, egBy: "not restricted"},
	}},
	{name: "l4 named port and ANY protocol", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: named}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - toPorts:
    - ports:
      - {port: web}
      - {port: "81", protocol: ANY}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 8080, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "default/frontend", dst: "default/backend", port: 81, proto: "UDP", eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "203.0.113.7", dst: "default/backend", port: 81, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "kubernetes/isolate-namespaces: ns1 and ns2 admit only their own pods", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: isolate-ns1, namespace: ns1}
spec:
  endpointSelector: {matchLabels: {}}
  ingress:
  - fromEndpoints:
    - matchLabels: {}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: isolate-ns1, namespace: ns2}
spec:
  endpointSelector: {matchLabels: {}}
  ingress:
  - fromEndpoints:
    - matchLabels: {}
`, rows: []dialectRow{
		{src: "ns1/luke", dst: "ns1/leia", port: 80, eg: A, in: A, inBy: "Allow CiliumNetworkPolicy ns1/isolate-ns1 spec.ingress[0]"},
		{src: "ns2/luke", dst: "ns1/leia", port: 80, eg: A, in: D, inBy: "DefaultDeny CiliumNetworkPolicy ns1/isolate-ns1"},
		{src: "ns1/luke", dst: "ns2/leia", port: 80, eg: A, in: D, inBy: "DefaultDeny CiliumNetworkPolicy ns2/isolate-ns1"},
		{src: "ns2/luke", dst: "ns2/leia", port: 80, eg: A, in: A, inBy: "Allow CiliumNetworkPolicy ns2/isolate-ns1"},
		{src: "ns1/leia", dst: "default/backend", port: 80, eg: A, in: A, egBy: "not restricted"},
	}},
	{name: "kubernetes/namespace-policy: ns1 leia admits luke of ns2", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: k8s-expose-across-namespace, namespace: ns1}
spec:
  endpointSelector: {matchLabels: {name: leia}}
  ingress:
  - fromEndpoints:
    - matchLabels:
        k8s:io.kubernetes.pod.namespace: ns2
        name: luke
`, rows: []dialectRow{
		{src: "ns2/luke", dst: "ns1/leia", port: 80, eg: A, in: A, inBy: "Allow CiliumNetworkPolicy ns1/k8s-expose-across-namespace spec.ingress[0]"},
		{src: "ns1/luke", dst: "ns1/leia", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "ns2/leia", dst: "ns1/leia", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "ns2/luke", dst: "ns2/leia", port: 80, eg: A, in: A, inBy: "not restricted"},
	}},
	{name: "kubernetes/kubedns-policy: egress to kube-dns on UDP 53", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: allow-to-kubedns, namespace: public}
spec:
  endpointSelector: {}
  egress:
  - toEndpoints:
    - matchLabels:
        k8s:io.kubernetes.pod.namespace: kube-system
        k8s-app: kube-dns
    toPorts:
    - ports:
      - {port: '53', protocol: UDP}
`, rows: []dialectRow{
		{src: "public/web", dst: "kube-system/coredns", port: 53, proto: "UDP", eg: A, in: A, egBy: "Allow CiliumNetworkPolicy public/allow-to-kubedns spec.egress[0]"},
		{src: "public/web", dst: "kube-system/coredns", port: 53, proto: "TCP", eg: D, in: A, egBy: "DefaultDeny"},
		{src: "public/web", dst: "default/backend", port: 80, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/frontend", dst: "kube-system/coredns", port: 53, proto: "TCP", eg: A, in: A, egBy: "not restricted"},
	}},
	{name: "kubernetes/namespace-labels-policy: namespace labels in a CNP", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: alliance-only, namespace: ns1}
spec:
  endpointSelector: {matchLabels: {name: leia}}
  ingress:
  - fromEndpoints:
    - matchLabels: {io.cilium.k8s.namespace.labels.faction: alliance}
`, rows: []dialectRow{
		{src: "ns1/luke", dst: "ns1/leia", port: 80, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "ns2/luke", dst: "ns1/leia", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "kubernetes/serviceaccount-policy: leia's service account admits luke's", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: k8s-svc-account}
spec:
  endpointSelector:
    matchLabels: {io.cilium.k8s.policy.serviceaccount: leia}
  ingress:
  - fromEndpoints:
    - matchLabels: {io.cilium.k8s.policy.serviceaccount: luke}
`, rows: []dialectRow{
		{src: "default/sa-luke", dst: "default/sa-leia", port: 80, eg: A, in: A, inBy: "Allow CiliumNetworkPolicy default/k8s-svc-account spec.ingress[0]"},
		{src: "default/frontend", dst: "default/sa-leia", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "default/sa-leia", dst: "default/sa-luke", port: 80, eg: A, in: A, inBy: "not restricted"},
	}},
	{name: "kubernetes/clusterwide: leia of any namespace admits luke of any", policies: `
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: clusterwide-policy-example}
spec:
  endpointSelector: {matchLabels: {name: leia}}
  ingress:
  - fromEndpoints:
    - matchLabels: {name: luke}
`, rows: []dialectRow{
		{src: "ns2/luke", dst: "ns1/leia", port: 80, eg: A, in: A, inBy: "Allow CiliumClusterwideNetworkPolicy clusterwide-policy-example spec.ingress[0]"},
		{src: "ns1/luke", dst: "ns2/leia", port: 80, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "ns1/luke", dst: "ns1/leia", port: 80, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "default/frontend", dst: "ns1/leia", port: 80, eg: A, in: D, inBy: "DefaultDeny CiliumClusterwideNetworkPolicy clusterwide-policy-example"},
		{src: "203.0.113.7", dst: "ns2/leia", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "kubernetes/wildcard-from-endpoints: every Cilium endpoint to kube-dns", policies: `
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: wildcard-from-endpoints}
spec:
  endpointSelector:
    matchLabels:
      k8s:io.kubernetes.pod.namespace: kube-system
      k8s-app: kube-dns
  ingress:
  - fromEndpoints:
    - {}
    toPorts:
    - ports:
      - {port: "53", protocol: UDP}
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "kube-system/coredns", port: 53, proto: "UDP", eg: A, in: A, inBy: "Allow CiliumClusterwideNetworkPolicy wildcard-from-endpoints spec.ingress[0]"},
		{src: "default/backend", dst: "kube-system/coredns", port: 53, proto: "UDP", eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "shop/frontend", dst: "kube-system/coredns", port: 53, proto: "TCP", eg: A, in: D, inBy: "DefaultDeny"},
		{src: "203.0.113.7", dst: "kube-system/coredns", port: 53, proto: "UDP", eg: A, in: D, inBy: "DefaultDeny"},
		{src: "default/host-a", dst: "kube-system/coredns", port: 53, proto: "UDP", eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "kubernetes/health: reserved:health selects no pod", policies: `
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: cilium-health-checks}
spec:
  endpointSelector:
    matchLabels: {'reserved:health': ''}
  ingress:
  - fromEntities: [remote-node]
  egress:
  - toEntities: [remote-node]
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: A, egBy: "not restricted", inBy: "not restricted"},
	}},
	{name: "match-expressions/and-statement", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: and-statement-policy}
spec:
  endpointSelector: {}
  ingress:
  - fromEndpoints:
    - matchExpressions:
      - {key: "k8s:io.kubernetes.pod.namespace", operator: "in", values: [production]}
      - {key: "k8s:cilium.example.com/policy", operator: "in", values: [strict]}
`, rows: []dialectRow{
		{src: "production/strict", dst: "default/backend", port: 80, eg: A, in: A, inBy: "Allow CiliumNetworkPolicy default/and-statement-policy spec.ingress[0]"},
		{src: "production/other", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "staging/strict", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "default/strict", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "match-expressions/or-statement", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: or-statement-policy}
spec:
  endpointSelector: {}
  ingress:
  - fromEndpoints:
    - matchExpressions:
      - {key: "k8s:io.kubernetes.pod.namespace", operator: "in", values: [production]}
    - matchExpressions:
      - {key: "k8s:cilium.example.com/policy", operator: "in", values: [strict]}
`, rows: []dialectRow{
		{src: "production/other", dst: "default/backend", port: 80, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "production/strict", dst: "default/backend", port: 80, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "default/strict", dst: "default/backend", port: 80, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "dev/frontend", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "l3/service: toServices by name", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: service-rule}
spec:
  endpointSelector: {matchLabels: {id: app2}}
  egress:
  - toServices:
    - k8sService: {serviceName: myservice, namespace: default}
---
` + svcYAML("default", "myservice", "app=myService", 80, intstr.FromInt32(80)), rows: []dialectRow{
		{src: "default/app2", dst: "default/myservice", port: 80, eg: A, in: A, egBy: "Allow CiliumNetworkPolicy default/service-rule spec.egress[0]"},
		{src: "default/app2", dst: "default/backend", port: 80, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/app2", dst: "8.8.8.8", port: 80, eg: D, in: A, egBy: "DefaultDeny"},
	}},
	{name: "l3/service: a Service netdoctor was not given is unknown", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: service-rule}
spec:
  endpointSelector: {matchLabels: {id: app2}}
  egress:
  - toServices:
    - k8sService: {serviceName: elsewhere, namespace: payments}
`, rows: []dialectRow{
		{src: "default/app2", dst: "payments/api", port: 8080, eg: U, in: A, egBy: "Service payments/elsewhere"},
	}},
	{name: "deny policies: the documented table (column 2)", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: allow-l7}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: frontend}
    toPorts:
    - ports:
      - {port: "80", protocol: TCP}
      rules:
        http:
        - {method: GET, path: /}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: allow-l4}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - toPorts:
    - ports:
      - {port: "80", protocol: TCP}
      - {port: "81", protocol: TCP}
---` + denyTableAllowL3 + `---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: deny-l4}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingressDeny:
  - toPorts:
    - ports:
      - {port: "80", protocol: TCP}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 81, eg: A, in: A, inBy: "Allow"},
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: D, inBy: "Deny CiliumNetworkPolicy default/deny-l4 spec.ingressDeny[0]"},
		{src: "default/frontend", dst: "default/backend", port: 8080, eg: A, in: A, inBy: "Allow CiliumNetworkPolicy default/allow-l3 spec.ingress[0]"},
		{src: "default/victim", dst: "default/backend", port: 81, eg: A, in: A, inBy: "Allow CiliumNetworkPolicy default/allow-l4 spec.ingress[0]"},
		{src: "default/victim", dst: "default/backend", port: 8080, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "deny policies: an L3 deny (column 3)", policies: denyTableAllowL3 + `---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: deny-l3}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingressDeny:
  - fromEndpoints:
    - matchLabels: {role: frontend}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 81, eg: A, in: D, inBy: "Deny CiliumNetworkPolicy default/deny-l3 spec.ingressDeny[0]"},
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: D, inBy: "spec.ingressDeny[0]"},
	}},
	{name: "deny only: a deny rule alone puts the endpoint in default deny", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: deny-only}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingressDeny:
  - fromEntities: [world]
`, rows: []dialectRow{
		{src: "203.0.113.7", dst: "default/backend", port: 80, eg: A, in: D, inBy: "Deny CiliumNetworkPolicy default/deny-only spec.ingressDeny[0]"},
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny CiliumNetworkPolicy default/deny-only"},
	}},
	{name: "policy enforcement modes: enableDefaultDeny false (intercept-all-dns)", policies: `
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: intercept-all-dns}
spec:
  endpointSelector:
    matchExpressions:
    - {key: io.kubernetes.pod.namespace, operator: NotIn, values: [kube-system]}
    - {key: k8s-app, operator: NotIn, values: [kube-dns]}
  enableDefaultDeny: {egress: false, ingress: false}
  egress:
  - toEndpoints:
    - matchLabels: {io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}
    toPorts:
    - ports:
      - {port: "53", protocol: TCP}
      - {port: "53", protocol: UDP}
      rules:
        dns:
        - matchPattern: "*"
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: A, egBy: "Default"},
		{src: "default/frontend", dst: "8.8.8.8", port: 443, eg: A, in: A, egBy: "Default"},
		{src: "default/frontend", dst: "kube-system/coredns", port: 53, proto: "UDP", eg: A, in: A, egBy: "L7: CiliumClusterwideNetworkPolicy intercept-all-dns spec.egress[0] allows 53/UDP at L4, with DNS rules"},
	}},
	{name: "enableDefaultDeny false beside a NetworkPolicy that isolates", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: broad}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  enableDefaultDeny: {ingress: false}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: victim}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-frontend, namespace: default}
spec:
  podSelector: {matchLabels: {role: backend}}
  ingress:
  - from:
    - podSelector: {matchLabels: {role: frontend}}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: A, inBy: "Allow NetworkPolicy default/only-frontend spec.ingress[0]"},
		{src: "default/victim", dst: "default/backend", port: 80, eg: A, in: A, inBy: "Allow CiliumNetworkPolicy default/broad spec.ingress[0]"},
		{src: "default/crawler", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny NetworkPolicy default/only-frontend"},
	}},
	{name: "NetworkPolicy + Cilium: all allows add up", policies: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: default}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: admin-only}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: frontend}
    toPorts:
    - ports:
      - {port: "80", protocol: TCP}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: A, inBy: "Allow CiliumNetworkPolicy default/admin-only spec.ingress[0]"},
		{src: "default/frontend", dst: "default/backend", port: 81, eg: A, in: D, inBy: "DefaultDeny NetworkPolicy default/deny-all, CiliumNetworkPolicy default/admin-only"},
		{src: "default/frontend", dst: "default/victim", port: 80, eg: A, in: D, inBy: "NetworkPolicy default/deny-all"},
	}},
	{name: "NetworkPolicy + Cilium: a Cilium deny beats a NetworkPolicy allow", policies: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-frontend, namespace: default}
spec:
  podSelector: {matchLabels: {role: backend}}
  ingress:
  - from:
    - podSelector: {matchLabels: {role: frontend}}
---
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: no-81}
spec:
  endpointSelector: {}
  ingressDeny:
  - toPorts:
    - ports:
      - {port: "81", protocol: TCP}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: A, inBy: "Allow NetworkPolicy default/allow-frontend spec.ingress[0]"},
		{src: "default/frontend", dst: "default/backend", port: 81, eg: A, in: D, inBy: "Deny CiliumClusterwideNetworkPolicy no-81 spec.ingressDeny[0]"},
		{src: "default/frontend", dst: "default/victim", port: 80, eg: A, in: D, inBy: "DefaultDeny CiliumClusterwideNetworkPolicy no-81"},
	}},
	{name: "L7: HTTP rules keep the L4 verdict", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: api-l7}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromEndpoints:
    - matchLabels: {k8s:role: frontend}
    toPorts:
    - ports:
      - {port: "8080", protocol: TCP}
      rules:
        http:
        - {method: GET, path: "/healthz"}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 8080, eg: A, in: A, inBy: "L7: CiliumNetworkPolicy default/api-l7 spec.ingress[0] allows 8080/TCP at L4, with HTTP rules"},
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "default/victim", dst: "default/backend", port: 8080, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "toFQDNs: outside addresses are unknown, pods are not in it", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: fqdn}
spec:
  endpointSelector: {matchLabels: {role: crawler}}
  egress:
  - toFQDNs:
    - matchName: my-remote-service.com
  - toEndpoints:
    - matchLabels: {io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}
    toPorts:
    - ports:
      - {port: "53", protocol: ANY}
      rules:
        dns:
        - matchPattern: "*"
`, rows: []dialectRow{
		{src: "default/crawler", dst: "198.51.100.7", port: 443, eg: U, in: A, egBy: "toFQDNs"},
		{src: "default/crawler", dst: "default/backend", port: 80, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "default/crawler", dst: "kube-system/coredns", port: 53, proto: "UDP", eg: A, in: A, egBy: "spec.egress[1]"},
	}},
	{name: "toFQDNs beside a certain allow", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: fqdn-and-world}
spec:
  endpointSelector: {matchLabels: {role: crawler}}
  egress:
  - toFQDNs:
    - matchPattern: "*.example.com"
  - toEntities: [world]
`, rows: []dialectRow{
		{src: "default/crawler", dst: "198.51.100.7", port: 443, eg: A, in: A, egBy: "spec.egress[1]"},
	}},
	{name: "fromRequires and authentication are not evaluated", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: requires}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromRequires:
    - matchLabels: {env: prod}
  - fromEndpoints:
    - matchLabels: {role: frontend}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: mutual-auth}
spec:
  endpointSelector: {matchLabels: {role: victim}}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: frontend}
    authentication: {mode: required}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: U, inBy: "fromRequires"},
		{src: "default/frontend", dst: "default/victim", port: 80, eg: A, in: U, inBy: "mutual authentication"},
		{src: "default/crawler", dst: "default/victim", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "labels Cilium leaves out of identities and the cluster label", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: by-hash}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromEndpoints:
    - matchLabels: {pod-template-hash: abc12}
  - fromEndpoints:
    - matchLabels: {io.cilium.k8s.policy.cluster: default, role: victim}
`, rows: []dialectRow{
		{src: "default/hashed", dst: "default/backend", port: 80, eg: A, in: U, inBy: "pod-template-hash"},
		{src: "default/victim", dst: "default/backend", port: 80, eg: A, in: U, inBy: "io.cilium.k8s.policy.cluster"},
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "host policies (nodeSelector) and specs lists", policies: `
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: demo-host-policy}
spec:
  nodeSelector: {matchLabels: {node-access: ssh}}
  ingress:
  - fromEntities: [cluster]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: two-specs}
specs:
- endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: frontend}
- endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: victim}
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/host-a", port: 22, eg: A, in: U, inBy: "nodeSelector"},
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: A, inBy: "specs[0].ingress[0]"},
		{src: "default/victim", dst: "default/backend", port: 80, eg: A, in: A, inBy: "specs[1].ingress[0]"},
		{src: "default/crawler", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "a policy the engine cannot compile is unknown, not an error", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: future-entity}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromEntities: [some-future-entity]
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: U, in: U, inBy: "some-future-entity"},
		{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: A, in: A, inBy: "not restricted"},
	}},
	{name: "a Cilium and a Calico policy on the same pod: which plugin enforces is unknown", policies: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: c}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: frontend}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: k, namespace: default}
spec:
  selector: role == 'backend'
  ingress:
  - action: Allow
`, rows: []dialectRow{
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: U, inBy: "both Cilium and Calico"},
	}},
}

func TestCiliumTruthTable(t *testing.T) {
	t.Parallel()
	n := runDialectCases(t, ciliumCases)
	t.Logf("%d Cilium rows", n)
	if n < 90 {
		t.Errorf("the Cilium truth table has %d rows; keep it at 90 or more", n)
	}
}

// Under Cilium, a NetworkPolicy ipBlock becomes a CIDR rule, which never matches pods:
// where a Cilium policy also selects the pod, an ipBlock covering the pod network does
// not admit pods.
func TestCiliumNetworkPolicyIPBlock(t *testing.T) {
	t.Parallel()
	n := runDialectCases(t, []dialectCase{{name: "ipBlock under Cilium", policies: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-10, namespace: default}
spec:
  podSelector: {matchLabels: {role: backend}}
  ingress:
  - from:
    - ipBlock: {cidr: 10.0.0.0/8}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: only-frontend}
spec:
  endpointSelector: {matchLabels: {role: backend}}
  ingress:
  - fromEndpoints:
    - matchLabels: {role: frontend}
`, rows: []dialectRow{
		{src: "default/victim", dst: "default/backend", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "default/frontend", dst: "default/backend", port: 80, eg: A, in: A, inBy: "CiliumNetworkPolicy default/only-frontend"},
		{src: "10.9.9.9", dst: "default/backend", port: 80, eg: A, in: A, inBy: "Allow NetworkPolicy default/from-10 spec.ingress[0]"},
	}}})
	if n != 3 {
		t.Fatal(n)
	}
}

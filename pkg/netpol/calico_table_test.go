package netpol

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// allowFrontendToPaymentsAPI is the Kubernetes NetworkPolicy the tier-order cases set
// against a Calico deny, to show which of the two Calico applies first.
const allowFrontendToPaymentsAPI = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-frontend, namespace: payments}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from:
    - namespaceSelector: {}
      podSelector: {matchLabels: {app: frontend}}
`

// getStartedOrder is the "policies in order" pair of Calico's get-started guide: a deny
// of all ingress at dropOrder and an allow of 10.0.0.0/8 at order 10, so that the
// order alone decides between them.
func getStartedOrder(dropOrder int) string {
	return fmt.Sprintf(`
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: drop-other-ingress}
spec:
  order: %d
  selector: all()
  ingress:
  - action: Deny
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: allow-cluster-internal-ingress}
spec:
  order: 10
  selector: all()
  ingress:
  - action: Allow
    source:
      nets: [10.0.0.0/8]
`, dropOrder)
}

// The Calico truth table: the policies of Calico's documentation ("Get started with
// Calico network policy", "Calico policy tutorial", "Enable default deny for
// Kubernetes pods", "Get started with policy tiers", the NetworkPolicy and
// GlobalNetworkPolicy references; github.com/tigera/docs), each with the verdicts and
// deciding rule the documentation gives, plus how Calico orders Kubernetes
// NetworkPolicies (order 1000 in the default tier) among its own.
var calicoCases = []dialectCase{
	{name: "get started: allow-tcp-6379 in production", policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: allow-tcp-6379, namespace: production}
spec:
  selector: color == 'red'
  ingress:
  - action: Allow
    protocol: TCP
    source:
      selector: color == 'blue'
    destination:
      ports: [6379]
`, rows: []dialectRow{
		{src: "production/blue", dst: "production/red", port: 6379, eg: A, in: A, inBy: "Allow Calico NetworkPolicy production/allow-tcp-6379 (tier default, order none) spec.ingress[0]"},
		{src: "production/blue", dst: "production/red", port: 6380, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "production/blue", dst: "production/red", port: 6379, proto: "UDP", eg: A, in: D, inBy: "DefaultDeny"},
		{src: "production/green", dst: "production/red", port: 6379, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "circle/blue", dst: "production/red", port: 6379, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "production/red", dst: "production/blue", port: 80, eg: A, in: A, egBy: "not restricted", inBy: "not restricted"},
	}},
	{name: "get started: allow-tcp-6379 from namespaces shape == circle", policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: allow-tcp-6379, namespace: production}
spec:
  selector: color == 'red'
  ingress:
  - action: Allow
    protocol: TCP
    source:
      selector: color == 'blue'
      namespaceSelector: shape == 'circle'
    destination:
      ports: [6379]
`, rows: []dialectRow{
		{src: "circle/blue", dst: "production/red", port: 6379, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "circle/green", dst: "production/red", port: 6379, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "circle/blue", dst: "production/red", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "get started: deny-blue, a GlobalNetworkPolicy", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-blue}
spec:
  selector: color == 'red'
  ingress:
  - action: Deny
    protocol: TCP
    source:
      selector: color == 'blue'
`, rows: []dialectRow{
		{src: "production/blue", dst: "production/red", port: 6379, eg: A, in: D, inBy: "Deny Calico GlobalNetworkPolicy deny-blue (tier default, order none) spec.ingress[0]"},
		{src: "circle/blue", dst: "production/red", port: 6379, eg: A, in: D, inBy: "Deny Calico GlobalNetworkPolicy deny-blue"},
		{src: "production/green", dst: "production/red", port: 6379, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "production/blue", dst: "production/red", port: 6379, proto: "UDP", eg: A, in: D, inBy: "DefaultDeny"},
		{src: "production/blue", dst: "production/green", port: 80, eg: A, in: A, inBy: "not restricted"},
	}},
	{name: "get started: deny-circle-blue", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-circle-blue}
spec:
  selector: color == 'red'
  ingress:
  - action: Deny
    protocol: TCP
    source:
      selector: color == 'blue'
      namespaceSelector: shape == 'circle'
`, rows: []dialectRow{
		{src: "circle/blue", dst: "production/red", port: 6379, eg: A, in: D, inBy: "Deny Calico GlobalNetworkPolicy deny-circle-blue (tier default, order none) spec.ingress[0]"},
		{src: "production/blue", dst: "production/red", port: 6379, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "get started: egress to 1.2.3.0/24 denied", policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: allow-egress-external, namespace: production}
spec:
  selector: color == 'red'
  types: [Egress]
  egress:
  - action: Deny
    destination:
      nets: [1.2.3.0/24]
`, rows: []dialectRow{
		{src: "production/red", dst: "1.2.3.4", port: 443, eg: D, in: A, egBy: "Deny Calico NetworkPolicy production/allow-egress-external (tier default, order none) spec.egress[0]"},
		{src: "production/red", dst: "8.8.8.8", port: 443, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "production/blue", dst: "1.2.3.4", port: 443, eg: A, in: A, egBy: "not restricted"},
		{src: "production/blue", dst: "production/red", port: 6379, eg: A, in: A, inBy: "not restricted"},
	}},
	{name: "get started: policies in order (10 allows, 20 drops)", policies: getStartedOrder(20), rows: []dialectRow{
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: A, inBy: "Allow Calico GlobalNetworkPolicy allow-cluster-internal-ingress (tier default, order 10) spec.ingress[0]"},
		{src: "production/blue", dst: "production/red", port: 6379, eg: A, in: A, inBy: "order 10"},
		{src: "203.0.113.7", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "Deny Calico GlobalNetworkPolicy drop-other-ingress (tier default, order 20) spec.ingress[0]"},
		{src: "default/host-a", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "order 20"},
	}},
	{name: "get started: the order reversed", policies: getStartedOrder(5), rows: []dialectRow{
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "Deny Calico GlobalNetworkPolicy drop-other-ingress (tier default, order 5) spec.ingress[0]"},
	}},
	{name: "get started: Log then Deny", policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: allow-tcp-6379, namespace: production}
spec:
  selector: role == 'database'
  types: [Ingress, Egress]
  ingress:
  - action: Log
    protocol: TCP
    source:
      selector: role == 'frontend'
  - action: Deny
    protocol: TCP
    source:
      selector: role == 'frontend'
`, rows: []dialectRow{
		{src: "production/frontend", dst: "production/db", port: 5432, eg: A, in: D, inBy: "Deny Calico NetworkPolicy production/allow-tcp-6379 (tier default, order none) spec.ingress[1]"},
		{src: "production/blue", dst: "production/db", port: 5432, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "production/db", dst: "8.8.8.8", port: 443, eg: D, in: A, egBy: "DefaultDeny"},
	}},
	{name: "policy tutorial: default-deny, then egress for busybox, then ingress for nginx", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: default-deny}
spec:
  selector: projectcalico.org/namespace not in  {'kube-system', 'calico-system', 'calico-apiserver'}
  types: [Ingress, Egress]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: allow-busybox-egress, namespace: advanced-policy-demo}
spec:
  selector: run == 'access'
  types: [Egress]
  egress:
  - action: Allow
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: allow-nginx-ingress, namespace: advanced-policy-demo}
spec:
  selector: app == 'nginx'
  types: [Ingress]
  ingress:
  - action: Allow
    source:
      selector: run == 'access'
`, rows: []dialectRow{
		{src: "advanced-policy-demo/access", dst: "advanced-policy-demo/nginx", port: 80, eg: A, in: A,
			egBy: "Allow Calico NetworkPolicy advanced-policy-demo/allow-busybox-egress", inBy: "Allow Calico NetworkPolicy advanced-policy-demo/allow-nginx-ingress (tier default, order none) spec.ingress[0]"},
		{src: "advanced-policy-demo/access", dst: "8.8.8.8", port: 443, eg: A, in: A, egBy: "spec.egress[0]"},
		{src: "advanced-policy-demo/nginx", dst: "advanced-policy-demo/access", port: 80, eg: D, in: D, egBy: "DefaultDeny", inBy: "DefaultDeny"},
		{src: "advanced-policy-demo/nginx", dst: "8.8.8.8", port: 443, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "kube-system/coredns", dst: "payments/api", port: 8080, eg: A, in: D, egBy: "not restricted", inBy: "DefaultDeny"},
		// The rule's selector may match a NetworkSet holding the address: not read here.
		{src: "203.0.113.7", dst: "advanced-policy-demo/nginx", port: 80, eg: A, in: U, inBy: "NetworkSet"},
	}},
	{name: "policy tutorial: only the default deny", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: default-deny}
spec:
  selector: projectcalico.org/namespace not in {'kube-system', 'calico-system', 'calico-apiserver'}
  types: [Ingress, Egress]
`, rows: []dialectRow{
		{src: "advanced-policy-demo/access", dst: "advanced-policy-demo/nginx", port: 80, eg: D, in: D, egBy: "DefaultDeny Calico GlobalNetworkPolicy default-deny"},
		{src: "advanced-policy-demo/access", dst: "kube-system/coredns", port: 53, proto: "UDP", eg: D, in: A, inBy: "not restricted"},
	}},
	{name: "default deny: all() for every endpoint", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: default-deny}
spec:
  selector: all()
  types: [Ingress, Egress]
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: D, in: D, egBy: "DefaultDeny", inBy: "DefaultDeny"},
		{src: "kube-system/coredns", dst: "shop/checkout", port: 9090, eg: D, in: D},
		{src: "shop/agent", dst: "shop/checkout", port: 9090, eg: U, in: D, egBy: "host endpoint"},
	}},
	{name: "default deny: deny-app-policy lets every namespace reach kube-dns", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-app-policy}
spec:
  namespaceSelector: has(projectcalico.org/name) && projectcalico.org/name not in {"kube-system", "calico-system", "calico-apiserver"}
  types: [Ingress, Egress]
  egress:
  - action: Allow
    protocol: UDP
    destination:
      selector: 'k8s-app == "kube-dns"'
      ports: [53]
  - action: Allow
    protocol: TCP
    destination:
      selector: 'k8s-app == "kube-dns"'
      ports: [53]
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "kube-system/coredns", port: 53, proto: "UDP", eg: A, in: A, egBy: "Allow Calico GlobalNetworkPolicy deny-app-policy (tier default, order none) spec.egress[0]", inBy: "not restricted"},
		{src: "shop/frontend", dst: "kube-system/coredns", port: 53, proto: "TCP", eg: A, in: A, egBy: "spec.egress[1]"},
		{src: "shop/frontend", dst: "kube-system/coredns", port: 9153, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: D, in: D, egBy: "DefaultDeny", inBy: "DefaultDeny"},
		{src: "kube-system/coredns", dst: "8.8.8.8", port: 53, proto: "UDP", eg: A, in: A, egBy: "not restricted"},
	}},
	{name: "default deny: namespaced Calico default deny in engineering", policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: default-deny, namespace: engineering}
spec:
  selector: all()
  types: [Ingress, Egress]
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "engineering/app", port: 80, eg: A, in: D, inBy: "DefaultDeny Calico NetworkPolicy engineering/default-deny"},
		{src: "engineering/app", dst: "shop/frontend", port: 8080, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: A, in: A, inBy: "not restricted"},
	}},
	{name: "Kubernetes NetworkPolicy is order 1000 in the default tier: a Calico deny at order 100 comes first", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-frontend-to-api}
spec:
  order: 100
  selector: app == 'api'
  ingress:
  - action: Deny
    source:
      selector: app == 'frontend'
  - action: Pass
---` + allowFrontendToPaymentsAPI, rows: []dialectRow{
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "Deny Calico GlobalNetworkPolicy deny-frontend-to-api (tier default, order 100) spec.ingress[0]"},
		{src: "dev/frontend", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "order 100) spec.ingress[0]"},
		{src: "shop/checkout", dst: "payments/api", port: 8080, eg: A, in: A, inBy: "Profile"},
	}},
	{name: "Kubernetes NetworkPolicy order 1000: a Calico deny at order 2000 comes after", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-frontend-to-api}
spec:
  order: 2000
  selector: app == 'api'
  ingress:
  - action: Deny
    source:
      selector: app == 'frontend'
---` + allowFrontendToPaymentsAPI, rows: []dialectRow{
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: A, inBy: "Allow NetworkPolicy payments/allow-frontend (tier default, order 1000) spec.ingress[0]"},
		{src: "shop/checkout", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "Kubernetes NetworkPolicy isolates, a Calico allow at order 500 lets in", policies: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: payments}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: allow-monitoring, namespace: payments}
spec:
  order: 500
  selector: all()
  ingress:
  - action: Allow
    source:
      namespaceSelector: purpose == 'monitoring'
`, rows: []dialectRow{
		{src: "monitoring/prometheus", dst: "payments/api", port: 8080, eg: A, in: A, inBy: "Allow Calico NetworkPolicy payments/allow-monitoring (tier default, order 500) spec.ingress[0]"},
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "a Calico policy without order comes after Kubernetes policies", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-everything-last}
spec:
  selector: all()
  ingress:
  - action: Deny
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-frontend, namespace: payments}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: shop}}
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: A, inBy: "Allow NetworkPolicy payments/allow-frontend"},
		{src: "dev/frontend", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "Deny Calico GlobalNetworkPolicy deny-everything-last (tier default, order none) spec.ingress[0]"},
	}},
	{name: "tiers: devops.stage-env passes what it does not deny", policies: `
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: devops}
spec:
  order: 300
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: devops.stage-env}
spec:
  tier: devops
  order: 255
  selector: env == "stage"
  ingress:
  - action: Deny
    source:
      selector: env != "stage"
  - action: Pass
  egress:
  - action: Deny
    destination:
      selector: env != "stage"
  - action: Pass
  types: [Ingress, Egress]
`, rows: []dialectRow{
		{src: "staging/stage-2", dst: "staging/stage", port: 80, eg: A, in: A, egBy: "Profile", inBy: "Profile"},
		{src: "shop/frontend", dst: "staging/stage", port: 80, eg: A, in: D, inBy: "Deny Calico GlobalNetworkPolicy devops.stage-env (tier devops, order 255) spec.ingress[0]"},
		{src: "staging/stage", dst: "shop/frontend", port: 8080, eg: D, in: A, egBy: "spec.egress[0]"},
		{src: "staging/stage", dst: "8.8.8.8", port: 443, eg: U, in: A, egBy: "NetworkSet"},
	}},
	{name: "tiers: a pass lands in the default tier", policies: `
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec:
  order: 300
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.pass-all}
spec:
  tier: security
  selector: all()
  ingress:
  - action: Pass
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-allow-shop, namespace: payments}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: shop}}
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: A, inBy: "Allow NetworkPolicy payments/api-allow-shop (tier default, order 1000)"},
		{src: "dev/frontend", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "dev/frontend", dst: "payments/worker", port: 8080, eg: A, in: A, inBy: "Profile"},
	}},
	{name: "tiers: the end of a tier drops, unless defaultAction is Pass", policies: `
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: platform}
spec:
  order: 100
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: lenient}
spec:
  order: 200
  defaultAction: Pass
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: platform.monitoring}
spec:
  tier: platform
  selector: app == 'api'
  ingress:
  - action: Allow
    source:
      namespaceSelector: purpose == 'monitoring'
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: lenient.nothing}
spec:
  tier: lenient
  selector: app == 'worker'
  ingress:
  - action: Deny
    source:
      nets: [198.51.100.0/24]
`, rows: []dialectRow{
		{src: "monitoring/prometheus", dst: "payments/api", port: 8080, eg: A, in: A, inBy: "Allow Calico GlobalNetworkPolicy platform.monitoring (tier platform, order none) spec.ingress[0]"},
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "shop/frontend", dst: "payments/worker", port: 8080, eg: A, in: A, inBy: "Profile"},
		{src: "198.51.100.9", dst: "payments/worker", port: 8080, eg: A, in: D, inBy: "Deny Calico GlobalNetworkPolicy lenient.nothing (tier lenient, order none) spec.ingress[0]"},
	}},
	{name: "tiers: a tier netdoctor has no Tier object for is unknown", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: unread.deny}
spec:
  tier: unread
  selector: app == 'api'
  ingress:
  - action: Deny
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: U, inBy: "Tier object"},
	}},
	{name: "selectors: in, not in, has, !has, &&, ||, parentheses", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: selectors}
spec:
  order: 1
  selector: (app in {'api', 'worker'} && !has(canary)) || app == 'db'
  ingress:
  - action: Allow
    source:
      selector: app not in {'frontend'} && has(tier)
  - action: Deny
    source:
      selector: app == 'frontend' || app == 'prometheus'
`, rows: []dialectRow{
		{src: "shop/checkout", dst: "payments/api", port: 8080, eg: A, in: A, inBy: "Allow Calico GlobalNetworkPolicy selectors (tier default, order 1) spec.ingress[0]"},
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "Deny Calico GlobalNetworkPolicy selectors (tier default, order 1) spec.ingress[1]"},
		{src: "monitoring/prometheus", dst: "shop/db", port: 5432, eg: A, in: D, inBy: "spec.ingress[1]"},
		{src: "payments/worker", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: A, in: A, inBy: "not restricted"},
	}},
	{name: "selectors: projectcalico.org/namespace and pcns namespace labels", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: by-namespace}
spec:
  selector: projectcalico.org/namespace == 'payments'
  ingress:
  - action: Allow
    source:
      selector: pcns.team == 'shop'
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "dev/frontend", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "dev/frontend", dst: "shop/checkout", port: 9090, eg: A, in: A, inBy: "not restricted"},
	}},
	{name: "spec namespaceSelector and serviceAccountSelector of a GlobalNetworkPolicy", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: leia-only}
spec:
  namespaceSelector: projectcalico.org/name == 'default'
  serviceAccountSelector: projectcalico.org/name == 'leia'
  ingress:
  - action: Allow
    source:
      serviceAccounts:
        names: [luke]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: by-sa-labels}
spec:
  serviceAccountSelector: role == 'admin'
  ingress:
  - action: Deny
`, rows: []dialectRow{
		{src: "default/sa-luke", dst: "default/sa-leia", port: 80, eg: A, in: U, inBy: "serviceAccountSelector"},
		// Denied either way: by by-sa-labels if it applies, else at the end of the tier.
		{src: "default/frontend", dst: "default/sa-leia", port: 80, eg: A, in: D, inBy: "Deny"},
	}},
	{name: "serviceAccounts names in a rule", policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: leia, namespace: default}
spec:
  serviceAccountSelector: projectcalico.org/name == 'leia'
  ingress:
  - action: Allow
    source:
      serviceAccounts:
        names: [luke]
`, rows: []dialectRow{
		{src: "default/sa-luke", dst: "default/sa-leia", port: 80, eg: A, in: A, inBy: "Allow Calico NetworkPolicy default/leia (tier default, order none) spec.ingress[0]"},
		{src: "default/frontend", dst: "default/sa-leia", port: 80, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "default/sa-leia", dst: "default/sa-luke", port: 80, eg: A, in: A, inBy: "not restricted"},
	}},
	{name: "nets, notNets and notSelector", policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: edges, namespace: shop}
spec:
  selector: app == 'checkout'
  types: [Ingress, Egress]
  ingress:
  - action: Allow
    source:
      notSelector: app == 'frontend'
  egress:
  - action: Allow
    destination:
      nets: [10.0.0.0/8]
      notNets: [10.0.2.0/24]
`, rows: []dialectRow{
		{src: "shop/db", dst: "shop/checkout", port: 9090, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "payments/worker", dst: "shop/checkout", port: 9090, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "203.0.113.7", dst: "shop/checkout", port: 9090, eg: A, in: U, inBy: "NetworkSet"},
		{src: "shop/checkout", dst: "shop/db", port: 5432, eg: A, in: A, egBy: "spec.egress[0]"},
		{src: "shop/checkout", dst: "payments/api", port: 8080, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "shop/checkout", dst: "8.8.8.8", port: 53, proto: "UDP", eg: D, in: A, egBy: "DefaultDeny"},
	}},
	{name: "ports: numbers, ranges, names, notPorts, protocol numbers", policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: ports, namespace: shop}
spec:
  selector: app == 'checkout'
  ingress:
  - action: Allow
    protocol: 6
    destination:
      ports: ['9000:9090']
      notPorts: [9050]
  - action: Allow
    protocol: TCP
    destination:
      ports: [grpc]
  - action: Allow
    protocol: UDP
    destination:
      ports: [53]
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: A, in: A, inBy: "spec.ingress[0]"},
		{src: "shop/frontend", dst: "shop/checkout", port: 9050, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "shop/frontend", dst: "shop/checkout", port: 9091, eg: A, in: A, inBy: "spec.ingress[1]"},
		{src: "shop/frontend", dst: "shop/checkout", port: 53, proto: "UDP", eg: A, in: A, inBy: "spec.ingress[2]"},
		{src: "shop/frontend", dst: "shop/checkout", port: 53, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "shop/frontend", dst: "shop/checkout", port: 9090, proto: "UDP", eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "protocol, notProtocol, ipVersion, source ports", policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: l4, namespace: shop}
spec:
  selector: app == 'db'
  ingress:
  - action: Deny
    notProtocol: TCP
  - action: Allow
    ipVersion: 6
  - action: Allow
    source:
      ports: [1024]
`, rows: []dialectRow{
		{src: "shop/checkout", dst: "shop/db", port: 5432, proto: "UDP", eg: A, in: D, inBy: "Deny Calico NetworkPolicy shop/l4 (tier default, order none) spec.ingress[0]"},
		{src: "shop/checkout", dst: "shop/db", port: 5432, eg: A, in: U, inBy: "source port"},
	}},
	{name: "HTTP match on an Allow keeps the L4 verdict; on a Deny it is unknown", policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: http, namespace: payments}
spec:
  selector: app == 'api'
  ingress:
  - action: Allow
    source:
      selector: app == 'checkout'
    http:
      methods: [GET]
      paths:
      - prefix: /api
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: http-deny, namespace: payments}
spec:
  selector: app == 'worker'
  ingress:
  - action: Deny
    http:
      methods: [DELETE]
  - action: Allow
`, rows: []dialectRow{
		{src: "payments/checkout", dst: "payments/api", port: 8080, eg: A, in: A, inBy: "L7: Calico NetworkPolicy payments/http (tier default, order none) spec.ingress[0] allows 8080/TCP at L4, with an HTTP match"},
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: D, inBy: "DefaultDeny"},
		{src: "payments/checkout", dst: "payments/worker", port: 8080, eg: A, in: U, inBy: "http match on a Deny rule"},
	}},
	{name: "network sets: a selector on an outside address", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata:
  name: partners
  labels: {role: partner}
spec:
  nets: [198.51.100.0/24]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: partners-only, namespace: shop}
spec:
  selector: app == 'frontend'
  types: [Egress]
  egress:
  - action: Allow
    destination:
      namespaceSelector: global()
      selector: role == 'partner'
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "198.51.100.7", port: 443, eg: A, in: A, egBy: "Allow Calico NetworkPolicy shop/partners-only (tier default, order none) spec.egress[0]"},
		{src: "shop/frontend", dst: "203.0.113.7", port: 443, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: D, in: A, egBy: "DefaultDeny"},
	}},
	{name: "Calico's own listing of Kubernetes policies and staged kinds are not read", policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: default.only-web, namespace: shop}
spec:
  selector: app == 'checkout'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    source:
      selector: tier == 'web'
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: A, in: A, inBy: "Calico NetworkPolicy shop/default.only-web"},
		{src: "shop/db", dst: "shop/checkout", port: 9090, eg: A, in: D, inBy: "DefaultDeny"},
	}},
	{name: "doNotTrack and preDNAT policies only apply to host endpoints", policies: `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: untracked}
spec:
  selector: all()
  doNotTrack: true
  applyOnForward: true
  ingress:
  - action: Deny
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: A, in: A, inBy: "not restricted"},
		{src: "shop/frontend", dst: "shop/agent", port: 9100, eg: A, in: U, inBy: "host endpoint"},
	}},
	{name: "a selector function netdoctor does not know", policies: `
apiVersion: crd.projectcalico.org/v1
kind: GlobalNetworkPolicy
metadata: {name: default.future}
spec:
  selector: app == 'api' && future(x)
  ingress:
  - action: Allow
`, rows: []dialectRow{
		{src: "shop/frontend", dst: "payments/api", port: 8080, eg: A, in: U, inBy: "future"},
		{src: "shop/frontend", dst: "shop/checkout", port: 9090, eg: A, in: U, inBy: "future"},
	}},
	{name: "services match", policies: `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: to-db-service, namespace: shop}
spec:
  selector: app == 'checkout'
  types: [Egress]
  egress:
  - action: Allow
    destination:
      services: {name: db, namespace: shop}
---
` + svcYAML("shop", "db", "app=db", 5432, intstr.FromString("postgres")), rows: []dialectRow{
		{src: "shop/checkout", dst: "shop/db", port: 5432, eg: A, in: A, egBy: "Allow Calico NetworkPolicy shop/to-db-service (tier default, order none) spec.egress[0]"},
		{src: "shop/checkout", dst: "shop/db", port: 9187, eg: D, in: A, egBy: "DefaultDeny"},
		{src: "shop/checkout", dst: "payments/api", port: 8080, eg: D, in: A, egBy: "DefaultDeny"},
	}},
}

func TestCalicoTruthTable(t *testing.T) {
	t.Parallel()
	n := runDialectCases(t, calicoCases)
	t.Logf("%d Calico rows", n)
	if n < 90 {
		t.Errorf("the Calico truth table has %d rows; keep it at 90 or more", n)
	}
}

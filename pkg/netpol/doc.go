// Package netpol is an offline evaluator for networking.k8s.io/v1
// NetworkPolicy, the admin network policies and the Cilium and Calico policy kinds. It answers "may this connection happen, and if not, which
// policy stops it and why" without talking to a cluster: callers hand it the
// policies, pods and namespaces (from a live cluster or from manifests) and
// get back a structured, explainable verdict.
//
// The semantics follow the Kubernetes API documentation for NetworkPolicy
// exactly, because a diagnostic tool that is "mostly right" sends people
// chasing the wrong policy:
//
//  1. Isolation. A pod is isolated for a direction only when at least one
//     policy in its own namespace selects it (spec.podSelector; the empty
//     selector selects every pod of the namespace) and that direction is in
//     the policy's effective policyTypes. When policyTypes is omitted the API
//     server defaults it to Ingress, plus Egress when spec.egress is
//     non-empty; the engine applies the same default itself because offline
//     manifests reach it undefaulted (see EffectivePolicyTypes).
//  2. Default allow, additive allow-lists. A direction that is not isolated
//     is allowed. An isolated direction is allowed only if some rule of some
//     policy selecting the pod matches both the peer and the port. Policies
//     never subtract from each other; a policy with no rules for a direction
//     simply contributes nothing, which is how "default deny" works.
//  3. Peers. The entries of from/to are OR'd. Inside one entry podSelector
//     and namespaceSelector are AND'd. podSelector alone means pods in the
//     policy's namespace; namespaceSelector alone means every pod in the
//     matching namespaces; `namespaceSelector: {}` means every namespace. A
//     rule without peers matches every peer, external addresses included.
//     ipBlock matches IP addresses (pod IPs too) inside cidr and outside
//     every except; a pod without a known IP never matches an ipBlock.
//  4. Ports. A rule without ports matches every port. A port entry matches
//     by protocol (default TCP) and by number, by number range
//     (port..endPort), or by name. Named ports are resolved per destination
//     pod against its declared container ports, because two pods behind one
//     policy may give the same name different numbers.
//  5. hostNetwork pods share their node's network namespace, so pod and
//     namespace selectors never select them, neither as the subject of a
//     policy nor as a peer; they are seen as their node's IP and can only
//     match ipBlock peers or peer-less rules.
//  6. A connection from A to B needs A's egress and B's ingress to allow it.
//     External addresses have no policies of their own.
//
// Compile validates the policies the way the API server would (so invalid
// manifests are reported instead of silently misread), pre-converts every
// label selector with metav1.LabelSelectorAsSelector and indexes policies by
// namespace, so that Model.Evaluate is cheap enough to run for every pair of
// a large cluster. A Model is immutable and safe for concurrent use.
//
// Optionally, AdminNetworkPolicy and BaselineAdminNetworkPolicy
// (sigs.k8s.io/network-policy-api) can be layered around NetworkPolicy with
// CompileWithAdmin; they are modelled by the small AdminPolicy type rather
// than by importing that module.
//
// The network plugins' own kinds join the same model through CompileInput: Cilium's
// CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (cilium.go) and Calico's
// NetworkPolicy and GlobalNetworkPolicy with their Tiers and network sets (calico.go),
// decoded from unstructured objects into small local types (DecodeCiliumPolicy,
// DecodeCalicoPolicy). Where such a policy selects the subject, the direction is
// evaluated in that plugin's real order (plugin.go): for Cilium, NetworkPolicies and
// Cilium policies are one additive allow-list with Cilium's deny rules on top and
// default deny once any of them isolates the pod; for Calico, Kubernetes NetworkPolicies
// take their place in the default tier (order 1000) and the first matching rule by tier
// and order decides. The verdict carries the deciding rule (DirectionVerdict.Decision).
// Matching is three-valued: what the API does not show (DNS answers of toFQDNs, labels
// the plugin adds, objects not read) is "maybe", and a direction that depends on it is
// Unknown, never allowed. L7 rules only restrict the requests of a connection their L4
// rule allows: the L4 verdict stands and DirectionVerdict.L7 says so.
//
// Deliberately not modelled, because Kubernetes leaves them to the network
// plugin: traffic from a pod's own node (kubelet probes), which most plugins
// always allow; loopback inside a pod; and source/destination NAT in front
// of ipBlock matching (Service VIPs, LoadBalancers). Callers must pass the
// addresses as the policy engine would see them.
//
// The lint helpers (PolicySelectsNoPods, NamespaceSelectorsMatchingNothing,
// PolicyPeerAndOrConfusion, NamedPortsNotDeclared) and SuggestRule are pure
// functions meant for the scan and reach commands; they never print.
package netpol

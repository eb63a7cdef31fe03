// Code in this file is the finding catalog: the stable IDs of the product contract.
// Keep in the contract's order; an ID is never renamed, and a retired one stays here as a
// comment so that it is not reused.

package diag

// FindingID is a stable identifier from the catalog; runbooks branch on it.
type FindingID string

// Finding IDs of the contract, grouped as its tables are.
const (
	// ServiceNotFound: no such Service; evidence: similar names in the namespace, same name in other namespaces
	ServiceNotFound FindingID = "ServiceNotFound"
	// SelectorMatchesNoPods: selector matches no pod in the namespace; evidence: nearest pods and the differing label, pods matching in other namespaces
	SelectorMatchesNoPods FindingID = "SelectorMatchesNoPods"
	// NoReadyPods: pods match but none is Ready; evidence per pod: phase, container waiting/terminated reason, failing readiness, unschedulable message, terminating
	NoReadyPods FindingID = "NoReadyPods"
	// SomePodsNotReady: some matching pods are not Ready
	SomePodsNotReady FindingID = "SomePodsNotReady"
	// TargetPortNotFound: a named targetPort is not declared by the selected pods, so they are left out of that port's endpoints
	TargetPortNotFound FindingID = "TargetPortNotFound"
	// TargetPortMismatch: a numeric targetPort is declared by none of the selected pods while they declare other ports
	TargetPortMismatch FindingID = "TargetPortMismatch"
	// ProtocolMismatch: the Service port's protocol differs from the container port's
	ProtocolMismatch FindingID = "ProtocolMismatch"
	// EndpointSlicesOutOfSync: EndpointSlices disagree with the ready pods (missing, stale addresses, wrong ports): the EndpointSlice controller is lagging or broken
	EndpointSlicesOutOfSync FindingID = "EndpointSlicesOutOfSync"
	// SelectorlessServiceNoEndpoints: Service without selector and no EndpointSlices (or Endpoints) for it
	SelectorlessServiceNoEndpoints FindingID = "SelectorlessServiceNoEndpoints"
	// ExternalNameInvalid: type ExternalName whose externalName is an IP address, carries a scheme/port/path, or is not a valid DNS name
	ExternalNameInvalid FindingID = "ExternalNameInvalid"
	// LoadBalancerPending: type LoadBalancer with no ingress address in status; evidence: age, loadBalancerClass, Warning events
	LoadBalancerPending FindingID = "LoadBalancerPending"
	// ExternalTrafficPolicyLocalNoEndpoints: externalTrafficPolicy Local and some nodes have no ready endpoint (their NodePort traffic is dropped)
	ExternalTrafficPolicyLocalNoEndpoints FindingID = "ExternalTrafficPolicyLocalNoEndpoints"
	// InternalTrafficPolicyLocalNoEndpoints: internalTrafficPolicy Local and some nodes running clients have no local endpoint
	InternalTrafficPolicyLocalNoEndpoints FindingID = "InternalTrafficPolicyLocalNoEndpoints"
	// StatefulSetServiceNameMismatch: a selected StatefulSet's serviceName is missing or not headless, so per-pod DNS names do not exist
	StatefulSetServiceNameMismatch FindingID = "StatefulSetServiceNameMismatch"
	// ServiceEnvVarsMissing: a pod references NAME_SERVICE_HOST/PORT but was created before the Service, so the variables are absent
	ServiceEnvVarsMissing FindingID = "ServiceEnvVarsMissing"
	// NodePortOutOfRange: a nodePort outside the cluster's usual range, or one that clashes with another Service
	NodePortOutOfRange FindingID = "NodePortOutOfRange"
	// SessionAffinityWithoutSourceIP: sessionAffinity ClientIP on a NodePort/LoadBalancer Service with externalTrafficPolicy Cluster: the client IP is SNAT'd, so affinity pins per node, not per client
	SessionAffinityWithoutSourceIP FindingID = "SessionAffinityWithoutSourceIP"
	// ClusterDNSNotReady: the cluster DNS Service is missing, has no ready endpoints, or its pods are not Ready
	ClusterDNSNotReady FindingID = "ClusterDNSNotReady"
	// DNSEgressBlocked: egress NetworkPolicies on the pod do not allow UDP and TCP 53 to the cluster DNS pods
	DNSEgressBlocked FindingID = "DNSEgressBlocked"
	// HostNetworkDNSPolicy: hostNetwork pod with dnsPolicy ClusterFirst (cluster names won't resolve)
	HostNetworkDNSPolicy FindingID = "HostNetworkDNSPolicy"
	// DNSPolicyBypassesClusterDNS: a pod with dnsPolicy Default, or None without the cluster DNS server in dnsConfig, that talks to Services by name
	DNSPolicyBypassesClusterDNS FindingID = "DNSPolicyBypassesClusterDNS"
	// NdotsAmplification: names with fewer dots than ndots are tried against every search domain first
	NdotsAmplification FindingID = "NdotsAmplification"
	// IngressNotFound: no such Ingress (with similar names as evidence)
	IngressNotFound FindingID = "IngressNotFound"
	// IngressClassNotFound: ingressClassName (or the legacy annotation) names a class that does not exist
	IngressClassNotFound FindingID = "IngressClassNotFound"
	// IngressClassMissing: no class given and no default IngressClass
	IngressClassMissing FindingID = "IngressClassMissing"
	// MultipleDefaultIngressClasses: more than one IngressClass is marked default
	MultipleDefaultIngressClasses FindingID = "MultipleDefaultIngressClasses"
	// IngressNotAdmitted: no address in status: no controller has picked it up
	IngressNotAdmitted FindingID = "IngressNotAdmitted"
	// IngressBackendServiceNotFound: a backend Service does not exist
	IngressBackendServiceNotFound FindingID = "IngressBackendServiceNotFound"
	// IngressBackendPortNotFound: a backend port number/name is not a port of that Service
	IngressBackendPortNotFound FindingID = "IngressBackendPortNotFound"
	// IngressBackendNoEndpoints: a backend Service has no ready endpoints (the nested svc findings explain why)
	IngressBackendNoEndpoints FindingID = "IngressBackendNoEndpoints"
	// TLSSecretNotFound: a TLS secretName does not exist in the Ingress namespace
	TLSSecretNotFound FindingID = "TLSSecretNotFound"
	// TLSSecretInvalid: the secret is not kubernetes.io/tls, lacks tls.crt/tls.key, or does not parse
	TLSSecretInvalid FindingID = "TLSSecretInvalid"
	// TLSCertificateHostMismatch: the certificate does not cover a host the Ingress serves over TLS
	TLSCertificateHostMismatch FindingID = "TLSCertificateHostMismatch"
	// TLSCertificateExpired: the certificate is expired (TLSCertificateExpiringSoon, warning, under 14 days)
	TLSCertificateExpired FindingID = "TLSCertificateExpired"
	// TLSCertificateExpiringSoon: the certificate expires in under 14 days
	TLSCertificateExpiringSoon FindingID = "TLSCertificateExpiringSoon"
	// IngressRuleConflict: another Ingress of the same class claims the same host and path
	IngressRuleConflict FindingID = "IngressRuleConflict"
	// IngressControllerBlocked: NetworkPolicies stop the class's controller pods from reaching a backend's pods on the targetPort
	IngressControllerBlocked FindingID = "IngressControllerBlocked"
	// IngressCanaryWithoutMain: an ingress-nginx canary Ingress has no non-canary Ingress of the same class for its host and path, so the controller does not split traffic as intended
	IngressCanaryWithoutMain FindingID = "IngressCanaryWithoutMain"
	// IngressBackendProtocolMismatch: the nginx.ingress.kubernetes.io/backend-protocol annotation disagrees with the backend Service port's appProtocol or https/grpc port name: the usual cause of 502 Bad Gateway
	IngressBackendProtocolMismatch FindingID = "IngressBackendProtocolMismatch"
	// IngressRewriteWithoutRegex: rewrite-target uses capture groups ($1…) but the path is not a regex with those groups: every request is rewritten to a literal path
	IngressRewriteWithoutRegex FindingID = "IngressRewriteWithoutRegex"
	// RouteNotFound: no such route
	RouteNotFound FindingID = "RouteNotFound"
	// RouteParentNotFound: a parentRef names a Gateway that does not exist
	RouteParentNotFound FindingID = "RouteParentNotFound"
	// GatewayClassNotAccepted: the Gateway's class is missing or not Accepted
	GatewayClassNotAccepted FindingID = "GatewayClassNotAccepted"
	// RouteNotAllowedByListener: no listener of the parent admits the route (allowedRoutes namespaces/kinds, sectionName, port)
	RouteNotAllowedByListener FindingID = "RouteNotAllowedByListener"
	// RouteHostnameMismatch: route hostnames do not intersect the listener hostnames
	RouteHostnameMismatch FindingID = "RouteHostnameMismatch"
	// BackendRefNotPermitted: a cross-namespace backendRef has no ReferenceGrant allowing it
	BackendRefNotPermitted FindingID = "BackendRefNotPermitted"
	// RouteBackendNotFound: a backendRef Service does not exist or lacks the port
	RouteBackendNotFound FindingID = "RouteBackendNotFound"
	// RouteNotAccepted: the controller set Accepted=False or ResolvedRefs=False (reason and message as evidence)
	RouteNotAccepted FindingID = "RouteNotAccepted"
	// RouteBackendsZeroWeight: every backendRef of a rule has weight 0 (requests matching it get HTTP 500)
	RouteBackendsZeroWeight FindingID = "RouteBackendsZeroWeight"
	// GatewayListenerTLSInvalid: a listener's certificateRefs name a Secret that is missing, not kubernetes.io/tls, unparsable, expired, not covering the listener hostname, or in another namespace without a ReferenceGrant
	GatewayListenerTLSInvalid FindingID = "GatewayListenerTLSInvalid"
	// GatewayNotProgrammed: the parent Gateway is Programmed=False, or the listener the route attaches to has Accepted, Programmed or ResolvedRefs False (reason and message as evidence)
	GatewayNotProgrammed FindingID = "GatewayNotProgrammed"
	// IngressDenied: policies selecting TO isolate it for ingress and none admits FROM on that port; evidence: each policy and why it does not match
	IngressDenied FindingID = "IngressDenied"
	// EgressDenied: policies selecting FROM isolate it for egress and none allows TO on that port
	EgressDenied FindingID = "EgressDenied"
	// PolicyUsesServicePort: a policy allows the Service port but the pods listen on a different targetPort (policies see the pod port)
	PolicyUsesServicePort FindingID = "PolicyUsesServicePort"
	// PolicySelectsNoPods: a policy's podSelector matches no pod
	PolicySelectsNoPods FindingID = "PolicySelectsNoPods"
	// NamespaceSelectorMatchesNoNamespaces: a peer namespaceSelector matches no namespace (hint: kubernetes.io/metadata.name)
	NamespaceSelectorMatchesNoNamespaces FindingID = "NamespaceSelectorMatchesNoNamespaces"
	// PolicyPeerAndOrConfusion: a rule lists podSelector and namespaceSelector as separate peers (OR) where one peer (AND) is likely meant
	PolicyPeerAndOrConfusion FindingID = "PolicyPeerAndOrConfusion"
	// NamedPortNotFound: a policy port name is not declared by the selected pods
	NamedPortNotFound FindingID = "NamedPortNotFound"
	// NetworkPolicyNotEnforced: policies exist but no known policy-enforcing network plugin is detected
	NetworkPolicyNotEnforced FindingID = "NetworkPolicyNotEnforced"
	// PolicyNotEvaluated: a policy of a kind or with a rule netdoctor does not evaluate selects FROM or TO; the direction it decides is unknown, never allowed (reach exits 2 when that decides the verdict)
	PolicyNotEvaluated FindingID = "PolicyNotEvaluated"
	// HostNetworkNotIsolated: FROM or TO runs with hostNetwork: NetworkPolicy pod selectors do not apply to it; it is seen as its node's IP
	HostNetworkNotIsolated FindingID = "HostNetworkNotIsolated"
	// KubeProxyNotReady: the node's Service proxy (kube-proxy, or the CNI's replacement) is not Ready on nodes that run the Service's clients (for reach: FROM's node, then severity error); ClusterIP/NodePort traffic from those nodes is not forwarded
	KubeProxyNotReady FindingID = "KubeProxyNotReady"
	// NodeNetworkNotReady: ready endpoints sit on nodes whose pod network is not ready (node NotReady, NetworkUnavailable=True, or the CNI agent pod on that node not Ready); severity error when that holds for every ready endpoint
	NodeNetworkNotReady FindingID = "NodeNetworkNotReady"
	// PermissionDenied: the tool was not allowed to read something a check needs; that check is unknown
	PermissionDenied FindingID = "PermissionDenied"
	// APIError: the API server failed or timed out on a read; that check is unknown
	APIError FindingID = "APIError"
)

// CatalogEntry is what the catalog knows of an ID.
type CatalogEntry struct {
	Severity Severity
	Summary  string
}

// Catalog maps every finding ID to its default severity and one-line rule.
var Catalog = map[FindingID]CatalogEntry{
	ServiceNotFound:                       {SeverityError, "no such Service; evidence: similar names in the namespace, same name in other namespaces"},
	SelectorMatchesNoPods:                 {SeverityError, "selector matches no pod in the namespace; evidence: nearest pods and the differing label, pods matching in other namespaces"},
	NoReadyPods:                           {SeverityError, "pods match but none is Ready; evidence per pod: phase, container waiting/terminated reason, failing readiness, unschedulable message, terminating"},
	SomePodsNotReady:                      {SeverityWarning, "some matching pods are not Ready"},
	TargetPortNotFound:                    {SeverityError, "a named targetPort is not declared by the selected pods, so they are left out of that port's endpoints"},
	TargetPortMismatch:                    {SeverityWarning, "a numeric targetPort is declared by none of the selected pods while they declare other ports"},
	ProtocolMismatch:                      {SeverityWarning, "the Service port's protocol differs from the container port's"},
	EndpointSlicesOutOfSync:               {SeverityError, "EndpointSlices disagree with the ready pods (missing, stale addresses, wrong ports): the EndpointSlice controller is lagging or broken"},
	SelectorlessServiceNoEndpoints:        {SeverityError, "Service without selector and no EndpointSlices (or Endpoints) for it"},
	ExternalNameInvalid:                   {SeverityError, "type ExternalName whose externalName is an IP address, carries a scheme/port/path, or is not a valid DNS name"},
	LoadBalancerPending:                   {SeverityWarning, "type LoadBalancer with no ingress address in status; evidence: age, loadBalancerClass, Warning events"},
	ExternalTrafficPolicyLocalNoEndpoints: {SeverityWarning, "externalTrafficPolicy Local and some nodes have no ready endpoint (their NodePort traffic is dropped)"},
	InternalTrafficPolicyLocalNoEndpoints: {SeverityWarning, "internalTrafficPolicy Local and some nodes running clients have no local endpoint"},
	StatefulSetServiceNameMismatch:        {SeverityError, "a selected StatefulSet's serviceName is missing or not headless, so per-pod DNS names do not exist"},
	ServiceEnvVarsMissing:                 {SeverityWarning, "a pod references NAME_SERVICE_HOST/PORT but was created before the Service, so the variables are absent"},
	NodePortOutOfRange:                    {SeverityWarning, "a nodePort outside the cluster's usual range, or one that clashes with another Service"},
	SessionAffinityWithoutSourceIP:        {SeverityWarning, "sessionAffinity ClientIP on a NodePort/LoadBalancer Service with externalTrafficPolicy Cluster: the client IP is SNAT'd, so affinity pins per node, not per client"},
	ClusterDNSNotReady:                    {SeverityError, "the cluster DNS Service is missing, has no ready endpoints, or its pods are not Ready"},
	DNSEgressBlocked:                      {SeverityError, "egress NetworkPolicies on the pod do not allow UDP and TCP 53 to the cluster DNS pods"},
	HostNetworkDNSPolicy:                  {SeverityWarning, "hostNetwork pod with dnsPolicy ClusterFirst (cluster names won't resolve)"},
	DNSPolicyBypassesClusterDNS:           {SeverityWarning, "a pod with dnsPolicy Default, or None without the cluster DNS server in dnsConfig, that talks to Services by name"},
	NdotsAmplification:                    {SeverityInfo, "names with fewer dots than ndots are tried against every search domain first"},
	IngressNotFound:                       {SeverityError, "no such Ingress (with similar names as evidence)"},
	IngressClassNotFound:                  {SeverityError, "ingressClassName (or the legacy annotation) names a class that does not exist"},
	IngressClassMissing:                   {SeverityError, "no class given and no default IngressClass"},
	MultipleDefaultIngressClasses:         {SeverityWarning, "more than one IngressClass is marked default"},
	IngressNotAdmitted:                    {SeverityWarning, "no address in status: no controller has picked it up"},
	IngressBackendServiceNotFound:         {SeverityError, "a backend Service does not exist"},
	IngressBackendPortNotFound:            {SeverityError, "a backend port number/name is not a port of that Service"},
	IngressBackendNoEndpoints:             {SeverityError, "a backend Service has no ready endpoints (the nested svc findings explain why)"},
	TLSSecretNotFound:                     {SeverityError, "a TLS secretName does not exist in the Ingress namespace"},
	TLSSecretInvalid:                      {SeverityError, "the secret is not kubernetes.io/tls, lacks tls.crt/tls.key, or does not parse"},
	TLSCertificateHostMismatch:            {SeverityError, "the certificate does not cover a host the Ingress serves over TLS"},
	TLSCertificateExpiringSoon:            {SeverityWarning, "the certificate expires in under 14 days"},
	TLSCertificateExpired:                 {SeverityError, "the certificate is expired (TLSCertificateExpiringSoon, warning, under 14 days)"},
	IngressRuleConflict:                   {SeverityWarning, "another Ingress of the same class claims the same host and path"},
	IngressControllerBlocked:              {SeverityError, "NetworkPolicies stop the class's controller pods from reaching a backend's pods on the targetPort"},
	IngressCanaryWithoutMain:              {SeverityWarning, "an ingress-nginx canary Ingress (nginx.ingress.kubernetes.io/canary: \"true\") has no non-canary Ingress of the same class for its host and path, so the controller does not split traffic as intended"},
	IngressBackendProtocolMismatch:        {SeverityWarning, "the nginx.ingress.kubernetes.io/backend-protocol annotation (HTTP, HTTPS, GRPC, GRPCS) disagrees with the backend Service port's appProtocol or https/grpc port name: the usual cause of 502 Bad Gateway"},
	IngressRewriteWithoutRegex:            {SeverityWarning, "rewrite-target uses capture groups ($1…) but the path is not a regex (use-regex unset and no regex characters): every request is rewritten to a literal path"},
	RouteNotFound:                         {SeverityError, "no such route"},
	RouteParentNotFound:                   {SeverityError, "a parentRef names a Gateway that does not exist"},
	GatewayClassNotAccepted:               {SeverityError, "the Gateway's class is missing or not Accepted"},
	RouteNotAllowedByListener:             {SeverityError, "no listener of the parent admits the route (allowedRoutes namespaces/kinds, sectionName, port)"},
	RouteHostnameMismatch:                 {SeverityError, "route hostnames do not intersect the listener hostnames"},
	BackendRefNotPermitted:                {SeverityError, "a cross-namespace backendRef has no ReferenceGrant allowing it"},
	RouteBackendNotFound:                  {SeverityError, "a backendRef Service does not exist or lacks the port"},
	RouteNotAccepted:                      {SeverityError, "the controller set Accepted=False or ResolvedRefs=False (reason and message as evidence)"},
	RouteBackendsZeroWeight:               {SeverityError, "every backendRef of a rule has weight 0 (requests matching it get HTTP 500)"},
	GatewayListenerTLSInvalid:             {SeverityError, "a listener's certificateRefs name a Secret that is missing, not kubernetes.io/tls, unparsable, expired, not covering the listener hostname, or in another namespace without a ReferenceGrant"},
	GatewayNotProgrammed:                  {SeverityError, "the parent Gateway is Programmed=False, or the listener the route attaches to has Accepted, Programmed or ResolvedRefs False (reason and message as evidence)"},
	IngressDenied:                         {SeverityError, "policies selecting TO isolate it for ingress and none admits FROM on that port; evidence: each policy and why it does not match"},
	EgressDenied:                          {SeverityError, "policies selecting FROM isolate it for egress and none allows TO on that port"},
	PolicyUsesServicePort:                 {SeverityWarning, "a policy allows the Service port but the pods listen on a different targetPort (policies see the pod port)"},
	PolicySelectsNoPods:                   {SeverityWarning, "a policy's podSelector matches no pod"},
	NamespaceSelectorMatchesNoNamespaces:  {SeverityWarning, "a peer namespaceSelector matches no namespace (hint: kubernetes.io/metadata.name)"},
	PolicyPeerAndOrConfusion:              {SeverityInfo, "a rule lists podSelector and namespaceSelector as separate peers (OR) where one peer (AND) is likely meant"},
	NamedPortNotFound:                     {SeverityWarning, "a policy port name is not declared by the selected pods"},
	NetworkPolicyNotEnforced:              {SeverityWarning, "policies exist but no known policy-enforcing network plugin is detected"},
	PolicyNotEvaluated:                    {SeverityWarning, "a policy of a kind or with a rule netdoctor does not evaluate (e.g. Cilium L7 or toFQDNs, an unknown Calico selector function) selects FROM or TO; the direction it decides is unknown, never allowed (reach exits 2 when that decides the verdict)"},
	HostNetworkNotIsolated:                {SeverityInfo, "FROM or TO runs with hostNetwork: NetworkPolicy pod selectors do not apply to it; it is seen as its node's IP"},
	KubeProxyNotReady:                     {SeverityWarning, "the node's Service proxy (kube-proxy, or the CNI's replacement such as Cilium with kube-proxy replacement) is not Ready on nodes that run the Service's clients (for reach: FROM's node, then severity error); ClusterIP/NodePort traffic from those nodes is not forwarded"},
	NodeNetworkNotReady:                   {SeverityWarning, "ready endpoints sit on nodes whose pod network is not ready (node NotReady, NetworkUnavailable=True, or the CNI agent pod on that node not Ready); severity error when that holds for every ready endpoint"},
	PermissionDenied:                      {SeverityWarning, "the tool was not allowed to read something a check needs; that check is unknown"},
	APIError:                              {SeverityWarning, "the API server failed or timed out on a read; that check is unknown"},
}

// CatalogOrder lists the IDs in the contract's order, for docs and deterministic output.
var CatalogOrder = []FindingID{
	ServiceNotFound,
	SelectorMatchesNoPods,
	NoReadyPods,
	SomePodsNotReady,
	TargetPortNotFound,
	TargetPortMismatch,
	ProtocolMismatch,
	EndpointSlicesOutOfSync,
	SelectorlessServiceNoEndpoints,
	ExternalNameInvalid,
	LoadBalancerPending,
	ExternalTrafficPolicyLocalNoEndpoints,
	InternalTrafficPolicyLocalNoEndpoints,
	StatefulSetServiceNameMismatch,
	ServiceEnvVarsMissing,
	NodePortOutOfRange,
	SessionAffinityWithoutSourceIP,
	ClusterDNSNotReady,
	DNSEgressBlocked,
	HostNetworkDNSPolicy,
	DNSPolicyBypassesClusterDNS,
	NdotsAmplification,
	IngressNotFound,
	IngressClassNotFound,
	IngressClassMissing,
	MultipleDefaultIngressClasses,
	IngressNotAdmitted,
	IngressBackendServiceNotFound,
	IngressBackendPortNotFound,
	IngressBackendNoEndpoints,
	TLSSecretNotFound,
	TLSSecretInvalid,
	TLSCertificateHostMismatch,
	TLSCertificateExpired,
	TLSCertificateExpiringSoon,
	IngressRuleConflict,
	IngressControllerBlocked,
	IngressCanaryWithoutMain,
	IngressBackendProtocolMismatch,
	IngressRewriteWithoutRegex,
	RouteNotFound,
	RouteParentNotFound,
	GatewayClassNotAccepted,
	RouteNotAllowedByListener,
	RouteHostnameMismatch,
	BackendRefNotPermitted,
	RouteBackendNotFound,
	RouteNotAccepted,
	RouteBackendsZeroWeight,
	GatewayListenerTLSInvalid,
	GatewayNotProgrammed,
	IngressDenied,
	EgressDenied,
	PolicyUsesServicePort,
	PolicySelectsNoPods,
	NamespaceSelectorMatchesNoNamespaces,
	PolicyPeerAndOrConfusion,
	NamedPortNotFound,
	NetworkPolicyNotEnforced,
	PolicyNotEvaluated,
	HostNetworkNotIsolated,
	KubeProxyNotReady,
	NodeNetworkNotReady,
	PermissionDenied,
	APIError,
}

// Severity is the catalog severity of the ID; an unknown ID is an error so that a typo
// never hides a problem.
func (id FindingID) Severity() Severity {
	if e, ok := Catalog[id]; ok {
		return e.Severity
	}
	return SeverityError
}

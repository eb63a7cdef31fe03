package printer

import "github.com/netdoctor/kubectl-netdoctor/pkg/diag"

// Reports the printer tests render. They are built the way the engine builds them (Add in
// walk order, then Finalize) so that sorting and the root cause come from diag.

var (
	svcPayments = diag.ObjectRef{Kind: "Service", Namespace: "shop", Name: "payments"}
	podPayments = diag.ObjectRef{Kind: "Pod", Namespace: "shop", Name: "payments-7c9-abcde"}
)

// failingSvcReport: no pod Ready, plus a warning and an info, with skipped checks.
func failingSvcReport() diag.Report {
	r := diag.NewReport("svc", svcPayments)
	r.Checks = []diag.CheckResult{
		{ID: "service.exists", Status: diag.StatusPass, Detail: "Service shop/payments exists (ClusterIP 10.0.0.12, ports 80→http/TCP)"},
		{ID: "service.selector", Status: diag.StatusPass, Detail: "selector app=payments matches 3 pods",
			Details: []string{"payments-7c9-abcde", "payments-7c9-fghij", "payments-7c9-klmno"}},
		{ID: "service.readiness", Status: diag.StatusFail, Detail: "0 of 3 pods Ready", Details: []string{
			"payments-7c9-abcde: CrashLoopBackOff (restarts 7), last exit 1 Error",
			"payments-7c9-fghij: CrashLoopBackOff (restarts 6), last exit 1 Error",
			"payments-7c9-klmno: Pending: 0/3 nodes are available: 3 Insufficient cpu",
		}},
		{ID: "service.ports", Status: diag.StatusSkip, Detail: "needs service.readiness"},
		{ID: "service.endpointslices", Status: diag.StatusSkip, Detail: "skipped: needs service.readiness"},
		{ID: "service.affinity", Status: diag.StatusWarn, Detail: "sessionAffinity ClientIP with externalTrafficPolicy Cluster"},
		{ID: "dns.names", Status: diag.StatusPass, Detail: "payments.shop.svc.cluster.local"},
	}
	r.Add(
		diag.New(diag.NdotsAmplification, svcPayments, "clients with ndots 5 try payments against 3 search domains first").
			WithFix("use the fully qualified name payments.shop.svc.cluster.local."),
		diag.New(diag.SessionAffinityWithoutSourceIP, svcPayments,
			"Service shop/payments pins sessions per node, not per client: the client IP is SNAT'd").
			WithEvidence("type NodePort, sessionAffinity ClientIP, externalTrafficPolicy Cluster").
			WithFix("set externalTrafficPolicy: Local, or drop sessionAffinity"),
		diag.New(diag.NoReadyPods, svcPayments,
			"Service shop/payments has 3 matching pods but none is Ready (payments-7c9-abcde: CrashLoopBackOff).").
			WithEvidence(
				"payments-7c9-abcde: Running, container app CrashLoopBackOff (restarts 7), last exit 1 Error",
				"payments-7c9-fghij: Running, container app CrashLoopBackOff (restarts 6), last exit 1 Error",
				"payments-7c9-klmno: Pending: 0/3 nodes are available:\n3 Insufficient cpu",
			).
			WithFix("fix the crashing container; the Service sends traffic only to Ready pods").
			WithCommands(
				"kubectl logs -n shop payments-7c9-abcde --previous",
				"kubectl describe pod -n shop payments-7c9-abcde",
			),
	)
	r.Notes = []string{
		"clients in shop: payments",
		"clients elsewhere: payments.shop.svc.cluster.local",
	}
	r.Finalize()
	return r
}

// healthySvcReport: every check passes, nothing found.
func healthySvcReport() diag.Report {
	r := diag.NewReport("svc", svcPayments)
	r.Checks = []diag.CheckResult{
		{ID: "service.exists", Status: diag.StatusPass, Detail: "Service shop/payments exists (ClusterIP 10.0.0.12, ports 80→http/TCP)"},
		{ID: "service.selector", Status: diag.StatusPass, Detail: "selector app=payments matches 3 pods",
			Details: []string{"payments-7c9-abcde", "payments-7c9-fghij", "payments-7c9-klmno"}},
		{ID: "service.readiness", Status: diag.StatusPass, Detail: "3 of 3 pods Ready"},
		{ID: "service.ports", Status: diag.StatusPass, Detail: "80→http resolves to 8080/TCP on 3 pods"},
		{ID: "service.endpointslices", Status: diag.StatusPass, Detail: "3 ready endpoints in 1 EndpointSlice"},
	}
	r.Notes = []string{"clients elsewhere: payments.shop.svc.cluster.local"}
	r.Finalize()
	return r
}

// ingressVerboseReport: nested backend checks (Depth), an unknown check and an info,
// printed with Verbose so passed checks show their details.
func ingressVerboseReport() diag.Report {
	ing := diag.ObjectRef{Kind: "Ingress", Namespace: "shop", Name: "web"}
	r := diag.NewReport("ingress", ing)
	r.Checks = []diag.CheckResult{
		{ID: "ingress.class", Status: diag.StatusPass, Detail: "class nginx (default)"},
		{ID: "ingress.admission", Status: diag.StatusPass, Detail: "address 203.0.113.10"},
		{ID: "ingress.backends", Status: diag.StatusPass, Detail: "1 rule, 2 paths",
			Details: []string{"shop.example.com/ → payments:80", "shop.example.com/api → payments:80"}},
		{ID: "service.selector", Status: diag.StatusPass, Depth: 1, Detail: "selector app=payments matches 2 pods",
			Details: []string{"payments-7c9-abcde", "payments-7c9-fghij"}},
		{ID: "service.readiness", Status: diag.StatusPass, Depth: 1, Detail: "2 of 2 pods Ready"},
		{ID: "service.endpointslices", Status: diag.StatusPass, Depth: 1, Detail: "2 ready endpoints"},
		{ID: "ingress.tls", Status: diag.StatusUnknown, Detail: "could not read Secret shop/web-tls",
			Details: []string{"secrets \"web-tls\" is forbidden: User \"viewer\" cannot get resource \"secrets\""}},
	}
	r.Add(
		diag.New(diag.PermissionDenied, diag.ObjectRef{Kind: "Secret", Namespace: "shop", Name: "web-tls"},
			"not allowed to get Secret shop/web-tls: TLS for shop.example.com was not checked").
			WithFix("ask for get on secrets in shop, or check the certificate yourself").
			WithCommands("kubectl auth can-i get secrets -n shop"),
		diag.New(diag.HostNetworkNotIsolated, podPayments, "Pod shop/payments-7c9-abcde runs with hostNetwork"),
	)
	r.Finalize()
	return r
}

// reachDeniedReport: one port denied by ingress policy, one allowed.
func reachDeniedReport() diag.Report {
	r := diag.NewReport("reach", svcPayments)
	r.Checks = []diag.CheckResult{
		{ID: "reach.peers", Status: diag.StatusPass, Detail: "from Deployment shop/checkout (2 pods) to Service shop/payments (3 pods)"},
		{ID: "reach.egress", Status: diag.StatusPass, Detail: "no egress policy selects checkout"},
		{ID: "reach.ingress", Status: diag.StatusFail, Detail: "8000/TCP denied by 1 policy",
			Details: []string{"NetworkPolicy shop/payments-allow-frontend: from app=frontend only"}},
		{ID: "reach.dns", Status: diag.StatusPass, Detail: "egress to kube-dns on 53/UDP and 53/TCP allowed"},
	}
	r.Add(
		diag.New(diag.IngressDenied, svcPayments,
			"NetworkPolicies on Service shop/payments's pods do not admit Deployment shop/checkout on 8000/TCP.").
			WithEvidence(
				"NetworkPolicy shop/payments-allow-frontend selects app=payments and allows only pods with app=frontend",
				"checkout pods have app=checkout",
			).
			WithFix("add an ingress rule for app=checkout on port 8000 to shop/payments-allow-frontend").
			WithCommands("kubectl get networkpolicy -n shop payments-allow-frontend -o yaml"),
		diag.New(diag.PolicyPeerAndOrConfusion, diag.ObjectRef{Kind: "NetworkPolicy", Namespace: "shop", Name: "payments-allow-frontend"},
			"rule 1 lists podSelector and namespaceSelector as two peers (OR)"),
	)
	r.Reach = &diag.Reach{Allowed: false, Ports: []diag.PortVerdict{
		{Port: 8000, Protocol: "TCP", Allowed: false, DeniedBy: "ingress"},
		{Port: 8443, Name: "https", Protocol: "TCP", Allowed: true},
	}}
	r.Finalize()
	return r
}

// scanReport: objects with errors, warnings only, an unknown check, only an info, and
// none; given in scan order, not worst first.
func scanReport() diag.ScanReport {
	web := diag.ObjectRef{Kind: "Ingress", Namespace: "shop", Name: "web"}
	warnOnly := diag.NewReport("ingress", web)
	warnOnly.Checks = []diag.CheckResult{{ID: "ingress.admission", Status: diag.StatusWarn}}
	warnOnly.Add(diag.New(diag.IngressNotAdmitted, web, "Ingress shop/web has no address: no controller has picked it up"))
	warnOnly.Finalize()

	infoOnly := diag.NewReport("svc", diag.ObjectRef{Kind: "Service", Namespace: "shop", Name: "cart"})
	infoOnly.Add(diag.New(diag.NdotsAmplification, infoOnly.Target, "clients try cart against 3 search domains first"))
	infoOnly.Finalize()

	nets := diag.ObjectRef{Kind: "Service", Namespace: "shop", Name: "search"}
	unknown := diag.NewReport("svc", nets)
	unknown.Checks = []diag.CheckResult{
		{ID: "service.exists", Status: diag.StatusPass},
		{ID: "service.endpointslices", Status: diag.StatusUnknown},
	}
	unknown.Add(diag.New(diag.PermissionDenied, nets, "not allowed to list EndpointSlices in shop"))
	unknown.Finalize()

	return diag.ScanReport{
		APIVersion: diag.APIVersion, Kind: diag.KindScanReport,
		Reports: []diag.Report{warnOnly, healthySvcReport(), infoOnly, failingSvcReport(), unknown},
	}
}

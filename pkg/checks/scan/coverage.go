package scan

import "github.com/netdoctor/kubectl-netdoctor/pkg/diag"

// TargetedOnly are the findings a targeted command raises that scan does not, by
// command, each with the reason. Every one is about the argument the user typed, not
// about an object scan finds: a name that does not exist, or the FROM→TO pair of one
// `reach` query (scan chooses no pair: every pod pair of a namespace is not a question
// anyone asked). Any other finding a targeted command raises, scan raises over the
// same input; the parity tests (pkg/checks/scan, test/schema) hold it to that.
var TargetedOnly = map[string]map[diag.FindingID]string{
	"svc":     {diag.ServiceNotFound: "the Service named on the command line does not exist; scan diagnoses the Services that do"},
	"ingress": {diag.IngressNotFound: "the Ingress named on the command line does not exist; scan diagnoses the Ingresses that do"},
	"route":   {diag.RouteNotFound: "the route named on the command line does not exist; scan diagnoses the routes that do"},
	"reach": {
		diag.IngressDenied:          "the verdict on the FROM→TO pair of the query",
		diag.EgressDenied:           "the verdict on the FROM→TO pair of the query",
		diag.PolicyUsesServicePort:  "raised when a rule written with the Service port is why the FROM→TO pair of the query is denied (it re-evaluates that pair's traffic on the Service port)",
		diag.HostNetworkNotIsolated: "says that FROM or TO of the query runs on the host network, as part of the explanation of that pair's verdict",
		// Where such a policy decides a question scan asks, scan raises it: a Service's
		// pods' ingress (svc), a workload's DNS egress (dns).
		diag.PolicyNotEvaluated: "a policy netdoctor does not evaluate decides the FROM→TO pair of the query (the port, or the outside address, the user chose)",
	},
}

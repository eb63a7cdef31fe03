package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/scan"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

const scanExample = `  # Every problem in namespace shop, worst first
  kubectl netdoctor scan -n shop

  # The whole cluster, errors only
  kubectl netdoctor scan -A --min-severity error

  # Gate a CI pipeline on manifests; SARIF for code-scanning UIs
  kubectl netdoctor scan -f manifests/ -o sarif > netdoctor.sarif

  # Silence a known finding everywhere, or on one object
  kubectl netdoctor scan -A --suppress NdotsAmplification --suppress LoadBalancerPending=Service/shop/legacy`

// ScanOptions runs every diagnosis over a namespace or the cluster.
type ScanOptions struct {
	*CommonOptions
	AllNamespaces bool
	MinSeverity   string
	Suppress      []string

	suppressions []suppression
	minRank      int
}

// suppression silences one finding ID, everywhere or on one object.
type suppression struct {
	id  diag.FindingID
	obj *diag.ObjectRef
}

// NewCmdScan builds `kubectl netdoctor scan`.
func NewCmdScan(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &ScanOptions{CommonOptions: NewCommonOptions(flags, streams), MinSeverity: string(diag.SeverityInfo)}
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Run every check over a namespace (-n) or the cluster (-A)",
		Long: `Runs every check over the namespace (-n) or the cluster (-A): each Service, Ingress,
Gateway and route as svc, ingress and route diagnose them, the NetworkPolicy lints and whether
a network plugin enforces the policies, the IngressClasses, the cluster DNS, the DNS settings
and DNS egress of each workload's pods as dns diagnoses them, and each node's Service proxy.
It prints one line per problem grouped by object, worst first; a problem shared by many
objects (a Gateway, the IngressClasses, a node) is reported once, under the object to fix.
The cluster is read once: one paginated list per kind, shared by all checks.

With -A, a user who may not list across the cluster but may list the Namespaces gets each
namespace they can read diagnosed on its own, and one PermissionDenied report per namespace
they cannot; the exit code then comes from what was diagnosed.`,
		Example: scanExample,
		Args:    exactArgs(0, "no arguments (use -n or -A)"),
		RunE:    runE(o),
	}
	o.AddFlags(cmd)
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Scan every namespace")
	cmd.Flags().StringVar(&o.MinSeverity, "min-severity", o.MinSeverity, "Report only findings at least this severe: error, warning or info")
	cmd.Flags().StringArrayVar(&o.Suppress, "suppress", nil, "Silence a finding: ID, or ID=KIND/NAMESPACE/NAME for one object (repeatable)")
	return cmd
}

// Complete validates the flags, then builds the shared I/O.
func (o *ScanOptions) Complete(c *cobra.Command, _ []string) error {
	return o.completeWith(c.CommandPath(), o.parseFilters)
}

func (o *ScanOptions) parseFilters(cmdPath string) error {
	switch diag.Severity(o.MinSeverity) {
	case diag.SeverityError, diag.SeverityWarning, diag.SeverityInfo:
		o.minRank = diag.Severity(o.MinSeverity).Rank()
	default:
		return UsageErrorf(cmdPath, "unknown --min-severity %q: must be one of error, warning, info", o.MinSeverity)
	}
	for _, s := range o.Suppress {
		id, target, hasTarget := strings.Cut(s, "=")
		if _, ok := diag.Catalog[diag.FindingID(id)]; !ok {
			return UsageErrorf(cmdPath, "--suppress %q: %q is not a finding ID (see docs/checks.md)", s, id)
		}
		sup := suppression{id: diag.FindingID(id)}
		if hasTarget {
			parts := strings.Split(target, "/")
			if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
				return UsageErrorf(cmdPath, "--suppress %q: the object must be KIND/NAMESPACE/NAME", s)
			}
			sup.obj = &diag.ObjectRef{Kind: parts[0], Namespace: parts[1], Name: parts[2]}
		}
		o.suppressions = append(o.suppressions, sup)
	}
	return nil
}

// Validate checks the options; flag values were checked before any I/O in Complete.
func (o *ScanOptions) Validate() error { return nil }

// Run scans, filters and prints.
func (o *ScanOptions) Run(ctx context.Context) error {
	defer o.PrintStats(time.Now())
	namespace := o.Namespace
	if o.AllNamespaces {
		namespace = source.AllNamespaces
	}
	result, err := scan.Run(ctx, o.Source, scan.Options{Namespace: namespace})
	if err != nil {
		return err
	}
	suppressed := o.filter(&result)
	for i := range result.Reports {
		o.Locate(&result.Reports[i])
	}
	if suppressed > 0 {
		fmt.Fprintf(o.Streams.ErrOut, "suppressed %d finding(s) with --suppress\n", suppressed)
	}
	if err := o.Printer.PrintScan(o.Streams.Out, result); err != nil {
		return err
	}
	if result.Summary.Errors > 0 {
		return ErrFindings
	}
	return nil
}

// filter drops findings below --min-severity and those --suppress names, recounts,
// and returns how many were suppressed (the severity filter is not counted: it is a view).
func (o *ScanOptions) filter(result *diag.ScanReport) int {
	suppressed := 0
	for i := range result.Reports {
		r := &result.Reports[i]
		kept := r.Findings[:0]
		for _, f := range r.Findings {
			switch {
			case o.suppresses(f):
				suppressed++
			case f.Severity.Rank() <= o.minRank:
				kept = append(kept, f)
			}
		}
		r.Findings = kept
		r.Summary = diag.Summary{}
		for _, f := range r.Findings {
			switch f.Severity {
			case diag.SeverityError:
				r.Summary.Errors++
			case diag.SeverityWarning:
				r.Summary.Warnings++
			default:
				r.Summary.Infos++
			}
		}
		if len(r.Findings) == 0 || r.Findings[0].Severity == diag.SeverityInfo {
			r.RootCause = ""
		} else {
			r.RootCause = r.Findings[0].Message
		}
	}
	result.Summary = diag.Summary{}
	for _, r := range result.Reports {
		result.Summary.Errors += r.Summary.Errors
		result.Summary.Warnings += r.Summary.Warnings
		result.Summary.Infos += r.Summary.Infos
	}
	return suppressed
}

func (o *ScanOptions) suppresses(f diag.Finding) bool {
	for _, s := range o.suppressions {
		if s.id == f.ID && (s.obj == nil || *s.obj == f.Object) {
			return true
		}
	}
	return false
}

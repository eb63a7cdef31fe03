package cmd

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/explain"
)

const explainExample = `  # A finding said "NoReadyPods": what it means, why it happens, how to fix it
  kubectl netdoctor explain NoReadyPods

  # Every finding ID with its severity (runbooks branch on these IDs)
  kubectl netdoctor explain`

// ExplainOptions prints the reference section of one finding ID, or the catalog.
type ExplainOptions struct {
	Streams genericiooptions.IOStreams
	// ID is the finding ID to explain; empty lists the catalog.
	ID string

	reference *explain.Reference
}

// NewCmdExplain builds `kubectl netdoctor explain [ID]`. It reads the reference compiled
// into the binary, so it works without a cluster and without the repository.
func NewCmdExplain(streams genericiooptions.IOStreams) *cobra.Command {
	o := &ExplainOptions{Streams: streams}
	cmd := &cobra.Command{
		Use:   "explain [ID]",
		Short: "Explain a finding ID: what it means, why it happens, how to fix it",
		Long: `Prints the reference section of a finding ID (the "id" of a finding in the text or JSON
output): what it means, the Kubernetes mechanics behind it, how to fix it, and the kubectl
commands that confirm it. Without an ID, lists every ID with its severity. Works offline.`,
		Example: explainExample,
		Args:    atMostOneArg("finding ID"),
		RunE:    runE(o),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			ids := make([]string, len(diag.CatalogOrder))
			for i, id := range diag.CatalogOrder {
				ids[i] = string(id) + "\t" + diag.Catalog[id].Summary
			}
			return ids, cobra.ShellCompDirectiveNoFileComp
		},
	}
	return cmd
}

// Complete takes the optional ID and loads the embedded reference.
func (o *ExplainOptions) Complete(_ *cobra.Command, args []string) error {
	if len(args) == 1 {
		o.ID = args[0]
	}
	ref, err := explain.Embedded()
	if err != nil {
		return err
	}
	o.reference = ref
	return nil
}

// Validate has nothing to check: an unknown ID is answered by Run with its neighbours.
func (o *ExplainOptions) Validate() error { return nil }

// Run prints the section, or the catalog when no ID was given.
func (o *ExplainOptions) Run(context.Context) error {
	if o.ID == "" {
		return o.printCatalog()
	}
	id, section, err := o.reference.Lookup(o.ID)
	var unknown *explain.UnknownIDError
	if errors.As(err, &unknown) {
		return UsageErrorf("kubectl netdoctor explain", "%v", err)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.Streams.Out, "%s\n\n%s\n", id, explain.Plain(section))
	return err
}

func (o *ExplainOptions) printCatalog() error {
	tw := tabwriter.NewWriter(o.Streams.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tMEANING")
	for _, id := range diag.CatalogOrder {
		e := diag.Catalog[id]
		fmt.Fprintf(tw, "%s\t%s\t%s\n", id, e.Severity, e.Summary)
	}
	fmt.Fprintln(tw, "\nRead one: kubectl netdoctor explain ID")
	return tw.Flush()
}

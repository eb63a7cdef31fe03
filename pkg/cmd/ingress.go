package cmd

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/checks/ingress"
	"github.com/netdoctor/kubectl-netdoctor/pkg/diag"
	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

const ingressExample = `  # Why does https://shop.example.com/api not reach its backend?
  kubectl netdoctor ingress shop -n shop

  # The controller runs with labels netdoctor does not know
  kubectl netdoctor ingress shop -n shop --controller-selector edge/app=my-proxy

  # Check manifests (Ingress, Services, Secrets, IngressClasses) before applying them
  kubectl netdoctor ingress shop -n shop -f deploy/`

// IngressOptions diagnoses one Ingress.
type IngressOptions struct {
	*CommonOptions
	Name string
	// ControllerSelector is --controller-selector as given; parsed in Complete.
	ControllerSelector string

	controllerSelector *ingress.ControllerSelector
}

// NewCmdIngress builds `kubectl netdoctor ingress NAME`.
func NewCmdIngress(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &IngressOptions{CommonOptions: NewCommonOptions(flags, streams)}
	cmd := &cobra.Command{
		Use:     "ingress NAME",
		Aliases: []string{"ing"},
		Short:   "Diagnose why requests through an Ingress do not reach its backends",
		Long: `Walks IngressClass (spec.ingressClassName, the legacy kubernetes.io/ingress.class annotation,
the default class) → controller admission (status address) → every rule, path and the default
backend → backend Service and port → each backend's own svc diagnosis → TLS secrets and
certificates (type, keys, hosts, expiry) → conflicts with other Ingresses of the class →
NetworkPolicies between the controller's pods and the backend pods.

The controller's pods are found from the IngressClass controller for ` + strings.Join(ingress.KnownControllerNames(), ", ") + `;
--controller-selector [NAMESPACE/]SELECTOR names them for any other controller.`,
		Example: ingressExample,
		Args:    exactArgs(1, "the Ingress NAME"),
		RunE:    runE(o),
	}
	o.AddFlags(cmd)
	o.AddWatchFlags(cmd)
	cmd.ValidArgsFunction = CompleteNames(flags, CompleteIngress)
	cmd.Flags().StringVar(&o.ControllerSelector, "controller-selector", "",
		"The ingress controller's pods as [NAMESPACE/]LABEL-SELECTOR (e.g. ingress-nginx/app.kubernetes.io/name=ingress-nginx), instead of the well-known labels of the IngressClass's controller")
	return cmd
}

// Complete takes the Ingress name, checks the flags and builds the shared I/O.
func (o *IngressOptions) Complete(c *cobra.Command, args []string) error {
	o.Name = args[0]
	return o.completeWith(c.CommandPath(), o.parseControllerSelector)
}

func (o *IngressOptions) parseControllerSelector(cmdPath string) error {
	return parseFlagValue(cmdPath, "", o.ControllerSelector, ingress.ParseControllerSelector, &o.controllerSelector)
}

// Validate checks the options; flag values were checked before any I/O in Complete.
func (o *IngressOptions) Validate() error {
	if o.Name == "" {
		return UsageErrorf("kubectl netdoctor ingress", "an Ingress NAME is required")
	}
	if o.ControllerSelector != "" && o.controllerSelector == nil {
		return o.parseControllerSelector("kubectl netdoctor ingress")
	}
	return nil
}

// Run diagnoses the Ingress and prints the report.
func (o *IngressOptions) Run(ctx context.Context) error {
	return o.Diagnose(ctx, func(ctx context.Context, src source.Source) (diag.Report, error, error) {
		return byFindings(ingress.Diagnose(ctx, o.SharedReads(src), o.Namespace, o.Name, ingress.Options{ControllerSelector: o.controllerSelector}))
	})
}

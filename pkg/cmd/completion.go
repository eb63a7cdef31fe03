package cmd

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/netdoctor/kubectl-netdoctor/pkg/source"
)

// Shell completion of object names. Cobra's built-in `completion` command writes the
// bash, zsh, fish and powershell scripts; they call back `kubectl netdoctor __complete`,
// which lands here. Completion must be quick and must never fail loudly: a cluster that
// is slow, unreachable or refuses the list just completes nothing.

// Completion kinds are the words of the FROM/TO grammar of `reach`
// ([NAMESPACE/]KIND/NAME), plus "ingress" and "route".
const (
	CompleteService     = "svc"
	CompleteIngress     = "ingress"
	CompleteRoute       = "route" // HTTPRoute, GRPCRoute, TLSRoute and TCPRoute names
	CompletePod         = "pod"
	CompleteDeployment  = "deploy"
	CompleteStatefulSet = "sts"
	CompleteDaemonSet   = "ds"
	CompleteReplicaSet  = "rs"
	CompleteJob         = "job"
)

// completionTimeout bounds the lists behind one completion when --request-timeout is
// not given: a shell that hangs on <TAB> is worse than one that offers nothing.
const completionTimeout = 5 * time.Second

var (
	gatewayV1       = schema.GroupVersion{Group: "gateway.networking.k8s.io", Version: "v1"}
	gatewayV1alpha2 = schema.GroupVersion{Group: "gateway.networking.k8s.io", Version: "v1alpha2"}
)

// completionResources maps a completion kind to the resources whose names it offers.
// Each inner slice holds the versions of one resource, in the order tried: the first
// version the server serves wins (Gateway API kinds move from alpha to v1).
var completionResources = map[string][][]schema.GroupVersionResource{
	CompleteService: {{{Version: "v1", Resource: "services"}}},
	CompleteIngress: {{{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}}},
	CompletePod:     {{{Version: "v1", Resource: "pods"}}},
	CompleteRoute: {
		{gatewayV1.WithResource("httproutes")},
		{gatewayV1.WithResource("grpcroutes")},
		{gatewayV1.WithResource("tlsroutes"), gatewayV1alpha2.WithResource("tlsroutes")},
		{gatewayV1.WithResource("tcproutes"), gatewayV1alpha2.WithResource("tcproutes")},
	},
	CompleteDeployment:  {{{Group: "apps", Version: "v1", Resource: "deployments"}}},
	CompleteStatefulSet: {{{Group: "apps", Version: "v1", Resource: "statefulsets"}}},
	CompleteDaemonSet:   {{{Group: "apps", Version: "v1", Resource: "daemonsets"}}},
	CompleteReplicaSet:  {{{Group: "apps", Version: "v1", Resource: "replicasets"}}},
	CompleteJob:         {{{Group: "batch", Version: "v1", Resource: "jobs"}}},
}

// CompleteNames returns a ValidArgsFunction that completes the first positional
// argument with the names of objects of kind (CompleteService, CompleteIngress, ...) in
// the namespace of -n, or of the kubeconfig context. It reads through the root's
// connection flags (--kubeconfig, --context, --as, ...), or, when the command was given
// -f files, from those files. Later arguments get no completion.
func CompleteNames(flags *genericclioptions.ConfigFlags, kind string) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names, err := ListNames(completionContext(c), flags, filenames(c), kind)
		if err != nil {
			cobra.CompDebugln(fmt.Sprintf("netdoctor: completing %s names: %v", kind, err), false)
		}
		return withPrefix(names, toComplete, ""), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteObjectRefs returns a ValidArgsFunction for arguments in the KIND/NAME form of
// `reach` and `dns`: before the slash it offers "KIND/" for each of kinds, after it the
// names of that kind in the namespace (as CompleteNames). It completes every
// positional argument up to maxArgs.
func CompleteObjectRefs(flags *genericclioptions.ConfigFlags, maxArgs int, kinds ...string) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) >= maxArgs {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		kind, name, ok := strings.Cut(toComplete, "/")
		if !ok {
			var out []cobra.Completion
			for _, k := range kinds {
				if strings.HasPrefix(k+"/", toComplete) {
					out = append(out, k+"/")
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		}
		known := false
		for _, k := range kinds {
			known = known || k == kind
		}
		if !known {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names, err := ListNames(completionContext(c), flags, filenames(c), kind)
		if err != nil {
			cobra.CompDebugln(fmt.Sprintf("netdoctor: completing %s names: %v", kind, err), false)
		}
		return withPrefix(names, name, kind+"/"), cobra.ShellCompDirectiveNoFileComp
	}
}

// ListNames lists the sorted, distinct names of objects of kind in the namespace the
// flags select: from files when files is not empty, else from the cluster, through a
// metadata-only client (names are all completion needs, so no object bodies are read).
// A route kind the cluster does not serve lists as empty.
func ListNames(ctx context.Context, flags *genericclioptions.ConfigFlags, files []string, kind string) ([]string, error) {
	resources, ok := completionResources[kind]
	if !ok {
		return nil, fmt.Errorf("no completion for kind %q", kind)
	}
	namespace, _, err := flags.ToRawKubeConfigLoader().Namespace()
	if err != nil || namespace == "" {
		namespace = "default"
	}
	if flags.Namespace != nil && *flags.Namespace != "" {
		namespace = *flags.Namespace
	}
	if len(files) > 0 {
		return fileNames(ctx, files, namespace, kind)
	}
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = rest.NoWarnings{}
	if cfg.Timeout == 0 {
		cfg.Timeout = completionTimeout
	}
	client, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, versions := range resources {
		for _, gvr := range versions {
			list, err := client.Resource(gvr).Namespace(namespace).List(ctx, metav1.ListOptions{})
			if apierrors.IsNotFound(err) {
				continue // this version, or the whole kind, is not served: try the next
			}
			if err != nil {
				return sortedUnique(names), err
			}
			for _, item := range list.Items {
				names = append(names, item.Name)
			}
			break
		}
	}
	return sortedUnique(names), nil
}

// completedKinds are the kinds completed by name from -f manifests.
var completedKinds = map[string]string{
	CompleteService: source.KindService, CompleteIngress: source.KindIngress, CompletePod: source.KindPod,
	CompleteDeployment: source.KindDeployment, CompleteStatefulSet: source.KindStatefulSet,
	CompleteDaemonSet: source.KindDaemonSet, CompleteReplicaSet: source.KindReplicaSet, CompleteJob: source.KindJob,
}

// fileNames lists names from -f manifests, as the diagnosis would read them.
func fileNames(ctx context.Context, files []string, namespace, kind string) ([]string, error) {
	for _, f := range files {
		if f == "-" {
			return nil, nil // stdin belongs to the command, not to completion
		}
	}
	src, err := source.FromFiles(files, nil, namespace)
	if err != nil {
		return nil, err
	}
	sourceKind, ok := completedKinds[kind]
	if !ok {
		return nil, nil
	}
	items, err := source.ListMeta(ctx, src, sourceKind, namespace, nil)
	names := make([]string, 0, len(items))
	for _, item := range items {
		names = append(names, item.GetName())
	}
	return sortedUnique(names), err
}

// filenames returns the command's -f values, if it has that flag.
func filenames(c *cobra.Command) []string {
	if f := c.Flags().Lookup("filename"); f != nil && f.Changed {
		if files, err := c.Flags().GetStringArray("filename"); err == nil {
			return files
		}
	}
	return nil
}

func completionContext(c *cobra.Command) context.Context {
	if ctx := c.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

func withPrefix(names []string, toComplete, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, toComplete) {
			out = append(out, prefix+n)
		}
	}
	return out
}

func sortedUnique(names []string) []string {
	sort.Strings(names)
	out := names[:0]
	for i, n := range names {
		if i == 0 || n != names[i-1] {
			out = append(out, n)
		}
	}
	return out
}

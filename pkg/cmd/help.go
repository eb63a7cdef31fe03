package cmd

import (
	"fmt"

	"github.com/spf13/cobra"
)

// rootExample is the runbook the root help shows: which command to start with for
// which symptom, in the order an on-call engineer narrows a failure down.
const rootExample = `  # 1. "checkout can't reach payments": start with the Service the client calls
  kubectl netdoctor svc payments -n shop

  # 2. Traffic comes in through an Ingress or a Gateway API route: diagnose that, down to
  #    the backend Services (each gets the full svc diagnosis)
  kubectl netdoctor ingress shop -n shop
  kubectl netdoctor route checkout -n shop

  # 3. The Service is fine but one workload still cannot connect to another: which
  #    NetworkPolicy stops it, on which port
  kubectl netdoctor reach deploy/checkout svc/payments -n shop

  # 4. Names do not resolve: cluster DNS, and the resolver configuration of a pod
  kubectl netdoctor dns deploy/checkout -n shop

  # 5. After the fix, or before a change: every problem in the namespace
  kubectl netdoctor scan -n shop

  # In a runbook: exit code 0 healthy, 1 traffic fails, 2 could not diagnose
  kubectl netdoctor svc payments -n shop -o json > report.json || echo "exit code $?"

  # Without a cluster: manifests, or the output of kubectl get -o yaml
  kubectl netdoctor svc payments -n shop -f manifests/`

// completionLong replaces the help of cobra's completion command: a kubectl plugin is
// completed through kubectl only with a kubectl_complete-<plugin> helper on the PATH.
const completionLong = `Generate the autocompletion script for the specified shell (bash, zsh, fish, powershell).

Completion offers commands, flags, and the names of Services (and, where a command
takes them, Ingresses, routes and pods) read from the cluster of --kubeconfig/--context
in the namespace of -n. With -f it offers the names in those manifests.

The script completes the kubectl-netdoctor binary itself:

  source <(kubectl-netdoctor completion bash)

kubectl (1.26 or later) completes "kubectl netdoctor ..." by running an executable
named kubectl_complete-netdoctor from the PATH. Install it once, next to the plugin:

  cat >"$HOME/.local/bin/kubectl_complete-netdoctor" <<'EOF'
  #!/usr/bin/env sh
  exec kubectl netdoctor __complete "$@"
  EOF
  chmod +x "$HOME/.local/bin/kubectl_complete-netdoctor"

See each sub-command's help for how to load the script in your shell for good.`

// decorateRoot adds what the root help needs beyond its constructor: the runbook
// examples, --version, and completion help that covers kubectl plugin completion. It
// must run after every subcommand is added, because cobra only creates the completion
// command for a root with subcommands.
func decorateRoot(root *cobra.Command) {
	root.Example = rootExample
	root.Version = version
	root.SetVersionTemplate(fmt.Sprintf("kubectl-netdoctor %s (commit %s, built %s)\n", version, commit, date))
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Long = completionLong
		}
	}
}

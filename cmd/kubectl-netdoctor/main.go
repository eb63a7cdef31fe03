// Command kubectl-netdoctor is the kubectl plugin binary: only wiring lives here.
package main

import (
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	_ "k8s.io/client-go/plugin/pkg/client/auth" // exec, OIDC and cloud auth providers of kubeconfigs

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
)

func main() {
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	os.Exit(cmd.Execute(cmd.NewCmdNetdoctor(streams), streams, os.Args[1:]))
}

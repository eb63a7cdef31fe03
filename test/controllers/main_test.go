// Package controllers diagnoses applications the way they reach a real cluster: only
// their Deployments, StatefulSets and Services are applied, and a real
// kube-controller-manager (built from k8s.io/kubernetes by hack/envtest.sh) makes the
// ReplicaSets, Pods, EndpointSlices and Endpoints. A small stand-in for the scheduler and
// the kubelet binds the pods and reports their containers. The shapes netdoctor reads
// are therefore the controllers' own, not the fixtures' idea of them.
package controllers

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/netdoctor/kubectl-netdoctor/test/harness"
)

var (
	// adminKubeconfig belongs to the user netdoctor runs as.
	adminKubeconfig string
	// clientset and k8sClient apply manifests and play the scheduler and the kubelet.
	clientset kubernetes.Interface
	k8sClient client.Client
	repoRoot  = filepath.Join("..", "..")
	// testEnv is the control plane, for restartAPIServer.
	testEnv *envtest.Environment
)

// controllers are the kube-controller-manager loops whose output netdoctor reads.
var controllers = []string{
	"deployment-controller",
	"replicaset-controller",
	"statefulset-controller",
	"daemonset-controller",
	"endpointslice-controller",
	"endpointslice-mirroring-controller",
	"endpoints-controller",
	"serviceaccount-controller",
}

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := harness.Prepare(repoRoot, "netdoctor-kcm-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(dir)
	// A fixed certificate directory keeps the serving certificates and the client CA
	// across restartAPIServer; envtest makes new ones for a temporary directory.
	certDir := filepath.Join(dir, "apiserver")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	env := &envtest.Environment{ControlPlane: envtest.ControlPlane{APIServer: &envtest.APIServer{CertDir: certDir,
		// The API server drains long-running requests (the suites' own watches) on SIGTERM
		// for longer than a test should wait; after this it is killed, like a crash.
		StopTimeout: 5 * time.Second}}}
	testEnv = env
	if _, err := env.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "envtest:", err)
		return 2
	}
	defer func() { _ = env.Stop() }()

	_, kcmKubeconfig, err := harness.Master(env, dir, "system:kube-controller-manager")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	stop, err := startControllerManager(dir, kcmKubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kube-controller-manager:", err)
		return 2
	}
	defer stop()
	if _, adminKubeconfig, err = harness.Master(env, dir, "netdoctor-admin"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if clientset, k8sClient, err = harness.Clients(env, dir, "cluster-simulator"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := createNodes(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "nodes:", err)
		return 2
	}
	return m.Run()
}

// startControllerManager runs kube-controller-manager against the test API server and
// returns how to stop it. Its log goes to dir/kcm.log, printed when it exits early.
func startControllerManager(dir, kubeconfig string) (func(), error) {
	logPath := filepath.Join(dir, "kcm.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	kcm := exec.Command(filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kube-controller-manager"),
		"--kubeconfig="+kubeconfig,
		"--controllers="+strings.Join(controllers, ","),
		"--leader-elect=false",
		"--secure-port=0",
		// The controllers react within milliseconds instead of batching for a second.
		"--endpointslice-updates-batch-period=0s",
		"--endpoint-updates-batch-period=0s",
	)
	kcm.Stdout, kcm.Stderr = logFile, logFile
	if err := kcm.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- kcm.Wait() }()
	select {
	case err := <-exited:
		logFile.Close()
		out, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("exited at start (%v):\n%s", err, tail(string(out), 40))
	case <-time.After(2 * time.Second):
	}
	return func() {
		_ = kcm.Process.Kill()
		<-exited
		logFile.Close()
	}, nil
}

// restartAPIServer stops the API server and starts it again on the same port and etcd,
// as a control-plane upgrade or crash does: every connection drops and the watch cache
// starts empty.
func restartAPIServer(t *testing.T) {
	t.Helper()
	api := testEnv.ControlPlane.GetAPIServer()
	if err := api.Stop(); err != nil && !strings.Contains(err.Error(), "timeout waiting for process") {
		t.Fatalf("stop the API server: %v", err)
	}
	// Long enough for every client to notice and back off.
	time.Sleep(2 * time.Second)
	if err := api.Start(); err != nil {
		t.Fatalf("start the API server again: %v", err)
	}
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

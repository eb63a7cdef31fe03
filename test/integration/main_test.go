// Package integration runs the real kubectl-netdoctor commands against a real
// kube-apiserver and etcd (envtest), built from Go modules by hack/envtest.sh. There
// are no controllers, kubelets or schedulers: fixtures write what those would (pod and
// service status through the status subresource, EndpointSlices through the one helper
// in pkg/fixture).
package integration

import (
	"context"

	"fmt"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/netdoctor/kubectl-netdoctor/test/harness"
)

var (
	env *envtest.Environment
	// adminConfig and adminKubeconfig belong to a system:masters user.
	adminConfig     *rest.Config
	adminKubeconfig string
	// clientset and k8sClient write fixtures, as fixtureUser.
	clientset kubernetes.Interface
	k8sClient client.Client
	repoRoot  = filepath.Join("..", "..")
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

// run is TestMain's body, so that deferred Stop runs before os.Exit.
func run(m *testing.M) int {
	dir, err := harness.Prepare(repoRoot, "netdoctor-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(dir)
	auditLog := filepath.Join(dir, "audit.log")
	auditPolicy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(auditPolicy, []byte(auditPolicyYAML), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	env = &envtest.Environment{
		// The Gateway API CRDs that `route` reads (test/testdata/crds/README.md).
		CRDDirectoryPaths:     []string{filepath.Join(repoRoot, "test", "testdata", "crds")},
		ErrorIfCRDPathMissing: true,
	}
	api := env.ControlPlane.GetAPIServer()
	// A wider node-port range than the default lets a fixture hold a nodePort the
	// API server accepts but netdoctor calls unusual (NodePortOutOfRange).
	api.Configure().Set("service-node-port-range", "30000-40000")
	// Every test applies its fixtures in a fresh namespace and nothing deletes them (there
	// is no namespace controller), so the suite needs more ClusterIPs than envtest's /24.
	api.Configure().Set("service-cluster-ip-range", "10.0.0.0/16")
	// Every request is audited so that the suite can prove netdoctor only reads.
	api.Configure().Set("audit-policy-file", auditPolicy)
	api.Configure().Set("audit-log-path", auditLog)
	if _, err := env.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "envtest:", err)
		return 2
	}
	defer func() { _ = env.Stop() }()

	// Fixtures are written by their own user, so that every other request in the audit
	// log comes from netdoctor.
	if clientset, k8sClient, err = harness.Clients(env, dir, fixtureUser); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	admin, path, err := harness.Master(env, dir, "netdoctor-admin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	adminConfig, adminKubeconfig = admin.Config(), path
	code := m.Run()
	if err := assertReadOnly(auditLog); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: read-only audit:", err)
		return 1
	}
	return code
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	return t.Context()
}

// Command bench measures kubectl-netdoctor on a production-sized cluster (issue 5):
// it starts an envtest control plane (kube-apiserver and etcd built by
// hack/envtest.sh), fills it with the synthetic estate of pkg/fixture/estate (50
// namespaces, 100 Nodes, 10,000 pods, 2,000 Services with their EndpointSlices, 1,000
// NetworkPolicies, 300 Ingresses), then runs the plugin's commands and the equivalent
// `kubectl get` as subprocesses, several times each, recording wall time, API requests,
// bytes read and peak RSS. It prints a Markdown table and, with -write, the whole
// docs/performance.md.
//
//	go run ./hack/bench                              # or: make bench
//	go run ./hack/bench -runs 5 -write docs/performance.md
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/netdoctor/kubectl-netdoctor/pkg/fixture/estate"
)

type options struct {
	runs        int
	write       string
	workers     int
	keep        bool
	seed        uint64
	scale       estate.Config
	skipProxy   bool
	skipGoBench bool
	noPopeye    bool
	noKubectl   bool
	baseline    string // a git ref whose scan -A is measured beside today's
	large       string // measurements saved with -save on a larger estate, rendered beside

	cpuProfile, memProfile string
	save, from             string
}

func main() {
	def := estate.Default()
	o := options{scale: def}
	flag.IntVar(&o.runs, "runs", 3, "measured runs per command (the median is reported); one warm-up run precedes them")
	flag.StringVar(&o.write, "write", "", "write the report (Markdown) to this file, e.g. docs/performance.md")
	flag.IntVar(&o.workers, "workers", 48, "parallel writers while loading the estate")
	flag.BoolVar(&o.keep, "keep", false, "keep the cluster running after measuring (prints a kubeconfig; Ctrl-C stops it)")
	flag.Uint64Var(&o.scale.Seed, "seed", def.Seed, "estate seed")
	flag.IntVar(&o.scale.Namespaces, "namespaces", def.Namespaces, "namespaces")
	flag.IntVar(&o.scale.Nodes, "nodes", def.Nodes, "Nodes")
	flag.IntVar(&o.scale.Pods, "pods", def.Pods, "pods")
	flag.IntVar(&o.scale.Services, "services", def.Services, "Services")
	flag.IntVar(&o.scale.NetworkPolicies, "policies", def.NetworkPolicies, "NetworkPolicies")
	flag.IntVar(&o.scale.Ingresses, "ingresses", def.Ingresses, "Ingresses")
	flag.BoolVar(&o.skipProxy, "skip-wire-check", false, "skip the extra runs through the counting proxy")
	flag.BoolVar(&o.skipGoBench, "skip-go-bench", false, "skip the in-memory Go benchmarks (go test -bench ./pkg/...)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "after measuring, run `scan -A -o json` in-process once and write its CPU profile here")
	flag.StringVar(&o.save, "save", "", "also save the measurements as JSON to this file")
	flag.StringVar(&o.from, "from", "", "measure nothing: render the report from measurements saved with -save")
	flag.StringVar(&o.memProfile, "memprofile", "", "with -cpuprofile: also write a heap (alloc) profile of that run here")
	flag.StringVar(&o.large, "large", "", "render beside the results the measurements saved (-save) of a run on a larger estate, e.g. 50,000 pods")
	flag.BoolVar(&o.noKubectl, "no-kubectl", false, "do not measure kubectl get (at 50,000 pods it needs more memory beside the API server than 24 GiB leave)")
	flag.BoolVar(&o.noPopeye, "no-popeye", false, "do not build and measure Popeye (hack/popeye) beside scan -A")
	flag.StringVar(&o.baseline, "baseline", "", "also measure scan -A of the plugin built at this git ref (e.g. a release tag): before and after on one estate")
	flag.Parse()
	if o.runs < 1 {
		fmt.Fprintln(os.Stderr, "bench: -runs must be at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, o options) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if o.from != "" {
		data, err := os.ReadFile(o.from)
		if err != nil {
			return err
		}
		var rep report
		if err := json.Unmarshal(data, &rep); err != nil {
			return fmt.Errorf("%s: %w", o.from, err)
		}
		if rep.Large, err = loadLarge(o.large); err != nil {
			return err
		}
		return rep.output(root, o.write)
	}
	assets, err := ensureAssets(root)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "netdoctor-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	var goBench []string
	if !o.skipGoBench {
		if goBench, err = runGoBench(ctx, root); err != nil {
			return err
		}
	}

	logf("building kubectl-netdoctor")
	plugin := filepath.Join(tmp, "kubectl-netdoctor")
	if err := goBuild(ctx, root, plugin, "./cmd/kubectl-netdoctor"); err != nil {
		return err
	}

	var others otherTools
	if o.baseline != "" {
		if others.baseline, err = buildAt(ctx, root, o.baseline, tmp); err != nil {
			return err
		}
		others.baselineRef = o.baseline
	}
	if !o.noPopeye {
		if others.popeye, err = ensurePopeye(ctx, root); err != nil {
			return err
		}
	}
	others.floor = filepath.Join(tmp, "floor")
	if err := goBuild(ctx, root, others.floor, "./hack/bench/floor"); err != nil {
		return err
	}

	logf("starting envtest (assets %s)", assets)
	env, admin, kubeconfig, err := startEnv(ctx, assets, tmp)
	if err != nil {
		return err
	}
	defer func() {
		logf("stopping envtest")
		_ = env.Stop()
	}()

	logf("generating estate (seed %d)", o.scale.Seed)
	e := estate.Generate(o.scale)
	loadStart := time.Now()
	counts, err := load(ctx, admin, e, o.workers)
	if err != nil {
		return fmt.Errorf("loading the estate: %w", err)
	}
	loadTime := time.Since(loadStart)
	logf("estate loaded in %s", loadTime.Round(time.Second))

	proxy, err := startProxy(admin, tmp)
	if err != nil {
		return err
	}
	defer proxy.close()
	cmds, err := commands(ctx, e, plugin, filepath.Join(assets, "kubectl"), kubeconfig, tmp)
	if err != nil {
		return err
	}
	for i := range cmds {
		if cmds[i].Kubectl && o.noKubectl {
			cmds[i].Skip = "not measured (-no-kubectl)"
		}
	}
	// The floor reads what scan -A reads: record that once through the proxy.
	scanA := cmds[slices.IndexFunc(cmds, func(c command) bool { return c.Name == "scan -A" })]
	recorded, err := proxy.count(ctx, scanA)
	if err != nil {
		return fmt.Errorf("recording scan -A: %w", err)
	}
	others.floorPaths = floorPaths(recorded.Paths)
	cmds = append(cmds, others.commands(kubeconfig, tmp)...)
	loadBefore := loadAvg()
	results := measure(ctx, cmds, o.runs)
	loadAfter := loadAvg()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var wire map[string]wireCount
	if !o.skipProxy {
		if wire, err = proxy.wireCheck(ctx, cmds); err != nil {
			return fmt.Errorf("wire check: %w", err)
		}
	}
	if o.cpuProfile != "" {
		if err := profileScan(kubeconfig, o.cpuProfile, o.memProfile); err != nil {
			return fmt.Errorf("profiling scan -A: %w", err)
		}
	}
	rep := report{Runs: o.runs, Seed: o.scale.Seed, GNUTime: gnuTime, GoBench: goBench, Counts: counts, LoadTime: loadTime, Results: results, Wire: wire,
		LoadAvgBefore: loadBefore, LoadAvgAfter: loadAfter, Machine: machine(ctx, root)}
	if o.save != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.save, data, 0o644); err != nil {
			return err
		}
	}
	if rep.Large, err = loadLarge(o.large); err != nil {
		return err
	}
	if err := rep.output(root, o.write); err != nil {
		return err
	}
	if o.keep {
		logf("cluster kept running; kubeconfig: %s (Ctrl-C to stop)", kubeconfig)
		<-ctx.Done()
	}
	return nil
}

// goBuild builds pkg of the module in dir into out.
func goBuild(ctx context.Context, dir, out, pkg string) error {
	build := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	build.Dir, build.Stdout, build.Stderr = dir, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

// runGoBench runs the in-memory benchmarks (the policy engine, and BenchmarkScanSnapshot:
// scan -A of the same estate without an API server) and returns their result lines.
func runGoBench(ctx context.Context, root string) ([]string, error) {
	logf("in-memory benchmarks: go test -run '^$' -bench . -benchtime 3x -benchmem ./pkg/...")
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchtime", "3x", "-benchmem", "./pkg/...")
	cmd.Dir, cmd.Stderr = root, os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go test -bench: %w\n%s", err, out)
	}
	var lines []string
	for line := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(line, "Benchmark") || strings.HasPrefix(line, "pkg: ") {
			lines = append(lines, strings.Join(strings.Fields(line), " "))
			fmt.Fprintln(os.Stderr, line)
		}
	}
	return lines, nil
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// ensureAssets returns the envtest binaries directory, building kube-apiserver, etcd
// and kubectl with hack/envtest.sh --with-kubectl when they are missing.
func ensureAssets(root string) (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "kubectl")); err == nil {
			return dir, nil
		}
	}
	cmd := exec.Command("bash", filepath.Join(root, "hack", "envtest.sh"), "--with-kubectl")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("hack/envtest.sh --with-kubectl: %w", err)
	}
	dir := strings.TrimSpace(string(out))
	return dir, os.Setenv("KUBEBUILDER_ASSETS", dir)
}

// startEnv starts kube-apiserver and etcd sized for bulk load: a /12 service range
// (the envtest default /24 holds 254 Services), higher in-flight limits, and etcd
// without fsync (the data is thrown away afterwards).
func startEnv(ctx context.Context, assets, tmp string) (*envtest.Environment, *rest.Config, string, error) {
	env := &envtest.Environment{BinaryAssetsDirectory: assets}
	env.ControlPlane.Etcd = &envtest.Etcd{}
	etcd := env.ControlPlane.Etcd.Configure()
	etcd.Set("unsafe-no-fsync", "true")
	etcd.Set("quota-backend-bytes", strconv.Itoa(8<<30))
	api := env.ControlPlane.GetAPIServer()
	api.Configure().Set("service-cluster-ip-range", "10.96.0.0/12")
	api.Configure().Set("max-requests-inflight", "1000")
	api.Configure().Set("max-mutating-requests-inflight", "500")
	cfg, err := env.Start()
	if err != nil {
		return nil, nil, "", fmt.Errorf("envtest: %w", err)
	}
	user, err := env.AddUser(envtest.User{Name: "bench-admin", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		_ = env.Stop()
		return nil, nil, "", err
	}
	data, err := user.KubeConfig()
	if err != nil {
		_ = env.Stop()
		return nil, nil, "", err
	}
	kubeconfig := filepath.Join(tmp, "admin.kubeconfig")
	if err := os.WriteFile(kubeconfig, data, 0o600); err != nil {
		_ = env.Stop()
		return nil, nil, "", err
	}
	admin := rest.CopyConfig(user.Config())
	admin.QPS, admin.Burst = 2000, 4000
	admin.ContentType = "application/vnd.kubernetes.protobuf"
	admin.WarningHandler = rest.NoWarnings{}
	_ = ctx
	return env, admin, kubeconfig, nil
}

// ---- loading ----

type counts struct {
	Namespaces, Nodes, Pods, NotReady, Services, EndpointSlices, Endpoints, NetworkPolicies, Ingresses, IngressClasses int
	Headless, NodePort, ClusterIP                                                                                      int
}

// parallel runs fn for 0..n-1 on workers goroutines, printing progress; transient
// API errors are retried.
func parallel(ctx context.Context, what string, n, workers int, fn func(ctx context.Context, i int) error) error {
	if n == 0 {
		return nil
	}
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				err := retry(ctx, func() error { return fn(ctx, i) })
				if err != nil {
					once.Do(func() { firstErr = fmt.Errorf("%s #%d: %w", what, i, err); cancel() })
					return
				}
				done.Add(1)
			}
		}()
	}
	start := time.Now()
	ticker := time.NewTicker(2 * time.Second)
	defer ticker.Stop()
	go func() {
		defer close(jobs)
		for i := range n {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	for {
		select {
		case <-finished:
			el := time.Since(start)
			logf("  %-16s %6d/%d in %s (%.0f/s)", what, done.Load(), n, el.Round(100*time.Millisecond), float64(done.Load())/el.Seconds())
			if firstErr == nil && ctx.Err() != nil {
				return ctx.Err()
			}
			return firstErr
		case <-ticker.C:
			el := time.Since(start)
			logf("  %-16s %6d/%d (%.0f/s)", what, done.Load(), n, float64(done.Load())/el.Seconds())
		}
	}
}

func retry(ctx context.Context, fn func() error) error {
	var err error
	for attempt := range 8 {
		err = fn()
		if err == nil || !(apierrors.IsServerTimeout(err) || apierrors.IsTooManyRequests(err) ||
			apierrors.IsTimeout(err) || apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) ||
			errors.Is(err, syscall.ECONNRESET)) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(50<<attempt) * time.Millisecond):
		}
	}
	return err
}

// load writes the estate as the control plane would: objects, then their status
// (kubelet, node and ingress controllers), then the EndpointSlices the controller
// writes for the pods as they are in the cluster.
func load(ctx context.Context, cfg *rest.Config, e *estate.Estate, workers int) (counts, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return counts{}, err
	}
	var c counts
	create := metav1.CreateOptions{}
	if err := parallel(ctx, "namespaces", len(e.Namespaces), workers, func(ctx context.Context, i int) error {
		_, err := cs.CoreV1().Namespaces().Create(ctx, &e.Namespaces[i], create)
		return ignoreExists(err)
	}); err != nil {
		return c, err
	}
	if err := parallel(ctx, "nodes", len(e.Nodes), workers, func(ctx context.Context, i int) error {
		n := e.Nodes[i].DeepCopy()
		got, err := cs.CoreV1().Nodes().Create(ctx, n, create)
		if err != nil {
			return err
		}
		got.Status = e.Nodes[i].Status
		_, err = cs.CoreV1().Nodes().UpdateStatus(ctx, got, metav1.UpdateOptions{})
		return err
	}); err != nil {
		return c, err
	}
	for i := range e.IngressClasses {
		if _, err := cs.NetworkingV1().IngressClasses().Create(ctx, &e.IngressClasses[i], create); ignoreExists(err) != nil {
			return c, err
		}
	}
	services := make([]*corev1.Service, len(e.Services))
	if err := parallel(ctx, "services", len(e.Services), workers, func(ctx context.Context, i int) error {
		got, err := cs.CoreV1().Services(e.Services[i].Namespace).Create(ctx, &e.Services[i], create)
		services[i] = got
		return err
	}); err != nil {
		return c, err
	}
	pods := make([]corev1.Pod, len(e.Pods))
	if err := parallel(ctx, "pods", len(e.Pods), workers, func(ctx context.Context, i int) error {
		want := &e.Pods[i]
		got, err := cs.CoreV1().Pods(want.Namespace).Create(ctx, want, create)
		if err != nil {
			return err
		}
		got.Status = want.Status
		got, err = cs.CoreV1().Pods(want.Namespace).UpdateStatus(ctx, got, metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		pods[i] = *got
		return nil
	}); err != nil {
		return c, err
	}
	byNS := estate.PodsByNamespace(pods)
	var slices []discoveryv1.EndpointSlice
	for _, svc := range services {
		slices = append(slices, estate.SlicesFor(svc, byNS)...)
	}
	if err := parallel(ctx, "endpointslices", len(slices), workers, func(ctx context.Context, i int) error {
		_, err := cs.DiscoveryV1().EndpointSlices(slices[i].Namespace).Create(ctx, &slices[i], create)
		return err
	}); err != nil {
		return c, err
	}
	var endpoints []corev1.Endpoints
	for _, svc := range services {
		if ep, ok := endpointsFor(svc, slices); ok {
			endpoints = append(endpoints, ep)
		}
	}
	if err := parallel(ctx, "endpoints", len(endpoints), workers, func(ctx context.Context, i int) error {
		_, err := cs.CoreV1().Endpoints(endpoints[i].Namespace).Create(ctx, &endpoints[i], create)
		return err
	}); err != nil {
		return c, err
	}
	if err := parallel(ctx, "networkpolicies", len(e.NetworkPolicies), workers, func(ctx context.Context, i int) error {
		_, err := cs.NetworkingV1().NetworkPolicies(e.NetworkPolicies[i].Namespace).Create(ctx, &e.NetworkPolicies[i], create)
		return err
	}); err != nil {
		return c, err
	}
	if err := parallel(ctx, "ingresses", len(e.Ingresses), workers, func(ctx context.Context, i int) error {
		want := &e.Ingresses[i]
		got, err := cs.NetworkingV1().Ingresses(want.Namespace).Create(ctx, want, create)
		if err != nil {
			return err
		}
		got.Status = want.Status
		_, err = cs.NetworkingV1().Ingresses(want.Namespace).UpdateStatus(ctx, got, metav1.UpdateOptions{})
		return err
	}); err != nil {
		return c, err
	}
	c = counts{Namespaces: len(e.Namespaces), Nodes: len(e.Nodes), Pods: len(pods), Services: len(services),
		EndpointSlices: len(slices), Endpoints: len(endpoints), NetworkPolicies: len(e.NetworkPolicies), Ingresses: len(e.Ingresses),
		IngressClasses: len(e.IngressClasses)}
	for _, p := range e.Pods {
		ready := false
		for _, cond := range p.Status.Conditions {
			ready = ready || (cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue)
		}
		if !ready {
			c.NotReady++
		}
	}
	for _, apps := range e.Apps {
		for _, a := range apps {
			switch a.ServiceType {
			case "Headless":
				c.Headless++
			case "NodePort":
				c.NodePort++
			default:
				c.ClusterIP++
			}
		}
	}
	return c, nil
}

func ignoreExists(err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// ---- measuring ----

// command is one thing to measure.
type command struct {
	Name    string // row label
	Display string // the command line as a user types it
	Path    string
	Args    []string
	Kubectl bool // requests are counted from -v=6 logs instead of --stats
	Scan    bool // stdout is a ScanReport to summarise
	Popeye  bool // stdout is Popeye's JSON report to summarise
	// Skip, when set, is why the command is not run: its result carries it as Failed.
	Skip string `json:"-"`
	// ProxyArgs are Args for a run through the counting proxy (kubeconfig swapped).
	ProxyArgs func(kubeconfig string) []string `json:"-"`
}

type sample struct {
	Wall     time.Duration
	Requests int   // from --stats or kubectl -v=6; -1 when the command prints no --stats
	Bytes    int64 // response bytes read, from --stats; -1 when unknown
	MaxRSS   int64 // KiB (see runOnce)
	Exit     int
	Out      int64
	Summary  string
}

type result struct {
	Cmd     command
	Samples []sample
	Failed  string // why the command could not be measured
}

func commands(ctx context.Context, e *estate.Estate, plugin, kubectl, kubeconfig, tmp string) ([]command, error) {
	nd := func(name, display string, scan bool, args ...string) command {
		full := append([]string{"--kubeconfig", kubeconfig}, args...)
		full = append(full, "--stats")
		return command{Name: name, Display: "kubectl netdoctor " + display, Path: plugin, Args: full, Scan: scan,
			ProxyArgs: func(k string) []string {
				return append([]string{"--kubeconfig", k}, append(slices.Clone(args), "--stats")...)
			}}
	}
	var cmds []command
	clusterIP, ok := e.Find(func(a estate.App) bool { return a.ServiceType == "ClusterIP" && !a.SelectorTypo && len(a.Pods) >= 5 })
	if !ok {
		return nil, errors.New("the estate has no ClusterIP Service with 5 pods")
	}
	cmds = append(cmds, nd("svc (ClusterIP)", fmt.Sprintf("svc %s -n %s", clusterIP.Service, clusterIP.Namespace), false,
		"svc", clusterIP.Service, "-n", clusterIP.Namespace, "-o", "json"))
	// The most reads a healthy Service needs: a NodePort with externalTrafficPolicy
	// Local also needs the Nodes.
	if local, ok := e.Find(func(a estate.App) bool { return a.Local && !a.SelectorTypo && len(a.Pods) >= 3 }); ok {
		cmds = append(cmds, nd("svc (NodePort, Local)", fmt.Sprintf("svc %s -n %s", local.Service, local.Namespace), false,
			"svc", local.Service, "-n", local.Namespace, "-o", "json"))
	}
	// The 3 a.m. case: a selector typo, diagnosed with near misses across the cluster.
	if typo, ok := e.Find(func(a estate.App) bool { return a.SelectorTypo }); ok {
		cmds = append(cmds, nd("svc (selector typo)", fmt.Sprintf("svc %s -n %s", typo.Service, typo.Namespace), false,
			"svc", typo.Service, "-n", typo.Namespace, "-o", "json"))
	}
	if subcommandExists(ctx, plugin, "reach") {
		from := ""
		for _, a := range e.Apps[clusterIP.Namespace] {
			if a.Name != clusterIP.Name && len(a.Pods) > 0 {
				from = a.Pods[0]
				break
			}
		}
		cmds = append(cmds, nd("reach", fmt.Sprintf("reach pod/%s svc/%s -n %s", from, clusterIP.Service, clusterIP.Namespace), false,
			"reach", "pod/"+from, "svc/"+clusterIP.Service, "-n", clusterIP.Namespace, "-o", "json"))
	} else {
		logf("the plugin has no reach command yet: not measured")
	}
	if ing, ok := e.PickIngress(clusterIP.Namespace); ok && subcommandExists(ctx, plugin, "ingress") {
		cmds = append(cmds, nd("ingress", fmt.Sprintf("ingress %s -n %s", ing, clusterIP.Namespace), false,
			"ingress", ing, "-n", clusterIP.Namespace, "-o", "json"))
	}
	cmds = append(cmds,
		nd("scan -n", "scan -n "+clusterIP.Namespace+" -o json", true, "scan", "-n", clusterIP.Namespace, "-o", "json"),
		nd("scan -A", "scan -A -o json", true, "scan", "-A", "-o", "json"),
	)
	cacheDir := filepath.Join(tmp, "kubectl-cache")
	kargs := func(k string) []string {
		return []string{"--kubeconfig", k, "--cache-dir", cacheDir, "get", "pods,services,endpointslices,networkpolicies,ingresses", "-A", "-o", "json", "-v=6"}
	}
	cmds = append(cmds, command{Name: "kubectl get (baseline)",
		Display: "kubectl get pods,services,endpointslices,networkpolicies,ingresses -A -o json",
		Path:    kubectl, Args: kargs(kubeconfig), Kubectl: true, ProxyArgs: kargs})
	return cmds, nil
}

// subcommandExists reports whether the plugin has the subcommand (its --help exits 0).
func subcommandExists(ctx context.Context, plugin, name string) bool {
	cmd := exec.CommandContext(ctx, plugin, name, "--help")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	return cmd.Run() == nil
}

// gnuTime is GNU time's path, if installed (see runOnce).
var gnuTime = func() string {
	path, err := exec.LookPath("time")
	if err != nil {
		path = "/usr/bin/time"
	}
	if out, err := exec.Command(path, "--version").CombinedOutput(); err != nil || !strings.Contains(string(out), "GNU") {
		return ""
	}
	return path
}()

var (
	statsLine    = regexp.MustCompile(`stats: (\d+) API requests, ([\d.]+) KiB read`)
	kubectlLines = regexp.MustCompile(`(?m)\] "Response" verb=`)
)

// runOnce runs c and measures it. Exit codes 0 and 1 are diagnoses; anything else
// is a failure of the command.
func runOnce(ctx context.Context, c command, args []string) (sample, error) {
	cmd := exec.CommandContext(ctx, c.Path, args...)
	// Go starts children with vfork: a child's ru_maxrss starts at the parent's peak
	// (this process holds the estate, hundreds of MiB). GNU time forks the command
	// from a small process and reports its own peak, so use it when it is there.
	var rssFile string
	if gnuTime != "" {
		f, err := os.CreateTemp("", "bench-rss-")
		if err != nil {
			return sample{}, err
		}
		rssFile = f.Name()
		_ = f.Close()
		defer os.Remove(rssFile)
		cmd = exec.CommandContext(ctx, gnuTime, append([]string{"-f", "%M", "-o", rssFile, c.Path}, args...)...)
	}
	var stdout countingWriter
	stdout.keep = c.Scan || c.Popeye
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	s := sample{Wall: wall, Bytes: -1, Out: stdout.n}
	if cmd.ProcessState == nil {
		return s, err
	}
	s.Exit = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.MaxRSS = ru.Maxrss
	}
	if rssFile != "" {
		// GNU time writes "Command exited with non-zero status N" before the figure.
		data, _ := os.ReadFile(rssFile)
		lines := strings.Fields(string(data))
		if len(lines) > 0 {
			if kib, err := strconv.ParseInt(lines[len(lines)-1], 10, 64); err == nil {
				s.MaxRSS = kib
			}
		}
	}
	if s.Exit != 0 && s.Exit != 1 {
		return s, fmt.Errorf("%s exited %d: %s", c.Display, s.Exit, lastLines(stderr.String(), 5))
	}
	if c.Kubectl {
		s.Requests = len(kubectlLines.FindAllIndex(stderr.Bytes(), -1))
	} else {
		// A command that does not print --stats yet is counted by the wire check only.
		s.Requests = -1
		if m := statsLine.FindStringSubmatch(stderr.String()); m != nil {
			s.Requests, _ = strconv.Atoi(m[1])
			kib, _ := strconv.ParseFloat(m[2], 64)
			s.Bytes = int64(kib * 1024)
		}
	}
	switch {
	case c.Scan:
		s.Summary = scanSummary(stdout.buf.Bytes())
	case c.Popeye:
		s.Summary = popeyeSummary(stdout.buf.Bytes())
	}
	return s, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

type countingWriter struct {
	n    int64
	keep bool
	buf  bytes.Buffer
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	if w.keep {
		w.buf.Write(p)
	}
	return len(p), nil
}

func scanSummary(out []byte) string {
	var r struct {
		Reports []struct {
			Target   struct{ Kind string } `json:"target"`
			Findings []struct{ ID string } `json:"findings"`
		} `json:"reports"`
		Summary struct{ Errors, Warnings, Infos int } `json:"summary"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return "unparsable output: " + err.Error()
	}
	kinds, ids := map[string]int{}, map[string]int{}
	for _, rep := range r.Reports {
		kinds[rep.Target.Kind]++
		for _, f := range rep.Findings {
			ids[f.ID]++
		}
	}
	byCount := slices.Sorted(mapsKeys(ids))
	slices.SortStableFunc(byCount, func(a, b string) int { return ids[b] - ids[a] })
	var found []string
	for _, id := range byCount {
		found = append(found, fmt.Sprintf("%s %d", id, ids[id]))
	}
	var parts []string
	for _, k := range slices.Sorted(mapsKeys(kinds)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, kinds[k]))
	}
	return fmt.Sprintf("%d reports (%s); %d errors, %d warnings, %d infos (%s)", len(r.Reports), strings.Join(parts, ", "),
		r.Summary.Errors, r.Summary.Warnings, r.Summary.Infos, strings.Join(found, ", "))
}

func mapsKeys(m map[string]int) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// measure runs one warm-up round, then rounds of every command in turn, so that
// drift on a shared machine spreads over all commands instead of favouring one.
func measure(ctx context.Context, cmds []command, runs int) []result {
	results := make([]result, len(cmds))
	for i, c := range cmds {
		results[i].Cmd, results[i].Failed = c, c.Skip
	}
	for round := 0; round <= runs; round++ {
		label := fmt.Sprintf("run %d/%d", round, runs)
		if round == 0 {
			label = "warm-up"
		}
		for i, c := range cmds {
			if results[i].Failed != "" || ctx.Err() != nil {
				continue
			}
			s, err := runOnce(ctx, c, c.Args)
			if err != nil {
				results[i].Failed = err.Error()
				logf("%s: %s: %v", label, c.Name, err)
				continue
			}
			logf("%s: %-22s %8s  %4d requests  %7.1f MiB RSS  exit %d", label, c.Name, s.Wall.Round(time.Millisecond), s.Requests, float64(s.MaxRSS)/1024, s.Exit)
			if round > 0 {
				results[i].Samples = append(results[i].Samples, s)
			}
		}
	}
	return results
}

// ---- wire check: every command once more through a counting reverse proxy ----

type wireCount struct {
	Requests int64
	Bytes    int64
	// Paths are the requests in order, as "GET /api/v1/...?query".
	Paths []string
}

type countingProxy struct {
	requests, bytes atomic.Int64
	mu              sync.Mutex
	paths           []string
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// wireCheck runs each command once through a plain-HTTP reverse proxy that forwards to
// the API server with the admin credentials and counts requests and (uncompressed)
// response bytes: an independent count for kubectl's bytes, and a check of --stats.
// proxyServer is the counting proxy, listening on 127.0.0.1, and a kubeconfig for it.
type proxyServer struct {
	p          *countingProxy
	kubeconfig string
	close      func()
}

func startProxy(admin *rest.Config, tmp string) (*proxyServer, error) {
	cfg := rest.CopyConfig(admin)
	cfg.ContentType = ""
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, err
	}
	target, err := url.Parse(cfg.Host)
	if err != nil {
		return nil, err
	}
	p := &countingProxy{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			// Let the transport negotiate (and undo) compression, so that bytes are
			// counted uncompressed, as --stats counts them.
			r.Out.Header.Del("Accept-Encoding")
		},
		Transport: rt,
		ModifyResponse: func(resp *http.Response) error {
			p.requests.Add(1)
			p.mu.Lock()
			uri := resp.Request.URL.RequestURI()
			if decoded, err := url.QueryUnescape(uri); err == nil {
				uri = decoded
			}
			p.paths = append(p.paths, resp.Request.Method+" "+uri)
			p.mu.Unlock()
			resp.Body = countingBody{ReadCloser: resp.Body, n: &p.bytes}
			return nil
		},
		FlushInterval: -1,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	kubeconfig := filepath.Join(tmp, "proxy.kubeconfig")
	if err := os.WriteFile(kubeconfig, fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters: [{name: proxy, cluster: {server: "http://%s"}}]
users: [{name: anonymous, user: {}}]
contexts: [{name: proxy, context: {cluster: proxy, user: anonymous}}]
current-context: proxy
`, ln.Addr()), 0o600); err != nil {
		_ = srv.Close()
		return nil, err
	}
	return &proxyServer{p: p, kubeconfig: kubeconfig, close: func() { _ = srv.Close() }}, nil
}

// count runs c once through the proxy and returns what it read.
func (ps *proxyServer) count(ctx context.Context, c command) (wireCount, error) {
	p := ps.p
	args := c.ProxyArgs(ps.kubeconfig)
	// First run fills kubectl's discovery cache for the proxy address, as the
	// warm-up round did for the direct one; the second is counted.
	for attempt := range 2 {
		p.requests.Store(0)
		p.bytes.Store(0)
		p.mu.Lock()
		p.paths = nil
		p.mu.Unlock()
		if _, err := runOnce(ctx, c, args); err != nil {
			return wireCount{}, err
		}
		if attempt == 1 || !c.Kubectl {
			break
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return wireCount{Requests: p.requests.Load(), Bytes: p.bytes.Load(), Paths: slices.Clone(p.paths)}, nil
}

func (ps *proxyServer) wireCheck(ctx context.Context, cmds []command) (map[string]wireCount, error) {
	out := map[string]wireCount{}
	for _, c := range cmds {
		if c.Skip != "" {
			continue
		}
		w, err := ps.count(ctx, c)
		if err != nil {
			return nil, err
		}
		out[c.Name] = w
		logf("wire check: %-22s %4d requests %9.1f KiB", c.Name, w.Requests, float64(w.Bytes)/1024)
	}
	return out, nil
}

// ---- machine ----

type machineInfo struct {
	CPUs      int
	CPUModel  string
	MemoryGiB float64
	GoVersion string
	Kernel    string
	Commit    string
}

func machine(ctx context.Context, root string) machineInfo {
	m := machineInfo{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if out, err := exec.CommandContext(ctx, "go", "version").Output(); err == nil {
		m.GoVersion = strings.TrimPrefix(strings.TrimSpace(string(out)), "go version ")
	}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
				m.MemoryGiB = kb / (1 << 20)
			}
		}
	}
	if out, err := exec.CommandContext(ctx, "uname", "-sr").Output(); err == nil {
		m.Kernel = strings.TrimSpace(string(out))
	}
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
		st := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no")
		st.Dir = root
		if dirty, err := st.Output(); err == nil && len(bytes.TrimSpace(dirty)) > 0 {
			m.Commit += " + uncommitted changes"
		}
	}
	return m
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/netdoctor/kubectl-netdoctor/pkg/cmd"
)

// profileScan runs `scan -A -o json` in this process, exactly as the plugin binary
// would, under the CPU profiler (and, with memPath, records its allocations).
func profileScan(kubeconfig, cpuPath, memPath string) error {
	f, err := os.Create(cpuPath)
	if err != nil {
		return err
	}
	defer f.Close()
	if memPath != "" {
		runtime.MemProfileRate = 64 << 10
	}
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: io.Discard, ErrOut: os.Stderr}
	args := []string{"--kubeconfig", kubeconfig, "scan", "-A", "-o", "json", "--stats"}
	runtime.GC()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	start := time.Now()
	code := cmd.Execute(cmd.NewCmdNetdoctor(streams), streams, args)
	pprof.StopCPUProfile()
	logf("in-process scan -A: exit %d in %s; CPU profile %s", code, time.Since(start).Round(time.Millisecond), cpuPath)
	if code > 1 {
		return fmt.Errorf("scan -A exited %d", code)
	}
	if memPath != "" {
		m, err := os.Create(memPath)
		if err != nil {
			return err
		}
		defer m.Close()
		if err := pprof.Lookup("allocs").WriteTo(m, 0); err != nil {
			return err
		}
		logf("allocation profile %s", memPath)
	}
	return nil
}

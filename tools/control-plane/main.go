// Command interlace-control-plane is the Kubernetes control plane that Interlace's cluster-tier tests run
// against: a real kube-apiserver backed by a real (embedded) etcd 3.6, plus kube-controller-manager and
// kube-scheduler, all from one pinned Kubernetes release built from the Go module proxy.
//
// One component per process (kube-apiserver installs a process-wide signal handler that panics when it is
// installed twice):
//
//	interlace-control-plane apiserver [--etcd-data-dir=DIR --etcd-client-url=URL --etcd-peer-url=URL] -- <kube-apiserver flags>
//	interlace-control-plane etcd <etcd flags>          (upstream etcd 3.6's own main, etcdmain.Main)
//	interlace-control-plane controller-manager <kube-controller-manager flags>
//	interlace-control-plane scheduler <kube-scheduler flags>
//	interlace-control-plane supervise -- <program> [args]   (runs kwok; stops it when the parent is gone)
//	interlace-control-plane version
//
// With --etcd-data-dir, `apiserver` first starts an embedded single-member etcd (fsync off: test data only)
// and passes --etcd-servers=<client URL> to kube-apiserver unless that flag is already given.
//
// When env INTERLACE_PARENT_PID names our parent (the test harness sets it), every command shuts itself
// down once that parent is gone, so a test run that is killed outright leaves no control plane behind.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // for timeZone support in CronJob, as the upstream mains do

	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format, as upstream
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics, as upstream
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric, as upstream
	"k8s.io/component-base/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

const usage = `usage: interlace-control-plane <command> [flags]

commands:
  apiserver [--etcd-data-dir=DIR --etcd-client-url=URL --etcd-peer-url=URL] [--] <kube-apiserver flags>
  etcd <etcd flags>
  controller-manager <kube-controller-manager flags>
  scheduler <kube-scheduler flags>
  supervise [--] <program> [args]
  version
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	switch cmd {
	case "apiserver", "kube-apiserver", "etcd", "controller-manager", "kube-controller-manager", "scheduler", "kube-scheduler":
		watchParentSelf()
	}
	switch cmd {
	case "apiserver", "kube-apiserver":
		os.Exit(runAPIServer(args))
	case "etcd":
		etcdmain.Main(append([]string{"etcd"}, args...))
	case "controller-manager", "kube-controller-manager":
		c := controllermanager.NewControllerManagerCommand()
		c.SetArgs(args)
		os.Exit(cli.Run(c))
	case "scheduler", "kube-scheduler":
		c := scheduler.NewSchedulerCommand()
		c.SetArgs(args)
		os.Exit(cli.Run(c))
	case "supervise":
		os.Exit(runSupervise(args))
	case "version", "--version":
		fmt.Println(version.Get().GitVersion)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "interlace-control-plane: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
}

type etcdFlags struct {
	dataDir, clientURL, peerURL string
}

// parseEtcdFlags takes our own --etcd-* flags off the front of args (up to an optional "--") and returns
// the rest untouched for the Kubernetes command.
func parseEtcdFlags(args []string) (etcdFlags, []string, error) {
	var f etcdFlags
	fs := flag.NewFlagSet("interlace-control-plane", flag.ContinueOnError)
	fs.StringVar(&f.dataDir, "etcd-data-dir", "", "start an embedded etcd with its data in this folder")
	fs.StringVar(&f.clientURL, "etcd-client-url", "http://127.0.0.1:2379", "embedded etcd client URL")
	fs.StringVar(&f.peerURL, "etcd-peer-url", "http://127.0.0.1:2380", "embedded etcd peer URL")
	var ours, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "--etcd-data-dir") || strings.HasPrefix(a, "--etcd-client-url") || strings.HasPrefix(a, "--etcd-peer-url") {
			ours = append(ours, a)
			if !strings.Contains(a, "=") && i+1 < len(args) {
				ours = append(ours, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, a)
	}
	return f, rest, fs.Parse(ours)
}

func startEtcd(f etcdFlags) (*embed.Etcd, error) {
	client, err := url.Parse(f.clientURL)
	if err != nil {
		return nil, fmt.Errorf("--etcd-client-url: %w", err)
	}
	peer, err := url.Parse(f.peerURL)
	if err != nil {
		return nil, fmt.Errorf("--etcd-peer-url: %w", err)
	}
	cfg := embed.NewConfig()
	cfg.Name = "interlace-test"
	cfg.Dir = f.dataDir
	cfg.UnsafeNoFsync = true // test data only: durability is not wanted, speed is
	cfg.ListenClientUrls = []url.URL{*client}
	cfg.AdvertiseClientUrls = []url.URL{*client}
	cfg.ListenPeerUrls = []url.URL{*peer}
	cfg.AdvertisePeerUrls = []url.URL{*peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "warn"
	cfg.LogOutputs = []string{"stderr"}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("starting embedded etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
		fmt.Fprintf(os.Stderr, "interlace-control-plane: embedded etcd ready at %s (data %s)\n", f.clientURL, f.dataDir)
		return e, nil
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("embedded etcd failed: %w", err)
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		e.Close()
		return nil, fmt.Errorf("embedded etcd not ready after 60s")
	}
}

func runAPIServer(args []string) int {
	f, rest, err := parseEtcdFlags(args)
	if err != nil {
		return 2
	}
	if f.dataDir != "" {
		e, err := startEtcd(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "interlace-control-plane:", err)
			return 1
		}
		// kube-apiserver returns from cli.Run after its graceful shutdown; close etcd after it.
		defer e.Close()
		hasEtcd := false
		for _, a := range rest {
			if strings.HasPrefix(a, "--etcd-servers") {
				hasEtcd = true
			}
		}
		if !hasEtcd {
			rest = append(rest, "--etcd-servers="+f.clientURL)
		}
	}
	c := apiserver.NewAPIServerCommand()
	c.SetArgs(rest)
	return cli.Run(c)
}

// Command interlace-kubelet is the kubelet of the cluster tier's real node: upstream's cmd/kubelet main,
// built from the same pinned Kubernetes release as tools/control-plane (this module's go.mod is that
// module's, tidied for the kubelet's packages; scripts/build-real-node.sh builds it).
//
// A module of its own so that building the kubelet does not change tools/control-plane's go.sum, whose hash
// keys the control plane's cache (a change there would rebuild the control plane on every machine).
package main

import (
	"context"
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format, as upstream
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics, as upstream
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric, as upstream
	"k8s.io/kubernetes/cmd/kubelet/app"
)

func main() {
	command := app.NewKubeletCommand(context.Background())
	os.Exit(cli.Run(command))
}

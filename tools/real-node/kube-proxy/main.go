// Command kube-proxy is the cluster tier's real node's kube-proxy: upstream's cmd/kube-proxy main, built
// from the same pinned Kubernetes release as the kubelet (this module, so one go.mod and one Go build cache
// serve both; scripts/build-real-node.sh builds it). The harness runs it in nftables mode so that Services'
// ClusterIPs reach the node's pods (test/cluster/harness/kube-proxy.ts).
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format, as upstream
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics, as upstream
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric, as upstream
	"k8s.io/kubernetes/cmd/kube-proxy/app"
)

func main() {
	os.Exit(cli.Run(app.NewProxyCommand()))
}

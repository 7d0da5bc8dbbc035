#!/usr/bin/env bash
# Builds the cluster tier's real node once per machine into a version-stamped cache and prints the folder
# as the LAST line of stdout (everything else goes to stderr):
#   bin/kubelet          upstream's kubelet from the same Kubernetes release as tools/control-plane
#                        (tools/real-node: its own module, so tools/control-plane's cache key stays put)
#   bin/kube-proxy       upstream's kube-proxy, same release and module (tools/real-node/kube-proxy: one
#                        go.mod, so the second build reuses the first's Go build cache)
#   pause.oci.tar        the pod sandbox image (tools/real-node/pause, static), ref interlace.local/pause:1
# containerd, runc, the CNI plugins and nft (kube-proxy's nftables mode) come from Debian (apt-get install
# containerd runc containernetworking-plugins nftables); .ci/run installs them when missing.
#
#   scripts/build-real-node.sh            # build what is missing, print the folder
#   scripts/build-real-node.sh --print    # print the folder it would use, build nothing
#
# Cache: ${INTERLACE_CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}/
#          real-node-<k8s version>-<hash of go.mod, go.sum, *.go, oci-layout.ts, this script>
# A cold build takes about 4 minutes on 2 cores (well under one with the control plane's Go build cache);
# kube-proxy adds about 15 s to it (7 s warm): it shares most packages with the kubelet.
# Exit codes: 0 ok; 3 the Go toolchain is missing; 1 anything else.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/tools/real-node"
log() { printf 'build-real-node: %s\n' "$*" >&2; }
export PATH="$root/node_modules/.bin:$PATH:/usr/local/go/bin"

k8s_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1\./ { print $2; exit }' "$src/go.mod")"
hash="$( { cat "$src/go.mod" "$src/go.sum" "$src"/*.go "$src"/pause/*.go "$src"/kube-proxy/*.go "$root/scripts/oci-layout.ts" "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-12)"
cache_root="${INTERLACE_CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}"
dest="$cache_root/real-node-${k8s_version}-${hash}"

if [[ "${1:-}" == "--print" ]]; then echo "$dest"; exit 0; fi
complete() { [[ -f "$dest/.complete" && -x "$dest/bin/kubelet" && -x "$dest/bin/kube-proxy" && -f "$dest/pause.oci.tar" ]]; }
if complete; then log "cached: $dest"; echo "$dest"; exit 0; fi
command -v go >/dev/null 2>&1 || { log "error: the Go toolchain ('go') is not on PATH (needed to build the kubelet)"; exit 3; }

mkdir -p "$cache_root"
exec 9>"$cache_root/.real-node.lock"
flock -n 9 || { log "another build holds $cache_root/.real-node.lock; waiting for it"; flock 9; }
if complete; then log "cached (built by another process): $dest"; echo "$dest"; exit 0; fi

tmp="$dest.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp/bin" "$tmp/pause-root"
trap 'rm -rf "$tmp"' EXIT
export CGO_ENABLED=0
minor="${k8s_version#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
start=$SECONDS
log "building kubelet $k8s_version (a cold build takes about 4 minutes on 2 cores)"
(cd "$src" && go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$tmp/bin/kubelet" .)
log "  kubelet built in $((SECONDS - start)) s ($(du -h "$tmp/bin/kubelet" | cut -f1))"
proxy_start=$SECONDS
(cd "$src" && go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$tmp/bin/kube-proxy" ./kube-proxy)
proxy_seconds=$((SECONDS - proxy_start))
log "  kube-proxy built in $proxy_seconds s ($(du -h "$tmp/bin/kube-proxy" | cut -f1))"
(cd "$src" && go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$tmp/pause-root/pause" ./pause)

# The pause image: one static file, packed like the project's own image (deterministic tar, OCI layout).
(cd "$tmp/pause-root" && tar --create --file="$tmp/pause.tar" --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime pause)
node "$root/scripts/oci-layout.ts" --out "$tmp/pause-layout" --ref interlace.local/pause:1 --user 65535:65535 \
  --entrypoint '["/pause"]' "$tmp/pause.tar" >/dev/null
(cd "$tmp/pause-layout" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort | tar --create --file="$tmp/pause.oci.tar" \
  --no-recursion --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix --files-from=-)
rm -rf "$tmp/pause-root" "$tmp/pause-layout" "$tmp/pause.tar"
printf 'kubernetes=%s\ngo=%s\nseconds=%s\nkube_proxy_seconds=%s\n' "$k8s_version" "$(go env GOVERSION)" "$((SECONDS - start))" \
  "$proxy_seconds" > "$tmp/VERSIONS"
touch "$tmp/.complete"
rm -rf "$dest"; mv "$tmp" "$dest"; trap - EXIT
log "done in $((SECONDS - start)) s: $dest"
echo "$dest"

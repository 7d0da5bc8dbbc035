#!/usr/bin/env bash
# Builds the test control plane (tools/control-plane: kube-apiserver + embedded etcd 3.6,
# kube-controller-manager, kube-scheduler; plus kwok) once per machine into a version-stamped cache and
# prints the folder that holds the binaries as the LAST line of stdout. Everything else goes to stderr.
#
#   scripts/build-control-plane.sh            # build what is missing, print the bin folder
#   scripts/build-control-plane.sh --print    # print the bin folder it would use, build nothing
#
# Cache: ${INTERLACE_CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}/
#          control-plane-<k8s version>-<hash of go.mod, go.sum, *.go, kwok version, this script>/bin
#   bin/interlace-control-plane   apiserver (+ embedded etcd 3.6) | controller-manager | scheduler | supervise
#   bin/kwok                      sigs.k8s.io/kwok (fake nodes and kubelets)
#   bin/kwok-stages.yaml          kwok's own "fast" Stages (node-initialize, node-heartbeat-with-lease,
#                                 pod-ready, pod-complete, pod-delete), copied from the kwok module
# A folder that is present and complete is reused as it is (a warm run takes well under a second).
#
# KUBEBUILDER_ASSETS (the envtest convention): when it names a folder holding `kube-apiserver` and `etcd`,
# nothing is built and that folder is printed. The harness then runs those two binaries (etcd as its own
# process) and starts no controller-manager, scheduler or kwok unless that folder also holds
# `kube-controller-manager`, `kube-scheduler`, `kwok` and `kwok-stages.yaml` (without them Deployments do
# not roll out: the rollout test fails under INTERLACE_REQUIRE_ALL_TIERS=1).
#
# Exit codes: 0 ok; 3 the Go toolchain is missing or too old (the caller decides whether that skips or
# fails); 1 anything else (a real build failure: always loud).
set -euo pipefail

KWOK_VERSION="v0.8.0"   # sigs.k8s.io/kwok; its go.mod has no replace directives, so `go install` works

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/tools/control-plane"
log() { printf 'build-control-plane: %s\n' "$*" >&2; }

if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then
  if [[ -x "$KUBEBUILDER_ASSETS/kube-apiserver" && -x "$KUBEBUILDER_ASSETS/etcd" ]]; then
    log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS holds kube-apiserver and etcd: using those, building nothing"
    echo "$KUBEBUILDER_ASSETS"
    exit 0
  fi
  log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable kube-apiserver and etcd; ignoring it and building"
fi

k8s_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1\./ { print $2; exit }' "$src/go.mod")"
[[ -n "$k8s_version" ]] || { log "error: no k8s.io/kubernetes version in $src/go.mod"; exit 1; }
go_directive="$(awk '$1 == "go" { print $2; exit }' "$src/go.mod")"
hash="$( { cat "$src/go.mod" "$src/go.sum" "$src"/*.go; echo "kwok $KWOK_VERSION"; cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-12)"
cache_root="${INTERLACE_CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}"
dest="$cache_root/control-plane-${k8s_version}-${hash}"
bin="$dest/bin"

if [[ "${1:-}" == "--print" ]]; then echo "$bin"; exit 0; fi

complete() { [[ -f "$dest/.complete" && -x "$bin/interlace-control-plane" && -x "$bin/kwok" && -f "$bin/kwok-stages.yaml" ]]; }
if complete; then
  log "cached: $bin (kubernetes $k8s_version, kwok $KWOK_VERSION)"
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "error: the Go toolchain ('go') is not on PATH."
  log "  The cluster test tier builds kube-apiserver $k8s_version, etcd 3.6 and kwok from the Go module proxy"
  log "  and needs Go >= $go_directive to do it (about 6 minutes once per machine, then cached in $cache_root)."
  log "  Install Go >= $go_directive, or point KUBEBUILDER_ASSETS at a folder with kube-apiserver and etcd."
  exit 3
fi
have_go="$(go env GOVERSION)"; have_go="${have_go#go}"
if [[ "$(printf '%s\n%s\n' "$go_directive" "$have_go" | sort -V | head -1)" != "$go_directive" ]]; then
  log "error: Go $have_go is older than $go_directive, which kubernetes $k8s_version needs (tools/control-plane/go.mod)."
  log "  Install a newer Go, or export GOTOOLCHAIN=go$go_directive (the Go module proxy serves toolchains)."
  exit 3
fi

mkdir -p "$cache_root"
# One build at a time per cache (two test runs started together must not build twice).
exec 9>"$cache_root/.control-plane.lock"
if command -v flock >/dev/null 2>&1; then
  flock -n 9 || { log "another build holds $cache_root/.control-plane.lock; waiting for it"; flock 9; }
fi
if complete; then log "cached (built by another process): $bin"; echo "$bin"; exit 0; fi

tmp="$dest.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp/bin"
trap 'rm -rf "$tmp"' EXIT

export CGO_ENABLED=0
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
minor="${k8s_version#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done

log "building kubernetes $k8s_version control plane (Go $have_go, CGO_ENABLED=0) into $bin"
log "  a cold build took about 6 minutes on 2 cores here (budget 5-20); later runs reuse the cache"
start=$SECONDS
(cd "$src" && go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$tmp/bin/interlace-control-plane" .)
log "  interlace-control-plane built in $((SECONDS - start))s ($(du -h "$tmp/bin/interlace-control-plane" | cut -f1))"
kstart=$SECONDS
(cd "$tmp" && GOBIN="$tmp/bin" GOFLAGS=-buildvcs=false go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION")
log "  kwok $KWOK_VERSION built in $((SECONDS - kstart))s ($(du -h "$tmp/bin/kwok" | cut -f1))"
# kwok needs Stage configs to act as a kubelet; take its own "fast" set (kustomize/stage/fast) from the module.
kwok_dir="$(cd "$tmp" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
for stage in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  [[ -f "$kwok_dir/kustomize/stage/$stage" ]] || { log "error: kwok $KWOK_VERSION has no kustomize/stage/$stage"; exit 1; }
  printf -- '---\n# from sigs.k8s.io/kwok@%s kustomize/stage/%s\n' "$KWOK_VERSION" "$stage"
  cat "$kwok_dir/kustomize/stage/$stage"
done > "$tmp/bin/kwok-stages.yaml"
printf 'kubernetes=%s\nkwok=%s\ngo=%s\nbuilt=%s\nseconds=%s\n' "$k8s_version" "$KWOK_VERSION" "$have_go" "$build_date" "$((SECONDS - start))" > "$tmp/VERSIONS"
touch "$tmp/.complete"
rm -rf "$dest"; mv "$tmp" "$dest"; trap - EXIT
log "done in $((SECONDS - start))s: $bin"
echo "$bin"

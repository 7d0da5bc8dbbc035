#!/usr/bin/env bash
# Builds Helm (helm.sh/helm/v3) once per machine into a version-stamped cache with `go install`, and
# prints the path of the `helm` binary as the LAST line of stdout. Everything else goes to stderr.
#
#   scripts/build-helm.sh            # build if missing, print the binary's path
#   scripts/build-helm.sh --print    # print the path it would use, build nothing
#
# Cache: ${INTERLACE_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}/helm-<version>-<hash of this script>/bin/helm
# HELM_BINARY: when it names an executable, nothing is built and that path is printed.
#
# Exit codes: 0 ok; 3 the Go toolchain is missing (the caller decides whether that skips or fails);
# 1 anything else (a real build failure: always loud).
set -euo pipefail

HELM_VERSION="v3.22.0"

log() { printf 'build-helm: %s\n' "$*" >&2; }

if [[ -n "${HELM_BINARY:-}" ]]; then
  if [[ -x "$HELM_BINARY" ]]; then log "HELM_BINARY=$HELM_BINARY: using it, building nothing"; echo "$HELM_BINARY"; exit 0; fi
  log "HELM_BINARY=$HELM_BINARY is not executable; ignoring it and building"
fi

hash="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
cache_root="${INTERLACE_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}"
dest="$cache_root/helm-${HELM_VERSION}-${hash}"
bin="$dest/bin/helm"

if [[ "${1:-}" == "--print" ]]; then echo "$bin"; exit 0; fi

complete() { [[ -f "$dest/.complete" && -x "$bin" ]]; }
if complete; then log "cached: $bin (helm $HELM_VERSION)"; echo "$bin"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  log "error: the Go toolchain ('go') is not on PATH; the Helm chart tests build helm $HELM_VERSION with"
  log "  'go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION' (about 2-4 minutes once, then cached in $cache_root)."
  log "  Install Go, or point HELM_BINARY at a helm binary."
  exit 3
fi

mkdir -p "$cache_root"
# One build at a time per cache (two test runs started together must not build twice).
exec 9>"$cache_root/.helm.lock"
if command -v flock >/dev/null 2>&1; then
  flock -n 9 || { log "another build holds $cache_root/.helm.lock; waiting for it"; flock 9; }
fi
if complete; then log "cached (built by another process): $bin"; echo "$bin"; exit 0; fi

tmp="$dest.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp/bin"
trap 'rm -rf "$tmp"' EXIT
have_go="$(go env GOVERSION)"
log "building helm $HELM_VERSION ($have_go, CGO_ENABLED=0) into $dest"
start=$SECONDS
# Helm stamps its version through ldflags (what `helm version` prints); `go install` leaves it at the
# module's default otherwise.
(cd "$tmp" && CGO_ENABLED=0 GOBIN="$tmp/bin" GOFLAGS=-buildvcs=false go install -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION")
printf 'helm=%s\ngo=%s\nseconds=%s\n' "$HELM_VERSION" "$have_go" "$((SECONDS - start))" > "$tmp/VERSIONS"
touch "$tmp/.complete"
rm -rf "$dest"; mv "$tmp" "$dest"; trap - EXIT
log "done in $((SECONDS - start))s: $bin"
echo "$bin"

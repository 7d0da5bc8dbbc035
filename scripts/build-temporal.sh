#!/usr/bin/env bash
# Builds the Temporal development server of the workflow tests and benchmark (tools/temporal-dev-server:
# go.temporal.io/server with SQLite persistence) once per machine into a version-stamped cache and prints
# the path of the binary as the LAST line of stdout. Everything else goes to stderr.
#
#   scripts/build-temporal.sh            # build when missing, print the binary's path
#   scripts/build-temporal.sh --print    # print the path it would use, build nothing
#
# Cache: ${INTERLACE_TEMPORAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}/
#          temporal-<server version>-<hash of go.mod, go.sum, *.go, this script>/temporal-dev-server
# A present binary is reused as it is (a warm run takes milliseconds).
#
# INTERLACE_TEMPORAL_SERVER: when it names an executable, nothing is built and that path is printed (for a
# machine that already has a dev server: the `temporal` CLI works too, the harness passes `server start-dev`).
#
# Exit codes: 0 ok; 3 the Go toolchain is missing or too old (the caller decides whether that skips or
# fails: the workflow tests fail under INTERLACE_REQUIRE_ALL_TIERS=1); 1 anything else (always loud).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/tools/temporal-dev-server"
log() { printf 'build-temporal: %s\n' "$*" >&2; }

if [[ -n "${INTERLACE_TEMPORAL_SERVER:-}" ]]; then
  if [[ -x "$INTERLACE_TEMPORAL_SERVER" ]]; then
    log "INTERLACE_TEMPORAL_SERVER=$INTERLACE_TEMPORAL_SERVER: using it, building nothing"
    echo "$INTERLACE_TEMPORAL_SERVER"
    exit 0
  fi
  log "INTERLACE_TEMPORAL_SERVER=$INTERLACE_TEMPORAL_SERVER is not executable; ignoring it and building"
fi

server_version="$(awk '$1 == "go.temporal.io/server" { print $2; exit } $1 == "require" && $2 == "go.temporal.io/server" { print $3; exit }' "$src/go.mod")"
[[ -n "$server_version" ]] || { log "error: no go.temporal.io/server version in $src/go.mod"; exit 1; }
go_directive="$(awk '$1 == "go" { print $2; exit }' "$src/go.mod")"
hash="$( { cat "$src/go.mod" "$src/go.sum" "$src"/*.go; cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-12)"
cache_root="${INTERLACE_TEMPORAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}"
dest="$cache_root/temporal-${server_version}-${hash}"
bin="$dest/temporal-dev-server"

if [[ "${1:-}" == "--print" ]]; then echo "$bin"; exit 0; fi

if [[ -x "$bin" ]]; then
  log "cached: $bin"
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "error: the Go toolchain ('go') is not on PATH."
  log "  The workflow tests build a Temporal dev server ($server_version) from the Go module proxy"
  log "  (about 5 minutes once per machine on 2 cores, then cached in $cache_root)."
  log "  Install Go >= $go_directive, or set INTERLACE_TEMPORAL_SERVER to an existing dev server binary."
  exit 3
fi
have_go="$(go env GOVERSION)"; have_go="${have_go#go}"
if [[ "$(printf '%s\n%s\n' "$go_directive" "$have_go" | sort -V | head -1)" != "$go_directive" ]]; then
  log "error: Go $have_go is older than $go_directive, which go.temporal.io/server $server_version needs."
  log "  Install a newer Go, or export GOTOOLCHAIN=go$go_directive+auto (the Go module proxy serves toolchains)."
  exit 3
fi

mkdir -p "$cache_root"
# One build at a time per cache (two test files starting together must not build twice).
exec 9>"$cache_root/.temporal.lock"
if command -v flock >/dev/null 2>&1; then
  flock -n 9 || { log "another build holds $cache_root/.temporal.lock; waiting for it"; flock 9; }
fi
if [[ -x "$bin" ]]; then log "cached (built by another process): $bin"; echo "$bin"; exit 0; fi

tmp="$dest.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

log "building temporal-dev-server (go.temporal.io/server $server_version, Go $have_go, CGO_ENABLED=0) into $dest"
log "  a cold build takes several minutes on 2 cores (~2 GB of RAM); later runs reuse the cache"
start=$SECONDS
# The SQLite driver is pure Go, so CGO stays off; keep these flags fixed or the Go build cache misses.
(cd "$src" && CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=readonly" \
  go build -trimpath -ldflags "-s -w" -o "$tmp/temporal-dev-server" .)
[[ -x "$tmp/temporal-dev-server" ]] || { log "error: go build produced no temporal-dev-server binary"; exit 1; }
printf 'server=%s\ngo=%s\nseconds=%s\n' "$server_version" "$have_go" "$((SECONDS - start))" > "$tmp/VERSIONS"
rm -rf "$dest"; mv "$tmp" "$dest"; trap - EXIT
log "done in $((SECONDS - start))s ($(du -h "$bin" | cut -f1)): $bin"
echo "$bin"

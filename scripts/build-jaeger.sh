#!/usr/bin/env bash
# Builds Jaeger (all-in-one: OTLP receiver, in-memory storage, query HTTP API) once per machine into a
# version-stamped cache and prints the path of the binary as the LAST line of stdout. Everything else
# goes to stderr. The trace export test (test/broker/otlp-jaeger.test.ts) and `npm run bench -- pipeline`
# use it as the real OTLP receiver.
#
#   scripts/build-jaeger.sh            # build when missing, print the binary's path
#   scripts/build-jaeger.sh --print    # print the path it would use, build nothing
#
# Cache: ${INTERLACE_JAEGER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}/jaeger-<version>/jaeger
# A present binary is reused as it is (a warm run takes milliseconds).
#
# INTERLACE_JAEGER: when it names an executable jaeger, nothing is built and that path is printed.
#
# Exit codes: 0 ok; 3 the Go toolchain is missing or too old (the caller decides whether that skips or
# fails: the test fails under INTERLACE_REQUIRE_ALL_TIERS=1); 1 anything else (always loud).
set -euo pipefail

# github.com/jaegertracing/jaeger/cmd/jaeger. Pinned exactly: the module proxy serves newer tags, but
# v1.75.0 is the approved release (docs/decisions/0011-opentelemetry-sdk-for-traces.md).
JAEGER_VERSION="v1.75.0"
log() { printf 'build-jaeger: %s\n' "$*" >&2; }

if [[ -n "${INTERLACE_JAEGER:-}" ]]; then
  if [[ -x "$INTERLACE_JAEGER" ]]; then
    log "INTERLACE_JAEGER=$INTERLACE_JAEGER: using it, building nothing"
    echo "$INTERLACE_JAEGER"
    exit 0
  fi
  log "INTERLACE_JAEGER=$INTERLACE_JAEGER is not executable; ignoring it and building"
fi

cache_root="${INTERLACE_JAEGER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}"
dest="$cache_root/jaeger-$JAEGER_VERSION"
bin="$dest/jaeger"

if [[ "${1:-}" == "--print" ]]; then echo "$bin"; exit 0; fi

if [[ -x "$bin" ]]; then
  log "cached: $bin"
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "error: the Go toolchain ('go') is not on PATH."
  log "  The trace export test builds jaeger $JAEGER_VERSION with 'go install' from the Go module proxy"
  log "  (several minutes once per machine, then cached in $cache_root)."
  log "  Install Go >= 1.25, or set INTERLACE_JAEGER to an existing jaeger binary."
  exit 3
fi
have_go="$(go env GOVERSION)"; have_go="${have_go#go}"
min_go="1.25"
if [[ "$(printf '%s\n%s\n' "$min_go" "$have_go" | sort -V | head -1)" != "$min_go" && -z "${GOTOOLCHAIN:-}" ]]; then
  log "error: Go $have_go is older than $min_go, which jaeger $JAEGER_VERSION needs."
  log "  Install a newer Go, or export GOTOOLCHAIN=go$min_go.0 (the Go module proxy serves toolchains)."
  exit 3
fi

mkdir -p "$cache_root"
# One build at a time per cache (two test files starting together must not build twice).
exec 9>"$cache_root/.jaeger.lock"
if command -v flock >/dev/null 2>&1; then
  flock -n 9 || { log "another build holds $cache_root/.jaeger.lock; waiting for it"; flock 9; }
fi
if [[ -x "$bin" ]]; then log "cached (built by another process): $bin"; echo "$bin"; exit 0; fi

tmp="$dest.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

log "building jaeger $JAEGER_VERSION (Go $have_go, CGO_ENABLED=0) into $dest"
start=$SECONDS
# Jaeger's go.mod has replace directives, so `go install module@version` refuses it: fetch the module
# from the proxy (checked against sum.golang.org), copy it out of the read-only module cache and build
# it as the main module, with its own go.mod and go.sum.
src_dir="$(cd "$tmp" && go mod download -json "github.com/jaegertracing/jaeger@$JAEGER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -n "$src_dir" && -d "$src_dir" ]] || { log "error: go mod download gave no source folder"; exit 1; }
cp -r "$src_dir" "$tmp/src"; chmod -R u+w "$tmp/src"
(cd "$tmp/src" && CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=readonly" \
  go build -trimpath -ldflags "-s -w" -o "$tmp/jaeger" ./cmd/jaeger)
rm -rf "$tmp/src"
[[ -x "$tmp/jaeger" ]] || { log "error: go build produced no jaeger binary"; exit 1; }
rm -rf "$dest"; mv "$tmp" "$dest"; trap - EXIT
log "done in $((SECONDS - start))s: $bin"
echo "$bin"

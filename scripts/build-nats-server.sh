#!/usr/bin/env bash
# Builds nats-server (with JetStream) once per machine into a version-stamped cache and prints the path of
# the binary as the LAST line of stdout. Everything else goes to stderr.
#
#   scripts/build-nats-server.sh            # build when missing, print the binary's path
#   scripts/build-nats-server.sh --print    # print the path it would use, build nothing
#
# Cache: ${INTERLACE_NATS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}/nats-server-<version>/nats-server
# A present binary is reused as it is (a warm run takes milliseconds).
#
# INTERLACE_NATS_SERVER: when it names an executable nats-server, nothing is built and that path is printed
# (for a machine that already has one, e.g. a packaged or downloaded server).
#
# Exit codes: 0 ok; 3 the Go toolchain is missing or too old (the caller decides whether that skips or
# fails: the broker tests fail under INTERLACE_REQUIRE_ALL_TIERS=1); 1 anything else (always loud).
set -euo pipefail

NATS_VERSION="v2.15.2"   # github.com/nats-io/nats-server/v2; builds with Go 1.26 from the module proxy
log() { printf 'build-nats-server: %s\n' "$*" >&2; }

if [[ -n "${INTERLACE_NATS_SERVER:-}" ]]; then
  if [[ -x "$INTERLACE_NATS_SERVER" ]]; then
    log "INTERLACE_NATS_SERVER=$INTERLACE_NATS_SERVER: using it, building nothing"
    echo "$INTERLACE_NATS_SERVER"
    exit 0
  fi
  log "INTERLACE_NATS_SERVER=$INTERLACE_NATS_SERVER is not executable; ignoring it and building"
fi

cache_root="${INTERLACE_NATS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}"
dest="$cache_root/nats-server-$NATS_VERSION"
bin="$dest/nats-server"

if [[ "${1:-}" == "--print" ]]; then echo "$bin"; exit 0; fi

if [[ -x "$bin" ]]; then
  log "cached: $bin"
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "error: the Go toolchain ('go') is not on PATH."
  log "  The broker test tier builds nats-server $NATS_VERSION with 'go install' from the Go module proxy"
  log "  (about a minute once per machine, then cached in $cache_root)."
  log "  Install Go >= 1.25, or set INTERLACE_NATS_SERVER to an existing nats-server binary."
  exit 3
fi
have_go="$(go env GOVERSION)"; have_go="${have_go#go}"
min_go="1.25"
if [[ "$(printf '%s\n%s\n' "$min_go" "$have_go" | sort -V | head -1)" != "$min_go" && -z "${GOTOOLCHAIN:-}" ]]; then
  log "error: Go $have_go is older than $min_go, which nats-server $NATS_VERSION needs."
  log "  Install a newer Go, or export GOTOOLCHAIN=go$min_go.0 (the Go module proxy serves toolchains)."
  exit 3
fi

mkdir -p "$cache_root"
# One build at a time per cache (two test files starting together must not build twice).
exec 9>"$cache_root/.nats-server.lock"
if command -v flock >/dev/null 2>&1; then
  flock -n 9 || { log "another build holds $cache_root/.nats-server.lock; waiting for it"; flock 9; }
fi
if [[ -x "$bin" ]]; then log "cached (built by another process): $bin"; echo "$bin"; exit 0; fi

tmp="$dest.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

log "building nats-server $NATS_VERSION (Go $have_go, CGO_ENABLED=0) into $dest"
start=$SECONDS
# Outside any module (cd "$tmp"), so the repository's own go.mod files play no part.
(cd "$tmp" && CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-buildvcs=false \
  go install -trimpath -ldflags "-s -w" "github.com/nats-io/nats-server/v2@$NATS_VERSION")
[[ -x "$tmp/nats-server" ]] || { log "error: go install produced no nats-server binary"; exit 1; }
"$tmp/nats-server" --version >&2
rm -rf "$dest"; mv "$tmp" "$dest"; trap - EXIT
log "done in $((SECONDS - start))s: $bin"
echo "$bin"

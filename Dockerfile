# Interlace's image: the CLI, the controller and the worker (`interlace worker`), for users' own CI.
#
#   docker build -t ghcr.io/interlace-dev/interlace:0.1.0 .
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

# The sources, once for both images.
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

# The default target: without the SDK (the controller, and the route, API and source workers).
FROM base
COPY --from=dependencies /opt/interlace/node_modules ./node_modules
COPY --from=app /opt/interlace ./

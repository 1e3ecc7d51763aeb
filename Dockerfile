# syntax=docker/dockerfile:1
# rollcall as a container: `docker build -t rollcall .` then
#   docker run -p 8080:8080 -v rollcall-data:/data rollcall
# The first start writes the generated admin password and ingest key to /data/first-start-secrets
# (or set ROLLCALL_ADMIN_PASSWORD and ROLLCALL_INGEST_KEY). A 3-node cluster: deploy/compose/.
#
# The image holds what `npm install --global` of the packed package installs, nothing of the checkout
# beyond it: the same steps test/packaging/install.test.ts runs on every CI run (no container engine
# there), so a change that breaks them fails the suite.

# Both stages use one Node (and one Debian, the tags' default): better-sqlite3 is compiled for this
# Node's ABI in the first and loaded in the second. 26 is the LTS the whole suite runs on besides 20;
# 22 also works. Not 24: from 24.19 on, Node aborts when it collects a better-sqlite3 12 statement
# (nodejs/node#65446); see the README's "Node versions".
ARG NODE_VERSION=26

# ---- build: pack the package and install it, compiling the native module --------------------------
# The full image has python3, make and g++ for node-gyp; the runtime image needs none of them.
FROM node:${NODE_VERSION} AS build
# Where the tarball goes and where it is installed: build args only so that the test can point them at
# temp dirs; the runtime stage copies the default prefix.
ARG PACK_DIR=/tmp/pack
ARG PREFIX=/opt/rollcall
WORKDIR /src
# .dockerignore lets in only what packing needs (no node_modules, dist, data or tests).
COPY . .
# This tree only packs: esbuild bundles the SDK and dashboard (npm pack's `prepare`), nothing in it is
# loaded, so its install scripts (better-sqlite3's compile) are skipped.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
RUN mkdir -p "$PACK_DIR" && npm pack --pack-destination "$PACK_DIR"
# A global install of the tarball, as `npm i -g` does it elsewhere: production dependencies only, and
# better-sqlite3 takes its prebuilt binary or compiles against this Node's own headers. npm 11 warns
# of install scripts a user has not allowed (and a later npm may refuse them): these two are needed.
RUN --mount=type=cache,target=/root/.npm \
    npm install --global --prefix "$PREFIX" --allow-scripts=better-sqlite3,esbuild "$PACK_DIR"/rollcall-*.tgz

# ---- runtime ------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-slim
COPY --from=build /opt/rollcall /opt/rollcall
ENV PATH=/opt/rollcall/bin:$PATH \
    ROLLCALL_HOST=0.0.0.0 \
    ROLLCALL_PORT=8080 \
    ROLLCALL_DATA_DIR=/data
# The image's unprivileged `node` user (uid 1000) owns the data dir and nothing else.
RUN mkdir /data && chown node:node /data && chmod 700 /data
USER node
# The data dir is the one place this user may write; rollcall runs there.
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
# /healthz answers 200 once the server is ready. Node's fetch: the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.ROLLCALL_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) closes sockets telling clients to resume elsewhere, then exits 0.
CMD ["rollcall", "serve"]

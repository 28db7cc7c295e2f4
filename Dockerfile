# The portal's production image: the server, the worker and the operator commands compiled ahead
# of time (scripts/build-server.mjs, no TypeScript transpiler at run time), production
# dependencies only, a non-root user. One image for every process: the portal (default command),
# the worker (`node dist/worker.js`) and the commands (`npm run doctor`, `npm run db:migrate`, …,
# which scripts/run.mjs sends to dist/ because TENANTRY_COMPILED=1).
#
#   docker build -t tenantry/portal .                       # a real server: node:20-bookworm-slim, npm ci
#   docker build --build-arg BASE_IMAGE=… -t … .            # any Debian-based image with Node.js 20 and npm
#   scripts/docker/build-images.sh --only node --only portal   # offline: local base, this checkout's node_modules
#
# The Docker socket: the processes run as uid 10001, which cannot open a root-owned socket; give
# the container the socket's group at run time (compose: `group_add: ["${DOCKER_GID}"]`, the
# number from `stat -c %g /var/run/docker.sock`). See README, "Production deployment".
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /app
# npm-ci: install from the registry with the lockfile (a real server). context: use the
# node_modules that came with the build context (the offline path; same platform only).
ARG DEPENDENCIES=npm-ci
# The dependencies first, so that a change in the sources does not install them again. npm ci
# runs our postinstall (scripts/prisma-generate.mjs), which needs the schema.
COPY package.json package-lock.json ./
COPY scripts/prisma-generate.mjs scripts/prisma-generate.mjs
COPY prisma/schema.prisma prisma/schema.prisma
RUN if [ "$DEPENDENCIES" = npm-ci ]; then npm ci --no-audit --no-fund; \
    elif [ "$DEPENDENCIES" != context ]; then echo "DEPENDENCIES must be npm-ci or context, not $DEPENDENCIES" >&2; exit 1; fi
COPY . .
# Then the build, and the production dependencies only. Optional and peer dependencies go too:
# in our tree they are only the Prisma CLI and TypeScript (peers of @prisma/client), Prisma
# Studio's packages and native helpers nothing here loads (~250 MB); tests/docker/
# compose-deployment.test.ts runs the server, the worker and a command on what is left.
RUN if [ "$DEPENDENCIES" = context ]; then \
      export npm_config_offline=true; \
      [ -d node_modules/.bin ] || { echo "DEPENDENCIES=context but the build context has no node_modules: build with scripts/docker/build-images.sh --only portal, or use DEPENDENCIES=npm-ci" >&2; exit 1; }; \
      node scripts/prisma-generate.mjs; \
    fi \
 && npm run build \
 && npm prune --omit=dev --omit=optional --omit=peer --no-audit --no-fund \
 && rm -rf node_modules/.cache

FROM ${BASE_IMAGE}
WORKDIR /app
# Memory (README, Memory; npm run bench:memory): a young generation of 1 MB per semi-space instead
# of 16 and two glibc arenas keep the idle portal on PostgreSQL near 130 MB resident instead of up to 150.
# TENANTRY_COMPILED=1: the npm scripts run dist/*.js (scripts/run.mjs). HOST 0.0.0.0 inside a
# container; compose sets it (see docker-compose.yml). The data folder is a volume owned by the user.
ENV NODE_ENV=production \
    TENANTRY_COMPILED=1 \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/var/lib/tenantry \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NODE_OPTIONS=--max-semi-space-size=1 \
    MALLOC_ARENA_MAX=2
RUN groupadd --gid 10001 tenantry \
 && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/tenantry --shell /usr/sbin/nologin tenantry \
 && mkdir -p /var/lib/tenantry && chown tenantry:tenantry /var/lib/tenantry && chmod 700 /var/lib/tenantry
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
# dist/ holds the compiled processes and the migrations they apply (dist/migrations).
COPY --from=build /app/dist ./dist
COPY --from=build /app/build ./build
COPY --from=build /app/public ./public
COPY --from=build /app/compose-templates ./compose-templates
COPY --from=build /app/scripts/run.mjs ./scripts/run.mjs
USER 10001:10001
VOLUME /var/lib/tenantry
EXPOSE 3000
# docker stop sends SIGTERM: the portal stops taking work, drains HTTP and closes the database.
STOPSIGNAL SIGTERM
# /healthz on the address the portal listens on (loopback when it listens on every address). No
# curl in the image: Node's fetch. The worker has no HTTP server: compose gives it its own check.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const h=process.env.HOST||'127.0.0.1';const a=h==='0.0.0.0'||h==='::'?'127.0.0.1':h.includes(':')?'['+h+']':h;fetch('http://'+a+':'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
CMD ["node", "dist/server.js"]

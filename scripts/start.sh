#!/usr/bin/env bash
# `npm start`, the quick start: prepares the local Docker engine with tenant images built here
# (no image registry is needed), builds the portal (Remix, and the server compiled into dist/) and
# starts it on its embedded defaults (embedded database in ./data, development settings). Without a
# Docker engine the portal still starts: signups are kept and their provisioning waits until an
# engine answers. Caddy runs beside it (scripts/start-caddy.sh: installed when missing, stopped
# with the portal) so tenants answer at http://<slug>.localhost:8080/; without it, host ports.
# On a real server, set TENANT_APP_IMAGE / TENANT_POSTGRES_IMAGE (or keep the template's official
# images) and run `npm run build && npm run serve`; TENANTRY_SKIP_LOCAL_IMAGES=1 skips this setup.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${TENANTRY_SKIP_LOCAL_IMAGES:-0}" != 1 ]; then
  if bash scripts/docker/ensure-engine.sh && bash scripts/docker/build-images.sh; then
    export TENANT_APP_IMAGE=${TENANT_APP_IMAGE:-tenantry/demo-app:local}
    export TENANT_POSTGRES_IMAGE=${TENANT_POSTGRES_IMAGE:-tenantry/postgres:15-local}
  else
    echo "start: no Docker engine could be prepared (see above). The portal starts anyway; provisioning waits for an engine." >&2
  fi
fi

# The compiled server (dist/, as in the image): some 120 MB less than running the sources through tsx.
npm run --silent build
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
# The portal runs under scripts/start-caddy.sh, which starts Caddy first and stops it after the portal.
exec bash scripts/start-caddy.sh node --max-semi-space-size=1 dist/server.js

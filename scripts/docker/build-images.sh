#!/usr/bin/env bash
# Build the local images the Docker tests and the demo template use, since no image registry
# is reachable here:
#   tenantry/debian-base:bookworm   debootstrap (minbase + postgresql-15, nodejs) | docker import
#   tenantry/postgres:15-local      scripts/docker/postgres/ (stands in for postgres:15)
#   tenantry/demo-app:local         compose-templates/demo-app/ with pg + bcryptjs from npm
#   tenantry/node-base:20           only with --only node: the base with this machine's Node.js 20
#                                   and npm over Debian's Node 18; it stands in for the official
#                                   node:20-bookworm-slim as the portal image's BASE_IMAGE (Dockerfile)
#   tenantry/portal:local           only with --only portal: the repository's Dockerfile on
#                                   tenantry/node-base:20, offline (this checkout's node_modules
#                                   streamed in the build context, DEPENDENCIES=context); rebuilt
#                                   when the sources or the lockfile changed (a fingerprint label)
# Idempotent: an image that already exists is skipped unless --force.
#
# Usage: build-images.sh [--force] [--only base|postgres|app|node|portal]... [NODE_MODULES_DIR]
#   NODE_MODULES_DIR (or env NODE_MODULES_DIR; default the repository's node_modules) is where pg
#   and bcryptjs are copied from; when they are missing there they are installed with npm
#   into a temporary folder.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"

BASE_IMAGE=tenantry/debian-base:bookworm
PG_IMAGE=tenantry/postgres:15-local
APP_IMAGE=tenantry/demo-app:local
NODE_BASE_IMAGE=tenantry/node-base:20
PORTAL_IMAGE=${PORTAL_IMAGE:-tenantry/portal:local}

FORCE=0
ONLY=()
NODE_MODULES_DIR=${NODE_MODULES_DIR:-$REPO/node_modules}
while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1 ;;
    --only) shift; ONLY+=("${1:?--only needs base, postgres, app, node or portal}") ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) NODE_MODULES_DIR=$1 ;;
  esac
  shift
done

# One build at a time: `npm test` builds the portal image in the background while the tests start,
# and tests/docker/compose-deployment.test.ts runs this script too; the second run waits here, then
# finds the image built from these sources and skips it. (fd 9 is closed for ensure-engine.sh
# below: a dockerd it starts must not inherit the lock.)
if command -v flock >/dev/null; then
  exec 9>"${TMPDIR:-/tmp}/tenantry-build-images.lock"
  if ! flock -n 9; then
    log "another build-images.sh runs; waiting for it"
    flock 9
  fi
fi

selected() { [ ${#ONLY[@]} -eq 0 ] || [[ " ${ONLY[*]} " == *" $1 "* ]]; }
# Targets built only when named with --only (the tenant tests and npm start do not need them).
asked() { [[ " ${ONLY[*]} " == *" $1 "* ]]; }
# True when the image must be (re)built; says why it is skipped otherwise.
wanted() {
  selected "$2" || return 1
  if [ "$FORCE" = 0 ] && docker_image_exists "$1"; then
    log "skip $1: already exists (use --force to rebuild)"
    return 1
  fi
}

# Everything temporary lives in one folder removed on exit, whatever happens.
WORK=$(mktemp -d /var/tmp/tenantry-build.XXXXXX)
cleanup() {
  # debootstrap mounts proc/sys inside the rootfs; a failed run can leave them mounted, and
  # rm must never walk into the host's /proc or /sys through them.
  if [ -d "$WORK/rootfs" ]; then
    findmnt -rn -o TARGET | grep -F "$WORK/rootfs" | sort -r | xargs -r -n1 umount -l || true
  fi
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

docker_build() { # legacy builder: FROM a local imported image, no registry, no buildx needed
  DOCKER_BUILDKIT=0 docker build --pull=false -t "$@"
}

build_base() {
  command -v debootstrap >/dev/null || timed "apt-get install debootstrap" apt_install debootstrap
  local mirror rootfs=$WORK/rootfs
  mirror=$(debian_mirror bookworm) || die "no bookworm mirror found in /etc/apt/sources.list*"
  log "debootstrap from $mirror"
  timed "debootstrap" debootstrap --variant=minbase \
    --include=postgresql-15,nodejs,ca-certificates bookworm "$rootfs" "$mirror"
  # Drop what only bloats the image or leaks this host: package caches and lists, docs and
  # translations (~70 MB), the "main" cluster Debian's postinst creates, and files docker
  # mounts over anyway.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/postgresql/15 \
    "$rootfs"/etc/postgresql/15 "$rootfs"/etc/resolv.conf "$rootfs"/etc/hostname \
    "$rootfs"/usr/share/doc "$rootfs"/usr/share/man "$rootfs"/usr/share/locale
  # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
  timed "docker import $BASE_IMAGE" bash -o pipefail -c '
    tar --numeric-owner -C "$1" -c . | docker import \
      -c "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
      -c "CMD [\"/bin/bash\"]" -m "debootstrap minbase bookworm + postgresql-15 nodejs" - "$2" >/dev/null
  ' _ "$rootfs" "$BASE_IMAGE"
  rm -rf --one-file-system "$rootfs"
}

build_postgres() {
  docker_image_exists "$BASE_IMAGE" || die "$BASE_IMAGE is missing; build it first"
  timed "docker build $PG_IMAGE" docker_build "$PG_IMAGE" "$HERE/postgres"
}

# Print the package folders (relative to $1) needed to run the packages named after it:
# their dependency closure, resolved the way node does (nested node_modules first).
node_closure() {
  node - "$@" <<'JS'
const fs = require('fs');
const path = require('path');
const [root, ...wanted] = process.argv.slice(2).map((a, i) => (i === 0 ? path.resolve(a) : a));
const top = path.dirname(root);
const found = new Map(); // absolute dir -> true
const missing = [];
function resolve(fromDir, name) {
  for (let d = fromDir; ; d = path.dirname(d)) {
    if (path.basename(d) !== 'node_modules') {
      const c = path.join(d, 'node_modules', name);
      if (fs.existsSync(path.join(c, 'package.json'))) return c;
    }
    if (d === top || d === path.dirname(d)) return null;
  }
}
function visit(fromDir, name, optional) {
  const dir = resolve(fromDir, name);
  if (!dir) { if (!optional) missing.push(name); return; }
  if (found.has(dir)) return;
  found.set(dir, true);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pkg.dependencies || {})) visit(dir, dep, false);
  for (const dep of Object.keys(pkg.optionalDependencies || {})) visit(dir, dep, true);
}
for (const name of wanted) visit(top, name, false);
if (missing.length) { console.error(`missing in ${root}: ${missing.join(', ')}`); process.exit(3); }
// A folder nested inside another selected folder is copied along with it.
const rel = [...found.keys()].map((d) => path.relative(root, d)).sort();
console.log(rel.filter((r) => !rel.some((o) => o !== r && r.startsWith(o + path.sep))).join('\n'));
JS
}

build_app() {
  docker_image_exists "$BASE_IMAGE" || die "$BASE_IMAGE is missing; build it first"
  local ctx=$WORK/demo-app modules=$NODE_MODULES_DIR list rel
  mkdir -p "$ctx/node_modules"
  if ! list=$(node_closure "$modules" pg bcryptjs 2>"$WORK/closure.err"); then
    log "$(cat "$WORK/closure.err"); installing pg and bcryptjs with npm into a temporary folder"
    mkdir -p "$WORK/npm"
    # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
    timed "npm install pg bcryptjs" bash -c 'cd "$1" && npm install --prefix "$1" --no-save \
      --no-audit --no-fund --no-package-lock --loglevel=error pg@8 bcryptjs@3' _ "$WORK/npm"
    modules=$WORK/npm/node_modules
    list=$(node_closure "$modules" pg bcryptjs)
  fi
  log "node_modules from $modules: $(echo "$list" | tr '\n' ' ')"
  while IFS= read -r rel; do
    mkdir -p "$ctx/node_modules/$(dirname "$rel")"
    cp -a "$modules/$rel" "$ctx/node_modules/$rel"
  done <<<"$list"
  cp "$REPO/compose-templates/demo-app/"{Dockerfile,server.js,package.json} "$ctx/"
  timed "docker build $APP_IMAGE" docker_build "$APP_IMAGE" "$ctx"
}

# The official image's layout: node and npm in /usr/local, first on PATH; Debian's /usr/bin/node
# (18) is pointed at it too, so nothing in the image runs the old one.
build_node() {
  docker_image_exists "$BASE_IMAGE" || die "$BASE_IMAGE is missing; build it first (--only base)"
  local ctx=$WORK/node-base node npm_dir major
  node=$(command -v node) || die "no node on this machine's PATH: install Node.js 20 (nodejs from NodeSource)"
  node=$(readlink -f "$node")
  major=$("$node" -p 'process.versions.node.split(".")[0]')
  [ "$major" = 20 ] || die "$node is Node.js $major; $NODE_BASE_IMAGE needs Node.js 20"
  npm_dir=$(dirname "$(readlink -f "$node")")/../lib/node_modules/npm
  [ -f "$npm_dir/bin/npm-cli.js" ] || die "npm was not found beside $node (looked in $npm_dir)"
  mkdir -p "$ctx"
  cp "$node" "$ctx/node"
  cp -a "$npm_dir" "$ctx/npm"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $BASE_IMAGE
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && ln -sf /usr/local/bin/node /usr/bin/node \\
 && node --version && npm --version
CMD ["node"]
DOCKERFILE
  timed "docker build $NODE_BASE_IMAGE" docker_build "$NODE_BASE_IMAGE" "$ctx"
}

# What goes into the portal image's build (the Dockerfile's COPY . . and its own files), as the
# repository's .dockerignore would leave it, plus node_modules for the offline path.
PORTAL_CONTEXT=(Dockerfile package.json package-lock.json remix.config.js tsconfig.json app orchestrator prisma public compose-templates scripts)
# node_modules/.vite and .vite-temp: vitest's caches, written while `npm test` builds this image.
PORTAL_CONTEXT_EXCLUDES=(--exclude=./public/build --exclude=./prisma/generated --exclude=./node_modules/.cache --exclude=./node_modules/.vite --exclude=./node_modules/.vite-temp --exclude='*.tmp.ts')

# A digest of the portal's sources (tracked and new files, as they are now) and the lockfile.
portal_fingerprint() {
  (cd "$REPO" && git ls-files -z -co --exclude-standard -- "${PORTAL_CONTEXT[@]}" | sort -z \
    | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

build_portal() {
  docker_image_exists "$NODE_BASE_IMAGE" || die "$NODE_BASE_IMAGE is missing; build it first (--only node)"
  [ -d "$REPO/node_modules/.bin" ] || die "no node_modules in $REPO: run npm install first (the offline build sends it)"
  local fingerprint=$1 paths=() p
  # public/ exists only once the portal is built (npm test starts this before its build): a path
  # not there yet is left out; the Dockerfile's own build makes it.
  for p in "${PORTAL_CONTEXT[@]}"; do if [ -e "$REPO/$p" ]; then paths+=("./$p"); fi; done
  log "build context: ${PORTAL_CONTEXT[*]} node_modules (offline path)"
  # A context streamed as a tar is not filtered by .dockerignore: it holds exactly what is listed.
  # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
  timed "docker build $PORTAL_IMAGE" bash -o pipefail -c '
    repo=$1 image=$2 base=$3 fingerprint=$4; shift 4
    # tar exits 1 when a folder it read changed meanwhile (vitest adding its cache folders to
    # node_modules while npm test builds this in the background): what it sent is still whole.
    { tar -c --warning=no-file-changed -C "$repo" "$@" ./node_modules || [ $? -eq 1 ]; } \
      | DOCKER_BUILDKIT=0 docker build --pull=false -t "$image" -f Dockerfile \
          --build-arg BASE_IMAGE="$base" --build-arg DEPENDENCIES=context \
          --label io.tenantry.source-fingerprint="$fingerprint" -
  ' _ "$REPO" "$PORTAL_IMAGE" "$NODE_BASE_IMAGE" "$fingerprint" "${PORTAL_CONTEXT_EXCLUDES[@]}" "${paths[@]}"
}

total=$SECONDS
"$HERE/ensure-engine.sh" 9>&-
if wanted "$BASE_IMAGE" base; then timed "image $BASE_IMAGE" build_base; fi
if wanted "$PG_IMAGE" postgres; then timed "image $PG_IMAGE" build_postgres; fi
if wanted "$APP_IMAGE" app; then timed "image $APP_IMAGE" build_app; fi
if asked node && wanted "$NODE_BASE_IMAGE" node; then timed "image $NODE_BASE_IMAGE" build_node; fi
if asked portal; then
  fingerprint=$(portal_fingerprint)
  built=$(docker image inspect -f '{{ index .Config.Labels "io.tenantry.source-fingerprint" }}' "$PORTAL_IMAGE" 2>/dev/null || true)
  if [ "$FORCE" = 0 ] && [ "$built" = "$fingerprint" ]; then
    log "skip $PORTAL_IMAGE: already built from these sources ($fingerprint; use --force to rebuild)"
  else
    timed "image $PORTAL_IMAGE" build_portal "$fingerprint"
  fi
fi
log "images ready in $((SECONDS - total))s:"
docker image ls --filter 'reference=tenantry/*' --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' >&2

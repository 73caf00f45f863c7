# Shared by scripts/run.sh and scripts/test.sh: install what is missing, build what is stale.
# Sourced, not run. Every step says what it does; nothing is installed that is already there.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Debian packages the build, the server and the tests need.
SB_APT_PACKAGES=(
  cmake make gcc pkg-config clang libclang-rt-14-dev
  libuv1-dev libwebsockets-dev libwebsockets-evlib-uv libhiredis-dev libmsgpack-dev
  libsodium-dev libyaml-dev libjansson-dev libcmocka-dev
  redis-server python3 python3-yaml python3-msgpack curl ca-certificates tzdata
  libfaketime
)
SB_APT_BROWSER=(chromium)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $* (install those packages, or run as root)"; fi
}

ensure_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} = 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  # a fresh machine may have no package lists yet; refresh them once if an install fails
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
      || die "could not install: ${missing[*]}"
  fi
}

ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    die "Node.js 20 or newer (with npm) is required for the browser apps and the tests.
Debian 12's own nodejs package (18) is too old. Install Node.js 20+ from https://nodejs.org/
(or the NodeSource packages), make sure 'node' and 'npm' are on PATH, then run this again."
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node.js $(node --version) is too old: version 20 or newer is required.
Install a newer Node.js from https://nodejs.org/ (do not replace it with Debian's nodejs package)."
}

# npm ci when node_modules is missing or older than the lock file.
ensure_npm() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "installing npm packages in ${dir#$ROOT/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $dir"
  fi
}

# cmake configure (once) and build. $1 build dir, rest: cmake -D options.
build_c() {
  local dir=$1; shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    say "configuring ${dir#$ROOT/}"
    cmake -S "$ROOT" -B "$dir" "$@" >/dev/null || die "cmake configure failed for $dir"
  fi
  say "building ${dir#$ROOT/}"
  cmake --build "$dir" -j "$(nproc)" -- --no-print-directory -s || die "build failed in $dir"
}

build_release() {
  build_c "$ROOT/build/release" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSB_TESTS=ON
}

build_asan() {
  build_c "$ROOT/build/asan" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DSB_SANITIZE=ON -DSB_FUZZ=ON -DSB_TESTS=ON
}

build_client() {
  ensure_npm "$ROOT/agent-client"
  local stamp="$ROOT/agent-client/dist/.built"
  if [ ! -f "$stamp" ] || [ -n "$(find "$ROOT/agent-client/src" "$ROOT/agent-client/package.json" \
        "$ROOT/agent-client/vite.config.ts" "$ROOT/proto/schema.yaml" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    say "building the browser apps"
    (cd "$ROOT/agent-client" && npm run --silent build) || die "the browser apps did not build"
    touch "$stamp"
  fi
}

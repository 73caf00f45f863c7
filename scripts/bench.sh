#!/usr/bin/env bash
# The benchmark suite (PERF.md): builds the release binaries, installs the relay peer's npm
# packages, then runs bench/run, which writes bench/results.md in about 8 minutes on 2 cores.
# Arguments go to bench/run (--smoke, --only relay,offer, --keep, --help).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ensure_apt "${SB_APT_PACKAGES[@]}"
ensure_node
build_release
build_client
ensure_npm "$ROOT/bench/peer"
exec python3 "$ROOT/bench/run" "$@"

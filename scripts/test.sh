#!/usr/bin/env bash
# Runs every test suite: C unit tests (normal and ASan+UBSan builds), the protocol vectors on both
# sides, integration tests against the sanitizer build with a real Redis and real WebSockets,
# browser tests in Chromium, and a bounded libFuzzer run. Ends with one summary line.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

ensure_apt "${SB_APT_PACKAGES[@]}" "${SB_APT_BROWSER[@]}"
ensure_node
build_release
build_asan
build_client
ensure_npm "$ROOT/tests"
ensure_npm "$ROOT/bench/peer"

passed=0; failed=0
run_ctest() {
  local dir=$1; shift
  say "ctest in ${dir#$ROOT/} $*"
  local log line total fails
  log=$(mktemp)
  (cd "$dir" && ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@") 2>&1 | tee "$log"
  # ctest ends with e.g. "100% tests passed, 0 tests failed out of 12"
  line=$(grep -E 'tests? failed out of [0-9]+' "$log" | tail -1)
  rm -f "$log"
  if [ -z "$line" ]; then failed=$((failed + 1)); return; fi
  total=$(grep -Eo 'out of [0-9]+' <<<"$line" | grep -Eo '[0-9]+')
  fails=$(grep -Eo '[0-9]+ tests? failed' <<<"$line" | grep -Eo '^[0-9]+')
  passed=$((passed + total - fails)); failed=$((failed + fails))
}

run_ctest "$ROOT/build/release" -L unit
run_ctest "$ROOT/build/asan"

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

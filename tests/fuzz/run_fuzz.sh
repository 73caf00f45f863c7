#!/usr/bin/env bash
# run_fuzz.sh FUZZER CORPUS SECONDS: a bounded, reproducible libFuzzer run (fixed seed) over a
# copy of the committed corpus, so the run never writes into the source tree.
set -euo pipefail
fuzzer=$1 corpus=$2 secs=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp "$corpus"/* "$work/corpus/" 2>/dev/null || true
"$fuzzer" -seed=1 -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus"

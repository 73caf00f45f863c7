#!/usr/bin/env bash
# Builds everything and starts Switchboard with a private Redis and the demo configuration.
# Ctrl-C stops both (Switchboard closes its connections, flushes, then stops its Redis).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CONFIG=${SB_CONFIG:-$ROOT/config/switchboard.yaml}

ensure_apt "${SB_APT_PACKAGES[@]}"
ensure_node
build_release
build_client

cd "$ROOT"
mkdir -p state
"$ROOT/build/release/switchboard" --check-config "$CONFIG" >/dev/null || exit 2

say "starting Switchboard (logs: state/switchboard.log)"
"$ROOT/build/release/switchboard" --config "$CONFIG" >>"$ROOT/state/switchboard.log" 2>&1 &
PID=$!
stop() { kill -TERM "$PID" 2>/dev/null || true; }
trap stop INT TERM

port=$(python3 -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["listen"]["port"])' "$CONFIG")
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  kill -0 "$PID" 2>/dev/null || { tail -n 20 "$ROOT/state/switchboard.log"; die "Switchboard exited; see above"; }
  curl -fs "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done

cat <<BANNER

  Switchboard is running.

  Agent console        $base/console/
  Supervisor dashboard $base/dashboard/
  Chat widget demo     $base/widget-demo/
  Health / metrics     $base/healthz  $base/readyz  $base/metrics

  Demo sign-ins (password is the username followed by -demo):
BANNER
python3 - "$CONFIG" <<'PY'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
for s in cfg.get("staff", []):
    print(f"    {s['username']:<10} {s['username'] + '-demo':<16} {s.get('role','agent'):<11} {s.get('display_name','')}")
PY
cat <<BANNER

  Press Ctrl-C to stop Switchboard and its Redis.

BANNER
set +e
wait "$PID"
rc=$?
# the first wait returns when a trapped signal arrives: wait for the real exit
while kill -0 "$PID" 2>/dev/null; do wait "$PID"; rc=$?; done
exit $rc

#!/usr/bin/env bash
# `make run`: migrate, load demo data, start the worker, serve on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export TONGBAN_DEMO="${TONGBAN_DEMO:-1}"
mkdir -p var
"$BIN/tongban" migrate --verbosity 0
"$BIN/tongban" demo
"$BIN/tongban" worker >"${TONGBAN_VAR_DIR:-var}/worker.log" 2>&1 &
WORKER=$!
# Every minute: crash recovery and retention (stale tasks, pending SMS, old texts, orphan files); every
# 5 minutes: deemed acceptance and the supervision lights (in production: systemd timers).
( n=0; while sleep 60; do
    "$BIN/tongban" maintenance --run >/dev/null 2>&1 || true
    n=$((n + 1)); if [ $((n % 5)) -eq 0 ]; then "$BIN/tongban" cases tick >/dev/null 2>&1 || true; fi
  done ) &
TICKER=$!
trap 'kill $WORKER $TICKER 2>/dev/null || true' EXIT INT TERM
echo "任务进程 worker: pid $WORKER (log: ${TONGBAN_VAR_DIR:-var}/worker.log)"
echo "通办 Tongban: http://127.0.0.1:8000   (Ctrl-C 停止 / to stop)"
"$BIN/tongban" serve --bind "${TONGBAN_BIND:-127.0.0.1:8000}"

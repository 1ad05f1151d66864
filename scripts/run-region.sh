#!/usr/bin/env bash
# `make run-region`: two members of the 长三角 region side by side on this machine, to try cross-region login and
# 异地代收代办 in a browser (docs/operations.md §21.2):
#   上海 310000, the coordinator: http://127.0.0.1:8000, var dir and database as `make run` (var/, var/tongban.sqlite3);
#   江苏 320000: http://127.0.0.1:8001, var dir var/member-320000/, its own SQLite file, secret key and keys.
# Each gets the demo data, a task worker and the timers; the region is joined once (the coordinator signs the trust
# list naming both, 江苏 imports it) and only again when a member does not hold the list naming 江苏. The two use
# different cookie names: browsers keep cookies apart by host, not by port. Ctrl-C stops both.
#   scripts/run-region.sh           migrate, demo, join, serve both
#   scripts/run-region.sh migrate   migrate both databases
#   scripts/run-region.sh join      join the region (idempotent)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/.venv/bin"
export TONGBAN_DEMO="${TONGBAN_DEMO:-1}"
VAR_SH="$(realpath -m "${TONGBAN_VAR_DIR:-var}")"
VAR_JS="$VAR_SH/member-320000"
REGION_DIR="$VAR_SH/region"
SH_URL=http://127.0.0.1:8000
JS_URL=http://127.0.0.1:8001

# 上海 is the deployment `make run` serves (its settings from the environment, as there), made a member of csj.
SH_ENV=(TONGBAN_VAR_DIR="$VAR_SH" TONGBAN_REGION_CODE=310000 TONGBAN_REGION_NAME=上海市 TONGBAN_REGION_NAME_EN=Shanghai
  TONGBAN_PUBLIC_BASE_URL="$SH_URL" TONGBAN_FEDERATION_REGION=csj)
# 江苏 is a deployment of its own: none of the environment's platform settings (database, Redis, secret key, keys)
# reach it, so it never shares a database, cache or queue with 上海.
JS_ENV=()
for name in $(compgen -e); do
  case "$name" in
    TONGBAN_DEMO) ;;
    TONGBAN_* | DATABASE_* | REDIS_URL | SECRET_KEY | ALLOWED_HOSTS | CSRF_TRUSTED_ORIGINS) JS_ENV+=(-u "$name") ;;
  esac
done
JS_ENV+=(TONGBAN_VAR_DIR="$VAR_JS" DATABASE_URL="sqlite:///$VAR_JS/tongban.sqlite3"
  TONGBAN_REGION_CODE=320000 TONGBAN_REGION_NAME=江苏省 TONGBAN_REGION_NAME_EN=Jiangsu
  TONGBAN_PUBLIC_BASE_URL="$JS_URL" TONGBAN_FEDERATION_REGION=csj TONGBAN_FEDERATION_COORDINATOR_URL="$SH_URL"
  TONGBAN_SESSION_COOKIE_NAME=tongban320000_session TONGBAN_CSRF_COOKIE_NAME=tongban320000_csrftoken)
sh_() { env "${SH_ENV[@]}" "$BIN/tongban" "$@"; }
js_() { env "${JS_ENV[@]}" "$BIN/tongban" "$@"; }

# Background steps are simple commands, so that each pid ($!) is the process itself and the trap can end it.
BG=()
migrate() {
  mkdir -p "$VAR_SH" "$VAR_JS"
  env "${JS_ENV[@]}" "$BIN/tongban" migrate --verbosity 0 &
  BG+=($!)
  sh_ migrate --verbosity 0
  wait "${BG[-1]}"
  BG=()
}

# "<version> <member codes…>" of the trust list in force at a member (`tongban federation status`), or nothing.
in_force() {
  "$@" federation status | awk '
    /^trust list: / { if ($3 != "none") for (i = 1; i <= NF; i++) if ($i ~ /^v[0-9]+,$/) v = substr($i, 2, length($i) - 2) }
    /^  [0-9]{6} / { m = m " " $1 }
    END { if (v != "") print v m }'
}

# Both members at once where the steps allow it: every `tongban` command starts Django (seconds).
join_region() {
  mkdir -p "$REGION_DIR"
  local sh js a b
  in_force sh_ >"$REGION_DIR/in-force-310000" &
  a=$!
  in_force js_ >"$REGION_DIR/in-force-320000" &
  b=$!
  wait $a
  wait $b
  sh="$(cat "$REGION_DIR/in-force-310000")"
  js="$(cat "$REGION_DIR/in-force-320000")"
  if [[ -n "$sh" && "$sh" == "$js" && " $sh " == *" 320000 "* ]]; then
    echo "长三角 csj: 信任列表 trust list v${sh%% *} (310000 上海, 320000 江苏) in force at both members"
    return
  fi
  # The coordinator's trust-list key (made once) becomes 江苏's trust anchor, and 江苏's descriptor is entered in
  # the list: both handed over by file, as operators would (docs/operations.md §21).
  sh_ federation coordinator-init --out "$REGION_DIR/anchor.json" 2>/dev/null &
  a=$!
  js_ federation descriptor --out "$REGION_DIR/320000.jws" &
  b=$!
  wait $a
  wait $b
  js_ federation anchor-add "$REGION_DIR/anchor.json" >/dev/null
  if [[ " $sh " == *" 320000 "* && -z "$js" ]]; then
    # A new 江苏 (its var dir removed): the list's 江苏 has keys this one does not hold, and only those may
    # replace them. Leave the old one out first, then enter the new one.
    sh_ federation trust-list-sign --region csj --name 长三角 --remove 320000
    sh=""
  fi
  if [[ " $sh " != *" 320000 "* ]]; then
    sh_ federation trust-list-sign --region csj --name 长三角 --add "$REGION_DIR/320000.jws" \
      --out "$REGION_DIR/trust-list.jws"
  else
    sh_ federation trust-list-export --out "$REGION_DIR/trust-list.jws"
  fi
  if ! js_ federation trust-list-import "$REGION_DIR/trust-list.jws"; then
    echo "江苏 refused 上海's trust list: remove $VAR_JS to start 江苏 afresh" >&2
    return 1
  fi
}

# Every minute: crash recovery and retention; every 5 minutes: deemed acceptance and the supervision lights.
ticker() {
  local n=0
  while sleep 60; do
    "$@" maintenance --run >/dev/null 2>&1 || true
    n=$((n + 1))
    if [ $((n % 5)) -eq 0 ]; then "$@" cases tick >/dev/null 2>&1 || true; fi
  done
}

PIDS=()
TICKERS=()
stop() {
  # A timer's sweep under way is ended with it.
  if ((${#TICKERS[@]})); then pkill -P "$(IFS=,; echo "${TICKERS[*]}")" 2>/dev/null || true; fi
  kill "${BG[@]}" "${PIDS[@]}" "${TICKERS[@]}" 2>/dev/null || true
}
trap stop EXIT
trap 'stop; exit 130' INT TERM

serve() {
  migrate
  env "${JS_ENV[@]}" "$BIN/tongban" demo >"$VAR_JS/demo.log" 2>&1 &
  BG+=($!)
  sh_ demo
  wait "${BG[-1]}" || { cat "$VAR_JS/demo.log" >&2; return 1; }
  BG=()
  join_region
  env "${SH_ENV[@]}" "$BIN/tongban" worker >"$VAR_SH/worker.log" 2>&1 &
  PIDS+=($!)
  env "${JS_ENV[@]}" "$BIN/tongban" worker >"$VAR_JS/worker.log" 2>&1 &
  PIDS+=($!)
  ticker sh_ &
  TICKERS+=($!)
  ticker js_ &
  TICKERS+=($!)
  env "${SH_ENV[@]}" "$BIN/tongban" serve --bind 127.0.0.1:8000 &
  PIDS+=($!)
  env "${JS_ENV[@]}" "$BIN/tongban" serve --bind 127.0.0.1:8001 >"$VAR_JS/server.log" 2>&1 &
  PIDS+=($!)
  echo
  echo "江苏 320000 ($JS_URL) 的演示账号与上海的相同，以下几项除外 / 江苏's demo accounts are 上海's, except"
  echo "(全部 all: $VAR_JS/demo.log):"
  sed -n '/^演示账号/,$p' "$VAR_JS/demo.log" | grep -E '江苏省|91320000' || true
  cat <<EOF

长三角 两个成员 / two members of a region (密码 password Tongban@2026):
  上海 310000（协调成员 coordinator）: $SH_URL   worker log: $VAR_SH/worker.log
  江苏 320000:                        $JS_URL   logs: $VAR_JS/server.log, worker.log

可以试试 / Try:
  a) 一地认证 single sign-on: $JS_URL/accounts/login/ → 使用长三角其他省市账号登录 → 上海市 →
     在上海以 13800000001（张三）登录并同意 / log in at 上海 as 张三 and consent → back at 江苏, logged in as 张三.
  b) 异地代收代办: 在上海以 clerk 登录 / at 上海 as clerk: $SH_URL/csj/ → 长三角专窗收件 → 江苏省, 出生医学证明签发 →
     当面核验身份并收件 check the applicant's identity and collect; 在江苏 / at 江苏 ($JS_URL): clerk 在审批待办中受理
     accepts, reviewer_health 认领并审核 claims and decides; 回到上海 / back at 上海: clerk 打印结果（异地打印 print the result）.
  c) 全程网办: 在上海以 13800000001（张三）登录 / at 上海 as 张三: $SH_URL/csj/ → 江苏省的事项 apply for an item of 江苏.

通办 Tongban 长三角: $SH_URL and $JS_URL   (Ctrl-C 停止 / to stop)
EOF
  # Either server ending (or Ctrl-C) stops everything (the trap).
  wait -n "${PIDS[@]:2}"
}

case "${1:-serve}" in
  serve) serve ;;
  migrate) migrate ;;
  join) join_region ;;
  *)
    echo "usage: $0 [serve|migrate|join]" >&2
    exit 2
    ;;
esac

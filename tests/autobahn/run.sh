#!/usr/bin/env bash
# Autobahn|Testsuite conformance run for rfc6455, in both roles:
#   server role: wstest -m fuzzingclient drives examples/autobahn_server on 127.0.0.1:9002
#   client role: examples/autobahn_client drives wstest -m fuzzingserver on 127.0.0.1:9001
# then summarises target/autobahn/{server,client}/index.json with tests/autobahn/report.py
# and exits non-zero if anything failed.
#
# Usage: bash tests/autobahn/run.sh        (from any directory)
# Environment:
#   AUTOBAHN_CASES    comma-separated case patterns, default "*" (all); e.g. "1.*,2.*,9.1.1"
#   AUTOBAHN_ROLES    roles to run, default "server client"
#   AUTOBAHN_TIMEOUT  seconds allowed for each role's run, default 600 (a full run takes ~40 s)
#   AUTOBAHN_SKIP_BUILD=1                       skip `cargo build --release --examples --features deflate,tokio`
#   AUTOBAHN_SERVER_BIN, AUTOBAHN_CLIENT_BIN    testees, default target/release/examples/autobahn_{server,client}
#   AUTOBAHN_PYTHON27                           Python 2.7 for wstest, default pyenv's 2.7.18
#
# wstest (autobahntestsuite, Python 2.7 only) is installed on first use into
# target/autobahn-venv with the pins below, and reused while it runs.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
SPECS=tests/autobahn
OUT=target/autobahn
BOOT=target/autobahn-bootstrap
VENV=target/autobahn-venv
WSTEST=$VENV/bin/wstest
CASES=${AUTOBAHN_CASES:-*}
ROLES=${AUTOBAHN_ROLES:-server client}
RUN_TIMEOUT=${AUTOBAHN_TIMEOUT:-1500}
BIN_DIR=${CARGO_TARGET_DIR:-target}/release/examples
SERVER_BIN=${AUTOBAHN_SERVER_BIN:-$BIN_DIR/autobahn_server}
CLIENT_BIN=${AUTOBAHN_CLIENT_BIN:-$BIN_DIR/autobahn_client}
SERVER_PORT=9002 # our server, tested by wstest's fuzzingclient
CLIENT_PORT=9001 # wstest's fuzzingserver, tested by our client

# Versions that install and run together on Python 2.7 (what pip resolves today;
# pinned so that it stays so).
VIRTUALENV_PINS=(virtualenv==20.15.1 distlib==0.4.4 filelock==3.2.1 platformdirs==2.0.2
  importlib-metadata==2.1.3 importlib-resources==3.3.1 zipp==1.2.0 configparser==4.0.2
  contextlib2==0.6.0.post1 pathlib2==2.3.7.post1 scandir==1.10.0 singledispatch==3.7.0
  six==1.17.0 typing==3.10.0.0)
WSTEST_PINS=(autobahntestsuite==25.10.1 autobahn==0.10.9 Twisted==19.10.0 txaio==2.1.0
  zope.interface==4.6.0 pyOpenSSL==19.1.0 cryptography==3.3.2 cffi==1.15.1 pycparser==2.21
  enum34==1.1.10 ipaddress==1.0.23 six==1.16.0 attrs==21.4.0 Automat==22.10.0
  constantly==15.1.0 hyperlink==21.0.0 idna==2.10 incremental==16.10.1 typing==3.10.0.0
  PyHamcrest==1.10.1 service-identity==18.1.0 pyasn1==0.5.1 pyasn1-modules==0.3.0
  klein==17.10.0 Werkzeug==1.0.1 jinja2==2.11.3 markupsafe==1.1.1 wsaccel==0.6.6
  ujson==2.0.3 unittest2==1.1.0 linecache2==1.0.0 traceback2==1.4.0 argparse==1.4.0
  setuptools==44.0.0)

log() { printf '[autobahn] %s\n' "$*"; }
die() { printf '[autobahn] error: %s\n' "$*" >&2; exit 1; }

# --- processes ----------------------------------------------------------------
# Every command that may take a while runs in the background under `timeout`
# with its PID recorded, so that the trap can end it at once.
PIDS=()
spawn() { # SECONDS CMD...: start CMD, bounded by SECONDS; its PID goes to $SPAWNED
  timeout -k 10 "$@" &
  SPAWNED=$!
  PIDS+=("$SPAWNED")
}
reap() { # PID: wait for a spawned process and forget it; returns its exit status
  local p keep=() rc=0
  wait "$1" || rc=$?
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
  return "$rc"
}
run() { # SECONDS CMD...: spawn CMD and wait for it
  spawn "$@"
  reap "$SPAWNED"
}
stop() { # PID: end a spawned process (timeout passes the signal on to its command)
  kill "$1" 2>/dev/null || true
  reap "$1" 2>/dev/null || true
}
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop "$pid"; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

listening() { # PORT: is a TCP socket listening on it? (reads /proc, connects to nothing)
  local f hex files=()
  hex=$(printf '%04X' "$1")
  for f in /proc/net/tcp /proc/net/tcp6; do [[ -r $f ]] && files+=("$f"); done
  awk -v p=":$hex" '$2 ~ (p "$") && $4 == "0A" { found = 1 } END { exit !found }' "${files[@]}"
}
wait_listening() { # PORT PID: wait up to 30 s for process PID to listen on PORT
  local i
  for ((i = 0; i < 300; i++)); do
    listening "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
status_text() { # EXIT_STATUS
  if (($1 == 124)); then echo "status 124 (timed out after $RUN_TIMEOUT s)"; else echo "status $1"; fi
}

# --- wstest ---------------------------------------------------------------------
find_python27() {
  local p
  for p in "${AUTOBAHN_PYTHON27:-}" "$(pyenv root 2>/dev/null || true)/versions/2.7.18/bin/python" \
    "$HOME/.pyenv/versions/2.7.18/bin/python" "$(command -v python2.7 || true)"; do
    if [[ -n $p && -x $p ]] && "$p" -c 'import sys; sys.exit(sys.version_info[:2] != (2, 7))'; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

install_wstest() {
  local py start=$SECONDS
  py=$(find_python27) || die "no Python 2.7 (set AUTOBAHN_PYTHON27, or install 2.7.18 with pyenv)"
  log "installing wstest with $py into $VENV"
  rm -rf "$BOOT" "$VENV"
  run 600 "$py" -m pip install --disable-pip-version-check --no-warn-script-location \
    --target "$BOOT" "${VIRTUALENV_PINS[@]}"
  PYTHONPATH=$BOOT run 300 "$py" -m virtualenv --app-data "$BOOT/app-data" "$VENV"
  run 900 "$VENV/bin/pip" install --disable-pip-version-check "${WSTEST_PINS[@]}"
  log "wstest installed in $((SECONDS - start)) s"
}

if ! timeout 60 "$WSTEST" --autobahnversion >/dev/null 2>&1; then
  install_wstest
  timeout 60 "$WSTEST" --autobahnversion >/dev/null || die "wstest does not run after installing it"
fi
log "$(timeout 60 "$WSTEST" --autobahnversion 2>/dev/null | tr '\n' ' ')"

# --- specs: the committed ones, with AUTOBAHN_CASES as the case list -------------
mkdir -p "$OUT"
for mode in fuzzingclient fuzzingserver; do
  timeout 60 python3 - "$SPECS/$mode.json" "$OUT/$mode.json" "$CASES" <<'EOF'
import json, sys
src, dst, cases = sys.argv[1:]
with open(src) as f:
    spec = json.load(f)
spec["cases"] = [c.strip() for c in cases.split(",") if c.strip()]
with open(dst, "w") as f:
    json.dump(spec, f, indent=2)
EOF
done
# The ids of the cases wstest will run, so that a run cut short (a testee crash, say) fails.
timeout 60 "$VENV/bin/python" - "$OUT/fuzzingclient.json" >"$OUT/expected-cases.json" <<'EOF' ||
import json, sys
from autobahntestsuite.fuzzing import CaseSet, CaseSetname, CaseBasename, Cases, CaseCategories, CaseSubCategories
with open(sys.argv[1]) as f:
    spec = json.load(f)
caseset = CaseSet(CaseSetname, CaseBasename, Cases, CaseCategories, CaseSubCategories)
cases = caseset.parseSpecCases(spec)
unknown = [c for c in cases if c not in caseset.CasesById]
if unknown or not cases:
    sys.exit("no such case: %s" % " ".join(unknown) if unknown else "no case matches")
print(json.dumps(cases))
EOF
  die "AUTOBAHN_CASES=\"$CASES\" does not select valid cases"
log "cases: \"$CASES\" ($(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$OUT/expected-cases.json") cases)"

# --- testees ----------------------------------------------------------------------
if [[ ${AUTOBAHN_SKIP_BUILD:-0} != 1 ]]; then
  log "cargo build --release --examples --features deflate,tokio"
  run 1800 cargo build --release --examples --features deflate,tokio
fi

# --- roles --------------------------------------------------------------------------
PROBLEMS=()
REPORT_ARGS=()

run_server_role() {
  local server rc=0
  [[ -x $SERVER_BIN ]] || die "no testee server at $SERVER_BIN"
  listening "$SERVER_PORT" && die "port $SERVER_PORT is already in use"
  rm -rf "$OUT/server"
  log "server role: $SERVER_BIN 127.0.0.1:$SERVER_PORT (log: $OUT/server-testee.log)"
  spawn "$((RUN_TIMEOUT + 60))" "$SERVER_BIN" "127.0.0.1:$SERVER_PORT" >"$OUT/server-testee.log" 2>&1
  server=$SPAWNED
  if ! wait_listening "$SERVER_PORT" "$server"; then
    tail -n 20 "$OUT/server-testee.log" >&2 || true
    die "the testee server did not listen on 127.0.0.1:$SERVER_PORT within 30 s"
  fi
  log "server role: wstest -m fuzzingclient (log: $OUT/server-wstest.log)"
  run "$RUN_TIMEOUT" "$WSTEST" -m fuzzingclient -s "$OUT/fuzzingclient.json" \
    >"$OUT/server-wstest.log" 2>&1 || rc=$?
  if ((rc != 0)); then
    tail -n 20 "$OUT/server-wstest.log" >&2 || true
    PROBLEMS+=("server role: wstest exited with $(status_text "$rc")")
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    tail -n 20 "$OUT/server-testee.log" >&2 || true
    PROBLEMS+=("server role: the testee server exited during the run")
  fi
  stop "$server"
  REPORT_ARGS+=("server=$OUT/server")
}

run_client_role() {
  local wstest rc=0
  [[ -x $CLIENT_BIN ]] || die "no testee client at $CLIENT_BIN"
  listening "$CLIENT_PORT" && die "port $CLIENT_PORT is already in use"
  rm -rf "$OUT/client"
  log "client role: wstest -m fuzzingserver (log: $OUT/client-wstest.log)"
  # -u 0: no embedded web server (it would listen on port 8080)
  spawn "$((RUN_TIMEOUT + 60))" "$WSTEST" -m fuzzingserver -u 0 -s "$OUT/fuzzingserver.json" \
    >"$OUT/client-wstest.log" 2>&1
  wstest=$SPAWNED
  if ! wait_listening "$CLIENT_PORT" "$wstest"; then
    tail -n 20 "$OUT/client-wstest.log" >&2 || true
    die "wstest fuzzingserver did not listen on 127.0.0.1:$CLIENT_PORT within 30 s"
  fi
  log "client role: $CLIENT_BIN ws://127.0.0.1:$CLIENT_PORT rfc6455 (log: $OUT/client-testee.log)"
  run "$RUN_TIMEOUT" "$CLIENT_BIN" "ws://127.0.0.1:$CLIENT_PORT" rfc6455 \
    >"$OUT/client-testee.log" 2>&1 || rc=$?
  if ((rc != 0)); then
    tail -n 20 "$OUT/client-testee.log" >&2 || true
    PROBLEMS+=("client role: the testee client exited with $(status_text "$rc")")
  fi
  stop "$wstest"
  REPORT_ARGS+=("client=$OUT/client")
}

for role in $ROLES; do
  [[ $role == server || $role == client ]] ||
    die "unknown role '$role' in AUTOBAHN_ROLES (use server and/or client)"
done
if [[ " $ROLES " == *" server "* && " $ROLES " == *" client "* ]]; then
  # Both roles at once: wstest (Python) is the bottleneck, so on two cores this
  # halves the wall time. The server role runs in a subshell, which reports its
  # problems through a file.
  rm -f "$OUT/server-problems"
  (
    run_server_role
    printf '%s\n' "${PROBLEMS[@]}" >"$OUT/server-problems"
  ) &
  server_role=$!
  run_client_role
  wait "$server_role" || true
  if [[ -f $OUT/server-problems ]]; then
    while IFS= read -r line; do [[ -n $line ]] && PROBLEMS+=("$line"); done <"$OUT/server-problems"
  else
    PROBLEMS+=("server role: did not finish")
  fi
  REPORT_ARGS=("server=$OUT/server" "client=$OUT/client")
else
  for role in $ROLES; do
    case $role in
      server) run_server_role ;;
      client) run_client_role ;;
    esac
  done
fi
((${#REPORT_ARGS[@]} > 0)) || die "AUTOBAHN_ROLES selects no role"

# --- report -----------------------------------------------------------------------------
echo
rc=0
timeout 120 python3 "$SPECS/report.py" --expected "$OUT/expected-cases.json" "${REPORT_ARGS[@]}" || rc=$?
if ((${#PROBLEMS[@]} > 0)); then
  echo "AUTOBAHN: FAIL (run problems)"
  printf '  %s\n' "${PROBLEMS[@]}"
  rc=1
fi
exit "$rc"

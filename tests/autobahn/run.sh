#!/usr/bin/env bash
# Autobahn|Testsuite conformance run for rfc6455, in both roles:
#   server role: wstest -m fuzzingclient drives examples/autobahn_server on 127.0.0.1:9002
#   client role: examples/autobahn_client drives wstest -m fuzzingserver on 127.0.0.1:9001
# then summarises target/autobahn/{server,client}/index.json (tests/autobahn/report.py)
# and exits non-zero if anything failed.
#
# Usage: bash tests/autobahn/run.sh        (works from any directory)
# Environment:
#   AUTOBAHN_CASES    comma-separated case patterns, default "*" (all); e.g. "1.*,2.*,9.1.1"
#   AUTOBAHN_ROLES    roles to run, default "server client"
#   AUTOBAHN_TIMEOUT  seconds allowed for each role's run, default 1800
#   AUTOBAHN_SKIP_BUILD=1                       skip `cargo build --release --examples`
#   AUTOBAHN_SERVER_BIN, AUTOBAHN_CLIENT_BIN    testees, default target/release/examples/autobahn_{server,client}
#   AUTOBAHN_PYTHON27                           Python 2.7 to install wstest with (default: pyenv's 2.7.18)
#
# wstest (autobahntestsuite, Python 2.7 only) is installed on first use into
# target/autobahn-venv with the pins below and reused while `wstest` runs.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
SPECS=tests/autobahn
OUT=target/autobahn
BOOT=target/autobahn-bootstrap
VENV=target/autobahn-venv
WSTEST=$VENV/bin/wstest
CASES=${AUTOBAHN_CASES:-*}
ROLES=${AUTOBAHN_ROLES:-server client}
RUN_TIMEOUT=${AUTOBAHN_TIMEOUT:-1800}
BIN_DIR=${CARGO_TARGET_DIR:-target}/release/examples
SERVER_BIN=${AUTOBAHN_SERVER_BIN:-$BIN_DIR/autobahn_server}
CLIENT_BIN=${AUTOBAHN_CLIENT_BIN:-$BIN_DIR/autobahn_client}
SERVER_PORT=9002 # our server, tested by wstest's fuzzingclient
CLIENT_PORT=9001 # wstest's fuzzingserver, tested by our client

# Python 2.7 versions that install and run together (pip resolves the same set
# unpinned today; the pins keep it that way).
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

# --- processes: every background process is recorded and ended on exit -------
PIDS=()
stop() { # PID: end a process this script started (timeout forwards the signal)
  local p keep=()
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
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
wait_listening() { # PORT PID: wait up to 30 s for PID to listen on PORT
  local i
  for ((i = 0; i < 300; i++)); do
    listening "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
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
  local py start
  py=$(find_python27) || die "no Python 2.7 found (set AUTOBAHN_PYTHON27, or install 2.7.18 with pyenv)"
  start=$SECONDS
  log "installing wstest with $py into $VENV"
  rm -rf "$BOOT" "$VENV"
  timeout 600 "$py" -m pip install --disable-pip-version-check --no-warn-script-location \
    --target "$BOOT" "${VIRTUALENV_PINS[@]}"
  PYTHONPATH=$BOOT timeout 300 "$py" -m virtualenv --app-data "$BOOT/app-data" "$VENV"
  timeout 900 "$VENV/bin/pip" install --disable-pip-version-check "${WSTEST_PINS[@]}"
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
# The case ids wstest will run, so that a run cut short (say, a testee crash) fails.
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
log "cases: \"$CASES\" ($(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$OUT/expected-cases.json") cases)"

# --- testees ----------------------------------------------------------------------
if [[ ${AUTOBAHN_SKIP_BUILD:-0} != 1 ]]; then
  log "cargo build --release --examples"
  timeout 1800 cargo build --release --examples
fi

# --- roles --------------------------------------------------------------------------
PROBLEMS=()
REPORT_ARGS=()
status_text() { # EXIT_STATUS
  if (($1 == 124)); then echo "status 124 (timed out after $RUN_TIMEOUT s)"; else echo "status $1"; fi
}

run_server_role() {
  local pid rc
  [[ -x $SERVER_BIN ]] || die "no testee server at $SERVER_BIN"
  listening "$SERVER_PORT" && die "port $SERVER_PORT is already in use"
  rm -rf "$OUT/server"
  log "server role: $SERVER_BIN 127.0.0.1:$SERVER_PORT (log: $OUT/server-testee.log)"
  timeout -k 10 "$((RUN_TIMEOUT + 60))" "$SERVER_BIN" "127.0.0.1:$SERVER_PORT" >"$OUT/server-testee.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  if ! wait_listening "$SERVER_PORT" "$pid"; then
    tail -n 20 "$OUT/server-testee.log" >&2 || true
    die "testee server did not listen on 127.0.0.1:$SERVER_PORT within 30 s"
  fi
  log "server role: wstest -m fuzzingclient (log: $OUT/server-wstest.log)"
  rc=0
  timeout -k 10 "$RUN_TIMEOUT" "$WSTEST" -m fuzzingclient -s "$OUT/fuzzingclient.json" \
    >"$OUT/server-wstest.log" 2>&1 || rc=$?
  if ((rc != 0)); then
    tail -n 20 "$OUT/server-wstest.log" >&2 || true
    PROBLEMS+=("server role: wstest exited with $(status_text "$rc")")
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    tail -n 20 "$OUT/server-testee.log" >&2 || true
    PROBLEMS+=("server role: the testee server exited during the run")
  fi
  stop "$pid"
  REPORT_ARGS+=("server=$OUT/server")
}

run_client_role() {
  local pid rc
  [[ -x $CLIENT_BIN ]] || die "no testee client at $CLIENT_BIN"
  listening "$CLIENT_PORT" && die "port $CLIENT_PORT is already in use"
  rm -rf "$OUT/client"
  log "client role: wstest -m fuzzingserver (log: $OUT/client-wstest.log)"
  # -u 0: no embedded web server (it would listen on port 8080)
  timeout -k 10 "$((RUN_TIMEOUT + 60))" "$WSTEST" -m fuzzingserver -u 0 -s "$OUT/fuzzingserver.json" \
    >"$OUT/client-wstest.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  if ! wait_listening "$CLIENT_PORT" "$pid"; then
    tail -n 20 "$OUT/client-wstest.log" >&2 || true
    die "wstest fuzzingserver did not listen on 127.0.0.1:$CLIENT_PORT within 30 s"
  fi
  log "client role: $CLIENT_BIN ws://127.0.0.1:$CLIENT_PORT rfc6455 (log: $OUT/client-testee.log)"
  rc=0
  timeout -k 10 "$RUN_TIMEOUT" "$CLIENT_BIN" "ws://127.0.0.1:$CLIENT_PORT" rfc6455 \
    >"$OUT/client-testee.log" 2>&1 || rc=$?
  if ((rc != 0)); then
    tail -n 20 "$OUT/client-testee.log" >&2 || true
    PROBLEMS+=("client role: the testee client exited with $(status_text "$rc")")
  fi
  stop "$pid"
  REPORT_ARGS+=("client=$OUT/client")
}

for role in $ROLES; do
  case $role in
    server) run_server_role ;;
    client) run_client_role ;;
    *) die "unknown role '$role' in AUTOBAHN_ROLES (use server and/or client)" ;;
  esac
done
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

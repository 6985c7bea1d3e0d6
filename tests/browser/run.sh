#!/usr/bin/env bash
# The seed's browser code against the example echo server: headless Chromium
# loads the demo page, which opens new WebSocket('ws://' + location.host +
# '/echo', ['soap', 'xmpp']) and sends 'Ping' on open. The rendered page must
# show the selected subprotocol (soap) and the echo ("Server: Ping").
# Checked straight against the server, then through nginx with
# examples/nginx/echo.conf in front of it (page and WebSocket on nginx's port),
# then over https:/wss: against the server's --tls mode (a certificate from a
# CA made at start, so Chromium is told to ignore certificate errors): with
# ALPN h2, where Chromium's own net log must show the page over HTTP/2 and
# the WebSocket as an extended CONNECT on that session (tests/browser/
# netlog.py), and with --http1, where it must show HTTP/1.1 only; then over
# ws: and wss: through tinyproxy as Chromium's forward proxy (CONNECT).
# Last, other clients against the same demo over HTTP/1.1: Node's `ws` (from
# npm) and python-websockets.
# Chromium runs under tests/browser/check.py, which watches the page in real
# time through DevTools. Installs Debian's chromium, nginx-light and tinyproxy
# when missing. Loopback only, bounded.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! command -v chromium >/dev/null; then
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
fi
# Debian puts nginx in /usr/sbin, which a normal user's PATH may lack.
PATH="$PATH:/usr/sbin:/sbin"
if ! command -v nginx >/dev/null; then
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null
fi
for tool in node:nodejs npm:npm; do
  if ! command -v "${tool%%:*}" >/dev/null; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${tool#*:}" >/dev/null
  fi
done
if ! command -v tinyproxy >/dev/null; then
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q tinyproxy >/dev/null
fi
cargo build -q --features axum,deflate,tokio-rustls,rustls-ring --example echo_server
# check.py speaks to Chromium's DevTools with python-websockets: the
# virtualenv the cargo tests make, made here if they have not run.
VENV="${CARGO_TARGET_DIR:-target}/tmp/python-websockets"
PYTHON="$VENV/bin/python"
if ! "$PYTHON" -c 'import websockets' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$PYTHON" -m pip install --quiet websockets==15.0.1
fi

PORT=9031
NGINX_PORT=9032
TLS_PORT=9033
PROXY_PORT=9034
HTTP1_PORT=9035
ECHO_SERVER="${CARGO_TARGET_DIR:-target}/debug/examples/echo_server"
"$ECHO_SERVER" "127.0.0.1:$PORT" >/dev/null &
SERVER=$!
NGINX=
TLS_SERVER=
HTTP1_SERVER=
PROXY=
PROFILE=$(mktemp -d)
NGINX_PREFIX=$(mktemp -d)
trap 'kill $SERVER $NGINX $TLS_SERVER $HTTP1_SERVER $PROXY 2>/dev/null || true; rm -rf "$PROFILE" "$NGINX_PREFIX"' EXIT

wait_for_port() {
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# check URL WHAT [FLAG...]: the demo page at URL in Chromium (with FLAGs), with
# a fresh profile, watched in real time by check.py; fails (naming WHAT)
# unless soap was selected and Ping echoed, with no error logged.
check() {
  local url=$1 what=$2
  shift 2
  if ! timeout 90 "$PYTHON" tests/browser/check.py "$url" "$@"; then
    printf 'browser check (%s) failed\n' "$what" >&2
    exit 1
  fi
  echo "browser check ($what): OK (subprotocol soap, echo 'Server: Ping')"
}

wait_for_port "$PORT" || { echo "the echo server did not start" >&2; exit 1; }
check "http://127.0.0.1:$PORT/" "direct"

# The same page through nginx, with the tested configuration.
sed -e "s|@LISTEN@|127.0.0.1:$NGINX_PORT|" -e "s|@UPSTREAM@|127.0.0.1:$PORT|" \
  -e "s|@PREFIX@|$NGINX_PREFIX|g" examples/nginx/echo.conf >"$NGINX_PREFIX/nginx.conf"
nginx -p "$NGINX_PREFIX/" -c "$NGINX_PREFIX/nginx.conf" -e "$NGINX_PREFIX/error.log" &
NGINX=$!
if ! wait_for_port "$NGINX_PORT"; then
  printf 'nginx did not start:\n' >&2
  cat "$NGINX_PREFIX/error.log" >&2 || true
  exit 1
fi
check "http://127.0.0.1:$NGINX_PORT/" "through nginx"

# https: and wss: against the server's --tls mode.
"$ECHO_SERVER" --tls "127.0.0.1:$TLS_PORT" >"$PROFILE/tls.out" &
TLS_SERVER=$!
wait_for_port "$TLS_PORT" || { echo "the TLS echo server did not start" >&2; exit 1; }
grep -q "^echo server on https://127.0.0.1:$TLS_PORT/" "$PROFILE/tls.out" ||
  { echo "unexpected banner: $(cat "$PROFILE/tls.out")" >&2; exit 1; }
check "https://127.0.0.1:$TLS_PORT/" "wss, direct, HTTP/2" --ignore-certificate-errors \
  --log-net-log="$PROFILE/h2.json"
python3 tests/browser/netlog.py "$PROFILE/h2.json" h2 ||
  { echo "Chromium's net log shows no WebSocket over HTTP/2" >&2; exit 1; }
grep -q "^WebSocket over an HTTP/2 stream" "$PROFILE/tls.out" ||
  { echo "the demo logged no HTTP/2 WebSocket: $(cat "$PROFILE/tls.out")" >&2; exit 1; }

# The same without h2 in ALPN: HTTP/1.1 throughout.
"$ECHO_SERVER" --tls --http1 "127.0.0.1:$HTTP1_PORT" >"$PROFILE/http1.out" &
HTTP1_SERVER=$!
wait_for_port "$HTTP1_PORT" || { echo "the --http1 echo server did not start" >&2; exit 1; }
check "https://127.0.0.1:$HTTP1_PORT/" "wss, direct, HTTP/1.1 only" --ignore-certificate-errors \
  --log-net-log="$PROFILE/http1.json"
python3 tests/browser/netlog.py "$PROFILE/http1.json" http1 ||
  { echo "Chromium's net log shows HTTP/2 where only HTTP/1.1 was offered" >&2; exit 1; }

# ws: and wss: through tinyproxy as the browser's proxy, which tunnels both
# with CONNECT. "<-loopback>" stops Chromium from bypassing the proxy for
# 127.0.0.1; the proxy's log must show the tunnels.
printf 'Port %s\nListen 127.0.0.1\nAllow 127.0.0.1\nLogLevel Connect\nLogFile "%s"\n' \
  "$PROXY_PORT" "$PROFILE/tinyproxy.log" >"$PROFILE/tinyproxy.conf"
tinyproxy -d -c "$PROFILE/tinyproxy.conf" >/dev/null 2>&1 &
PROXY=$!
wait_for_port "$PROXY_PORT" || { echo "tinyproxy did not start" >&2; exit 1; }
proxied=(--proxy-server="http://127.0.0.1:$PROXY_PORT" --proxy-bypass-list="<-loopback>")
check "http://127.0.0.1:$PORT/" "ws, through tinyproxy" "${proxied[@]}"
check "https://127.0.0.1:$TLS_PORT/" "wss, through tinyproxy" "${proxied[@]}" --ignore-certificate-errors
grep -q "CONNECT 127.0.0.1:$TLS_PORT " "$PROFILE/tinyproxy.log" ||
  { echo "tinyproxy saw no CONNECT for wss:" >&2; cat "$PROFILE/tinyproxy.log" >&2; exit 1; }

# Other clients against the same demo over HTTP/1.1.
NODE_WS="${CARGO_TARGET_DIR:-target}/tmp/node-ws"
if [ ! -d "$NODE_WS/node_modules/ws" ]; then
  mkdir -p "$NODE_WS"
  npm install --silent --prefix "$NODE_WS" ws@8 >/dev/null
fi
NODE_PATH="$NODE_WS/node_modules" timeout 30 node tests/browser/node_client.js "ws://127.0.0.1:$PORT/echo" ||
  { echo "Node's ws client failed against the demo" >&2; exit 1; }
echo "node ws client: OK"
timeout 30 "$PYTHON" - "ws://127.0.0.1:$PORT/echo" <<'PY' || { echo "python-websockets failed against the demo" >&2; exit 1; }
import sys
from websockets.sync.client import connect
with connect(sys.argv[1], subprotocols=["xmpp", "soap"], open_timeout=10) as ws:
    assert ws.subprotocol == "soap", ws.subprotocol
    for message in ["Ping", "héllo", bytes(range(256)) * 1024]:
        ws.send(message)
        assert ws.recv(timeout=10) == message
PY
echo "python-websockets client: OK"

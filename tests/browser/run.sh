#!/usr/bin/env bash
# The seed's browser code against the example echo server: headless Chromium
# loads the demo page, which opens new WebSocket('ws://' + location.host +
# '/echo', ['soap', 'xmpp']) and sends 'Ping' on open. The rendered page must
# show the selected subprotocol (soap) and the echo ("Server: Ping").
# Installs Debian's chromium when it is missing. Loopback only, bounded.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! command -v chromium >/dev/null; then
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
fi
cargo build -q --example echo_server

PORT=9031
target/debug/examples/echo_server "127.0.0.1:$PORT" >/dev/null &
SERVER=$!
PROFILE=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$PROFILE"' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done

# The flags keep Chromium off the (closed) network; see the machine notes.
DOM=$(timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$PROFILE" --virtual-time-budget=5000 --dump-dom "http://127.0.0.1:$PORT/" 2>/dev/null)

fail() { printf 'browser check failed: %s\n%s\n' "$1" "$DOM" >&2; exit 1; }
# What the page logged: the lines of <pre id="log">.
LOG=$(sed -n '/<pre id="log">/,/<\/pre>/p' <<<"$DOM")
grep -q '<code id="protocol">soap</code>' <<<"$DOM" || fail "subprotocol soap not selected"
grep -q 'Server: Ping' <<<"$LOG" || fail "no echo of Ping"
if grep -q 'Error' <<<"$LOG"; then fail "the page logged an error"; fi
echo "browser check: OK (subprotocol soap, echo 'Server: Ping')"

"""The demo page in headless Chromium, watched in real time.

    check.py URL [CHROMIUM_FLAG...]

Starts Chromium on URL with a fresh profile and its DevTools endpoint on,
then asks the page every 100 ms (Runtime.evaluate over the DevTools
WebSocket) for the selected subprotocol and the log, until the echo of
'Ping' is there or 20 s have passed. Exits 0 if the page selected 'soap',
logged 'Server: Ping' and logged no error; prints what it saw either way.

Real time rather than --virtual-time-budget: virtual time runs ahead while
a WebSocket handshake is in flight, so a slow handshake (a proxy, TLS, a
loaded machine) made the page look broken when it was not.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from websockets.sync.client import connect

CHROMIUM_FLAGS = [
    # Off the (closed) network; see the machine notes.
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--remote-debugging-port=0",
]
STATE = (
    "JSON.stringify([document.getElementById('protocol')?.textContent ?? '',"
    " document.getElementById('log')?.textContent ?? ''])"
)
WAIT = 20.0


def devtools_port(profile, chromium):
    """The port Chromium wrote to its profile once DevTools listens."""
    path = os.path.join(profile, "DevToolsActivePort")
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if chromium.poll() is not None:
            sys.exit(f"chromium exited with {chromium.returncode}")
        try:
            with open(path) as f:
                port = f.readline().strip()
            if port:
                return port
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    sys.exit("chromium did not open its DevTools port")


def page_target(port):
    """The DevTools WebSocket URL of the page (asked directly, never via a proxy)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with opener.open(f"http://127.0.0.1:{port}/json/list", timeout=5) as reply:
            pages = [t for t in json.load(reply) if t.get("type") == "page"]
        if pages:
            return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.05)
    sys.exit("chromium shows no page")


def watch(debugger_url):
    """(protocol, log) once the echo came or the wait is over."""
    protocol, log = "", ""
    with connect(debugger_url, proxy=None, max_size=None, open_timeout=10) as devtools:
        deadline = time.monotonic() + WAIT
        request = 0
        while time.monotonic() < deadline:
            request += 1
            devtools.send(json.dumps({
                "id": request,
                "method": "Runtime.evaluate",
                "params": {"expression": STATE, "returnByValue": True},
            }))
            while True:
                reply = json.loads(devtools.recv(timeout=10))
                if reply.get("id") == request:
                    break
            value = reply.get("result", {}).get("result", {}).get("value")
            if value:
                protocol, log = json.loads(value)
            if "Server: Ping" in log or "Error" in log:
                break
            time.sleep(0.1)
    return protocol, log


def main():
    url, flags = sys.argv[1], sys.argv[2:]
    profile = tempfile.mkdtemp()
    chromium = subprocess.Popen(
        ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *flags, url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        protocol, log = watch(page_target(devtools_port(profile, chromium)))
    finally:
        chromium.kill()
        chromium.wait()
        shutil.rmtree(profile, ignore_errors=True)
    print(f"subprotocol: {protocol!r}; log: {log.strip()!r}")
    ok = protocol == "soap" and "Server: Ping" in log and "Error" not in log
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""What Chromium's own net log (--log-net-log) says the demo page rode on.

    netlog.py FILE h2      the page came over HTTP/2 and the WebSocket was an
                           extended CONNECT (RFC 8441) on that same session
    netlog.py FILE http1   no HTTP/2 at all: page and WebSocket over HTTP/1.1

Prints the events it relied on (the lines quoted in notes) and exits 0 if
the log shows what was asked, 1 otherwise. The log of a Chromium that was
stopped may lack its closing brackets: events are read one per line.
"""

import json
import sys


def read(path):
    """(event type names by number, events) of a net log file."""
    with open(path) as f:
        first = f.readline()
        prefix = '{"constants":'
        if not first.startswith(prefix):
            sys.exit(f"{path}: not a Chromium net log")
        constants = json.loads(first[len(prefix):].rstrip().rstrip(","))
        names = {number: name for name, number in constants["logEventTypes"].items()}
        events = []
        for line in f:
            line = line.strip().rstrip(",")
            if line.startswith('{"'):
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError:
                    pass  # the last line of a log cut short
    return names, events


def sent_h2_headers(names, events):
    """(session id, pseudo-headers as a dict) of each HTTP/2 request sent."""
    sent = []
    for event in events:
        if names.get(event["type"]) != "HTTP2_SESSION_SEND_HEADERS":
            continue
        fields = dict(
            line.split(": ", 1) for line in event["params"]["headers"] if line.startswith(":")
        )
        sent.append((event["source"]["id"], fields))
    return sent


def show(what, fields):
    shown = ", ".join(f"{k}: {v}" for k, v in fields.items())
    print(f"  {what}: HTTP2_SESSION_SEND_HEADERS [{shown}]")


def check_h2(names, events):
    sent = sent_h2_headers(names, events)
    pages = [(s, f) for s, f in sent if f.get(":method") == "GET" and f.get(":path") == "/"]
    sockets = [
        (s, f) for s, f in sent
        if f.get(":method") == "CONNECT" and f.get(":protocol") == "websocket"
    ]
    if not pages or not sockets:
        print(f"no h2 page request ({len(pages)}) or no extended CONNECT ({len(sockets)})")
        return False
    show("page", pages[0][1])
    show("WebSocket", sockets[0][1])
    same = {s for s, _ in pages} & {s for s, _ in sockets}
    print(f"  on the same HTTP/2 session: {bool(same)}")
    return bool(same) and connected(names, events)


def check_http1(names, events):
    kinds = {names.get(e["type"]) for e in events}
    if "HTTP2_SESSION_INITIALIZED" in kinds:
        print("an HTTP/2 session was opened")
        return False
    upgrades = [
        e["params"]["line"].strip() for e in events
        if names.get(e["type"]) == "HTTP_TRANSACTION_SEND_REQUEST_HEADERS"
        and "upgrade: websocket" in "\n".join(e["params"].get("headers", [])).lower()
    ]
    if not upgrades:
        print("no HTTP/1.1 request with Upgrade: websocket")
        return False
    print(f"  WebSocket: HTTP_TRANSACTION_SEND_REQUEST_HEADERS {upgrades[0]!r}, Upgrade: websocket")
    return connected(names, events)


def connected(names, events):
    """Whether a WebSocket reached CONNECTED."""
    for event in events:
        if names.get(event["type"]) == "WEBSOCKET_STATE_CHANGED":
            if event.get("params", {}).get("new_state") == "CONNECTED":
                print("  WEBSOCKET_STATE_CHANGED CONNECTING -> CONNECTED")
                return True
    print("no WebSocket reached CONNECTED")
    return False


def main():
    path, expected = sys.argv[1], sys.argv[2]
    names, events = read(path)
    print(f"net log {path}: {len(events)} events")
    ok = {"h2": check_h2, "http1": check_http1}[expected](names, events)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

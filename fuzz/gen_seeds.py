#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/seeds/<target>/ (run once; the output is committed).

Connection targets take a 9-byte setup first (see rfc6455_fuzz::Setup):
flags, max_frame_size (u16 BE), max_message_size (u16 BE), four piece sizes.
Handshake targets take their own short setup (see the targets' docs).
"""
import base64
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = bytes([0x37, 0xFA, 0x21, 0x3D])


def frame(opcode, payload=b"", fin=True, mask=None, rsv=0):
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head = bytes([b0, m | n])
    elif n < 65536:
        head = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += mask
    return head + payload


def setup(flags=0, max_frame=4096, max_message=16384, pieces=(0, 6, 1, 254)):
    return bytes([flags]) + struct.pack(">HH", max_frame, max_message) + bytes(pieces)


def frame_streams(mask):
    """Name -> wire bytes, as a peer in the other role would send them."""
    f = lambda *a, **k: frame(*a, mask=mask, **k)
    return {
        "text": f(0x1, b"Hello, WebSocket"),
        "binary": f(0x2, bytes(range(200))),
        "text_utf8": f(0x1, "h\u00e9llo \u20ac \U0001F600".encode()),
        "fragmented_text": f(0x1, b"Hel", fin=False) + f(0x0, b"lo ", fin=False) + f(0x0, b"world"),
        "fragmented_split_code_point": f(0x1, "\u20ac".encode()[:1], fin=False)
        + f(0x9, b"mid")
        + f(0x0, "\u20ac".encode()[1:]),
        "ping_pong": f(0x9, b"ping") + f(0xA, b"pong") + f(0x9, b""),
        "close_1000": f(0x8, struct.pack(">H", 1000) + b"bye"),
        "close_empty": f(0x8),
        "close_4000": f(0x1, b"x") + f(0x8, struct.pack(">H", 4000)),
        "close_bad_code": f(0x8, struct.pack(">H", 1005)),
        "medium_binary": f(0x2, b"\xab" * 300),
        "bad_utf8": f(0x1, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"),
        "reserved_opcode": f(0x3, b"x"),
        "rsv_set": f(0x1, b"x", rsv=4),
        "too_large": bytes([0x82, (0x80 if mask else 0) | 127]) + struct.pack(">Q", 1 << 40) + (mask or b""),
    }


CRLF = "\r\n"


def http(lines, body=b""):
    return (CRLF.join(lines) + CRLF + CRLF).encode() + body


# Requests as real clients send them (keys and cookies made up).
REQUESTS = {
    "chrome": http([
        "GET /chat HTTP/1.1",
        "Host: example.com",
        "Connection: Upgrade",
        "Pragma: no-cache",
        "Cache-Control: no-cache",
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "Upgrade: websocket",
        "Origin: https://example.com",
        "Sec-WebSocket-Version: 13",
        "Accept-Encoding: gzip, deflate, br",
        "Accept-Language: en-US,en;q=0.9",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
    ]),
    "firefox": http([
        "GET /socket?room=1 HTTP/1.1",
        "Host: example.com:8080",
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Accept: */*",
        "Accept-Language: en-US,en;q=0.5",
        "Accept-Encoding: gzip, deflate, br",
        "Sec-WebSocket-Version: 13",
        "Origin: http://example.com:8080",
        "Sec-WebSocket-Protocol: chat, superchat",
        "Sec-WebSocket-Extensions: permessage-deflate",
        "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==",
        "Connection: keep-alive, Upgrade",
        "Sec-Fetch-Dest: empty",
        "Sec-Fetch-Mode: websocket",
        "Sec-Fetch-Site: same-origin",
        "Pragma: no-cache",
        "Cache-Control: no-cache",
        "Upgrade: websocket",
    ]),
    "curl": http([
        "GET / HTTP/1.1",
        "Host: localhost:9001",
        "User-Agent: curl/8.5.0",
        "Accept: */*",
        "Upgrade: websocket",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==",
        "Connection: Upgrade",
    ]),
    "python_websockets": http([
        "GET /ws HTTP/1.1",
        "Host: 127.0.0.1:8765",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: 9mqvTOsGfnIqNOQ1dPGDBQ==",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
        "User-Agent: Python/3.12 websockets/12.0",
    ]),
}


def accept_key(key):
    digest = hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
    return base64.b64encode(digest).decode()


def fuzz_random_key(seed):
    """The Sec-WebSocket-Key that rfc6455_fuzz::FuzzRandom::new(seed) makes."""
    m, x, out = (1 << 64) - 1, seed, []
    for _ in range(16):
        x ^= (x << 13) & m
        x ^= x >> 7
        x ^= (x << 17) & m
        out.append(x & 0xFF)
    return base64.b64encode(bytes(out)).decode()


def handshake_setup(max_size=4096, max_headers=64, pieces=(0, 9, 40, 255)):
    return struct.pack(">H", max_size) + bytes([max_headers]) + bytes(pieces)


def write(target, name, data):
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as fh:
        fh.write(data)


def main():
    # frame_header: bare headers.
    masked, unmasked = frame_streams(KEY), frame_streams(None)
    for name in ("text", "fragmented_text", "ping_pong", "close_1000", "too_large"):
        write("frame_header", name, masked[name][:14])
        write("frame_header", name + "_unmasked", unmasked[name][:14])
    write("frame_header", "len16", frame(0x2, b"\x00" * 300)[:4])
    write("frame_header", "len64", bytes([0x82, 0xFF]) + struct.pack(">Q", 70000) + KEY)

    # Connection targets: masked frames to a server, unmasked to a client.
    for target, mask in (("server_connection", KEY), ("client_connection", None)):
        streams = frame_streams(mask)
        for i, (name, wire) in enumerate(streams.items()):
            flags = i % 8  # streaming / no auto_pong / lenient, in turn
            write(target, name, setup(flags=flags) + wire)
        everything = b"".join(w for n, w in streams.items() if n.startswith(("text", "binary", "frag", "ping")))
        write(target, "conversation", setup(pieces=(3, 0, 17, 100)) + everything + streams["close_1000"])
        write(target, "conversation_streaming", setup(flags=1, max_frame=64, max_message=300) + everything)

    # server_handshake: real clients' requests, one with a frame pipelined behind it.
    for name, request in REQUESTS.items():
        write("server_handshake", name, handshake_setup() + request)
    write("server_handshake", "curl_pipelined", handshake_setup() + REQUESTS["curl"] + frame(0x1, b"hi", mask=KEY))
    write("server_handshake", "http10", handshake_setup() + REQUESTS["curl"].replace(b"HTTP/1.1", b"HTTP/1.0"))

    # client_handshake: mode byte 0 (raw response) with the key client_handshake.rs
    # makes (KEY_SEED), or odd (edits to the genuine response; none here).
    accept = accept_key(fuzz_random_key(0x5EED))
    ok = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
          "Sec-WebSocket-Accept: " + accept]
    write("client_handshake", "accepted", handshake_setup() + b"\x00" + http(ok))
    write("client_handshake", "accepted_protocol_extension", handshake_setup() + b"\x06" + http(
        ok + ["Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover"]))
    write("client_handshake", "accepted_pipelined", handshake_setup() + b"\x00" + http(ok) + frame(0x1, b"hello"))
    write("client_handshake", "unauthorized", handshake_setup() + b"\x00" + http([
        "HTTP/1.1 401 Unauthorized", "WWW-Authenticate: Basic realm=\"ws\"", "Content-Length: 0"]))
    write("client_handshake", "wrong_key", handshake_setup() + b"\x00" + http(ok[:3] + ["Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="]))
    write("client_handshake", "genuine", handshake_setup() + b"\x01")
    write("client_handshake", "genuine_protocol_extension", handshake_setup() + b"\x1f")

    # roundtrip: the input is `arbitrary`'s encoding of a struct, which any bytes
    # decode to; a few varied byte strings give the fuzzer a start.
    write("roundtrip", "text_and_binary", b"\x01\x00\x10\x01\x10\x00\x03" + "h\u00e9llo \u20ac".encode() * 4 + bytes(range(64)))
    write("roundtrip", "fragments", b"\x00\x01\x07\x00\x02\x05\x03\x40\x03\x02\x10\x20" + "\U0001F600 \u20ac!".encode() * 8)
    write("roundtrip", "pings", b"\x01\x00\x00\x01\x02\x00" + b"\x05\x04ping\x06\x04pong" * 6)


if __name__ == "__main__":
    main()

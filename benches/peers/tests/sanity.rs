//! The added peers' drivers do the checks the benches count on: invalid UTF-8
//! in text (whole or split across fragments) is refused, and pings are
//! answered with pongs.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rfc6455_peers::common::{Kind, MemStream, Workload, write_frame};
use rfc6455_peers::{sockudo_peer, tokio_websockets_peer, wtx_peer, yawc_peer};

const KEY: Option<[u8; 4]> = Some([0x37, 0xfa, 0x21, 0x3d]);

/// Wires that a validating server must refuse.
fn invalid_texts() -> Vec<&'static [u8]> {
    let mut whole = Vec::new();
    write_frame(&mut whole, true, 0x1, b"ok \xff\xfe", KEY);
    // "é" (C3 A9) split across two fragments is valid; C3 then 28 is not.
    let mut split = Vec::new();
    write_frame(&mut split, false, 0x1, b"abc\xc3", KEY);
    write_frame(&mut split, true, 0x0, b"(def", KEY);
    vec![Vec::leak(whole), Vec::leak(split)]
}

fn refuses(name: &str, decode: impl FnOnce()) {
    let outcome = catch_unwind(AssertUnwindSafe(decode));
    assert!(outcome.is_err(), "{name} accepted invalid UTF-8");
}

#[test]
fn invalid_utf8_is_refused() {
    for wire in invalid_texts() {
        refuses("tokio-websockets", || {
            tokio_websockets_peer::Decoder::new().decode(wire, 1);
        });
        refuses("sockudo-ws", || {
            sockudo_peer::Decoder::new().decode(wire);
        });
        refuses("yawc", || {
            yawc_peer::Decoder::new().decode(wire, 1);
        });
        refuses("wtx", || {
            wtx_peer::Decoder::new().decode(wire, 1);
        });
    }
}

#[test]
fn valid_split_code_point_is_accepted() {
    let mut split = Vec::new();
    write_frame(&mut split, false, 0x1, b"abc\xc3", KEY);
    write_frame(&mut split, true, 0x0, b"\xa9def", KEY);
    let wire: &'static [u8] = Vec::leak(split);
    let one = rfc6455_peers::common::Counts {
        messages: 1,
        bytes: 8,
    };
    assert_eq!(tokio_websockets_peer::Decoder::new().decode(wire, 1), one);
    assert_eq!(sockudo_peer::Decoder::new().decode(wire), one);
    assert_eq!(yawc_peer::Decoder::new().decode(wire, 1), one);
    assert_eq!(wtx_peer::Decoder::new().decode(wire, 1), one);
}

#[test]
fn pings_are_answered() {
    let workload = Workload::binary(16, 1000).with_pings(10);
    assert_eq!(workload.kind, Kind::Binary);
    let wire: &'static [u8] = Vec::leak(workload.wire(true));
    let n = workload.expected().messages;
    // 100 pings of 8 bytes: 100 unmasked pongs of 10 bytes. The crates that
    // queue a pong write it on their next poll, so the last one may wait.
    let least = 99 * 10;

    let mut tws = tokio_websockets_peer::Decoder::new();
    tws.decode(wire, n);
    assert!(
        tws.written() >= least,
        "tokio-websockets: {}",
        tws.written()
    );

    let mut sockudo = sockudo_peer::Decoder::new();
    sockudo.decode(wire);
    assert_eq!(sockudo.written(), 100 * 10, "sockudo-ws");

    let mut yawc = yawc_peer::Decoder::new();
    yawc.decode(wire, n);
    assert_eq!(yawc.written(), 100 * 10, "yawc");

    // wtx keeps its stream to itself: the same drive over a borrowed stream,
    // to see what it wrote.
    let rt = rfc6455_peers::common::runtime();
    let mut stream = MemStream::default();
    stream.feed.set(wire);
    rt.block_on(async {
        let mut ws = wtx::web_socket::WebSocket::<_, _, _, _, false>::new(
            (),
            false,
            wtx::rng::Xorshift64::new(1),
            &mut stream,
            wtx::web_socket::WebSocketBuffer::new(),
        );
        let mut buffer = wtx::collection::Vector::new();
        let mut messages = 0;
        while messages < n {
            let frame = ws
                .read_frame(
                    &mut buffer,
                    wtx::web_socket::WebSocketPayloadOrigin::Adaptive,
                )
                .await
                .unwrap();
            messages += usize::from(frame.op_code() == wtx::web_socket::OpCode::Binary);
        }
    });
    assert_eq!(stream.written, 100 * 10, "wtx");
}

//! Allocations per message and memory per idle connection, counted with a
//! global allocator that counts (deterministic, so no timing involved).
//! Prints a table; `tests/core/allocations.rs` asserts this crate's figures.
//!
//! - allocations per message: a decoder (or encoder) that lives across
//!   batches handles one batch to warm up, then the allocations made while it
//!   handles a second batch are divided by the batch's messages;
//! - idle connection: the size of the connection value plus the heap it
//!   holds right after the handshake, before any traffic;
//! - with the `deflate` feature: the heap a permessage-deflate connection
//!   holds idle and after one message each way, per window size, and the cost
//!   of a decompression bomb (time to the 1009 error and peak heap).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};

use common::{FastwebsocketsDecoder, OursDecoder, Outgoing, TungsteniteDecoder, Workload};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
/// The highest `LIVE_BYTES` seen since the last [`reset_peak`].
static PEAK_BYTES: AtomicIsize = AtomicIsize::new(0);

fn grow_live(delta: isize) {
    let live = LIVE_BYTES.fetch_add(delta, Relaxed) + delta;
    PEAK_BYTES.fetch_max(live, Relaxed);
}

/// Starts a new peak measurement; returns the live bytes it starts from.
#[cfg(feature = "deflate")]
fn reset_peak() -> isize {
    let live = LIVE_BYTES.load(Relaxed);
    PEAK_BYTES.store(live, Relaxed);
    live
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        grow_live(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        grow_live(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Relaxed);
    f();
    ALLOCATIONS.load(Relaxed) - before
}

/// Heap bytes still held, once `make` returned, by what it returned.
fn heap_held<T>(make: impl FnOnce() -> T) -> (T, isize) {
    let before = LIVE_BYTES.load(Relaxed);
    let value = make();
    (value, LIVE_BYTES.load(Relaxed) - before)
}

fn per_message(workload: &Workload) -> [f64; 3] {
    let wire: &'static [u8] = Vec::leak(workload.wire(true));
    let n = workload.payloads.len() as f64;
    let expected = workload.expected();
    let mut ours = OursDecoder::new();
    let mut tung = TungsteniteDecoder::new();
    let mut fws = FastwebsocketsDecoder::new();
    ours.decode(wire);
    tung.decode(wire);
    fws.decode(wire, expected.messages);
    [
        allocations_during(|| assert_eq!(ours.decode(wire), expected)) as f64 / n,
        allocations_during(|| assert_eq!(tung.decode(wire), expected)) as f64 / n,
        allocations_during(|| assert_eq!(fws.decode(wire, expected.messages), expected)) as f64 / n,
    ]
}

fn encode_per_message(workload: &Workload, client: bool) -> [f64; 3] {
    let out = Outgoing::new(workload);
    let rt = common::runtime();
    let n = workload.payloads.len() as f64;
    // Fresh connection per batch here (the encoders are not kept), so the
    // count includes each connection's first buffer growth, spread over n.
    [
        allocations_during(|| {
            common::encode_ours(&out, client);
        }) as f64
            / n,
        allocations_during(|| {
            common::encode_tungstenite(&out.tungstenite, client);
        }) as f64
            / n,
        allocations_during(|| {
            common::encode_fastwebsockets(&rt, &out.raw, out.kind, client);
        }) as f64
            / n,
    ]
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    println!("allocations per message, steady state (rfc6455 / tungstenite / fastwebsockets)");
    for workload in [
        Workload::binary(16, 4096),
        Workload::binary(125, 4096),
        Workload::binary(1024, 1024),
        Workload::binary(64 << 10, 32),
        Workload::ascii(1024, 1024),
        Workload::mixed(1024, 1024),
        Workload::binary(16, 4096).with_pings(10),
        Workload::binary(64 << 10, 8).fragmented(1024),
    ] {
        let [a, b, c] = per_message(&workload);
        println!("  decode {:<40} {a:>8.3} {b:>8.3} {c:>8.3}", workload.name);
    }
    for client in [false, true] {
        for workload in [Workload::binary(125, 4096), Workload::binary(64 << 10, 32)] {
            let [a, b, c] = encode_per_message(&workload, client);
            let role = if client { "client" } else { "server" };
            println!(
                "  encode {role} {:<33} {a:>8.3} {b:>8.3} {c:>8.3}",
                workload.name
            );
        }
    }

    println!("idle connection after the handshake: size + heap = total bytes");
    let config = rfc6455::Config::default();
    // The response bytes are written and dropped before measuring.
    let (conn, heap) = heap_held(|| common::handshake_server_ours(&config).1);
    report("rfc6455 server", std::mem::size_of_val(&conn), heap);
    drop(conn);
    let (conn, heap) = heap_held(|| common::handshake_client_ours(&config));
    report("rfc6455 client", std::mem::size_of_val(&conn), heap);
    drop(conn);
    let (ws, heap) = heap_held(common::handshake_server_tungstenite);
    report("tungstenite server", std::mem::size_of_val(&ws), heap);
    drop(ws);
    let (ws, heap) = heap_held(common::handshake_client_tungstenite);
    report("tungstenite client", std::mem::size_of_val(&ws), heap);
    drop(ws);
    let (ws, heap) = heap_held(|| {
        fastwebsockets::WebSocket::after_handshake(
            common::MemStream::default(),
            fastwebsockets::Role::Server,
        )
    });
    report(
        "fastwebsockets server (no HTTP: hyper's)",
        std::mem::size_of_val(&ws),
        heap,
    );
    #[cfg(feature = "deflate")]
    deflate_memory();
}

fn report(name: &str, size: usize, heap: isize) {
    println!(
        "  {name:<42} {size:>6} + {heap:>7} = {:>7}",
        size as isize + heap
    );
}

/// Heap held per connection with permessage-deflate, and the bomb's cost.
#[cfg(feature = "deflate")]
fn deflate_memory() {
    use rfc6455::{Config, Connection, Message};

    let config = Config::default();
    let (conn, heap) = heap_held(|| common::handshake_server_ours(&config).1);
    assert!(
        conn.deflate().is_some(),
        "the browser request offers deflate"
    );
    println!(
        "permessage-deflate, server connection (heap bytes; struct {} B)",
        std::mem::size_of_val(&conn)
    );
    println!("  after a handshake that negotiated it (Chromium's offer), no traffic: {heap:>7}");
    drop(conn);

    // One message each way: the server sends one and receives one, the
    // output is taken and dropped, the received message dropped.
    let mut rng = common::Rng(0x0de_f1a7e);
    let text = String::from_utf8(common::json_text(&mut rng, 1 << 10)).expect("ASCII");
    let message = Message::Text(text.into());
    // What one message sent, one received, or both leave held.
    let exchange = |conn: &mut Connection, wire: &[u8], send: bool, receive: bool| {
        if send {
            conn.send(message.clone()).expect("send");
            drop(conn.take_output());
        }
        if receive {
            common::receive_all(conn, wire, drop);
        }
    };
    let plain_wire = common::wire_of(
        &mut Connection::client(config.clone()),
        std::slice::from_ref(&message),
    );
    let plain = |send, receive| {
        let (conn, heap) = heap_held(|| {
            let mut conn = Connection::server(config.clone());
            exchange(&mut conn, &plain_wire, send, receive);
            conn
        });
        drop(conn);
        heap
    };
    let (plain_sent, plain_received, plain_both) =
        (plain(true, false), plain(false, true), plain(true, true));
    println!(
        "  traffic: 1 KiB JSON messages; without deflate the connection then holds {plain_sent} B (1 sent), {plain_received} B (1 received), {plain_both} B (both)"
    );
    println!("  heap minus the same without deflate, i.e. the zlib-rs states:");
    println!(
        "  window bits  context takeover  idle (with_deflate)  1 sent  1 received  1 sent + 1 received"
    );
    for window_bits in [15, 12, 9] {
        for no_takeover in [false, true] {
            let params = common::deflate_params(window_bits, no_takeover);
            let wire = common::wire_of(
                &mut common::deflate_client(config.clone(), params),
                std::slice::from_ref(&message),
            );
            let (conn, idle) =
                heap_held(|| Connection::server(config.clone()).with_deflate(params));
            drop(conn);
            let held = |send, receive| {
                let (conn, heap) = heap_held(|| {
                    let mut conn = Connection::server(config.clone()).with_deflate(params);
                    exchange(&mut conn, &wire, send, receive);
                    conn
                });
                drop(conn);
                heap
            };
            println!(
                "  {window_bits:>11}  {:>16}  {idle:>19}  {:>6}  {:>10}  {:>19}",
                if no_takeover { "no" } else { "yes" },
                held(true, false) - plain_sent,
                held(false, true) - plain_received,
                held(true, true) - plain_both,
            );
        }
    }

    // What one delivered message holds (the receiver may keep it); the
    // second of two, so the zlib state made by the first is not counted.
    let two = [message.clone(), message.clone()];
    let delivered = |mut conn: Connection, wire: &[u8]| {
        conn.receive(wire);
        drop(conn.next_event().expect("valid").expect("message"));
        let (message, heap) = heap_held(|| conn.next_event().expect("valid").expect("message"));
        drop(message);
        heap
    };
    let params = common::deflate_params(15, false);
    let compressed = delivered(
        Connection::server(config.clone()).with_deflate(params),
        &common::wire_of(&mut common::deflate_client(config.clone(), params), &two),
    );
    let plain = delivered(
        Connection::server(config.clone()),
        &common::wire_of(&mut Connection::client(config.clone()), &two),
    );
    println!(
        "  a delivered 1 KiB message holds {compressed} B of heap when it came compressed, {plain} B when not"
    );

    // The bomb: one frame of 64 MiB of zeros compressed (level 9), received
    // by a server that allows 1 MiB messages.
    let mut sender_config = Config::default();
    sender_config.deflate.compression_level = 9;
    let params = common::deflate_params(15, false);
    let bomb = common::wire_of(
        &mut common::deflate_client(sender_config, params),
        &[Message::Binary(vec![0u8; 64 << 20].into())],
    );
    let mut config = Config::default();
    config.max_message_size = 1 << 20;
    let mut conn = Connection::server(config).with_deflate(params);
    let base = reset_peak();
    let start = std::time::Instant::now();
    conn.receive(&bomb);
    let result = conn.next_event();
    let elapsed = start.elapsed();
    let peak = PEAK_BYTES.load(Relaxed) - base;
    assert_eq!(
        result.err(),
        Some(rfc6455::ProtocolError::MessageTooLarge.into())
    );
    let code = Some(u16::from(
        rfc6455::ProtocolError::MessageTooLarge.close_code(),
    ));
    println!(
        "bomb: a {} B frame inflating to 64 MiB, max_message_size 1 MiB: error {code:?} after {:.2} ms, peak heap {peak} B above the idle connection",
        bomb.len(),
        elapsed.as_secs_f64() * 1e3,
    );
}

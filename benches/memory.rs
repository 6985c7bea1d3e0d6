//! Allocations per message and memory per idle connection, counted with a
//! global allocator that counts (deterministic, so no timing involved).
//! Prints a table; `tests/allocations.rs` asserts this crate's figures.
//!
//! - allocations per message: a decoder (or encoder) that lives across
//!   batches handles one batch to warm up, then the allocations made while it
//!   handles a second batch are divided by the batch's messages;
//! - idle connection: the size of the connection value plus the heap it
//!   holds right after the handshake, before any traffic.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};

use common::{FastwebsocketsDecoder, OursDecoder, Outgoing, TungsteniteDecoder, Workload};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        LIVE_BYTES.fetch_add(layout.size() as isize, Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        LIVE_BYTES.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
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
            common::encode_ours(&out.ours, client);
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
}

fn report(name: &str, size: usize, heap: isize) {
    println!(
        "  {name:<42} {size:>6} + {heap:>7} = {:>7}",
        size as isize + heap
    );
}

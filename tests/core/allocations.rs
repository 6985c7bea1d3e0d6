//! Allocation counts, which are deterministic (timings are never asserted):
//! the unfragmented receive path allocates nothing per message in steady
//! state, and an idle connection holds under 1 KiB. Counted per thread by a
//! counting global allocator, so tests running in parallel do not disturb
//! each other. `cargo bench --bench memory` prints the same figures next to
//! tungstenite's and fastwebsockets'.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::{Buf, Bytes};
use rfc6455::handshake::{Accept, ServerHandshake};
use rfc6455::{Config, Connection, Event, EventRef, Message};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
}

fn count(allocations: usize, bytes: isize) {
    // `try_with`: the thread's counters may already be gone while it exits.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + allocations));
    let _ = LIVE_BYTES.try_with(|c| c.set(c.get() + bytes));
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are only statistics (thread-local cells with const initializers,
// which never allocate).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(1, layout.size() as isize);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(0, -(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(1, new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

fn live_bytes() -> isize {
    LIVE_BYTES.with(Cell::get)
}

/// `count` masked client frames of `size` bytes (text if `text`).
fn wire(size: usize, count: usize, text: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..count {
        let key = (i as u32 ^ 0x5a5a_1234).to_ne_bytes();
        out.push(0x80 | if text { 0x1 } else { 0x2 });
        match size {
            n @ 0..=125 => out.push(0x80 | n as u8),
            n @ 126..=0xFFFF => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&key);
        let payload = (0..size).map(|j| {
            if text {
                b"h\xc3\xa9llo w\xc3\xb6rld "[j % 14]
            } else {
                j as u8
            }
        });
        // Keep text valid: only cut between code points.
        let mut payload: Vec<u8> = payload.collect();
        if text {
            while std::str::from_utf8(&payload).is_err() {
                let last = payload.len() - 1;
                payload[last] = b'.';
            }
        }
        out.extend(payload.iter().enumerate().map(|(j, b)| b ^ key[j % 4]));
    }
    out
}

/// Feeds `wire` in 64 KiB reads, dropping each message as an echo server's
/// caller would after using it (or borrowing it, if `lend`); returns the
/// messages seen.
fn feed(conn: &mut Connection, wire: &[u8], lend: bool) -> usize {
    let mut messages = 0;
    for piece in wire.chunks(64 * 1024) {
        conn.receive(piece);
        if lend {
            while let Some(event) = conn.next_event_ref().expect("valid frames") {
                messages += usize::from(matches!(event, EventRef::Message(_)));
            }
        }
        while let Some(event) = conn.next_event().expect("valid frames") {
            if let Event::Message(message) = event {
                messages += 1;
                drop(message);
            }
        }
        let output = conn.output();
        output.advance(output.remaining());
    }
    messages
}

/// Allocations during a second batch, whole messages taken with
/// `next_event` and then lent with `next_event_ref`.
fn steady_state_allocations(size: usize, count: usize, text: bool) -> [usize; 2] {
    let wire = wire(size, count, text);
    [false, true].map(|lend| {
        let mut conn = Connection::server(Config::default());
        // The first batch grows the read buffer; the second must reuse it.
        assert_eq!(feed(&mut conn, &wire, lend), count);
        let before = allocations();
        assert_eq!(feed(&mut conn, &wire, lend), count);
        allocations() - before
    })
}

#[test]
fn unfragmented_binary_receive_allocates_nothing_per_message_in_steady_state() {
    for (size, count) in [
        (0, 1000),
        (16, 5000),
        (125, 2000),
        (1024, 500),
        (64 << 10, 20),
    ] {
        assert_eq!(
            steady_state_allocations(size, count, false),
            [0, 0],
            "{size}-byte messages"
        );
    }
}

#[test]
fn unfragmented_text_receive_allocates_nothing_per_message_in_steady_state() {
    for (size, count) in [(16, 5000), (1024, 500), (64 << 10, 20)] {
        assert_eq!(
            steady_state_allocations(size, count, true),
            [0, 0],
            "{size}-byte messages"
        );
    }
}

/// Checks that `conn` and the `heap` bytes it holds total under 1 KiB.
fn assert_under_1_kib(what: &str, conn: &Connection, heap: isize) {
    let size = std::mem::size_of_val(conn);
    let total = size as isize + heap;
    println!("{what}: {size} bytes + {heap} heap = {total}");
    assert!(total < 1024, "{what} holds {total} bytes");
}

#[test]
fn idle_server_connection_holds_under_1_kib() {
    let request = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
        Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Sec-WebSocket-Version: 13\r\nOrigin: http://example.com\r\n\r\n";
    let config = Config::default();
    let before = live_bytes();
    let conn = {
        let mut handshake = ServerHandshake::new(config.clone());
        let request = handshake.receive(request).unwrap().unwrap();
        let (response, conn) = request.accept(Accept::default()).unwrap();
        drop(response);
        conn
    };
    assert_under_1_kib("idle server connection", &conn, live_bytes() - before);

    // And it still works afterwards.
    let mut conn = conn;
    assert_eq!(feed(&mut conn, &wire(5, 1, false), false), 1);
    conn.send(Message::Binary(Bytes::from_static(b"hello")))
        .unwrap();
    assert_eq!(conn.take_output().len(), 7);
}

#[test]
fn idle_client_connection_holds_under_1_kib() {
    let before = live_bytes();
    let mut conn = Connection::client(Config::default());
    assert_under_1_kib("idle client connection", &conn, live_bytes() - before);
    // The first masked frame allocates the block of OS randomness.
    conn.send(Message::Binary(Bytes::from_static(b"hello")))
        .unwrap();
    assert_eq!(conn.take_output().len(), 11);
}

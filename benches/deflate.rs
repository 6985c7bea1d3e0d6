//! permessage-deflate throughput: compressing (`Connection::send` on a server
//! and on a client with deflate on) and inflating (a server decoding a
//! client's compressed frames), on JSON-like text of 1 KiB, 64 KiB and 1 MiB,
//! for window bits 15, 12 and 9 (both directions), with and without context
//! takeover. Throughput is of uncompressed payload bytes.
//!
//! - send: one connection lives across batches (as a long-lived connection;
//!   with context takeover its window carries over), the output is dropped
//!   after each message as if written;
//! - receive: the client's wire bytes are generated once and checked to
//!   decode to the payloads before timing; each batch is decoded by a fresh
//!   server connection (with context takeover the stream only decodes from
//!   its start), so the batch time includes the first-use zlib allocation.
//!
//! The compression ratio (payload bytes / wire bytes, frame headers
//! included) is printed once per workload. No peers: neither tungstenite nor
//! fastwebsockets implements permessage-deflate.

mod common;

use std::hint::black_box;

use common::{Rng, json_text};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rfc6455::{Config, Connection, Message};

/// Message size and how many per batch (about 0.25 to 2 MiB per batch).
const SIZES: [(usize, usize); 3] = [(1 << 10, 256), (64 << 10, 8), (1 << 20, 2)];

fn deflate(c: &mut Criterion) {
    for (size, count) in SIZES {
        for window_bits in [15, 12, 9] {
            for no_takeover in [false, true] {
                bench_workload(c, size, count, window_bits, no_takeover);
            }
        }
    }
}

fn bench_workload(
    c: &mut Criterion,
    size: usize,
    count: usize,
    window_bits: u8,
    no_takeover: bool,
) {
    let mut rng = Rng(0x5eed_0000 ^ size as u64);
    let payloads: Vec<Vec<u8>> = (0..count).map(|_| json_text(&mut rng, size)).collect();
    let messages: Vec<Message> = payloads
        .iter()
        .map(|p| Message::Text(String::from_utf8(p.clone()).expect("ASCII").into()))
        .collect();
    let payload_bytes: usize = payloads.iter().map(Vec::len).sum();
    let params = common::deflate_params(window_bits, no_takeover);
    let config = Config::default();

    // The client's frames, generated once and checked.
    let wire = common::wire_of(
        &mut common::deflate_client(config.clone(), params),
        &messages,
    );
    let mut decoded = Vec::new();
    let mut server = Connection::server(config.clone()).with_deflate(params);
    common::receive_all(&mut server, &wire, |m| decoded.push(m.into_bytes()));
    assert_eq!(decoded.len(), payloads.len());
    for (got, want) in decoded.iter().zip(&payloads) {
        assert_eq!(got.as_ref(), want.as_slice(), "decoded payload differs");
    }
    let server_wire = {
        let mut server = Connection::server(config.clone()).with_deflate(params);
        common::send_all(&mut server, &messages)
    };

    let takeover = if no_takeover {
        "no_takeover"
    } else {
        "takeover"
    };
    let name = format!("{}_w{window_bits}_{takeover}", common::size_name(size));
    println!(
        "deflate/json_{name}: {count} x {size} B, compression ratio {:.2} (client wire) {:.2} (server wire)",
        payload_bytes as f64 / wire.len() as f64,
        payload_bytes as f64 / server_wire as f64,
    );

    let mut group = c.benchmark_group(format!("deflate/json_{name}"));
    group.throughput(Throughput::Bytes(payload_bytes as u64));
    if size >= 1 << 20 {
        group.sample_size(10);
    }
    let mut server = Connection::server(config.clone()).with_deflate(params);
    group.bench_function("send_server", |b| {
        b.iter(|| common::send_all(&mut server, black_box(&messages)))
    });
    let mut client = common::deflate_client(config.clone(), params);
    group.bench_function("send_client", |b| {
        b.iter(|| common::send_all(&mut client, black_box(&messages)))
    });
    group.bench_function("receive", |b| {
        b.iter(|| {
            let mut server = Connection::server(config.clone()).with_deflate(params);
            let mut bytes = 0;
            common::receive_all(&mut server, black_box(&wire), |m| bytes += m.len());
            bytes
        })
    });
    group.finish();
}

criterion_group!(benches, deflate);
criterion_main!(benches);

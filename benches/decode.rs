//! Decoding as a server: client-masked frames are unmasked, validated and
//! delivered. Every implementation decodes the same pre-generated wire bytes
//! (checked to yield the same messages and payload bytes before timing), next
//! to two ceilings measured in the same process: a memcpy of the payloads and
//! an in-place XOR unmask of them. See `common/mod.rs` for how each
//! implementation is driven.

mod common;

use std::hint::black_box;

use common::{FastwebsocketsDecoder, OursDecoder, TungsteniteDecoder, Workload};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn decode(c: &mut Criterion) {
    for workload in common::decode_workloads() {
        bench_workload(c, &workload);
    }
}

fn bench_workload(c: &mut Criterion, workload: &Workload) {
    // Leaked so that the in-memory streams can hold it across batches.
    let wire: &'static [u8] = Vec::leak(workload.wire(true));
    let expected = workload.expected();
    let mut ours = OursDecoder::lending();
    let mut owned = OursDecoder::new();
    let mut tung = TungsteniteDecoder::new();
    let mut fws = FastwebsocketsDecoder::new();
    // The same messages and bytes from every decoder (twice: the second
    // batch runs on the buffers the first one left).
    for _ in 0..2 {
        assert_eq!(ours.decode(wire), expected, "rfc6455 on {}", workload.name);
        assert_eq!(owned.decode(wire), expected, "owned on {}", workload.name);
        assert_eq!(
            tung.decode(wire),
            expected,
            "tungstenite on {}",
            workload.name
        );
        assert_eq!(
            fws.decode(wire, expected.messages),
            expected,
            "fastwebsockets on {}",
            workload.name
        );
    }

    let mut group = c.benchmark_group(format!("decode/{}", workload.name));
    group.throughput(Throughput::Bytes(expected.bytes as u64));
    group.bench_function("rfc6455", |b| b.iter(|| ours.decode(black_box(wire))));
    group.bench_function("rfc6455_owned", |b| {
        b.iter(|| owned.decode(black_box(wire)))
    });
    group.bench_function("tungstenite", |b| b.iter(|| tung.decode(black_box(wire))));
    group.bench_function("fastwebsockets", |b| {
        b.iter(|| fws.decode(black_box(wire), expected.messages))
    });
    common::bench_ceilings(&mut group, workload);
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);

//! Decoding as a server, as the main crate's `benches/decode.rs`, with the
//! four added peers: every decoder gets the same pre-generated masked wire
//! bytes, in reads of at most 64 KiB, and must deliver the same messages and
//! payload bytes (checked twice before timing), next to the two ceilings.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rfc6455_peers::common::{
    self, FastwebsocketsDecoder, OursDecoder, TungsteniteDecoder, Workload,
};
use rfc6455_peers::{sockudo_peer, tokio_websockets_peer, wtx_peer, yawc_peer};

fn decode(c: &mut Criterion) {
    for workload in common::decode_workloads() {
        bench_workload(c, &workload);
    }
}

fn bench_workload(c: &mut Criterion, workload: &Workload) {
    // Leaked so that the in-memory streams can hold it across batches.
    let wire: &'static [u8] = Vec::leak(workload.wire(true));
    let expected = workload.expected();
    let n = expected.messages;
    let name = &workload.name;
    let mut ours = OursDecoder::lending();
    let mut tung = TungsteniteDecoder::new();
    let mut fws = FastwebsocketsDecoder::new();
    let mut tws = tokio_websockets_peer::Decoder::new();
    let mut sockudo = sockudo_peer::Decoder::new();
    let mut yawc = yawc_peer::Decoder::new();
    let mut wtx = wtx_peer::Decoder::new();
    // The same messages and bytes from every decoder (twice: the second
    // batch runs on the buffers the first one left).
    for _ in 0..2 {
        assert_eq!(ours.decode(wire), expected, "rfc6455 on {name}");
        assert_eq!(tung.decode(wire), expected, "tungstenite on {name}");
        assert_eq!(fws.decode(wire, n), expected, "fastwebsockets on {name}");
        assert_eq!(tws.decode(wire, n), expected, "tokio-websockets on {name}");
        assert_eq!(sockudo.decode(wire), expected, "sockudo-ws on {name}");
        assert_eq!(yawc.decode(wire, n), expected, "yawc on {name}");
        assert_eq!(wtx.decode(wire, n), expected, "wtx on {name}");
    }

    let mut group = c.benchmark_group(format!("decode/{name}"));
    group.throughput(Throughput::Bytes(expected.bytes as u64));
    group.bench_function("rfc6455", |b| b.iter(|| ours.decode(black_box(wire))));
    group.bench_function("tungstenite", |b| b.iter(|| tung.decode(black_box(wire))));
    group.bench_function("fastwebsockets", |b| {
        b.iter(|| fws.decode(black_box(wire), n))
    });
    group.bench_function("tokio-websockets", |b| {
        b.iter(|| tws.decode(black_box(wire), n))
    });
    group.bench_function("sockudo-ws", |b| b.iter(|| sockudo.decode(black_box(wire))));
    group.bench_function("yawc", |b| b.iter(|| yawc.decode(black_box(wire), n)));
    group.bench_function("wtx", |b| b.iter(|| wtx.decode(black_box(wire), n)));
    common::bench_ceilings(&mut group, workload);
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);

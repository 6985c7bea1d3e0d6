//! Thousands of idle connections after the handshake: what each costs, and
//! the core's state on its own.

use std::thread;
use std::time::{Duration, Instant};

use rfc6455::handshake::{Accept, ServerHandshake};
use rfc6455::{Connection, ConnectionError};

use crate::support::*;

/// A server's connection just out of a handshake, as the layers make it.
fn connection_after_handshake() -> Connection {
    let mut handshake = ServerHandshake::new(rfc6455::Config::default());
    let request = handshake
        .receive(REQUEST)
        .unwrap()
        .expect("a whole request");
    request.accept(Accept::default()).unwrap().1
}

fn idle_connections_cost_little(layer: Layer) {
    let wanted = scaled(500, 10_000);
    // Both ends of each connection are in this process, plus some spare.
    let hard = raise_file_limit();
    let allowed = usize::try_from(hard.saturating_sub(512) / 2).unwrap_or(usize::MAX);
    let count = wanted.min(allowed);
    if count < wanted {
        println!(
            "hostile: idle {layer:?}: the hard file limit ({hard}) allows {count} connections \
             with both ends in this process, not {wanted}: scaled down"
        );
    }
    let mut server = Server::start(layer, Setup::new(timers(60_000), Duration::from_secs(30)));
    let mut peers = Vec::with_capacity(count);
    let rss_before = rss_kib();
    let meter = Meter::start();
    let started = Instant::now();
    for _ in 0..count {
        peers.push(Peer::upgrade(server.addr));
    }
    eventually(Duration::from_secs(30), "every connection open", || {
        server.open.load(std::sync::atomic::Ordering::SeqCst) == count
    });
    let opened = started.elapsed();
    thread::sleep(Duration::from_millis(200));
    let heap = meter.now().max(0) as usize;
    let rss = rss_kib().saturating_sub(rss_before);
    let control = control_echo(&server.url());
    let addrs: Vec<_> = peers.iter().map(Peer::local_addr).collect();
    println!(
        "hostile: {count} idle {layer:?}: opened in {opened:?}; heap {heap} B = {} B/conn \
         (both ends; the raw peers hold no heap); RSS +{rss} KiB = {} B/conn; control echo in \
         {control:?}",
        heap / count,
        rss * 1024 / count
    );
    // Every peer leaves without a close: 1006 at the server.
    drop(peers);
    let reports = server.reports_for(&addrs, Duration::from_secs(60));
    for report in &reports {
        assert_eq!(
            connection_error(&report.ended),
            ConnectionError::UnexpectedEof
        );
    }
    match layer {
        // A 16 KiB read buffer per connection and a thread's bookkeeping.
        Layer::Blocking => {
            assert!(heap / count < 20 * KIB, "{} B/conn", heap / count);
            // Thread stacks (256 KiB reserved, little touched) show in RSS.
            assert!(
                rss * KIB / count < 96 * KIB,
                "RSS {} B/conn",
                rss * KIB / count
            );
        }
        // The stream, its task, no buffer of its own (the read buffer is
        // per thread).
        #[cfg(feature = "tokio")]
        Layer::Tokio => {
            assert!(heap / count < 5 * KIB / 2, "{} B/conn", heap / count);
            assert!(
                rss * KIB / count < 16 * KIB,
                "RSS {} B/conn",
                rss * KIB / count
            );
        }
    }
}

on_both_servers!(
    /// 500 (full: 10,000, or what the file limit allows) connections,
    /// open and silent.
    many_idle_connections_after_the_handshake_cost_a_few_kib_each,
    120,
    idle_connections_cost_little
);

#[test]
fn an_idle_connection_s_core_state_is_under_1_kib() {
    case(Duration::from_secs(30), || {
        const COUNT: usize = 1_000;
        let mut connections = Vec::with_capacity(COUNT);
        let meter = Meter::start();
        for _ in 0..COUNT {
            connections.push(connection_after_handshake());
        }
        let heap = meter.now().max(0) as usize / COUNT;
        let size = std::mem::size_of::<Connection>();
        println!(
            "hostile: core Connection after a handshake: {size} B inline + {heap} B heap = {} B",
            size + heap
        );
        assert_eq!(connections.len(), COUNT);
        assert!(size + heap < KIB, "{size} B + {heap} B");
    });
}

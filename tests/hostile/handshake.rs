//! Slowloris: request heads that never finish, one connection dribbling
//! a byte at a time and many held open at once.

use std::io::Write;
use std::thread;
use std::time::{Duration, Instant};

use rfc6455::layer;

use crate::support::*;

/// Dribbles the request head one byte per `interval`, never its last
/// line end; returns how many bytes went out before a write failed (the
/// server closed the transport), or `None` if none failed.
fn dribble_head(mut peer: Peer, interval: Duration) -> Option<usize> {
    for (sent, byte) in REQUEST[..REQUEST.len() - 2].iter().enumerate() {
        if peer.stream.write_all(&[*byte]).is_err() {
            return Some(sent);
        }
        thread::sleep(interval);
    }
    None
}

fn slowloris_is_cut_at_the_open_timeout(layer: Layer) {
    let (interval, open_timeout) = if full() {
        (Duration::from_millis(100), Duration::from_millis(1_500))
    } else {
        (Duration::from_millis(20), Duration::from_millis(500))
    };
    // The head takes longer to dribble than the open timeout allows.
    assert!(interval * (REQUEST.len() as u32 - 2) > open_timeout * 2);
    let mut server = Server::start(layer, Setup::new(timers(5_000), open_timeout));
    let meter = Meter::start();
    let peer = Peer::connect(server.addr);
    let addr = peer.local_addr();
    let dribbler = thread::spawn(move || dribble_head(peer, interval));
    let control = control_echo(&server.url());
    let report = server.report_for(addr, open_timeout + Duration::from_secs(5));
    let sent = dribbler.join().unwrap();
    let peak = meter.peak();
    println!(
        "hostile: slowloris {layer:?}: cut after {:?} (open timeout {open_timeout:?}), \
         {sent:?} bytes dribbled, control echo in {control:?}, heap peak {peak} B",
        report.lasted
    );
    assert!(
        matches!(report.ended, Ended::Handshake(layer::Error::OpenTimeout)),
        "{:?}",
        report.ended
    );
    assert!(report.lasted >= open_timeout, "{:?}", report.lasted);
    assert!(
        report.lasted < open_timeout + Duration::from_secs(1),
        "{:?}",
        report.lasted
    );
    // The server closed the transport: a later write of the peer failed.
    let sent = sent.expect("the server never closed the slow connection");
    assert!(sent < REQUEST.len() - 2);
    assert!(peak < 512 * KIB, "heap peak {peak} B");
}

on_both_servers!(
    /// One byte per interval, and the head never ends.
    slowloris_one_byte_at_a_time_is_cut_at_the_open_timeout,
    30,
    slowloris_is_cut_at_the_open_timeout
);

fn many_heads_held_open_cost_little_and_are_all_cut(layer: Layer) {
    let count = scaled(200, 1_000);
    let open_timeout = Duration::from_secs(if full() { 6 } else { 3 });
    let mut server = Server::start(layer, Setup::new(timers(5_000), open_timeout));
    let mut peers = Vec::with_capacity(count);
    let rss_before = rss_kib();
    let meter = Meter::start();
    let started = Instant::now();
    for _ in 0..count {
        let mut peer = Peer::connect(server.addr);
        peer.send(&REQUEST[..REQUEST.len() - 2]).unwrap();
        peers.push(peer);
    }
    let opened = started.elapsed();
    // Give the server the time to read every head so far.
    thread::sleep(Duration::from_millis(300));
    let control = control_echo(&server.url());
    let held = meter.now().max(0) as usize;
    let rss_held = rss_kib().saturating_sub(rss_before);
    assert!(
        started.elapsed() < open_timeout,
        "the heads were not all held at once (opened in {opened:?})"
    );
    let addrs: Vec<_> = peers.iter().map(Peer::local_addr).collect();
    let reports = server.reports_for(&addrs, open_timeout + Duration::from_secs(15));
    let cut_after = started.elapsed();
    let peak = meter.peak();
    println!(
        "hostile: {count} heads held {layer:?}: opened in {opened:?}, control echo in {control:?}, \
         heap held {held} B ({} B/conn), peak {peak} B, RSS +{rss_held} KiB ({} B/conn), \
         all cut after {cut_after:?}",
        held / count,
        rss_held * 1024 / count
    );
    for report in &reports {
        assert!(
            matches!(report.ended, Ended::Handshake(layer::Error::OpenTimeout)),
            "{:?}",
            report.ended
        );
        assert!(report.lasted >= open_timeout, "{:?}", report.lasted);
    }
    // Under 16 KiB of heap per connection held mid-handshake (a 4 KiB read
    // buffer, the head so far, a task or a thread).
    assert!(peak < count * 16 * KIB, "heap peak {peak} B for {count}");
    // RSS (thread stacks included): under 128 KiB per connection.
    assert!(rss_held < count * 128, "RSS +{rss_held} KiB for {count}");
}

on_both_servers!(
    /// 200 (full: 1,000) connections at once, each with an unfinished head.
    many_connections_held_mid_handshake_are_all_cut_while_others_are_served,
    60,
    many_heads_held_open_cost_little_and_are_all_cut
);

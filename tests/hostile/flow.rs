//! Peers that never read, flood with pings, or leave: with a close and
//! nothing more, with a reset in the middle of a frame, or with half a
//! connection.

use std::io::{self, Write};
use std::net::Shutdown;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Buf;
use rfc6455::frame::Opcode;
use rfc6455::{Config, Connection, ConnectionError, layer};

use crate::support::*;

const WRITE_LIMIT: usize = 64 * KIB;

fn a_peer_that_never_reads_makes_the_sender_wait(layer: Layer) {
    const MESSAGE: usize = 16 * KIB;
    let send_timeout = Duration::from_secs(2);
    let mut setup = Setup::new(timers(10_000), Duration::from_secs(5));
    setup.options = setup.options.write_limit(WRITE_LIMIT);
    setup.send_timeout = Some(send_timeout);
    setup.send_buffer = Some(16 * KIB);
    let mut server = Server::start(layer, setup);
    let peer = Peer::upgrade(server.addr);
    peer.small_receive_buffer(16 * KIB);
    let cap = scaled(64 * MIB, 256 * MIB);
    let frame = client_frame(Opcode::Binary, &vec![0x5a; MESSAGE]);
    let meter = Meter::start();
    let mut writer = peer.stream.try_clone().unwrap();
    writer
        .set_write_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    // Sends until the server stops taking input (a write that waits 1 s).
    let sending = thread::spawn(move || {
        let mut sent = 0;
        while sent < cap {
            if writer.write_all(&frame).is_err() {
                return (sent, true);
            }
            sent += frame.len();
        }
        (sent, false)
    });
    let (sent, stalled) = sending.join().unwrap();
    let control = control_echo(&server.url());
    let report = server.report_for(peer.local_addr(), Duration::from_secs(10));
    let peak = meter.peak();
    println!(
        "hostile: never reads {layer:?}: the peer stalled after {} KiB, server gave up after \
         {:?} ({:?}), control echo in {control:?}, heap peak {peak} B",
        sent / KIB,
        report.lasted,
        report.ended
    );
    assert!(stalled, "the server took all {sent} bytes without sending");
    match layer {
        // The write limit, then a send that waits: the application's
        // timeout around it fired.
        #[cfg(feature = "tokio")]
        Layer::Tokio => match report.ended {
            Ended::SendStalled { queued } => {
                assert!(queued > WRITE_LIMIT, "waited below the limit: {queued}");
                assert!(queued <= WRITE_LIMIT + MESSAGE + 14, "queued {queued}");
            }
            other => panic!("expected the send to wait, got {other:?}"),
        },
        // The send blocks in the transport's write until the layer's
        // write timeout.
        Layer::Blocking => match &report.ended {
            Ended::Failed(layer::Error::WriteTimeout) => {}
            other => panic!("expected the write to time out, got {other:?}"),
        },
    }
    assert!(report.lasted >= send_timeout, "{:?}", report.lasted);
    // The write limit, one read, one message in flight: well under 1 MiB.
    assert!(peak < MIB, "heap peak {peak} B");
}

on_both_servers!(
    /// Output stays at the write limit while the sender waits.
    a_peer_that_never_reads_leaves_output_at_the_write_limit_and_the_sender_waits,
    60,
    a_peer_that_never_reads_makes_the_sender_wait
);

fn ping_payload(i: usize) -> Vec<u8> {
    let mut payload = vec![0x70; 125];
    payload[..8].copy_from_slice(&(i as u64).to_be_bytes());
    payload
}

fn a_ping_flood_leaves_pongs_bounded(layer: Layer) {
    let pings = scaled(50_000, 100_000);
    const SEND_BUFFER: usize = 16 * KIB;
    let mut setup = Setup::new(timers(10_000), Duration::from_secs(5));
    setup.send_buffer = Some(SEND_BUFFER);
    let mut server = Server::start(layer, setup);
    let mut peer = Peer::upgrade(server.addr);
    peer.small_receive_buffer(16 * KIB);
    #[cfg(feature = "tokio")]
    let kernel_holds = socket2::SockRef::from(&peer.stream)
        .recv_buffer_size()
        .unwrap()
        + 2 * SEND_BUFFER;
    let flood: Vec<u8> = (0..pings)
        .flat_map(|i| client_frame(Opcode::Ping, &ping_payload(i)))
        .collect();
    let meter = Meter::start();
    let started = Instant::now();
    let mut writer = peer.stream.try_clone().unwrap();
    writer
        .set_write_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    let flooding = thread::spawn(move || {
        let result = writer.write_all(&flood);
        let _ = done_tx.send(());
        result
    });
    // The peer reads nothing for a while (or until every ping is out).
    let _ = done_rx.recv_timeout(Duration::from_secs(3));
    let flooded = started.elapsed();
    let peak = meter.peak();
    let control = control_echo(&server.url());
    // Now it reads (with room to): pongs, and the one for the last ping
    // among them.
    peer.small_receive_buffer(4 * MIB);
    let last = ping_payload(pings - 1);
    let mut pongs = 0;
    loop {
        let (header, payload) = peer.read_frame().expect("a pong");
        assert_eq!(header.opcode, Opcode::Pong);
        pongs += 1;
        if payload[..] == last[..] {
            break;
        }
    }
    flooding.join().unwrap().unwrap();
    // And the connection still serves.
    peer.send(&client_frame(Opcode::Text, b"still here"))
        .unwrap();
    let (header, payload) = peer.read_frame().expect("the echo");
    assert_eq!(
        (header.opcode, &payload[..]),
        (Opcode::Text, &b"still here"[..])
    );
    peer.send(&client_close(1000)).unwrap();
    assert_eq!(peer.close_code(), Some(1000));
    let report = server.report_for(peer.local_addr(), Duration::from_secs(10));
    println!(
        "hostile: ping flood {layer:?}: {pings} pings (written for {flooded:?}), {pongs} pongs \
         came back, control echo in {control:?}, heap peak while unread {peak} B"
    );
    assert_eq!(clean_close_code(&report.ended), Some(1000));
    match layer {
        // It answers each ping before it reads on: every ping is answered,
        // and the flood waits in the kernel.
        Layer::Blocking => assert_eq!(pongs, pings),
        // It reads on while the pongs wait: only what the kernel held
        // (SO_SNDBUF and SO_RCVBUF, doubled by Linux for its bookkeeping;
        // twice that for slack) and the 16 latest pongs came back, not a
        // share of every ping.
        #[cfg(feature = "tokio")]
        Layer::Tokio => {
            let bound = 2 * kernel_holds / 127 + 16;
            assert!(pongs <= bound, "{pongs} pongs, at most {bound} expected");
        }
    }
    // Pongs wait in a bounded queue (16 by default), not in the output:
    // one 64 KiB read, the connection's read buffer, a few pongs, whatever
    // the number of pings.
    assert!(peak < 256 * KIB, "heap peak {peak} B");
}

on_both_servers!(
    /// 50,000 (full: 100,000) pings with nothing read.
    a_ping_flood_without_reading_pongs_stays_bounded_and_the_connection_still_serves,
    60,
    a_ping_flood_leaves_pongs_bounded
);

fn a_close_then_vanishing_ends_cleanly(layer: Layer) {
    let mut server = Server::start(layer, Setup::new(timers(5_000), Duration::from_secs(5)));
    let meter = Meter::start();
    let mut peer = Peer::upgrade(server.addr);
    let addr = peer.local_addr();
    peer.send(&client_close(1000)).unwrap();
    let started = Instant::now();
    drop(peer);
    let control = control_echo(&server.url());
    let report = server.report_for(addr, Duration::from_secs(5));
    let ended = started.elapsed();
    let peak = meter.peak();
    println!(
        "hostile: close and vanish {layer:?}: over {ended:?} after the close, control echo in \
         {control:?}, heap peak {peak} B"
    );
    assert_eq!(clean_close_code(&report.ended), Some(1000));
    assert!(peak < 512 * KIB, "heap peak {peak} B");
}

on_both_servers!(
    /// The close handshake is complete once the reply is queued: nothing
    /// waits on the peer.
    a_peer_that_sends_a_close_and_vanishes_ends_cleanly_at_once,
    30,
    a_close_then_vanishing_ends_cleanly
);

fn a_reset_mid_frame_is_a_transport_error(layer: Layer) {
    let mut server = Server::start(layer, Setup::new(timers(5_000), Duration::from_secs(5)));
    let meter = Meter::start();
    let mut peer = Peer::upgrade(server.addr);
    let addr = peer.local_addr();
    let frame = client_frame(Opcode::Binary, &[7; 1000]);
    peer.send(&frame[..500]).unwrap();
    thread::sleep(Duration::from_millis(100));
    peer.reset();
    let control = control_echo(&server.url());
    let report = server.report_for(addr, Duration::from_secs(5));
    let peak = meter.peak();
    println!(
        "hostile: reset mid-frame {layer:?}: {:?}, control echo in {control:?}, heap peak {peak} B",
        report.ended
    );
    match &report.ended {
        Ended::Failed(layer::Error::Io(e)) => {
            assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{e}");
        }
        other => panic!("expected a reset, got {other:?}"),
    }
    assert!(peak < 512 * KIB, "heap peak {peak} B");
}

on_both_servers!(
    /// `SO_LINGER` 0 in the middle of a frame.
    a_reset_in_the_middle_of_a_frame_fails_with_connection_reset,
    30,
    a_reset_mid_frame_is_a_transport_error
);

fn a_half_close_still_gets_its_echo(layer: Layer) {
    let mut server = Server::start(layer, Setup::new(timers(5_000), Duration::from_secs(5)));
    let meter = Meter::start();
    let mut peer = Peer::upgrade(server.addr);
    peer.send(&client_frame(Opcode::Text, b"half")).unwrap();
    peer.stream.shutdown(Shutdown::Write).unwrap();
    let control = control_echo(&server.url());
    let (header, payload) = peer.read_frame().expect("the echo after the half-close");
    assert_eq!((header.opcode, &payload[..]), (Opcode::Text, &b"half"[..]));
    assert!(peer.sees_end(), "the server kept the transport open");
    let report = server.report_for(peer.local_addr(), Duration::from_secs(5));
    let peak = meter.peak();
    println!(
        "hostile: half-close {layer:?}: {:?} after {} echo, control echo in {control:?}, \
         heap peak {peak} B",
        report.ended, report.echoed
    );
    assert_eq!(
        connection_error(&report.ended),
        ConnectionError::UnexpectedEof
    );
    assert_eq!(report.echoed, 1);
    assert!(peak < 512 * KIB, "heap peak {peak} B");
}

on_both_servers!(
    /// `shutdown(Write)` after a message: the echo still comes, then the
    /// end of the transport is a 1006 failure.
    a_half_close_gets_its_echo_then_fails_with_unexpected_eof,
    30,
    a_half_close_still_gets_its_echo
);

/// The regression under the tokio layer's ping flood: the driver looks at
/// the output on every round while the transport takes nothing, and each
/// look used to move the waiting pongs into it (3 % of what the peer sent,
/// without end).
#[test]
fn pings_while_the_output_is_never_drained_leave_it_as_it_was() {
    case(Duration::from_secs(60), || {
        let pings = scaled(20_000, 100_000);
        let mut conn = Connection::server(Config::default());
        conn.send_binary(&[1; 1000]).unwrap();
        let queued = conn.output().len();
        // The first pong joins the output at once (a driver that writes
        // what it sees sends it with the message); later ones wait.
        conn.receive(&client_frame(Opcode::Ping, &ping_payload(0)));
        while conn.next_event().unwrap().is_some() {}
        let with_first_pong = conn.output().len();
        assert_eq!(with_first_pong, queued + 2 + ping_payload(0).len());
        for i in 1..pings {
            conn.receive(&client_frame(Opcode::Ping, &ping_payload(i)));
            while conn.next_event().unwrap().is_some() {}
            assert_eq!(conn.output().len(), with_first_pong, "after ping {i}");
        }
        assert!(conn.wants_write(), "the pongs wait");
        // Once the output is written, the latest pongs follow.
        let output = conn.output();
        output.advance(with_first_pong);
        let frames = crate::common::decode_frames(&conn.take_output());
        assert_eq!(frames.len(), Config::default().max_pending_pongs);
        assert!(
            frames
                .iter()
                .all(|(header, _)| header.opcode == Opcode::Pong)
        );
        assert_eq!(frames.last().unwrap().1[..], ping_payload(pings - 1)[..]);
    });
}

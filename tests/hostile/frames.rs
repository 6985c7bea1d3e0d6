//! Frames that arrive a byte at a time, and a frame that declares 2^62
//! bytes and then sends nothing.

use std::thread;
use std::time::{Duration, Instant};

use rfc6455::frame::Opcode;
use rfc6455::{Config, ConnectionError, ProtocolError};

use crate::support::*;

fn a_dribbled_frame_is_delivered_whole(layer: Layer) {
    let interval = Duration::from_millis(if full() { 10 } else { 2 });
    let mut server = Server::start(layer, Setup::new(timers(5_000), Duration::from_secs(5)));
    let meter = Meter::start();
    let mut peer = Peer::upgrade(server.addr);
    let text: String = (0..200)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let frame = client_frame(Opcode::Text, text.as_bytes());
    let started = Instant::now();
    let mut control = None;
    for (i, byte) in frame.iter().enumerate() {
        peer.send(&[*byte]).unwrap();
        thread::sleep(interval);
        if i == frame.len() / 2 {
            control = Some(control_echo(&server.url()));
        }
    }
    let dribbled = started.elapsed();
    let (header, payload) = peer.read_frame().expect("the echo");
    assert_eq!(header.opcode, Opcode::Text);
    assert_eq!(&payload[..], text.as_bytes());
    peer.send(&client_close(1000)).unwrap();
    assert_eq!(peer.close_code(), Some(1000));
    let report = server.report_for(peer.local_addr(), Duration::from_secs(5));
    let peak = meter.peak();
    println!(
        "hostile: dribbled frame {layer:?}: {} bytes in {dribbled:?}, control echo in {:?}, \
         heap peak {peak} B",
        frame.len(),
        control.unwrap()
    );
    assert_eq!(clean_close_code(&report.ended), Some(1000));
    assert_eq!(report.echoed, 1);
    assert!(peak < 512 * KIB, "heap peak {peak} B");
}

on_both_servers!(
    /// One byte at a time, and still the same message.
    a_frame_dribbled_one_byte_at_a_time_is_still_delivered_correctly,
    30,
    a_dribbled_frame_is_delivered_whole
);

/// A masked binary frame header declaring 2^62 bytes of payload.
fn header_of_2_pow_62() -> Vec<u8> {
    let mut head = vec![0x82, 0x80 | 127];
    head.extend_from_slice(&(1u64 << 62).to_be_bytes());
    head.extend_from_slice(&[0xA1, 0xB2, 0xC3, 0xD4]);
    head
}

fn a_huge_declared_length_fails_with_1009_at_once(layer: Layer) {
    let mut server = Server::start(layer, Setup::new(timers(5_000), Duration::from_secs(5)));
    let meter = Meter::start();
    let mut peer = Peer::upgrade(server.addr);
    let started = Instant::now();
    peer.send(&header_of_2_pow_62()).unwrap();
    // Silence from here on.
    assert_eq!(peer.close_code(), Some(1009));
    let answered = started.elapsed();
    let control = control_echo(&server.url());
    let report = server.report_for(peer.local_addr(), Duration::from_secs(5));
    let peak = meter.peak();
    println!(
        "hostile: 2^62 header {layer:?}: 1009 after {answered:?}, control echo in {control:?}, \
         heap peak {peak} B"
    );
    assert_eq!(
        connection_error(&report.ended),
        ProtocolError::FrameTooLarge.into()
    );
    assert!(peer.sees_end(), "the server kept the transport open");
    assert!(peak < 512 * KIB, "heap peak {peak} B");
}

on_both_servers!(
    /// Over `max_frame_size`: rejected before a byte of payload.
    a_2_pow_62_byte_length_header_is_rejected_with_1009_allocating_nothing,
    30,
    a_huge_declared_length_fails_with_1009_at_once
);

fn a_huge_declared_length_within_the_limits_waits_and_is_cut(layer: Layer) {
    let mut config = timers(300);
    config.max_frame_size = usize::MAX;
    config.max_message_size = usize::MAX;
    let config: Config = config;
    let mut server = Server::start(layer, Setup::new(config, Duration::from_secs(5)));
    let meter = Meter::start();
    let mut peer = Peer::upgrade(server.addr);
    let started = Instant::now();
    peer.send(&header_of_2_pow_62()).unwrap();
    let control = control_echo(&server.url());
    // The peer answers nothing: the keepalive ping goes unanswered.
    assert_eq!(peer.read_until(Opcode::Ping).map(|p| p.len()), Some(8));
    assert_eq!(peer.close_code(), Some(1011));
    let cut = started.elapsed();
    let report = server.report_for(peer.local_addr(), Duration::from_secs(5));
    let peak = meter.peak();
    println!(
        "hostile: 2^62 header, no limit {layer:?}: 1011 after {cut:?}, control echo in \
         {control:?}, heap peak {peak} B"
    );
    assert_eq!(
        connection_error(&report.ended),
        ConnectionError::KeepaliveTimeout
    );
    assert!(cut >= Duration::from_millis(600), "{cut:?}");
    assert!(peak < 512 * KIB, "heap peak {peak} B");
}

on_both_servers!(
    /// With the limits lifted, the declared length still allocates
    /// nothing, and the keepalive ends the silence.
    a_2_pow_62_byte_length_header_then_silence_is_cut_by_the_keepalive,
    30,
    a_huge_declared_length_within_the_limits_waits_and_is_cut
);

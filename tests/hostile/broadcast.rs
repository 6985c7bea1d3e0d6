//! A room under broadcast: readers, clients that never read, and clients
//! that vanish mid-broadcast, all in one room of the tokio layer's
//! `broadcast`. The readers get every message in order, each non-reader is
//! skipped and holds at most its write limit, each leaver is reported gone
//! and dropped, and the heap stays bounded.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rfc6455::layer::{Answer, ServerOptions, Upgrade};
use rfc6455::tokio::{Lagging, WriteHalf, broadcast};
use rfc6455::{CloseCode, CloseFrame, Config, Message, PreparedMessage};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::support::*;

const WRITE_LIMIT: usize = 32 * KIB;
const PAYLOAD: usize = KIB;
/// A 1 KiB binary frame from a server: 4 bytes of header.
const FRAME: usize = PAYLOAD + 4;

type Room = Arc<Mutex<Vec<(SocketAddr, WriteHalf<TcpStream>)>>>;

/// How a connection's read half ended, by the client's address.
type Ends = mpsc::UnboundedReceiver<(SocketAddr, Result<(), rfc6455::layer::Error>)>;

/// Accepts into `room` (small send buffers, the write limit above); each
/// connection's read half in a task of its own that reports how it ended.
async fn serve(listener: tokio::net::TcpListener, room: Room) -> Ends {
    let (ended_tx, ended_rx) = mpsc::unbounded_channel();
    let mut config = Config::default();
    config.close_timeout = Some(Duration::from_secs(2));
    // A compressor per connection (context takeover) would hold about
    // 370 KiB each once it has compressed a message; without it, a prepared
    // message is compressed once for the room (see the README).
    #[cfg(feature = "deflate")]
    {
        config.deflate.server_no_context_takeover = true;
    }
    let options = ServerOptions::default()
        .config(config)
        .write_limit(WRITE_LIMIT);
    tokio::spawn(async move {
        loop {
            let (tcp, peer) = listener.accept().await.unwrap();
            socket2::SockRef::from(&tcp)
                .set_send_buffer_size(4 * KIB)
                .unwrap();
            let (room, ended_tx, options) = (room.clone(), ended_tx.clone(), options.clone());
            tokio::spawn(async move {
                let upgrade = rfc6455::tokio::accept_with(tcp, options, |_| Answer::accept());
                let Ok(Upgrade::WebSocket(ws)) = upgrade.await else {
                    panic!("the upgrade from {peer} failed")
                };
                let (mut read, write) = ws.split();
                room.lock().unwrap().push((peer, write));
                let ended = loop {
                    match read.next().await {
                        Some(Ok(_)) => {}
                        Some(Err(error)) => break Err(error),
                        None => break Ok(()),
                    }
                };
                let _ = ended_tx.send((peer, ended));
            });
        }
    });
    ended_rx
}

/// Message `i`: its number, then noise (incompressible: what is queued is
/// what is sent).
fn numbered(i: usize) -> PreparedMessage {
    let mut payload = crate::common::noise(i as u64, PAYLOAD);
    payload[..8].copy_from_slice(&(i as u64).to_be_bytes());
    PreparedMessage::new(Message::Binary(payload.into()))
}

#[test]
fn a_room_with_clients_that_never_read_or_vanish_keeps_its_readers_served() {
    case(Duration::from_secs(240), || {
        raise_file_limit();
        let (bad, readers) = (10, scaled(480, 980));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let room: Room = Arc::default();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let mut ends = runtime.block_on(serve(listener, room.clone()));

        // Readers: each counts its messages, in order, until the close.
        let url = format!("ws://{addr}/room");
        let mut reading = Vec::new();
        for _ in 0..readers {
            let (mut ws, _) = runtime.block_on(rfc6455::tokio::connect(&url)).unwrap();
            reading.push(runtime.spawn(async move {
                let mut count = 0;
                while let Some(message) = ws.next().await {
                    let payload = message.unwrap().into_binary().unwrap();
                    assert_eq!(payload[..8], (count as u64).to_be_bytes(), "in order");
                    count += 1;
                }
                (count, ws.close_frame().map(|frame| frame.code))
            }));
        }
        let silent: Vec<Peer> = (0..bad)
            .map(|_| {
                let peer = Peer::upgrade(addr);
                peer.small_receive_buffer(4 * KIB);
                peer
            })
            .collect();
        let silent_addrs: Vec<SocketAddr> = silent.iter().map(Peer::local_addr).collect();
        let mut leavers: Vec<Peer> = (0..bad).map(|_| Peer::upgrade(addr)).collect();
        let leaver_addrs: Vec<SocketAddr> = leavers.iter().map(Peer::local_addr).collect();
        let total = readers + 2 * bad;
        eventually(Duration::from_secs(30), "every client in the room", || {
            room.lock().unwrap().len() == total
        });

        // Broadcast at a steady rate until every non-reader has been
        // skipped a few times; the leavers vanish after the 20th message.
        let meter = Meter::start();
        let started = Instant::now();
        let mut lagged: HashMap<SocketAddr, usize> = HashMap::new();
        let mut gone = Vec::new();
        let mut sent = 0;
        while sent < 40
            || silent_addrs
                .iter()
                .any(|a| lagged.get(a).copied().unwrap_or(0) < 3)
        {
            assert!(sent < 5000, "the non-readers never lagged: {lagged:?}");
            if sent == 20 {
                leavers.drain(..).for_each(Peer::reset);
            }
            let mut room = room.lock().unwrap();
            let report = broadcast(room.iter().map(|(_, w)| w), &numbered(sent), Lagging::Skip);
            assert_eq!(
                report.queued + report.lagging.len() + report.not_open.len(),
                room.len()
            );
            for position in &report.lagging {
                *lagged.entry(room[*position].0).or_default() += 1;
            }
            gone.extend(
                report
                    .remove_not_open(&mut room)
                    .into_iter()
                    .map(|(peer, _)| peer),
            );
            drop(room);
            sent += 1;
            std::thread::sleep(Duration::from_millis(5));
        }
        let took = started.elapsed();
        // Only the non-readers lagged; only the leavers left.
        let mut lagging: Vec<_> = lagged.keys().copied().collect();
        lagging.sort();
        let mut expected = silent_addrs.clone();
        expected.sort();
        assert_eq!(lagging, expected);
        gone.sort();
        let mut left = leaver_addrs.clone();
        left.sort();
        assert_eq!(
            gone, left,
            "every leaver reported not open, and no one else"
        );
        for (peer, write) in room.lock().unwrap().iter() {
            let queued = write.queued_output();
            if silent_addrs.contains(peer) {
                assert!(
                    queued <= WRITE_LIMIT + FRAME,
                    "{peer}: {queued} bytes queued"
                );
            }
        }
        let peak = meter.peak();

        // Each leaver's connection failed at the server (a reset).
        let mut ended: HashMap<SocketAddr, Result<(), rfc6455::layer::Error>> = HashMap::new();
        while ended.len() < bad {
            let (peer, end) = runtime.block_on(ends.recv()).unwrap();
            ended.insert(peer, end);
        }
        for peer in &leaver_addrs {
            let end = ended
                .get(peer)
                .unwrap_or_else(|| panic!("{peer} did not end: {ended:?}"));
            assert!(end.is_err(), "{peer}: {end:?}");
        }

        // Close the room: the readers then count what they got; the
        // non-readers never answer, so the close timeout ends them.
        let writers: Vec<_> = room.lock().unwrap().drain(..).collect();
        let closing: Vec<_> = writers
            .into_iter()
            .map(|(peer, mut write)| {
                runtime.spawn(async move {
                    let frame = CloseFrame::new(CloseCode::GOING_AWAY, "room closed");
                    (peer, write.close(Some(frame)).await)
                })
            })
            .collect();
        for task in reading {
            let (count, code) = runtime.block_on(task).unwrap();
            assert_eq!(count, sent, "a reader missed messages");
            assert_eq!(code, Some(CloseCode::GOING_AWAY));
        }
        for task in closing {
            let (peer, closed) = runtime.block_on(task).unwrap();
            match silent_addrs.contains(&peer) {
                true => assert!(
                    matches!(
                        closed,
                        Err(rfc6455::layer::Error::Connection(
                            rfc6455::ConnectionError::CloseTimeout
                        ))
                    ),
                    "{peer}: {closed:?}"
                ),
                false => assert!(closed.is_ok(), "{peer}: {closed:?}"),
            }
        }
        drop(silent);
        let bound = total * (WRITE_LIMIT + 4 * FRAME) + 4 * MIB;
        println!(
            "hostile: broadcast room of {total} ({readers} readers, {bad} never read, {bad} \
             vanish): {sent} messages of 1 KiB in {took:?}, every reader got all of them; \
             non-readers skipped {:?} times, heap peak {} KiB (bound {} KiB)",
            silent_addrs.iter().map(|a| lagged[a]).collect::<Vec<_>>(),
            peak / KIB,
            bound / KIB
        );
        assert!(peak <= bound, "heap peak {peak} past {bound}");
    });
}

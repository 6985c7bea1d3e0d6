//! Broadcast: one prepared message queued on many write halves without
//! waiting; a peer that never reads is skipped or closed, never stalls the
//! others, and holds at most its write limit.

use super::*;
use rfc6455::tokio::{Lagging, ReadHalf, Report, TrySendError, WriteHalf, broadcast};
use rfc6455::{Connection, PreparedMessage};
use tokio::task::JoinHandle;

const LIMIT: usize = 16 << 10;
const MESSAGE: usize = 1 << 10;

/// A server connection over a duplex of `capacity` bytes, split, its read
/// half polled by a task of its own (as a server's reading task does), and
/// the client end, unpolled.
fn served(
    capacity: usize,
) -> (
    WriteHalf<DuplexStream>,
    JoinHandle<ReadHalf<DuplexStream>>,
    WebSocketStream<DuplexStream>,
) {
    let (ours, theirs) = tokio::io::duplex(capacity);
    let server = WebSocketStream::from_connection(ours, Connection::server(Config::default()))
        .with_write_limit(LIMIT);
    let (mut read, write) = server.split();
    let reader = tokio::spawn(async move {
        while let Some(message) = read.next().await {
            if message.is_err() {
                break;
            }
        }
        read
    });
    let client = WebSocketStream::from_connection(theirs, Connection::client(Config::default()));
    (write, reader, client)
}

fn numbered(i: usize) -> PreparedMessage {
    let mut payload = noise(i as u64, MESSAGE);
    payload[..8].copy_from_slice(&(i as u64).to_be_bytes());
    PreparedMessage::new(Message::Binary(payload.into()))
}

/// Reads `count` messages, in order, from `client`.
fn reading(
    mut client: WebSocketStream<DuplexStream>,
    count: usize,
) -> JoinHandle<WebSocketStream<DuplexStream>> {
    tokio::spawn(async move {
        for i in 0..count {
            let message = client.next().await.unwrap().unwrap();
            assert_eq!(message, numbered(i).message().clone(), "message {i}");
        }
        client
    })
}

#[tokio::test(start_paused = true)]
async fn a_broadcast_reaches_every_reader_in_order() {
    bounded(async {
        const COUNT: usize = 200;
        let mut writers = Vec::new();
        let mut clients = Vec::new();
        for _ in 0..20 {
            let (write, _reader, client) = served(4096);
            writers.push(write);
            clients.push(reading(client, COUNT));
        }
        for i in 0..COUNT {
            let report = broadcast(writers.iter(), &numbered(i), Lagging::Skip);
            assert_eq!(
                report,
                Report {
                    queued: 20,
                    ..Report::default()
                }
            );
            // Messages come at a rate; the readers keep up with it.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for client in clients {
            client.await.unwrap();
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_peer_that_never_reads_is_skipped_and_holds_at_most_its_write_limit() {
    bounded(async {
        const COUNT: usize = 200;
        let mut writers = Vec::new();
        let mut clients = Vec::new();
        for _ in 0..5 {
            let (write, _reader, client) = served(4096);
            writers.push(write);
            clients.push(reading(client, COUNT));
        }
        // Last: the one that never reads.
        let (stalled, _stalled_reader, _never_read) = served(4096);
        writers.push(stalled);
        let mut skipped = 0;
        for i in 0..COUNT {
            let report = broadcast(writers.iter(), &numbered(i), Lagging::Skip);
            assert_eq!(report.queued + report.lagging.len(), 6);
            assert_eq!(report.not_open, []);
            if !report.lagging.is_empty() {
                assert_eq!(report.lagging, [5], "only the non-reader lags");
                skipped += 1;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for client in clients {
            client.await.unwrap();
        }
        let queued = writers[5].queued_output();
        assert!(queued > LIMIT, "{queued}");
        assert!(
            queued <= LIMIT + MESSAGE + 14,
            "past the limit by more than a message: {queued}"
        );
        // The duplex holds 4 KiB, the output the rest: skipped from then on.
        let took = (4096 + queued) / (MESSAGE + 4);
        assert_eq!(took * (MESSAGE + 4), 4096 + queued, "whole frames");
        assert_eq!(skipped, COUNT - took, "queued {queued}");
        assert_eq!(writers[5].state(), State::Open, "skipping leaves it open");
        assert_eq!(
            writers[5].try_send_prepared(&numbered(0)),
            Err(TrySendError::Lagging { queued })
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_lagging_peer_closed_with_1013_gets_the_code_once_it_reads() {
    bounded(async {
        let (slow, reader, mut client) = served(4096);
        let writers = [slow];
        let mut sent = 0;
        let report = loop {
            let report = broadcast(
                writers.iter(),
                &numbered(sent),
                Lagging::Close(CloseCode::TRY_AGAIN_LATER),
            );
            if !report.lagging.is_empty() {
                break report;
            }
            sent += 1;
            tokio::task::yield_now().await;
        };
        assert_eq!(report.lagging, [0]);
        assert_eq!(writers[0].state(), State::Closing);
        // Closing: every later broadcast reports it as over.
        let later = broadcast(writers.iter(), &numbered(0), Lagging::Skip);
        assert_eq!(
            later,
            Report {
                not_open: vec![0],
                ..Report::default()
            }
        );

        // The peer reads at last: everything queued, then the close frame.
        for i in 0..sent {
            let message = client.next().await.unwrap().unwrap();
            assert_eq!(message, numbered(i).message().clone());
        }
        assert!(
            client.next().await.is_none(),
            "the close handshake completes"
        );
        assert_eq!(
            client.close_frame().map(|f| f.code),
            Some(CloseCode::TRY_AGAIN_LATER)
        );
        let read = reader.await.unwrap();
        assert_eq!(read.state(), State::Closed);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_lagging_peer_that_never_reads_is_cut_by_the_close_timeout() {
    bounded(async {
        let (slow, reader, _never_read) = served(4096);
        let writers = [slow];
        let started = Instant::now();
        let mut i = 0;
        while broadcast(
            writers.iter(),
            &numbered(i),
            Lagging::Close(CloseCode::POLICY_VIOLATION),
        )
        .lagging
        .is_empty()
        {
            i += 1;
            tokio::task::yield_now().await;
        }
        let read = reader.await.unwrap();
        let waited = started.elapsed();
        assert_eq!(read.state(), State::Failed);
        let close_timeout = Config::default().close_timeout.unwrap();
        assert!(
            waited >= close_timeout && waited < close_timeout + Duration::from_secs(1),
            "{waited:?}"
        );
        assert_eq!(writers[0].queued_output(), 0, "the output was dropped");
    })
    .await;
}

#[tokio::test]
async fn a_closed_connection_is_reported_not_open() {
    bounded(async {
        let (write, reader, mut client) = served(4096);
        client.close().await.unwrap();
        reader.await.unwrap();
        let writers = [write];
        let report = broadcast(writers.iter(), &numbered(0), Lagging::Skip);
        assert_eq!(
            report,
            Report {
                not_open: vec![0],
                ..Report::default()
            }
        );
        assert_eq!(
            writers[0].try_send_prepared(&numbered(0)),
            Err(TrySendError::NotOpen(State::Closed))
        );
    })
    .await;
}

#[tokio::test]
async fn an_unsplit_stream_queues_a_prepared_message_for_its_next_read_or_flush() {
    bounded(async {
        let (ours, theirs) = tokio::io::duplex(1 << 16);
        let mut server =
            WebSocketStream::from_connection(ours, Connection::server(Config::default()));
        let mut client =
            WebSocketStream::from_connection(theirs, Connection::client(Config::default()));
        let message = numbered(7);
        server.try_send_prepared(&message).unwrap();
        assert!(server.queued_output() > MESSAGE);
        server.flush().await.unwrap();
        assert_eq!(server.queued_output(), 0);
        assert_eq!(
            client.next().await.unwrap().unwrap(),
            message.message().clone()
        );
        server.send_prepared(&message).await.unwrap();
        assert_eq!(
            client.next().await.unwrap().unwrap(),
            message.message().clone()
        );
    })
    .await;
}

#[tokio::test]
async fn remove_not_open_takes_out_exactly_the_closed_connections() {
    bounded(async {
        // Five connections; the first, third and last closed by their peers.
        let mut writers = Vec::new();
        let mut open_clients = Vec::new();
        for i in 0..5 {
            let (write, reader, mut client) = served(4096);
            if i % 2 == 0 {
                client.close().await.unwrap();
                reader.await.unwrap();
            } else {
                open_clients.push(client);
            }
            writers.push((i, write));
        }
        let report = broadcast(writers.iter().map(|(_, w)| w), &numbered(0), Lagging::Skip);
        assert_eq!(report.not_open, [0, 2, 4]);
        let removed: Vec<usize> = report
            .remove_not_open(&mut writers)
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        assert_eq!(removed, [4, 2, 0], "last first");
        let kept: Vec<usize> = writers.iter().map(|(i, _)| *i).collect();
        // Removing 4, then 2 (3 moves into its place), then 0 (3 again).
        assert_eq!(kept, [3, 1]);
        for client in &mut open_clients {
            assert_eq!(
                client.next().await.unwrap().unwrap(),
                numbered(0).message().clone()
            );
        }
    })
    .await;
}

//! What the peer sees when a handle is dropped without `close`, as the
//! handles' docs say: no close frame, an abrupt end (1006 at the peer), and
//! a half dropped alone closes nothing. Over in-memory transports (a tokio
//! duplex, a Unix socket pair); every wait is bounded.

use rfc6455::layer::Error;
use rfc6455::{CloseCode, Config, Connection, ConnectionError};

/// Asserts that `error` is the peer's abrupt end: no close frame came.
fn assert_abrupt_end(error: Error) {
    match error {
        Error::Connection(error) => {
            assert_eq!(error, ConnectionError::UnexpectedEof);
            assert_eq!(error.close_code(), CloseCode::ABNORMAL);
        }
        other => panic!("expected an end without a close frame, got {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn a_dropped_blocking_websocket_ends_abruptly_for_the_peer() {
    use rfc6455::Message;
    use rfc6455::blocking::WebSocket;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    let (ours, theirs) = UnixStream::pair().unwrap();
    theirs
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut ws = WebSocket::from_connection(ours, Connection::server(Config::default()));
    let mut peer = WebSocket::from_connection(theirs, Connection::client(Config::default()));

    ws.send(Message::from("sent")).unwrap();
    ws.feed(Message::from("only queued")).unwrap();
    drop(ws);

    assert_eq!(peer.read().unwrap(), Some(Message::from("sent")));
    assert_abrupt_end(peer.read().unwrap_err());
    assert_eq!(peer.close_frame(), None);
}

#[cfg(feature = "tokio")]
mod tokio_layer {
    use std::future::Future;
    use std::time::Duration;

    use rfc6455::tokio::WebSocketStream;
    use rfc6455::{Config, Connection, Message, State};
    use tokio::io::DuplexStream;

    use super::assert_abrupt_end;

    async fn bounded<T>(future: impl Future<Output = T>) -> T {
        tokio::time::timeout(Duration::from_secs(10), future)
            .await
            .expect("the test did not finish in time")
    }

    /// A server stream and its client peer over an in-memory duplex.
    fn pair() -> (WebSocketStream<DuplexStream>, WebSocketStream<DuplexStream>) {
        let (ours, theirs) = tokio::io::duplex(64 << 10);
        let server = Connection::server(Config::default());
        let client = Connection::client(Config::default());
        (
            WebSocketStream::from_connection(ours, server),
            WebSocketStream::from_connection(theirs, client),
        )
    }

    #[tokio::test]
    async fn a_dropped_stream_ends_abruptly_and_loses_what_was_only_fed() {
        let (mut ws, mut peer) = pair();
        ws.send(Message::from("sent")).await.unwrap();
        ws.feed(Message::from("only queued")).await.unwrap();
        drop(ws);

        let first = bounded(peer.next()).await;
        assert_eq!(first.unwrap().unwrap(), Message::from("sent"));
        let second = bounded(peer.next()).await;
        assert_abrupt_end(second.unwrap().unwrap_err());
        assert_eq!(peer.close_frame(), None);
        assert!(bounded(peer.next()).await.is_none());
    }

    #[tokio::test]
    async fn dropping_the_write_half_leaves_the_read_half_reading_and_answering() {
        let (ws, mut peer) = pair();
        let (mut read, write) = ws.split();
        drop(write);

        peer.send(Message::from("still there?")).await.unwrap();
        let received = bounded(read.next()).await;
        assert_eq!(received.unwrap().unwrap(), Message::from("still there?"));

        // The peer's close is answered by the read half alone.
        let reading = tokio::spawn(async move {
            let end = read.next().await;
            (end.is_none(), read.state())
        });
        bounded(peer.close()).await.unwrap();
        assert_eq!(bounded(reading).await.unwrap(), (true, State::Closed));
    }

    #[tokio::test]
    async fn dropping_the_read_half_keeps_the_connection_until_both_are_dropped() {
        let (ws, mut peer) = pair();
        let (read, mut write) = ws.split();
        drop(read);

        write.send(Message::from("still sending")).await.unwrap();
        let received = bounded(peer.next()).await;
        assert_eq!(received.unwrap().unwrap(), Message::from("still sending"));
        assert_eq!(write.state(), State::Open);

        drop(write);
        let end = bounded(peer.next()).await;
        assert_abrupt_end(end.unwrap().unwrap_err());
    }
}

//! WebSockets over HTTP/2 streams (RFC 8441) with the h2 crate, over
//! 127.0.0.1: the `h2_echo` example's server and client.
#![cfg(all(feature = "http", feature = "tokio"))]

use std::time::Duration;

use crate::h2_echo::{H2Client, serve_connection};
use rfc6455::handshake::{HandshakeError, ResponseError};
use rfc6455::{Message, State};
use tokio::net::{TcpListener, TcpStream};

const LIMIT: Duration = Duration::from_secs(10);

/// A server for exactly one TCP connection; the client on it.
async fn one_connection() -> H2Client {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        serve_connection(tcp).await
    });
    H2Client::connect(TcpStream::connect(addr).await.unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_websocket_over_one_http2_stream_exchanges_messages_and_its_close_ends_the_stream() {
    tokio::time::timeout(LIMIT, async {
        let client = one_connection().await;
        let mut ws = client.open("ws://localhost/echo").await.unwrap();
        #[cfg(feature = "deflate")]
        assert!(ws.connection().deflate().is_some(), "deflate negotiated");
        // Larger than the default 64 KiB stream window: flow control must
        // hand capacity back for it to arrive.
        let big = Message::from((0..=255u8).cycle().take(1 << 20).collect::<Vec<u8>>());
        for message in [Message::from("Hello"), big] {
            ws.send(message.clone()).await.unwrap();
            assert_eq!(ws.next().await.transpose().unwrap(), Some(message));
        }
        ws.close().await.unwrap();
        assert!(ws.next().await.is_none());
        assert_eq!(ws.state(), State::Closed);
        assert!(ws.get_ref().peer_ended(), "the server ended its stream");
    })
    .await
    .expect("within the time limit");
}

#[tokio::test]
async fn two_websockets_share_one_http2_connection() {
    tokio::time::timeout(LIMIT, async {
        // The server accepts one TCP connection only.
        let client = one_connection().await;
        let mut first = client.open("ws://localhost/echo").await.unwrap();
        let mut second = client.open("ws://localhost/echo").await.unwrap();
        first.send(Message::from("one")).await.unwrap();
        second.send(Message::from("two")).await.unwrap();
        first.send(Message::from("three")).await.unwrap();
        assert_eq!(
            second.next().await.transpose().unwrap(),
            Some(Message::from("two"))
        );
        assert_eq!(
            first.next().await.transpose().unwrap(),
            Some(Message::from("one"))
        );
        assert_eq!(
            first.next().await.transpose().unwrap(),
            Some(Message::from("three"))
        );
        first.close().await.unwrap();
        // The other stream goes on after the first one closed.
        second.send(Message::from("four")).await.unwrap();
        assert_eq!(
            second.next().await.transpose().unwrap(),
            Some(Message::from("four"))
        );
        second.close().await.unwrap();
        assert!(first.get_ref().peer_ended() && second.get_ref().peer_ended());
    })
    .await
    .expect("within the time limit");
}

#[tokio::test]
async fn the_client_refuses_a_server_that_did_not_enable_extended_connect() {
    tokio::time::timeout(LIMIT, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // A plain HTTP/2 server: no SETTINGS_ENABLE_CONNECT_PROTOCOL.
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut connection = h2::server::handshake(tcp).await.unwrap();
            let mut requests = 0;
            while let Some(Ok(_)) = connection.accept().await {
                requests += 1;
            }
            requests
        });
        let client = H2Client::connect(TcpStream::connect(addr).await.unwrap())
            .await
            .unwrap();
        let error = client.open("ws://localhost/echo").await.unwrap_err();
        let error = error
            .downcast::<HandshakeError>()
            .expect("a handshake error");
        assert_eq!(
            *error,
            HandshakeError::Response(ResponseError::ConnectProtocolDisabled)
        );
        assert!(
            error
                .to_string()
                .contains("SETTINGS_ENABLE_CONNECT_PROTOCOL")
        );
        drop(client);
        assert_eq!(server.await.unwrap(), 0, "no request was sent");
    })
    .await
    .expect("within the time limit");
}

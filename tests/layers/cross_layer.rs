//! The two layers against each other over 127.0.0.1, each in both roles:
//! a blocking client with a tokio server, and a tokio client with a
//! blocking server.
#![cfg(feature = "tokio")]

use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use rfc6455::layer::{Answer, ClientOptions, ServerOptions, Upgrade};
use rfc6455::{CloseCode, CloseFrame, Message, blocking};

fn messages() -> Vec<Message> {
    vec![
        Message::from("Ping"),
        Message::from(vec![0u8; 0]),
        Message::from((0..=255u8).cycle().take(300_000).collect::<Vec<u8>>()),
    ]
}

#[test]
fn a_blocking_client_talks_to_a_tokio_server() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("ws://{}/echo", listener.local_addr().unwrap());
    let server = runtime.spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let answer = |_: &rfc6455::handshake::Request| Answer::accept_protocol("xmpp");
        let upgrade = rfc6455::tokio::accept_with(stream, ServerOptions::default(), answer)
            .await
            .unwrap();
        let Upgrade::WebSocket(mut ws) = upgrade else {
            panic!("not an upgrade")
        };
        while let Some(message) = ws.next().await {
            ws.send(message.unwrap()).await.unwrap();
        }
        ws.close_frame().cloned()
    });
    let options = ClientOptions::new(&url).protocols(["soap", "xmpp"]);
    let (mut ws, _) = blocking::connect_with(options).unwrap();
    assert_eq!(ws.protocol(), Some("xmpp"));
    for message in messages() {
        ws.send(message.clone()).unwrap();
        assert_eq!(ws.read().unwrap(), Some(message));
    }
    ws.close_with(CloseFrame::new(CloseCode::NORMAL, "bye"))
        .unwrap();
    let seen = runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(10), server).await })
        .unwrap()
        .unwrap();
    assert_eq!(seen, Some(CloseFrame::new(CloseCode::NORMAL, "bye")));
}

#[tokio::test]
async fn a_tokio_client_talks_to_a_blocking_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/echo", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut ws = blocking::accept(stream).unwrap();
        let mut echoed = 0;
        while let Some(message) = ws.read().unwrap() {
            ws.send(message).unwrap();
            echoed += 1;
        }
        (echoed, ws.close_frame().cloned())
    });
    let (mut ws, _) = rfc6455::tokio::connect(&url).await.unwrap();
    for message in messages() {
        ws.send(message.clone()).await.unwrap();
        assert_eq!(ws.next().await.transpose().unwrap(), Some(message));
    }
    ws.close().await.unwrap();
    assert_eq!(ws.next().await.transpose().unwrap(), None);
    let (echoed, frame) = tokio::task::spawn_blocking(move || server.join().unwrap())
        .await
        .unwrap();
    assert_eq!(echoed, 3);
    // An empty close frame was sent: RFC 6455 section 7.1.5 reads it as 1005.
    assert_eq!(
        frame,
        Some(rfc6455::CloseFrame::new(rfc6455::CloseCode::NO_STATUS, "")),
    );
}

//! The tokio layer (`rfc6455::tokio`): handshakes, messages, closing, the
//! timers on tokio's paused clock, backpressure, cancel safety and halves,
//! against itself and against tokio-tungstenite. Every socket is on
//! 127.0.0.1 or an in-memory duplex; every test is bounded in time. The
//! helpers are here, the tests by topic in the modules.
#![cfg(feature = "tokio")]

use crate::common;
mod broadcast;
mod flow;
mod handshakes;
mod messages;
mod timers;

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use common::noise;
use futures_util::{SinkExt, StreamExt};
use rfc6455::frame::{Decoded, Header, Opcode};
use rfc6455::handshake::{Accept, ServerHandshake};
use rfc6455::layer::{self, Answer, ClientOptions, ServerOptions, Upgrade};
use rfc6455::tokio::{WebSocketStream, accept, accept_with, connect, connect_on, connect_with};
use rfc6455::{
    CloseCode, CloseFrame, Config, ConnectionError, Message, ProtocolError, Refused, State,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, timeout};
use tokio_tungstenite::tungstenite;

/// Fails the test instead of hanging (virtual time in paused tests).
async fn bounded<T>(future: impl Future<Output = T>) -> T {
    timeout(Duration::from_secs(600), future)
        .await
        .expect("the test did not finish in time")
}

async fn listen() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/chat", listener.local_addr().unwrap());
    (listener, url)
}

/// An echo server of ours for one connection; returns how many messages it
/// echoed, the peer's close frame and the final state.
fn spawn_echo_server(
    listener: TcpListener,
) -> tokio::task::JoinHandle<(usize, Option<CloseFrame>, State)> {
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = accept(tcp).await.unwrap();
        let mut count = 0;
        while let Some(message) = ws.next().await {
            ws.send(message.unwrap()).await.unwrap();
            count += 1;
        }
        (count, ws.close_frame().cloned(), ws.state())
    })
}

fn pattern(len: usize) -> Message {
    Message::Binary(
        (0..len)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>()
            .into(),
    )
}

/// `len` pseudo-random letters.
fn letters(seed: usize, len: usize) -> String {
    noise(seed as u64, len)
        .into_iter()
        .map(|b| char::from(b'a' + b % 26))
        .collect()
}

/// The server side of a handshake done by hand, for peers that misbehave.
async fn raw_server_handshake(io: &mut DuplexStream) {
    let mut handshake = ServerHandshake::new(Config::default());
    let mut buf = vec![0; 4096];
    loop {
        let n = io.read(&mut buf).await.unwrap();
        assert!(n > 0, "the client hung up during the handshake");
        if let Some(request) = handshake.receive(&buf[..n]).unwrap() {
            let (response, _) = request.accept(Accept::default()).unwrap();
            io.write_all(&response).await.unwrap();
            return;
        }
    }
}

/// Reads one whole frame (unmasked), keeping extra bytes in `pending`;
/// `None` at end of file.
async fn read_frame(io: &mut DuplexStream, pending: &mut Vec<u8>) -> Option<(Header, Bytes)> {
    loop {
        if let Ok(Decoded::Complete { header, len }) = Header::decode(pending) {
            let end = len + header.payload_len as usize;
            if pending.len() >= end {
                let frame: Vec<u8> = pending.drain(..end).collect();
                return common::decode_frames(&frame).pop();
            }
        }
        let mut buf = [0; 4096];
        match io.read(&mut buf).await.unwrap() {
            0 => return None,
            n => pending.extend_from_slice(&buf[..n]),
        }
    }
}

/// Every frame until end of file.
async fn read_frames_to_eof(io: &mut DuplexStream) -> Vec<(Header, Bytes)> {
    let mut all = Vec::new();
    io.read_to_end(&mut all).await.unwrap();
    common::decode_frames(&all)
}

/// The code of the last frame, which must be a close frame.
fn last_close_code(frames: &[(Header, Bytes)]) -> Option<u16> {
    let (header, payload) = frames.last().expect("no frame was sent");
    assert_eq!(
        header.opcode,
        Opcode::Close,
        "the last frame is not a close"
    );
    (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]))
}

fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.as_bytes());
    payload
}

/// A client of ours on one end of a duplex, and the other end.
async fn client_on_duplex<F: Future<Output = ()> + Send + 'static>(
    capacity: usize,
    options: ClientOptions,
    peer: impl FnOnce(DuplexStream) -> F + Send + 'static,
) -> WebSocketStream<DuplexStream> {
    let (ours, mut theirs) = tokio::io::duplex(capacity);
    tokio::spawn(async move {
        raw_server_handshake(&mut theirs).await;
        peer(theirs).await;
    });
    connect_on(ours, options).await.unwrap().0
}

fn options() -> ClientOptions {
    ClientOptions::new("ws://127.0.0.1/chat")
}

//! A chat-room client for the tests of the room examples (`chat`, and the
//! fan-out package, which reaches this file by `#[path]`): join a room and
//! read up to a message.
#![allow(dead_code)] // each user takes a different subset

use rfc6455::Message;
use rfc6455::tokio::{ClientStream, WebSocketStream, connect};

pub type Client = WebSocketStream<ClientStream>;

/// Joins `room` on the server at `addr` (`ws://{addr}/rooms/{room}`), and
/// waits for its own hello to come back: it is then a member, so it gets
/// every message sent to the room after.
pub async fn join(addr: &str, room: &str, name: &str) -> Client {
    let (mut ws, _) = connect(&format!("ws://{addr}/rooms/{room}")).await.unwrap();
    let hello = Message::from(format!("{name} joined").as_str());
    ws.send(hello.clone()).await.unwrap();
    while ws.next().await.unwrap().unwrap() != hello {}
    ws
}

/// Reads until `wanted`; returns what came before it.
pub async fn read_until(ws: &mut Client, wanted: &str) -> Vec<Message> {
    let mut before = Vec::new();
    loop {
        let message = ws.next().await.unwrap().unwrap();
        if message == Message::from(wanted) {
            return before;
        }
        before.push(message);
    }
}

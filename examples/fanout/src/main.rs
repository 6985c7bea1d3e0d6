//! Chat rooms across processes: run several of these behind a load balancer,
//! all pointed at one Redis. A text message sent to `/rooms/{name}` on any
//! process is published to Redis channel `room:{name}`; every process
//! subscribes to `room:*` and broadcasts what comes in to its own members
//! of the room (framed once, queued without waiting on any reader). A
//! process that dies takes only its own connections with it.
//!
//! `cargo run -- 127.0.0.1:9004 redis://127.0.0.1:6379/`

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use rfc6455::tokio::{Answer, Lagging, ServerOptions, Upgrade, WriteHalf, accept_with, broadcast};
use rfc6455::{Message, PreparedMessage};
use tokio::net::{TcpListener, TcpStream};

type Rooms = Arc<Mutex<HashMap<String, Vec<WriteHalf<TcpStream>>>>>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or("127.0.0.1:9004".into());
    let redis_url = args.next().unwrap_or("redis://127.0.0.1:6379/".into());
    let redis = redis::Client::open(redis_url.as_str())?;
    let publisher = redis.get_multiplexed_async_connection().await?;
    let mut subscriber = redis.get_async_pubsub().await?;
    subscriber.psubscribe("room:*").await?;

    let rooms = Rooms::default();
    let relay_rooms = rooms.clone();
    let mut relay = tokio::spawn(async move {
        let mut messages = subscriber.on_message();
        while let Some(published) = messages.next().await {
            let Some(room) = published.get_channel_name().strip_prefix("room:") else {
                continue;
            };
            let Ok(text) = std::str::from_utf8(published.get_payload_bytes()) else {
                continue;
            };
            let message = PreparedMessage::new(Message::from(text));
            let mut rooms = relay_rooms.lock().unwrap();
            let Some(members) = rooms.get_mut(room) else {
                continue;
            };
            let report = broadcast(members.iter(), &message, Lagging::Skip);
            report.remove_not_open(members);
        }
    });

    let listener = TcpListener::bind(&addr).await?;
    println!("fanout on ws://{}/rooms/{{name}}", listener.local_addr()?);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (tcp, _) = accepted?;
                tokio::spawn(talk(tcp, rooms.clone(), publisher.clone()));
            }
            _ = &mut relay => return Err("lost the Redis subscription".into()),
        }
    }
}

async fn talk(tcp: TcpStream, rooms: Rooms, mut publisher: MultiplexedConnection) {
    let mut room = None;
    let upgrade = accept_with(tcp, ServerOptions::default(), |request| {
        match request.path().strip_prefix("/rooms/") {
            Some(name) if !name.is_empty() => {
                room = Some(name.to_owned());
                Answer::accept()
            }
            _ => Answer::reject(404, "connect to /rooms/{name}\n"),
        }
    });
    let (Ok(Upgrade::WebSocket(ws)), Some(room)) = (upgrade.await, room) else {
        return;
    };
    let (mut read, write) = ws.split();
    rooms
        .lock()
        .unwrap()
        .entry(room.clone())
        .or_default()
        .push(write);
    let channel = format!("room:{room}");
    while let Some(Ok(message)) = read.next().await {
        if let Some(text) = message.as_text() {
            let published: redis::RedisResult<usize> = publisher.publish(&channel, text).await;
            if published.is_err() {
                break;
            }
        }
    }
    let mut rooms = rooms.lock().unwrap();
    if let Some(members) = rooms.get_mut(&room) {
        members.retain(|write| !read.is_pair_of(write));
        if members.is_empty() {
            rooms.remove(&room);
        }
    }
}

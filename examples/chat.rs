//! Chat rooms on axum: a WebSocket to `/rooms/{name}` joins room `name`, and
//! each message sent there goes to everyone in the room, the sender too.
//! Each message is framed once and queued on every member without waiting
//! on any (`broadcast`); a member too far behind misses messages instead of
//! holding up the room. Ctrl-C (or SIGTERM) closes every connection with
//! 1001 and waits for the close handshakes, each bounded by the close
//! timeout.
//!
//! `cargo run --features axum --example chat -- 127.0.0.1:9003`

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::any;
use rfc6455::axum::{WebSocket, WebSocketUpgrade, WriteHalf};
use rfc6455::tokio::{Lagging, broadcast};
use rfc6455::{CloseCode, CloseFrame, PreparedMessage};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

#[derive(Clone, Default)]
struct Chat {
    rooms: Arc<Mutex<HashMap<String, Vec<WriteHalf>>>>,
    shutdown: CancellationToken,
    connections: TaskTracker,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or("127.0.0.1:9003".into());
    let chat = Chat::default();
    let app = axum::Router::new()
        .route("/rooms/{room}", any(join))
        .with_state(chat.clone());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!(
        "chat rooms on ws://{}/rooms/{{name}}",
        listener.local_addr()?
    );
    let shutdown = chat.shutdown.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            stop_signal().await;
            shutdown.cancel();
        })
        .await?;
    chat.connections.close();
    println!(
        "shutting down: closing {} connections with 1001",
        chat.connections.len()
    );
    chat.connections.wait().await;
    println!("every connection closed");
    Ok(())
}

async fn join(
    ws: WebSocketUpgrade,
    Path(room): Path<String>,
    State(chat): State<Chat>,
) -> Response {
    let tracker = chat.connections.clone();
    ws.on_upgrade(move |socket| tracker.track_future(talk(chat, room, socket)))
}

async fn talk(chat: Chat, room: String, socket: WebSocket) {
    let (mut read, write) = socket.split();
    chat.in_room(&room, |members| members.push(write));
    loop {
        let message = tokio::select! {
            message = read.next() => message,
            () = chat.shutdown.cancelled() => break,
        };
        let Some(Ok(message)) = message else { break };
        let message = PreparedMessage::new(message);
        chat.in_room(&room, |members| {
            let report = broadcast(members.iter(), &message, Lagging::Skip);
            report.remove_not_open(members);
        });
    }
    let mine = chat.in_room(&room, |members| {
        let position = members.iter().position(|write| read.is_pair_of(write))?;
        Some(members.swap_remove(position))
    });
    if let (Some(mut write), true) = (mine, chat.shutdown.is_cancelled()) {
        let going_away = CloseFrame::new(CloseCode::GOING_AWAY, "server shutting down");
        // Reads until the peer's close frame, bounded by the close timeout.
        let _ = write.close(Some(going_away)).await;
    }
}

impl Chat {
    /// Runs `f` on the room's members (an empty room is forgotten).
    fn in_room<R>(&self, room: &str, f: impl FnOnce(&mut Vec<WriteHalf>) -> R) -> R {
        let mut rooms = self.rooms.lock().unwrap();
        let members = rooms.entry(room.to_owned()).or_default();
        let result = f(members);
        if members.is_empty() {
            rooms.remove(room);
        }
        result
    }
}

async fn stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

//! Room mode (`e2e-server <impl> <addr> room`): every data message a client
//! sends goes to every connected client, the sender too, as each crate's
//! users write a broadcast.
//!
//! - `rfc6455`: the room keeps each connection's write half; a message read
//!   is made a `PreparedMessage` (framed once) and `broadcast` queues it on
//!   every write half without waiting (`Lagging::Skip`: a connection with
//!   more than its 64 KiB write limit queued misses it).
//! - With a client's permessage-deflate offer, ours compresses as its
//!   `Config` says (the default: accept, context takeover unless the client
//!   asks for `server_no_context_takeover`); yawc is given
//!   `with_balanced_compression()`; the other two have no permessage-deflate.
//! - `tungstenite`, `tokio-websockets`, `yawc`: the tokio-tungstenite
//!   `examples/server.rs` shape: the room keeps an unbounded channel per
//!   connection, a message read is cloned into every channel, and a task
//!   per connection writes its channel into the connection's sink (feeding
//!   what is waiting, then one flush).

use std::sync::{Arc, LazyLock, Mutex};

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// The room of one peer crate: a channel per connection.
type Peers<M> = Arc<Mutex<Vec<mpsc::UnboundedSender<M>>>>;

pub mod ours {
    use super::*;
    use rfc6455::PreparedMessage;
    use rfc6455::tokio::{Lagging, WriteHalf, broadcast};

    static ROOM: LazyLock<Mutex<Vec<WriteHalf<TcpStream>>>> = LazyLock::new(Mutex::default);

    pub async fn member(tcp: TcpStream) {
        let Ok(ws) = rfc6455::tokio::accept(tcp).await else {
            return;
        };
        let (mut read, write) = ws.split();
        ROOM.lock().unwrap().push(write);
        while let Some(Ok(message)) = read.next().await {
            let message = PreparedMessage::new(message);
            let mut room = ROOM.lock().unwrap();
            let report = broadcast(room.iter(), &message, Lagging::Skip);
            report.remove_not_open(&mut room);
        }
        ROOM.lock().unwrap().retain(|write| !read.is_pair_of(write));
    }
}

/// A peer crate's member: its channel in `peers`, a task writing the
/// channel into `write`, and every data message read cloned to the room.
async fn member<M, R, W>(mut read: R, mut write: W, peers: &Peers<M>, is_data: fn(&M) -> bool)
where
    M: Clone + Send + 'static,
    R: Stream<Item = M> + Unpin,
    W: Sink<M> + Unpin + Send + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel();
    peers.lock().unwrap().push(tx);
    let writer = tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            if write.feed(message).await.is_err() {
                return;
            }
            while let Ok(message) = rx.try_recv() {
                if write.feed(message).await.is_err() {
                    return;
                }
            }
            if write.flush().await.is_err() {
                return;
            }
        }
    });
    while let Some(message) = read.next().await {
        if is_data(&message) {
            // A closed channel is a connection gone: forget it.
            peers
                .lock()
                .unwrap()
                .retain(|tx| tx.send(message.clone()).is_ok());
        }
    }
    writer.abort();
}

pub mod tungstenite {
    use super::*;
    use ::tokio_tungstenite::tungstenite::Message;

    static PEERS: LazyLock<Peers<Message>> = LazyLock::new(Peers::default);

    pub async fn member(tcp: TcpStream) {
        let Ok(ws) = ::tokio_tungstenite::accept_async(tcp).await else {
            return;
        };
        let (write, read) = ws.split();
        let read = read.filter_map(|m| std::future::ready(m.ok()));
        super::member(Box::pin(read), write, &PEERS, |m| {
            m.is_text() || m.is_binary()
        })
        .await;
    }
}

pub mod tokio_websockets {
    use super::*;
    use ::tokio_websockets::{Message, ServerBuilder};

    static PEERS: LazyLock<Peers<Message>> = LazyLock::new(Peers::default);

    pub async fn member(tcp: TcpStream) {
        let Ok((_request, ws)) = ServerBuilder::new().accept(tcp).await else {
            return;
        };
        let (write, read) = ws.split();
        let read = read.filter_map(|m| std::future::ready(m.ok()));
        super::member(Box::pin(read), write, &PEERS, |m| {
            m.is_text() || m.is_binary()
        })
        .await;
    }
}

pub mod yawc {
    use super::*;
    use ::yawc::{Frame, OpCode, Options, WebSocket};
    use http_body_util::Empty;
    use hyper::body::{Bytes, Incoming};
    use hyper::{Request, Response};

    static PEERS: LazyLock<Peers<Frame>> = LazyLock::new(Peers::default);

    pub async fn upgrade(mut request: Request<Incoming>) -> ::yawc::Result<Response<Empty<Bytes>>> {
        // permessage-deflate when the client offers it (context takeover
        // unless asked otherwise, yawc's default level).
        let options = Options::default()
            .with_utf8()
            .with_max_payload_read(2 << 20)
            .with_balanced_compression();
        let (response, fut) = WebSocket::upgrade_with_options(&mut request, options)?;
        tokio::spawn(async move {
            let Ok(ws) = fut.await else { return };
            let (write, read) = ws.split();
            let is_data = |f: &Frame| matches!(f.opcode(), OpCode::Text | OpCode::Binary);
            super::member(read, write, &PEERS, is_data).await;
        });
        Ok(response)
    }
}

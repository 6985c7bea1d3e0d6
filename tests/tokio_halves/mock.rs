//! A transport that is ready or pending as the test says, and keeps the
//! one waker per direction a real transport keeps; tasks' wakers that
//! count their wakeups; a peer connection to make and read frames.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use rfc6455::tokio::{ReadHalf, WebSocketStream, WriteHalf};
use rfc6455::{Config, Connection, Event, Message};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

#[derive(Default)]
struct Script {
    input: VecDeque<Vec<u8>>,
    /// Bytes the transport takes before a write is pending.
    room: usize,
    written: Vec<u8>,
    shut_down: bool,
    panic_on_write: bool,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
}

/// The scripted transport; clones share the script.
#[derive(Clone, Default)]
pub struct Transport(Arc<Mutex<Script>>);

impl Transport {
    fn script(&self) -> std::sync::MutexGuard<'_, Script> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Input becomes readable: the stored read waker fires.
    pub fn deliver(&self, bytes: Vec<u8>) {
        let waker = {
            let mut script = self.script();
            script.input.push_back(bytes);
            script.read_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The transport takes `bytes` more: the stored write waker fires.
    pub fn make_room(&self, bytes: usize) {
        let waker = {
            let mut script = self.script();
            script.room += bytes;
            script.write_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The next write panics (the transport's code is the caller's).
    pub fn panic_on_write(&self) {
        self.script().panic_on_write = true;
    }

    /// Everything written so far, taken out.
    pub fn take_written(&self) -> Vec<u8> {
        std::mem::take(&mut self.script().written)
    }

    pub fn is_shut_down(&self) -> bool {
        self.script().shut_down
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut script = self.script();
        let Some(mut chunk) = script.input.pop_front() else {
            script.read_waker = Some(cx.waker().clone());
            return Poll::Pending;
        };
        let n = chunk.len().min(buf.remaining());
        buf.put_slice(&chunk[..n]);
        if n < chunk.len() {
            script.input.push_front(chunk.split_off(n));
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut script = self.script();
        if script.panic_on_write {
            drop(script);
            panic!("the transport panics in poll_write");
        }
        if script.room == 0 {
            script.write_waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = script.room.min(buf.len());
        script.room -= n;
        script.written.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.script().shut_down = true;
        Poll::Ready(Ok(()))
    }
}

/// A task: its waker counts how often it was woken.
pub struct Task {
    woken: Arc<Counter>,
    waker: Waker,
}

struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Task {
    pub fn new() -> Self {
        let woken = Arc::new(Counter(AtomicUsize::new(0)));
        Task {
            waker: Waker::from(woken.clone()),
            woken,
        }
    }

    /// Wakeups so far.
    pub fn woken(&self) -> usize {
        self.woken.0.load(Ordering::SeqCst)
    }

    /// Polls `future` once as this task.
    pub fn poll<F: Future + ?Sized>(&self, future: Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(&self.waker))
    }
}

/// The halves of a server stream over a fresh transport that takes
/// `room` bytes, sends waiting while more than `write_limit` is queued.
pub fn halves(
    room: usize,
    write_limit: usize,
) -> (Transport, ReadHalf<Transport>, WriteHalf<Transport>) {
    let transport = Transport::default();
    transport.make_room(room);
    // No timers and no write timeout: the halves are polled by hand, with
    // no tokio runtime (and so no clock) around them.
    let conn = Connection::server(Config::without_timers()).with_protocol("chat");
    let (read, write) = WebSocketStream::from_connection(transport.clone(), conn)
        .with_write_limit(write_limit)
        .with_write_timeout(None)
        .split();
    (transport, read, write)
}

/// The client at the other end: makes the frames the halves read, and
/// decodes what they wrote.
pub struct Peer(Connection);

impl Peer {
    pub fn new() -> Self {
        Peer(crate::common::client(Config::default()))
    }

    /// The bytes of `message` as this peer sends it.
    pub fn message(&mut self, message: Message) -> Vec<u8> {
        self.0.send(message).unwrap();
        self.0.take_output().to_vec()
    }

    /// The bytes of a ping as this peer sends it.
    pub fn ping(&mut self, payload: &[u8]) -> Vec<u8> {
        self.0.ping(payload).unwrap();
        self.0.take_output().to_vec()
    }

    /// The events in `written`, and the bytes the peer answers with (its
    /// close reply).
    pub fn read(&mut self, written: &[u8]) -> (Vec<Event>, Vec<u8>) {
        self.0.receive(written);
        let mut events = Vec::new();
        while let Some(event) = self.0.next_event().unwrap() {
            events.push(event);
        }
        (events, self.0.take_output().to_vec())
    }
}

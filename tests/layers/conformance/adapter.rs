//! What a layer is, as the suite sees it: connect, accept (with a
//! callback), and a handle with the verbs both layers share. The tokio
//! layer runs on a runtime of its own, driven from the test's threads.

use std::net::TcpStream;
use std::sync::{Arc, OnceLock};

use rfc6455::handshake::Request;
use rfc6455::layer::{self, Answer, ClientOptions, ServerOptions, ServerResponse, Upgrade};
use rfc6455::{CloseFrame, Message, PreparedMessage, State};

/// The verbs of a layer's WebSocket handle.
pub trait Handle: Send + 'static {
    fn send(&mut self, message: Message) -> Result<(), layer::Error>;
    fn feed(&mut self, message: Message) -> Result<(), layer::Error>;
    fn send_prepared(&mut self, message: &PreparedMessage) -> Result<(), layer::Error>;
    fn flush(&mut self) -> Result<(), layer::Error>;
    fn ping(&mut self, payload: &[u8]) -> Result<(), layer::Error>;
    /// The next data message; `None` once closed.
    fn read(&mut self) -> Result<Option<Message>, layer::Error>;
    fn close(&mut self) -> Result<(), layer::Error>;
    fn close_with(&mut self, frame: CloseFrame) -> Result<(), layer::Error>;
    fn protocol(&self) -> Option<String>;
    fn close_frame(&self) -> Option<CloseFrame>;
    fn state(&self) -> State;
}

/// How a server's accept ended, the transport left out.
pub enum Accepted<H> {
    WebSocket(H),
    /// A plain request, with the bytes read.
    Http(Vec<u8>),
    Rejected(u16),
}

pub type Callback = Box<dyn FnMut(&Request) -> Answer + Send>;

/// A layer: its client and its server.
pub trait Layer {
    type Client: Handle;
    type Server: Handle;
    fn connect(options: ClientOptions) -> Result<(Self::Client, ServerResponse), layer::Error>;
    /// `accept` (default options, every upgrade accepted).
    fn accept(tcp: TcpStream) -> Result<Self::Server, layer::Error>;
    fn accept_with(
        tcp: TcpStream,
        options: ServerOptions,
        answer: Callback,
    ) -> Result<Accepted<Self::Server>, layer::Error>;
}

fn accepted<W, S>(upgrade: Upgrade<W, S>) -> Accepted<W> {
    match upgrade {
        Upgrade::WebSocket(ws) => Accepted::WebSocket(ws),
        Upgrade::Http(request) => Accepted::Http(request.bytes),
        Upgrade::Rejected(status) => Accepted::Rejected(status),
    }
}

pub struct Blocking;

impl<S: rfc6455::blocking::Transport + Send + 'static> Handle for rfc6455::blocking::WebSocket<S> {
    fn send(&mut self, message: Message) -> Result<(), layer::Error> {
        rfc6455::blocking::WebSocket::send(self, message)
    }
    fn feed(&mut self, message: Message) -> Result<(), layer::Error> {
        rfc6455::blocking::WebSocket::feed(self, message)
    }
    fn send_prepared(&mut self, message: &PreparedMessage) -> Result<(), layer::Error> {
        rfc6455::blocking::WebSocket::send_prepared(self, message)
    }
    fn flush(&mut self) -> Result<(), layer::Error> {
        rfc6455::blocking::WebSocket::flush(self)
    }
    fn ping(&mut self, payload: &[u8]) -> Result<(), layer::Error> {
        rfc6455::blocking::WebSocket::ping(self, payload)
    }
    fn read(&mut self) -> Result<Option<Message>, layer::Error> {
        rfc6455::blocking::WebSocket::read(self)
    }
    fn close(&mut self) -> Result<(), layer::Error> {
        rfc6455::blocking::WebSocket::close(self)
    }
    fn close_with(&mut self, frame: CloseFrame) -> Result<(), layer::Error> {
        rfc6455::blocking::WebSocket::close_with(self, frame)
    }
    fn protocol(&self) -> Option<String> {
        rfc6455::blocking::WebSocket::protocol(self).map(String::from)
    }
    fn close_frame(&self) -> Option<CloseFrame> {
        rfc6455::blocking::WebSocket::close_frame(self).cloned()
    }
    fn state(&self) -> State {
        rfc6455::blocking::WebSocket::state(self)
    }
}

impl Layer for Blocking {
    type Client = rfc6455::blocking::WebSocket<rfc6455::blocking::ClientStream>;
    type Server = rfc6455::blocking::WebSocket<TcpStream>;

    fn connect(options: ClientOptions) -> Result<(Self::Client, ServerResponse), layer::Error> {
        rfc6455::blocking::connect_with(options)
    }
    fn accept(tcp: TcpStream) -> Result<Self::Server, layer::Error> {
        rfc6455::blocking::accept(tcp)
    }
    fn accept_with(
        tcp: TcpStream,
        options: ServerOptions,
        answer: Callback,
    ) -> Result<Accepted<Self::Server>, layer::Error> {
        rfc6455::blocking::accept_with(tcp, options, answer).map(accepted)
    }
}

pub struct Tokio;

/// One multi-thread runtime for the suite: its worker drives the I/O, so
/// any test thread may block on it at once.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// A tokio WebSocket, driven by blocking on the suite's runtime.
pub struct TokioHandle<S>(Arc<tokio::sync::Mutex<rfc6455::tokio::WebSocketStream<S>>>);

impl<S> TokioHandle<S> {
    fn new(ws: rfc6455::tokio::WebSocketStream<S>) -> Self {
        TokioHandle(Arc::new(tokio::sync::Mutex::new(ws)))
    }
    fn with<R>(&self, f: impl FnOnce(&rfc6455::tokio::WebSocketStream<S>) -> R) -> R {
        f(&self.0.blocking_lock())
    }
}

/// Blocks on `$verb` of the handle's stream.
macro_rules! block_on {
    ($handle:ident, |$ws:ident| $body:expr) => {{
        let shared = Arc::clone(&$handle.0);
        runtime().block_on(async move {
            let mut guard = shared.lock().await;
            let $ws = &mut *guard;
            $body.await
        })
    }};
}

impl<S> Handle for TokioHandle<S>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    fn send(&mut self, message: Message) -> Result<(), layer::Error> {
        block_on!(self, |ws| ws.send(message))
    }
    fn feed(&mut self, message: Message) -> Result<(), layer::Error> {
        block_on!(self, |ws| ws.feed(message))
    }
    fn send_prepared(&mut self, message: &PreparedMessage) -> Result<(), layer::Error> {
        let message = message.clone();
        block_on!(self, |ws| ws.send_prepared(&message))
    }
    fn flush(&mut self) -> Result<(), layer::Error> {
        block_on!(self, |ws| ws.flush())
    }
    fn ping(&mut self, payload: &[u8]) -> Result<(), layer::Error> {
        let payload = payload.to_vec();
        block_on!(self, |ws| ws.ping(&payload))
    }
    fn read(&mut self) -> Result<Option<Message>, layer::Error> {
        block_on!(self, |ws| async { ws.next().await.transpose() })
    }
    fn close(&mut self) -> Result<(), layer::Error> {
        block_on!(self, |ws| ws.close())
    }
    fn close_with(&mut self, frame: CloseFrame) -> Result<(), layer::Error> {
        block_on!(self, |ws| ws.close_with(frame))
    }
    fn protocol(&self) -> Option<String> {
        self.with(|ws| ws.protocol().map(String::from))
    }
    fn close_frame(&self) -> Option<CloseFrame> {
        self.with(|ws| ws.close_frame().cloned())
    }
    fn state(&self) -> State {
        self.with(|ws| ws.state())
    }
}

/// A std stream, as a tokio stream on the suite's runtime.
fn to_tokio(tcp: TcpStream) -> tokio::net::TcpStream {
    tcp.set_nonblocking(true).unwrap();
    let _entered = runtime().enter();
    tokio::net::TcpStream::from_std(tcp).unwrap()
}

impl Layer for Tokio {
    type Client = TokioHandle<rfc6455::tokio::ClientStream>;
    type Server = TokioHandle<tokio::net::TcpStream>;

    fn connect(options: ClientOptions) -> Result<(Self::Client, ServerResponse), layer::Error> {
        let (ws, response) = runtime().block_on(rfc6455::tokio::connect_with(options))?;
        Ok((TokioHandle::new(ws), response))
    }
    fn accept(tcp: TcpStream) -> Result<Self::Server, layer::Error> {
        let ws = runtime().block_on(rfc6455::tokio::accept(to_tokio(tcp)))?;
        Ok(TokioHandle::new(ws))
    }
    fn accept_with(
        tcp: TcpStream,
        options: ServerOptions,
        answer: Callback,
    ) -> Result<Accepted<Self::Server>, layer::Error> {
        let upgrade =
            runtime().block_on(rfc6455::tokio::accept_with(to_tokio(tcp), options, answer))?;
        Ok(match accepted(upgrade) {
            Accepted::WebSocket(ws) => Accepted::WebSocket(TokioHandle::new(ws)),
            Accepted::Http(bytes) => Accepted::Http(bytes),
            Accepted::Rejected(status) => Accepted::Rejected(status),
        })
    }
}

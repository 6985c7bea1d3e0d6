//! WebSockets over HTTP/2 (RFC 8441) with the h2 crate: an echo server
//! that enables extended CONNECT, and a client that opens WebSockets as
//! streams of one HTTP/2 connection.
//!
//! ```text
//! cargo run --example h2_echo --features tokio,http                      # both, in one process
//! cargo run --example h2_echo --features tokio,http -- server 127.0.0.1:8443
//! cargo run --example h2_echo --features tokio,http -- client 127.0.0.1:8443
//! ```
//!
//! (Cleartext HTTP/2 with prior knowledge, to keep the example short; over
//! TLS the same code runs on the TLS stream, with ALPN `h2`.)
//!
//! The handshake is [`WebSocketRequest::extended_connect`] and
//! [`ClientRequest::extended_connect`]; [`H2Stream`] turns an HTTP/2
//! stream's two halves into `AsyncRead + AsyncWrite`, so that the tokio
//! layer runs the [`rfc6455::Connection`] on it as on a TCP stream. Shutting
//! the write side down ends the stream (END_STREAM).

use std::error::Error;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes};
use h2::{RecvStream, SendStream};
use http::Version;
use rfc6455::handshake::extended_connect::PROTOCOL;
use rfc6455::handshake::http_types::WebSocketRequest;
use rfc6455::handshake::{Accept, ClientRequest};
use rfc6455::tokio::WebSocketStream;
use rfc6455::{Config, Message};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Errors of the example, from h2, I/O, the handshake and the layer.
pub type BoxError = Box<dyn Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (Some("server"), Some(addr)) => {
            let listener = TcpListener::bind(addr).await?;
            println!("listening on {}", listener.local_addr()?);
            serve(listener).await?;
        }
        (Some("client"), Some(addr)) => demo(&addr).await?,
        (None, _) => {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?.to_string();
            tokio::spawn(serve(listener));
            demo(&addr).await?;
        }
        _ => eprintln!("usage: h2_echo [server ADDR | client ADDR]"),
    }
    Ok(())
}

/// Two WebSockets over one HTTP/2 connection to `addr`.
async fn demo(addr: &str) -> Result<(), BoxError> {
    let client = H2Client::connect(TcpStream::connect(addr).await?).await?;
    let mut first = client.open(&format!("ws://{addr}/echo")).await?;
    let mut second = client.open(&format!("ws://{addr}/echo")).await?;
    for (ws, text) in [(&mut first, "one"), (&mut second, "two")] {
        ws.send(Message::from(text)).await?;
        println!("echoed: {:?}", ws.next().await.transpose()?);
        ws.close().await?;
    }
    Ok(())
}

/// Serves HTTP/2 (prior knowledge) on every connection `listener` accepts.
pub async fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (tcp, _) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(e) = serve_connection(tcp).await {
                eprintln!("h2 connection: {e}");
            }
        });
    }
}

/// One HTTP/2 connection, with extended CONNECT enabled: every stream is a
/// WebSocket to echo, each on its own task.
pub async fn serve_connection(tcp: TcpStream) -> Result<(), h2::Error> {
    let mut connection = h2::server::Builder::new()
        .enable_connect_protocol()
        .handshake(tcp)
        .await?;
    while let Some(stream) = connection.accept().await {
        let (request, respond) = stream?;
        tokio::spawn(async move {
            if let Err(e) = echo_stream(request, respond).await {
                eprintln!("h2 stream: {e}");
            }
        });
    }
    Ok(())
}

async fn echo_stream(
    request: http::Request<RecvStream>,
    mut respond: h2::server::SendResponse<Bytes>,
) -> Result<(), BoxError> {
    let protocol = request.extensions().get::<h2::ext::Protocol>();
    let offer = WebSocketRequest::extended_connect(
        &request,
        protocol.map(h2::ext::Protocol::as_str),
        Config::default(),
    );
    let offer = match offer {
        Ok(offer) => offer,
        Err(e) => {
            // The byte-level handshake's status, headers and body.
            let (head, body) = e.to_http_response(Version::HTTP_2).into_parts();
            let refusal = http::Response::from_parts(head, ());
            let mut stream = respond.send_response(refusal, body.is_empty())?;
            if !body.is_empty() {
                stream.send_data(body, true)?;
            }
            return Ok(());
        }
    };
    let (response, conn) = offer.accept(Accept::default())?;
    let send = respond.send_response(response, false)?;
    let stream = H2Stream::new(send, request.into_body());
    let mut ws = WebSocketStream::from_connection(stream, conn);
    while let Some(message) = ws.next().await {
        ws.send(message?).await?;
    }
    Ok(())
}

/// A client's HTTP/2 connection, on which WebSockets open as streams.
#[derive(Clone)]
pub struct H2Client {
    send_request: h2::client::SendRequest<Bytes>,
}

impl H2Client {
    /// The HTTP/2 handshake on `tcp`; the connection runs on its own task.
    /// Returns once the server's SETTINGS are known.
    pub async fn connect(tcp: TcpStream) -> Result<H2Client, BoxError> {
        let (send_request, mut connection) = h2::client::handshake(tcp).await?;
        let mut ping_pong = connection.ping_pong().ok_or("ping_pong taken")?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("h2 client connection: {e}");
            }
        });
        // A server's SETTINGS frame comes first, so once a PING is answered
        // its ENABLE_CONNECT_PROTOCOL is known.
        ping_pong.ping(h2::Ping::opaque()).await?;
        Ok(H2Client { send_request })
    }

    /// The connection's request handle, for streams opened by hand.
    pub fn send_request(&self) -> h2::client::SendRequest<Bytes> {
        self.send_request.clone()
    }

    /// Opens a WebSocket to `url` on a new stream of this connection.
    ///
    /// Fails with `ResponseError::ConnectProtocolDisabled` (before sending
    /// anything) if the server did not advertise
    /// SETTINGS_ENABLE_CONNECT_PROTOCOL.
    pub async fn open(&self, url: &str) -> Result<WebSocketStream<H2Stream>, BoxError> {
        self.open_with(ClientRequest::new(url)?).await
    }

    /// [`open`](Self::open) with a request of yours (subprotocols, headers).
    pub async fn open_with(
        &self,
        client: ClientRequest,
    ) -> Result<WebSocketStream<H2Stream>, BoxError> {
        let enabled = self.send_request.is_extended_connect_protocol_enabled();
        let (mut request, handshake) =
            client.extended_connect(Version::HTTP_2, enabled, Config::default())?;
        request
            .extensions_mut()
            .insert(h2::ext::Protocol::from_static(PROTOCOL));
        let mut send_request = self.send_request.clone().ready().await?;
        let (response, send) = send_request.send_request(request, false)?;
        let (parts, recv) = response.await?.into_parts();
        let conn = handshake.finish_parts(parts.status, &parts.headers)?;
        let stream = H2Stream::new(send, recv);
        Ok(WebSocketStream::from_connection(stream, conn))
    }
}

/// An HTTP/2 stream as `AsyncRead + AsyncWrite`.
///
/// Reading hands out DATA frames and releases their flow-control capacity
/// as they arrive (at most one frame is held, so the window bounds memory);
/// writing sends as much as the peer's window allows; shutdown sends
/// END_STREAM.
pub struct H2Stream {
    send: SendStream<Bytes>,
    recv: RecvStream,
    /// The rest of the last DATA frame.
    unread: Bytes,
    ended: bool,
}

impl H2Stream {
    /// A stream over the two halves of one HTTP/2 stream.
    pub fn new(send: SendStream<Bytes>, recv: RecvStream) -> Self {
        H2Stream {
            send,
            recv,
            unread: Bytes::new(),
            ended: false,
        }
    }

    /// Whether the peer ended its side of the stream (END_STREAM).
    pub fn peer_ended(&self) -> bool {
        self.recv.is_end_stream() && self.unread.is_empty()
    }
}

fn h2_error(e: h2::Error) -> io::Error {
    if e.is_io() {
        e.into_io()
            .unwrap_or_else(|| io::Error::other("h2 I/O error"))
    } else {
        io::Error::other(e)
    }
}

impl AsyncRead for H2Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        while this.unread.is_empty() {
            match ready!(this.recv.poll_data(cx)) {
                Some(Ok(data)) => {
                    // The bytes are ours now: let the peer send more.
                    let _ = this.recv.flow_control().release_capacity(data.len());
                    this.unread = data;
                }
                Some(Err(e)) => return Poll::Ready(Err(h2_error(e))),
                // END_STREAM: end of file.
                None => return Poll::Ready(Ok(())),
            }
        }
        let n = this.unread.len().min(buf.remaining());
        buf.put_slice(&this.unread[..n]);
        this.unread.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for H2Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        this.send.reserve_capacity(buf.len());
        loop {
            let capacity = this.send.capacity();
            if capacity > 0 {
                let n = capacity.min(buf.len());
                let data = Bytes::copy_from_slice(&buf[..n]);
                this.send.send_data(data, false).map_err(h2_error)?;
                return Poll::Ready(Ok(n));
            }
            match ready!(this.send.poll_capacity(cx)) {
                Some(Ok(_)) => {}
                Some(Err(e)) => return Poll::Ready(Err(h2_error(e))),
                None => return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // The h2 connection task writes queued frames out.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.ended {
            this.ended = true;
            this.send.send_data(Bytes::new(), true).map_err(h2_error)?;
        }
        Poll::Ready(Ok(()))
    }
}

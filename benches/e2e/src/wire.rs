//! The load generators' side of the wire: the upgrade by hand, client
//! frames, and a socket's buffers read and written without a WebSocket
//! library on the measured path.

use std::hash::{BuildHasher, Hasher};
use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::TcpStream;

/// Every socket operation gives up after this long without progress.
pub const SOCKET_TIMEOUT: Duration = Duration::from_secs(10);
/// The RFC 6455 example key and its accept value.
pub const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
pub const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
/// The sequence number heads every payload.
pub const SEQ_LEN: usize = 8;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A random 32-bit mask key, never zero (from std's hasher seeds).
pub fn mask_key() -> [u8; 4] {
    loop {
        let mut hasher = std::hash::RandomState::new().build_hasher();
        hasher.write_u64(0x9e37_79b9_7f4a_7c15);
        let key = (hasher.finish() as u32).to_le_bytes();
        if key != [0; 4] {
            return key;
        }
    }
}

/// Connects and runs the opening handshake; returns the stream and any bytes
/// read past the response.
pub async fn open(addr: &str) -> Result<(TcpStream, Vec<u8>), Error> {
    let stream = within(TcpStream::connect(addr)).await??;
    let (stream, leftover, _) = upgrade(stream, addr, None).await?;
    Ok((stream, leftover))
}

/// As [`open`], offering the extensions `offer` (a `Sec-WebSocket-Extensions`
/// value); also returns whether the server agreed to permessage-deflate.
pub async fn open_offering(addr: &str, offer: &str) -> Result<(TcpStream, Vec<u8>, bool), Error> {
    let stream = within(TcpStream::connect(addr)).await??;
    upgrade(stream, addr, Some(offer)).await
}

/// As [`open`], with the socket's receive buffer (`SO_RCVBUF`) set to
/// `bytes` before it connects: a client that reads slowly, or never, then
/// pushes back on the server early.
pub async fn open_with_receive_buffer(
    addr: &str,
    bytes: u32,
) -> Result<(TcpStream, Vec<u8>), Error> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(bytes)?;
    let stream = within(socket.connect(addr.parse()?)).await??;
    let (stream, leftover, _) = upgrade(stream, addr, None).await?;
    Ok((stream, leftover))
}

/// The opening handshake on a connected stream, offering `offer`; the
/// stream, the bytes read past the response, and whether it agreed to
/// permessage-deflate.
async fn upgrade(
    mut stream: TcpStream,
    addr: &str,
    offer: Option<&str>,
) -> Result<(TcpStream, Vec<u8>, bool), Error> {
    stream.set_nodelay(true)?;
    let extensions = offer.map_or(String::new(), |offer| {
        format!("Sec-WebSocket-Extensions: {offer}\r\n")
    });
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extensions}\r\n"
    );
    within(stream.write_all(request.as_bytes())).await??;
    let mut buf = Vec::with_capacity(1024);
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buf.len() > 16 * 1024 {
            return Err("handshake response too long".into());
        }
        let mut chunk = [0u8; 1024];
        let n = within(stream.read(&mut chunk)).await??;
        if n == 0 {
            return Err("end of stream during the handshake".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
    let accepted = head.lines().any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim() == "sec-websocket-accept" && value.trim() == ACCEPT.to_ascii_lowercase()
        })
    });
    if !head.starts_with("http/1.1 101") || !accepted {
        let first = head.lines().next().unwrap_or_default().to_string();
        return Err(format!("handshake refused or wrong accept key: {first}").into());
    }
    let deflate = head.lines().any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim() == "sec-websocket-extensions" && value.contains("permessage-deflate")
        })
    });
    Ok((stream, buf.split_off(end), deflate))
}

pub async fn within<F: Future>(future: F) -> Result<F::Output, Error> {
    tokio::time::timeout(SOCKET_TIMEOUT, future)
        .await
        .map_err(|_| "no progress on a socket for 10 s".into())
}

/// A client frame header (FIN set, mask bit set) for `len` payload bytes.
pub fn header(opcode: u8, len: usize, mask: [u8; 4], out: &mut Vec<u8>) {
    out.push(0x80 | opcode);
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if len <= 0xffff {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&mask);
}

pub fn masked_frame(opcode: u8, payload: &[u8], mask: [u8; 4], out: &mut Vec<u8>) {
    header(opcode, payload.len(), mask, out);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
}

/// A frame from the server: (fin, opcode, payload range in the buffer).
pub struct Frame {
    pub fin: bool,
    /// RSV1: a compressed message (permessage-deflate).
    pub rsv1: bool,
    pub opcode: u8,
    pub start: usize,
    pub end: usize,
}

/// Parses one unmasked server frame at the head of `buf`, if it is whole.
pub fn parse(buf: &[u8]) -> Result<Option<Frame>, Error> {
    if buf.len() < 2 {
        return Ok(None);
    }
    if buf[1] & 0x80 != 0 {
        return Err("the server masked a frame".into());
    }
    let (len, at) = match buf[1] & 0x7f {
        126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
        127 if buf.len() >= 10 => (u64::from_be_bytes(buf[2..10].try_into()?) as usize, 10),
        126 | 127 => return Ok(None),
        len => (len as usize, 2),
    };
    if buf.len() < at + len {
        return Ok(None);
    }
    Ok(Some(Frame {
        fin: buf[0] & 0x80 != 0,
        rsv1: buf[0] & 0x40 != 0,
        opcode: buf[0] & 0x0f,
        start: at,
        end: at + len,
    }))
}

/// The bytes of one socket: what was read and not yet parsed
/// (`input[start..end]`), what is still to be written.
pub struct Wire {
    pub stream: TcpStream,
    pub input: Vec<u8>,
    pub start: usize,
    pub end: usize,
    /// Free space to have before each read.
    pub chunk: usize,
    pub output: Vec<u8>,
    pub written: usize,
    pub eof: bool,
}

impl Wire {
    pub fn new(stream: TcpStream, leftover: Vec<u8>, chunk: usize) -> Self {
        let end = leftover.len();
        let mut input = leftover;
        input.resize(end + chunk, 0);
        Wire {
            stream,
            input,
            start: 0,
            end,
            chunk,
            output: Vec::new(),
            written: 0,
            eof: false,
        }
    }

    pub fn pending_output(&self) -> bool {
        self.written < self.output.len()
    }

    /// Waits until the socket can be read (or written, while output is
    /// pending), then reads what is there and writes what it can.
    pub async fn turn(&mut self) -> Result<(), Error> {
        let interest = if self.pending_output() {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        let ready = within(self.stream.ready(interest)).await??;
        if ready.is_readable() {
            self.read()?;
        }
        if ready.is_writable() {
            self.write()?;
        }
        Ok(())
    }

    pub fn read(&mut self) -> Result<(), Error> {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        if self.input.len() - self.end < self.chunk {
            self.input.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
            if self.input.len() - self.end < self.chunk {
                let len = (self.input.len() * 2).max(self.end + self.chunk);
                self.input.resize(len, 0);
            }
        }
        match self.stream.try_read(&mut self.input[self.end..]) {
            Ok(0) => self.eof = true,
            Ok(n) => self.end += n,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error.into()),
        }
        Ok(())
    }

    /// Writes what the socket takes now.
    pub fn write(&mut self) -> Result<(), Error> {
        while self.pending_output() {
            match self.stream.try_write(&self.output[self.written..]) {
                Ok(n) => self.written += n,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(error) => return Err(error.into()),
            }
        }
        if !self.pending_output() {
            self.output.clear();
            self.written = 0;
        }
        Ok(())
    }

    /// The next whole frame read, if any (its payload is
    /// `self.input[frame.start..frame.end]` until the next call).
    pub fn next_frame(&mut self) -> Result<Option<Frame>, Error> {
        let Some(mut frame) = parse(&self.input[self.start..self.end])? else {
            return Ok(None);
        };
        frame.start += self.start;
        frame.end += self.start;
        self.start = frame.end;
        Ok(Some(frame))
    }
}

//! A refusal: a server's answer other than `101` to an upgrade, or a
//! proxy's other than 2xx to a CONNECT. Its head, and its body read after
//! it (framed as RFC 9112 section 6.3 says, and bounded), since the body is
//! where a server says what to fix.

use core::fmt;
use core::ops::Range;

use alloc::vec::Vec;

use super::head::{Head, ResponseHead, list_elements};

/// A response other than `101` (or, to a CONNECT, other than 2xx): the
/// server's (or proxy's) refusal, redirect or challenge.
///
/// The body comes after the head: [`body`](Self::body) holds what arrived
/// with it. To read the rest, pass what the transport reads next to
/// [`receive_body`](Self::receive_body) while
/// [`wants_body`](Self::wants_body) (the I/O layers do). At most
/// [`MAX_BODY`](Self::MAX_BODY) bytes are kept.
///
/// ```
/// use rfc6455::Config;
/// use rfc6455::handshake::{ClientRequest, Response};
///
/// # fn main() -> Result<(), rfc6455::Error> {
/// let (_, mut handshake) = ClientRequest::new("ws://example.com/chat")?.start(Config::default())?;
/// let answer = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 19\r\n\r\nmissing sub";
/// let Some(Response::Rejected(mut rejection)) = handshake.receive(answer)? else {
///     panic!("a refusal");
/// };
/// assert_eq!((rejection.status(), rejection.reason()), (400, "Bad Request"));
/// assert!(rejection.wants_body());
/// rejection.receive_body(b"protocol");
/// assert!(!rejection.wants_body() && rejection.is_body_whole());
/// assert_eq!(rejection.body(), b"missing subprotocol");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Rejection {
    head: Head,
    status: u16,
    reason: Range<usize>,
    body: Vec<u8>,
    framing: Framing,
}

/// How the body ends, and how far it has come.
#[derive(Debug, Clone)]
enum Framing {
    /// `Content-Length`: this many bytes are still to come.
    Length(u64),
    /// `Transfer-Encoding: chunked`, decoded as it comes.
    Chunked(Chunks),
    /// Neither: the body ends when the transport does.
    UntilClose,
    /// The body is whole.
    Whole,
    /// The body was cut short: the transport ended early, the body was
    /// past [`Rejection::MAX_BODY`], or its chunks were malformed.
    Cut,
}

/// Where a chunked body's decoder is.
#[derive(Debug, Clone)]
struct Chunks {
    /// Bytes received but not yet decoded: part of a size line, or of the
    /// CRLF after a chunk's data.
    pending: Vec<u8>,
    step: ChunkStep,
}

#[derive(Debug, Clone, Copy)]
enum ChunkStep {
    Size,
    /// This many bytes of the chunk's data are still to come.
    Data(u64),
    /// The CRLF after the data.
    DataEnd,
}

/// The longest chunk size line (with extensions) kept while it is partial.
const MAX_CHUNK_LINE: usize = 1024;

impl Rejection {
    /// The most bytes of a body kept: more than any message meant for a
    /// person, little enough to hold in an error.
    pub const MAX_BODY: usize = 64 * 1024;

    /// A refusal from a parsed response head (a server's or a proxy's);
    /// the bytes after the head are the start of its body.
    pub(crate) fn from_head(response: ResponseHead) -> Self {
        let framing = framing(response.status, &response.head);
        let mut rejection = Rejection {
            head: response.head,
            status: response.status,
            reason: response.reason,
            body: Vec::new(),
            framing,
        };
        rejection.take(&response.leftover);
        rejection
    }

    /// The status code (`302`, `401`, `403`, ...).
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase, as sent (may be empty).
    #[must_use]
    pub fn reason(&self) -> &str {
        self.head.str(&self.reason)
    }

    /// The value of the first header field called `name` (case-insensitive):
    /// `Location` for a redirect, `WWW-Authenticate` for a 401, ...
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.head.value(name)
    }

    /// Every header field, in order, as (name, value).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.head.fields()
    }

    /// The body as far as it was read, decoded from chunks if it was sent
    /// chunked; at most [`MAX_BODY`](Self::MAX_BODY) bytes.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Whether [`body`](Self::body) is the whole body: it was read to the
    /// end its framing gives (`Content-Length`, the last chunk, or the end
    /// of the transport), not cut short or past the limit.
    #[must_use]
    pub fn is_body_whole(&self) -> bool {
        matches!(self.framing, Framing::Whole)
    }

    /// Whether more of the body is to come: read from the transport and
    /// pass it to [`receive_body`](Self::receive_body).
    #[must_use]
    pub fn wants_body(&self) -> bool {
        matches!(
            self.framing,
            Framing::Length(_) | Framing::Chunked(_) | Framing::UntilClose
        )
    }

    /// Takes the next bytes read from the transport; empty when the
    /// transport ended. Bytes past the body's end are ignored.
    pub fn receive_body(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            self.framing = match self.framing {
                Framing::UntilClose | Framing::Whole => Framing::Whole,
                _ => Framing::Cut,
            };
        } else {
            self.take(bytes);
        }
    }

    fn take(&mut self, bytes: &[u8]) {
        match &mut self.framing {
            Framing::Length(left) => {
                let now = bytes
                    .len()
                    .min(usize::try_from(*left).unwrap_or(usize::MAX));
                *left -= now as u64;
                let done = *left == 0;
                if !keep(&mut self.body, &bytes[..now]) {
                    self.framing = Framing::Cut;
                } else if done {
                    self.framing = Framing::Whole;
                }
            }
            Framing::UntilClose => {
                if !keep(&mut self.body, bytes) {
                    self.framing = Framing::Cut;
                }
            }
            Framing::Chunked(chunks) => {
                chunks.pending.extend_from_slice(bytes);
                if let Some(end) = decode(&mut self.body, chunks) {
                    self.framing = end;
                }
            }
            Framing::Whole | Framing::Cut => {}
        }
    }
}

/// Decodes what `chunks` holds into `body`: `Some` once the body ended (or
/// broke).
fn decode(body: &mut Vec<u8>, chunks: &mut Chunks) -> Option<Framing> {
    let mut at = 0;
    let end = loop {
        let rest = &chunks.pending[at..];
        match chunks.step {
            ChunkStep::Size => match httparse::parse_chunk_size(rest) {
                Ok(httparse::Status::Complete((_, 0))) => break Some(Framing::Whole),
                Ok(httparse::Status::Complete((used, size))) => {
                    at += used;
                    chunks.step = ChunkStep::Data(size);
                }
                Ok(httparse::Status::Partial) if rest.len() <= MAX_CHUNK_LINE => break None,
                _ => break Some(Framing::Cut),
            },
            ChunkStep::Data(left) => {
                let now = rest.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                if !keep(body, &rest[..now]) {
                    break Some(Framing::Cut);
                }
                at += now;
                chunks.step = match left - now as u64 {
                    0 => ChunkStep::DataEnd,
                    more => ChunkStep::Data(more),
                };
                if at == chunks.pending.len() {
                    break None;
                }
            }
            ChunkStep::DataEnd if rest.len() < 2 => break None,
            ChunkStep::DataEnd if rest.starts_with(b"\r\n") => {
                at += 2;
                chunks.step = ChunkStep::Size;
            }
            ChunkStep::DataEnd => break Some(Framing::Cut),
        }
    };
    chunks.pending.drain(..at);
    end
}

impl Chunks {
    fn new() -> Self {
        Chunks {
            pending: Vec::new(),
            step: ChunkStep::Size,
        }
    }
}

/// Appends `data` to `body` up to [`Rejection::MAX_BODY`]: `false` if some
/// did not fit.
fn keep(body: &mut Vec<u8>, data: &[u8]) -> bool {
    let room = Rejection::MAX_BODY - body.len();
    body.extend_from_slice(&data[..data.len().min(room)]);
    data.len() <= room
}

/// How a response's body is framed (RFC 9112 section 6.3).
fn framing(status: u16, head: &Head) -> Framing {
    if matches!(status, 100..=199 | 204 | 304) {
        return Framing::Whole;
    }
    if let Some(coding) = head
        .values("transfer-encoding")
        .flat_map(list_elements)
        .last()
    {
        return if coding.eq_ignore_ascii_case(b"chunked") {
            Framing::Chunked(Chunks::new())
        } else {
            Framing::UntilClose
        };
    }
    let length = head
        .value("content-length")
        .and_then(|v| core::str::from_utf8(v).ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match length {
        Some(0) => Framing::Whole,
        Some(n) => Framing::Length(n),
        None => Framing::UntilClose,
    }
}

impl fmt::Debug for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rejection")
            .field("status", &self.status)
            .field("reason", &self.reason())
            .field("body", &self.body.len())
            .field("whole", &self.is_body_whole())
            .finish_non_exhaustive()
    }
}

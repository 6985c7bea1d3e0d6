//! Helpers shared by the fuzz targets: a deterministic random source, feeding
//! a connection in pieces, comparing deliveries across chunkings, and
//! checking that what a connection wrote is a valid frame sequence.

use bytes::Bytes;
use rfc6455::frame::{Decoded, Header, Opcode};
use rfc6455::{CloseFrame, Config, Connection, ConnectionError, DataKind, Event, Role};

#[path = "../../tests/common/kit.rs"]
mod kit;

pub use kit::{XorShift as FuzzRandom, cut, drain, drain_lent, pieces};

/// A connection in `role`; clients mask with a [`FuzzRandom`].
#[must_use]
pub fn connection(role: Role, config: Config) -> Connection {
    match role {
        Role::Server => Connection::server(config),
        Role::Client => Connection::client_with_random(config, Box::new(FuzzRandom::new(1))),
    }
}

/// The other end's role.
#[must_use]
pub fn peer_role(role: Role) -> Role {
    match role {
        Role::Server => Role::Client,
        Role::Client => Role::Server,
    }
}

/// What a connection delivered, with streamed chunks joined into messages so
/// that whole-message and streaming deliveries, and any chunking, compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// A complete message (whole, or its chunks joined).
    Message(DataKind, Vec<u8>),
    /// The chunks of a message that had not ended when the events stopped.
    Partial(DataKind, Vec<u8>),
    Ping(Bytes),
    Pong(Bytes),
    Close(Option<CloseFrame>),
}

/// Joins streamed chunks, checking the chunk flags and that every complete
/// text message is UTF-8.
#[must_use]
pub fn normalize(events: &[Event]) -> Vec<Delivered> {
    let mut out = Vec::new();
    let mut current: Option<(DataKind, Vec<u8>)> = None;
    for event in events {
        match event {
            Event::Chunk(chunk) => {
                assert_eq!(
                    chunk.is_first,
                    current.is_none(),
                    "is_first is wrong: {chunk:?}"
                );
                let (kind, data) = current.get_or_insert_with(|| (chunk.kind, Vec::new()));
                assert_eq!(*kind, chunk.kind, "a message's chunks changed kind");
                data.extend_from_slice(&chunk.payload);
                if chunk.is_last {
                    let (kind, data) = current.take().unwrap();
                    out.push(message(kind, data));
                }
            }
            Event::Message(m) => {
                assert!(current.is_none(), "a whole message inside a streamed one");
                out.push(message(m.kind(), m.as_bytes().to_vec()));
            }
            Event::Ping(p) => out.push(Delivered::Ping(p.clone())),
            Event::Pong(p) => out.push(Delivered::Pong(p.clone())),
            Event::Close(c) => out.push(Delivered::Close(c.clone())),
            other => panic!("unknown event {other:?}"),
        }
    }
    if let Some((kind, data)) = current {
        out.push(Delivered::Partial(kind, data));
    }
    out
}

fn message(kind: DataKind, data: Vec<u8>) -> Delivered {
    if kind == DataKind::Text {
        assert!(
            core::str::from_utf8(&data).is_ok(),
            "text message is not UTF-8"
        );
    }
    Delivered::Message(kind, data)
}

/// Asserts that two runs over the same bytes delivered the same. If they
/// stopped at an error, a message cut short by it may have been delivered
/// further in one run (streaming delivers what is valid so far, and how far
/// that is depends on the chunking): the two partial payloads need only be
/// prefixes of one another.
pub fn assert_same_delivery(a: &[Event], b: &[Event], failed: bool) {
    let (mut a, mut b) = (normalize(a), normalize(b));
    if !failed {
        assert_eq!(a, b, "different deliveries");
        return;
    }
    let (pa, pb) = (take_partial(&mut a), take_partial(&mut b));
    assert_eq!(a, b, "different deliveries before the error");
    if let (Some((ka, _)), Some((kb, _))) = (&pa, &pb) {
        assert_eq!(ka, kb, "partial messages of different kinds");
    }
    let (pa, pb) = (
        pa.map(|p| p.1).unwrap_or_default(),
        pb.map(|p| p.1).unwrap_or_default(),
    );
    assert!(
        pa.starts_with(&pb) || pb.starts_with(&pa),
        "partial messages differ: {pa:?} vs {pb:?}"
    );
}

fn take_partial(d: &mut Vec<Delivered>) -> Option<(DataKind, Vec<u8>)> {
    match d.last() {
        Some(Delivered::Partial(..)) => match d.pop() {
            Some(Delivered::Partial(kind, data)) => Some((kind, data)),
            _ => unreachable!(),
        },
        _ => None,
    }
}

/// One frame read back from a connection's output.
#[derive(Debug)]
pub struct Frame {
    pub header: Header,
    /// Unmasked.
    pub payload: Vec<u8>,
}

/// Splits what a `sender` connection wrote into frames, asserting that it is
/// a sequence of whole, well-formed frames: no RSV bits, masked exactly when
/// a client sent them, at most one close frame and nothing after it.
#[must_use]
pub fn split_frames(mut wire: &[u8], sender: Role) -> Vec<Frame> {
    let mut frames: Vec<Frame> = Vec::new();
    while !wire.is_empty() {
        assert!(
            frames
                .last()
                .is_none_or(|f| f.header.opcode != Opcode::Close),
            "output continues after a close frame"
        );
        let (header, len) = match Header::decode(wire) {
            Ok(Decoded::Complete { header, len }) => (header, len),
            other => panic!("output is not a frame sequence: {other:?}"),
        };
        assert_eq!(header.rsv, 0, "output sets RSV bits");
        assert_eq!(
            header.mask.is_some(),
            sender == Role::Client,
            "wrong masking for {sender:?}"
        );
        let end = len
            .checked_add(usize::try_from(header.payload_len).unwrap())
            .unwrap();
        assert!(end <= wire.len(), "output ends inside a frame");
        let mut payload = wire[len..end].to_vec();
        if let Some(key) = header.mask {
            rfc6455::mask::apply(&mut payload, key, 0);
        }
        frames.push(Frame { header, payload });
        wire = &wire[end..];
    }
    frames
}

/// Reads what a `sender` connection wrote with a strict connection of the
/// other role, asserting the frames are well formed ([`split_frames`]) and
/// that the peer accepts all of them (valid close codes, UTF-8, sequencing).
/// Returns the peer's events.
#[must_use]
pub fn read_back(wire: &[u8], sender: Role) -> Vec<Event> {
    let _ = split_frames(wire, sender);
    let mut config = Config::default();
    config.auto_pong = false;
    let mut peer = connection(peer_role(sender), config);
    peer.receive(wire);
    let (events, error) = drain(&mut peer);
    assert_eq!(error, None, "the peer rejected the output");
    assert_eq!(peer.buffered_len(), 0, "output ends inside a frame");
    if let Some(Event::Close(Some(frame))) = events.last() {
        assert!(frame.code.is_sendable());
    }
    events
}

/// The connection-level parameters of a connection target, read from the
/// start of the input.
#[derive(Debug, Clone)]
pub struct Setup {
    pub config: Config,
    /// Sizes of the pieces the input is fed in, cycled.
    pub piece_sizes: Vec<usize>,
    /// Whether the run in pieces takes events with `next_event_ref`.
    pub lend: bool,
}

/// Bytes of input [`Setup::parse`] takes.
pub const SETUP_LEN: usize = 9;

impl Setup {
    /// Reads the setup from the first [`SETUP_LEN`] bytes:
    ///
    /// - byte 0: flags: bit 0 streaming, bit 1 disables auto_pong, bit 2
    ///   lenient_masking; bits 3-4 max_pending_pongs (0-3); bit 5 lends
    ///   messages in the run in pieces;
    /// - bytes 1-2 (big endian): max_frame_size, modulo 4097;
    /// - bytes 3-4 (big endian): max_message_size, modulo 16385;
    /// - bytes 5-8: four piece sizes, each the byte plus one.
    #[must_use]
    pub fn parse(data: &[u8]) -> Option<(Setup, &[u8])> {
        let (head, rest) = data.split_first_chunk::<SETUP_LEN>()?;
        let mut config = Config::default();
        config.streaming = head[0] & 1 != 0;
        config.auto_pong = head[0] & 2 == 0;
        config.lenient_masking = head[0] & 4 != 0;
        config.max_pending_pongs = usize::from(head[0] >> 3 & 3);
        config.max_frame_size = usize::from(u16::from_be_bytes([head[1], head[2]])) % 4097;
        config.max_message_size = usize::from(u16::from_be_bytes([head[3], head[4]])) % 16385;
        let piece_sizes = head[5..].iter().map(|&b| usize::from(b) + 1).collect();
        Some((
            Setup {
                config,
                piece_sizes,
                lend: head[0] & 32 != 0,
            },
            rest,
        ))
    }

    /// The most a connection may buffer after taking all events of a piece
    /// of `piece_len` bytes.
    #[must_use]
    pub fn buffer_bound(&self, piece_len: usize) -> usize {
        self.config.max_frame_size + self.config.max_message_size + 14 + piece_len
    }
}

/// The outcome of feeding a connection.
#[derive(Debug)]
pub struct Run {
    pub events: Vec<Event>,
    pub error: Option<ConnectionError>,
    pub output: Bytes,
}

/// Feeds `wire` to a new connection in pieces, taking all events after each
/// piece and the output only at the end, and checks what must hold at every
/// step: bounded buffering, errors that carry a close code and close the
/// connection, and silence once the connection is closed.
/// With `lend`, events are taken with `next_event_ref`.
pub fn feed_in_pieces(role: Role, setup: &Setup, wire: &[u8], sizes: &[usize], lend: bool) -> Run {
    let mut conn = connection(role, setup.config.clone());
    let mut events = Vec::new();
    let mut error = None;
    // The output length once the connection closed: it must not grow.
    let mut closed_output: Option<usize> = None;
    for piece in pieces(wire, sizes) {
        conn.receive(piece);
        if let Some(output) = closed_output {
            assert_eq!(
                conn.next_event(),
                Ok(None),
                "an event after the connection closed"
            );
            assert_eq!(
                conn.output().len(),
                output,
                "output after the connection closed"
            );
            assert_eq!(
                conn.buffered_len(),
                0,
                "a closed connection still holds input"
            );
            continue;
        }
        let (new, e) = if lend {
            drain_lent(&mut conn)
        } else {
            drain(&mut conn)
        };
        assert!(
            conn.buffered_len() <= setup.buffer_bound(piece.len()),
            "buffered {} bytes, over the bound {}",
            conn.buffered_len(),
            setup.buffer_bound(piece.len())
        );
        let closed_by_peer = matches!(new.last(), Some(Event::Close(_)));
        events.extend(new);
        if let Some(e) = e {
            assert!(
                e.is_peer_violation(),
                "{e:?} from input alone, not a violation"
            );
            assert!(
                conn.is_closed() && conn.is_failed(),
                "not closed after {e:?}"
            );
            error = Some(e);
        } else if closed_by_peer {
            assert!(conn.is_closed(), "not closed after the peer's close frame");
        }
        if conn.is_closed() {
            assert_eq!(
                conn.next_event(),
                Ok(None),
                "an event after the connection closed"
            );
            // Nothing can wait to be flushed (a pong is dropped or written before the close).
            assert!(conn.is_closing());
            closed_output = Some(conn.output().len());
        }
    }
    let output = conn.take_output();
    // End of input: clean once the connection is closed; otherwise 1006,
    // which is never sent.
    let was_closed = conn.is_closed();
    match conn.receive_eof() {
        Ok(()) => assert!(was_closed, "end of input accepted before the close"),
        Err(e) => {
            assert!(!was_closed, "{e:?} at end of input after the close");
            assert_eq!(e, ConnectionError::UnexpectedEof);
        }
    }
    assert!(conn.is_closed(), "not closed after end of input");
    assert!(conn.take_output().is_empty(), "output after end of input");
    Run {
        events,
        error,
        output,
    }
}

/// The whole check of a connection target: `data` is a [`Setup`] followed by
/// the bytes a peer sent to a connection in `role`.
pub fn check_connection(role: Role, data: &[u8]) {
    let Some((setup, wire)) = Setup::parse(data) else {
        return;
    };
    let chunked = feed_in_pieces(role, &setup, wire, &setup.piece_sizes, setup.lend);
    let whole = feed_in_pieces(role, &setup, wire, &[], false);

    assert_eq!(whole.error, chunked.error, "different errors");
    assert_same_delivery(&whole.events, &chunked.events, whole.error.is_some());
    assert_eq!(whole.output, chunked.output, "different output");

    check_replies(role, &setup.config, &chunked);
}

/// Checks that a connection that only received wrote exactly the replies its
/// events call for: pongs for the latest pings, and a close frame only
/// after an error (with its code) or the peer's close (echoing its code).
pub fn check_replies(role: Role, config: &Config, run: &Run) {
    let replies = read_back(&run.output, role);
    let pings: Vec<&Bytes> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Ping(p) => Some(p),
            _ => None,
        })
        .collect();
    let pongs: Vec<&Bytes> = replies
        .iter()
        .filter_map(|e| match e {
            Event::Pong(p) => Some(p),
            _ => None,
        })
        .collect();
    // Automatic pongs answer pings in order; past max_pending_pongs (0 counts
    // as 1) the oldest waiting ones are dropped.
    let cap = config.max_pending_pongs.max(1);
    assert!(
        pongs.len() <= cap,
        "{} pongs waited, max {cap}",
        pongs.len()
    );
    assert!(
        config.auto_pong || pongs.is_empty(),
        "a pong without auto_pong"
    );
    assert!(
        is_subsequence(&pongs, &pings),
        "pongs {pongs:?} do not answer pings {pings:?}"
    );
    if config.auto_pong && run.error.is_none() {
        let latest = &pings[pings.len().saturating_sub(cap)..];
        assert_eq!(pongs, latest, "the latest pings have no pongs");
    }

    let expected_close: Option<Option<u16>> = match (&run.error, run.events.last()) {
        (Some(e), _) => Some(
            Some(e.close_code())
                .filter(|c| c.is_sendable())
                .map(|c| c.0),
        ),
        (None, Some(Event::Close(frame))) => Some(frame.as_ref().map(|f| f.code.0)),
        _ => None,
    };
    let sent_close: Option<Option<u16>> = replies.iter().find_map(|e| match e {
        Event::Close(frame) => Some(frame.as_ref().map(|f| {
            assert!(f.reason.is_empty(), "a reply close frame carries a reason");
            f.code.0
        })),
        _ => None,
    });
    assert_eq!(
        sent_close, expected_close,
        "wrong close frame in {replies:?}"
    );
    for reply in &replies {
        assert!(
            matches!(reply, Event::Pong(_) | Event::Close(_)),
            "a connection that only received sent {reply:?}"
        );
    }
}

/// Whether `short` appears in `long` in order (not necessarily together).
#[must_use]
pub fn is_subsequence<T: PartialEq>(short: &[T], long: &[T]) -> bool {
    let mut long = long.iter();
    short.iter().all(|x| long.any(|y| y == x))
}

/// The limits and chunking of a handshake target, read from the start of the
/// input.
#[derive(Debug, Clone)]
pub struct HandshakeSetup {
    pub config: Config,
    /// Sizes of the pieces the input is fed in, cycled.
    pub piece_sizes: Vec<usize>,
}

/// Bytes of input [`HandshakeSetup::parse`] takes.
pub const HANDSHAKE_SETUP_LEN: usize = 7;

impl HandshakeSetup {
    /// Reads the setup from the first [`HANDSHAKE_SETUP_LEN`] bytes:
    ///
    /// - bytes 0-1 (big endian): max_handshake_size, modulo 8193;
    /// - byte 2: max_headers;
    /// - bytes 3-6: four piece sizes, each the byte plus one.
    #[must_use]
    pub fn parse(data: &[u8]) -> Option<(HandshakeSetup, &[u8])> {
        let (head, rest) = data.split_first_chunk::<HANDSHAKE_SETUP_LEN>()?;
        let mut config = Config::default();
        // Extensions are offered by hand in these targets; the automatic
        // permessage-deflate negotiation has its own target.
        config.deflate.enabled = false;
        config.max_handshake_size = usize::from(u16::from_be_bytes([head[0], head[1]])) % 8193;
        config.max_headers = usize::from(head[2]);
        let piece_sizes = head[3..].iter().map(|&b| usize::from(b) + 1).collect();
        Some((
            HandshakeSetup {
                config,
                piece_sizes,
            },
            rest,
        ))
    }
}

/// How feeding a handshake reader ended.
#[derive(Debug)]
pub struct HandshakeRun<T> {
    /// `None` if the head never ended.
    pub outcome: Option<Result<T, rfc6455::handshake::HandshakeError>>,
    /// The bytes fed after the reader produced its result.
    pub after: Vec<u8>,
}

/// Feeds `bytes` in pieces to a handshake reader's `receive`, checking what
/// must hold at every step: the reader asks for more only while it holds no
/// more than `max_size` bytes (so its memory is bounded by the config), and
/// once it has produced its result later calls fail (with
/// `AlreadyComplete`, or by repeating its error).
pub fn feed_handshake<T>(
    bytes: &[u8],
    sizes: &[usize],
    max_size: usize,
    mut receive: impl FnMut(&[u8]) -> Result<Option<T>, rfc6455::handshake::HandshakeError>,
) -> HandshakeRun<T> {
    use rfc6455::handshake::{HandshakeError, Misuse};
    let mut fed = 0usize;
    let mut outcome = None;
    let mut after = Vec::new();
    for piece in pieces(bytes, sizes) {
        match &outcome {
            None => {}
            Some(Ok(_)) => {
                assert_eq!(
                    receive(piece).err(),
                    Some(HandshakeError::Misuse(Misuse::AlreadyComplete))
                );
                after.extend_from_slice(piece);
                continue;
            }
            Some(Err(e)) => {
                assert_eq!(receive(piece).err(), Some(*e), "the error did not repeat");
                continue;
            }
        }
        fed += piece.len();
        match receive(piece) {
            Ok(None) => assert!(
                fed <= max_size,
                "still reading after {fed} bytes (max {max_size})"
            ),
            Ok(Some(result)) => outcome = Some(Ok(result)),
            Err(e) => outcome = Some(Err(e)),
        }
    }
    HandshakeRun { outcome, after }
}

/// A header map as a comparable list.
#[must_use]
pub fn header_list<'a>(
    headers: impl Iterator<Item = (&'a str, &'a [u8])>,
) -> Vec<(String, Vec<u8>)> {
    headers.map(|(n, v)| (n.to_owned(), v.to_vec())).collect()
}

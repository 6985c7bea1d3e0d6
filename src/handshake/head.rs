//! Reading an HTTP head incrementally, and the header-value helpers both
//! sides (and the permessage-deflate negotiation) share: comma-separated
//! token lists, extension offers.
//!
//! Everything here runs in time linear in its input: the reader looks at
//! each received byte once, and the list splitters never backtrack.

use core::ops::Range;

use alloc::vec::Vec;

use super::{HeaderField, RequestError, ResponseError};

/// A head that has ended: its bytes (through the blank line) and whatever
/// arrived after it.
#[derive(Debug)]
pub(crate) struct RawHead {
    pub head: Vec<u8>,
    pub leftover: Vec<u8>,
    /// Lines before the blank line (start line plus header lines).
    pub lines: usize,
}

/// Buffers a head until its blank line, under size and header-count caps.
///
/// Each byte is examined exactly once, whatever the chunking: the scan state
/// (where the current line started, whether a CR is pending) carries over
/// from one call to the next, so nothing is ever rescanned. `httparse` runs
/// once, on the finished head.
#[derive(Debug)]
pub(crate) struct HeadReader<E> {
    buf: Vec<u8>,
    max_size: usize,
    max_headers: usize,
    /// Completed lines so far.
    lines: usize,
    /// Whether the bytes since the last line end are empty, or a lone CR.
    at_line_start: bool,
    cr_at_line_start: bool,
    state: State<E>,
}

/// The faults both peers' heads can have, named in the error type of the
/// side that reads them ([`RequestError`] or [`ResponseError`]).
pub(crate) trait PeerFault: Copy {
    /// The head grew past its size limit.
    const TOO_LARGE: Self;
    /// The head had more header fields than the limit.
    const TOO_MANY_HEADERS: Self;
    /// Not valid HTTP (or a body, or a header value that is not UTF-8).
    const INVALID_HTTP: Self;
    /// No `Upgrade: websocket`.
    const MISSING_UPGRADE: Self;
    /// No `Connection: upgrade`.
    const MISSING_CONNECTION_UPGRADE: Self;
    /// A malformed `Sec-WebSocket-Extensions`.
    const INVALID_EXTENSION: Self;
    /// A field that may appear once appeared twice.
    fn duplicate(name: HeaderField) -> Self;
    /// A field this handshake forbids was present.
    #[cfg(any(feature = "http", test))]
    fn forbidden(name: HeaderField) -> Self;
}

impl PeerFault for RequestError {
    const TOO_LARGE: Self = RequestError::TooLarge;
    const TOO_MANY_HEADERS: Self = RequestError::TooManyHeaders;
    const INVALID_HTTP: Self = RequestError::InvalidHttp;
    const MISSING_UPGRADE: Self = RequestError::MissingUpgrade;
    const MISSING_CONNECTION_UPGRADE: Self = RequestError::MissingConnectionUpgrade;
    const INVALID_EXTENSION: Self = RequestError::InvalidExtension;
    fn duplicate(name: HeaderField) -> Self {
        RequestError::DuplicateHeader(name)
    }
    #[cfg(any(feature = "http", test))]
    fn forbidden(name: HeaderField) -> Self {
        RequestError::ForbiddenHeader(name)
    }
}

impl PeerFault for ResponseError {
    const TOO_LARGE: Self = ResponseError::TooLarge;
    const TOO_MANY_HEADERS: Self = ResponseError::TooManyHeaders;
    const INVALID_HTTP: Self = ResponseError::InvalidHttp;
    const MISSING_UPGRADE: Self = ResponseError::MissingUpgrade;
    const MISSING_CONNECTION_UPGRADE: Self = ResponseError::MissingConnectionUpgrade;
    const INVALID_EXTENSION: Self = ResponseError::InvalidExtension;
    fn duplicate(name: HeaderField) -> Self {
        ResponseError::DuplicateHeader(name)
    }
    #[cfg(any(feature = "http", test))]
    fn forbidden(name: HeaderField) -> Self {
        ResponseError::ForbiddenHeader(name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State<E> {
    Reading,
    Failed(E),
    Done,
}

impl<E: PeerFault> HeadReader<E> {
    pub fn new(max_size: usize, max_headers: usize) -> Self {
        HeadReader {
            buf: Vec::new(),
            max_size,
            max_headers,
            lines: 0,
            // Not at a line start: a head cannot end before its first line.
            at_line_start: false,
            cr_at_line_start: false,
            state: State::Reading,
        }
    }

    /// Takes more bytes. `Ok(None)`: the head has not ended yet (or it
    /// ended before: owners refuse calls after [`is_done`](Self::is_done)).
    /// Errors are sticky: later calls return the same error.
    pub fn receive(&mut self, bytes: &[u8]) -> Result<Option<RawHead>, E> {
        match self.state {
            State::Reading => {}
            State::Failed(e) => return Err(e),
            State::Done => return Ok(None),
        }
        match self.scan(bytes) {
            Err(e) => {
                self.state = State::Failed(e);
                self.buf = Vec::new();
                Err(e)
            }
            Ok(None) => {
                self.buf.extend_from_slice(bytes);
                Ok(None)
            }
            Ok(Some(end)) => {
                self.state = State::Done;
                let (head_tail, leftover) = bytes.split_at(end);
                let mut head = core::mem::take(&mut self.buf);
                head.extend_from_slice(head_tail);
                Ok(Some(RawHead {
                    head,
                    leftover: leftover.to_vec(),
                    lines: self.lines,
                }))
            }
        }
    }

    /// Marks the head as failed (it ended, but was invalid), so that later
    /// calls repeat `error`.
    pub fn fail(&mut self, error: E) -> E {
        self.state = State::Failed(error);
        error
    }

    /// Scans `bytes` (which follow `self.buf`). Returns the offset just past
    /// the head's blank line, if it is in `bytes`.
    /// Whether a head was returned.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    fn scan(&mut self, bytes: &[u8]) -> Result<Option<usize>, E> {
        for (i, &b) in bytes.iter().enumerate() {
            // Size of the head if it ended with this byte.
            let size = self.buf.len() + i + 1;
            if size > self.max_size {
                return Err(E::TOO_LARGE);
            }
            match b {
                b'\n' if self.at_line_start => return Ok(Some(i + 1)),
                b'\n' => {
                    self.lines += 1;
                    // The first line is the start line; the rest are headers.
                    if self.lines - 1 > self.max_headers {
                        return Err(E::TOO_MANY_HEADERS);
                    }
                    self.at_line_start = true;
                    self.cr_at_line_start = false;
                }
                b'\r' if self.at_line_start && !self.cr_at_line_start => {
                    self.cr_at_line_start = true;
                }
                _ => {
                    self.at_line_start = false;
                    self.cr_at_line_start = false;
                }
            }
        }
        Ok(None)
    }
}

/// A response head that has been parsed: its fields, status, HTTP minor
/// version, reason phrase and the bytes that followed it.
pub(crate) struct ResponseHead {
    pub head: Head,
    pub status: u16,
    /// The `x` of `HTTP/1.x`.
    pub version: u8,
    pub reason: Range<usize>,
    pub leftover: Vec<u8>,
}

impl RawHead {
    /// Parses this head as a response (a WebSocket server's, a proxy's).
    pub fn into_response(self) -> Result<ResponseHead, ResponseError> {
        let RawHead {
            head: bytes,
            leftover,
            lines,
        } = self;
        let mut slots = alloc::vec![httparse::EMPTY_HEADER; lines.max(1)];
        let mut parsed = httparse::Response::new(&mut slots);
        match parsed.parse(&bytes) {
            Ok(httparse::Status::Complete(n)) if n == bytes.len() => {}
            Err(httparse::Error::TooManyHeaders) => return Err(ResponseError::TooManyHeaders),
            Err(httparse::Error::Version) => return Err(ResponseError::HttpVersion),
            _ => return Err(ResponseError::InvalidHttp),
        }
        let status = parsed.code.unwrap_or_default();
        let version = parsed.version.unwrap_or_default();
        let reason = range_in(&bytes, parsed.reason.unwrap_or_default().as_bytes());
        let fields = index(&bytes, parsed.headers);
        Ok(ResponseHead {
            head: Head::new(bytes, fields),
            status,
            version,
            reason,
            leftover,
        })
    }
}

/// The header fields of a parsed head, as ranges into the head's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Head {
    bytes: Vec<u8>,
    fields: Fields,
}

impl Head {
    /// A head from its bytes and the ranges of its fields (see [`index`]).
    pub fn new(bytes: Vec<u8>, fields: Fields) -> Self {
        Head { bytes, fields }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// A part of the head by range; empty if the range is out of bounds.
    pub fn slice(&self, range: &Range<usize>) -> &[u8] {
        self.bytes.get(range.clone()).unwrap_or_default()
    }

    /// A part of the head as text; empty if it is not UTF-8 (callers only ask
    /// for parts they have validated).
    pub fn str(&self, range: &Range<usize>) -> &str {
        core::str::from_utf8(self.slice(range)).unwrap_or_default()
    }

    /// Every header field, in order, as (name, value).
    pub fn fields(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.fields
            .iter()
            .map(|(n, v)| (self.str(n), self.slice(v)))
    }

    /// The values of every field called `name` (case-insensitive), with
    /// their ranges.
    pub fn ranges(&self, name: &str) -> impl Iterator<Item = Range<usize>> {
        self.fields
            .iter()
            .filter(move |(n, _)| self.slice(n).eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.clone())
    }

    /// The values of every field called `name` (case-insensitive).
    pub fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> {
        self.ranges(name).map(|r| self.slice(&r))
    }

    /// The first value of the field called `name` (case-insensitive).
    pub fn value(&self, name: &str) -> Option<&[u8]> {
        self.values(name).next()
    }

    /// The range of `sub`, a subslice of this head.
    pub fn range_of(&self, sub: &[u8]) -> Range<usize> {
        range_in(&self.bytes, sub)
    }
}

/// The (name, value) ranges of header fields.
pub(crate) type Fields = Vec<(Range<usize>, Range<usize>)>;

/// The ranges of `headers`, which `httparse` parsed out of `bytes`.
pub(crate) fn index(bytes: &[u8], headers: &[httparse::Header<'_>]) -> Fields {
    headers
        .iter()
        .map(|h| (range_in(bytes, h.name.as_bytes()), range_in(bytes, h.value)))
        .collect()
}

/// Maps a parse failure of a request head the reader has already delimited.
pub(crate) fn httparse_error(e: httparse::Error) -> RequestError {
    match e {
        httparse::Error::Version => RequestError::HttpVersion,
        httparse::Error::TooManyHeaders => RequestError::TooManyHeaders,
        _ => RequestError::InvalidHttp,
    }
}

/// Where `sub` sits inside `base`. `sub` must be a subslice of `base`; if it
/// is not, the result is an empty range (never a panic).
pub(crate) fn range_in(base: &[u8], sub: &[u8]) -> Range<usize> {
    let start = (sub.as_ptr() as usize).wrapping_sub(base.as_ptr() as usize);
    if start <= base.len() && sub.len() <= base.len() - start {
        start..start + sub.len()
    } else {
        0..0
    }
}

/// Removes optional whitespace (SP, HTAB) at both ends.
pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The elements of a comma-separated list (RFC 7230 section 7), trimmed,
/// empty elements skipped. Linear: each byte is looked at a bounded number
/// of times (once by the split, once by trimming).
pub(crate) fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|e| !e.is_empty())
}

/// Splits a list whose elements may contain quoted strings (extension
/// offers: `a; p="x,y", b`) on its top-level commas, calling `each` with
/// every trimmed, non-empty element.
///
/// One pass, no backtracking: linear even on an unclosed quote or a run of
/// backslashes. An unclosed quote fails with `unclosed` (after the elements
/// before it were passed on).
pub(crate) fn split_quoted_list<'a, E>(
    value: &'a [u8],
    unclosed: E,
    mut each: impl FnMut(&'a [u8]) -> Result<(), E>,
) -> Result<(), E> {
    let mut start = 0;
    let mut in_quote = false;
    let mut escaped = false;
    for (i, &b) in value.iter().enumerate() {
        if in_quote {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_quote = false;
            }
        } else if b == b'"' {
            in_quote = true;
        } else if b == b',' {
            emit(&value[start..i], &mut each)?;
            start = i + 1;
        }
    }
    if in_quote {
        return Err(unclosed);
    }
    emit(&value[start..], &mut each)
}

fn emit<'a, E>(
    element: &'a [u8],
    each: &mut impl FnMut(&'a [u8]) -> Result<(), E>,
) -> Result<(), E> {
    let element = trim_ows(element);
    if element.is_empty() {
        Ok(())
    } else {
        each(element)
    }
}

/// The name of an extension element: the token before its first `;`.
pub(crate) fn extension_name(element: &[u8]) -> &[u8] {
    let end = element
        .iter()
        .position(|&b| b == b';')
        .unwrap_or(element.len());
    trim_ows(&element[..end])
}

/// Whether `b` may appear in an HTTP token (a tchar, RFC 7230 section
/// 3.2.6).
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `s` is an HTTP token (RFC 7230 section 3.2.6): one or more tchars.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// Whether `s` may be a header value we write: no CR, LF or NUL (which could
/// end the header early and inject others), no other control characters
/// except HTAB.
pub(crate) fn is_field_value(s: &[u8]) -> bool {
    s.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn feed_bytewise(
        reader: &mut HeadReader<RequestError>,
        data: &[u8],
    ) -> Result<Option<RawHead>, RequestError> {
        for b in data {
            if let Some(head) = reader.receive(core::slice::from_ref(b))? {
                return Ok(Some(head));
            }
        }
        Ok(None)
    }

    #[test]
    fn head_ends_at_blank_line_and_keeps_leftover() {
        let mut r = HeadReader::<RequestError>::new(1024, 8);
        assert!(r.receive(b"GET / HTTP/1.1\r\nHost: a\r").unwrap().is_none());
        assert!(r.receive(b"\n\r").unwrap().is_none());
        let head = r.receive(b"\nXYZ").unwrap().unwrap();
        assert_eq!(head.head, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(head.leftover, b"XYZ");
        assert_eq!(head.lines, 2);
        assert!(r.is_done());
        assert!(r.receive(b"more").unwrap().is_none());
    }

    #[test]
    fn bare_lf_line_endings_end_the_head() {
        let mut r = HeadReader::<RequestError>::new(1024, 8);
        let head = feed_bytewise(&mut r, b"GET / HTTP/1.1\nHost: a\n\nrest")
            .unwrap()
            .unwrap();
        assert_eq!(head.head, b"GET / HTTP/1.1\nHost: a\n\n");
    }

    #[test]
    fn leading_blank_line_does_not_end_an_empty_head() {
        let mut r = HeadReader::<RequestError>::new(1024, 8);
        assert!(r.receive(b"\r\nGET").unwrap().is_none());
    }

    #[test]
    fn size_cap_counts_the_whole_head_and_is_sticky() {
        let head = b"GET / HTTP/1.1\r\n\r\n";
        let mut exact = HeadReader::<RequestError>::new(head.len(), 8);
        assert!(exact.receive(head).unwrap().is_some());
        let mut short = HeadReader::<RequestError>::new(head.len() - 1, 8);
        let too_large = RequestError::TooLarge;
        assert_eq!(short.receive(head).unwrap_err(), too_large);
        assert_eq!(short.receive(b"").unwrap_err(), too_large);
    }

    #[test]
    fn header_cap_fails_on_the_first_extra_header_line() {
        let mut r = HeadReader::<ResponseError>::new(1 << 20, 2);
        assert!(
            r.receive(b"GET / HTTP/1.1\r\na: 1\r\nb: 2\r\n")
                .unwrap()
                .is_none()
        );
        assert_eq!(
            r.receive(b"c: 3\r\n").unwrap_err(),
            ResponseError::TooManyHeaders
        );
    }

    #[test]
    fn list_elements_trim_and_skip_empties() {
        let v: Vec<&[u8]> = list_elements(b" a ,,\tb\t, ,c").collect();
        assert_eq!(v, vec![&b"a"[..], b"b", b"c"]);
        assert_eq!(list_elements(b" , ,").count(), 0);
    }

    #[test]
    fn quoted_list_splits_on_top_level_commas_only() {
        let mut out = Vec::new();
        split_quoted_list(br#"a; p="x,\"y", b ,c; q=1"#, (), |e| {
            out.push(e);
            Ok(())
        })
        .unwrap();
        assert_eq!(out, vec![&br#"a; p="x,\"y""#[..], b"b", b"c; q=1"]);
    }

    #[test]
    fn quoted_list_rejects_unclosed_quote() {
        let r = split_quoted_list(br#"a; b="\c\c\c"#, "unclosed", |_| Ok(()));
        assert_eq!(r, Err("unclosed"));
    }

    #[test]
    fn extension_name_is_the_token_before_parameters() {
        assert_eq!(
            extension_name(b"permessage-deflate ; x=1"),
            b"permessage-deflate"
        );
        assert_eq!(extension_name(b"foo"), b"foo");
    }

    #[test]
    fn tokens_and_field_values() {
        assert!(is_token(b"chat.v2"));
        assert!(!is_token(b""));
        assert!(!is_token(b"a b"));
        assert!(is_field_value(b"a=b; Path=/"));
        assert!(!is_field_value(b"a\r\nX-Injected: 1"));
        assert!(!is_field_value(b"a\0"));
    }

    #[test]
    fn range_in_rejects_foreign_slices() {
        let a = [1u8, 2, 3];
        let b = [4u8];
        assert_eq!(range_in(&a, &a[1..]), 1..3);
        assert_eq!(range_in(&a, &b), 0..0);
    }
}

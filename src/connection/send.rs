//! The send side: output, waiting pongs, a message sent in fragments,
//! masking keys and the compressor.
//!
//! It frames what it is given and never looks at the lifecycle: whether a
//! send is allowed at all is decided by the connection before it calls in.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use bytes::Bytes;

use super::prepared::PreparedMessage;
use super::recv::whole_message;
use crate::config::Config;
use crate::error::Refused;
#[cfg(feature = "deflate")]
use crate::frame::RSV1;
use crate::frame::{Header, Opcode};
use crate::message::{DataKind, Message};
use crate::output::Output;
use crate::random::RandomSource;

#[cfg(feature = "deflate")]
type Deflater = super::deflate::Deflater;
/// Without the `deflate` feature nothing is ever compressed.
#[cfg(not(feature = "deflate"))]
type Deflater = core::convert::Infallible;

/// The send half of a connection's state.
#[derive(Default)]
pub(crate) struct Sender {
    output: Output,
    /// Automatic pongs not yet moved to `output`, oldest first.
    pending_pongs: VecDeque<Bytes>,
    /// Whether pongs were moved into `output` since it was last seen
    /// empty: while they wait there, newer pongs wait in their bounded
    /// queue, so that a peer that pings and never reads cannot grow the
    /// output.
    pongs_in_output: bool,
    /// The kind of a message being sent with `send_fragment`, if unfinished.
    sending: Option<DataKind>,
    /// Whether frames are masked (a client's sender).
    masks: bool,
    /// Masking keys (clients) and keepalive nonces.
    random: Option<Box<dyn RandomSource>>,
    /// Masking keys drawn ahead from `random`, a block at a time.
    keys: MaskKeys,
    /// Boxed: the zlib state is large and most connections never compress.
    deflater: Option<Box<Deflater>>,
}

impl Sender {
    /// A sender that masks every frame (a client's) or none (a server's).
    pub(crate) fn new(masks: bool, random: Option<Box<dyn RandomSource>>) -> Self {
        Sender {
            masks,
            random,
            ..Sender::default()
        }
    }

    #[cfg(feature = "deflate")]
    pub(crate) fn set_deflater(&mut self, deflater: Deflater) {
        self.deflater = Some(Box::new(deflater));
    }

    /// Checks that `len` more payload bytes fit under the output limit, and
    /// that no fragmented send is unfinished (`fragment` says whether the
    /// new frame continues one).
    #[inline]
    pub(crate) fn check(&self, config: &Config, len: usize, fragment: bool) -> Result<(), Refused> {
        if self.sending.is_some() && !fragment {
            return Err(Refused::FragmentedSendInProgress);
        }
        if self.output.len().saturating_add(len) > config.max_output_buffer {
            return Err(Refused::OutputBufferFull);
        }
        Ok(())
    }

    /// Queues a whole message, split into frames of `Config::fragment_size`
    /// if that is set, compressed if permessage-deflate is on. The caller
    /// has run [`check`](Self::check).
    pub(crate) fn send(&mut self, config: &Config, message: Message) {
        let kind = message.kind();
        let (mut rest, mut rsv) = self.compress(message.into_bytes());
        let mut opcode = Opcode::data(kind);
        // RSV1 marks only the first frame of a compressed message.
        if let Some(size) = config.fragment_size.map(core::num::NonZeroUsize::get) {
            while rest.len() > size {
                let piece = rest.split_to(size);
                self.queue_frame(false, rsv, opcode, piece);
                (opcode, rsv) = (Opcode::Continuation, 0);
            }
        }
        self.queue_frame(true, rsv, opcode, rest);
    }

    /// Queues a whole message copied from `payload` (UTF-8 if `kind` is
    /// text). The caller has run [`check`](Self::check).
    pub(crate) fn send_borrowed(&mut self, config: &Config, kind: DataKind, payload: &[u8]) {
        let splits = config
            .fragment_size
            .is_some_and(|n| payload.len() > n.get());
        if splits || self.deflater.is_some() {
            // Fragmenting and compressing work on an owned payload.
            let message = whole_message(kind, Bytes::copy_from_slice(payload));
            return self.send(config, message);
        }
        self.flush_pongs();
        let header = self.frame_header(true, 0, Opcode::data(kind), payload.len());
        self.output.push_frame_copied(&header, payload);
    }

    /// Queues a prepared message: its shared frame (compressed once per
    /// compression settings without context takeover), or, where the frame
    /// cannot be shared (a client masks, context takeover, a fragment size
    /// it exceeds), the message as [`send`](Self::send) sends it. The
    /// caller has run [`check`](Self::check).
    pub(crate) fn send_prepared(&mut self, config: &Config, prepared: &PreparedMessage) {
        let splits = config
            .fragment_size
            .is_some_and(|n| prepared.message().len() > n.get());
        if self.masks || splits {
            return self.send(config, prepared.message().clone());
        }
        let frame = match self.deflater.as_deref() {
            None => prepared.frame().clone(),
            #[cfg(feature = "deflate")]
            Some(deflater) => match deflater.alone() {
                Some(alone) => prepared
                    .compressed_frame(alone)
                    .unwrap_or_else(|| prepared.frame().clone()),
                None => return self.send(config, prepared.message().clone()),
            },
            #[cfg(not(feature = "deflate"))]
            Some(never) => match *never {},
        };
        self.flush_pongs();
        self.output.push_encoded(frame);
    }

    /// Queues one fragment of a message whose fragments the caller chooses.
    pub(crate) fn send_fragment(
        &mut self,
        kind: DataKind,
        payload: Bytes,
        is_last: bool,
    ) -> Result<(), Refused> {
        let opcode = match self.sending {
            Some(sending) if sending != kind => return Err(Refused::FragmentedSendInProgress),
            Some(_) => Opcode::Continuation,
            None => Opcode::data(kind),
        };
        self.sending = if is_last { None } else { Some(kind) };
        self.queue_frame(is_last, 0, opcode, payload);
        Ok(())
    }

    /// Queues a control frame (the payload checked to fit by the caller).
    pub(crate) fn send_control(&mut self, opcode: Opcode, payload: &[u8]) {
        self.flush_pongs();
        let header = self.frame_header(true, 0, opcode, payload.len());
        self.output.push_frame_copied(&header, payload);
    }

    /// Queues a close frame with `payload`. Nothing but waiting pongs will
    /// follow it, so the compressor is freed.
    pub(crate) fn send_close(&mut self, payload: &[u8]) {
        self.send_control(Opcode::Close, payload);
        self.deflater = None;
    }

    /// The payload to send and its RSV bits: compressed with RSV1 when
    /// permessage-deflate is on and compressing pays.
    fn compress(&mut self, payload: Bytes) -> (Bytes, u8) {
        #[cfg(feature = "deflate")]
        if let Some(compressed) = self
            .deflater
            .as_mut()
            .and_then(|deflater| deflater.compress(&payload))
        {
            return (compressed, RSV1);
        }
        (payload, 0)
    }

    /// Queues an automatic pong. Beyond `max` the oldest waiting one is
    /// dropped: RFC 6455 section 5.5.3 allows answering only the most recent
    /// ping, and a peer that pings without reading must not grow this queue.
    pub(crate) fn queue_pong(&mut self, payload: Bytes, max: usize) {
        self.pending_pongs.push_back(payload);
        while self.pending_pongs.len() > max.max(1) {
            self.pending_pongs.pop_front();
        }
    }

    /// Drops every waiting pong (a failure's close frame goes first).
    pub(crate) fn drop_pongs(&mut self) {
        self.pending_pongs.clear();
    }

    /// Drops everything waiting to be written: the peer is given up on.
    pub(crate) fn abandon_output(&mut self) {
        self.pending_pongs.clear();
        self.output = Output::default();
    }

    /// Moves waiting pongs into the output, so a frame queued next keeps
    /// its place behind them. The check is inlined into every send; the
    /// move, rare, is not.
    #[inline(always)]
    fn flush_pongs(&mut self) {
        if !self.pending_pongs.is_empty() {
            self.move_pongs();
        }
    }

    #[cold]
    #[inline(never)]
    fn move_pongs(&mut self) {
        self.pongs_in_output = true;
        while let Some(pong) = self.pending_pongs.pop_front() {
            let header = self.frame_header(true, 0, Opcode::Pong, pong.len());
            self.output.push_frame(&header, pong);
        }
    }

    fn queue_frame(&mut self, fin: bool, rsv: u8, opcode: Opcode, payload: Bytes) {
        self.flush_pongs();
        let header = self.frame_header(fin, rsv, opcode, payload.len());
        self.output.push_frame(&header, payload);
    }

    /// The header of an outgoing frame, with a fresh mask key if this side
    /// masks.
    #[inline]
    fn frame_header(&mut self, fin: bool, rsv: u8, opcode: Opcode, len: usize) -> Header {
        let mask = self.masks.then(|| self.next_key());
        Header {
            fin,
            rsv,
            opcode,
            mask,
            payload_len: len as u64,
        }
    }

    /// The next masking key: from the keys drawn ahead, drawing the next
    /// block when they are used up. A call to the random source costs
    /// several times what a 4-byte key does; one per 16 frames is cheap.
    #[inline]
    fn next_key(&mut self) -> [u8; 4] {
        if self.keys.next == KEY_BLOCK {
            if let Some(random) = self.random.as_mut() {
                random.fill_bytes(&mut self.keys.block);
            }
            self.keys.next = 0;
        }
        let at = self.keys.next;
        self.keys.next += 4;
        let key = &self.keys.block[at..at + 4];
        [key[0], key[1], key[2], key[3]]
    }

    /// Fills `dest` from the random source; without one (a server's
    /// connection), leaves it as it is.
    pub(crate) fn fill_random(&mut self, dest: &mut [u8]) {
        if let Some(random) = self.random.as_mut() {
            random.fill_bytes(dest);
        }
    }

    /// The output, with the waiting pongs moved in unless pongs moved in
    /// earlier are still unwritten: those go out first, and the newer ones
    /// follow at the first look once the output has been drained (or ahead
    /// of the next frame queued). So a driver that looks at the output on
    /// every round while the transport takes nothing adds at most one
    /// batch of pongs to it.
    #[inline]
    pub(crate) fn output(&mut self) -> &mut Output {
        if self.output.is_empty() {
            self.pongs_in_output = false;
        }
        if !self.pongs_in_output {
            self.flush_pongs();
        }
        &mut self.output
    }

    /// The output with every waiting pong moved in.
    pub(crate) fn output_all(&mut self) -> &mut Output {
        self.flush_pongs();
        &mut self.output
    }

    /// Whether output is waiting to be written.
    pub(crate) fn wants_write(&self) -> bool {
        !self.output.is_empty() || !self.pending_pongs.is_empty()
    }

    /// Bytes of output waiting (pongs not yet moved in excluded).
    pub(crate) fn output_len(&self) -> usize {
        self.output.len()
    }
}

/// Bytes of masking keys drawn at once: 16 keys, one ChaCha20 block.
const KEY_BLOCK: usize = 64;

/// Masking keys drawn ahead. They are as unpredictable as keys drawn one at
/// a time (RFC 6455 section 5.3 asks that the peer cannot predict them, and
/// these stay inside the connection until used), and each is used once.
struct MaskKeys {
    block: [u8; KEY_BLOCK],
    /// Where the next unused key starts; `KEY_BLOCK` when none is left.
    next: usize,
}

impl Default for MaskKeys {
    fn default() -> Self {
        MaskKeys {
            block: [0; KEY_BLOCK],
            next: KEY_BLOCK,
        }
    }
}

//! The broadcast load (`e2e-load room`): N receivers and one publisher in
//! a room of `e2e-server <impl> <addr> room`, every socket driven by hand.
//!
//! ```text
//! e2e-load room --addr 127.0.0.1:PORT --conns N --size S --messages M \
//!               [--window W] [--stalled K] [--deflate OFFER]
//! ```
//!
//! With `--deflate`, each receiver offers `OFFER` (a `Sec-WebSocket-Extensions`
//! value, e.g. `permessage-deflate; server_no_context_takeover`) and inflates
//! the compressed messages it gets; the payload is then text-like (it
//! compresses), not one repeated byte. The run fails if a server does not
//! agree to permessage-deflate.
//!
//! The N receivers join first, then K clients that never read (4 KiB
//! receive buffers), then the publisher. The publisher sends M binary
//! messages of S bytes, each headed by its sequence number, keeping at most
//! W (default 16) ahead of its own copies coming back, then a text `end`.
//! Each receiver counts the messages it gets, and the gaps in the sequence
//! (messages the server skipped for it), until `end`. Prints one JSON line:
//! deliveries to the receivers, how many were missed, the seconds from the
//! first message sent to the last `end` received, deliveries per second, and
//! errors (a stall of 10 s on a socket, a close); exits 1 on any error.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use flate2::{Decompress, FlushDecompress};

use crate::wire::{
    Error, SEQ_LEN, Wire, mask_key, masked_frame, open, open_offering, open_with_receive_buffer,
};

pub struct RoomOptions {
    addr: String,
    conns: usize,
    size: usize,
    messages: u64,
    window: u64,
    stalled: usize,
    deflate: Option<String>,
}

impl RoomOptions {
    pub fn parse(args: &[String]) -> Result<Self, Error> {
        let mut options = RoomOptions {
            addr: String::new(),
            conns: 1,
            size: 16,
            messages: 100,
            window: 16,
            stalled: 0,
            deflate: None,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--addr" => options.addr = value.clone(),
                "--conns" => options.conns = value.parse()?,
                "--size" => options.size = value.parse()?,
                "--messages" => options.messages = value.parse()?,
                "--window" => options.window = value.parse()?,
                "--stalled" => options.stalled = value.parse()?,
                "--deflate" => options.deflate = Some(value.clone()),
                _ => return Err(format!("unknown option {flag}").into()),
            }
        }
        if !options.addr.starts_with("127.0.0.1:") {
            return Err("--addr must be 127.0.0.1:PORT".into());
        }
        if options.size < SEQ_LEN || options.conns == 0 || options.window == 0 {
            return Err(format!(
                "--size must be at least {SEQ_LEN}, --conns and --window at least 1"
            )
            .into());
        }
        Ok(options)
    }
}

/// What one receiver got.
struct Received {
    messages: u64,
    missed: u64,
    ended_at: Instant,
}

pub async fn run(options: RoomOptions) -> Result<bool, Error> {
    let mut receivers = Vec::with_capacity(options.conns);
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(256));
    let mut opening = tokio::task::JoinSet::new();
    for _ in 0..options.conns {
        let (addr, limit, offer) = (options.addr.clone(), limit.clone(), options.deflate.clone());
        opening.spawn(async move {
            let _permit = limit.acquire_owned().await;
            match offer {
                Some(offer) => open_offering(&addr, &offer).await,
                None => open(&addr)
                    .await
                    .map(|(stream, leftover)| (stream, leftover, false)),
            }
        });
    }
    while let Some(opened) = opening.join_next().await {
        let (stream, leftover, deflate) = opened??;
        if options.deflate.is_some() && !deflate {
            return Err("the server did not agree to permessage-deflate".into());
        }
        let wire = Wire::new(stream, leftover, 64 * 1024);
        let inflater = deflate.then(|| Decompress::new(false));
        receivers.push(tokio::spawn(receive(wire, inflater)));
    }
    let mut stalled = Vec::new();
    for _ in 0..options.stalled {
        stalled.push(open_with_receive_buffer(&options.addr, 4096).await?);
    }
    let (stream, leftover) = open(&options.addr).await?;
    // Every receiver's upgrade is answered, but a server adds the
    // connection to its room just after: give the last ones a moment.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let published = publish(Wire::new(stream, leftover, 64 * 1024), &options).await;

    let (mut delivered, mut missed, mut last, mut errors) = (0, 0, started, 0);
    let mut first_error = published.err().map(|e| e.to_string());
    errors += usize::from(first_error.is_some());
    for receiver in receivers {
        match receiver.await? {
            Ok(got) => {
                delivered += got.messages;
                missed += got.missed;
                last = last.max(got.ended_at);
            }
            Err(error) => {
                errors += 1;
                first_error.get_or_insert(error.to_string());
            }
        }
    }
    drop(stalled);
    let seconds = last.duration_since(started).as_secs_f64();
    println!(
        "{{\"conns\":{},\"size\":{},\"messages\":{},\"stalled\":{},\"delivered\":{delivered},\
         \"missed\":{missed},\"seconds\":{seconds:.3},\"deliveries_per_s\":{:.1},\"errors\":{errors},\
         \"first_error\":\"{}\"}}",
        options.conns,
        options.size,
        options.messages,
        options.stalled,
        delivered as f64 / seconds.max(1e-9),
        first_error.unwrap_or_default().replace('"', "'"),
    );
    io::stdout().flush()?;
    Ok(errors == 0)
}

/// Sends the messages, at most `window` ahead of its own copies, then `end`.
async fn publish(mut wire: Wire, options: &RoomOptions) -> Result<(), Error> {
    let mask = mask_key();
    let mut payload = match options.deflate {
        // Text that compresses about as chat messages do.
        Some(_) => TEXT.iter().copied().cycle().take(options.size).collect(),
        None => vec![0x5a; options.size],
    };
    let (mut sent, mut back) = (0, 0);
    while back < options.messages {
        while sent < options.messages && sent < back + options.window {
            payload[..SEQ_LEN].copy_from_slice(&sent.to_le_bytes());
            masked_frame(2, &payload, mask, &mut wire.output);
            sent += 1;
        }
        wire.write()?;
        wire.turn().await?;
        while let Some(frame) = wire.next_frame()? {
            if frame.opcode == 2 {
                back += 1;
            }
        }
        if wire.eof {
            return Err("the server ended the publisher's stream".into());
        }
    }
    masked_frame(1, b"end", mask, &mut wire.output);
    while wire.pending_output() {
        wire.write()?;
        if wire.pending_output() {
            wire.turn().await?;
        }
    }
    Ok(())
}

/// What a compressed run's messages say after the sequence number.
const TEXT: &[u8] =
    b"{\"room\":\"lobby\",\"user\":\"alice\",\"text\":\"see you at the usual place at eight\"} ";

/// `payload` inflated into `out` (RFC 7692: the sync-flush trailer restored).
fn inflate(inflater: &mut Decompress, payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    let mut input = Vec::with_capacity(payload.len() + 4);
    input.extend_from_slice(payload);
    input.extend_from_slice(&[0, 0, 0xff, 0xff]);
    out.clear();
    let start = inflater.total_in();
    loop {
        let consumed = (inflater.total_in() - start) as usize;
        if consumed == input.len() && out.len() < out.capacity() {
            return Ok(());
        }
        out.reserve(4096);
        inflater.decompress_vec(&input[consumed..], out, FlushDecompress::Sync)?;
    }
}

/// Counts messages and gaps until `end`, inflating compressed ones.
async fn receive(mut wire: Wire, mut inflater: Option<Decompress>) -> Result<Received, Error> {
    let (mut messages, mut missed, mut expected) = (0, 0, 0);
    let mut inflated = Vec::new();
    loop {
        wire.turn().await?;
        while let Some(frame) = wire.next_frame()? {
            let mut payload = &wire.input[frame.start..frame.end];
            if frame.rsv1 {
                let inflater = inflater
                    .as_mut()
                    .ok_or("a compressed message without deflate")?;
                inflate(inflater, payload, &mut inflated)?;
                payload = &inflated;
            }
            match frame.opcode {
                2 if payload.len() >= SEQ_LEN => {
                    let seq = u64::from_le_bytes(payload[..SEQ_LEN].try_into()?);
                    missed += seq.saturating_sub(expected);
                    expected = seq + 1;
                    messages += 1;
                }
                1 if payload == b"end" => {
                    return Ok(Received {
                        messages,
                        missed,
                        ended_at: Instant::now(),
                    });
                }
                8 => return Err("the server closed a receiver".into()),
                _ => {}
            }
        }
        if wire.eof {
            return Err("the server ended a receiver's stream".into());
        }
    }
}

//! `e2e-load`: the load generator of the end-to-end benchmark, a process of
//! its own, the same for every server (see `README.md`).
//!
//! It speaks the protocol by hand, with raw frames over tokio's `TcpStream`
//! on a current-thread runtime, so that no WebSocket library's client is
//! on the measured path: the upgrade request is one fixed string, each
//! message is a precomputed masked binary frame with its sequence number
//! masked in, and each echo is checked byte for byte.
//!
//! ```text
//! e2e-load echo --addr 127.0.0.1:PORT --size S --conns N --inflight W \
//!               [--warmup SECS] [--duration SECS]
//! e2e-load idle --addr 127.0.0.1:PORT --conns C [--hold SECS]
//! e2e-load room --addr 127.0.0.1:PORT --conns N --size S --messages M ...
//! ```
//!
//! `room`: the broadcast load, in `rfc6455_e2e::room`.
//!
//! `echo`: N connections, each keeps W messages of S bytes in flight (it
//! sends W, then one more for each echo it receives). Echoes that arrive
//! during the measured window (after the warm-up) are counted, and each one's
//! round trip, from the moment its message was queued for the socket to the
//! moment its echo was read, is recorded. After the window each connection
//! stops sending, waits for the echoes still in flight, sends a close
//! (1000), and expects the server's close and then the end of the stream.
//! Prints one JSON line: messages per second, p50 and p99 in microseconds,
//! and errors (a wrong echo, a missing close, a 10 s stall on any socket);
//! exits 1 if there were any.
//!
//! `idle`: opens C connections (at most 256 handshakes at a time), each
//! completing the upgrade and then silent (answering only a ping or a
//! close), prints `{"open":..,"failed":..}` once all are up, waits for a
//! line or the end of standard input (or `--hold` seconds), prints
//! `{"still_open":..}` and exits.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, Interest};

use rfc6455_e2e::wire::{Error, SEQ_LEN, SOCKET_TIMEOUT, Wire, mask_key, masked_frame, open};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("echo") => Options::parse(&args[1..]).and_then(|o| runtime().block_on(echo_run(o))),
        Some("idle") => Options::parse(&args[1..]).and_then(|o| runtime().block_on(idle_run(o))),
        Some("room") => rfc6455_e2e::room::RoomOptions::parse(&args[1..])
            .and_then(|o| runtime().block_on(rfc6455_e2e::room::run(o))),
        _ => Err("usage: e2e-load echo|idle|room --addr ADDR [options] (see the source)".into()),
    };
    match result {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(error) => {
            eprintln!("e2e-load: {error}");
            std::process::exit(2);
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    rfc6455_e2e::raise_nofile_limit();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
}

struct Options {
    addr: String,
    size: usize,
    conns: usize,
    inflight: usize,
    warmup: Duration,
    duration: Duration,
    hold: Duration,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self, Error> {
        let mut options = Options {
            addr: String::new(),
            size: 16,
            conns: 1,
            inflight: 1,
            warmup: Duration::from_millis(500),
            duration: Duration::from_secs(2),
            hold: Duration::from_secs(120),
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let seconds = || value.parse::<f64>().map(Duration::from_secs_f64);
            match flag.as_str() {
                "--addr" => options.addr = value.clone(),
                "--size" => options.size = value.parse()?,
                "--conns" => options.conns = value.parse()?,
                "--inflight" => options.inflight = value.parse()?,
                "--warmup" => options.warmup = seconds()?,
                "--duration" => options.duration = seconds()?,
                "--hold" => options.hold = seconds()?,
                _ => return Err(format!("unknown option {flag}").into()),
            }
        }
        if !options.addr.starts_with("127.0.0.1:") {
            return Err("--addr must be 127.0.0.1:PORT".into());
        }
        if options.size < SEQ_LEN || options.conns == 0 || options.inflight == 0 {
            return Err(format!(
                "--size must be at least {SEQ_LEN}, --conns and --inflight at least 1"
            )
            .into());
        }
        Ok(options)
    }
}

/// What one echo connection measured.
#[derive(Default)]
struct Tally {
    messages: u64,
    latencies_ns: Vec<u32>,
    error: Option<String>,
}

async fn echo_run(options: Options) -> Result<bool, Error> {
    let mut wires = Vec::with_capacity(options.conns);
    for _ in 0..options.conns {
        let (stream, leftover) = open(&options.addr).await?;
        wires.push(Wire::new(stream, leftover, 128 * 1024));
    }
    let t0 = Instant::now();
    let window = (t0 + options.warmup, t0 + options.warmup + options.duration);
    let bound = options.warmup + options.duration + 3 * SOCKET_TIMEOUT;
    let tasks: Vec<_> = wires
        .into_iter()
        .map(|wire| {
            let (size, inflight) = (options.size, options.inflight);
            tokio::spawn(async move {
                let mut tally = Tally::default();
                if let Err(error) = echo_conn(wire, size, inflight, window, &mut tally).await {
                    tally.error = Some(error.to_string());
                }
                tally
            })
        })
        .collect();
    let mut total = Tally::default();
    let mut errors = 0;
    for task in tasks {
        let tally = match tokio::time::timeout(bound, task).await {
            Ok(joined) => joined?,
            Err(_) => Tally {
                error: Some("the run overran its bound".into()),
                ..Tally::default()
            },
        };
        total.messages += tally.messages;
        total.latencies_ns.extend(tally.latencies_ns);
        if let Some(error) = tally.error {
            errors += 1;
            total.error.get_or_insert(error);
        }
    }
    total.latencies_ns.sort_unstable();
    let pct = |p: f64| -> f64 {
        let n = total.latencies_ns.len();
        if n == 0 {
            return 0.0;
        }
        let at = ((n as f64 * p).ceil() as usize).clamp(1, n) - 1;
        total.latencies_ns[at] as f64 / 1000.0
    };
    let seconds = options.duration.as_secs_f64();
    let first_error = total.error.as_deref().unwrap_or("").replace('"', "'");
    println!(
        "{{\"size\":{},\"conns\":{},\"inflight\":{},\"messages\":{},\"seconds\":{:.3},\
         \"msgs_per_s\":{:.1},\"p50_us\":{:.1},\"p99_us\":{:.1},\"errors\":{},\"first_error\":\"{}\"}}",
        options.size,
        options.conns,
        options.inflight,
        total.messages,
        seconds,
        total.messages as f64 / seconds,
        pct(0.50),
        pct(0.99),
        errors,
        first_error,
    );
    io::stdout().flush()?;
    Ok(errors == 0 && total.messages > 0)
}

/// One echo connection: keeps `inflight` messages going until the window
/// ends, then drains and closes.
async fn echo_conn(
    mut wire: Wire,
    size: usize,
    inflight: usize,
    (from, until): (Instant, Instant),
    tally: &mut Tally,
) -> Result<(), Error> {
    let mask = mask_key();
    // The payload: the sequence number, then a fixed pattern.
    let plain: Vec<u8> = (0..size).map(|i| (i * 31 + 7) as u8).collect();
    // The whole masked frame for sequence 0; per message only the sequence
    // bytes are masked in.
    let mut template = Vec::with_capacity(size + 14);
    masked_frame(2, &plain, mask, &mut template);
    let payload_at = template.len() - size;
    let queue = |wire: &mut Wire, seq: u64| {
        let at = wire.output.len() + payload_at;
        wire.output.extend_from_slice(&template);
        for (i, b) in seq.to_le_bytes().into_iter().enumerate() {
            wire.output[at + i] = b ^ mask[i % 4];
        }
    };
    let mut sent_at: VecDeque<Instant> = VecDeque::with_capacity(inflight);
    let mut next_seq = 0u64;
    let mut expect_seq = 0u64;
    let now = Instant::now();
    for _ in 0..inflight {
        queue(&mut wire, next_seq);
        next_seq += 1;
        sent_at.push_back(now);
    }
    wire.write()?;
    let mut fragments: Vec<u8> = Vec::new();
    let mut fragmented = false;
    let mut closing = false;
    loop {
        wire.turn().await?;
        let now = Instant::now();
        while let Some(frame) = wire.next_frame()? {
            let payload = &wire.input[frame.start..frame.end];
            match frame.opcode {
                // Pings are answered; pongs and fragments handled; data checked below.
                9 => {
                    let payload = payload.to_vec();
                    masked_frame(10, &payload, mask, &mut wire.output);
                    continue;
                }
                10 => continue,
                8 if closing => {
                    let code =
                        (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
                    if code != Some(1000) {
                        return Err(format!("the server's close reply has code {code:?}").into());
                    }
                    return expect_end(wire).await;
                }
                8 => return Err("the server closed during the run".into()),
                1 => return Err("a text frame echoed to a binary message".into()),
                2 if fragmented => return Err("a new message inside a fragmented one".into()),
                0 if !fragmented => return Err("a continuation frame with no message".into()),
                2 | 0 if !frame.fin => {
                    fragments.extend_from_slice(payload);
                    fragmented = true;
                    continue;
                }
                2 | 0 => {}
                other => return Err(format!("an unknown opcode {other}").into()),
            }
            let whole: &[u8] = if fragmented {
                fragments.extend_from_slice(payload);
                &fragments
            } else {
                payload
            };
            if whole.len() != size {
                return Err(format!("an echo of {} bytes for {size}", whole.len()).into());
            }
            let seq = u64::from_le_bytes(whole[..SEQ_LEN].try_into()?);
            if seq != expect_seq || whole[SEQ_LEN..] != plain[SEQ_LEN..] {
                return Err(format!("a wrong echo: sequence {seq}, expected {expect_seq}").into());
            }
            expect_seq += 1;
            fragments.clear();
            fragmented = false;
            let sent = sent_at
                .pop_front()
                .ok_or("an echo of a message never sent")?;
            if now >= from && now < until {
                tally.messages += 1;
                let ns = now.duration_since(sent).as_nanos();
                tally.latencies_ns.push(ns.min(u32::MAX as u128) as u32);
            }
            if now < until {
                queue(&mut wire, next_seq);
                next_seq += 1;
                sent_at.push_back(now);
            }
        }
        if !closing && now >= until && sent_at.is_empty() {
            masked_frame(8, &1000u16.to_be_bytes(), mask, &mut wire.output);
            closing = true;
        }
        if wire.eof {
            return Err("the server ended the stream during the run".into());
        }
        wire.write()?;
    }
}

/// After the close handshake the server closes the TCP connection.
async fn expect_end(mut wire: Wire) -> Result<(), Error> {
    while !wire.eof {
        wire.turn().await?;
        if wire.next_frame()?.is_some() {
            return Err("a frame after the close".into());
        }
    }
    Ok(())
}

async fn idle_run(options: Options) -> Result<bool, Error> {
    let open_now = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let limit = Arc::new(tokio::sync::Semaphore::new(256));
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    for _ in 0..options.conns {
        let (open_now, failed, first_error, limit, done) = (
            open_now.clone(),
            failed.clone(),
            first_error.clone(),
            limit.clone(),
            done_tx.clone(),
        );
        let addr = options.addr.clone();
        tokio::spawn(async move {
            let permit = limit
                .acquire_owned()
                .await
                .expect("the semaphore stays open");
            let opened = open(&addr).await;
            drop(permit);
            let _ = done.send(());
            match opened {
                Ok((stream, leftover)) => {
                    open_now.fetch_add(1, Ordering::Relaxed);
                    let _ = idle_conn(Wire::new(stream, leftover, 512)).await;
                    open_now.fetch_sub(1, Ordering::Relaxed);
                }
                Err(error) => {
                    failed.fetch_add(1, Ordering::Relaxed);
                    first_error.lock().unwrap().get_or_insert(error.to_string());
                }
            }
        });
    }
    drop(done_tx);
    for _ in 0..options.conns {
        done_rx.recv().await;
    }
    let opened = open_now.load(Ordering::Relaxed);
    let failures = failed.load(Ordering::Relaxed);
    let error = first_error.lock().unwrap().clone().unwrap_or_default();
    println!(
        "{{\"open\":{opened},\"failed\":{failures},\"first_error\":\"{}\"}}",
        error.replace('"', "'")
    );
    io::stdout().flush()?;
    let mut line = String::new();
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin());
    let _ = tokio::time::timeout(options.hold, stdin.read_line(&mut line)).await;
    let still = open_now.load(Ordering::Relaxed);
    println!("{{\"still_open\":{still}}}");
    io::stdout().flush()?;
    Ok(failures == 0 && still == options.conns)
}

/// A silent connection: answers pings and a close, never sends data.
async fn idle_conn(mut wire: Wire) -> Result<(), Error> {
    let mask = mask_key();
    loop {
        // No timeout here: silence is the point.
        let interest = if wire.pending_output() {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        let ready = wire.stream.ready(interest).await?;
        if ready.is_readable() {
            wire.read()?;
        }
        while let Some(frame) = wire.next_frame()? {
            let payload = wire.input[frame.start..frame.end].to_vec();
            match frame.opcode {
                9 => masked_frame(10, &payload, mask, &mut wire.output),
                8 => {
                    masked_frame(8, &payload, mask, &mut wire.output);
                    wire.write()?;
                    return Ok(());
                }
                _ => {}
            }
        }
        if wire.eof {
            return Ok(());
        }
        wire.write()?;
    }
}

//! Backpressure, cancel safety and the halves.

use super::*;

// Backpressure and cancel safety.

#[tokio::test(start_paused = true)]
async fn feed_waits_past_the_write_limit_when_the_peer_never_reads() {
    bounded(async {
        const MESSAGE: usize = 8 << 10;
        const LIMIT: usize = 64 << 10;
        let (start_tx, start_rx) = tokio::sync::oneshot::channel::<()>();
        let (frames_tx, frames_rx) = tokio::sync::oneshot::channel();
        let options = options().write_limit(LIMIT);
        let mut ws = client_on_duplex(16 << 10, options, |mut io| async move {
            // Reads nothing until told to.
            let _ = start_rx.await;
            let _ = frames_tx.send(read_frames_to_eof(&mut io).await);
        })
        .await;
        let message = |i: u32| {
            // Incompressible, in case permessage-deflate is on.
            let mut payload = noise(u64::from(i), MESSAGE);
            payload[..4].copy_from_slice(&i.to_be_bytes());
            Message::Binary(payload.into())
        };
        let mut sent = 0;
        loop {
            match timeout(Duration::from_secs(1), ws.feed(message(sent))).await {
                Ok(result) => result.unwrap(),
                // The pending feed had queued its message: it is not lost.
                Err(_) => break,
            }
            sent += 1;
            assert!(sent < 1000, "feed never waited");
        }
        let queued = ws.queued_output();
        assert!(queued > LIMIT, "waited below the limit: {queued}");
        assert!(
            queued <= LIMIT + MESSAGE + 14,
            "more than one message over: {queued}"
        );
        assert!(
            sent as usize * MESSAGE >= LIMIT,
            "waited before the limit: {sent}"
        );
        // Still waiting: nothing moved while the peer did not read.
        assert!(timeout(Duration::from_secs(5), ws.flush()).await.is_err());
        assert_eq!(ws.queued_output(), queued);

        start_tx.send(()).unwrap();
        ws.flush().await.unwrap();
        assert_eq!(ws.queued_output(), 0);
        drop(ws);
        let frames = frames_rx.await.unwrap();
        assert_eq!(
            frames.len(),
            sent as usize + 1,
            "every queued message arrives"
        );
        for (i, (header, payload)) in frames.iter().enumerate() {
            assert_eq!(header.opcode, Opcode::Binary);
            assert_eq!(payload[..4], (i as u32).to_be_bytes());
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_send_that_waits_past_the_write_timeout_gives_up_on_the_connection() {
    bounded(async {
        let options = options()
            .write_limit(64 << 10)
            .write_timeout(Some(Duration::from_secs(3)));
        // The peer holds the transport and reads nothing.
        let (_hold, held) = tokio::sync::oneshot::channel::<()>();
        let mut ws = client_on_duplex(16 << 10, options, |io| async move {
            let _ = held.await;
            drop(io);
        })
        .await;
        let started = Instant::now();
        let mut sent = 0u64;
        let error = loop {
            let message = Message::Binary(noise(sent, 8 << 10).into());
            if let Err(error) = ws.send(message).await {
                break error;
            }
            sent += 1;
            assert!(sent < 1000, "sends never waited");
        };
        assert!(matches!(error, layer::Error::WriteTimeout), "{error:?}");
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(3) && waited < Duration::from_secs(4),
            "{waited:?}"
        );
        assert_eq!(ws.state(), State::Failed);
        assert!(ws.send(Message::from("after")).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn dropping_pending_next_futures_loses_no_message() {
    bounded(async {
        const COUNT: usize = 300;
        // A small pipe, so that messages arrive in many pieces.
        let (client_io, server_io) = tokio::io::duplex(512);
        let server = tokio::spawn(async move {
            let mut ws = accept(server_io).await.unwrap();
            for i in 0..COUNT {
                let text = format!("{i}:{}", letters(i, i * 13 % 3000));
                ws.send(Message::from(text)).await.unwrap();
            }
            ws.close().await.unwrap();
        });
        let (mut ws, _) = connect_on(client_io, options()).await.unwrap();
        let (mut received, mut cancelled_mid_message) = (Vec::new(), 0);
        loop {
            tokio::select! {
                biased;
                message = ws.next() => match message {
                    Some(message) => received.push(message.unwrap()),
                    None => break,
                },
                // Ready on its second poll: cancels the pending `next`.
                () = tokio::task::yield_now() => {
                    if ws.connection().buffered_len() > 0 {
                        cancelled_mid_message += 1;
                    }
                }
            }
        }
        assert!(
            cancelled_mid_message > COUNT / 4,
            "next was seldom cancelled with part of a message read: {cancelled_mid_message}"
        );
        assert_eq!(received.len(), COUNT);
        for (i, message) in received.iter().enumerate() {
            let text = format!("{i}:{}", letters(i, i * 13 % 3000));
            assert_eq!(*message, Message::from(text));
        }
        server.await.unwrap();
    })
    .await;
}

/// A transport that counts the writes that took bytes.
struct CountingWrites {
    inner: DuplexStream,
    writes: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl tokio::io::AsyncRead for CountingWrites {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for CountingWrites {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let result = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(result, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.writes
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        result
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Echoes 16 messages that arrive in one piece, answering each with `feed`
/// (or `send`); returns the writes the server made after its handshake.
async fn echo_writes(feed: bool) -> usize {
    const COUNT: usize = 16;
    let (client_io, server_io) = tokio::io::duplex(1 << 20);
    let writes = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = CountingWrites {
        inner: server_io,
        writes: writes.clone(),
    };
    let server = tokio::spawn(async move {
        let mut ws = accept(counted).await.unwrap();
        let before = writes.load(std::sync::atomic::Ordering::SeqCst);
        while let Some(message) = ws.next().await {
            let message = message.unwrap();
            if feed {
                ws.feed(message).await.unwrap();
            } else {
                ws.send(message).await.unwrap();
            }
        }
        writes.load(std::sync::atomic::Ordering::SeqCst) - before
    });
    let (mut ws, _) = connect_on(client_io, options()).await.unwrap();
    // Queued, then written in one go: they arrive together.
    for i in 0..COUNT {
        ws.feed(Message::from(format!("message {i}")))
            .await
            .unwrap();
    }
    ws.flush().await.unwrap();
    for i in 0..COUNT {
        let echo = ws.next().await.unwrap().unwrap();
        assert_eq!(echo, Message::from(format!("message {i}")));
    }
    ws.close().await.unwrap();
    // The close reply is one more write.
    server.await.unwrap() - 1
}

#[tokio::test]
async fn feed_answers_messages_that_arrived_together_in_one_write() {
    bounded(async {
        assert_eq!(echo_writes(true).await, 1, "feed: one write for 16 echoes");
        assert_eq!(echo_writes(false).await, 16, "send: a write per echo");
    })
    .await;
}

// Halves.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn halves_read_and_send_at_once_and_pongs_flow_meanwhile() {
    bounded(async {
        const COUNT: usize = 10_000;
        let (listener, url) = listen().await;
        // A tokio-tungstenite echo peer that pings every 1000 messages.
        let peer = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            let (mut echoed, mut pings, mut pongs) = (0, Vec::new(), Vec::new());
            while let Some(message) = ws.next().await {
                match message.unwrap() {
                    m @ (tungstenite::Message::Text(_) | tungstenite::Message::Binary(_)) => {
                        ws.send(m).await.unwrap();
                        echoed += 1;
                        if echoed % 1000 == 500 {
                            let payload = Bytes::from(format!("ping {echoed}"));
                            ws.send(tungstenite::Message::Ping(payload.clone()))
                                .await
                                .unwrap();
                            pings.push(payload);
                        }
                    }
                    tungstenite::Message::Pong(payload) => pongs.push(payload),
                    // The close reply goes out as the loop goes on.
                    _ => {}
                }
            }
            (echoed, pings, pongs)
        });
        let (ws, _) = connect(&url).await.unwrap();
        let (mut read, mut write) = ws.split();
        let writer = tokio::spawn(async move {
            for i in 0..COUNT {
                write
                    .send(Message::from(format!("message {i}")))
                    .await
                    .unwrap();
            }
            write.flush().await.unwrap();
            write
        });
        let reader = tokio::spawn(async move {
            for i in 0..COUNT {
                let message = read.next().await.unwrap().unwrap();
                assert_eq!(message, Message::from(format!("message {i}")));
            }
            read
        });
        let (mut write, read) = (writer.await.unwrap(), reader.await.unwrap());
        write.close(None).await.unwrap();
        assert_eq!(read.state(), State::Closed);

        let (echoed, pings, pongs) = peer.await.unwrap();
        assert_eq!(echoed, COUNT);
        assert_eq!(pings.len(), COUNT / 1000);
        assert_eq!(pongs, pings, "every ping answered before the close");
        let mut read = read;
        assert!(read.next().await.is_none());
        assert!(read.reunite(write).is_ok());
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_pong_the_read_half_waits_to_write_does_not_steal_the_write_halfs_wakeup() {
    bounded(async {
        let (ping_tx, ping_rx) = tokio::sync::oneshot::channel::<()>();
        let (read_tx, read_rx) = tokio::sync::oneshot::channel::<()>();
        let (frames_tx, frames_rx) = tokio::sync::oneshot::channel();
        // No timers: only the transport wakes anyone here.
        let options = options().config(Config::default()).write_limit(1024);
        let ws = client_on_duplex(1024, options, |mut io| async move {
            let _ = ping_rx.await;
            io.write_all(&common::server_frame(true, Opcode::Ping, b"p"))
                .await
                .unwrap();
            let _ = read_rx.await;
            let (mut pending, mut frames) = (Vec::new(), Vec::new());
            while !frames
                .iter()
                .any(|(h, _): &(Header, Bytes)| h.opcode == Opcode::Pong)
            {
                frames.push(read_frame(&mut io, &mut pending).await.unwrap());
            }
            let _ = frames_tx.send(frames);
            std::future::pending::<()>().await;
        })
        .await;
        let (mut read, mut write) = ws.split();
        let yield_a_while = async || {
            for _ in 0..20 {
                tokio::task::yield_now().await;
            }
        };
        // The write half waits for the transport first (the pipe is full)...
        let writer = tokio::spawn(async move {
            write
                .send(Message::Binary(noise(1, 64 << 10).into()))
                .await
                .unwrap();
            write
        });
        let reader = tokio::spawn(async move { read.next().await.map(|m| m.is_ok()) });
        yield_a_while().await;
        assert!(!writer.is_finished());
        // ...then the read half waits for it too, to write a pong.
        ping_tx.send(()).unwrap();
        yield_a_while().await;
        // Once the peer reads, both must be woken.
        read_tx.send(()).unwrap();
        let frames = frames_rx.await.unwrap();
        let write = writer.await.unwrap();
        assert_eq!(write.queued_output(), 0);
        let opcodes: Vec<_> = frames.iter().map(|(h, _)| h.opcode).collect();
        assert_eq!(opcodes, [Opcode::Binary, Opcode::Pong]);
        reader.abort();
    })
    .await;
}

//! Keepalive and close timers, on tokio's paused clock.

use super::*;

// Timers, on tokio's paused clock.

#[tokio::test(start_paused = true)]
async fn a_client_gives_up_on_a_server_that_closes_but_keeps_tcp_open_after_the_close_timeout() {
    bounded(async {
        let (reply_tx, reply_rx) = tokio::sync::oneshot::channel();
        let mut ws = client_on_duplex(4096, options(), |mut io| async move {
            let close = close_payload(1000, "bye");
            io.write_all(&common::server_frame(true, Opcode::Close, &close))
                .await
                .unwrap();
            let mut pending = Vec::new();
            let reply = read_frame(&mut io, &mut pending).await;
            // Holds the transport open until the client drops it.
            let eof = read_frame(&mut io, &mut pending).await;
            let _ = reply_tx.send((reply, eof.is_none(), Instant::now()));
        })
        .await;
        let start = Instant::now();
        assert!(
            ws.next().await.is_none(),
            "a clean close, even without the TCP close"
        );
        let waited = start.elapsed();
        assert!(waited >= Duration::from_secs(10), "{waited:?}");
        assert!(waited < Duration::from_secs(11), "{waited:?}");
        assert_eq!(ws.close_frame().map(|f| f.code), Some(CloseCode::NORMAL));
        let (reply, eof, at) = reply_rx.await.unwrap();
        let (header, payload) = reply.unwrap();
        assert_eq!(header.opcode, Opcode::Close);
        assert_eq!(&payload[..2], &1000u16.to_be_bytes());
        assert!(eof, "the client shut its side down when it gave up");
        assert!(at - start >= Duration::from_secs(10));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_peer_that_never_answers_pings_gets_1011_after_ping_interval_and_timeout() {
    bounded(async {
        let (frames_tx, frames_rx) = tokio::sync::oneshot::channel();
        let mut ws = client_on_duplex(4096, options(), |mut io| async move {
            let _ = frames_tx.send(read_frames_to_eof(&mut io).await);
        })
        .await;
        let start = Instant::now();
        match ws.next().await {
            Some(Err(layer::Error::Connection(ConnectionError::KeepaliveTimeout))) => {}
            other => panic!("expected a keepalive timeout, got {other:?}"),
        }
        let waited = start.elapsed();
        assert!(waited >= Duration::from_secs(40), "{waited:?}");
        assert!(waited < Duration::from_secs(41), "{waited:?}");
        assert!(ws.next().await.is_none());
        assert_eq!(ws.state(), State::Failed);
        let frames = frames_rx.await.unwrap();
        let opcodes: Vec<_> = frames.iter().map(|(h, _)| h.opcode).collect();
        assert_eq!(opcodes, [Opcode::Ping, Opcode::Close]);
        assert_eq!(last_close_code(&frames), Some(1011));
    })
    .await;
}

async fn a_reader_answers_pings(split: bool) {
    let (pong_tx, pong_rx) = tokio::sync::oneshot::channel();
    let ws = client_on_duplex(4096, options(), |mut io| async move {
        io.write_all(&common::server_frame(true, Opcode::Ping, b"are you there"))
            .await
            .unwrap();
        let mut pending = Vec::new();
        let pong = read_frame(&mut io, &mut pending).await.unwrap();
        let _ = pong_tx.send(pong);
        io.write_all(&common::server_frame(true, Opcode::Text, b"done"))
            .await
            .unwrap();
        let _ = read_frame(&mut io, &mut pending).await;
    })
    .await;
    // Only the reading side is polled; nothing is ever sent.
    let reader = tokio::spawn(async move {
        if split {
            let (mut read, write) = ws.split();
            let message = read.next().await;
            drop(write);
            message
        } else {
            let mut ws = ws;
            ws.next().await
        }
    });
    let (header, payload) = pong_rx.await.unwrap();
    assert_eq!(header.opcode, Opcode::Pong);
    assert_eq!(&payload[..], b"are you there");
    assert_eq!(
        reader.await.unwrap().unwrap().unwrap(),
        Message::from("done")
    );
}

#[tokio::test]
async fn a_stream_that_only_reads_still_answers_pings() {
    bounded(a_reader_answers_pings(false)).await;
}

#[tokio::test]
async fn a_read_half_polled_alone_answers_pings() {
    bounded(a_reader_answers_pings(true)).await;
}

#[tokio::test(start_paused = true)]
async fn an_idle_connection_between_our_ends_is_kept_alive_by_pings_and_pongs() {
    bounded(async {
        let (client_io, server_io) = tokio::io::duplex(4096);
        let server = tokio::spawn(async move {
            let mut ws = accept(server_io).await.unwrap();
            while let Some(message) = ws.next().await {
                ws.send(message.unwrap()).await.unwrap();
            }
            ws.state()
        });
        let (mut ws, _) = connect_on(client_io, options()).await.unwrap();
        // Two minutes of silence: six keepalive rounds, each answered.
        let idle = timeout(Duration::from_secs(120), ws.next()).await;
        assert!(
            idle.is_err(),
            "nothing arrives, and nothing fails: {idle:?}"
        );
        ws.send(Message::from("still there?")).await.unwrap();
        assert_eq!(
            ws.next().await.unwrap().unwrap(),
            Message::from("still there?")
        );
        ws.close().await.unwrap();
        assert_eq!(server.await.unwrap(), State::Closed);
    })
    .await;
}

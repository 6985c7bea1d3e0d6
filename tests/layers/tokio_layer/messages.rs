//! Messages and closing, between our ends and against tokio-tungstenite.

use super::*;

// Our client and our server.

#[tokio::test]
async fn client_and_server_exchange_text_binary_and_a_mebibyte_then_close_cleanly() {
    bounded(async {
        let (listener, url) = listen().await;
        let server = spawn_echo_server(listener);
        let (mut ws, _) = connect(&url).await.unwrap();
        let sent = [
            Message::from("hello"),
            Message::Binary(vec![1, 2, 3].into()),
            pattern(1 << 20),
            Message::from("é".repeat(1 << 19)),
        ];
        for message in &sent {
            ws.send(message.clone()).await.unwrap();
            assert_eq!(ws.next().await.unwrap().unwrap(), *message);
        }
        let bye = CloseFrame::new(CloseCode::NORMAL, "bye");
        ws.close_with(bye.clone()).await.unwrap();
        assert_eq!(ws.state(), State::Closed);
        assert_eq!(ws.close_frame().map(|f| f.code), Some(CloseCode::NORMAL));
        assert!(ws.next().await.is_none());

        let (count, peer_close, state) = server.await.unwrap();
        assert_eq!(count, sent.len());
        assert_eq!(peer_close, Some(bye));
        assert_eq!(state, State::Closed);
    })
    .await;
}

#[tokio::test]
async fn server_sends_first_and_closes_and_the_client_stream_ends_cleanly() {
    bounded(async {
        let (listener, url) = listen().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = accept(tcp).await.unwrap();
            ws.send(Message::from("welcome")).await.unwrap();
            let going = CloseFrame::new(CloseCode::GOING_AWAY, "restart");
            ws.close_with(going).await
        });
        let (mut ws, _) = connect(&url).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::from("welcome"));
        assert!(ws.next().await.is_none(), "a clean close ends the stream");
        let frame = ws.close_frame().unwrap();
        assert_eq!(
            (frame.code, frame.reason.as_str()),
            (CloseCode::GOING_AWAY, "restart")
        );
        assert_eq!(ws.state(), State::Closed);
        assert!(matches!(
            ws.send(Message::from("late")).await,
            Err(layer::Error::Refused(Refused::NotOpen(State::Closed)))
        ));
        server.await.unwrap().unwrap();
    })
    .await;
}

#[tokio::test]
async fn the_stream_and_sink_traits_carry_messages_and_close() {
    bounded(async {
        let (listener, url) = listen().await;
        let server = spawn_echo_server(listener);
        let (mut ws, _) = connect(&url).await.unwrap();
        for i in 0..3 {
            ws.feed(Message::from(format!("m{i}"))).await.unwrap();
        }
        SinkExt::flush(&mut ws).await.unwrap();
        for i in 0..3 {
            let echoed = StreamExt::next(&mut ws).await.unwrap().unwrap();
            assert_eq!(echoed, Message::from(format!("m{i}")));
        }
        SinkExt::close(&mut ws).await.unwrap();
        assert_eq!(ws.state(), State::Closed);
        assert_eq!(server.await.unwrap().0, 3);
    })
    .await;
}

// Against tokio-tungstenite.

#[tokio::test]
async fn our_client_talks_to_a_tokio_tungstenite_server() {
    bounded(async {
        let (listener, url) = listen().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            let mut echoed = 0;
            while let Some(message) = ws.next().await {
                let message = message.unwrap();
                if message.is_text() || message.is_binary() {
                    ws.send(message).await.unwrap();
                    echoed += 1;
                }
            }
            echoed
        });
        let (mut ws, _) = connect(&url).await.unwrap();
        for message in [Message::from("hi tungstenite"), pattern(1 << 20)] {
            ws.send(message.clone()).await.unwrap();
            assert_eq!(ws.next().await.unwrap().unwrap(), message);
        }
        ws.close_with(CloseFrame::new(CloseCode::NORMAL, "done"))
            .await
            .unwrap();
        assert_eq!(ws.close_frame().map(|f| f.code), Some(CloseCode::NORMAL));
        assert_eq!(server.await.unwrap(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_tokio_tungstenite_client_talks_to_our_server() {
    bounded(async {
        let (listener, url) = listen().await;
        let server = spawn_echo_server(listener);
        let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        let text = tungstenite::Message::text("hi rfc6455");
        let binary = tungstenite::Message::binary(vec![7u8; 300_000]);
        for message in [text, binary] {
            ws.send(message.clone()).await.unwrap();
            assert_eq!(ws.next().await.unwrap().unwrap(), message);
        }
        ws.close(None).await.unwrap();
        while let Some(message) = ws.next().await {
            assert!(
                matches!(message, Ok(tungstenite::Message::Close(_))),
                "{message:?}"
            );
        }
        let (count, _, state) = server.await.unwrap();
        assert_eq!(count, 2);
        assert_eq!(state, State::Closed, "a clean close at our server");
    })
    .await;
}

// Errors.

#[tokio::test]
async fn a_protocol_violation_is_reported_after_its_close_code_is_sent() {
    bounded(async {
        let (frames_tx, frames_rx) = tokio::sync::oneshot::channel();
        let mut ws = client_on_duplex(4096, options(), |mut io| async move {
            // Servers must not mask.
            let masked = common::frame(true, 0, Opcode::Text, Some([1, 2, 3, 4]), b"x");
            io.write_all(&masked).await.unwrap();
            let _ = frames_tx.send(read_frames_to_eof(&mut io).await);
        })
        .await;
        assert!(matches!(
            ws.next().await,
            Some(Err(layer::Error::Connection(ConnectionError::Protocol(
                ProtocolError::MaskedFrame
            ))))
        ));
        assert!(ws.next().await.is_none());
        let frames = frames_rx.await.unwrap();
        assert_eq!(last_close_code(&frames), Some(1002));
    })
    .await;
}

#[test]
fn streams_and_halves_can_move_between_tasks() {
    fn assert_send<T: Send>() {}
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send::<WebSocketStream<TcpStream>>();
    assert_send_sync::<rfc6455::tokio::ReadHalf<TcpStream>>();
    assert_send_sync::<rfc6455::tokio::WriteHalf<TcpStream>>();
    assert_send_sync::<layer::Error>();
}

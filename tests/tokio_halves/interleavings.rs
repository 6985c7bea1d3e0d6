//! Scripted interleavings of the two halves: each step polls one half or
//! moves the transport, then checks what was written and who was woken.

use std::pin::pin;
use std::task::Poll;

use bytes::Bytes;
use rfc6455::{CloseCode, CloseFrame, Event, Message, State};

use crate::mock::{Peer, Task, halves};

#[test]
fn a_send_goes_out_while_the_read_half_waits_for_input_and_input_wakes_only_the_reader() {
    let (transport, mut read, mut write) = halves(1 << 20, 0);
    let (reader, writer) = (Task::new(), Task::new());
    let mut peer = Peer::new();

    let mut next = pin!(read.next());
    assert!(reader.poll(next.as_mut()).is_pending());
    let mut send = pin!(write.send(Message::from("from the writer")));
    assert!(matches!(writer.poll(send.as_mut()), Poll::Ready(Ok(()))));
    let (events, _) = peer.read(&transport.take_written());
    assert_eq!(events, [Event::Message(Message::from("from the writer"))]);
    assert_eq!(
        reader.woken(),
        0,
        "a send changes nothing the reader waits on"
    );

    transport.deliver(peer.message(Message::from("to the reader")));
    assert_eq!((reader.woken(), writer.woken()), (1, 0));
    match reader.poll(next.as_mut()) {
        Poll::Ready(Some(Ok(message))) => assert_eq!(message, Message::from("to the reader")),
        other => panic!("expected the message, got {other:?}"),
    }
}

/// The writer waits on a transport that takes nothing; a ping arrives and
/// the reader queues its pong behind the writer's message. Both wait on
/// the same transport, which keeps one waker: when it drains, both are
/// woken, and whichever half is polled first writes the message, then the
/// pong.
fn a_ping_arrives_while_the_writer_is_blocked(reader_first: bool) {
    let (transport, mut read, mut write) = halves(0, 0);
    let (reader, writer) = (Task::new(), Task::new());
    let mut peer = Peer::new();
    let payload = Bytes::from(vec![7; 1000]);

    let mut send = pin!(write.send(Message::Binary(payload.clone())));
    assert!(writer.poll(send.as_mut()).is_pending());
    let mut next = pin!(read.next());
    assert!(reader.poll(next.as_mut()).is_pending());

    transport.deliver(peer.ping(b"are you there"));
    assert_eq!((reader.woken(), writer.woken()), (1, 0));
    assert!(
        reader.poll(next.as_mut()).is_pending(),
        "the pong cannot go out yet"
    );
    assert!(transport.take_written().is_empty());
    assert_eq!(writer.woken(), 0, "nothing the writer waits on moved");

    transport.make_room(1 << 20);
    assert_eq!(
        (reader.woken(), writer.woken()),
        (2, 1),
        "the drain wakes both"
    );
    if reader_first {
        assert!(reader.poll(next.as_mut()).is_pending());
        let (events, _) = peer.read(&transport.take_written());
        assert_eq!(
            events,
            [
                Event::Message(Message::Binary(payload.clone())),
                Event::Pong(Bytes::from_static(b"are you there")),
            ],
            "the reader's poll wrote the writer's message, then the pong"
        );
        assert!(matches!(writer.poll(send.as_mut()), Poll::Ready(Ok(()))));
        assert!(transport.take_written().is_empty());
    } else {
        assert!(matches!(writer.poll(send.as_mut()), Poll::Ready(Ok(()))));
        let (events, _) = peer.read(&transport.take_written());
        assert_eq!(
            events,
            [
                Event::Message(Message::Binary(payload.clone())),
                Event::Pong(Bytes::from_static(b"are you there")),
            ],
            "the writer's poll wrote its message, then the reader's pong"
        );
        assert!(reader.poll(next.as_mut()).is_pending());
        assert!(transport.take_written().is_empty());
    }
}

#[test]
fn a_pong_queued_while_the_writer_is_blocked_goes_out_with_the_writers_next_poll() {
    a_ping_arrives_while_the_writer_is_blocked(false);
}

#[test]
fn a_pong_queued_while_the_writer_is_blocked_goes_out_with_the_readers_next_poll() {
    a_ping_arrives_while_the_writer_is_blocked(true);
}

#[test]
fn reading_the_queued_length_changes_nothing_while_pongs_wait() {
    let (transport, mut read, write) = halves(0, 0);
    let reader = Task::new();
    let mut peer = Peer::new();
    transport.deliver(peer.ping(b"one"));
    {
        let mut next = pin!(read.next());
        assert!(reader.poll(next.as_mut()).is_pending());
    }
    // The first pong joined the output; a second waits behind it.
    let queued = write.queued_output();
    assert!(queued > 0);
    transport.deliver(peer.ping(b"two"));
    {
        let mut next = pin!(read.next());
        assert!(reader.poll(next.as_mut()).is_pending());
    }
    for _ in 0..3 {
        assert_eq!(
            write.queued_output(),
            queued,
            "the second pong stays waiting"
        );
        assert_eq!(read.queued_output(), queued);
    }
}

#[test]
fn a_close_from_the_writer_wakes_the_waiting_reader_and_ends_both_halves() {
    let (transport, mut read, mut write) = halves(1 << 20, 0);
    let (reader, writer) = (Task::new(), Task::new());
    let mut peer = Peer::new();

    let mut next = pin!(read.next());
    assert!(reader.poll(next.as_mut()).is_pending());
    let frame = CloseFrame::new(CloseCode::NORMAL, "bye");
    let mut close = pin!(write.close(Some(frame.clone())));
    assert!(
        writer.poll(close.as_mut()).is_pending(),
        "it waits for the reply"
    );
    assert_eq!(reader.woken(), 1, "queuing the close changed the state");
    // Woken, the reader polls again (a runtime would) and waits on input.
    assert!(reader.poll(next.as_mut()).is_pending());
    let (events, reply) = peer.read(&transport.take_written());
    assert_eq!(events, [Event::Close(Some(frame.clone()))]);

    transport.deliver(reply);
    assert_eq!(
        (reader.woken(), writer.woken()),
        (2, 1),
        "both wait on input"
    );
    assert!(matches!(writer.poll(close.as_mut()), Poll::Ready(Ok(()))));
    assert!(
        transport.is_shut_down(),
        "the server closes the transport first"
    );
    assert!(matches!(reader.poll(next.as_mut()), Poll::Ready(None)));
    assert!(transport.take_written().is_empty());
}

#[test]
fn both_halves_read_the_peers_close_frame_and_the_protocol_as_the_stream_does() {
    let (transport, mut read, write) = halves(1 << 20, 0);
    let reader = Task::new();
    assert_eq!(
        (read.protocol(), write.protocol()),
        (Some("chat"), Some("chat"))
    );
    assert_eq!((read.close_frame(), write.close_frame()), (None, None));

    let frame = CloseFrame::new(CloseCode::GOING_AWAY, "leaving");
    let mut client = crate::common::client(rfc6455::Config::default());
    client.close(Some(frame.clone())).unwrap();
    transport.deliver(client.take_output().to_vec());
    {
        let mut next = pin!(read.next());
        assert!(matches!(
            reader.poll(next.as_mut()),
            Poll::Pending | Poll::Ready(None)
        ));
    }
    assert_eq!(read.close_frame(), Some(&frame));
    assert_eq!(write.close_frame(), Some(&frame));
    assert_eq!(write.state(), State::Closed);
}

//! A panic under the halves' lock (here the transport's `poll_write`)
//! gives the connection up: the other half is woken and gets an error,
//! never a panic of its own.

use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::task::Poll;

use bytes::Bytes;
use rfc6455::layer;
use rfc6455::{Message, State};

use crate::mock::{Task, halves};

#[test]
fn a_panic_in_the_writers_poll_fails_the_connection_for_the_reader_without_a_panic() {
    let (transport, mut read, mut write) = halves(0, 0);
    let (reader, writer) = (Task::new(), Task::new());

    {
        let mut next = pin!(read.next());
        assert!(reader.poll(next.as_mut()).is_pending());
    }
    {
        let mut send = pin!(write.send(Message::Binary(Bytes::from(vec![1; 100]))));
        assert!(writer.poll(send.as_mut()).is_pending());
        transport.panic_on_write();
        transport.make_room(1 << 20);
        let panicked = catch_unwind(AssertUnwindSafe(|| writer.poll(send.as_mut())));
        assert!(
            panicked.is_err(),
            "the transport's panic reaches the writer's task"
        );
    }
    assert!(reader.woken() >= 1, "the reader hears of the panic");

    match reader.poll(pin!(read.next())) {
        Poll::Ready(Some(Err(layer::Error::Io(error)))) => {
            assert_eq!(error.kind(), io::ErrorKind::Other);
            assert!(error.to_string().contains("panicked"), "{error}");
        }
        other => panic!("expected the give-up error, got {other:?}"),
    }
    assert!(matches!(reader.poll(pin!(read.next())), Poll::Ready(None)));
    assert_eq!(write.state(), State::Failed);

    let mut send = pin!(write.send(Message::from("after")));
    assert!(matches!(writer.poll(send.as_mut()), Poll::Ready(Err(_))));
    assert!(
        transport.take_written().is_empty(),
        "nothing more is written"
    );
}

#[test]
fn halves_reunited_after_a_panic_are_a_failed_stream() {
    let (transport, read, mut write) = halves(0, 0);
    let writer = Task::new();
    {
        let mut send = pin!(write.send(Message::from("x")));
        assert!(writer.poll(send.as_mut()).is_pending());
        transport.panic_on_write();
        transport.make_room(1);
        assert!(catch_unwind(AssertUnwindSafe(|| writer.poll(send.as_mut()))).is_err());
    }
    let stream = read.reunite(write).expect("the halves are a pair");
    assert_eq!(stream.state(), State::Failed);
}

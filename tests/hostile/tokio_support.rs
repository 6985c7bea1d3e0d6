//! The tokio layer's echo server, on a current-thread runtime of its own.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use rfc6455::layer::{Answer, Upgrade};

use crate::support::{Ended, Report, Setup};

/// Accepts until `stop`, one task per connection; each reports how it
/// ended. Dropping the runtime at the end cancels what is left.
pub fn server(
    listener: TcpListener,
    setup: Setup,
    tx: mpsc::Sender<Report>,
    stop: Arc<AtomicBool>,
    open: Arc<AtomicUsize>,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        loop {
            let Ok((tcp, peer)) = listener.accept().await else {
                continue;
            };
            if stop.load(Ordering::SeqCst) {
                return;
            }
            let _ = tcp.set_nodelay(true);
            if let Some(size) = setup.send_buffer {
                socket2::SockRef::from(&tcp)
                    .set_send_buffer_size(size)
                    .unwrap();
            }
            let (setup, tx, open) = (setup.clone(), tx.clone(), open.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                let (ended, echoed) = echo(tcp, &setup, &open).await;
                let _ = tx.send(Report {
                    peer,
                    ended,
                    echoed,
                    lasted: started.elapsed(),
                });
            });
        }
    });
}

async fn echo(tcp: tokio::net::TcpStream, setup: &Setup, open: &AtomicUsize) -> (Ended, usize) {
    let upgrade = rfc6455::tokio::accept_with(tcp, setup.options.clone(), |_| Answer::accept());
    let mut ws = match upgrade.await {
        Ok(Upgrade::WebSocket(ws)) => ws,
        Ok(other) => panic!("not an upgrade: {other:?}"),
        Err(error) => return (Ended::Handshake(error), 0),
    };
    open.fetch_add(1, Ordering::SeqCst);
    let mut echoed = 0;
    let ended = loop {
        match ws.next().await {
            Some(Ok(message)) => {
                // `feed`: the echo waits only past the write limit (`send` would wait
                // until it is written); `next` writes it before it reads.
                let sent = match setup.send_timeout {
                    Some(limit) => match tokio::time::timeout(limit, ws.feed(message)).await {
                        Ok(sent) => sent,
                        Err(_) => {
                            break Ended::SendStalled {
                                queued: ws.queued_output(),
                            };
                        }
                    },
                    None => ws.feed(message).await,
                };
                match sent {
                    Ok(()) => echoed += 1,
                    Err(error) => break Ended::Failed(error),
                }
            }
            Some(Err(error)) => break Ended::Failed(error),
            None => break Ended::Clean(ws.close_frame().cloned()),
        }
    };
    open.fetch_sub(1, Ordering::SeqCst);
    (ended, echoed)
}

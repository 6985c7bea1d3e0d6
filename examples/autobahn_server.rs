//! Autobahn|Testsuite testee, server role, on the tokio layer: echoes every
//! text and binary message. `cargo run --release --features tokio,deflate
//! --example autobahn_server 127.0.0.1:9002`, then `wstest -m
//! fuzzingclient` (see tests/autobahn/run.sh).

mod support;

use rfc6455::tokio::{Answer, Error, ServerOptions, Upgrade};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9002".into());
    let listener = TcpListener::bind(&addr).await?;
    println!("autobahn testee server on ws://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            // A case may end in a protocol error on purpose: that is the test.
            if let Err(error) = echo(stream).await {
                eprintln!("connection ended: {error}");
            }
        });
    }
}

async fn echo(stream: TcpStream) -> Result<(), Error> {
    stream.set_nodelay(true)?;
    let options = ServerOptions::default().config(support::autobahn_config());
    let upgrade = rfc6455::tokio::accept_with(stream, options, |_| Answer::accept()).await?;
    let Upgrade::WebSocket(mut ws) = upgrade else {
        return Ok(());
    };
    while let Some(message) = ws.next().await {
        ws.send(message?).await?;
    }
    Ok(())
}

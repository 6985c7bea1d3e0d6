//! A line-oriented client on the tokio layer.
//!
//! `cargo run --features tokio --example echo_client URL [--protocol P]...
//! [--proxy URL]` connects, sends each line of standard input as a text message, prints
//! each message received on its own line, and closes with 1000 at the end of
//! input (after waiting up to 10 s for the echoes of what it sent). Exits as
//! soon as the connection ends, however it ends and whether or not standard
//! input is still open: 0 after a clean close, non-zero with a message
//! otherwise.
//!
//! `wss://` URLs need `--features tokio-rustls,rustls-ring,rustls-native-certs`
//! (or `rustls-aws-lc-rs`, `webpki-roots`); the server's certificate must
//! chain to a root of the platform, or of `SSL_CERT_FILE` (the demo
//! server's `--tls` prints the file to use). Without `--proxy`, the proxy
//! comes from the environment (`wss_proxy`, `https_proxy`, `ws_proxy`,
//! `http_proxy`, `all_proxy`, `no_proxy`).

use std::io;
use std::process::ExitCode;
use std::time::Duration;

use rfc6455::tokio::{ClientOptions, Error};
use rfc6455::{CloseCode, CloseFrame, Message};
use tokio::sync::mpsc;

/// How long to wait at the end of input for the echoes of what was sent.
const ECHO_WAIT: Duration = Duration::from_secs(10);

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("echo_client: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: echo_client URL [--protocol P]... [--proxy URL]")?;
    let mut options = ClientOptions::new(&url);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--protocol", Some(protocol)) => options = options.protocol(&protocol),
            ("--proxy", Some(proxy)) => options = options.proxy(&proxy),
            _ => return Err(format!("unexpected argument {arg}").into()),
        }
    }
    let (mut ws, _) = rfc6455::tokio::connect_with(options).await?;
    if let Some(protocol) = ws.protocol() {
        eprintln!("subprotocol: {protocol}");
    }
    let mut lines = stdin_lines();
    let (mut sent, mut received) = (0usize, 0usize);
    loop {
        tokio::select! {
            line = lines.recv() => match line.transpose()? {
                Some(line) => {
                    ws.send(Message::from(line)).await?;
                    sent += 1;
                }
                None => break,
            },
            message = ws.next() => match message {
                Some(message) => {
                    print(&message?);
                    received += 1;
                }
                None => return server_closed(ws.close_frame()),
            },
        }
    }
    // Data arriving after our close frame is discarded, so first wait
    // (bounded) for the echoes of what was sent.
    let echoes = async {
        while received < sent {
            match ws.next().await {
                Some(message) => {
                    print(&message?);
                    received += 1;
                }
                None => return Ok::<_, Error>(()),
            }
        }
        Ok(())
    };
    let _ = tokio::time::timeout(ECHO_WAIT, echoes).await;
    ws.close_with(CloseFrame::new(CloseCode::NORMAL, ""))
        .await?;
    Ok(())
}

/// Standard input's lines, read on a thread of its own. The process exits
/// when `main` returns even if that thread is blocked in a read; tokio's
/// `stdin` would keep it alive instead (the runtime waits for its blocking
/// read at shutdown), so a connection that ends while the user types
/// nothing would leave the program hanging.
fn stdin_lines() -> mpsc::Receiver<io::Result<String>> {
    let (lines, received) = mpsc::channel(16);
    std::thread::spawn(move || {
        for line in io::stdin().lines() {
            if lines.blocking_send(line).is_err() {
                break;
            }
        }
    });
    received
}

fn print(message: &Message) {
    match message {
        Message::Text(text) => println!("{text}"),
        Message::Binary(bytes) => println!("<{} binary bytes>", bytes.len()),
    }
}

/// The server closed first: fine with 1000, an error otherwise.
fn server_closed(frame: Option<&CloseFrame>) -> Result<(), Box<dyn std::error::Error>> {
    match frame {
        Some(frame) if frame.code != CloseCode::NORMAL => {
            Err(format!("server closed with {} {}", frame.code, frame.reason).into())
        }
        _ => Ok(()),
    }
}

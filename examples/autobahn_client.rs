//! Autobahn|Testsuite testee, client role, on the tokio layer.
//! `cargo run --release --features tokio,deflate --example autobahn_client
//! ws://127.0.0.1:9001 [AGENT]` against `wstest -m fuzzingserver`: asks for
//! the case count, runs every case echoing each message, then asks the suite
//! to write its reports.

mod support;

use rfc6455::Message;
use rfc6455::tokio::{ClientOptions, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "ws://127.0.0.1:9001".into());
    let agent = args.next().unwrap_or_else(|| "rfc6455".into());

    let count: u32 = match run(&format!("{base}/getCaseCount"), false)
        .await?
        .as_slice()
    {
        [Message::Text(text)] => text.as_str().trim().parse().unwrap_or(0),
        _ => 0,
    };
    println!("running {count} cases as {agent}");
    for case in 1..=count {
        // A case may end in a protocol error on purpose: that is the test.
        if let Err(error) = run(&format!("{base}/runCase?case={case}&agent={agent}"), true).await {
            println!("case {case}: {error}");
        }
    }
    run(&format!("{base}/updateReports?agent={agent}"), false).await?;
    Ok(())
}

/// Connects to `url` and reads (echoing each message if `echo`) until the
/// suite closes; returns what arrived.
async fn run(url: &str, echo: bool) -> Result<Vec<Message>, Error> {
    let options = ClientOptions::new(url).config(support::autobahn_config());
    let (mut ws, _) = rfc6455::tokio::connect_with(options).await?;
    let mut received = Vec::new();
    while let Some(message) = ws.next().await {
        let message = message?;
        if echo {
            ws.send(message.clone()).await?;
        }
        received.push(message);
    }
    Ok(received)
}

//! Autobahn|Testsuite testee, client role.
//! `cargo run --release --example autobahn_client ws://127.0.0.1:9001 [AGENT]`
//! against `wstest -m fuzzingserver`: asks for the case count, runs every
//! case echoing each message, then asks the suite to write its reports.

mod support;

use std::error::Error;

use rfc6455::handshake::ClientRequest;
use rfc6455::{Event, Message};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "ws://127.0.0.1:9001".into());
    let agent = args.next().unwrap_or_else(|| "rfc6455".into());

    let count = case_count(&base)?;
    println!("running {count} cases as {agent}");
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent}");
        // A case may end in a protocol error on purpose: that is the test.
        if let Err(error) = run_case(&url) {
            println!("case {case}: {error}");
        }
    }
    let url = format!("{base}/updateReports?agent={agent}");
    let (mut stream, mut conn, _) =
        support::connect(ClientRequest::new(&url)?, support::autobahn_config())?;
    support::run(&mut stream, &mut conn, |_, _| Ok(()))?;
    Ok(())
}

fn case_count(base: &str) -> Result<u32, Box<dyn Error>> {
    let url = format!("{base}/getCaseCount");
    let (mut stream, mut conn, _) =
        support::connect(ClientRequest::new(&url)?, support::autobahn_config())?;
    let mut count = None;
    support::run(&mut stream, &mut conn, |_, event| {
        if let Event::Message(Message::Text(text)) = event {
            count = text.as_str().trim().parse().ok();
        }
        Ok(())
    })?;
    count.ok_or_else(|| "the suite sent no case count".into())
}

fn run_case(url: &str) -> Result<(), Box<dyn Error>> {
    let (mut stream, mut conn, _) =
        support::connect(ClientRequest::new(url)?, support::autobahn_config())?;
    support::run(&mut stream, &mut conn, support::echo)
}

//! The `chat` example as a program: rooms kept apart, every member of a room
//! gets each message, and SIGTERM closes every connection with 1001 before
//! the process exits.
#![cfg(feature = "axum")]

use crate::examples;
#[path = "../common/rooms.rs"]
mod rooms;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

use examples::{Running, program};
use rfc6455::{CloseCode, Message};
use rooms::{join, read_until};
use tokio::time::timeout;

#[test]
fn chat_rooms_relay_to_their_members_and_shutdown_closes_each_with_1001() {
    let mut child = Command::new(program("chat"))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    stdout.read_line(&mut banner).unwrap();
    let addr = banner
        .trim()
        .strip_prefix("chat rooms on ws://")
        .and_then(|rest| rest.strip_suffix("/rooms/{name}"))
        .unwrap_or_else(|| panic!("unexpected banner {banner:?}"))
        .to_owned();
    let mut running = Running(child);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        timeout(Duration::from_secs(30), async {
            let mut a = Vec::new();
            for name in ["a0", "a1", "a2"] {
                a.push(join(&addr, "a", name).await);
            }
            let mut b = Vec::new();
            for name in ["b0", "b1"] {
                b.push(join(&addr, "b", name).await);
            }

            a[1].send(Message::from("to room a")).await.unwrap();
            for ws in &mut a {
                read_until(ws, "to room a").await;
            }
            // Sent after room a had its message: had b been sent it too, it
            // would come first.
            b[0].send(Message::from("to room b")).await.unwrap();
            for ws in &mut b {
                let before = read_until(ws, "to room b").await;
                assert!(!before.contains(&Message::from("to room a")), "{before:?}");
            }

            let pid = running.0.id().to_string();
            let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
            assert!(killed.success());
            for ws in a.iter_mut().chain(&mut b) {
                // Messages still on the way are skipped; then the close.
                while let Some(message) = ws.next().await {
                    message.unwrap();
                }
                let frame = ws.close_frame().expect("a close frame");
                assert_eq!(frame.code, CloseCode::GOING_AWAY);
                assert_eq!(frame.reason, "server shutting down");
            }
        })
        .await
        .expect("the chat test within 30 s");
    });

    let status = running.0.wait().unwrap();
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(
        rest,
        "shutting down: closing 5 connections with 1001\nevery connection closed\n"
    );
}

//! Two fanout processes and one Redis (Debian's `redis-server`, started
//! here on a free 127.0.0.1 port): a room spans both processes, rooms stay
//! apart, and killing one process leaves the other's clients served.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rfc6455::Message;
use tokio::time::timeout;

#[path = "../../../tests/common/rooms.rs"]
mod rooms;
use rooms::{Client, join, read_until};

/// A child process killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_redis() -> (Running, String) {
    let port = free_port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server (Debian package redis-server) on PATH");
    let redis = Running(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "redis-server did not listen"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (redis, format!("redis://127.0.0.1:{port}/"))
}

/// Starts a fanout process; its address, from its banner (printed once it
/// is subscribed to Redis).
fn start_fanout(redis: &str) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rfc6455-fanout"))
        .args(["127.0.0.1:0", redis])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    let addr = banner
        .trim()
        .strip_prefix("fanout on ws://")
        .and_then(|rest| rest.strip_suffix("/rooms/{name}"))
        .unwrap_or_else(|| panic!("unexpected banner {banner:?}"))
        .to_owned();
    (Running(child), addr)
}

fn is_hello(message: &Message) -> bool {
    message
        .as_text()
        .is_some_and(|text| text.ends_with(" joined"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_spans_processes_and_survives_one_of_them_dying() {
    let (_redis, redis_url) = start_redis();
    let (mut first, first_addr) = start_fanout(&redis_url);
    let (_second, second_addr) = start_fanout(&redis_url);
    timeout(Duration::from_secs(60), async {
        let mut on_first = Vec::new();
        for name in ["f0", "f1", "f2"] {
            on_first.push(join(&first_addr, "lobby", name).await);
        }
        let mut on_second = Vec::new();
        for name in ["s0", "s1", "s2"] {
            on_second.push(join(&second_addr, "lobby", name).await);
        }
        let mut elsewhere = join(&second_addr, "other", "o0").await;

        for (from, text) in [(0, "from the first"), (3, "from the second")] {
            let mut lobby: Vec<&mut Client> = on_first.iter_mut().chain(&mut on_second).collect();
            lobby[from].send(Message::from(text)).await.unwrap();
            for ws in lobby {
                // Before it, only the hellos of those who joined later.
                let before = read_until(ws, text).await;
                assert!(before.iter().all(is_hello), "{before:?}");
            }
        }
        println!("fanout: 6 lobby members on 2 processes each got both processes' messages");

        let killed_at = Instant::now();
        first.0.kill().unwrap();
        first.0.wait().unwrap();
        for ws in &mut on_first {
            // Its process is gone: the connection ends (no close frame).
            while let Some(Ok(_)) = ws.next().await {}
            assert!(ws.close_frame().is_none());
        }
        on_second[1]
            .send(Message::from("after the first died"))
            .await
            .unwrap();
        for ws in &mut on_second {
            assert_eq!(read_until(ws, "after the first died").await, []);
        }
        println!(
            "fanout: first process killed; its 3 clients cut, the second's 3 served {:?} later",
            killed_at.elapsed()
        );

        // Nothing from the lobby reached the other room.
        elsewhere
            .send(Message::from("in the other room"))
            .await
            .unwrap();
        let before = read_until(&mut elsewhere, "in the other room").await;
        assert_eq!(before, [], "the lobby leaked into another room");
        for ws in on_second.iter_mut().chain([&mut elsewhere]) {
            ws.close().await.unwrap();
        }
    })
    .await
    .expect("the fanout test within 60 s");
}

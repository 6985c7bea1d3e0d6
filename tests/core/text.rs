//! Text as users write it: a received `Utf8Bytes` reads, compares, hashes
//! and converts as a `str` does, and a `Message` says whether it is text.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};

use proptest::prelude::*;
use rfc6455::bytes::Bytes;
use rfc6455::{Config, Connection, Event, Message, Utf8Bytes};

/// `text` sent by a client and received by a server, as a message.
fn received(message: Message) -> Message {
    let mut client = Connection::client(Config::default());
    let mut server = Connection::server(Config::default());
    client.send(message).unwrap();
    server.receive(&client.take_output());
    match server.next_event().unwrap() {
        Some(Event::Message(message)) => message,
        other => panic!("expected a message, got {other:?}"),
    }
}

fn received_text(text: &str) -> Utf8Bytes {
    match received(Message::from(text)) {
        Message::Text(text) => text,
        other => panic!("expected text, got {other:?}"),
    }
}

fn takes_str(text: &str) -> usize {
    text.len()
}

#[test]
fn received_text_reads_as_a_str() {
    let text = received_text("42");
    assert_eq!(text.parse::<u32>(), Ok(42));
    let answer = match &*text {
        "42" => "the answer",
        _ => "something else",
    };
    assert_eq!(answer, "the answer");
    assert_eq!(takes_str(&text), 2);
    assert_eq!(AsRef::<str>::as_ref(&text), "42");
    assert_eq!(AsRef::<[u8]>::as_ref(&text), b"42");

    let lines = received_text("first\nsecond\r\nthird");
    assert_eq!(
        lines.lines().collect::<Vec<_>>(),
        ["first", "second", "third"]
    );
    assert!(lines.starts_with("first"));
    assert_eq!(lines.find('s'), Some(3));
}

#[test]
fn text_compares_with_str_and_string_either_way_round() {
    let text = received_text("héllo");
    let owned = String::from("héllo");
    assert!(text == "héllo");
    assert!("héllo" == text);
    assert!(text == *"héllo");
    assert!(*"héllo" == text);
    assert!(text == owned);
    assert!(owned == text);
    assert!(text != "hello");
    assert!("hello" != text);
    let other = String::from("hello");
    assert!(other != text);
    assert!(text != other);
}

#[test]
fn a_map_keyed_by_text_is_looked_up_with_a_str() {
    let mut counts: HashMap<Utf8Bytes, u32> = HashMap::new();
    for word in ["lobby", "games", "lobby"] {
        *counts.entry(received_text(word)).or_default() += 1;
    }
    assert_eq!(counts.get("lobby"), Some(&2));
    assert_eq!(counts.get("games"), Some(&1));
    assert_eq!(counts.get("lobb"), None);
    assert!(counts.contains_key(&*String::from("games")));

    let ordered: BTreeMap<Utf8Bytes, u32> = counts.into_iter().collect();
    assert_eq!(ordered.get("games"), Some(&1));
    assert_eq!(ordered.keys().next().map(|key| &**key), Some("games"));
}

#[test]
fn message_as_text_is_some_for_text_only() {
    let message = received(Message::from("7 apples"));
    assert_eq!(message.as_text(), Some("7 apples"));
    assert_eq!(message.as_binary(), None);
    assert!(message.is_text() && !message.is_binary());
    assert_eq!(message.len(), 8);
    assert!(!message.is_empty());

    // Binary whose bytes are UTF-8 is still not text: the peer said so.
    let message = received(Message::from(b"7 apples".to_vec()));
    assert_eq!(message.as_text(), None);
    assert_eq!(message.as_binary(), Some(&b"7 apples"[..]));
    assert!(message.is_binary() && !message.is_text());
    assert_eq!(message.as_bytes(), b"7 apples");

    assert!(received(Message::from("")).is_empty());
}

#[test]
fn message_into_text_and_into_binary_keep_the_payload() {
    let text = received(Message::from("bonjour")).into_text().unwrap();
    assert_eq!(text, "bonjour");
    assert_eq!(Message::from(text).as_text(), Some("bonjour"));
    assert_eq!(received(Message::from("bonjour")).into_binary(), None);

    let binary = received(Message::from(vec![1, 2, 3]))
        .into_binary()
        .unwrap();
    assert_eq!(binary, Bytes::from_static(&[1, 2, 3]));
    assert_eq!(received(Message::from(vec![1, 2, 3])).into_text(), None);
}

#[test]
fn text_into_string_copies_and_leaves_clones_alone() {
    let text = received_text("shared");
    let clone = text.clone();
    let back = String::from(text);
    assert_eq!(back, "shared");
    assert_eq!(clone, "shared");
    assert_eq!(String::from(Utf8Bytes::from_static("static")), "static");
    assert_eq!(String::from(Utf8Bytes::new()), "");
}

#[test]
fn received_text_into_string_and_bytes() {
    let text = received_text("über");
    assert_eq!(String::from(text.clone()), "über");
    assert_eq!(Bytes::from(text), Bytes::from("über".as_bytes()));
}

proptest! {
    /// What `Borrow<str>` promises: equal, ordered and hashed as the `str`.
    #[test]
    fn text_hashes_compares_and_orders_as_its_str(a in ".{0,12}", b in ".{0,12}") {
        let (text_a, text_b) = (Utf8Bytes::from(a.as_str()), Utf8Bytes::from(b.as_str()));
        let hasher = RandomState::new();
        prop_assert_eq!(hasher.hash_one(&text_a), hasher.hash_one(a.as_str()));
        prop_assert_eq!(text_a == text_b, a == b);
        prop_assert_eq!(text_a.cmp(&text_b), a.as_str().cmp(b.as_str()));
        prop_assert_eq!(text_a.partial_cmp(&text_b), a.as_str().partial_cmp(b.as_str()));
    }
}

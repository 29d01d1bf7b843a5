//! The whole node fed what peers may send: the input is a sequence of
//! payloads separated by zero bytes, each from one of three peers (its
//! first byte), decoded and handled exactly as the shell does, the clock
//! advancing a second per message. Never a panic, and the node's best chain
//! stays valid.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tabcoin_chain::Timestamp;
use tabcoin_fuzz::{NOW, store, wallet};
use tabcoin_node::{Event, Message, Node};
use tabcoin_protocol::Payload;

fuzz_target!(|data: &[u8]| {
    let mut node = Node::new(store(), wallet(5));
    let mut now = NOW;
    let _ = node.handle(
        Event::Connected {
            peers: vec![1, 2, 3],
        },
        now,
    );
    for frame in data.split(|&b| b == 0).take(64) {
        let Some((&who, rest)) = frame.split_first() else {
            continue;
        };
        let from = u64::from(who % 3) + 1;
        let Ok(text) = std::str::from_utf8(rest) else {
            continue;
        };
        let event = match serde_json::from_str::<Payload>(text) {
            Ok(payload) => match Message::decode(&payload) {
                Ok(msg) => Event::Message { from, msg },
                Err(error) => Event::Undecodable { from, error },
            },
            Err(_) => continue,
        };
        now = Timestamp(now.0 + 1_000);
        let _ = node.handle(event, now);
    }
    let store = node.store();
    let blocks: Vec<_> = store.main_chain().cloned().collect();
    tabcoin_chain::Store::from_blocks(store.params().clone(), blocks, now)
        .expect("the node's best chain is valid");
});

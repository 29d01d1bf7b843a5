//! Relay integration tests: real WebSocket clients on 127.0.0.1 (port 0).

mod common;

use common::*;
use futures_util::SinkExt;
use std::collections::BTreeSet;

use tabcoin_protocol::refusal::Refusal;
use tabcoin_protocol::{ClientFrame, Payload, PeerId, RelayFrame, encode};
use tabcoin_relay::Config;
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test]
async fn broadcast_reaches_the_others_and_not_the_sender() {
    let relay = start(Config::default()).await;
    let url = relay.ws_url();
    let mut a = connect(&url, "r").await;
    let mut b = connect(&url, "r").await;
    let mut c = connect(&url, "r").await;
    broadcast(&mut a, ping_msg()).await;
    assert_eq!(next_delivery(&mut b.ws).await, Some((a.id, ping_msg())));
    assert_eq!(next_delivery(&mut c.ws).await, Some((a.id, ping_msg())));
    assert_eq!(
        next_delivery(&mut a.ws).await,
        None,
        "the sender must not get its own message"
    );
}

#[tokio::test]
async fn messages_the_relay_does_not_know_are_forwarded_byte_for_byte() {
    let relay = start(Config::default()).await;
    let url = relay.ws_url();
    let mut a = connect(&url, "r").await;
    let mut b = connect(&url, "r").await;
    // Not a message of today's nodes, with an odd number in it: the relay
    // neither decodes it nor re-encodes it.
    let text = r#"{"type":"broadcast","msg":{"type":"from_the_future","x":1.50,"list":[ 1 ]}}"#;
    a.ws.send(WsMessage::Text(text.into())).await.expect("send");
    let (from, msg) = next_delivery(&mut b.ws).await.expect("delivered");
    assert_eq!(from, a.id);
    assert_eq!(
        msg.as_str(),
        r#"{"type":"from_the_future","x":1.50,"list":[ 1 ]}"#
    );
}

#[tokio::test]
async fn welcome_lists_peers_and_joins_and_leaves_are_announced() {
    let relay = start(Config::default()).await;
    let url = relay.ws_url();
    let mut a = connect(&url, "r").await;
    assert!(a.peers.is_empty());
    // The others hear of a tab once it has stayed a moment.
    tokio::time::sleep(Config::default().announce_after * 3 / 2).await;
    let b = connect(&url, "r").await;
    assert_eq!(b.peers, vec![a.id]);
    heard_join_and_leave(&mut a, b).await;
}

/// `a` hears `b` join once it is announced, then leave when it closes.
async fn heard_join_and_leave(a: &mut Client, b: Client) {
    assert_eq!(
        next_frame(&mut a.ws).await,
        Some(RelayFrame::PeerJoined { peer: b.id })
    );
    let b_id = b.id;
    drop(b);
    assert_eq!(
        next_frame(&mut a.ws).await,
        Some(RelayFrame::PeerLeft { peer: b_id })
    );
}

#[tokio::test]
async fn a_tab_that_leaves_before_it_is_announced_costs_the_others_nothing() {
    let relay = start(Config {
        key_work: 4,
        ..Config::default()
    })
    .await;
    let url = relay.ws_url();
    let mut a = connect(&url, "r").await;
    tokio::time::sleep(Config::default().announce_after * 3 / 2).await;
    // Twenty tabs come and go, each within the moment before it would be
    // announced: A hears nothing of them, and no sample names one.
    for _ in 0..20 {
        let tab = connect(&url, "r").await;
        assert_eq!(tab.peers, vec![a.id], "the newcomer is told of A at once");
        send(&mut a, &ClientFrame::Sample { max: 8 }).await;
        assert_eq!(
            next_frame(&mut a.ws).await,
            Some(RelayFrame::Sample { peers: vec![] }),
            "a tab not yet announced is in no sample"
        );
        drop(tab);
    }
    assert_eq!(next_frame(&mut a.ws).await, None, "not a frame for A");
    // One that stays is announced, and its leaving too.
    let b = connect(&url, "r").await;
    heard_join_and_leave(&mut a, b).await;
}

#[tokio::test]
async fn rooms_isolate_networks() {
    let relay = start(Config::default()).await;
    let url = relay.ws_url();
    let mut a = connect(&url, "one").await;
    let mut b = connect(&url, "one").await;
    let mut other = connect(&url, "two").await;
    broadcast(&mut a, ping_msg()).await;
    assert_eq!(next_delivery(&mut b.ws).await, Some((a.id, ping_msg())));
    assert_eq!(next_delivery(&mut other.ws).await, None);
}

#[tokio::test]
async fn direct_messages_reach_only_their_target() {
    let relay = start(Config::default()).await;
    let url = relay.ws_url();
    let mut a = connect(&url, "r").await;
    let mut b = connect(&url, "r").await;
    let mut c = connect(&url, "r").await;
    send(
        &mut a,
        &ClientFrame::Direct {
            to: c.id,
            msg: ping_msg(),
        },
    )
    .await;
    assert_eq!(next_delivery(&mut c.ws).await, Some((a.id, ping_msg())));
    assert_eq!(next_delivery(&mut b.ws).await, None);
}

#[tokio::test]
async fn malformed_and_oversize_frames_drop_only_the_offender() {
    let relay = start(Config {
        max_frame_bytes: 4096,
        // Announced at once: an offender hears nothing before its refusal.
        announce_after: std::time::Duration::ZERO,
        ..Config::default()
    })
    .await;
    let url = relay.ws_url();
    let mut good = connect(&url, "r").await;
    let mut other = connect(&url, "r").await;
    let oversize = tabcoin_protocol::encode(&ClientFrame::Broadcast { msg: sized_msg(64) });
    assert!(oversize.len() > 4000 && oversize.len() < 8000);
    for bad in [
        "{not json".to_owned(),
        oversize,
        "{\"type\":\"broadcast\"}".to_owned(),
        "{\"type\":\"broadcast\",\"msg\":[1]}".to_owned(),
    ] {
        let mut offender = connect(&url, "r").await;
        offender
            .ws
            .send(WsMessage::Text(bad.into()))
            .await
            .expect("send");
        match next_frame(&mut offender.ws).await {
            Some(RelayFrame::Error { code, reason }) => {
                assert_eq!(code, "bad_frame");
                assert!(!reason.is_empty());
            }
            other => panic!("expected an Error frame, got {other:?}"),
        }
        assert_eq!(
            next_frame(&mut offender.ws).await,
            None,
            "offender is disconnected"
        );
    }
    broadcast(&mut good, ping_msg()).await;
    assert_eq!(
        next_delivery(&mut other.ws).await,
        Some((good.id, ping_msg()))
    );
    assert!(relay.stats().await.drops >= 3);
}

#[tokio::test]
async fn a_flooding_tab_is_dropped_and_the_others_keep_talking() {
    let relay = start(Config {
        rate: 20,
        burst: 20,
        ..Config::default()
    })
    .await;
    let url = relay.ws_url();
    let mut flooder = connect(&url, "r").await;
    let mut a = connect(&url, "r").await;
    let mut b = connect(&url, "r").await;
    for _ in 0..100 {
        if flooder
            .ws
            .send(WsMessage::Text(
                tabcoin_protocol::encode(&ClientFrame::Broadcast { msg: ping_msg() }).into(),
            ))
            .await
            .is_err()
        {
            break;
        }
    }
    let mut saw_error = false;
    while let Some(frame) = next_frame(&mut flooder.ws).await {
        if let RelayFrame::Error { code, reason } = frame {
            assert_eq!(code, "flooding");
            assert!(reason.contains("frames per second"), "{reason}");
            saw_error = true;
        }
    }
    assert!(saw_error, "the flooder was told why");
    let got = drain(&mut a.ws).await;
    assert!(
        got.len() <= 21,
        "the relay stopped forwarding the flood ({} delivered)",
        got.len()
    );
    broadcast(&mut b, ping_msg()).await;
    assert_eq!(next_delivery(&mut a.ws).await, Some((b.id, ping_msg())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_is_dropped_without_holding_up_the_others() {
    let relay = start(Config {
        queue_len: 256,
        rate: 100_000,
        burst: 256,
        slow_reader: std::time::Duration::from_millis(300),
        ..Config::default()
    })
    .await;
    let url = relay.ws_url();
    let mut sender = connect(&url, "r").await;
    let mut fast = connect(&url, "r").await;
    let mut slow = connect(&url, "r").await;
    // 4 KB frames, 13 MB in all: the slow client's socket buffers fill, then
    // its queue.
    let count = 3000;
    let reader = tokio::spawn(async move {
        let mut n = 0;
        while next_delivery(&mut fast.ws).await.is_some() {
            n += 1;
        }
        n
    });
    for i in 0..count {
        broadcast(&mut sender, sized_msg(64)).await;
        // Paced like a busy network, not a flood: a reader that keeps up
        // never has more than a few frames queued.
        if i % 4 == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }
    assert_eq!(
        reader.await.unwrap_or_default(),
        count,
        "the fast reader got everything"
    );
    let mut slow_got = 0;
    while next_delivery(&mut slow.ws).await.is_some() {
        slow_got += 1;
    }
    assert!(
        slow_got < count,
        "the slow reader was cut off ({slow_got} of {count})"
    );
    let stats = relay.stats().await;
    assert!(stats.drops >= 1, "the slow reader was dropped");
    assert!(
        stats.frames_dropped >= 1,
        "frames were dropped for it first"
    );
}

/// Five tabs flooding broadcasts at a busy room: the tabs that read at a
/// normal pace see their queues overflow, but it is the flooders who are
/// dropped; the others stay connected and keep talking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flooders_are_dropped_not_the_tabs_they_flood() {
    let relay = start(Config {
        queue_len: 64,
        rate: 100_000,
        burst: 64,
        overflow_budget: 8,
        ..Config::default()
    })
    .await;
    let url = relay.ws_url();
    let mut honest = Vec::new();
    for _ in 0..3 {
        honest.push(connect(&url, "r").await);
    }
    let mut flooders = Vec::new();
    for _ in 0..5 {
        flooders.push(connect(&url, "r").await);
    }
    // The honest tabs read, but a frame takes them a millisecond.
    let readers: Vec<_> = honest
        .drain(1..)
        .map(|mut c| {
            tokio::spawn(async move {
                let mut last = None;
                while let Some(d) = next_delivery(&mut c.ws).await {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                    last = Some(d);
                }
                last
            })
        })
        .collect();
    let flood: Vec<_> = flooders
        .into_iter()
        .map(|c| {
            tokio::spawn(async move {
                // A flooder reads what it is sent (so only its own sending
                // slows it) and broadcasts as fast as it can.
                let (mut sink, mut stream) = futures_util::StreamExt::split(c.ws);
                let drain = tokio::spawn(async move {
                    while let Some(Ok(_)) = futures_util::StreamExt::next(&mut stream).await {}
                });
                for _ in 0..1500 {
                    let frame =
                        tabcoin_protocol::encode(&ClientFrame::Broadcast { msg: sized_msg(8) });
                    if sink.send(WsMessage::Text(frame.into())).await.is_err() {
                        break;
                    }
                }
                // Dropped by the relay, its reading side ends too.
                let _ = tokio::time::timeout(std::time::Duration::from_secs(5), drain).await;
            })
        })
        .collect();
    for f in flood {
        let _ = f.await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // The first honest tab speaks last: the others still hear it.
    broadcast(&mut honest[0], ping_msg()).await;
    for r in readers {
        let last = r.await.unwrap_or_default();
        assert_eq!(
            last,
            Some((honest[0].id, ping_msg())),
            "an honest tab was cut off"
        );
    }
    let stats = relay.stats().await;
    assert!(
        stats.drops >= 5,
        "the five flooders were dropped: {stats:?}"
    );
}

/// A flooder's address cannot come straight back with a fresh connection
/// (its tab already connected stays), nor open connections faster than
/// allowed.
#[tokio::test]
async fn a_flooders_address_cools_down_and_connections_are_rate_limited() {
    let relay = start(Config {
        rate: 20,
        burst: 20,
        connect_burst: 4,
        connects_per_minute: 60,
        misbehaviour_cooldown: std::time::Duration::from_millis(1_500),
        ..Config::default()
    })
    .await;
    let url = relay.ws_url();
    let mut stays = connect(&url, "r").await;
    let mut flooder = connect(&url, "r").await;
    let frame = tabcoin_protocol::encode(&ClientFrame::Broadcast { msg: ping_msg() });
    for _ in 0..100 {
        if flooder
            .ws
            .send(WsMessage::Text(frame.clone().into()))
            .await
            .is_err()
        {
            break;
        }
    }
    while next_frame(&mut flooder.ws).await.is_some() {}
    let refused = tokio_tungstenite::connect_async(format!("{url}?room=r")).await;
    assert!(refused.is_err(), "no new connection while cooling down");
    let _ = drain(&mut stays.ws).await;
    tokio::time::sleep(std::time::Duration::from_millis(1_600)).await;
    let mut other = connect(&url, "r").await;
    broadcast(&mut other, ping_msg()).await;
    assert_eq!(
        next_delivery(&mut stays.ws).await,
        Some((other.id, ping_msg())),
        "the tab already connected stayed"
    );
    // The burst of four (two more refilled meanwhile at one a second) is
    // soon spent: connecting at once again is too fast.
    let mut opened = Vec::new();
    for _ in 0..10 {
        match tokio_tungstenite::connect_async(format!("{url}?room=r")).await {
            Ok(conn) => opened.push(conn),
            Err(_) => break,
        }
    }
    assert!(
        opened.len() < 4,
        "{} more connections at once",
        opened.len()
    );
}

/// Joins `room` from `from` as a new tab: the welcome, or the code that
/// refused it.
async fn join_from(url: &str, room: &str, from: [u8; 4]) -> Result<Client, String> {
    match connect_from(url, room, from.into(), &mut identity()).await {
        Ok(client) => Ok(client),
        Err(Some(RelayFrame::Error { code, .. })) => Err(code),
        Err(other) => Err(format!("{other:?}")),
    }
}

/// The code of the refusal `tab` was sent (None: it was not).
async fn refusal_code(tab: &mut Client) -> Option<String> {
    loop {
        match next_frame(&mut tab.ws).await? {
            RelayFrame::Error { code, .. } => return Some(code),
            _ => continue,
        }
    }
}

#[tokio::test]
async fn a_full_relay_makes_the_address_holding_most_give_way_not_the_newcomer() {
    let relay = start(Config {
        max_peers: 3,
        key_work: 4,
        ..Config::default()
    })
    .await;
    let url = relay.ws_url();
    let mut a1 = join_from(&url, "r", [127, 3, 0, 1]).await.expect("a1");
    let mut a2 = join_from(&url, "s", [127, 3, 0, 1]).await.expect("a2");
    let mut b = join_from(&url, "r", [127, 4, 0, 1]).await.expect("b");
    let _c = join_from(&url, "r", [127, 5, 0, 1])
        .await
        .expect("a newcomer from elsewhere gets in");
    assert_eq!(
        refusal_code(&mut a2).await.as_deref(),
        Some("gave_way"),
        "the newest tab of the address holding two places gave way, told why"
    );
    assert_eq!(
        join_from(&url, "r", [127, 3, 0, 1]).await.err().as_deref(),
        Some("relay_full"),
        "its address holds as many as any other now: it is refused"
    );
    broadcast(&mut b, ping_msg()).await;
    assert_eq!(
        next_delivery(&mut a1.ws).await,
        Some((b.id, ping_msg())),
        "the older tab of that address stayed"
    );
    assert_eq!(relay.stats().await.displaced, 1);
}

#[tokio::test]
async fn one_address_cannot_take_every_slot_and_a_full_room_refuses_more() {
    let relay = start(Config {
        max_peers_per_address: 3,
        max_peers_per_room: 2,
        ..Config::default()
    })
    .await;
    let url = relay.ws_url();
    let _a = connect(&url, "one").await;
    let _b = connect(&url, "one").await;
    assert_eq!(
        join_from(&url, "one", [127, 0, 0, 1])
            .await
            .err()
            .as_deref(),
        Some("room_full"),
        "the room is full, of this address's tabs"
    );
    let c = connect(&url, "two").await;
    let refused = |room: &str| tokio_tungstenite::connect_async(format!("{url}?room={room}"));
    assert!(
        refused("three").await.is_err(),
        "the address has all it may"
    );
    // A tab that leaves gives its address's slot back.
    drop(c);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let _d = connect(&url, "three").await;
}

#[tokio::test]
async fn sybils_filling_a_room_give_way_to_every_honest_newcomer() {
    let relay = start(Config {
        max_peers_per_room: 20,
        max_peers_per_address: 8,
        // What keys cost is tested apart; here, many tabs join.
        key_work: 4,
        ..Config::default()
    })
    .await;
    let url = relay.ws_url();
    let mut honest = Vec::new();
    for i in 0..3u8 {
        honest.push(
            join_from(&url, "r", [127, 10 + i, 0, 1])
                .await
                .expect("honest"),
        );
    }
    // Four subnets of two addresses, each address as many tabs as it may:
    // 64 tries for 17 places.
    let mut sybils = Vec::new();
    for net in 0..4u8 {
        for host in 1..=2u8 {
            for _ in 0..8 {
                if let Ok(tab) = join_from(&url, "r", [127, 20 + net, 0, host]).await {
                    sybils.push(tab);
                }
            }
        }
    }
    assert_eq!(relay.stats().await.peers, 20, "the room is full");
    // Honest newcomers, each from an address of its own, all get in.
    for i in 0..5u8 {
        let tab = join_from(&url, "r", [127, 30 + i, 0, 1]).await;
        assert!(tab.is_ok(), "honest newcomer {i}: {:?}", tab.err());
        honest.push(tab.expect("in"));
    }
    // Every honest tab is still there: one of them broadcasts, every other
    // hears it.
    let (first, rest) = honest.split_first_mut().expect("tabs");
    broadcast(first, ping_msg()).await;
    for tab in rest {
        assert_eq!(
            next_delivery(&mut tab.ws).await,
            Some((first.id, ping_msg()))
        );
    }
    let stats = relay.stats().await;
    assert_eq!(stats.peers, 20);
    assert!(stats.displaced >= 5, "sybils gave way: {}", stats.displaced);
}

#[tokio::test]
async fn stats_count_peers_rooms_and_messages() {
    let relay = start(Config::default()).await;
    let url = relay.ws_url();
    let mut a = connect(&url, "one").await;
    let mut b = connect(&url, "one").await;
    let _c = connect(&url, "two").await;
    broadcast(&mut a, ping_msg()).await;
    assert!(next_delivery(&mut b.ws).await.is_some());
    let stats = relay.stats().await;
    assert_eq!((stats.peers, stats.rooms, stats.links), (3, 2, 0));
    assert_eq!(stats.messages_in, 1);
    assert!(stats.messages_out >= 1);
    assert!(
        stats.bytes_out > ping_msg().len() as u64,
        "the delivery and the welcomes"
    );
    assert_eq!(stats.chain_bytes, ping_msg().len() as u64);
    assert_eq!(stats.signal_bytes, 0);
    // A tab's link offer to another counts as signalling.
    let offer: Payload = serde_json::from_str(r#"{"type":"link_offer","sdp":"v=0"}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    send(
        &mut b,
        &ClientFrame::Direct {
            to: a.id,
            msg: offer.clone(),
        },
    )
    .await;
    assert_eq!(next_delivery(&mut a.ws).await, Some((b.id, offer.clone())));
    let stats = relay.stats().await;
    assert_eq!(stats.signal_bytes, offer.len() as u64);
    assert_eq!(stats.chain_bytes, ping_msg().len() as u64);
}

#[tokio::test]
async fn broadcasts_between_linked_tabs_are_left_to_their_links() {
    let relay = start(Config::default()).await;
    let url = relay.ws_url();
    let mut a = connect(&url, "r").await;
    let mut b = connect(&url, "r").await;
    let mut plain = connect(&url, "r").await;
    for tab in [&mut a, &mut b] {
        send(tab, &ClientFrame::Linked { linked: true }).await;
    }
    // A linked tab's broadcast reaches only the tab without links.
    broadcast(&mut a, ping_msg()).await;
    assert_eq!(next_delivery(&mut plain.ws).await, Some((a.id, ping_msg())));
    assert_eq!(next_delivery(&mut b.ws).await, None);
    // The unlinked tab's broadcast reaches everyone; direct messages too.
    broadcast(&mut plain, ping_msg()).await;
    assert_eq!(next_delivery(&mut a.ws).await, Some((plain.id, ping_msg())));
    assert_eq!(next_delivery(&mut b.ws).await, Some((plain.id, ping_msg())));
    send(
        &mut a,
        &ClientFrame::Direct {
            to: b.id,
            msg: ping_msg(),
        },
    )
    .await;
    assert_eq!(next_delivery(&mut b.ws).await, Some((a.id, ping_msg())));
    // Unlinked again: its broadcasts reach everyone.
    send(&mut b, &ClientFrame::Linked { linked: false }).await;
    broadcast(&mut a, ping_msg()).await;
    assert_eq!(next_delivery(&mut b.ws).await, Some((a.id, ping_msg())));
}

/// The next `sample` frame, skipping join and leave notices.
async fn next_sample(ws: &mut Ws) -> Vec<PeerId> {
    loop {
        match next_frame(ws).await {
            Some(RelayFrame::Sample { peers }) => return peers,
            Some(RelayFrame::PeerJoined { .. } | RelayFrame::PeerLeft { .. }) => continue,
            other => panic!("expected a sample, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_sample_names_random_tabs_of_the_room_other_than_the_asker() {
    let relay = start(Config::default()).await;
    let url = relay.ws_url();
    let mut a = connect(&url, "r").await;
    let mut room = BTreeSet::new();
    let mut tabs = Vec::new();
    for _ in 0..11 {
        let tab = connect(&url, "r").await;
        room.insert(tab.id);
        tabs.push(tab);
    }
    // A sample names tabs the room has heard of.
    tokio::time::sleep(Config::default().announce_after * 3 / 2).await;
    let elsewhere = connect(&url, "other").await;
    let mut seen = BTreeSet::new();
    for _ in 0..10 {
        send(&mut a, &ClientFrame::Sample { max: 5 }).await;
        let peers = next_sample(&mut a.ws).await;
        let distinct: BTreeSet<PeerId> = peers.iter().copied().collect();
        assert_eq!(distinct.len(), 5, "five different tabs: {peers:?}");
        assert!(
            distinct.is_subset(&room),
            "only tabs of the room, not the asker: {peers:?}"
        );
        seen.extend(distinct);
    }
    assert!(seen.len() > 5, "samples differ: {seen:?}");
    assert!(!seen.contains(&elsewhere.id));
    // Asking for more than the room holds names the whole room.
    send(&mut a, &ClientFrame::Sample { max: 1000 }).await;
    let all: BTreeSet<PeerId> = next_sample(&mut a.ws).await.into_iter().collect();
    assert_eq!(all, room);
}

/// `frame` wrapped for `room`, as a tab sends it for a room it joined.
fn in_room(room: &str, frame: ClientFrame) -> ClientFrame {
    ClientFrame::Room {
        room: room.into(),
        frame: Box::new(frame),
    }
}

#[tokio::test]
async fn one_connection_carries_several_rooms() {
    let relay = start(Config {
        max_rooms_per_connection: 2,
        announce_after: std::time::Duration::ZERO,
        ..Config::default()
    })
    .await;
    let url = relay.ws_url();
    let mut a = connect(&url, "one").await;
    let mut b = connect(&url, "two").await;
    // A joins room two on its connection: welcomed there, by its key's id.
    send(&mut a, &ClientFrame::Join { room: "two".into() }).await;
    let Some(RelayFrame::Room { room, frame }) = next_frame(&mut a.ws).await else {
        panic!("no room frame");
    };
    assert_eq!(room, "two");
    let RelayFrame::Welcome { you: a_two, peers } = *frame else {
        panic!("not a welcome: {frame:?}");
    };
    assert_eq!(peers, vec![b.id]);
    assert_eq!(a_two, a.id, "one key, one id in every room");
    assert_eq!(
        next_frame(&mut b.ws).await,
        Some(RelayFrame::PeerJoined { peer: a_two })
    );
    // Both ways, wrapped on A's side only.
    broadcast(&mut b, ping_msg()).await;
    assert_eq!(
        next_frame(&mut a.ws).await,
        Some(RelayFrame::Room {
            room: "two".into(),
            frame: Box::new(RelayFrame::Deliver {
                from: b.id,
                msg: ping_msg()
            })
        })
    );
    send(
        &mut a,
        &in_room("two", ClientFrame::Broadcast { msg: ping_msg() }),
    )
    .await;
    assert_eq!(next_delivery(&mut b.ws).await, Some((a_two, ping_msg())));
    // Room one is untouched by room two's traffic, and still A's.
    let mut c = connect(&url, "one").await;
    broadcast(&mut c, ping_msg()).await;
    assert_eq!(next_delivery(&mut a.ws).await, Some((c.id, ping_msg())));
    // Refusals name the room and leave the connection up.
    for (room, why) in [
        ("two", Refusal::InRoom),
        ("three", Refusal::TooManyRooms { max: 2 }),
        ("", Refusal::RoomName { max: 128 }),
    ] {
        send(&mut a, &ClientFrame::Join { room: room.into() }).await;
        assert_eq!(
            next_frame(&mut a.ws).await,
            Some(RelayFrame::Room {
                room: room.into(),
                frame: Box::new(why.frame())
            })
        );
    }
    // Leaving room two: B sees A go; A's frames for it go nowhere; room
    // one goes on.
    send(&mut a, &ClientFrame::Leave { room: "two".into() }).await;
    assert_eq!(
        next_frame(&mut b.ws).await,
        Some(RelayFrame::PeerLeft { peer: a_two })
    );
    send(
        &mut a,
        &in_room("two", ClientFrame::Broadcast { msg: ping_msg() }),
    )
    .await;
    assert_eq!(next_delivery(&mut b.ws).await, None);
    broadcast(&mut a, ping_msg()).await;
    assert_eq!(next_delivery(&mut c.ws).await, Some((a.id, ping_msg())));
    // Rejoining works; closing the connection leaves every room.
    send(&mut a, &ClientFrame::Join { room: "two".into() }).await;
    assert!(matches!(
        next_frame(&mut a.ws).await,
        Some(RelayFrame::Room { .. })
    ));
    let Some(RelayFrame::PeerJoined { peer: again }) = next_frame(&mut b.ws).await else {
        panic!("B did not see A rejoin");
    };
    let a_one = a.id;
    drop(a);
    assert_eq!(
        next_frame(&mut b.ws).await,
        Some(RelayFrame::PeerLeft { peer: again })
    );
    assert_eq!(
        next_frame(&mut c.ws).await,
        Some(RelayFrame::PeerLeft { peer: a_one })
    );
}

#[tokio::test]
async fn a_tab_is_named_by_its_key_and_keeps_its_name_when_it_comes_back() {
    let relay = start(Config::default()).await;
    let url = relay.ws_url();
    let mut watcher = connect(&url, "r").await;
    let mut me = identity();
    let first = connect_as(&url, "r", &mut me).await.expect("welcomed");
    assert_eq!(first.id, me.id(), "the id is the key's");
    assert!(
        me.work() >= Config::default().key_work,
        "the work asked was done"
    );
    // A second connection with the same key: refused, the first stays.
    let refused = connect_as(&url, "r", &mut me.clone()).await.err();
    assert_eq!(refused, Some(Some(Refusal::KeyInUse.frame())));
    assert_eq!(
        next_frame(&mut watcher.ws).await,
        Some(RelayFrame::PeerJoined { peer: first.id })
    );
    // Gone and back: the same id, whatever was held against it waits.
    drop(first);
    assert_eq!(
        next_frame(&mut watcher.ws).await,
        Some(RelayFrame::PeerLeft { peer: me.id() })
    );
    let again = connect_as(&url, "r", &mut me)
        .await
        .expect("welcomed again");
    assert_eq!(again.id, me.id());
}

/// Connects and answers the challenge with `answer` (given the challenge
/// and the work asked); the frame that follows.
async fn answer_with(
    url: &str,
    answer: impl FnOnce(tabcoin_protocol::identity::Challenge, u32) -> String,
) -> Option<RelayFrame> {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("{url}?room=r"))
        .await
        .expect("connect");
    let Some(RelayFrame::Challenge { challenge, work }) = next_frame(&mut ws).await else {
        panic!("a challenge first");
    };
    ws.send(WsMessage::Text(answer(challenge, work).into()))
        .await
        .expect("send");
    next_frame(&mut ws).await
}

#[tokio::test]
async fn a_tab_that_does_not_prove_its_key_is_refused_with_the_reason() {
    let relay = start(Config {
        prove_timeout: std::time::Duration::from_millis(300),
        ..Config::default()
    })
    .await;
    let url = relay.ws_url();
    let code = |frame: Option<RelayFrame>| match frame {
        Some(RelayFrame::Error { code, .. }) => code,
        other => panic!("expected an error, got {other:?}"),
    };
    // Too little work on the key.
    let cheap = code(
        answer_with(&url, |challenge, work| {
            let mut me = identity();
            while me.work() >= work {
                me = identity();
            }
            encode(&ClientFrame::Prove {
                proof: me.prove(&challenge),
            })
        })
        .await,
    );
    assert_eq!(cheap, "too_little_work");
    // A proof made for another challenge.
    let replayed = code(
        answer_with(&url, |_, work| {
            let mut me = identity();
            let Ok(ClientFrame::Prove { proof }) =
                me.answer(&tabcoin_protocol::identity::Challenge([0; 32]), work)
            else {
                panic!("a proof");
            };
            encode(&ClientFrame::Prove { proof })
        })
        .await,
    );
    assert_eq!(replayed, "bad_signature");
    // Anything else first.
    let skipped = code(
        answer_with(&url, |_, _| {
            encode(&ClientFrame::Broadcast { msg: ping_msg() })
        })
        .await,
    );
    assert_eq!(skipped, "no_proof");
    // Nothing at all.
    let (mut silent, _) = tokio_tungstenite::connect_async(format!("{url}?room=r"))
        .await
        .expect("connect");
    assert!(matches!(
        next_frame(&mut silent).await,
        Some(RelayFrame::Challenge { .. })
    ));
    assert_eq!(code(next_frame(&mut silent).await), "proof_timeout");
    // An honest tab is still welcome.
    let _ = connect(&url, "r").await;
}

#[tokio::test]
async fn samples_past_a_connections_budget_are_not_answered() {
    let relay = start(Config::default()).await;
    let url = relay.ws_url();
    let _others = [connect(&url, "r").await, connect(&url, "r").await];
    let mut asker = connect(&url, "r").await;
    let _ = drain(&mut asker.ws).await;
    let budget = Config::default().samples_per_minute / 4;
    for _ in 0..budget + 40 {
        send(&mut asker, &ClientFrame::Sample { max: 8 }).await;
    }
    let mut answered = 0;
    while let Some(frame) = next_frame(&mut asker.ws).await {
        match frame {
            RelayFrame::Sample { .. } => answered += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    // The burst, and what the budget refilled meanwhile (two a second).
    assert!(
        (budget..=budget + 3).contains(&answered),
        "{answered} samples answered"
    );
    // The connection stays: it is still in the room.
    broadcast(&mut asker, ping_msg()).await;
}

#[tokio::test]
async fn an_address_s_connections_share_one_budget_of_samples_and_signals() {
    let config = Config {
        key_work: 4,
        ..Config::default()
    };
    let relay = start(config.clone()).await;
    let url = relay.ws_url();
    let mut target = join_from(&url, "r", [127, 7, 0, 1]).await.expect("target");
    let mut many = Vec::new();
    for _ in 0..6 {
        many.push(
            join_from(&url, "r", [127, 6, 0, 1])
                .await
                .expect("one address"),
        );
    }
    tokio::time::sleep(config.announce_after * 3 / 2).await;
    for tab in &mut many {
        let _ = drain(&mut tab.ws).await;
    }
    let _ = drain(&mut target.ws).await;
    // Each connection asks its own burst of samples and sends its own
    // burst of signals: together, twice what the address may.
    let offer: Payload = serde_json::from_str(r#"{"type":"link_offer","sdp":"v=0"}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    for tab in &mut many {
        for _ in 0..config.samples_per_minute / 4 {
            send(tab, &ClientFrame::Sample { max: 1 }).await;
        }
        for _ in 0..config.signals_per_minute / 4 {
            let to = target.id;
            send(
                tab,
                &ClientFrame::Direct {
                    to,
                    msg: offer.clone(),
                },
            )
            .await;
        }
    }
    let mut answered = 0;
    for tab in &mut many {
        while let Some(frame) = next_frame(&mut tab.ws).await {
            if matches!(frame, RelayFrame::Sample { .. }) {
                answered += 1;
            }
        }
    }
    let signals = drain(&mut target.ws).await.len() as u32;
    let address = |per_minute: u32| per_minute * tabcoin_relay::slots::ADDRESS_SHARE / 4;
    let samples = address(config.samples_per_minute);
    assert!(
        (samples..samples + 10).contains(&answered),
        "{answered} samples answered of {} asked; the address may {samples}",
        6 * config.samples_per_minute / 4
    );
    let passed = address(config.signals_per_minute);
    assert!(
        (passed..passed + 20).contains(&signals),
        "{signals} signals passed on of {} sent; the address may {passed}",
        6 * config.signals_per_minute / 4
    );
    // The connections stay: a tab of another address is served as before.
    send(&mut target, &ClientFrame::Sample { max: 1 }).await;
    assert!(matches!(
        next_frame(&mut target.ws).await,
        Some(RelayFrame::Sample { .. })
    ));
}

#[tokio::test]
async fn a_connection_joining_and_leaving_rooms_fast_is_dropped_and_told_why() {
    let relay = start(Config::default()).await;
    let url = relay.ws_url();
    let mut churner = connect(&url, "r").await;
    let mut watcher = connect(&url, "s").await;
    let budget = Config::default().joins_per_minute / 2;
    for _ in 0..budget {
        send(&mut churner, &ClientFrame::Join { room: "s".into() }).await;
        send(&mut churner, &ClientFrame::Leave { room: "s".into() }).await;
    }
    let mut code = None;
    while let Some(frame) = next_frame(&mut churner.ws).await {
        if let RelayFrame::Error { code: c, .. } = frame {
            code = Some(c);
        }
    }
    assert_eq!(code.as_deref(), Some("churning"));
    // The tabs of the room it churned heard of it at most within its budget.
    let mut heard = 0;
    while let Some(frame) = next_frame(&mut watcher.ws).await {
        if matches!(
            frame,
            RelayFrame::PeerJoined { .. } | RelayFrame::PeerLeft { .. }
        ) {
            heard += 1;
        }
    }
    assert!(
        heard <= budget as usize + 1,
        "{heard} arrivals and departures"
    );
}

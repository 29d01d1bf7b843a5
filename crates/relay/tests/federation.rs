//! Federation: relays linked with `--peer` share rooms; every message
//! reaches every tab exactly once, whatever the topology; a relay that goes
//! away is re-dialled.

mod common;

use common::*;
use tabcoin_relay::Config;

const SECRET: &str = "s3cret";

/// A relay that accepts links with the shared secret.
fn linkable() -> Config {
    Config {
        link_secret: Some(SECRET.into()),
        ..Config::default()
    }
}

fn linked_to(relays: &[&Relay]) -> Config {
    Config {
        peers: relays.iter().map(|r| r.ws_url()).collect(),
        ..linkable()
    }
}

#[tokio::test]
async fn two_linked_relays_deliver_exactly_once_both_ways() {
    let a = start(linkable()).await;
    let b = start(linked_to(&[&a])).await;
    b.wait_links(1).await;
    let mut on_a = connect(&a.ws_url(), "net").await;
    let mut on_b = connect(&b.ws_url(), "net").await;
    let mut other_room = connect(&b.ws_url(), "other").await;
    broadcast(&mut on_a, ping_msg()).await;
    assert_eq!(drain(&mut on_b.ws).await, vec![(on_a.id, ping_msg())]);
    broadcast(&mut on_b, sized_msg(1)).await;
    assert_eq!(drain(&mut on_a.ws).await, vec![(on_b.id, sized_msg(1))]);
    assert!(
        drain(&mut other_room.ws).await.is_empty(),
        "rooms stay isolated across relays"
    );
}

#[tokio::test]
async fn tabs_see_peers_on_other_relays_and_can_message_them_directly() {
    let a = start(linkable()).await;
    let b = start(linked_to(&[&a])).await;
    b.wait_links(1).await;
    let mut on_a = connect(&a.ws_url(), "net").await;
    // The others hear of a tab once it has stayed a moment.
    tokio::time::sleep(Config::default().announce_after * 3 / 2).await;
    let on_b = connect(&b.ws_url(), "net").await;
    assert_eq!(
        on_b.peers,
        vec![on_a.id],
        "the welcome lists the tab on the other relay"
    );
    let mut on_b = on_b;
    send(
        &mut on_a,
        &tabcoin_protocol::ClientFrame::Direct {
            to: on_b.id,
            msg: ping_msg(),
        },
    )
    .await;
    assert_eq!(drain(&mut on_b.ws).await, vec![(on_a.id, ping_msg())]);
}

#[tokio::test]
async fn a_triangle_of_relays_still_delivers_exactly_once() {
    let a = start(linkable()).await;
    let b = start(linked_to(&[&a])).await;
    let c = start(linked_to(&[&a, &b])).await;
    a.wait_links(2).await;
    b.wait_links(2).await;
    c.wait_links(2).await;
    let mut on_a = connect(&a.ws_url(), "net").await;
    let mut on_b = connect(&b.ws_url(), "net").await;
    let mut on_c = connect(&c.ws_url(), "net").await;
    for i in 0..5 {
        broadcast(&mut on_a, sized_msg(i)).await;
    }
    let expected: Vec<_> = (0..5).map(|i| (on_a.id, sized_msg(i))).collect();
    assert_eq!(drain(&mut on_b.ws).await, expected);
    assert_eq!(drain(&mut on_c.ws).await, expected);
    assert!(
        drain(&mut on_a.ws).await.is_empty(),
        "no echo back to the sender"
    );
    let dup = a.stats().await.duplicates + b.stats().await.duplicates + c.stats().await.duplicates;
    assert!(dup > 0, "the loops were there and the seen-cache cut them");
}

#[tokio::test]
async fn a_restarted_relay_is_redialled_and_the_network_heals() {
    let a = start(linkable()).await;
    let addr = a.addr;
    let b = start(linked_to(&[&a])).await;
    b.wait_links(1).await;
    a.stop().await;
    b.wait_links(0).await;
    let a = start_at(&addr.to_string(), linkable()).await;
    b.wait_links(1).await;
    let mut on_a = connect(&a.ws_url(), "net").await;
    let mut on_b = connect(&b.ws_url(), "net").await;
    broadcast(&mut on_b, ping_msg()).await;
    assert_eq!(drain(&mut on_a.ws).await, vec![(on_b.id, ping_msg())]);
}

#[tokio::test]
async fn a_link_without_the_shared_secret_is_refused() {
    let a = start(linkable()).await;
    let wrong = Config {
        peers: vec![a.ws_url()],
        link_secret: Some("guess".into()),
        ..Config::default()
    };
    let b = start(wrong).await;
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(a.stats().await.links, 0);
    assert_eq!(b.stats().await.links, 0);
    assert!(
        tokio_tungstenite::connect_async(format!("{}?link=1", a.ws_url()))
            .await
            .is_err()
    );
    // The secret in the URL, where logs would keep it, is not accepted.
    assert!(
        tokio_tungstenite::connect_async(format!("{}?link=1&secret={SECRET}", a.ws_url()))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_relay_dropping_out_of_a_cycle_does_not_make_live_tabs_leave() {
    let a = start(linkable()).await;
    let b = start(linked_to(&[&a])).await;
    let c = start(linked_to(&[&a, &b])).await;
    a.wait_links(2).await;
    let on_a = connect(&a.ws_url(), "net").await;
    let mut on_b = connect(&b.ws_url(), "net").await;
    // B learns of A's tab through A and through C; the C–B link goes away.
    c.stop().await;
    b.wait_links(1).await;
    let mut left = Vec::new();
    while let Some(frame) = next_frame(&mut on_b.ws).await {
        if let tabcoin_protocol::RelayFrame::PeerLeft { peer } = frame {
            left.push(peer);
        }
    }
    assert!(
        !left.contains(&on_a.id),
        "A's tab is still reachable through A"
    );
}

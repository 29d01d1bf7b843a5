//! Federation: relays linked with `--peer` share rooms; every message
//! reaches every tab exactly once, whatever the topology; a relay that goes
//! away is re-dialled.

mod common;

use common::*;
use tabcoin_relay::Config;

fn linked_to(relays: &[&Relay]) -> Config {
    Config {
        peers: relays.iter().map(|r| r.ws_url()).collect(),
        ..Config::default()
    }
}

#[tokio::test]
async fn two_linked_relays_deliver_exactly_once_both_ways() {
    let a = start(Config::default()).await;
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
    let a = start(Config::default()).await;
    let b = start(linked_to(&[&a])).await;
    b.wait_links(1).await;
    let mut on_a = connect(&a.ws_url(), "net").await;
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
    let a = start(Config::default()).await;
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
    let a = start(Config::default()).await;
    let addr = a.addr;
    let b = start(linked_to(&[&a])).await;
    b.wait_links(1).await;
    a.stop().await;
    b.wait_links(0).await;
    let a = start_at(&addr.to_string(), Config::default()).await;
    b.wait_links(1).await;
    let mut on_a = connect(&a.ws_url(), "net").await;
    let mut on_b = connect(&b.ws_url(), "net").await;
    broadcast(&mut on_b, ping_msg()).await;
    assert_eq!(drain(&mut on_a.ws).await, vec![(on_b.id, ping_msg())]);
}

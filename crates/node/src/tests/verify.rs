//! Batches whose signatures go to the shell's verifiers, and what arrives
//! while they are out.

use tabcoin_chain::{Height, Pool, Store, Template, Transaction};

use super::*;
use crate::Message;
use crate::hold::VERIFY_STALL_MS;
use crate::sigbatch::verify_all;

/// A block paying `n` transfers (the test network starts every address
/// with coins), as a one-block batch from a peer.
fn batch_of(n: u8) -> (Event, Block) {
    let mut store = Store::new(P);
    let mut pool = Pool::new();
    let t = GENESIS_TIMESTAMP.plus_ms(1_000);
    for i in 1..=n {
        let to = wallet(i.wrapping_add(100)).address();
        let (from, net) = (wallet(i), P.network_id());
        let tx = Transaction::new(&from, P.starting_balance, to, Amount(1), salt(i), t, &net)
            .unwrap_or_else(|e| panic!("{e}"));
        store
            .add_to_pool(&mut pool, tx)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let template = Template::new(&store, &pool, wallet(200).address(), t);
    let nonce = pow::search(&template.header, 0..u64::MAX).unwrap_or_default();
    let block = template.into_block(nonce);
    let msg = Message::Blocks {
        blocks: vec![block.clone()],
        more: false,
    };
    (from(1, msg), block)
}

fn now() -> Timestamp {
    GENESIS_TIMESTAMP.plus_ms(1_000_000)
}

/// A node with `available` verifiers ready.
fn node_with_verifiers(available: usize) -> Node {
    let mut n = Node::new(Store::new(P), wallet(7));
    n.handle(Event::Connected { peers: vec![1] }, now());
    n.handle(
        Event::VerifiersChanged {
            available,
            loading: 0,
        },
        now(),
    );
    n
}

fn parts(effects: &[Effect]) -> Vec<(u64, Vec<u8>)> {
    match effects {
        [Effect::CheckSignatures(parts)] => parts.clone(),
        other => panic!("expected the checks to go out, got {other:?}"),
    }
}

#[test]
fn a_batch_waits_for_its_signatures_and_what_follows_waits_behind_it() {
    let mut n = node_with_verifiers(2);
    let (batch, block) = batch_of(20);
    let out = parts(&n.handle(batch, now()));
    assert_eq!(out.len(), 2, "one part per verifier");
    assert!(
        n.handle(Event::PeerJoined(2), now()).is_empty(),
        "held behind"
    );
    assert!(!n.peers().contains(2));
    let (tag, bytes) = &out[0];
    let flags = verify_all(bytes);
    let first = n.handle(Event::SignaturesChecked { tag: *tag, flags }, now());
    assert!(first.is_empty());
    assert_eq!(n.store().height(), Height(0), "not before every part");
    let (tag, bytes) = &out[1];
    let flags = verify_all(bytes);
    n.handle(Event::SignaturesChecked { tag: *tag, flags }, now());
    assert_eq!(n.store().tip().hash, block.hash);
    assert!(n.peers().contains(2), "then what waited, in order");
    assert_eq!(n.signatures_checked(), (20, 0), "all vouched, none redone");
}

#[test]
fn a_failed_verifier_lets_the_node_check_the_batch_itself() {
    let mut n = node_with_verifiers(1);
    let (batch, block) = batch_of(16);
    parts(&n.handle(batch, now()));
    n.handle(Event::VerifierFailed, now());
    assert_eq!(n.store().tip().hash, block.hash);
    assert_eq!(n.signatures_checked(), (0, 16));
}

#[test]
fn silent_verifiers_are_given_up_on_and_the_batch_goes_on() {
    let mut n = node_with_verifiers(2);
    let (batch, block) = batch_of(20);
    let out = parts(&n.handle(batch, now()));
    assert!(
        n.handle(Event::Tick, now().plus_ms(VERIFY_STALL_MS))
            .is_empty()
    );
    let effects = n.handle(Event::Tick, now().plus_ms(VERIFY_STALL_MS + 1));
    let tags: Vec<u64> = out.iter().map(|(t, _)| *t).collect();
    assert_eq!(effects.first(), Some(&Effect::VerifiersStalled(tags)));
    assert_eq!(n.store().tip().hash, block.hash);
}

#[test]
fn a_batch_waits_for_verifiers_still_loading() {
    let mut n = Node::new(Store::new(P), wallet(7));
    n.handle(
        Event::VerifiersChanged {
            available: 0,
            loading: 2,
        },
        now(),
    );
    let (batch, block) = batch_of(16);
    assert!(n.handle(batch, now()).is_empty(), "waiting for them");
    let ready = Event::VerifiersChanged {
        available: 1,
        loading: 1,
    };
    let out = parts(&n.handle(ready, now()));
    let (tag, bytes) = &out[0];
    let flags = verify_all(bytes);
    n.handle(Event::SignaturesChecked { tag: *tag, flags }, now());
    assert_eq!(n.store().tip().hash, block.hash);
}

#[test]
fn small_batches_banned_peers_and_nodes_without_verifiers_skip_them() {
    let (batch, block) = batch_of(20);
    let mut alone = Node::new(Store::new(P), wallet(7));
    alone.handle(batch.clone(), now());
    assert_eq!(alone.store().tip().hash, block.hash, "no verifiers");

    let mut n = node_with_verifiers(2);
    let (small, _) = batch_of(15);
    assert!(!matches!(
        &n.handle(small, now())[..],
        [Effect::CheckSignatures(_)]
    ));

    let mut wary = node_with_verifiers(2);
    let bad = Message::Transaction {
        tx: block.data[0].clone(),
    };
    wary.handle(from(1, bad), now());
    assert!(wary.is_banned(1, now()), "a reward sent as a transaction");
    assert!(wary.handle(batch, now()).is_empty(), "ignored, unchecked");
    assert_eq!(wary.signatures_checked(), (0, 0));
}

//! What the node reads from storage and asks to write there.

use tabcoin_chain::{Height, Store, Transaction};

use super::*;
use crate::persist::record;
use crate::writer::RETRY_MS;
use crate::{StoredChain, StoredChainProblem};

/// A node with `n` blocks mined by node 1 of a small network, as records.
fn chain_of(n: usize) -> (Net, Vec<String>) {
    let mut net = Net::new(1);
    for _ in 0..n {
        net.mine(1);
    }
    let records = net.nodes[0].store().main_chain().map(record).collect();
    (net, records)
}

fn loaded(chain: Result<Option<StoredChain>, String>, pool: Option<String>) -> Event {
    Event::StorageLoaded { chain, pool }
}

fn writes(effects: &[Effect]) -> Vec<Vec<u64>> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::WriteBlocks(records) => Some(records.iter().map(|(h, _)| *h).collect()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_stored_chain_is_adopted_only_if_it_has_more_work() {
    let (net, records) = chain_of(3);
    let mut fresh = Node::new(Store::new(P), wallet(5));
    let stored = Ok(Some(StoredChain::Records(records.clone())));
    let effects = fresh.handle(loaded(stored, None), net.now);
    assert_eq!(fresh.store().height(), Height(3));
    assert!(notices(&effects).contains(&Notice::ChainRestored { height: Height(3) }));
    assert!(
        writes(&effects).is_empty(),
        "what was read is stored already"
    );
    let mut ahead = Node::new(Store::new(P), wallet(5));
    for block in net.nodes[0].store().main_chain().skip(1) {
        ahead.handle(
            from(
                1,
                crate::Message::Block {
                    block: block.clone(),
                },
            ),
            net.now,
        );
    }
    let shorter = Ok(Some(StoredChain::Records(records[..2].to_vec())));
    let effects = ahead.handle(loaded(shorter, None), net.now);
    assert!(notices(&effects).is_empty());
    assert_eq!(ahead.store().height(), Height(3));
    assert_eq!(
        writes(&effects),
        vec![vec![2, 3]],
        "heights above the stored ones"
    );
}

#[test]
fn a_damaged_stored_chain_keeps_its_valid_prefix() {
    let (net, mut records) = chain_of(3);
    records[2] = "{not a block".into();
    let mut fresh = Node::new(Store::new(P), wallet(5));
    let effects = fresh.handle(
        loaded(Ok(Some(StoredChain::Records(records))), None),
        net.now,
    );
    assert_eq!(fresh.store().height(), Height(1));
    assert!(matches!(
        &notices(&effects)[..],
        [
            Notice::StoredChainDamaged(StoredChainProblem::UnreadableRecord { index: 3, .. }),
            Notice::ChainRestored { .. }
        ]
    ));
    let whole = Ok(Some(StoredChain::Whole("[1, 2".into())));
    let effects = fresh.handle(loaded(whole, None), net.now);
    assert!(matches!(
        &notices(&effects)[..],
        [Notice::StoredChainDamaged(
            StoredChainProblem::UnreadableChain { .. }
        )]
    ));
}

#[test]
fn nothing_is_written_before_storage_is_read_or_after_a_failed_read() {
    let mut net = Net::new(1);
    net.mine(1);
    let blocked = net.handle(1, Event::Tick);
    assert!(blocked.is_empty(), "neither blocks nor pool: {blocked:?}");
    let effects = net.handle(1, loaded(Err("no database".into()), None));
    assert!(effects.is_empty());
    assert!(net.told(1).contains(&Notice::StoredChainUnreadable {
        reason: "no database".into()
    }));
    net.mine(1);
    assert!(net.handle(1, Event::Tick).is_empty());
}

#[test]
fn new_blocks_are_written_one_write_at_a_time() {
    let mut net = Net::new(1);
    let effects = net.handle(1, loaded(Ok(None), None));
    assert_eq!(writes(&effects), vec![vec![0]], "genesis");
    net.mine(1); // written while genesis is under way: waits
    net.mine(1);
    let effects = net.handle(1, Event::BlocksWritten(Ok(())));
    assert_eq!(writes(&effects), vec![vec![1, 2]]);
    let effects = net.handle(1, Event::BlocksWritten(Ok(())));
    assert!(writes(&effects).is_empty());
    let block = net.mine(1);
    let now = net.now;
    let effects = net.node(1).handle(Event::Tick, now);
    assert!(writes(&effects).is_empty(), "a write is under way");
    let again = net.handle(1, Event::BlocksWritten(Ok(())));
    assert!(writes(&again).is_empty());
    assert_eq!(net.node(1).store().tip().hash, block.hash);
}

#[test]
fn a_failed_write_is_told_once_and_tried_again_later() {
    let mut net = Net::new(1);
    net.handle(1, loaded(Ok(None), None));
    let now = net.now;
    let failed = net
        .node(1)
        .handle(Event::BlocksWritten(Err("quota".into())), now);
    assert_eq!(
        failed,
        vec![Effect::Notify(Notice::ChainWriteFailed {
            reason: "quota".into()
        })]
    );
    assert!(writes(&net.node(1).handle(Event::Tick, now)).is_empty());
    let later = now.plus_ms(RETRY_MS);
    assert_eq!(
        writes(&net.node(1).handle(Event::Tick, later)),
        vec![vec![0]]
    );
    let again = net
        .node(1)
        .handle(Event::BlocksWritten(Err("quota".into())), later);
    assert!(again.is_empty(), "the same failure is told once");
}

#[test]
fn a_chain_of_an_earlier_version_is_rewritten_block_by_block_then_removed() {
    let (net, records) = chain_of(2);
    let whole = format!("[{}]", records.join(","));
    let mut fresh = Node::new(Store::new(P), wallet(5));
    let effects = fresh.handle(loaded(Ok(Some(StoredChain::Whole(whole))), None), net.now);
    assert_eq!(fresh.store().height(), Height(2));
    assert_eq!(writes(&effects), vec![vec![0, 1, 2]]);
    let done = fresh.handle(Event::BlocksWritten(Ok(())), net.now);
    assert_eq!(done, vec![Effect::RemoveLegacyChain]);
}

#[test]
fn the_stored_pool_is_checked_again_and_written_when_it_changes() {
    let mut net = Net::new(2);
    net.send(1, 2, 30, 1).unwrap_or_else(|e| panic!("{e}"));
    let txs: Vec<Transaction> = net.nodes[0].pool().transactions().cloned().collect();
    let mut bad = txs[0].clone();
    bad.outputs
        .insert(wallet(9).address(), tabcoin_chain::Amount(1));
    let json = serde_json::to_string(&vec![txs[0].clone(), bad]).unwrap_or_default();
    let mut fresh = Node::new(Store::new(P), wallet(5));
    fresh.handle(loaded(Ok(None), Some(json)), net.now);
    assert_eq!(fresh.pool().len(), 1, "the altered copy is refused");
    let tick = fresh.handle(Event::Tick, net.now);
    let pools: Vec<&String> = tick
        .iter()
        .filter_map(|e| match e {
            Effect::WritePool(json) => Some(json),
            _ => None,
        })
        .collect();
    assert_eq!(pools.len(), 1);
    assert!(pools[0].contains(&txs[0].id.to_string()));
    let unchanged = fresh.handle(Event::Tick, net.now);
    assert!(!unchanged.iter().any(|e| matches!(e, Effect::WritePool(_))));
}

#[test]
fn a_chain_stored_under_earlier_rules_is_dropped_and_rewritten_from_genesis() {
    let (net, records) = chain_of(2);
    // The same blocks as another network would have them: another genesis.
    let mut old: Vec<tabcoin_chain::Block> = records
        .iter()
        .filter_map(|r| serde_json::from_str(r).ok())
        .collect();
    old[0].header.tx_root = tabcoin_chain::TxRoot([1; 32]);
    old[0].hash = old[0].header.hash();
    old[1].header.prev_hash = old[0].hash;
    old[1].hash = old[1].header.hash();
    let old_records = old[..2].iter().map(record).collect();
    let mut fresh = Node::new(Store::new(P), wallet(5));
    let effects = fresh.handle(
        loaded(Ok(Some(StoredChain::Records(old_records))), None),
        net.now,
    );
    assert_eq!(
        notices(&effects),
        vec![Notice::StoredChainDamaged(StoredChainProblem::OtherRules)]
    );
    assert_eq!(fresh.store().height(), Height(0));
    assert_eq!(
        writes(&effects),
        vec![vec![0]],
        "this network's genesis replaces theirs"
    );
}

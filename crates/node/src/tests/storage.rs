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
            Effect::WriteBlocks(records) => Some(records.iter().map(|r| r.height).collect()),
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

/// Storage shared by the tabs of one browser: block records by height and
/// hash, as IndexedDB keeps them.
#[derive(Default)]
struct SharedStorage(std::collections::BTreeMap<(u64, tabcoin_chain::BlockHash), String>);

impl SharedStorage {
    /// Carries out a node's storage effects, reporting writes as done.
    fn carry_out(&mut self, node: &mut Node, effects: Vec<Effect>, now: tabcoin_chain::Timestamp) {
        let mut queue = effects;
        while !queue.is_empty() {
            let mut next = Vec::new();
            for effect in queue {
                match effect {
                    Effect::WriteBlocks(records) => {
                        for r in records {
                            self.0.insert((r.height, r.hash), r.json);
                        }
                        next.extend(node.handle(Event::BlocksWritten(Ok(())), now));
                    }
                    Effect::ForgetBlocks(keys) => {
                        for key in keys {
                            self.0.remove(&key);
                        }
                    }
                    _ => {}
                }
            }
            queue = next;
        }
    }

    fn records(&self) -> Option<StoredChain> {
        Some(StoredChain::Records(self.0.values().cloned().collect()))
    }
}

/// Two tabs of one browser on different branches write to the same
/// storage; neither overwrites the other's blocks. Each reloads intact: the
/// branch with more work is the best chain and the other is kept beside it.
#[test]
fn tabs_on_different_forks_never_overwrite_each_others_stored_blocks() {
    let mut disk = SharedStorage::default();
    // Two tabs that share a prefix, then mine apart.
    let now = crate::testkit::NOW;
    let mut base = Store::new(P);
    crate::testkit::extend(&mut base, 2, 1);
    let prefix: Vec<_> = base.main_chain().cloned().collect();
    let copy = |blocks: Vec<tabcoin_chain::Block>| {
        Store::from_blocks(P, blocks, now).unwrap_or_else(|e| panic!("{e}"))
    };
    let mut a = Node::new(copy(prefix.clone()), wallet(7));
    let mut b = Node::new(copy(prefix), wallet(8));
    for node in [&mut a, &mut b] {
        let effects = node.handle(loaded(Ok(disk.records()), None), now);
        disk.carry_out(node, effects, now);
    }
    // `n` blocks mined by `miner` on `node`'s tip, as a peer would send them.
    let mut mine_on = |node: &mut Node, miner: u8, n: u64| {
        let mut store = copy(node.store().main_chain().cloned().collect());
        crate::testkit::extend(&mut store, n, miner);
        let new: Vec<_> = store
            .main_chain()
            .skip(node.store().height().as_usize() + 1)
            .cloned()
            .collect();
        for block in new {
            let effects = node.handle(from(9, crate::Message::Block { block }), now);
            disk.carry_out(node, effects, now);
        }
    };
    mine_on(&mut a, 7, 2);
    mine_on(&mut b, 8, 3);
    let (a_tip, b_tip) = (a.store().tip().hash, b.store().tip().hash);
    assert_ne!(a_tip, b_tip, "two branches");
    assert_eq!(a.store().height(), Height(4));
    assert_eq!(b.store().height(), Height(5));
    // Both reload from the shared storage.
    for _ in 0..2 {
        let mut again = Node::new(Store::new(P), wallet(7));
        let effects = again.handle(loaded(Ok(disk.records()), None), now);
        assert!(
            !notices(&effects)
                .iter()
                .any(|n| matches!(n, Notice::StoredChainDamaged(_))),
            "nothing damaged: {effects:?}"
        );
        assert_eq!(again.store().tip().hash, b_tip, "the most work wins");
        assert!(
            again.store().get(&a_tip).is_some(),
            "the other branch is intact"
        );
        assert!(writes(&effects).is_empty(), "nothing to write again");
        disk.carry_out(&mut again, effects, now);
    }
    assert_eq!(
        disk.0.len(),
        1 + 2 + 2 + 3,
        "genesis, the prefix, both branches"
    );
}

/// Records the loaded store does not keep (here an unconnected block, its
/// parent's record gone) are removed from storage.
#[test]
fn stored_records_that_are_not_kept_are_removed() {
    let (net, records) = chain_of(4);
    let chain: Vec<_> = net.nodes[0].store().main_chain().cloned().collect();
    let kept: Vec<String> = records
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .map(|(_, r)| r.clone())
        .collect();
    let mut fresh = Node::new(Store::new(P), wallet(5));
    let effects = fresh.handle(loaded(Ok(Some(StoredChain::Records(kept))), None), net.now);
    assert_eq!(fresh.store().height(), Height(1));
    let forgotten: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::ForgetBlocks(keys) => Some(keys.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        forgotten,
        vec![vec![(3, chain[3].hash), (4, chain[4].hash)]],
        "the blocks above the gap"
    );
}

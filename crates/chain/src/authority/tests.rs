//! Proof of authority: each rule accepting a good block and refusing a bad
//! one with its own error; two authorities taking turns; fork choice by
//! weight.

use std::borrow::Cow;

use super::*;
use crate::block::Block;
use crate::hash::BlockHash;
use crate::height::Height;
use crate::params::Params;
use crate::spec::{Consensus, Spec};
use crate::store::{AcceptError, Store};
use crate::template::Template;
use crate::testutil::{NOW, P, mine, wallet};
use crate::tx::{Transaction, TxId};
use crate::validate::BlockError;

/// A network sealed by wallets 1..=n, one block a second.
fn network(n: u8) -> Params {
    let spec = Spec {
        name: Cow::Borrowed("office").into_owned(),
        created: crate::params::GENESIS_TIMESTAMP,
        consensus: Consensus::ProofOfAuthority {
            authorities: (1..=n).map(|i| wallet(i).address()).collect(),
            block_time_ms: 1_000,
        },
        mining_reward: crate::amount::Amount(0),
        starting_balance: crate::amount::Amount(10),
        allocations: Default::default(),
    };
    Params::from_spec(&spec).unwrap_or_else(|e| panic!("{e}"))
}

/// A block on `parent` sealed by `signer` as authority `by`, `gap_ms` after
/// its parent, declaring `bits` (default: the weight it should).
fn sealed(
    store: &Store,
    parent: &BlockHash,
    by: u32,
    signer: u8,
    gap_ms: u64,
    bits: Option<u32>,
) -> Block {
    let ctx = store
        .context(parent)
        .unwrap_or_else(|| panic!("parent {parent} is stored"));
    let height = ctx.parent.height.next();
    let sealer = wallet(signer);
    let id = TxId::for_reward(parent, height, &sealer.address());
    let data = vec![Transaction::reward(
        sealer.address(),
        height,
        store.params(),
        id,
    )];
    let header = Header {
        height,
        timestamp: ctx.parent.timestamp.plus_ms(gap_ms),
        prev_hash: *parent,
        tx_root: crate::block::sealed_tx_root(&data, by),
        bits: bits.unwrap_or_else(|| weight(height, by, store.params().authorities.len())),
        nonce: 0,
    };
    let mut block = Block::new(header, data);
    block.seal = Some(seal(&header, by, &sealer));
    block
}

/// The rule the block [`sealed`] makes breaks on `store`, if any.
fn offer(
    store: &mut Store,
    parent: &BlockHash,
    by: u32,
    signer: u8,
    gap_ms: u64,
    bits: Option<u32>,
) -> Option<BlockError> {
    let block = sealed(store, parent, by, signer, gap_ms, bits);
    refusal(store, block)
}

/// The rule `block` breaks on `store`, if any.
fn refusal(store: &mut Store, block: Block) -> Option<BlockError> {
    match store.accept(block, NOW) {
        Err(AcceptError::Invalid { error, .. }) => Some(error),
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => None,
    }
}

#[test]
fn two_authorities_take_turns() {
    let mut s = Store::new(network(2));
    for _ in 0..6 {
        let tip = s.tip().clone();
        // Authority `height mod 2` is in turn: wallet 1 is authority 0.
        let by = ((tip.header.height.0 + 1) % 2) as u32;
        let block = sealed(&s, &tip.hash, by, by as u8 + 1, 1_000, None);
        assert_eq!(block.header.bits, IN_TURN);
        assert_eq!(refusal(&mut s, block), None);
    }
    assert_eq!(s.height(), Height(6));
    assert_eq!(s.total_work(), crate::work::Work(6 * u128::from(IN_TURN)));
}

#[test]
fn an_authority_out_of_turn_seals_a_lighter_block() {
    let mut s = Store::new(network(2));
    let g = s.genesis().hash;
    // Height 1 is authority 1's turn; authority 0 seals it instead.
    let block = sealed(&s, &g, 0, 1, 1_000, None);
    assert_eq!(block.header.bits, OUT_OF_TURN);
    assert_eq!(refusal(&mut s, block), None);
    assert_eq!(s.total_work(), crate::work::Work(u128::from(OUT_OF_TURN)));
}

#[test]
fn each_authority_rule_refuses_with_its_own_error() {
    let mut s = Store::new(network(3));
    let g = s.genesis().hash;
    let mut unsealed = sealed(&s, &g, 1, 2, 1_000, None);
    unsealed.seal = None;
    assert_eq!(refusal(&mut s, unsealed), Some(BlockError::Unsealed));
    assert_eq!(
        offer(&mut s, &g, 5, 2, 1_000, Some(OUT_OF_TURN)),
        Some(BlockError::NotAnAuthority {
            by: 5,
            authorities: 3
        })
    );
    // Wallet 9 signs as authority 1 (wallet 2).
    assert_eq!(
        offer(&mut s, &g, 1, 9, 1_000, None),
        Some(BlockError::BadSeal { by: 1 })
    );
    // In turn, claiming the out-of-turn weight (and the other way round).
    assert_eq!(
        offer(&mut s, &g, 1, 2, 1_000, Some(OUT_OF_TURN)),
        Some(BlockError::WrongWeight {
            expected: IN_TURN,
            actual: OUT_OF_TURN
        })
    );
    assert_eq!(
        offer(&mut s, &g, 0, 1, 1_000, Some(IN_TURN)),
        Some(BlockError::WrongWeight {
            expected: OUT_OF_TURN,
            actual: IN_TURN
        })
    );
    assert_eq!(
        offer(&mut s, &g, 1, 2, 999, None),
        Some(BlockError::TooCloseToParent {
            actual_ms: 999,
            min_ms: 1_000
        })
    );
    // Authority 1 seals height 1 in turn; sealing height 2 as well (out of
    // turn) is too soon: of 3 authorities, each waits ⌊3/2⌋ = 1 block.
    let first = sealed(&s, &g, 1, 2, 1_000, None);
    let first_hash = first.hash;
    assert_eq!(refusal(&mut s, first), None);
    assert_eq!(
        offer(&mut s, &first_hash, 1, 2, 1_000, None),
        Some(BlockError::SealedTooSoon { by: 1, window: 1 })
    );
    // Authority 2 is in turn at height 2.
    assert_eq!(offer(&mut s, &first_hash, 2, 3, 1_000, None), None);
}

#[test]
fn a_sealed_block_on_a_mined_network_is_refused() {
    let mut source = Store::new(P);
    let mut block = mine(&mut source, &wallet(1), vec![]);
    let mut s = Store::new(P);
    block.seal = Some(seal(&block.header, 0, &wallet(1)));
    assert_eq!(refusal(&mut s, block), Some(BlockError::UnexpectedSeal));
}

#[test]
fn the_chain_of_most_weight_wins() {
    let mut s = Store::new(network(2));
    let g = s.genesis().hash;
    // Branch A: two blocks out of turn (weight 1 + 1).
    let a1 = sealed(&s, &g, 0, 1, 1_000, None);
    let a1_hash = a1.hash;
    assert_eq!(refusal(&mut s, a1), None);
    let a2 = sealed(&s, &a1_hash, 1, 2, 1_000, None);
    let a2_hash = a2.hash;
    assert_eq!(refusal(&mut s, a2), None);
    assert_eq!(s.tip().hash, a2_hash);
    // Branch B: one block in turn ties (2), a second in turn wins (4).
    let b1 = sealed(&s, &g, 1, 2, 1_000, None);
    let b1_hash = b1.hash;
    assert_eq!(refusal(&mut s, b1), None);
    assert_eq!(s.tip().hash, a2_hash, "a tie keeps the first chain");
    let b2 = sealed(&s, &b1_hash, 0, 1, 1_000, None);
    let b2_hash = b2.hash;
    assert_eq!(refusal(&mut s, b2), None);
    assert_eq!(s.tip().hash, b2_hash);
    assert_eq!(s.total_work(), crate::work::Work(2 * u128::from(IN_TURN)));
}

#[test]
fn an_authority_spec_reads_back_and_names_its_network() {
    let p = network(2);
    assert_eq!(p.authorities.len(), 2);
    assert_eq!(Params::from_spec(&p.spec()), Ok(p.clone()));
    assert_ne!(p.network_id(), network(3).network_id());
    // Sealed blocks travel as JSON with their seal; mined ones without.
    let s = Store::new(p);
    let block = sealed(&s, &s.genesis().hash, 1, 2, 1_000, None);
    let json = serde_json::to_string(&block).unwrap_or_default();
    assert!(json.contains("\"seal\":{\"by\":1,"), "{json}");
    assert_eq!(serde_json::from_str::<Block>(&json).ok(), Some(block));
    let mined = Block::new(s.genesis().header, Vec::new());
    assert!(
        !serde_json::to_string(&mined)
            .unwrap_or_default()
            .contains("seal")
    );
}

#[test]
fn the_authority_in_turn_seals_first_and_the_others_wait_in_order() {
    let s = Store::new(network(3));
    let ctx = s
        .context(&s.genesis().hash)
        .unwrap_or_else(|| panic!("genesis is stored"));
    let parent = ctx.parent.timestamp;
    // Height 1: authority 1 in turn at the block time; then 2, then 0,
    // each half a block time (here the 500 ms floor) later.
    assert_eq!(
        turn(1, 3, &ctx, 1_000, ctx.parent.timestamp),
        Turn::At {
            at: parent.plus_ms(1_000),
            in_turn: true
        }
    );
    assert_eq!(
        turn(2, 3, &ctx, 1_000, ctx.parent.timestamp),
        Turn::At {
            at: parent.plus_ms(1_500),
            in_turn: false
        }
    );
    assert_eq!(
        turn(0, 3, &ctx, 1_000, ctx.parent.timestamp),
        Turn::At {
            at: parent.plus_ms(2_000),
            in_turn: false
        }
    );
    assert_eq!(out_of_turn_step_ms(10_000), 5_000);
    // After a pause, out of turn counts from when the parent was seen.
    let seen = parent.plus_ms(60_000);
    assert_eq!(
        turn(2, 3, &ctx, 1_000, seen),
        Turn::At {
            at: seen.plus_ms(1_500),
            in_turn: false
        }
    );
    assert_eq!(
        turn(1, 3, &ctx, 1_000, seen),
        Turn::At {
            at: parent.plus_ms(1_000),
            in_turn: true
        }
    );
}

#[test]
fn an_authority_that_sealed_recently_is_told_to_wait() {
    let mut s = Store::new(network(3));
    let g = s.genesis().hash;
    let first = sealed(&s, &g, 1, 2, 1_000, None);
    let first_hash = first.hash;
    assert_eq!(refusal(&mut s, first), None);
    let ctx = s
        .context(&first_hash)
        .unwrap_or_else(|| panic!("the block is stored"));
    assert_eq!(
        turn(1, 3, &ctx, 1_000, ctx.parent.timestamp),
        Turn::SealedRecently
    );
    assert!(matches!(
        turn(2, 3, &ctx, 1_000, ctx.parent.timestamp),
        Turn::At { in_turn: true, .. }
    ));
}

#[test]
fn nobody_waits_for_an_authority_in_turn_that_sealed_recently() {
    let mut s = Store::new(network(3));
    let g = s.genesis().hash;
    // Authority 2 seals height 1 out of turn; height 2 is its turn, but it
    // may not seal twice in a row: authority 0, next in order, seals at
    // the block time, out of turn.
    let first = sealed(&s, &g, 2, 3, 1_000, None);
    let first_hash = first.hash;
    assert_eq!(refusal(&mut s, first), None);
    let ctx = s
        .context(&first_hash)
        .unwrap_or_else(|| panic!("the block is stored"));
    let parent = ctx.parent.timestamp;
    assert_eq!(
        turn(2, 3, &ctx, 1_000, ctx.parent.timestamp),
        Turn::SealedRecently
    );
    assert_eq!(
        turn(0, 3, &ctx, 1_000, ctx.parent.timestamp),
        Turn::At {
            at: parent.plus_ms(1_000),
            in_turn: false
        }
    );
    assert_eq!(
        turn(1, 3, &ctx, 1_000, ctx.parent.timestamp),
        Turn::At {
            at: parent.plus_ms(1_500),
            in_turn: false
        }
    );
}

#[test]
fn a_template_sealed_by_an_authority_is_a_valid_block_of_its_weight() {
    let mut s = Store::new(network(2));
    for (by, signer) in [(1u32, 2u8), (1, 2), (0, 1)] {
        let ctx = s
            .context(&s.tip().hash)
            .unwrap_or_else(|| panic!("the tip is stored"));
        let Turn::At { at, in_turn } = turn(by, 2, &ctx, 1_000, ctx.parent.timestamp) else {
            // Authority 1 sealed height 1: it may not seal height 2.
            assert_eq!(s.height(), Height(1));
            continue;
        };
        let pool = crate::pool::Pool::new();
        let template = Template::new(&s, &pool, wallet(signer).address(), at);
        let block = template.into_sealed_block(by, 2, &wallet(signer));
        assert_eq!(
            block.header.bits,
            if in_turn { IN_TURN } else { OUT_OF_TURN }
        );
        assert_eq!(refusal(&mut s, block), None);
    }
    assert_eq!(s.height(), Height(2));
}

/// Rules 4: the block hash commits to its sealer. Another authority
/// re-sealing an honest block's header breaks the transaction root (and is
/// not remembered against the honest block's hash); re-sealing its
/// transactions properly makes a different block, so a re-sealed copy sent
/// first cannot get the honest block refused, and nodes holding either one
/// agree on what each is.
#[test]
fn a_re_sealed_copy_is_a_different_block_and_splits_no_one() {
    // Three authorities: at height 1 authority 1 is in turn, 0 and 2 are
    // both out of turn and declare the same weight.
    let mut s = Store::new(network(3));
    let g = s.genesis().hash;
    let honest = sealed(&s, &g, 0, 1, 1_000, None);
    // The same header with authority 2's seal: the root names authority 0.
    let mut copied = honest.clone();
    copied.seal = Some(seal(&honest.header, 2, &wallet(3)));
    assert_eq!(copied.hash, honest.hash);
    assert!(matches!(
        refusal(&mut s, copied),
        Some(BlockError::BadTxRoot { .. })
    ));
    // Properly re-sealed by authority 2: a different block, also valid.
    let resealed = sealed(&s, &g, 2, 3, 1_000, None);
    assert_eq!(resealed.header.bits, honest.header.bits);
    assert_ne!(resealed.hash, honest.hash);
    assert_eq!(refusal(&mut s, resealed.clone()), None);
    // The honest block, offered after both, is taken (not known invalid).
    assert_eq!(refusal(&mut s, honest.clone()), None);
    assert!(s.get(&honest.hash).is_some() && s.get(&resealed.hash).is_some());
    // A second node that saw them in the other order knows the same two
    // blocks; whichever is built on first, both agree on its parent.
    let mut other = Store::new(network(3));
    assert_eq!(refusal(&mut other, honest.clone()), None);
    assert_eq!(refusal(&mut other, resealed.clone()), None);
    let next = sealed(&other, &honest.hash, 1, 2, 1_000, None);
    assert_eq!(refusal(&mut other, next.clone()), None);
    assert_eq!(refusal(&mut s, next.clone()), None);
    assert_eq!(s.tip().hash, next.hash);
    assert_eq!(other.tip().hash, next.hash);
}

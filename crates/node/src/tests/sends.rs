//! Every send ends visibly: a merged send whose earlier version was
//! confirmed, or a pending send that stopped matching the balance, is sent
//! again (or said to have failed).

use tabcoin_chain::{Height, Pool, Template, Transaction};

use super::*;
use crate::Message;
use crate::sends::SendState;

/// A block on node `at`'s tip, mined by `miner`, carrying exactly `txs`.
fn block_with(net: &mut Net, at: PeerId, miner: u8, txs: Vec<Transaction>) -> Block {
    net.now = net.now.plus_ms(P.mine_rate_ms);
    let now = net.now;
    let node = net.node(at);
    let mut store = Store::from_blocks(P, node.store().main_chain().cloned().collect(), now)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut pool = Pool::new();
    for tx in txs {
        store
            .add_to_pool(&mut pool, tx)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let template = Template::new(&store, &pool, wallet(miner).address(), now);
    let nonce = pow::search(&template.header, 0..u64::MAX).unwrap_or_default();
    template.into_block(nonce)
}

/// `block` reaches every node, from a miner outside the net.
fn deliver(net: &mut Net, block: Block) {
    for id in 1..=net.nodes.len() as PeerId {
        let msg = Message::Block {
            block: block.clone(),
        };
        net.queue.push_back((id, from(99, msg)));
    }
    net.pump();
}

/// Node `id`'s pending transaction.
fn pending_of(net: &mut Net, id: PeerId) -> Option<Transaction> {
    let me = wallet(id as u8).address();
    net.node(id).pool().get(&me).cloned()
}

/// Node 1 sends 40 to node 3 (the send returned); node 2 sends 5 to node 1,
/// and a block (returned, not delivered) confirms only that: node 1's send
/// no longer matches its balance.
fn coins_overtake_a_send(net: &mut Net) -> (Transaction, Block) {
    net.send(1, 3, 40, 1).unwrap_or_else(|e| panic!("{e}"));
    let stale = pending_of(net, 1).unwrap_or_else(|| panic!("pending"));
    net.send(2, 1, 5, 2).unwrap_or_else(|e| panic!("{e}"));
    let gift = pending_of(net, 2).unwrap_or_else(|| panic!("pending"));
    let block = block_with(net, 2, 9, vec![gift]);
    (stale, block)
}

#[test]
fn a_merged_send_whose_earlier_version_was_confirmed_is_sent_again() {
    let mut net = Net::new(3);
    net.send(1, 2, 30, 1).unwrap_or_else(|e| panic!("{e}"));
    let first = pending_of(&mut net, 1).unwrap_or_else(|| panic!("pending"));
    net.send(1, 3, 20, 2).unwrap_or_else(|e| panic!("{e}"));
    // A miner that only saw the first version confirms it.
    let block = block_with(&mut net, 3, 9, vec![first.clone()]);
    deliver(&mut net, block);
    let again = net.told(1).iter().find_map(|n| match n {
        Notice::Reissued { old, new, payments } => Some((*old, *new, payments.clone())),
        _ => None,
    });
    let (old, new, payments) = again.unwrap_or_else(|| panic!("told: {:?}", net.told(1)));
    assert_eq!(old, first.id);
    assert_eq!(payments, vec![(wallet(3).address(), Amount(20))]);
    for id in 1..=3 {
        let pending = pending_of(&mut net, 1);
        assert_eq!(
            pending.map(|tx| tx.id),
            Some(new),
            "node {id} holds the new send"
        );
    }
    let states = |net: &mut Net| -> Vec<(u64, SendState)> {
        let sends = net.node(1).sends();
        sends
            .iter()
            .map(|r| (r.amount.0, r.state.clone()))
            .collect()
    };
    assert_eq!(
        states(&mut net),
        vec![
            (30, SendState::Confirmed(Height(1))),
            (20, SendState::SentAgain(new)),
            (20, SendState::Pending),
        ]
    );
    net.mine(2);
    assert_eq!(states(&mut net)[2], (20, SendState::Confirmed(Height(2))));
    let ledger = net.nodes[0].store().ledger().clone();
    assert_eq!(ledger.balance(&wallet(2).address()), Amount(1030 + 50));
    assert_eq!(ledger.balance(&wallet(3).address()), Amount(1020));
    assert_eq!(ledger.balance(&wallet(1).address()), Amount(950));
}

#[test]
fn a_pending_send_overtaken_by_arriving_coins_is_sent_again_from_the_new_balance() {
    let mut net = Net::new(3);
    let (stale, block) = coins_overtake_a_send(&mut net);
    deliver(&mut net, block);
    assert!(
        net.told(1).iter().any(|n| matches!(
            n,
            Notice::Reissued { old, payments, .. }
                if *old == stale.id && payments == &vec![(wallet(3).address(), Amount(40))]
        )),
        "{:?}",
        net.told(1)
    );
    let again = pending_of(&mut net, 1).unwrap_or_else(|| panic!("sent again"));
    assert_eq!(again.outputs.get(&wallet(1).address()), Some(&Amount(965)));
    net.mine(3);
    assert_eq!(net.nodes[0].store().height(), Height(2));
    let ledger = net.nodes[0].store().ledger().clone();
    assert_eq!(ledger.balance(&wallet(3).address()), Amount(1040 + 50));
}

/// What a send still owes can exceed the balance only in odd cases (a
/// reorganisation took coins back); then the person is told, and nothing
/// is sent.
#[test]
fn a_payment_the_balance_cannot_cover_is_said_to_have_failed() {
    let mut net = Net::new(2);
    let me = wallet(1);
    // A send made when the tab believed it had 10,000 coins.
    let owed = Transaction::new(
        &me,
        Amount(10_000),
        wallet(2).address(),
        Amount(5_000),
        salt(9),
        net.now,
        &P.network_id(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let now = net.now;
    let effects = net.node(1).local.follow_my_send(Some(owed), now);
    assert!(matches!(
        &effects[..],
        [Effect::Notify(Notice::SendFailed {
            amount: Amount(5_000),
            error: SendError::Tx(tabcoin_chain::TxError::InsufficientFunds { .. }),
            ..
        })]
    ));
    assert!(net.node(1).pool().is_empty());
}

/// A tab that was closed: its stored pending send no longer fits the chain
/// it reads back, and is sent again when the tab runs.
#[test]
fn a_stored_send_that_no_longer_fits_is_sent_again_when_the_tab_runs() {
    let mut net = Net::new(3);
    let (stale, block) = coins_overtake_a_send(&mut net);
    let mut chain: Vec<Block> = net.nodes[1].store().main_chain().cloned().collect();
    chain.push(block);
    let records = chain.iter().map(crate::persist::record).collect();
    let pool = serde_json::to_string(&vec![stale.clone()]).unwrap_or_default();
    let mut reopened = Node::new(Store::new(P), wallet(1));
    let event = Event::StorageLoaded {
        chain: Ok(Some(crate::StoredChain::Records(records))),
        pool: Some(pool),
    };
    let effects = reopened.handle(event, net.now);
    assert!(
        notices(&effects).iter().any(|n| matches!(
            n,
            Notice::Reissued { old, .. } if *old == stale.id
        )),
        "{effects:?}"
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Broadcast(Message::Transaction { .. })))
    );
}

#[test]
fn a_transaction_made_elsewhere_is_pooled_and_passed_on_or_refused_with_its_rule() {
    let mut net = Net::new(2);
    let network = net.node(1).store().genesis().hash;
    let now = net.now;
    let tx = tabcoin_chain::Transaction::new(
        &wallet(7),
        Amount(1000),
        wallet(2).address(),
        Amount(40),
        salt(3),
        now,
        &network,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let effects = acts(net.node(1).handle(Event::Submit(tx.clone()), now));
    assert!(
        effects.contains(&Effect::Broadcast(crate::Message::Transaction {
            tx: tx.clone()
        }))
    );
    assert_eq!(net.node(1).pool().len(), 1);
    // Again: already pooled, nothing to do.
    assert!(acts(net.node(1).handle(Event::Submit(tx.clone()), now)).is_empty());
    // Tampered: refused with the rule it breaks, the pool unchanged.
    let mut forged = tx;
    forged.outputs.insert(wallet(9).address(), Amount(1));
    let refused = acts(net.node(2).handle(Event::Submit(forged), now));
    assert!(
        matches!(
            &refused[..],
            [Effect::SendRefused(SendError::Pool(
                tabcoin_chain::PoolError::Invalid(_)
            ))]
        ),
        "{refused:?}"
    );
    assert!(net.node(2).pool().is_empty());
}

#[test]
fn a_send_is_stored_before_it_is_acknowledged() {
    let mut n = Node::new(tabcoin_chain::Store::new(crate::testkit::P), wallet(1));
    let loaded = Event::StorageLoaded {
        chain: Ok(None),
        pool: None,
    };
    n.handle(loaded, Timestamp(0));
    let now = tabcoin_chain::GENESIS_TIMESTAMP.plus_ms(1_000);
    let effects = n.handle(
        Event::Send {
            to: wallet(2).address(),
            amount: Amount(5),
            salt: salt(1),
        },
        now,
    );
    let stored = effects.iter().find_map(|e| match e {
        Effect::WritePool(json) => Some(json.clone()),
        _ => None,
    });
    let stored = stored.unwrap_or_else(|| panic!("no WritePool in {effects:?}"));
    assert!(stored.contains(&id(1, 1).to_string()), "{stored}");
}

//! Jobs, miners' reports, rewards and arrivals, switching accounts.

use tabcoin_chain::{Height, Store, Timestamp};

use super::*;
use crate::Keys;

#[test]
fn a_stale_miner_answer_is_ignored_and_a_new_tip_restarts_mining() {
    let mut net = Net::new(2);
    let first = net.handle(2, Event::MiningToggled);
    let Some(Effect::Mine(old)) = first.first().cloned() else {
        panic!("no job")
    };
    net.mine(1); // node 2 learns a new tip while mining
    let current = net
        .node(2)
        .job()
        .cloned()
        .unwrap_or_else(|| panic!("still mining, on a fresh template"));
    assert_ne!(current.id, old.id);
    assert_eq!(
        current.template.header.prev_hash,
        net.nodes[0].store().tip().hash
    );
    let report = MinerReport::Found {
        job: old.id,
        nonce: 0,
        tried: 1,
    };
    assert!(net.handle(2, Event::Miner { worker: 0, report }).is_empty());
    assert_eq!(net.node(2).store().height(), Height(1));
}

#[test]
fn stopping_mining_stops_the_miners() {
    let mut n = Node::new(Store::new(P), wallet(1));
    let started = n.handle(Event::MiningToggled, Timestamp(0));
    assert_eq!(notices(&started), vec![Notice::MiningStarted]);
    assert!(n.job().is_some());
    assert_eq!(
        n.handle(Event::MiningToggled, Timestamp(0)),
        vec![Effect::Notify(Notice::MiningStopped), Effect::StopMining]
    );
    assert!(n.job().is_none());
}

#[test]
fn each_miner_reports_its_own_rate_and_the_total_adds_up() {
    let t = GENESIS_TIMESTAMP.plus_ms(1_000_000);
    let mut n = Node::new(Store::new(P), wallet(1));
    n.handle(Event::WorkersSet(3), t);
    let effects = acts(n.handle(Event::MiningToggled, t));
    let Some(Effect::Mine(job)) = effects.first().cloned() else {
        panic!("a job")
    };
    for (worker, tried) in [(0, 1000), (1, 2000), (2, 3000)] {
        let report = MinerReport::Progress {
            job: job.id,
            tried,
            elapsed_ms: 1000.0,
        };
        n.handle(Event::Miner { worker, report }, t);
    }
    assert_eq!(n.worker_rates(), &[1000.0, 2000.0, 3000.0]);
    assert_eq!(n.hash_rate(), 6000.0);
    assert_eq!(n.tried(), 6000);
    n.handle(Event::Tick, t.plus_ms(1000));
    assert_eq!(n.rate_history().back(), Some(&(t.plus_ms(1000), 6000.0)));
    // Changing the number of miners restarts the job for the new set.
    let effects = n.handle(Event::WorkersSet(2), t);
    assert!(matches!(effects[..], [Effect::Mine(_)]));
    assert_eq!(n.worker_rates().len(), 2);
}

#[test]
fn arriving_coins_and_rewards_are_told_but_the_change_is_not_news() {
    let mut net = Net::new(2);
    net.send(1, 2, 30, 1).unwrap_or_else(|e| panic!("{e}"));
    // The payment is told to the payee at once, while it is pending.
    let tx = id(1, 1);
    assert!(net.told(2).contains(&Notice::PaymentIncoming {
        coins: 30,
        from: wallet(1).address(),
        tx
    }));
    assert!(
        !net.told(1)
            .iter()
            .any(|n| matches!(n, Notice::PaymentIncoming { .. })),
        "the payer's own send is not incoming"
    );
    assert_eq!(net.node(2).incoming(), Amount(30), "counted as incoming");
    assert_eq!(net.node(1).incoming(), Amount(0));
    net.mine(1);
    assert!(net.told(2).contains(&Notice::CoinsReceived {
        coins: 30,
        height: Height(1),
        from: wallet(1).address(),
        tx
    }));
    assert_eq!(
        net.node(2).incoming(),
        Amount(0),
        "confirmed: no longer incoming"
    );
    let told_1 = net.told(1).to_vec();
    assert!(told_1.contains(&Notice::Rewarded {
        coins: 50,
        height: Height(1)
    }));
    assert!(
        !told_1
            .iter()
            .any(|n| matches!(n, Notice::CoinsReceived { .. })),
        "the sender's change is not an arrival: {told_1:?}"
    );
}

#[test]
fn a_node_catching_up_does_not_tell_old_payments_as_news() {
    let mut net = Net::new(1);
    net.mine(1);
    // Node 2's wallet is paid before node 2 runs (a reload, a new tab on
    // an account used before).
    net.send(1, 2, 30, 1).unwrap_or_else(|e| panic!("{e}"));
    net.mine(1);
    let two = net.join();
    assert_eq!(two, 2);
    assert_eq!(net.node(2).store().height(), Height(2), "caught up");
    assert!(
        !net.told(2)
            .iter()
            .any(|n| matches!(n, Notice::CoinsReceived { .. })),
        "history is not news: {:?}",
        net.told(2)
    );
    // A payment in a new block is.
    net.send(1, 2, 5, 2).unwrap_or_else(|e| panic!("{e}"));
    net.mine(1);
    assert!(net.told(2).iter().any(|n| matches!(
        n,
        Notice::CoinsReceived {
            coins: 5,
            height: Height(3),
            ..
        }
    )));
}

#[test]
fn each_block_a_miner_finds_tells_its_reward() {
    let mut net = Net::new(1);
    for _ in 0..3 {
        net.mine(1);
    }
    let rewards: Vec<(u64, u64)> = net
        .told(1)
        .iter()
        .filter_map(|n| match n {
            Notice::Rewarded { coins, height } => Some((*coins, height.0)),
            _ => None,
        })
        .collect();
    assert_eq!(rewards, vec![(50, 1), (50, 2), (50, 3)]);
}

#[test]
fn switching_accounts_moves_balances_and_rewards_to_the_new_wallet() {
    let mut net = Net::new(1);
    let first = net.handle(1, Event::MiningToggled);
    assert!(matches!(first[..], [Effect::Mine(_)]));
    let effects = net.handle(1, Event::KeysChanged(wallet(42).into()));
    assert!(net.told(1).contains(&Notice::AccountSwitched {
        address: wallet(42).address()
    }));
    let Some(Effect::Mine(job)) = effects.first().cloned() else {
        panic!("a fresh job for the new wallet")
    };
    assert_eq!(
        job.template.txs[0].outputs.keys().next(),
        Some(&wallet(42).address())
    );
    assert_eq!(net.nodes[0].balance(), P.starting_balance);
    assert_eq!(net.nodes[0].keys().address(), wallet(42).address());
    assert!(
        net.handle(1, Event::KeysChanged(wallet(42).into()))
            .is_empty(),
        "same wallet: nothing to do"
    );
}

#[test]
fn a_locked_account_mines_and_receives_but_sends_only_once_unlocked() {
    let mut net = Net::new(2);
    let me = wallet(1);
    let locked = net.handle(1, Event::KeysChanged(Keys::Locked(me.address())));
    assert!(
        locked.is_empty(),
        "the same account, locked: nothing else changes"
    );
    assert!(net.nodes[0].keys().is_locked());
    net.mine(1);
    assert_eq!(net.nodes[0].balance().0, P.starting_balance.0 + 50);
    let send = Event::Send {
        to: wallet(2).address(),
        amount: Amount(5),
        salt: salt(1),
    };
    assert!(matches!(
        net.handle(1, send.clone())[..],
        [Effect::SendRefused(SendError::Locked)]
    ));
    assert!(net.nodes[0].pool().is_empty(), "nothing was signed");
    assert!(net.handle(1, Event::KeysChanged(me.into())).is_empty());
    assert!(!net.nodes[0].keys().is_locked());
    net.handle(1, send);
    assert!(net.nodes[0].pool().get(&wallet(1).address()).is_some());
}

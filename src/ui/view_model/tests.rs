//! The view models' labels, lists and series.

use super::*;
use tabcoin_chain::pow::search;
use tabcoin_chain::{Amount, Params, Salt, Template, Timestamp, Transaction, Wallet};

use crate::keys::accounts::Account;

const P: Params = Params::TEST;

fn wallet(seed: u8) -> Wallet {
    Wallet::from_secret([seed; 32]).unwrap_or_else(|e| panic!("{e}"))
}

/// `n` blocks 2 s apart, the first paying `wallet(1)`.
fn chain(n: u64) -> Store {
    let mut store = Store::new(P);
    for i in 0..n {
        let t = Timestamp(store.tip().header.timestamp.0 + 2_000);
        let miner = wallet(1 + (i % 2) as u8).address();
        let template = Template::new(&store, &Pool::new(), miner, t);
        let nonce = search(&template.header, 0..u64::MAX).unwrap_or_default();
        let now = Timestamp(t.0 + 1_000);
        store
            .accept(template.into_block(nonce), now)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    store
}

#[test]
fn the_sealing_sentence_says_why_not_or_when() {
    let now = Timestamp(10_000);
    assert!(
        sealing_sentence(Sealing::NotAnAuthority { authorities: 1 }, false, now).starts_with(
            "This account cannot seal: the network's blocks are sealed by its 1 authority,"
        )
    );
    let due = Sealing::Due {
        at: Timestamp(12_500),
        in_turn: true,
        by: 0,
    };
    assert_eq!(
        sealing_sentence(due, true, now),
        "Authority 1: sealing the next block in turn, in 3 s."
    );
    assert_eq!(
        sealing_sentence(due, false, now),
        "This account is authority 1: start sealing to seal blocks in its turn."
    );
    let late = Sealing::Due {
        at: Timestamp(9_000),
        in_turn: false,
        by: 2,
    };
    assert!(sealing_sentence(late, true, now).ends_with("out of turn now unless it comes first."));
}

#[test]
fn a_mined_block_names_its_miner_and_difficulty() {
    let store = chain(1);
    let tip = store.tip();
    let [who, by, what, value] = maker(tip, &[]);
    assert_eq!((who.as_str(), what.as_str()), ("miner", "difficulty"));
    assert_eq!(by, wallet(1).address().short());
    assert!(value.ends_with(" bits"), "{value}");
}

#[test]
fn a_network_row_says_what_kind_where_it_stands_and_what_the_tab_holds() {
    let node = tabcoin_node::Node::new(chain(3), wallet(1));
    let row = network_row(&node);
    assert_eq!(row.name, "test");
    assert_eq!(row.id, P.network_id().short());
    assert_eq!((row.kind, row.height, row.making), ("proof of work", 3, ""));
    // Two of the three blocks paid wallet 1, on top of its starting balance.
    assert_eq!(row.balance, P.starting_balance.0 + 2 * P.mining_reward.0);
    assert_eq!(row.mode, node.mode().label());
}

#[test]
fn the_status_says_where_the_network_stands_in_plain_words() {
    let syncing = SyncState::Syncing {
        peer: 4,
        target: Height(300),
    };
    assert_eq!(
        status_line(syncing, Height(12), 3),
        "Catching up: block 12 of 300"
    );
    assert_eq!(
        status_line(SyncState::Ready, Height(0), 0),
        "Alone — mine to make block 1"
    );
    assert_eq!(
        status_line(SyncState::Ready, Height(9), 0),
        "Alone — 9 blocks here"
    );
    assert_eq!(
        status_line(SyncState::Ready, Height(9), 1),
        "Up to date · 1 peer"
    );
    assert_eq!(
        status_line(SyncState::Ready, Height(9), 3),
        "Up to date · 3 peers"
    );
}

#[test]
fn the_sync_label_says_how_far_along_the_download_is() {
    assert_eq!(sync_label(SyncState::Ready, Height(4)), "ready");
    let syncing = SyncState::Syncing {
        peer: 1,
        target: Height(300),
    };
    assert_eq!(sync_label(syncing, Height(12)), "syncing 12 / 300");
}

#[test]
fn a_pending_transaction_reads_as_who_pays_whom_without_the_change() {
    let mut store = chain(0);
    let mut pool = Pool::new();
    let (from, to) = (wallet(1), wallet(2).address());
    let tx = Transaction::new(
        &from,
        P.starting_balance,
        to,
        Amount(5),
        Salt([1; 16]),
        Timestamp(0),
        &P.network_id(),
    );
    let tx = tx.unwrap_or_else(|e| panic!("{e}"));
    store
        .add_to_pool(&mut pool, tx)
        .unwrap_or_else(|e| panic!("{e}"));
    let line = |text: String, to_me| PoolLine { text, to_me };
    assert_eq!(
        pool_lines(&pool, &from.address()),
        vec![line(
            format!("{} sends 5 to {}", from.address().short(), to.short()),
            false
        )]
    );
    // The payee sees it marked, and itself as "you".
    assert_eq!(
        pool_lines(&pool, &to),
        vec![line(
            format!("{} sends 5 to you", from.address().short()),
            true
        )]
    );
}

#[test]
fn the_send_form_offers_other_accounts_first_then_the_chain() {
    let store = chain(2);
    let mut book = AccountBook::default();
    book.add(Account::new(&wallet(1), "Me".into(), 0));
    book.add(Account::new(&wallet(3), "Savings".into(), 0));
    let known = known_addresses(&book, store.ledger(), &wallet(1).address());
    assert_eq!(
        known,
        vec![
            (
                "Savings (this browser)".into(),
                wallet(3).address().to_string()
            ),
            ("seen on the chain".into(), wallet(2).address().to_string()),
        ]
    );
}

#[test]
fn the_wallet_lists_this_accounts_sends_newest_first_with_their_state() {
    use tabcoin_node::Event;
    // Two sends through a node, one confirmed, and another account's.
    let mut node = tabcoin_node::Node::new(chain(1), wallet(1));
    let t = Timestamp(node.store().tip().header.timestamp.0 + 10);
    for (to, n) in [(2u8, 5u64), (3, 7)] {
        let send = Event::Send {
            to: wallet(to).address(),
            amount: Amount(n),
            salt: Salt([n as u8; 16]),
        };
        node.handle(send, t);
    }
    let rows = send_rows(node.sends(), &wallet(1).address());
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].what,
        format!("7 to {}", wallet(3).address().short())
    );
    assert_eq!(
        (rows[0].state.as_str(), rows[0].class),
        ("pending", "pending")
    );
    assert!(send_rows(node.sends(), &wallet(2).address()).is_empty());
}

#[test]
fn charts_cover_the_latest_blocks_and_pages_cover_them_all() {
    let store = chain(CHART_BLOCKS as u64 + 10);
    let times = block_times(&store);
    assert_eq!(times.len(), CHART_BLOCKS);
    assert!(times.iter().all(|t| (*t - 2.0).abs() < 1e-9), "{times:?}");
    assert_eq!(difficulty(&store).len(), CHART_BLOCKS);
    let (newest, page, pages) = blocks_page(&store, 0);
    assert_eq!((newest.len(), page, pages), (LATEST, 0, 6));
    assert_eq!(newest[0].hash, store.tip().hash);
    let (last, page, _) = blocks_page(&store, 99);
    assert_eq!(page, 5, "beyond the end: the last page");
    assert_eq!(last.last().map(|b| b.header.height), Some(Height(0)));
    assert_eq!(block_times(&chain(0)), Vec::<f64>::new());
}

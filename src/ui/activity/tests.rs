//! The log's and the toasts' words and lifetimes.

use super::*;
use tabcoin_chain::{Amount, BlockHash, TxId, Wallet};

const T: Timestamp = Timestamp(1_795_219_200_000);

fn toasts(a: &Activity) -> Vec<&str> {
    a.toasts().iter().map(|t| t.text.as_str()).collect()
}

fn payment(coins: u64, height: u64) -> Notice {
    Notice::CoinsReceived {
        coins,
        height: Height(height),
        from: payer().address(),
        tx: TxId::from_random([7; 16]),
    }
}

fn payer() -> Wallet {
    Wallet::from_secret([3; 32]).unwrap_or_else(|_| panic!("valid"))
}

#[test]
fn a_payment_raises_a_toast_leading_to_it_and_a_log_line() {
    let mut a = Activity::new();
    let from = payer().address().short();
    let tx = TxId::from_random([7; 16]);
    a.notice(
        T,
        &Notice::PaymentIncoming {
            coins: 30,
            from: payer().address(),
            tx,
        },
    );
    a.notice(T.plus_ms(5_000), &payment(30, 1));
    assert_eq!(
        toasts(&a),
        vec![
            format!("30 coins incoming from {from}: they count once a block holds them"),
            format!("Received 30 coins from {from} in block 1"),
        ]
    );
    let link = Route::Tx(tx).href();
    assert!(
        a.toasts()
            .iter()
            .all(|t| t.link.as_deref() == Some(link.as_str()))
    );
    assert_eq!(
        a.log().iter().map(|l| l.text.clone()).collect::<Vec<_>>(),
        vec![
            format!("30 coins incoming from {from}: they count once a block holds them"),
            format!("received 30 coins from {from} in block 1"),
        ]
    );
    // Longer than other toasts, then gone.
    a.tick(T.plus_ms(PAYMENT_TOAST_MS - 1));
    assert_eq!(a.toasts().len(), 2);
    a.tick(T.plus_ms(PAYMENT_TOAST_MS));
    assert_eq!(a.toasts().len(), 1);
    a.tick(T.plus_ms(5_000 + PAYMENT_TOAST_MS));
    assert!(a.toasts().is_empty());
}

#[test]
fn a_miners_rewards_gather_into_one_toast_and_give_way_to_payments() {
    let mut a = Activity::new();
    for h in 1..=3 {
        let rewarded = Notice::Rewarded {
            coins: 50,
            height: Height(h),
        };
        a.notice(T, &rewarded);
    }
    assert_eq!(toasts(&a), vec!["Received 150 mining reward in blocks 1–3"]);
    for h in 4..8 {
        a.notice(T, &payment(1, h));
    }
    assert_eq!(a.toasts().len(), MAX_TOASTS);
    assert!(
        toasts(&a).iter().all(|t| !t.contains("reward")),
        "the reward toast went first: {:?}",
        toasts(&a)
    );
}

#[test]
fn rewards_of_two_networks_are_told_apart() {
    let mut a = Activity::new();
    let rewarded = |coins, height| Notice::Rewarded {
        coins,
        height: Height(height),
    };
    a.set_network(Some("demo".into()));
    a.notice(T, &rewarded(50, 1));
    a.set_network(Some("test".into()));
    a.notice(T, &rewarded(1000, 7));
    a.notice(T, &rewarded(1000, 8));
    a.set_network(Some("demo".into()));
    a.notice(T, &rewarded(50, 2));
    assert_eq!(
        toasts(&a),
        vec![
            "demo: Received 50 mining reward in block 1",
            "test: Received 2000 mining reward in blocks 7–8",
            "demo: Received 50 mining reward in block 2",
        ]
    );
}

#[test]
fn a_burst_of_mined_blocks_is_one_line_and_keeps_a_payment_in_the_log() {
    let mut a = Activity::new();
    a.notice(T, &payment(25, 1));
    let mined = |h: u64| Notice::Mined {
        height: Height(h),
        hash: BlockHash([h as u8; 32]),
    };
    for h in 2..42 {
        a.notice(T, &mined(h));
    }
    let lines: Vec<&str> = a.log().iter().map(|l| l.text.as_str()).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("received 25 coins from"));
    assert!(lines[1].starts_with("mined blocks 2–41 ("), "{}", lines[1]);
    // Another line in between, or a gap, starts a new one.
    a.line(T, "something else".into(), false);
    a.notice(T, &mined(42));
    a.notice(T, &mined(44));
    let last: Vec<&str> = a
        .log()
        .iter()
        .rev()
        .take(2)
        .map(|l| l.text.as_str())
        .collect();
    assert!(last[0].starts_with("mined block 44 ("), "{last:?}");
    assert!(last[1].starts_with("mined block 42 ("), "{last:?}");
}

#[test]
fn the_log_keeps_the_latest_lines_and_marks_problems() {
    let mut a = Activity::new();
    for i in 0..LOG_LINES + 5 {
        a.line(T, format!("line {i}"), false);
    }
    assert_eq!(a.log().len(), LOG_LINES);
    assert_eq!(a.log()[0].text, "line 5");
    a.notice(T, &Notice::SyncPeerSwitched { gone: 1, to: 2 });
    let last = a.log().back().cloned();
    assert_eq!(
        last.map(|l| (l.text, l.warn)),
        Some(("peer 1 stopped answering; syncing from peer 2".into(), true))
    );
    a.note(T, &Note::Room(RoomNote::Joined { you: 5, others: 2 }));
    assert_eq!(
        a.log().back().map(|l| (l.text.as_str(), l.warn)),
        Some(("joined the relay as peer 5; 2 other tab(s)", false))
    );
}

#[test]
fn notices_read_as_the_sentences_the_log_has_always_shown() {
    let to = Wallet::from_secret([2; 32]).map(|w| w.address());
    let to = to.unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        (
            Notice::Mined {
                height: Height(7),
                hash: BlockHash([0xab; 32]),
            },
            "mined block 7 (abababab)",
        ),
        (
            Notice::Reorganised {
                peer: 3,
                removed: 1,
                added: 2,
            },
            "switched to peer 3's branch: -1 +2 blocks",
        ),
        (
            Notice::PeerBanned {
                peer: 4,
                minutes: 10,
                why: Misbehaviour::RewardAsTransaction,
            },
            "banned peer 4 for 10 min: it sent a reward as a transaction",
        ),
        (
            Notice::ChainWriteFailed {
                reason: "cannot save the chain: full".into(),
            },
            "cannot save the chain: full; trying again",
        ),
    ];
    for (notice, words) in cases {
        assert_eq!(sentence(&notice), words);
    }
    let sent = sentence(&Notice::Sent {
        amount: Amount(5),
        to,
    });
    assert_eq!(sent, format!("sent 5 to {}", to.short()));
}

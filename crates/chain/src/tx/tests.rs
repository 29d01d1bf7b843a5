//! Transaction rules: each rule accepts a good input and rejects a minimally
//! broken one with its own error.

use super::*;

const P: Params = Params::TEST;

pub fn wallet(seed: u8) -> Wallet {
    Wallet::from_secret([seed; 32]).unwrap_or_else(|_| panic!("seed {seed} is a valid secret"))
}

fn id(n: u8) -> TxId {
    TxId::from_random([n; 16])
}

fn salt(n: u8) -> Salt {
    Salt([n; 16])
}

fn net() -> BlockHash {
    P.network_id()
}

fn send(from: &Wallet, balance: u64, to: &Wallet, amount: u64) -> Transaction {
    Transaction::new(
        from,
        Amount(balance),
        to.address(),
        Amount(amount),
        salt(1),
        Timestamp(1_000),
        &net(),
    )
    .unwrap_or_else(|e| panic!("valid send: {e}"))
}

#[test]
fn a_new_transaction_pays_the_recipient_and_returns_change() {
    let (a, b) = (wallet(1), wallet(2));
    let tx = send(&a, 100, &b, 30);
    assert_eq!(tx.outputs.get(&b.address()), Some(&Amount(30)));
    assert_eq!(tx.outputs.get(&a.address()), Some(&Amount(70)));
    assert_eq!(tx.sender(), Some(a.address()));
    assert_eq!(tx.signature_is_valid(&net()), Ok(()));
    assert_eq!(tx.structure_is_valid(&P), Ok(()));
}

#[test]
fn sending_everything_leaves_no_zero_change_output() {
    let (a, b) = (wallet(1), wallet(2));
    let tx = send(&a, 100, &b, 100);
    assert_eq!(tx.outputs.len(), 1);
    assert_eq!(tx.structure_is_valid(&P), Ok(()));
}

#[test]
fn creation_refuses_bad_requests() {
    let (a, b) = (wallet(1), wallet(2));
    let new = |to: Address, amount| {
        Transaction::new(
            &a,
            Amount(100),
            to,
            Amount(amount),
            salt(1),
            Timestamp(0),
            &net(),
        )
        .err()
    };
    assert_eq!(
        new(b.address(), 101),
        Some(TxError::InsufficientFunds {
            balance: Amount(100),
            requested: Amount(101)
        })
    );
    assert_eq!(new(b.address(), 0), Some(TxError::ZeroAmount));
    assert_eq!(new(a.address(), 5), Some(TxError::SendToSelf));
}

#[test]
fn update_merges_a_second_send_and_re_signs() {
    let (a, b, c) = (wallet(1), wallet(2), wallet(3));
    let mut tx = send(&a, 100, &b, 30);
    tx.update(&a, c.address(), Amount(20), Timestamp(2_000), &net())
        .unwrap_or_else(|e| panic!("{e}"));
    tx.update(&a, b.address(), Amount(5), Timestamp(3_000), &net())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tx.outputs.get(&b.address()), Some(&Amount(35)));
    assert_eq!(tx.outputs.get(&c.address()), Some(&Amount(20)));
    assert_eq!(tx.outputs.get(&a.address()), Some(&Amount(45)));
    assert_eq!(tx.signature_is_valid(&net()), Ok(()));
    assert_eq!(tx.structure_is_valid(&P), Ok(()));
    assert!(matches!(
        tx.input,
        Input::Signed {
            timestamp: Timestamp(3_000),
            amount: Amount(100),
            ..
        }
    ));
}

#[test]
fn update_refuses_more_than_the_change_and_other_wallets() {
    let (a, b) = (wallet(1), wallet(2));
    let mut tx = send(&a, 100, &b, 30);
    let before = tx.clone();
    assert_eq!(
        tx.update(&a, b.address(), Amount(71), Timestamp(2_000), &net()),
        Err(TxError::InsufficientFunds {
            balance: Amount(70),
            requested: Amount(71)
        })
    );
    assert_eq!(
        tx.update(&b, a.address(), Amount(1), Timestamp(2_000), &net()),
        Err(TxError::NotSender)
    );
    assert_eq!(tx, before, "a refused update changes nothing");
    tx.update(&a, b.address(), Amount(70), Timestamp(2_000), &net())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tx.outputs.get(&a.address()), None, "change spent in full");
}

#[test]
fn a_changed_output_breaks_the_signature() {
    let (a, b) = (wallet(1), wallet(2));
    let mut tx = send(&a, 100, &b, 30);
    tx.outputs.insert(b.address(), Amount(31));
    assert_eq!(
        tx.signature_is_valid(&net()),
        Err(TxError::BadSignature { id: tx.id })
    );
}

#[test]
fn a_signature_from_another_key_is_rejected() {
    let (a, b, mallory) = (wallet(1), wallet(2), wallet(66));
    let mut forged = send(&a, 100, &b, 30);
    let digest = forged.signing_digest(&net()).unwrap_or_default();
    if let Input::Signed { signature, .. } = &mut forged.input {
        *signature = Sig(mallory.sign_digest(&digest));
    }
    assert_eq!(
        forged.signature_is_valid(&net()),
        Err(TxError::BadSignature { id: forged.id })
    );
}

#[test]
fn outputs_must_sum_to_the_input() {
    let (a, b) = (wallet(1), wallet(2));
    let mut tx = send(&a, 100, &b, 30);
    tx.outputs.insert(b.address(), Amount(40));
    assert_eq!(
        tx.structure_is_valid(&P),
        Err(TxError::OutputsNotEqualInput {
            id: tx.id,
            input: Amount(100),
            outputs: 110
        })
    );
}

#[test]
fn zero_outputs_are_rejected() {
    let (a, b, c) = (wallet(1), wallet(2), wallet(3));
    let mut tx = send(&a, 100, &b, 30);
    tx.outputs.insert(c.address(), Amount(0));
    assert_eq!(
        tx.structure_is_valid(&P),
        Err(TxError::ZeroOutput {
            id: tx.id,
            address: c.address()
        })
    );
}

#[test]
fn output_count_is_bounded() {
    let (a, b) = (wallet(1), wallet(2));
    let mut tx = send(&a, 100, &b, 30);
    tx.outputs.clear();
    assert_eq!(
        tx.structure_is_valid(&P),
        Err(TxError::OutputCount {
            id: tx.id,
            actual: 0,
            max: P.max_outputs
        })
    );
    let mut many = send(&a, 1000, &b, 1);
    for seed in 10..10 + (P.max_outputs - 1) as u8 {
        many.update(&a, wallet(seed).address(), Amount(1), Timestamp(5), &net())
            .ok();
    }
    assert_eq!(
        many.structure_is_valid(&P),
        Err(TxError::OutputCount {
            id: many.id,
            actual: P.max_outputs + 1,
            max: P.max_outputs
        })
    );
}

#[test]
fn a_reward_has_no_signature_to_verify() {
    let r = Transaction::reward(wallet(1).address(), Height(5), &P, id(9));
    assert!(r.is_reward());
    assert_eq!(r.sender(), None);
    assert_eq!(r.structure_is_valid(&P), Ok(()));
    assert_eq!(
        r.signature_is_valid(&net()),
        Err(TxError::MisplacedReward { id: r.id })
    );
}

#[test]
fn the_hash_covers_every_field() {
    let (a, b) = (wallet(1), wallet(2));
    let tx = send(&a, 100, &b, 30);
    let mut other_sig = tx.clone();
    if let Input::Signed { signature, .. } = &mut other_sig.input {
        signature.0[10] ^= 1;
    }
    let mut other_id = tx.clone();
    other_id.id = id(2);
    assert_ne!(tx.hash(), other_sig.hash());
    assert_ne!(tx.hash(), other_id.hash());
    let r1 = Transaction::reward(a.address(), Height(5), &P, id(9));
    let r2 = Transaction::reward(a.address(), Height(6), &P, id(9));
    assert_ne!(r1.hash(), r2.hash());
}

#[test]
fn json_round_trips() {
    let (a, b) = (wallet(1), wallet(2));
    for tx in [
        send(&a, 100, &b, 30),
        Transaction::reward(a.address(), Height(5), &P, id(9)),
    ] {
        let json = serde_json::to_string(&tx).unwrap_or_default();
        let back: Option<Transaction> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(tx));
    }
}

/// Golden vector: a transaction signed by a fixed key on the test network.
/// RFC 6979 makes the signature deterministic, so any change to the id
/// derivation, the canonical bytes, the network commitment or the signing
/// shows up here. (Id, signature and hash are computed independently by
/// `docs/vectors.py`, with Python's `hashlib` and `ecdsa` over the
/// documented bytes.)
#[test]
fn signed_transaction_golden_vector() {
    let (a, b) = (wallet(1), wallet(2));
    let tx = Transaction::new(
        &a,
        Amount(1000),
        b.address(),
        Amount(25),
        salt(7),
        Timestamp(1_795_219_200_000),
        &net(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let Input::Signed { signature, .. } = tx.input else {
        panic!("signed")
    };
    assert_eq!(tx.id.to_string(), GOLDEN_ID);
    assert_eq!(to_hex(&signature.0), GOLDEN_SIG);
    assert_eq!(to_hex(&tx.hash()), GOLDEN_TX_HASH);
}

const GOLDEN_ID: &str = "b0ed6298-5bff-4c40-b4bc-9ca2d3d7bee4";
const GOLDEN_SIG: &str = "30ce621d226fd40eef3b476a29e7232239026586bd1f46b3b47ae86c950226ca4770b3f0d860ecabe1d3f0d65f7e9a1b791e5bd5c3a57575e204dc949fdddd9d";
const GOLDEN_TX_HASH: &str = "d8f8127f551193b79da8844be3d514627a51f617c3660333348870b40aa7dfa0";

/// A payment signed on one network is not valid on another: the signature
/// covers the network id (no cross-network replay).
#[test]
fn a_signature_is_valid_on_its_own_network_only() {
    let (a, b) = (wallet(1), wallet(2));
    let demo = Params::DEMO.network_id();
    let tx = Transaction::new(
        &a,
        Amount(1000),
        b.address(),
        Amount(10),
        salt(3),
        Timestamp(1_000),
        &demo,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tx.signature_is_valid(&demo), Ok(()));
    assert_eq!(
        tx.signature_is_valid(&net()),
        Err(TxError::BadSignature { id: tx.id })
    );
}

/// A signed transaction's id is its sender's: derived from the sender and
/// the salt, so putting it on another sender's transaction breaks a rule.
#[test]
fn an_id_is_bound_to_its_sender_and_salt() {
    let (a, b) = (wallet(1), wallet(2));
    let tx = send(&a, 100, &b, 10);
    assert_eq!(tx.id, TxId::for_sender(&a.address(), &salt(1)));
    assert_eq!(tx.id_is_valid(), Ok(()));
    let theirs = send(&b, 100, &a, 10);
    assert_ne!(theirs.id, tx.id, "same salt, other sender, other id");
    let mut stolen = theirs.clone();
    stolen.id = tx.id;
    assert_eq!(
        stolen.structure_is_valid(&P),
        Err(TxError::IdNotBound {
            id: tx.id,
            expected: theirs.id
        })
    );
}

/// An address read from the wire is only parsed; whether it is a key is a
/// rule checked with the others, after the cheap ones.
#[test]
fn an_output_that_is_not_a_key_is_refused_and_a_key_is_accepted() {
    let (a, b) = (wallet(1), wallet(2));
    let tx = send(&a, 100, &b, 10);
    assert_eq!(tx.structure_is_valid(&P), Ok(()));
    // 0x02 followed by 32 bytes that are no x-coordinate on the curve.
    let not_a_key = (0u8..=255)
        .map(|i| {
            let mut bytes = [i; 33];
            bytes[0] = 2;
            bytes
        })
        .find(|bytes| Address::from_bytes(*bytes).is_err())
        .unwrap_or_else(|| panic!("some x is off the curve"));
    let text = {
        let hrp = bech32::Hrp::parse_unchecked("tab");
        bech32::encode::<bech32::Bech32m>(hrp, &not_a_key).unwrap_or_default()
    };
    assert_eq!(
        text.parse::<Address>(),
        Err(crate::address::AddressError::NotAKey),
        "typed, it is refused at once"
    );
    let json = serde_json::to_string(&tx).unwrap_or_default();
    let to = b.address().to_string();
    let forged: Transaction = serde_json::from_str(&json.replace(&to, &text))
        .unwrap_or_else(|e| panic!("from the wire it parses: {e}"));
    let address: Address =
        serde_json::from_str(&format!("\"{text}\"")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        forged.structure_is_valid(&P),
        Err(TxError::OutputNotAKey { id: tx.id, address })
    );
}

#[test]
fn a_transaction_with_too_many_outputs_is_refused_while_it_is_read() {
    let (a, b) = (wallet(1), wallet(2));
    let tx = send(&a, 100, &b, 10);
    let mut json: serde_json::Value = serde_json::to_value(&tx).unwrap_or_default();
    let outputs: serde_json::Map<String, serde_json::Value> = (1..=65u8)
        .map(|i| (wallet(i).address().to_string(), serde_json::json!(1)))
        .collect();
    json["outputs"] = serde_json::Value::Object(outputs);
    let err = serde_json::from_value::<Transaction>(json)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("more than 64 outputs"), "{err}");
}

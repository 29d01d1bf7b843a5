//! Specs: read back, canonical text, a golden id, and every rule refusing
//! its mistake with its own error.

use super::*;
use crate::wallet::Wallet;

fn key(seed: u8) -> Address {
    Wallet::from_secret([seed; 32])
        .unwrap_or_else(|_| panic!("valid seed"))
        .address()
}

fn pow() -> Spec {
    Spec {
        name: "friends".into(),
        created: crate::params::GENESIS_TIMESTAMP,
        consensus: Consensus::ProofOfWork {
            initial_zero_bits: 16,
            block_time_ms: 5_000,
            half_life_blocks: 16,
        },
        mining_reward: Amount(50),
        starting_balance: Amount(0),
        allocations: BTreeMap::from([(key(1), Amount(1_000))]),
    }
}

fn poa() -> Spec {
    Spec {
        name: "office".into(),
        created: crate::params::GENESIS_TIMESTAMP,
        consensus: Consensus::ProofOfAuthority {
            authorities: vec![key(1), key(2)],
            block_time_ms: 2_000,
        },
        mining_reward: Amount(0),
        starting_balance: Amount(10),
        allocations: BTreeMap::new(),
    }
}

/// An address as the wire reads it (prefix and checksum right) that is
/// not a point on the curve: x is above the field's prime.
fn off_curve() -> Address {
    let mut bytes = [0xffu8; 33];
    bytes[0] = 2;
    let text = bech32::encode::<bech32::Bech32m>(bech32::Hrp::parse_unchecked("tab"), &bytes)
        .unwrap_or_default();
    serde_json::from_value(serde_json::Value::String(text)).unwrap_or_else(|e| panic!("{e}"))
}

/// `spec` changed by `f`, checked.
fn with(spec: Spec, f: impl FnOnce(&mut Spec)) -> Result<(), SpecError> {
    let mut s = spec;
    f(&mut s);
    s.check()
}

#[test]
fn a_spec_reads_back_from_its_canonical_text() {
    for spec in [pow(), poa()] {
        assert_eq!(spec.check(), Ok(()));
        let text = spec.canonical();
        assert_eq!(Spec::from_json(&text), Ok(spec.clone()));
        assert!(!text.contains(' ') && !text.contains('\n'), "{text}");
    }
    let text = poa().canonical();
    assert!(
        text.starts_with(
            r#"{"name":"office","created":1795219200000,"consensus":{"kind":"proof_of_authority","authorities":["#
        ),
        "{text}"
    );
}

#[test]
fn the_same_rules_written_differently_have_one_canonical_text_and_id() {
    let a = key(1);
    let b = key(2);
    let loose = format!(
        r#"{{
            "starting_balance": 0,
            "allocations": {{ "{b}": 5, "{a}": 7 }},
            "mining_reward": 50,
            "created": 1795219200000,
            "consensus": {{ "half_life_blocks": 16, "kind": "proof_of_work",
                           "block_time_ms": 5000, "initial_zero_bits": 16 }},
            "name": "friends"
        }}"#
    );
    let mut spec = pow();
    spec.allocations = BTreeMap::from([(a, Amount(7)), (b, Amount(5))]);
    let read = Spec::from_json(&loose).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.canonical(), spec.canonical());
    assert_eq!(read.id(), spec.id());
    let mut other = spec.clone();
    other.mining_reward = Amount(51);
    assert_ne!(other.id(), spec.id(), "every field is part of the id");
}

/// Golden vector: the id of a fixed spec. Changing it changes every
/// network's id; never update it by accident.
#[test]
fn a_fixed_spec_has_a_golden_id() {
    let spec = Spec {
        name: "golden".into(),
        created: Timestamp(1_796_083_200_000),
        consensus: Consensus::ProofOfWork {
            initial_zero_bits: 20,
            block_time_ms: 5_000,
            half_life_blocks: 16,
        },
        mining_reward: Amount(50),
        starting_balance: Amount(0),
        allocations: BTreeMap::new(),
    };
    assert_eq!(
        spec.canonical(),
        r#"{"name":"golden","created":1796083200000,"consensus":{"kind":"proof_of_work","initial_zero_bits":20,"block_time_ms":5000,"half_life_blocks":16},"mining_reward":50,"starting_balance":0,"allocations":{}}"#
    );
    let hex: String = spec.id().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, GOLDEN_ID);
}

/// SHA-256 of the canonical text above (cross-checked by `docs/vectors.py`).
const GOLDEN_ID: &str = "89fd6c63eada2bdeac68930706d4327aaa9676b1bd978abab4842d8d120fbdf5";

#[test]
fn the_built_in_networks_are_specs() {
    for p in crate::Params::ALL {
        let spec = p.spec();
        assert_eq!(spec.check(), Ok(()), "{}", p.name);
        assert_eq!(spec.name, p.name);
    }
    assert_ne!(
        crate::Params::DEMO.spec().id(),
        crate::Params::TEST.spec().id()
    );
}

#[test]
fn every_bad_field_is_refused_with_its_own_error() {
    use SpecError as E;
    assert_eq!(with(pow(), |s| s.name.clear()), Err(E::NameEmpty));
    assert_eq!(
        with(pow(), |s| s.name = "a".repeat(33)),
        Err(E::NameTooLong(33))
    );
    assert_eq!(
        with(pow(), |s| s.name = "My net".into()),
        Err(E::NameCharacter('M'))
    );
    let work = |bits, time, window| {
        with(pow(), |s| {
            s.consensus = Consensus::ProofOfWork {
                initial_zero_bits: bits,
                block_time_ms: time,
                half_life_blocks: window,
            }
        })
    };
    assert_eq!(work(7, 5_000, 20), Err(E::Difficulty(7)));
    assert_eq!(work(41, 5_000, 20), Err(E::Difficulty(41)));
    assert_eq!(work(16, 999, 20), Err(E::BlockTime(999)));
    assert_eq!(work(16, 600_001, 20), Err(E::BlockTime(600_001)));
    assert_eq!(work(16, 5_000, 3), Err(E::HalfLife(3)));
    assert_eq!(work(16, 5_000, 10_001), Err(E::HalfLife(10_001)));
    assert_eq!(work(8, 1_000, 4), Ok(()));
    // A creation time in seconds, or past 2100, is caught.
    assert_eq!(
        with(pow(), |s| s.created = Timestamp(1_796_083_200)),
        Err(E::Created(Timestamp(1_796_083_200)))
    );
    assert_eq!(
        with(pow(), |s| s.created = Timestamp(4_102_444_800_001)),
        Err(E::Created(Timestamp(4_102_444_800_001)))
    );
    assert_eq!(
        with(pow(), |s| s.created = Timestamp(4_102_444_800_000)),
        Ok(())
    );
    let authority = |authorities: Vec<Address>, time| {
        with(poa(), |s| {
            s.consensus = Consensus::ProofOfAuthority {
                authorities,
                block_time_ms: time,
            }
        })
    };
    assert_eq!(authority(vec![], 2_000), Err(E::NoAuthorities));
    let many: Vec<Address> = (1..=33).map(key).collect();
    assert_eq!(authority(many, 2_000), Err(E::TooManyAuthorities(33)));
    assert_eq!(
        authority(vec![key(1), key(2), key(1)], 2_000),
        Err(E::DuplicateAuthority(key(1)))
    );
    assert_eq!(authority(vec![key(1)], 500), Err(E::BlockTime(500)));
    assert_eq!(
        authority(vec![off_curve()], 2_000),
        Err(E::NotAKey(off_curve()))
    );
    assert_eq!(
        with(pow(), |s| {
            s.allocations.insert(off_curve(), Amount(1));
        }),
        Err(E::NotAKey(off_curve()))
    );
    let too_much = Amount(MAX_AMOUNT.0 + 1);
    assert_eq!(
        with(pow(), |s| s.mining_reward = too_much),
        Err(E::AmountTooLarge {
            what: "mining reward",
            amount: too_much
        })
    );
    assert_eq!(
        with(pow(), |s| s.starting_balance = too_much),
        Err(E::AmountTooLarge {
            what: "starting balance",
            amount: too_much
        })
    );
    assert_eq!(
        with(pow(), |s| {
            s.allocations.insert(key(2), Amount::ZERO);
        }),
        Err(E::ZeroAllocation(key(2)))
    );
    assert_eq!(
        with(pow(), |s| {
            s.allocations.insert(key(2), too_much);
        }),
        Err(E::AmountTooLarge {
            what: "allocation",
            amount: too_much
        })
    );
    let crowd = with(pow(), |s| {
        s.allocations = (0..=MAX_ALLOCATIONS as u32)
            .map(|i| {
                let mut secret = [1u8; 32];
                secret[..4].copy_from_slice(&i.to_be_bytes());
                let w = Wallet::from_secret(secret).unwrap_or_else(|_| panic!("seed"));
                (w.address(), Amount(1))
            })
            .collect()
    });
    assert_eq!(crowd, Err(E::TooManyAllocations(MAX_ALLOCATIONS + 1)));
}

#[test]
fn text_that_is_not_a_spec_is_refused_without_reading_too_much() {
    assert!(matches!(Spec::from_json("{"), Err(SpecError::Malformed(_))));
    assert!(matches!(
        Spec::from_json(&pow().canonical().replace("\"name\"", "\"nam\"")),
        Err(SpecError::Malformed(_))
    ));
    let extra = pow().canonical().replacen('{', r#"{"extra":1,"#, 1);
    assert!(matches!(
        Spec::from_json(&extra),
        Err(SpecError::Malformed(_))
    ));
    let inner = pow().canonical().replace(
        r#""kind":"proof_of_work","#,
        r#""kind":"proof_of_work","extra":1,"#,
    );
    assert!(matches!(
        Spec::from_json(&inner),
        Err(SpecError::Malformed(_))
    ));
    let kind = pow().canonical().replace("proof_of_work", "proof_of_stake");
    assert!(matches!(
        Spec::from_json(&kind),
        Err(SpecError::Malformed(_))
    ));
    let long = " ".repeat(MAX_SPEC_BYTES + 1);
    assert_eq!(
        Spec::from_json(&long),
        Err(SpecError::TooLong(MAX_SPEC_BYTES + 1))
    );
    let bad_name = pow().canonical().replace("friends", "Friends");
    assert_eq!(
        Spec::from_json(&bad_name),
        Err(SpecError::NameCharacter('F'))
    );
}

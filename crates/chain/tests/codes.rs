//! Every refusal has a code: the variant's name in snake case, unique in its
//! enum, and a wrapper names the rule inside it. The API answers with these
//! codes, so they are part of what clients rely on.

use strum::VariantNames;
use tabcoin_chain::spec::SpecError;
use tabcoin_chain::{
    AcceptError, Amount, BlockError, BlockHash, Height, Params, PoolError, TxError,
};

fn snake_and_unique(codes: &[&str]) {
    let mut seen = std::collections::BTreeSet::new();
    for code in codes {
        assert!(
            !code.is_empty()
                && code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{code}"
        );
        assert!(seen.insert(*code), "{code} twice");
    }
}

#[test]
fn codes_are_snake_case_and_unique() {
    snake_and_unique(TxError::VARIANTS);
    snake_and_unique(PoolError::VARIANTS);
    snake_and_unique(BlockError::VARIANTS);
    snake_and_unique(AcceptError::VARIANTS);
    snake_and_unique(SpecError::VARIANTS);
    assert!(TxError::VARIANTS.contains(&"insufficient_funds"));
    assert!(BlockError::VARIANTS.contains(&"bad_tx_root"));
}

#[test]
fn a_wrapper_names_the_rule_inside_it() {
    let funds = TxError::InsufficientFunds {
        balance: Amount(1),
        requested: Amount(2),
    };
    assert_eq!(funds.code(), "insufficient_funds");
    assert_eq!(PoolError::Invalid(funds).code(), "insufficient_funds");
    assert_eq!(PoolError::Stale.code(), "stale");
    assert_eq!(PoolError::Full { max: 1 }.code(), "full");
    let invalid = AcceptError::Invalid {
        hash: BlockHash([0; 32]),
        height: Height(1),
        error: BlockError::MissingReward,
    };
    assert_eq!(invalid.code(), "missing_reward");
    let deep = AcceptError::TooDeep {
        hash: BlockHash([0; 32]),
        height: Height(1),
        tip: Height(200),
    };
    assert_eq!(deep.code(), "too_deep");
}

#[test]
fn a_spec_is_read_with_a_typed_error() {
    let test = Params::TEST.spec().canonical();
    assert_eq!(Params::from_spec_json(&test), Ok(Params::TEST));
    assert_eq!(
        Params::from_spec_json("{").map_err(|e| e.code()),
        Err("malformed")
    );
    let other = Params::from_spec_json_for(&test, &Params::DEMO.network_id());
    assert_eq!(
        other,
        Err(SpecError::OtherNetwork {
            described: Params::TEST.network_id(),
            expected: Params::DEMO.network_id(),
        })
    );
    assert_eq!(
        Params::from_spec_json_for(&test, &Params::TEST.network_id()),
        Ok(Params::TEST)
    );
}

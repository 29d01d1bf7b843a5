//! The tamper view's logic: take a copy of a block, change something, and
//! see which rule the copy breaks and which later blocks no longer link to
//! it. Nothing is stored or sent.

use tabcoin_chain::{Block, BlockError, Height, SigCache, Store, Timestamp, validate};

/// What tampering did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TamperReport {
    /// The first rule the edited block breaks (None: still valid).
    pub error: Option<BlockError>,
    /// Best-chain blocks after it: they build on it, so if the copy is
    /// invalid or has another hash, none of them is valid any more.
    pub orphaned: Vec<Height>,
}

/// Checks `edited` (a changed copy of a stored block) against its parent,
/// as a peer receiving it would. The copy's hash is recomputed from its
/// header, as anyone would when looking at it.
pub fn report(store: &Store, edited: &Block, now: Timestamp) -> TamperReport {
    let mut edited = edited.clone();
    edited.hash = edited.header.hash();
    let error = match store.context(&edited.header.prev_hash) {
        Some(ctx) => validate::check_block(
            &edited,
            &ctx,
            now,
            store.params(),
            &mut SigCache::disabled(store.genesis().hash),
        )
        .err(),
        None => None,
    };
    let changed = store
        .block_at(edited.header.height)
        .is_none_or(|b| b.hash != edited.hash);
    let orphaned = if changed || error.is_some() {
        store
            .main_chain()
            .skip(edited.header.height.as_usize() + 1)
            .map(|b| b.header.height)
            .collect()
    } else {
        Vec::new()
    };
    TamperReport { error, orphaned }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabcoin_chain::pow::search;
    use tabcoin_chain::{Amount, Params, Pool, Template, Wallet};

    fn chain(n: u64) -> Store {
        let p = Params::TEST;
        let mut s = Store::new(p.clone());
        let miner = Wallet::from_secret([1; 32])
            .map(|w| w.address())
            .unwrap_or_else(|_| panic!("valid"));
        for i in 1..=n {
            let t = tabcoin_chain::GENESIS_TIMESTAMP.plus_ms(i * p.mine_rate_ms);
            let template = Template::new(&s, &Pool::new(), miner, t);
            let nonce = search(&template.header, 0..u64::MAX).unwrap_or_default();
            s.accept(template.into_block(nonce), t)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        s
    }

    fn now() -> Timestamp {
        tabcoin_chain::GENESIS_TIMESTAMP.plus_ms(1_000_000)
    }

    #[test]
    fn an_unchanged_copy_is_valid_and_breaks_nothing() {
        let s = chain(4);
        let b = s
            .block_at(Height(2))
            .cloned()
            .unwrap_or_else(|| panic!("block"));
        assert_eq!(
            report(&s, &b, now()),
            TamperReport {
                error: None,
                orphaned: vec![]
            }
        );
    }

    #[test]
    fn changing_an_amount_breaks_the_root_and_every_later_link() {
        let s = chain(4);
        let mut b = s
            .block_at(Height(2))
            .cloned()
            .unwrap_or_else(|| panic!("block"));
        if let Some(v) = b.data[0].outputs.values_mut().next() {
            *v = Amount(5000);
        }
        let r = report(&s, &b, now());
        assert!(
            matches!(r.error, Some(BlockError::BadTxRoot { .. })),
            "{r:?}"
        );
        assert_eq!(r.orphaned, vec![Height(3), Height(4)]);
    }

    #[test]
    fn changing_the_nonce_loses_the_proof_of_work() {
        let s = chain(3);
        let mut b = s
            .block_at(Height(1))
            .cloned()
            .unwrap_or_else(|| panic!("block"));
        // Find a nonce whose hash misses the target.
        let target = b.header.target().unwrap_or_else(|| panic!("target"));
        b.header.nonce = (0..)
            .find(|&n| {
                let mut h = b.header;
                h.nonce = n;
                !target.is_met_by(&h.hash())
            })
            .unwrap_or_default();
        let r = report(&s, &b, now());
        assert!(
            matches!(r.error, Some(BlockError::InsufficientWork { .. })),
            "{r:?}"
        );
        assert_eq!(r.orphaned, vec![Height(2), Height(3)]);
    }

    /// Three blocks sealed by wallet 1, the only authority.
    fn sealed_chain() -> (Store, Wallet) {
        use tabcoin_chain::spec::{Consensus, Spec};
        let authority = Wallet::from_secret([1; 32]).unwrap_or_else(|_| panic!("valid"));
        let spec = Spec {
            name: "office".into(),
            created: tabcoin_chain::GENESIS_TIMESTAMP,
            consensus: Consensus::ProofOfAuthority {
                authorities: vec![authority.address()],
                block_time_ms: 1_000,
            },
            mining_reward: Amount(1),
            starting_balance: Amount(0),
            allocations: Default::default(),
        };
        let params = Params::from_spec(&spec).unwrap_or_else(|e| panic!("{e}"));
        let mut s = Store::new(params);
        for i in 1..=3 {
            let t = tabcoin_chain::GENESIS_TIMESTAMP.plus_ms(i * 1_000);
            let template = Template::new(&s, &Pool::new(), authority.address(), t);
            s.accept(template.into_sealed_block(0, 1, &authority), t)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        (s, authority)
    }

    #[test]
    fn a_sealed_block_changed_loses_its_seal_and_names_its_sealer() {
        let (s, authority) = sealed_chain();
        let mut b = s
            .block_at(Height(2))
            .cloned()
            .unwrap_or_else(|| panic!("block"));
        assert_eq!(report(&s, &b, now()).error, None);
        let [who, by, _, weight] = crate::ui::view_model::maker(&b, &s.params().authorities);
        assert_eq!((who.as_str(), weight.as_str()), ("sealer", "in turn (2)"));
        assert_eq!(by, authority.address().short());
        b.header.timestamp = b.header.timestamp.plus_ms(1);
        let r = report(&s, &b, now());
        assert_eq!(r.error, Some(BlockError::BadSeal { by: 0 }));
        assert_eq!(r.orphaned, vec![Height(3)]);
    }
}

//! [`SigCache`]: transactions whose signatures already verified on one
//! network, by hash.
//!
//! A transaction's hash covers its signed content and its signature, so a
//! hash seen verified once stays verified. The pool fills the cache when a
//! transaction arrives; block validation then skips the expensive check for
//! the same transaction. Bounded: when full it starts over.
//!
//! [`SigCheck`] is one signature check in 129 self-contained bytes (digest,
//! compressed key, signature), so checks can run elsewhere, in verifier web
//! workers on other cores: [`SigCache::pending`] lists what a batch of
//! blocks still needs, and [`SigCache::vouch`] records the hashes whose
//! checks passed there.

use std::collections::HashSet;

use crate::block::Block;
use crate::hash::BlockHash;
pub use crate::sigcheck::SigCheck;
use crate::tx::{Transaction, TxError};

/// Hashes of transactions whose signatures verified on one network.
#[derive(Debug, Clone)]
pub struct SigCache {
    network: BlockHash,
    verified: HashSet<[u8; 32]>,
    /// Hashes whose signature failed: a bad transaction sent again is
    /// refused without verifying it again (bounded like `verified`).
    failed: HashSet<[u8; 32]>,
    capacity: usize,
    hits: u64,
    misses: u64,
}

impl SigCache {
    /// A cache for `network` (its genesis hash) of the default size.
    pub fn new(network: BlockHash) -> SigCache {
        SigCache::with_capacity(network, 50_000)
    }

    /// A cache for `network` holding at most `capacity` hashes.
    pub fn with_capacity(network: BlockHash, capacity: usize) -> SigCache {
        SigCache {
            network,
            verified: HashSet::new(),
            failed: HashSet::new(),
            capacity: capacity.max(1),
            hits: 0,
            misses: 0,
        }
    }

    /// A cache for `network` that remembers nothing (every signature is
    /// verified).
    pub fn disabled(network: BlockHash) -> SigCache {
        SigCache {
            capacity: 0,
            ..SigCache::with_capacity(network, 1)
        }
    }

    /// Verifies `tx`'s signature unless the cache already vouches for it.
    pub fn verify(&mut self, tx: &Transaction) -> Result<(), TxError> {
        let hash = tx.hash();
        if self.verified.contains(&hash) {
            self.hits += 1;
            return Ok(());
        }
        if self.failed.contains(&hash) {
            self.hits += 1;
            return Err(TxError::BadSignature { id: tx.id });
        }
        self.misses += 1;
        if let Err(e) = tx.signature_is_valid(&self.network) {
            remember(&mut self.failed, self.capacity, hash);
            return Err(e);
        }
        self.vouch(hash);
        Ok(())
    }

    /// (verifications skipped, verifications done).
    pub fn stats(&self) -> (u64, u64) {
        (self.hits, self.misses)
    }

    /// The signed transactions of `blocks` this cache has not decided yet
    /// (neither vouched for nor seen to fail): each one's hash and the check
    /// it needs.
    pub fn pending(&self, blocks: &[Block]) -> Vec<([u8; 32], SigCheck)> {
        self.pending_txs(blocks.iter().flat_map(|b| &b.data))
    }

    /// The same for loose transactions (a pool snapshot).
    pub fn pending_txs<'a>(
        &self,
        txs: impl IntoIterator<Item = &'a Transaction>,
    ) -> Vec<([u8; 32], SigCheck)> {
        let mut seen = HashSet::new();
        txs.into_iter()
            .filter_map(|tx| {
                let check = SigCheck::of(tx, &self.network)?;
                let hash = tx.hash();
                let known = self.verified.contains(&hash) || self.failed.contains(&hash);
                (!known && seen.insert(hash)).then_some((hash, check))
            })
            .collect()
    }

    /// Records that the transaction with this hash verified: its
    /// [`SigCheck`], made from that very transaction, passed elsewhere.
    pub fn vouch(&mut self, hash: [u8; 32]) {
        remember(&mut self.verified, self.capacity, hash);
    }
}

/// Adds `hash` to a set of at most `capacity` (which starts over when
/// full; a capacity of 0 remembers nothing).
fn remember(set: &mut HashSet<[u8; 32]>, capacity: usize, hash: [u8; 32]) {
    if capacity == 0 {
        return;
    }
    if set.len() >= capacity {
        set.clear();
    }
    set.insert(hash);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::PUBKEY_LEN;
    use crate::amount::Amount;
    use crate::height::Height;
    use crate::testutil::{NOW, P, fresh_id, fresh_salt, net, wallet};
    use crate::tx::{Input, Sig};

    fn signed(from: u8, to: u8, amount: u64) -> Transaction {
        Transaction::new(
            &wallet(from),
            Amount(1000),
            wallet(to).address(),
            Amount(amount),
            fresh_salt(),
            NOW,
            &net(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn with_signature(mut tx: Transaction, f: impl FnOnce(&mut [u8; 64])) -> Transaction {
        if let Input::Signed { signature, .. } = &mut tx.input {
            f(&mut signature.0);
        }
        tx
    }

    #[test]
    fn a_check_agrees_with_the_transaction_rule() {
        for i in 0..20u8 {
            let good = signed(i + 1, i + 2, 1 + u64::from(i));
            let check = SigCheck::of(&good, &net()).unwrap_or_else(|| panic!("signed"));
            assert!(check.verify());
            assert!(good.signature_is_valid(&net()).is_ok());
            let bad = with_signature(good, |s| s[i as usize] ^= 1);
            let check = SigCheck::of(&bad, &net()).unwrap_or_else(|| panic!("signed"));
            assert!(!check.verify(), "a flipped signature bit fails");
            assert!(bad.signature_is_valid(&net()).is_err());
        }
    }

    #[test]
    fn a_check_fails_for_another_digest_or_key_and_rewards_need_none() {
        let check = SigCheck::of(&signed(1, 2, 5), &net()).unwrap_or_else(|| panic!("signed"));
        let other_digest = SigCheck {
            digest: [7; 32],
            ..check
        };
        assert!(!other_digest.verify());
        let other_key = SigCheck {
            key: *wallet(3).address().as_bytes(),
            ..check
        };
        assert!(!other_key.verify());
        let off_curve = SigCheck {
            key: [2; PUBKEY_LEN],
            ..check
        };
        assert!(!off_curve.verify());
        let zero_sig = SigCheck {
            signature: Sig([0; 64]).0,
            ..check
        };
        assert!(!zero_sig.verify());
        let reward = Transaction::reward(wallet(1).address(), Height(1), &P, fresh_id());
        assert_eq!(SigCheck::of(&reward, &net()), None);
    }

    #[test]
    fn checks_round_trip_through_bytes() {
        let checks: Vec<SigCheck> = (1..=5u8)
            .filter_map(|i| SigCheck::of(&signed(i, i + 1, 1), &net()))
            .collect();
        let mut bytes = Vec::new();
        for c in &checks {
            c.encode_into(&mut bytes);
        }
        assert_eq!(bytes.len(), 5 * SigCheck::LEN);
        bytes.push(0); // a partial trailing check is ignored
        let back: Vec<SigCheck> = SigCheck::decode_all(&bytes).collect();
        assert_eq!(back, checks);
    }

    #[test]
    fn pending_lists_each_unverified_signed_transaction_once() {
        let (a, b) = (signed(1, 2, 3), signed(2, 3, 4));
        let reward = Transaction::reward(wallet(9).address(), Height(1), &P, fresh_id());
        let mut cache = SigCache::new(net());
        cache
            .verify(&a)
            .unwrap_or_else(|e| panic!("a verifies: {e}"));
        let txs = [a.clone(), b.clone(), b.clone(), reward];
        let pending = cache.pending_txs(&txs);
        assert_eq!(
            pending.len(),
            1,
            "a is cached, b listed once, rewards need none"
        );
        assert_eq!(pending[0].0, b.hash());
        assert_eq!(Some(pending[0].1), SigCheck::of(&b, &net()));
    }

    #[test]
    fn a_vouched_hash_is_not_verified_again() {
        let tx = signed(1, 2, 3);
        let mut cache = SigCache::new(net());
        cache.vouch(tx.hash());
        assert!(cache.pending_txs([&tx]).is_empty());
        cache.verify(&tx).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cache.stats(), (1, 0), "a hit, no signature check");
        // A disabled cache remembers nothing, vouched or not.
        let mut off = SigCache::disabled(net());
        off.vouch(tx.hash());
        assert_eq!(off.pending_txs([&tx]).len(), 1);
    }

    #[test]
    fn a_bad_signature_is_checked_once_and_refused_again_for_free() {
        let bad = with_signature(signed(1, 2, 3), |s| s[0] ^= 1);
        let mut cache = SigCache::new(net());
        let refused = Err(TxError::BadSignature { id: bad.id });
        assert_eq!(cache.verify(&bad), refused);
        assert_eq!(cache.verify(&bad), refused);
        assert_eq!(
            cache.stats(),
            (1, 1),
            "one check, then a remembered refusal"
        );
        assert!(
            cache.pending_txs([&bad]).is_empty(),
            "no verifier is asked again either"
        );
    }
}

//! [`SigCache`]: transactions whose signatures already verified, by hash.
//!
//! A transaction's hash covers its signed content and its signature, so a
//! hash seen verified once stays verified. The pool fills the cache when a
//! transaction arrives; block validation then skips the expensive check for
//! the same transaction. Bounded: when full it starts over.

use std::collections::HashSet;

use crate::tx::{Transaction, TxError};

/// Hashes of transactions whose signatures verified.
#[derive(Debug, Clone)]
pub struct SigCache {
    verified: HashSet<[u8; 32]>,
    capacity: usize,
    hits: u64,
    misses: u64,
}

impl Default for SigCache {
    fn default() -> Self {
        SigCache::with_capacity(50_000)
    }
}

impl SigCache {
    /// A cache holding at most `capacity` hashes.
    pub fn with_capacity(capacity: usize) -> SigCache {
        SigCache {
            verified: HashSet::new(),
            capacity: capacity.max(1),
            hits: 0,
            misses: 0,
        }
    }

    /// A cache that remembers nothing (every signature is verified).
    pub fn disabled() -> SigCache {
        SigCache {
            capacity: 0,
            ..SigCache::with_capacity(1)
        }
    }

    /// Verifies `tx`'s signature unless the cache already vouches for it.
    pub fn verify(&mut self, tx: &Transaction) -> Result<(), TxError> {
        let hash = tx.hash();
        if self.verified.contains(&hash) {
            self.hits += 1;
            return Ok(());
        }
        self.misses += 1;
        tx.signature_is_valid()?;
        if self.capacity > 0 {
            if self.verified.len() >= self.capacity {
                self.verified.clear();
            }
            self.verified.insert(hash);
        }
        Ok(())
    }

    /// (verifications skipped, verifications done).
    pub fn stats(&self) -> (u64, u64) {
        (self.hits, self.misses)
    }
}

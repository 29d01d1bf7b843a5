//! Headers-first sync (Bitcoin's answer since 0.10): a node that hears of
//! more work first downloads the peer's header chain, cheap to check (each
//! header's proof of work against the target the rules require of it), and
//! fetches bodies only once the headers prove more work than its own best
//! chain. The blocks of that chain are then pinned in the store
//! ([`tabcoin_chain::Store::pin`]): they are kept however deep they fork and
//! whatever the side-branch bounds, because a bound limits what a peer can
//! make a node keep, never which chain wins. A peer can make a node keep a
//! long branch only by doing more work than the node's best chain.
//!
//! [`HeaderChain`] is the pure part: a peer's chain of headers after a
//! stored block, checked header by header as batches arrive.

use tabcoin_chain::retarget::anchor_after;
use tabcoin_chain::validate::{Context, check_header};
use tabcoin_chain::{BlockError, BlockHash, Header, Height, Store, Timestamp, Work};

pub use crate::message::MAX_HEADERS_PER_BATCH;

/// Most headers a node holds for one peer's chain: a year of a demo network
/// is 6.3 million blocks, but a chain that long forking from ours is not
/// something one download should hold in memory (about 150 bytes a header:
/// 37 MB at this bound).
pub const MAX_HEADER_CHAIN: usize = 250_000;

/// Why a batch of headers does not extend a peer's header chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadersError {
    /// The first header builds on nothing this node knows, or a header does
    /// not follow the one before it.
    Disconnected,
    /// A header breaks a rule (a proof of work, a target, a timestamp).
    Invalid {
        /// The header's hash.
        hash: BlockHash,
        /// Its height.
        height: Height,
        /// The rule it broke.
        error: BlockError,
    },
    /// The chain would hold more than [`MAX_HEADER_CHAIN`] headers.
    TooLong,
}

/// A peer's header chain after a block this node stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderChain {
    /// The stored block it builds on.
    pub fork: BlockHash,
    /// Its headers after `fork`, parent first, with their hashes.
    pub headers: Vec<(BlockHash, Header)>,
    /// The cumulative work at its tip.
    pub work: Work,
    /// The retarget's anchor for its tip's children.
    anchor: Option<Timestamp>,
}

impl HeaderChain {
    /// An empty chain at stored block `fork` (None if it is not stored).
    pub fn at(store: &Store, fork: BlockHash) -> Option<HeaderChain> {
        Some(HeaderChain {
            fork,
            headers: Vec::new(),
            work: store.work_of(&fork)?,
            anchor: store.anchor_of(&fork),
        })
    }

    /// Its tip's hash.
    pub fn tip(&self) -> BlockHash {
        self.headers.last().map_or(self.fork, |(h, _)| *h)
    }

    /// Extends the chain with a batch, checking every header; `chain` is
    /// None before the first batch, whose first header must build on a
    /// stored block. Headers of blocks this node already stores move the
    /// fork forward while no unknown header has come yet.
    pub fn extend(
        chain: Option<HeaderChain>,
        store: &Store,
        batch: &[Header],
        now: Timestamp,
    ) -> Result<HeaderChain, HeadersError> {
        let mut chain = match chain {
            Some(chain) => chain,
            None => {
                let first = batch.first().ok_or(HeadersError::Disconnected)?;
                HeaderChain::at(store, first.prev_hash).ok_or(HeadersError::Disconnected)?
            }
        };
        let params = store.params();
        for header in batch {
            if chain.headers.is_empty() && header.prev_hash == chain.fork {
                let hash = header.hash();
                if let Some(known) = HeaderChain::at(store, hash) {
                    chain = known;
                    continue;
                }
            }
            if chain.headers.len() >= MAX_HEADER_CHAIN {
                return Err(HeadersError::TooLong);
            }
            let ctx = match chain.headers.last() {
                Some((hash, parent)) => Context::after_header(*parent, *hash, chain.anchor, params),
                None => store
                    .context(&chain.fork)
                    .ok_or(HeadersError::Disconnected)?,
            };
            if header.prev_hash != ctx.parent_hash {
                return Err(HeadersError::Disconnected);
            }
            let (hash, work) =
                check_header(header, &ctx, now, params).map_err(|error| HeadersError::Invalid {
                    hash: header.hash(),
                    height: header.height,
                    error,
                })?;
            chain.work = chain.work.saturating_add(work);
            chain.anchor = anchor_after(header, chain.anchor, params);
            chain.headers.push((hash, *header));
        }
        Ok(chain)
    }

    /// A locator for the next batch: its tip, then headers ever further
    /// back (1, 2, 4, … below it: if the peer's chain moved meanwhile, it
    /// still finds where they part), the fork, then the stored chain's.
    pub fn locator(&self, store: &Store) -> Vec<BlockHash> {
        const SPACED: usize = 24;
        let mut locator = Vec::new();
        let mut back = 0;
        let mut step = 1;
        while back < self.headers.len() && locator.len() < SPACED {
            locator.push(self.headers[self.headers.len() - 1 - back].0);
            back += step;
            if locator.len() > 1 {
                step *= 2;
            }
        }
        locator.push(self.fork);
        let room = crate::message::MAX_LOCATOR_HASHES - locator.len();
        locator.extend(
            store
                .locator()
                .into_iter()
                .filter(|h| *h != self.fork)
                .take(room),
        );
        locator
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{P, wallet};
    use tabcoin_chain::{Pool, Template};

    /// `n` blocks mined on `store`'s tip, one block time apart.
    fn mine(store: &mut Store, n: usize) {
        for _ in 0..n {
            let at = store.tip().header.timestamp.plus_ms(P.mine_rate_ms);
            let t = Template::new(store, &Pool::new(), wallet(9).address(), at);
            let nonce = tabcoin_chain::pow::search(&t.header, 0..u64::MAX).unwrap_or_default();
            store
                .accept(t.into_block(nonce), at)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }

    fn headers(store: &Store) -> Vec<Header> {
        store.main_chain().skip(1).map(|b| b.header).collect()
    }

    const LATER: Timestamp = Timestamp(u64::MAX / 2);

    #[test]
    fn a_peers_header_chain_is_checked_and_weighed_before_any_body() {
        let mut theirs = Store::new(P);
        mine(&mut theirs, 30);
        let ours = Store::new(P);
        let all = headers(&theirs);
        let chain = HeaderChain::extend(None, &ours, &all[..10], LATER)
            .and_then(|c| HeaderChain::extend(Some(c), &ours, &all[10..], LATER))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(chain.fork, ours.genesis().hash);
        assert_eq!(chain.tip(), theirs.tip().hash);
        assert_eq!(chain.work, theirs.total_work());
    }

    #[test]
    fn known_headers_move_the_fork_and_bad_ones_are_refused_with_their_rule() {
        let mut theirs = Store::new(P);
        mine(&mut theirs, 12);
        let all = headers(&theirs);
        let mut ours = Store::new(P);
        for b in theirs.main_chain().skip(1).take(5) {
            ours.accept(b.clone(), LATER)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let chain =
            HeaderChain::extend(None, &ours, &all, LATER).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(chain.fork, all[4].hash());
        assert_eq!(chain.headers.len(), 7);
        // A header whose proof of work fails: refused with its rule.
        let mut bad = all.clone();
        bad[8].nonce ^= 0xffff;
        let refused = HeaderChain::extend(None, &ours, &bad, LATER);
        assert!(
            matches!(
                refused,
                Err(HeadersError::Invalid {
                    error: BlockError::InsufficientWork { .. },
                    ..
                }) | Err(HeadersError::Disconnected)
            ),
            "{refused:?}"
        );
        // A changed header breaks the link to the next one.
        let mut unlinked = all.clone();
        unlinked[6].timestamp = unlinked[6].timestamp.plus_ms(1);
        assert!(HeaderChain::extend(None, &ours, &unlinked, LATER).is_err());
        // A header declaring an easier target than required.
        let mut easy = all[..6].to_vec();
        easy[5].bits = P.pow_limit().to_compact();
        assert!(matches!(
            HeaderChain::extend(None, &ours, &easy, LATER),
            Err(HeadersError::Invalid {
                error: BlockError::WrongTarget { .. },
                ..
            })
        ));
        // Headers that build on nothing known.
        assert_eq!(
            HeaderChain::extend(None, &ours, &all[8..], LATER),
            Err(HeadersError::Disconnected)
        );
        // Ahead of the clock: refused by the clock's rule.
        let early = Timestamp(theirs.genesis().header.timestamp.0 - 20_000);
        assert!(matches!(
            HeaderChain::extend(None, &ours, &all, early),
            Err(HeadersError::Invalid {
                error: BlockError::TimestampTooFarAhead { .. },
                ..
            })
        ));
    }
}

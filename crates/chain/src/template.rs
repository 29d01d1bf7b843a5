//! Block templates: what a miner hashes on top of the best tip.

use crate::address::Address;
use crate::block::{Block, tx_root};
use crate::header::Header;
use crate::pool::Pool;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::tx::{Transaction, TxId};
use crate::wallet::Wallet;

/// A block to mine: the header (nonce still to find) and its transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The header; the miner varies `nonce`.
    pub header: Header,
    /// The reward for `miner` first, then pooled transfers (one per sender).
    pub txs: Vec<Transaction>,
}

impl Template {
    /// A template on the best tip of `store` paying `miner`, with as many
    /// pooled transactions as a block holds, timestamped `now` (the
    /// caller's clock: this crate is pure).
    pub fn new(store: &Store, pool: &Pool, miner: Address, now: Timestamp) -> Template {
        let params = store.params();
        let tip = store.tip();
        let height = tip.header.height.next();
        let reward_id = TxId::for_reward(&tip.hash, height, &miner);
        let mut txs = vec![Transaction::reward(miner, height, params, reward_id)];
        // No pooled transfer can carry the reward's id: transfer ids are
        // bound to their senders (`TxId::for_sender`).
        txs.extend(pool.for_block(params.max_block_txs.saturating_sub(1)));
        // The earliest timestamp is just after the tip's (time never steps
        // back along a chain); the tip's context gives the required target.
        let earliest = tip.header.timestamp.plus_ms(1);
        let target = store
            .context(&tip.hash)
            .map_or(params.pow_limit(), |ctx| ctx.required_target);
        let header = Header {
            height,
            timestamp: now.max(earliest),
            prev_hash: tip.hash,
            tx_root: tx_root(&txs),
            bits: target.to_compact(),
            nonce: 0,
        };
        Template { header, txs }
    }

    /// The block with the nonce the miner found.
    pub fn into_block(self, nonce: u64) -> Block {
        let mut header = self.header;
        header.nonce = nonce;
        Block::new(header, self.txs)
    }
}

impl Template {
    /// The block, sealed by `wallet` as authority `by` of `n`: the header
    /// declares the weight, the nonce stays 0.
    pub fn into_sealed_block(self, by: u32, n: usize, wallet: &Wallet) -> Block {
        let mut header = self.header;
        header.nonce = 0;
        header.bits = crate::seal::weight(header.height, by, n);
        header.tx_root = crate::block::sealed_tx_root(&self.txs, by);
        let mut block = Block::new(header, self.txs);
        block.seal = Some(crate::authority::seal(&header, by, wallet));
        block
    }
}

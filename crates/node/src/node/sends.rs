//! `Node`'s part in the person's sends: making and pooling them, and
//! following them to the chain (their records are `crate::sends::Sends`).

use tabcoin_chain::hash::sha256;
use tabcoin_chain::{Added, Address, Amount, Salt, Timestamp, Transaction, TxId};

use super::Node;
use crate::event::Effect;
use crate::message::Message;
use crate::notice::{Notice, SendError};
use crate::sends::{SendState, Sends, unpaid};

impl Node {
    /// Sends `amount` to `to`: merged into this tab's pending transaction if
    /// there is one (as in the classic design), else a new transaction whose
    /// id is derived from `salt`. The transaction is pooled and broadcast.
    pub(crate) fn send(
        &mut self,
        to: Address,
        amount: Amount,
        salt: Salt,
        now: Timestamp,
    ) -> Result<Vec<Effect>, SendError> {
        let network = self.store.genesis().hash;
        let wallet = self.keys.wallet().ok_or(SendError::Locked)?;
        let tx = match self.pool.get(&self.keys.address()) {
            Some(pending) => {
                let mut tx = pending.clone();
                tx.update(wallet, to, amount, now, &network)?;
                tx
            }
            None => {
                let balance = self.balance();
                Transaction::new(wallet, balance, to, amount, salt, now, &network)?
            }
        };
        self.store.add_to_pool(&mut self.pool, tx.clone())?;
        let me = self.keys.address();
        self.sends.sent(me, to, amount, tx.id, now);
        let mut effects = vec![
            Effect::Notify(Notice::Sent { amount, to }),
            Effect::Broadcast(Message::Transaction { tx }),
        ];
        // Stored before the send is acknowledged: a tab or node that stops
        // right after does not lose it.
        effects.extend(self.save_pool());
        effects.extend(self.new_job(now));
        Ok(effects)
    }

    /// Pools a transaction made elsewhere and passes it on if it is new or
    /// replaces its sender's pending one; one already pooled changes
    /// nothing.
    pub(crate) fn submit(
        &mut self,
        tx: Transaction,
        now: Timestamp,
    ) -> Result<Vec<Effect>, SendError> {
        match self.store.add_to_pool(&mut self.pool, tx.clone())? {
            Added::Unchanged => Ok(Vec::new()),
            Added::New | Added::Updated => {
                let mut effects = vec![Effect::Broadcast(Message::Transaction { tx })];
                effects.extend(self.save_pool());
                effects.extend(self.new_job(now));
                Ok(effects)
            }
        }
    }

    /// The version of transaction `id` on the best chain, if any.
    fn confirmed(&self, id: &TxId) -> Option<&Transaction> {
        let height = self.store.ledger().tx_height(id)?;
        let block = self.store.block_at(height)?;
        block.data.iter().find(|tx| tx.id == *id)
    }

    /// This tab's pending transaction was `before`; if the pool no longer
    /// holds it (or a newer version of it), what it did not pay is sent
    /// again.
    pub(crate) fn follow_my_send(
        &mut self,
        before: Option<Transaction>,
        now: Timestamp,
    ) -> Vec<Effect> {
        let Some(before) = before else {
            return Vec::new();
        };
        let me = self.keys.address();
        if self.pool.get(&me).is_some_and(|tx| tx.id == before.id) {
            return Vec::new();
        }
        let left = unpaid(&before, self.confirmed(&before.id), &me);
        if left.is_empty() {
            return Vec::new();
        }
        self.reissue(before.id, left, now)
    }

    /// Sends `payments` again, as one new transaction (merged into this
    /// tab's pending one if there is one).
    fn reissue(
        &mut self,
        old: TxId,
        payments: Vec<(Address, Amount)>,
        now: Timestamp,
    ) -> Vec<Effect> {
        let network = self.store.genesis().hash;
        let me = self.keys.address();
        // The node draws no randomness: the new id's salt comes from the old
        // id and the tip, which no earlier transaction of this sender used.
        let mut seed = Vec::with_capacity(16 + 32);
        seed.extend_from_slice(old.0.as_bytes());
        seed.extend_from_slice(self.store.tip().hash.as_bytes());
        let mut salt = [0u8; 16];
        salt.copy_from_slice(&sha256(&seed)[..16]);
        let mut tx = self.pool.get(&me).cloned();
        let mut effects = Vec::new();
        let mut sent = Vec::new();
        let mut failed = Vec::new();
        // A locked account cannot sign: what it owes is reported as failed
        // (the sends list shows it; the person sends again once unlocked).
        let wallet = self.keys.wallet().cloned();
        for (to, amount) in payments {
            let Some(wallet) = &wallet else {
                failed.push((to, amount, SendError::Locked));
                continue;
            };
            let result = match &mut tx {
                Some(tx) => tx.update(wallet, to, amount, now, &network),
                None => {
                    let balance = self.balance();
                    Transaction::new(wallet, balance, to, amount, Salt(salt), now, &network)
                        .map(|new| tx = Some(new))
                }
            };
            match result {
                Ok(()) => sent.push((to, amount)),
                Err(e) => failed.push((to, amount, SendError::from(e))),
            }
        }
        if let Some(tx) = tx.filter(|_| !sent.is_empty()) {
            match self.store.add_to_pool(&mut self.pool, tx.clone()) {
                Ok(_) => {
                    for (to, amount) in &sent {
                        self.sends.settle(old, *to, &SendState::SentAgain(tx.id));
                        self.sends.sent(me, *to, *amount, tx.id, now);
                    }
                    effects.push(Effect::Notify(Notice::Reissued {
                        old,
                        new: tx.id,
                        payments: sent,
                    }));
                    effects.push(Effect::Broadcast(Message::Transaction { tx }));
                    effects.extend(self.new_job(now));
                }
                Err(error) => failed.extend(
                    sent.into_iter()
                        .map(|(to, amount)| (to, amount, error.clone().into())),
                ),
            }
        }
        for (to, amount, error) in failed {
            self.sends
                .settle(old, to, &SendState::Failed(error.to_string()));
            effects.push(Effect::Notify(Notice::SendFailed { to, amount, error }));
        }
        effects
    }

    /// The sends this tab made, newest last.
    pub fn sends(&self) -> &Sends {
        &self.sends
    }
}

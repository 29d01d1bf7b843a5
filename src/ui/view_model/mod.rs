//! What the pages show, computed from the node's state: labels, lists and
//! chart series. Pure, so they are tested natively.

use tabcoin_chain::{Address, Block, Height, Ledger, Pool, Store, Target, Timestamp};
use tabcoin_node::sends::{SendState, Sends};
use tabcoin_node::{Sealing, SyncState};

use crate::keys::accounts::AccountBook;

/// Blocks shown in the latest-blocks list and per explorer page.
pub const LATEST: usize = 12;
/// Blocks shown in the charts.
pub const CHART_BLOCKS: usize = 50;
/// Addresses seen on the chain offered in the send form.
const SEEN_ADDRESSES: usize = 50;

/// "ready", or "syncing 12 / 300".
pub fn sync_label(sync: SyncState, height: Height) -> String {
    match sync {
        SyncState::Ready => "ready".to_owned(),
        SyncState::Syncing { target, .. } => format!("syncing {height} / {target}"),
    }
}

/// Where the shown network stands, in plain words for the top bar:
/// "Up to date · 3 peers", "Catching up: block 12 of 300", "Alone — mine
/// to make block 1".
pub fn status_line(sync: SyncState, height: Height, peers: usize) -> String {
    match (sync, peers) {
        (SyncState::Syncing { target, .. }, _) => {
            format!("Catching up: block {height} of {target}")
        }
        (SyncState::Ready, 0) if height == Height::GENESIS => "Alone — mine to make block 1".into(),
        (SyncState::Ready, 0) => format!("Alone — {height} blocks here"),
        (SyncState::Ready, 1) => "Up to date · 1 peer".into(),
        (SyncState::Ready, n) => format!("Up to date · {n} peers"),
    }
}

/// One line per pending transaction: "sender sends 5 to receiver, …", as
/// `me` reads it (itself as "you", and marked where it is paid).
pub fn pool_lines(pool: &Pool, me: &Address) -> Vec<PoolLine> {
    pool.transactions()
        .map(|tx| {
            let sender = tx.sender();
            let from = sender.map(|a| a.short()).unwrap_or_default();
            let paid: Vec<String> = tx
                .outputs
                .iter()
                .filter(|(a, _)| Some(**a) != sender)
                .map(|(a, v)| {
                    if a == me {
                        format!("{v} to you")
                    } else {
                        format!("{v} to {}", a.short())
                    }
                })
                .collect();
            PoolLine {
                text: format!("{from} sends {}", paid.join(", ")),
                to_me: sender != Some(*me) && tx.outputs.contains_key(me),
            }
        })
        .collect()
}

/// One pending transaction as the wallet lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolLine {
    /// "tab1… sends 5 to tab1…, 3 to you".
    pub text: String,
    /// Whether it pays this account (it is marked).
    pub to_me: bool,
}

/// Sends shown in the wallet.
const SEND_ROWS: usize = 10;

/// One send as the wallet lists it: what, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRow {
    /// "30 to tab1…".
    pub what: String,
    /// "pending", "confirmed in block 5", "sent again as 1a2b3c4d", "failed: …".
    pub state: String,
    /// A word for styling: pending, confirmed, again or failed.
    pub class: &'static str,
}

/// The latest sends of account `me`, newest first.
pub fn send_rows(sends: &Sends, me: &Address) -> Vec<SendRow> {
    sends
        .iter()
        .rev()
        .filter(|r| r.from == *me)
        .take(SEND_ROWS)
        .map(|r| {
            let (state, class) = match &r.state {
                SendState::Pending => ("pending".to_owned(), "pending"),
                SendState::Confirmed(h) => (format!("confirmed in block {h}"), "confirmed"),
                SendState::SentAgain(tx) => (format!("sent again as {}", tx.short()), "again"),
                SendState::Failed(why) => (format!("failed: {why}"), "failed"),
            };
            SendRow {
                what: format!("{} to {}", r.amount, r.to.short()),
                state,
                class,
            }
        })
        .collect()
}

/// Addresses the send form offers, as (label, address): this browser's
/// other accounts first, then addresses seen on the chain.
pub fn known_addresses(book: &AccountBook, ledger: &Ledger, me: &Address) -> Vec<(String, String)> {
    let mine = me.to_string();
    let mut known: Vec<(String, String)> = book
        .accounts
        .iter()
        .filter(|a| a.address != mine)
        .map(|a| (format!("{} (this browser)", a.name), a.address.clone()))
        .collect();
    let on_chain: Vec<(String, String)> = ledger
        .addresses()
        .filter(|a| *a != me && !known.iter().any(|(_, k)| *k == a.to_string()))
        .take(SEEN_ADDRESSES)
        .map(|a| ("seen on the chain".to_owned(), a.to_string()))
        .collect();
    known.extend(on_chain);
    known
}

/// The last `n + 1` blocks of the best chain, oldest first.
fn recent(store: &Store, n: usize) -> Vec<&Block> {
    let mut blocks: Vec<&Block> = store.main_chain().rev().take(n + 1).collect();
    blocks.reverse();
    blocks
}

/// Seconds between consecutive blocks, for the last [`CHART_BLOCKS`].
pub fn block_times(store: &Store) -> Vec<f64> {
    recent(store, CHART_BLOCKS)
        .windows(2)
        .map(|w| w[1].header.timestamp.ms_since(w[0].header.timestamp) as f64 / 1000.0)
        .collect()
}

/// Each of the last [`CHART_BLOCKS`] blocks' target, in leading zero bits.
pub fn difficulty(store: &Store) -> Vec<f64> {
    recent(store, CHART_BLOCKS)
        .iter()
        .skip(1)
        .map(|b| {
            f64::from(Target::from_compact(b.header.bits).map_or(0, |t| t.leading_zero_bits()))
        })
        .collect()
}

/// Where this tab stands for sealing (proof of authority), in words:
/// why it cannot seal, or when it seals next. `on`: sealing is on.
pub fn sealing_sentence(sealing: Sealing, on: bool, now: Timestamp) -> String {
    match sealing {
        Sealing::NotAnAuthority { authorities } => format!(
            "This account cannot seal: the network's blocks are sealed by its {} {}, and this account is not one of them. It follows the chain, sends and receives like any other.",
            authorities,
            if authorities == 1 {
                "authority"
            } else {
                "authorities"
            }
        ),
        Sealing::Locked => "This account is an authority, but locked: unlock it to seal.".into(),
        Sealing::SealedRecently => {
            "This account sealed one of the last blocks; another authority seals the next.".into()
        }
        Sealing::Due { at, in_turn, by } if on => {
            let wait = at.ms_since(now).div_ceil(1000);
            let when = if wait == 0 {
                "now".to_owned()
            } else {
                format!("in {wait} s")
            };
            if in_turn {
                format!(
                    "Authority {}: sealing the next block in turn, {when}.",
                    by + 1
                )
            } else {
                format!(
                    "Authority {}: the next block is another's turn; sealing it out of turn {when} unless it comes first.",
                    by + 1
                )
            }
        }
        Sealing::Due { by, .. } => format!(
            "This account is authority {}: start sealing to seal blocks in its turn.",
            by + 1
        ),
    }
}

/// Who made a block and how: `["miner", address, "difficulty", "24 bits"]`
/// for a mined one, the authority (of the network's `authorities`) and its
/// weight for a sealed one.
pub fn maker(block: &Block, authorities: &[Address]) -> [String; 4] {
    if block.header.height == Height::GENESIS {
        return [
            "made by".into(),
            "genesis".into(),
            "commits to".into(),
            "the network's spec".into(),
        ];
    }
    let paid = block
        .data
        .first()
        .and_then(|r| r.outputs.keys().next())
        .map_or_else(|| "genesis".to_owned(), |a| a.short());
    match block.seal {
        Some(seal) => {
            let by = authorities
                .get(seal.by as usize)
                .map_or_else(|| format!("#{}", seal.by + 1), |a| a.short());
            let weight = if block.header.bits == tabcoin_chain::authority::IN_TURN {
                "in turn (2)"
            } else {
                "out of turn (1)"
            };
            ["sealer".into(), by, "weight".into(), weight.into()]
        }
        None => {
            let bits = Target::from_compact(block.header.bits).map_or(0, |t| t.leading_zero_bits());
            [
                "miner".into(),
                paid,
                "difficulty".into(),
                format!("{bits} bits"),
            ]
        }
    }
}

/// One of the tab's networks, as its row in the networks panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkRow {
    /// Its name.
    pub name: String,
    /// Its id, shortened.
    pub id: String,
    /// "proof of work" or "proof of authority".
    pub kind: &'static str,
    /// Genesis, boot or ready.
    pub mode: &'static str,
    /// Its best chain's height.
    pub height: u64,
    /// Peers reached.
    pub peers: usize,
    /// This tab's balance there.
    pub balance: u64,
    /// "mining", "sealing" or "".
    pub making: &'static str,
}

/// What the networks panel shows of `node`'s network.
pub fn network_row(node: &tabcoin_node::Node) -> NetworkRow {
    let store = node.store();
    let params = store.params();
    let sealed = params.is_proof_of_authority();
    NetworkRow {
        name: params.name.to_string(),
        id: store.genesis().hash.short(),
        kind: if sealed {
            "proof of authority"
        } else {
            "proof of work"
        },
        mode: node.mode().label(),
        height: store.height().0,
        peers: node.peers().len(),
        balance: node.balance().0,
        making: match (node.is_mining(), sealed) {
            (false, _) => "",
            (true, false) => "mining",
            (true, true) => "sealing",
        },
    }
}

/// One page of all blocks, newest first: the blocks, the page shown (the
/// last if `page` is beyond it) and how many pages there are.
pub fn blocks_page(store: &Store, page: usize) -> (Vec<Block>, usize, usize) {
    let total = store.height().as_usize() + 1;
    let pages = total.div_ceil(LATEST);
    let page = page.min(pages.saturating_sub(1));
    let blocks = store
        .main_chain()
        .rev()
        .skip(page * LATEST)
        .take(LATEST)
        .cloned()
        .collect();
    (blocks, page, pages)
}

#[cfg(test)]
mod tests;

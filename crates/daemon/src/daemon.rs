//! [`Daemon`]: the node state machine (`tabcoin_node::Node`) with what the
//! browser's shell does for a tab done natively: relays, storage, mining
//! on threads. Shared behind one lock by the relay tasks, the ticker and
//! the API.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use tabcoin_chain::{Params, Store, Timestamp, Wallet};
use tabcoin_node::{Effect, Event, Job, Node, SendError};
use tabcoin_protocol::{ClientFrame, PeerId, encode};
use tokio::sync::mpsc::UnboundedSender;

use crate::db::{Db, DbError};

/// Milliseconds since the epoch.
pub fn now() -> Timestamp {
    Timestamp(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    )
}

/// One relay this node is connected to (or trying to be).
pub struct RelayLink {
    /// Its WebSocket URL, as given.
    pub url: String,
    /// Frames to send to it, while connected.
    pub out: Option<UnboundedSender<String>>,
    /// This node's id there, while connected.
    pub me: Option<PeerId>,
}

/// The node and its surroundings.
pub struct Daemon {
    /// The node.
    pub node: Node,
    /// Storage, unless the node runs in memory.
    pub db: Option<Db>,
    /// The relays, by index.
    pub relays: Vec<RelayLink>,
    /// Peers heard of, and the relay each is reached through.
    pub peers: BTreeMap<PeerId, usize>,
    /// The job the node last gave its miners, if it mines.
    pub job: Option<Job>,
    /// Threads a search for a block uses.
    pub threads: usize,
}

/// The daemon behind its lock.
#[derive(Clone)]
pub struct Shared(Arc<Mutex<Daemon>>);

impl Shared {
    /// Locks it (a panic while locked does not stop the others).
    pub fn lock(&self) -> MutexGuard<'_, Daemon> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Reads the node's key from storage, or makes one and keeps it.
pub fn key(db: Option<&Db>) -> Result<Wallet, DbError> {
    if let Some(hex) = db.map(|d| d.get("key")).transpose()?.flatten()
        && let Some(wallet) = from_hex(&hex).and_then(|s| Wallet::from_secret(s).ok())
    {
        return Ok(wallet);
    }
    loop {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| crate::db::DbError::new(e.to_string()))?;
        if let Ok(wallet) = Wallet::from_secret(secret) {
            if let Some(db) = db {
                db.put(
                    "key",
                    &secret
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>(),
                )?;
            }
            return Ok(wallet);
        }
    }
}

/// Bytes as lowercase hex.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 bytes from 64 hex digits.
pub fn from_hex(hex: &str) -> Option<[u8; 32]> {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<_>>()?;
    bytes.try_into().ok()
}

impl Daemon {
    /// A node on `params`' network with `wallet`, its stored chain and
    /// pool read back from `db` (revalidated by the node).
    pub fn start(
        params: Params,
        wallet: Wallet,
        db: Option<Db>,
        relays: &[String],
        threads: usize,
    ) -> Shared {
        let mut d = Daemon {
            node: Node::new(Store::new(params), wallet),
            db,
            relays: relays
                .iter()
                .map(|url| RelayLink {
                    url: url.clone(),
                    out: None,
                    me: None,
                })
                .collect(),
            peers: BTreeMap::new(),
            job: None,
            threads,
        };
        let loaded = match &d.db {
            Some(db) => Event::StorageLoaded {
                chain: db.chain().map_err(|e| e.to_string()),
                pool: db.get("pool").ok().flatten(),
            },
            None => Event::StorageLoaded {
                chain: Ok(None),
                pool: None,
            },
        };
        d.handle(loaded);
        Shared(Arc::new(Mutex::new(d)))
    }

    /// The node handles `event` now; its effects are carried out, and the
    /// refusal of a send asked for, if any, returned.
    pub fn handle(&mut self, event: Event) -> Option<SendError> {
        let mut refused = None;
        let mut events = VecDeque::from([event]);
        while let Some(event) = events.pop_front() {
            for effect in self.node.handle(event, now()) {
                match effect {
                    Effect::Send { to, msg } => {
                        if let Some(&relay) = self.peers.get(&to) {
                            self.send(
                                relay,
                                &ClientFrame::Direct {
                                    to,
                                    msg: msg.encode(),
                                },
                            );
                        }
                    }
                    Effect::Broadcast(msg) => {
                        let frame = ClientFrame::Broadcast { msg: msg.encode() };
                        for relay in 0..self.relays.len() {
                            self.send(relay, &frame);
                        }
                    }
                    // Every peer of a relay's room heard it from the relay
                    // already; a native node has no direct links.
                    Effect::Relay { .. } => {}
                    Effect::Mine(job) => self.job = Some(job),
                    Effect::StopMining => self.job = None,
                    Effect::WriteBlocks(records) => {
                        let result = match &self.db {
                            Some(db) => db.write_blocks(&records).map_err(|e| e.to_string()),
                            None => Ok(()),
                        };
                        events.push_back(Event::BlocksWritten(result));
                    }
                    Effect::ForgetBlocks(keys) => {
                        if let Some(db) = &self.db
                            && let Err(e) = db.forget_blocks(&keys)
                        {
                            tracing::warn!("{e}");
                        }
                    }
                    Effect::WritePool(json) => {
                        if let Some(db) = &self.db
                            && let Err(e) = db.put("pool", &json)
                        {
                            tracing::warn!("{e}");
                        }
                    }
                    Effect::Notify(notice) => tracing::info!("{notice:?}"),
                    Effect::SendRefused(e) => refused = Some(e),
                    // No verifier workers (the node checks signatures
                    // itself), no legacy chain, bans kept by the node.
                    Effect::CheckSignatures(_)
                    | Effect::VerifiersStalled(_)
                    | Effect::RemoveLegacyChain
                    | Effect::Ban { .. } => {}
                }
            }
        }
        refused
    }

    fn send(&self, relay: usize, frame: &ClientFrame) {
        if let Some(out) = self.relays.get(relay).and_then(|r| r.out.as_ref()) {
            let _ = out.send(encode(frame));
        }
    }
}

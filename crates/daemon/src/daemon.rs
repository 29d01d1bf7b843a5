//! [`Daemon`]: the node state machine (`tabcoin_node::Node`) with what the
//! browser's shell does for a tab done natively: relays, storage, mining
//! on threads. Shared behind one lock by the relay tasks, the ticker and
//! the API.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard};

use tabcoin_chain::{BlockHash, Params, Store, Timestamp, Wallet};
use tabcoin_node::{BlockRecord, Event, Host, Job, Message, Node, Notice, SendError, relay_frame};
use tabcoin_protocol::identity::{DEFAULT_KEY_WORK, Identity};
use tabcoin_protocol::{PeerId, encode};
use tokio::sync::mpsc::UnboundedSender;

use crate::db::{Db, DbError};

/// Milliseconds since the epoch.
pub fn now() -> Timestamp {
    tabcoin_node::system_now()
}

/// One relay this node is connected to (or trying to be).
#[derive(Default)]
pub struct RelayLink {
    /// Its WebSocket URL, as given.
    pub url: String,
    /// Frames to send to it, while connected.
    pub out: Option<UnboundedSender<String>>,
    /// This node's id there, while connected.
    pub me: Option<PeerId>,
    /// Why the last attempt to reach it failed, while it is not connected.
    pub last_error: Option<String>,
    /// The pause before the next attempt, while it is not connected.
    pub retry_in: Option<std::time::Duration>,
}

impl RelayLink {
    /// A relay to dial at `url`.
    pub fn new(url: &str) -> RelayLink {
        RelayLink {
            url: url.to_owned(),
            ..RelayLink::default()
        }
    }
}

/// The node and its surroundings.
pub struct Daemon {
    /// The node.
    pub node: Node,
    /// Storage, unless the node runs in memory.
    pub db: Option<Db>,
    /// Who this node is to its peers (its id at every relay is this key's).
    pub identity: Identity,
    /// The relays, by id (ids are never reused, so a removed relay's
    /// connection task and peers are told apart from a new one's).
    pub relays: BTreeMap<u64, RelayLink>,
    /// The next relay's id.
    pub next_relay: u64,
    /// Peers heard of, and the relay each is reached through.
    pub peers: BTreeMap<PeerId, u64>,
    /// The job the node last gave its miners, if it mines.
    pub job: Option<Job>,
    /// That job's id + 1 (0: none), read by the mining threads without the
    /// lock.
    pub job_id: Arc<AtomicU64>,
    /// Threads a search for a block uses.
    pub threads: usize,
    /// Parts of signature checks for the verifier threads (None: the node
    /// checks signatures itself).
    pub verify: Option<Sender<(u64, Vec<u8>)>>,
    /// A `POST /api/mine` is under way (one at a time: each answers with a
    /// block of its own).
    pub mining_request: bool,
    /// Templates handed to remote miners (`GET /api/work`), by job id,
    /// the latest [`MAX_WORK`] kept.
    pub work: VecDeque<(u64, tabcoin_chain::Template)>,
    /// The next remote job's id.
    pub next_work: u64,
}

/// Most templates kept for remote miners at once.
pub const MAX_WORK: usize = 64;

/// The daemon behind its lock.
#[derive(Clone)]
pub struct Shared(Arc<Mutex<Daemon>>);

impl Shared {
    /// Locks it (a panic while locked does not stop the others).
    pub fn lock(&self) -> MutexGuard<'_, Daemon> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A wallet with a fresh random key.
pub fn random_wallet() -> Result<Wallet, String> {
    loop {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| e.to_string())?;
        // Almost every 32 bytes are a key; the rest are drawn again.
        if let Ok(wallet) = Wallet::from_secret(secret) {
            return Ok(wallet);
        }
    }
}

/// Reads the node's peer identity from storage, or makes one and keeps it
/// (`secret:nonce`): the node is the same peer to everyone after a restart,
/// and a new identity costs its work once.
pub fn identity(db: Option<&Db>) -> Result<Identity, DbError> {
    if let Some(kept) = db.map(|d| d.get("peer_key")).transpose()?.flatten()
        && let Ok(identity) = Identity::import(&kept)
    {
        return Ok(identity);
    }
    let identity = loop {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| DbError::new(e.to_string()))?;
        // Almost every 32 bytes are a key; the rest are drawn again.
        if let Ok(identity) = Identity::generate(secret, DEFAULT_KEY_WORK) {
            break identity;
        }
    };
    keep_identity(db, &identity)?;
    Ok(identity)
}

/// Stores the node's peer identity (after more work was found for it too).
pub fn keep_identity(db: Option<&Db>, identity: &Identity) -> Result<(), DbError> {
    match db {
        Some(db) => db.put("peer_key", &identity.export()),
        None => Ok(()),
    }
}

/// Reads the node's key from storage, or makes one and keeps it.
pub fn key(db: Option<&Db>) -> Result<Wallet, DbError> {
    if let Some(hex) = db.map(|d| d.get("key")).transpose()?.flatten()
        && let Ok(wallet) = Wallet::import(&hex)
    {
        return Ok(wallet);
    }
    let wallet = random_wallet().map_err(DbError::new)?;
    if let Some(db) = db {
        db.put("key", &wallet.export())?;
    }
    Ok(wallet)
}

impl Daemon {
    /// A node on `params`' network with `wallet`, its stored chain and
    /// pool read back from `db` (revalidated by the node).
    pub fn start(
        params: Params,
        wallet: Wallet,
        identity: Identity,
        db: Option<Db>,
        relays: &[String],
        threads: usize,
        verifiers_wanted: usize,
    ) -> Shared {
        let mut d = Daemon {
            node: Node::new(Store::new(params), wallet),
            identity,
            db,
            relays: (0..)
                .zip(relays.iter().map(|url| RelayLink::new(url)))
                .collect(),
            next_relay: relays.len() as u64,
            peers: BTreeMap::new(),
            job: None,
            job_id: Arc::new(AtomicU64::new(0)),
            threads,
            verify: None,
            mining_request: false,
            work: VecDeque::new(),
            next_work: 1,
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
        let shared = Shared(Arc::new(Mutex::new(d)));
        verifiers(&shared, verifiers_wanted);
        shared
    }

    /// The node handles `event` now; its effects are carried out (through
    /// [`Io`], the node's host here), and the refusal of a send asked for,
    /// if any, returned.
    pub fn handle(&mut self, event: Event) -> Option<SendError> {
        let mut io = Io {
            db: self.db.as_ref(),
            relays: &self.relays,
            peers: &self.peers,
            job: &mut self.job,
            job_id: &self.job_id,
            verify: &mut self.verify,
        };
        tabcoin_node::drive(&mut self.node, &mut io, event)
    }
}

/// What the node runs on in `tabcoind`: the relays, the store, the mining
/// threads' job and the verifier threads (the parts of [`Daemon`] that are
/// not the node).
struct Io<'a> {
    db: Option<&'a Db>,
    relays: &'a BTreeMap<u64, RelayLink>,
    peers: &'a BTreeMap<PeerId, u64>,
    job: &'a mut Option<Job>,
    job_id: &'a Arc<AtomicU64>,
    verify: &'a mut Option<Sender<(u64, Vec<u8>)>>,
}

impl Host for Io<'_> {
    fn now(&self) -> Timestamp {
        now()
    }

    /// To the relay the peer was heard through, or to every relay.
    fn send(&mut self, to: Option<PeerId>, msg: &Message) {
        let text = encode(&relay_frame(to, msg));
        let relays: Vec<&RelayLink> = match to {
            Some(peer) => self
                .peers
                .get(&peer)
                .and_then(|r| self.relays.get(r))
                .into_iter()
                .collect(),
            None => self.relays.values().collect(),
        };
        for relay in relays {
            if let Some(out) = &relay.out {
                let _ = out.send(text.clone());
            }
        }
    }

    fn mine(&mut self, job: Option<Job>) {
        self.job_id
            .store(job.as_ref().map_or(0, |j| j.id + 1), Ordering::Relaxed);
        *self.job = job;
    }

    fn check_signatures(&mut self, parts: Vec<(u64, Vec<u8>)>) {
        if let Some(verify) = self.verify.as_ref() {
            for part in parts {
                let _ = verify.send(part);
            }
        }
    }

    /// The node checks what the threads did not answer; they are not used
    /// again.
    fn verifiers_stalled(&mut self, _tags: Vec<u64>) {
        *self.verify = None;
    }

    fn write_blocks(&mut self, records: Vec<BlockRecord>) -> Option<Result<(), String>> {
        Some(match self.db {
            Some(db) => db.write_blocks(&records).map_err(|e| e.to_string()),
            None => Ok(()),
        })
    }

    fn forget_blocks(&mut self, keys: Vec<(u64, BlockHash)>) {
        if let Some(db) = self.db
            && let Err(e) = db.forget_blocks(&keys)
        {
            tracing::warn!("{e}");
        }
    }

    fn write_pool(&mut self, json: String) {
        if let Some(db) = self.db
            && let Err(e) = db.put("pool", &json)
        {
            tracing::warn!("{e}");
        }
    }

    fn notify(&mut self, notice: Notice) {
        tracing::info!("{notice:?}");
    }
}

/// Starts `n` verifier threads, as a tab starts verifier workers: the node
/// hands them the signatures of incoming batches in parts
/// ([`Effect::CheckSignatures`]), each part is checked on one of them, and
/// the answer goes back to the node ([`Event::SignaturesChecked`]). With
/// none, the node checks signatures itself.
fn verifiers(shared: &Shared, n: usize) {
    if n == 0 {
        return;
    }
    let (parts, queue) = std::sync::mpsc::channel::<(u64, Vec<u8>)>();
    let queue = Arc::new(Mutex::new(queue));
    for _ in 0..n {
        // A weak handle: the threads end with the node (its sender gone),
        // and do not keep it, or its store, open.
        let (queue, node) = (queue.clone(), Arc::downgrade(&shared.0));
        std::thread::spawn(move || {
            loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok((tag, bytes)) = next else { return };
                let flags = tabcoin_node::sigbatch::verify_all(&bytes);
                let Some(node) = node.upgrade() else { return };
                Shared(node)
                    .lock()
                    .handle(Event::SignaturesChecked { tag, flags });
            }
        });
    }
    let mut d = shared.lock();
    d.verify = Some(parts);
    d.handle(Event::VerifiersChanged {
        available: n,
        loading: 0,
    });
}

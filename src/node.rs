//! The tab's node logic as a pure state machine: events in, effects out.
//!
//! [`Node::handle`] is the reducer behind the UI. It takes one [`Event`]
//! (a relay frame, a worker answer, a click) and the current time, updates
//! the chain and the view state, and returns the [`Effect`]s the shell must
//! carry out (send a frame, start the worker, save the chain). It never
//! touches the browser, so it is tested natively.

use std::collections::{BTreeSet, VecDeque};

use tabcoin_chain::{AcceptError, Accepted, Block, Chain, Header, data_root};
use tabcoin_protocol::{
    ClientFrame, MAX_BLOCKS_PER_BATCH, MAX_LOCATOR_HASHES, Message, PROTOCOL_VERSION, PeerId,
    RelayFrame,
};

use crate::worker_api::FromWorker;

/// How many activity lines the node keeps.
const LOG_LINES: usize = 30;

/// Connection to the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conn {
    /// Opening the WebSocket.
    Connecting,
    /// In the room.
    Online,
    /// Lost; a reconnect is scheduled.
    Offline,
}

impl Conn {
    /// A word for the UI.
    pub fn label(self) -> &'static str {
        match self {
            Conn::Connecting => "connecting",
            Conn::Online => "online",
            Conn::Offline => "offline",
        }
    }
}

/// What the node is doing about catching up with its peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// Up to date with every peer heard from.
    Ready,
    /// Downloading blocks from `peer`, who announced `target` height.
    Syncing {
        /// The peer asked.
        peer: PeerId,
        /// Its announced height.
        target: u64,
    },
}

/// The block being mined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Job number, echoed by the worker.
    pub id: u64,
    /// Template header (nonce to be found).
    pub header: Header,
    /// The block's data.
    pub data: Vec<String>,
}

/// Something the node wants the shell to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send a frame to the relay.
    Send(ClientFrame),
    /// Start (or replace) the worker's job.
    Mine(Job),
    /// Stop the worker.
    StopMining,
    /// Persist the chain.
    SaveChain,
}

/// Something that happened to the node.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The WebSocket opened.
    RelayOpened,
    /// The WebSocket closed or failed.
    RelayClosed,
    /// A frame from the relay.
    Frame(RelayFrame),
    /// The relay sent something that is not a valid frame.
    BadFrame(String),
    /// The user asked for a block to be mined.
    MineClicked,
    /// The worker said something.
    Worker(FromWorker),
}

/// One line of the activity log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When, in ms since the epoch.
    pub at: u64,
    /// What happened.
    pub text: String,
    /// Whether it is a problem.
    pub warn: bool,
}

/// A tab's full node.
#[derive(Debug, Clone)]
pub struct Node {
    /// The best chain.
    pub chain: Chain,
    /// This tab's id in the relay room, once welcomed.
    pub me: Option<PeerId>,
    /// Other tabs in the room.
    pub peers: BTreeSet<PeerId>,
    /// Relay connection state.
    pub conn: Conn,
    /// Sync state.
    pub sync: SyncState,
    /// The block being mined, if any.
    pub job: Option<Job>,
    /// Nonces per second of the current job.
    pub hash_rate: f64,
    /// Nonces tried for the current job.
    pub tried: u64,
    /// Blocks this tab mined that joined the best chain.
    pub mined_here: u64,
    /// Recent activity, newest last.
    pub log: VecDeque<LogLine>,
    /// Name written into blocks this tab mines.
    pub name: String,
    next_job: u64,
}

impl Node {
    /// A node around `chain`, named `name` in the blocks it mines.
    pub fn new(chain: Chain, name: String) -> Node {
        Node {
            chain,
            me: None,
            peers: BTreeSet::new(),
            conn: Conn::Connecting,
            sync: SyncState::Ready,
            job: None,
            hash_rate: 0.0,
            tried: 0,
            mined_here: 0,
            log: VecDeque::new(),
            name,
            next_job: 0,
        }
    }

    /// Adds a line to the activity log.
    pub fn note(&mut self, now: u64, text: impl Into<String>, warn: bool) {
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(LogLine {
            at: now,
            text: text.into(),
            warn,
        });
    }

    fn hello(&self) -> Message {
        let tip = self.chain.tip();
        Message::Hello {
            version: PROTOCOL_VERSION,
            network: self.chain.genesis().hash,
            tip: tip.hash,
            height: tip.header.height,
            work: self.chain.total_work(),
        }
    }

    fn get_blocks(&self, to: PeerId) -> Effect {
        let mut locator = self.chain.locator();
        if locator.len() > MAX_LOCATOR_HASHES {
            let genesis = self.chain.genesis().hash;
            locator.truncate(MAX_LOCATOR_HASHES - 1);
            locator.push(genesis);
        }
        Effect::Send(ClientFrame::Direct {
            to,
            msg: Message::GetBlocks { locator },
        })
    }

    /// A fresh block template on the current tip.
    fn template(&mut self, now: u64) -> Job {
        self.next_job += 1;
        let tip = self.chain.tip();
        let data = vec![format!("mined by {}", self.name)];
        let header = Header {
            height: tip.header.height + 1,
            timestamp: now.max(tip.header.timestamp + 1),
            prev_hash: tip.hash,
            data_root: data_root(&data),
            difficulty: self.chain.params().difficulty_bits,
            nonce: 0,
        };
        Job {
            id: self.next_job,
            header,
            data,
        }
    }

    /// Handles one event at time `now` (ms since the epoch).
    pub fn handle(&mut self, event: Event, now: u64) -> Vec<Effect> {
        match event {
            Event::RelayOpened => Vec::new(),
            Event::RelayClosed => {
                if self.conn != Conn::Offline {
                    self.note(now, "lost the relay; reconnecting", true);
                }
                self.conn = Conn::Offline;
                self.me = None;
                self.peers.clear();
                self.sync = SyncState::Ready;
                Vec::new()
            }
            Event::BadFrame(reason) => {
                self.note(
                    now,
                    format!("ignored a bad frame from the relay: {reason}"),
                    true,
                );
                Vec::new()
            }
            Event::Frame(frame) => self.on_frame(frame, now),
            Event::MineClicked => {
                if self.job.is_some() {
                    return Vec::new();
                }
                let job = self.template(now);
                self.tried = 0;
                self.hash_rate = 0.0;
                self.note(now, format!("mining block {}", job.header.height), false);
                self.job = Some(job.clone());
                vec![Effect::Mine(job)]
            }
            Event::Worker(w) => self.on_worker(w, now),
        }
    }

    fn on_worker(&mut self, event: FromWorker, now: u64) -> Vec<Effect> {
        match event {
            FromWorker::Ready => Vec::new(),
            FromWorker::Progress {
                job,
                tried,
                elapsed_ms,
            } => {
                if self.job.as_ref().is_some_and(|j| j.id == job) && elapsed_ms > 0.0 {
                    self.tried = tried;
                    self.hash_rate = tried as f64 * 1000.0 / elapsed_ms;
                }
                Vec::new()
            }
            FromWorker::Found { job, nonce, tried } => {
                let Some(current) = self.job.take_if(|j| j.id == job) else {
                    return Vec::new();
                };
                self.tried = tried;
                let mut header = current.header;
                header.nonce = nonce;
                let block = Block::new(header, current.data);
                match self.chain.accept(vec![block.clone()], now) {
                    Ok(Accepted::Extended { .. }) => {
                        self.mined_here += 1;
                        self.note(
                            now,
                            format!("mined block {} ({})", header.height, block.hash.short()),
                            false,
                        );
                        vec![
                            Effect::Send(ClientFrame::Broadcast {
                                msg: Message::Block { block },
                            }),
                            Effect::SaveChain,
                        ]
                    }
                    other => {
                        self.note(
                            now,
                            format!("mined block was not accepted: {other:?}"),
                            true,
                        );
                        Vec::new()
                    }
                }
            }
        }
    }

    fn on_frame(&mut self, frame: RelayFrame, now: u64) -> Vec<Effect> {
        match frame {
            RelayFrame::Welcome { you, peers } => {
                self.conn = Conn::Online;
                self.me = Some(you);
                self.peers = peers.into_iter().collect();
                self.note(
                    now,
                    format!(
                        "joined the relay as peer {you}; {} other tab(s)",
                        self.peers.len()
                    ),
                    false,
                );
                vec![Effect::Send(ClientFrame::Broadcast { msg: self.hello() })]
            }
            RelayFrame::PeerJoined { peer } => {
                self.peers.insert(peer);
                Vec::new()
            }
            RelayFrame::PeerLeft { peer } => {
                self.peers.remove(&peer);
                if matches!(self.sync, SyncState::Syncing { peer: p, .. } if p == peer) {
                    self.sync = SyncState::Ready;
                }
                Vec::new()
            }
            RelayFrame::Error { reason } => {
                self.note(now, format!("the relay refused a frame: {reason}"), true);
                Vec::new()
            }
            RelayFrame::Deliver { from, msg } => self.on_message(from, msg, now),
        }
    }

    fn on_message(&mut self, from: PeerId, msg: Message, now: u64) -> Vec<Effect> {
        match msg {
            Message::Hello {
                version,
                network,
                height,
                work,
                ..
            } => {
                if version != PROTOCOL_VERSION || network != self.chain.genesis().hash {
                    return Vec::new();
                }
                let ours = self.chain.total_work();
                if work > ours {
                    self.sync = SyncState::Syncing {
                        peer: from,
                        target: height,
                    };
                    vec![self.get_blocks(from)]
                } else if work < ours {
                    vec![Effect::Send(ClientFrame::Direct {
                        to: from,
                        msg: self.hello(),
                    })]
                } else {
                    Vec::new()
                }
            }
            Message::GetBlocks { locator } => {
                let blocks = self
                    .chain
                    .blocks_after(&locator, MAX_BLOCKS_PER_BATCH)
                    .to_vec();
                vec![Effect::Send(ClientFrame::Direct {
                    to: from,
                    msg: Message::Blocks { blocks },
                })]
            }
            Message::Block { block } => {
                let mut effects = self.offer(from, vec![block], now);
                if effects.contains(&Effect::SaveChain) {
                    effects.extend(self.restart_mining(now));
                }
                effects
            }
            Message::Blocks { blocks } => {
                let full = blocks.len() >= MAX_BLOCKS_PER_BATCH;
                let mut effects = self.offer(from, blocks, now);
                if full && matches!(self.sync, SyncState::Syncing { peer, .. } if peer == from) {
                    effects.push(self.get_blocks(from));
                } else {
                    self.sync = SyncState::Ready;
                }
                if effects.contains(&Effect::SaveChain) {
                    effects.extend(self.restart_mining(now));
                }
                effects
            }
        }
    }

    /// Offers blocks from `from` to the chain; returns the effects.
    fn offer(&mut self, from: PeerId, blocks: Vec<Block>, now: u64) -> Vec<Effect> {
        match self.chain.accept(blocks, now) {
            Ok(Accepted::Extended { added }) => {
                self.note(
                    now,
                    format!(
                        "received {added} block(s) from peer {from}; height {}",
                        self.chain.height()
                    ),
                    false,
                );
                vec![Effect::SaveChain]
            }
            Ok(Accepted::Reorganized { removed, added }) => {
                self.note(
                    now,
                    format!("switched to peer {from}'s branch: -{removed} +{added} blocks"),
                    false,
                );
                vec![Effect::SaveChain]
            }
            Ok(Accepted::AlreadyKnown | Accepted::NotBetter) => Vec::new(),
            Err(AcceptError::UnknownParent { .. }) => {
                self.sync = SyncState::Syncing {
                    peer: from,
                    target: self.chain.height() + 1,
                };
                vec![self.get_blocks(from)]
            }
            Err(e) => {
                self.note(now, format!("rejected blocks from peer {from}: {e}"), true);
                Vec::new()
            }
        }
    }

    /// After the tip changed: a fresh template if mining.
    fn restart_mining(&mut self, now: u64) -> Option<Effect> {
        self.job.as_ref()?;
        let job = self.template(now);
        self.tried = 0;
        self.job = Some(job.clone());
        Some(Effect::Mine(job))
    }
}

#[cfg(test)]
mod tests;

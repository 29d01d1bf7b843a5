//! [`Shell`]: the node's effects carried out in the browser, and the
//! browser's events turned into reports.

use gloo::timers::callback::Timeout;
use std::collections::HashMap;

use tabcoin_chain::{Address, Timestamp};
use tabcoin_node::{Effect, Event, Keys, Message, StoredChain};
use tabcoin_protocol::{ClientFrame, Payload, PeerId, RelayFrame};

use super::backoff::Backoff;
use super::config::{PageConfig, save_relay};
use super::events::{Conn, Report, ShellEvent, Sink, now};
use super::idb;
use super::local::LocalChannel;
use super::miner_pool::{MinerPool, miner_script};
use super::note::Note;
use super::relay::{RelayEvent, RelaySocket};
use super::verifier_pool::VerifierPool;
use super::web_storage;
use super::worker::WorkerHandle;
use crate::ui::accounts::Account;
use crate::workers::messages::{FromMiner, FromVault, FromVerifier, Posted, ToVault};

/// Loader of the vault worker, relative to the page.
const VAULT: &str = "./vault_loader.js";

/// The browser around the node.
pub struct Shell {
    config: PageConfig,
    /// The relay room: the network id.
    room: String,
    sink: Sink,
    relay: Option<RelaySocket>,
    conn: Conn,
    backoff: Backoff,
    reconnect: Option<Timeout>,
    local: Option<LocalChannel>,
    miners: MinerPool,
    verifiers: VerifierPool,
    /// The vault worker, started the first time a key is locked or
    /// unlocked.
    vault: Option<WorkerHandle>,
    /// Peers the node banned, until when: what they send is dropped unread.
    banned: HashMap<PeerId, Timestamp>,
}

impl Shell {
    /// Starts everything: the same-browser channel, the workers (they load
    /// while the page's server is reachable, so mining also works later
    /// with the relay down), the relay connection, and the reads of the
    /// stored accounts, chain and pool. `room` is the network id.
    pub fn start(config: PageConfig, room: &str, sink: Sink) -> Shell {
        let cores =
            web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency()) as usize;
        let max_miners = (cores * 2).clamp(2, 64);
        let wanted = web_storage::saved_workers().unwrap_or(cores);
        let miners = MinerPool::start(
            miner_script(config.force_scalar),
            wanted,
            max_miners,
            sink.clone(),
        );
        let verifiers = if config.verify_in_workers {
            VerifierPool::start(cores.clamp(1, 4), &sink)
        } else {
            VerifierPool::default()
        };
        let local_id = u64::from_be_bytes(web_storage::random_bytes());
        let to_sink = sink.clone();
        let local = LocalChannel::open(&format!("tabcoin/{room}"), local_id, move |f| {
            to_sink(ShellEvent::Local(f))
        })
        .ok();
        let mut shell = Shell {
            config,
            room: room.to_owned(),
            sink,
            relay: None,
            conn: Conn::Connecting,
            backoff: Backoff::new(),
            reconnect: None,
            local,
            miners,
            verifiers,
            vault: None,
            banned: HashMap::new(),
        };
        shell.connect();
        shell.read_storage();
        shell
    }

    fn read_storage(&self) {
        let sink = self.sink.clone();
        wasm_bindgen_futures::spawn_local(async move {
            sink(ShellEvent::Accounts(idb::load_accounts().await));
        });
        let (sink, params) = (self.sink.clone(), self.config.params);
        wasm_bindgen_futures::spawn_local(async move {
            let chain = match idb::load_blocks(params.name).await {
                Ok(records) if !records.is_empty() => Ok(Some(StoredChain::Records(records))),
                Ok(_) => match idb::get(idb::CHAINS, params.name).await {
                    Ok(Some(json)) => Ok(Some(StoredChain::Whole(json))),
                    Ok(None) => Ok(web_storage::take_legacy_chain(&params).map(StoredChain::Whole)),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            let pool = idb::get(idb::POOLS, params.name).await.ok().flatten();
            sink(ShellEvent::Stored(chain, pool));
        });
    }

    fn connect(&mut self) {
        self.conn = Conn::Connecting;
        let sink = self.sink.clone();
        match RelaySocket::connect(&self.config.relay, &self.room, move |e| {
            sink(ShellEvent::Relay(e))
        }) {
            Ok(relay) => self.relay = Some(relay),
            Err(e) => {
                (self.sink)(ShellEvent::Failed(e));
                self.schedule_reconnect();
            }
        }
    }

    fn schedule_reconnect(&mut self) {
        let sink = self.sink.clone();
        self.reconnect = Some(Timeout::new(self.backoff.next_delay(), move || {
            sink(ShellEvent::Reconnect)
        }));
    }

    /// The relay is gone (closed, or left for another): its peers with it.
    fn relay_lost(&mut self) -> Vec<Report> {
        let mut reports = Vec::new();
        if self.conn != Conn::Offline {
            reports.push(Report::Note(Note::RelayLost));
        }
        self.conn = Conn::Offline;
        reports.push(Report::Node(Event::Disconnected));
        reports
    }

    /// A peer's payload, from the relay or the same-browser channel: a
    /// banned peer's is dropped unread, any other decoded for the node.
    fn delivered(&mut self, from: PeerId, msg: &Payload) -> Vec<Report> {
        let now = now();
        self.banned.retain(|_, until| now < *until);
        if self.banned.contains_key(&from) {
            return Vec::new();
        }
        vec![Report::Node(match Message::decode(msg) {
            Ok(msg) => Event::Message { from, msg },
            Err(error) => Event::Undecodable { from, error },
        })]
    }

    fn verifiers_changed(&self) -> Report {
        let (available, loading) = self.verifiers.counts();
        Report::Node(Event::VerifiersChanged { available, loading })
    }

    /// What an event from the browser means.
    pub fn on(&mut self, event: ShellEvent) -> Vec<Report> {
        match event {
            ShellEvent::Relay(RelayEvent::Opened) => Vec::new(),
            ShellEvent::Relay(RelayEvent::Frame(frame)) => self.on_frame(frame),
            ShellEvent::Relay(RelayEvent::BadFrame(reason)) => {
                vec![Report::Note(Note::BadFrame(reason))]
            }
            ShellEvent::Relay(RelayEvent::Closed) => {
                self.relay = None;
                self.schedule_reconnect();
                self.relay_lost()
            }
            ShellEvent::Reconnect => {
                self.reconnect = None;
                self.connect();
                Vec::new()
            }
            ShellEvent::Local(frame) => {
                if let Some(local) = &mut self.local {
                    local.learn(frame.from);
                }
                self.delivered(frame.from, &frame.msg)
            }
            ShellEvent::Miner(index, posted) => match posted.read::<FromMiner>() {
                Some(FromMiner::Ready { kernel }) => {
                    self.miners.ready(index, kernel);
                    Vec::new()
                }
                Some(FromMiner::Report(report)) => vec![Report::Node(Event::Miner {
                    worker: index,
                    report,
                })],
                None => Vec::new(),
            },
            ShellEvent::Vault(Some(posted)) => match posted.read::<FromVault>() {
                Some(FromVault::Ready { .. }) => {
                    if let Some(vault) = &mut self.vault {
                        vault.set_ready();
                    }
                    Vec::new()
                }
                Some(answer) => vec![Report::Vault(answer)],
                None => Vec::new(),
            },
            ShellEvent::Vault(None) => {
                // Started afresh next time.
                self.vault = None;
                vec![Report::Vault(FromVault::Failed {
                    address: String::new(),
                    reason: "The vault worker stopped; try again.".into(),
                })]
            }
            ShellEvent::Verifier(index, Some(posted)) => match posted.read::<FromVerifier>() {
                Some(FromVerifier::Ready { .. }) => {
                    self.verifiers.ready(index);
                    vec![self.verifiers_changed()]
                }
                Some(FromVerifier::Checked { tag }) => {
                    self.verifiers.answered(tag);
                    let flags = posted.bytes;
                    vec![Report::Node(Event::SignaturesChecked { tag, flags })]
                }
                None => Vec::new(),
            },
            // The node checks what a failed verifier did not.
            ShellEvent::Verifier(index, None) => {
                self.verifiers.failed(index);
                vec![
                    Report::Node(Event::VerifierFailed),
                    self.verifiers_changed(),
                ]
            }
            ShellEvent::Stored(chain, pool) => vec![Report::Node(Event::StorageLoaded {
                chain: chain.map_err(|e| e.to_string()),
                pool,
            })],
            ShellEvent::BlocksWritten(result) => vec![Report::Node(Event::BlocksWritten(
                result.map_err(|e| e.to_string()),
            ))],
            ShellEvent::Accounts(result) => vec![Report::Accounts(result)],
            ShellEvent::AccountNotSaved(e) => vec![Report::AccountNotSaved(e)],
            ShellEvent::Failed(e) => vec![Report::Note(Note::Failed(e))],
        }
    }

    fn on_frame(&mut self, frame: RelayFrame) -> Vec<Report> {
        match frame {
            RelayFrame::Welcome { you, peers } => {
                self.conn = Conn::Online;
                self.backoff.reset();
                let others = peers.len();
                vec![
                    Report::Note(Note::Joined { you, others }),
                    Report::Node(Event::Connected { peers }),
                ]
            }
            RelayFrame::PeerJoined { peer } => vec![Report::Node(Event::PeerJoined(peer))],
            RelayFrame::PeerLeft { peer } => vec![Report::Node(Event::PeerLeft(peer))],
            RelayFrame::Deliver { from, msg } => self.delivered(from, &msg),
            RelayFrame::Error { reason } => vec![Report::Note(Note::RelayRefused(reason))],
        }
    }

    /// Carries out one of the node's effects (telling the person is the
    /// UI's part).
    pub fn carry_out(&mut self, effect: Effect) {
        match effect {
            Effect::Send { to, msg } => self.send(Some(to), &msg),
            Effect::Broadcast(msg) => self.send(None, &msg),
            Effect::Mine(job) => self.miners.mine(&job),
            Effect::StopMining => self.miners.stop(),
            Effect::CheckSignatures(parts) => self.verifiers.send(parts),
            Effect::VerifiersStalled(tags) => self.verifiers.stalled(&tags),
            Effect::WriteBlocks(records) => {
                let (sink, net) = (self.sink.clone(), self.config.params.name);
                wasm_bindgen_futures::spawn_local(async move {
                    sink(ShellEvent::BlocksWritten(
                        idb::put_blocks(net, &records).await,
                    ));
                });
            }
            Effect::ForgetBlocks(keys) => {
                let (sink, net) = (self.sink.clone(), self.config.params.name);
                wasm_bindgen_futures::spawn_local(async move {
                    if let Err(e) = idb::delete_blocks(net, &keys).await {
                        sink(ShellEvent::Failed(e));
                    }
                });
            }
            Effect::RemoveLegacyChain => {
                let net = self.config.params.name;
                wasm_bindgen_futures::spawn_local(async move {
                    // Left behind, it is read only if no block records exist.
                    let _ = idb::delete(idb::CHAINS, net).await;
                });
            }
            Effect::WritePool(json) => {
                let (sink, net) = (self.sink.clone(), self.config.params.name);
                wasm_bindgen_futures::spawn_local(async move {
                    if let Err(e) = idb::put(idb::POOLS, net, &json).await {
                        sink(ShellEvent::Failed(e));
                    }
                });
            }
            Effect::Ban { peer, until } => {
                self.banned.insert(peer, until);
            }
            Effect::Notify(_) | Effect::SendRefused(_) => {}
        }
    }

    /// Relay when connected; the same-browser channel for tabs heard there
    /// and for broadcasts while the relay is down.
    fn send(&self, to: Option<PeerId>, msg: &Message) {
        let msg = msg.encode();
        match (&self.local, to) {
            (Some(local), Some(to)) if local.knows(to) => local.post(Some(to), msg),
            (Some(local), None) if self.conn != Conn::Online => local.post(None, msg),
            (_, to) => {
                if let Some(relay) = &self.relay {
                    relay.send(&match to {
                        Some(to) => ClientFrame::Direct { to, msg },
                        None => ClientFrame::Broadcast { msg },
                    });
                }
            }
        }
    }

    /// Connects to another relay (`url` already checked), remembered for
    /// next time.
    pub fn set_relay(&mut self, url: String) -> Vec<Report> {
        save_relay(&url);
        self.config.relay = url;
        self.relay = None;
        self.reconnect = None;
        self.backoff.reset();
        let reports = self.relay_lost();
        self.connect();
        reports
    }

    /// Runs `n` miners (within the limits), remembered for next time;
    /// returns how many.
    pub fn set_miners(&mut self, n: usize) -> usize {
        let n = self.miners.set_wanted(n);
        web_storage::save_workers(n);
        n
    }

    /// Stores an account in the background; a failure comes back as an
    /// event.
    pub fn save_account(&self, account: Account) {
        let sink = self.sink.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = idb::save_account(&account).await {
                sink(ShellEvent::AccountNotSaved(e));
            }
        });
    }

    /// This tab now uses `new` instead of `old`: kept across reloads (the
    /// secret only if the account is not `protected`), and leased so other
    /// tabs leave it alone.
    pub fn use_keys(&self, old: &Address, new: &Keys, protected: bool) {
        web_storage::release_lease(&old.to_string());
        match new {
            Keys::Unlocked(wallet) if !protected => web_storage::set_session_wallet(wallet),
            _ => web_storage::set_session_locked(&new.address()),
        }
        web_storage::renew_lease(&new.address().to_string(), now());
    }

    /// Asks the vault worker to seal or open a key (it starts on first
    /// use); the answer comes as [`Report::Vault`].
    pub fn vault(&mut self, request: &ToVault) -> Result<(), super::error::ShellError> {
        if self.vault.is_none() {
            let (on_message, on_error) = (self.sink.clone(), self.sink.clone());
            self.vault = Some(WorkerHandle::spawn(
                VAULT,
                "vault worker",
                move |posted| on_message(ShellEvent::Vault(Some(posted))),
                move |_| on_error(ShellEvent::Vault(None)),
            )?);
        }
        if let Some(vault) = &mut self.vault {
            vault.post(Posted::new(request, Vec::new()));
        }
        Ok(())
    }

    /// Keeps this tab's lease on its account (every second).
    pub fn renew_lease(&self, address: &Address) {
        web_storage::renew_lease(&address.to_string(), now());
    }

    /// The page's configuration.
    pub fn config(&self) -> &PageConfig {
        &self.config
    }

    /// The relay connection.
    pub fn conn(&self) -> Conn {
        self.conn
    }

    /// Tabs of this browser heard on the same-browser channel.
    pub fn same_browser(&self) -> usize {
        self.local.as_ref().map_or(0, LocalChannel::known_count)
    }

    /// Verifier workers able to take work.
    pub fn verifiers(&self) -> usize {
        self.verifiers.counts().0
    }

    /// Verifier workers able to take work, and still loading.
    pub fn verifier_counts(&self) -> (usize, usize) {
        self.verifiers.counts()
    }

    /// The miners: how many run, how many may, and their kernel.
    pub fn miners(&self) -> &MinerPool {
        &self.miners
    }
}

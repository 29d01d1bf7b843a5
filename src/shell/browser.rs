//! [`Shell`]: the tab in the browser. What every network of the tab shares
//! (the relay connection, the miner, verifier and vault workers, the
//! stored accounts) and one [`NetShell`] per network. It carries out the
//! nodes' effects and turns the browser's events into reports, each for
//! the node of one network or for the tab.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use tabcoin_chain::{Address, Params};
use tabcoin_node::{Event, Job, Keys};

use super::config::{PageConfig, save_relay};
use super::events::{Conn, NetId, Report, ShellEvent, Sink, now};
use super::idb;
use super::miner_pool::{GPU_INDEX, MinerPool, miner_script};
use super::net::NetShell;
use super::note::Note;
use super::relay::RelayEvent;
use super::uplink::Uplink;
use super::verifier_pool::VerifierPool;
use super::web_storage;
use super::worker::WorkerHandle;
use crate::keys::accounts::Account;
use crate::tab::{MinerOrder, MinerOwner, tagged, untagged};
use crate::workers::messages::{FromMiner, FromVault, FromVerifier, Posted, ToVault};

pub use super::net::Neighbour;

/// Loader of the vault worker, relative to the page.
const VAULT: &str = "./vault_loader.js";

/// The tab in the browser.
pub struct Shell {
    config: PageConfig,
    sink: Sink,
    /// The one relay connection, shared by every network.
    up: Rc<RefCell<Uplink>>,
    /// The networks, by slot.
    nets: BTreeMap<NetId, NetShell>,
    miners: MinerPool,
    /// The network the miners work for, if any (one at a time).
    mining: MinerOwner,
    verifiers: VerifierPool,
    /// The vault worker, started the first time a key is locked or
    /// unlocked.
    vault: Option<WorkerHandle>,
}

impl Shell {
    /// Starts what the tab shares: the workers (they load while the page's
    /// server is reachable, so mining also works later with the relay
    /// down) and the read of the stored accounts. The relay connection
    /// opens with the first network ([`Shell::add_net`]).
    pub fn start(config: PageConfig, sink: Sink) -> Shell {
        let cores =
            web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency()) as usize;
        let max_miners = (cores * 2).clamp(2, 64);
        let wanted = web_storage::saved_workers().unwrap_or(cores);
        let miners = MinerPool::start(
            miner_script(config.force_scalar),
            (wanted, max_miners),
            config.software_gpu,
            sink.clone(),
        );
        let verifiers = if config.verify_in_workers {
            VerifierPool::start(cores.clamp(1, 4), &sink)
        } else {
            VerifierPool::default()
        };
        let up = Rc::new(RefCell::new(Uplink::new(
            config.relay.clone(),
            sink.clone(),
        )));
        let accounts = sink.clone();
        wasm_bindgen_futures::spawn_local(async move {
            accounts(ShellEvent::Accounts(idb::load_accounts().await));
        });
        Shell {
            config,
            sink,
            up,
            nets: BTreeMap::new(),
            miners,
            mining: MinerOwner::default(),
            verifiers,
            vault: None,
        }
    }

    /// Joins network `params` as slot `slot`: its room on the connection,
    /// its channel, the read of its stored chain.
    pub fn add_net(&mut self, slot: NetId, params: Params) {
        let net = NetShell::start(
            slot,
            params,
            self.up.clone(),
            self.config.direct_links,
            &self.sink,
        );
        self.nets.insert(slot, net);
    }

    /// Leaves network `slot` at once: its room, links and channel close,
    /// the miners stop if they worked for it. What it stored stays.
    pub fn remove_net(&mut self, slot: NetId) {
        if let Some(net) = self.nets.remove(&slot) {
            net.leave();
        }
        if self.mining.left(slot) == MinerOrder::Stop {
            self.miners.stop();
        }
    }

    /// Every network's node hears how many miners there are (the GPU's
    /// came or went): the one mining gives them its job afresh.
    fn miners_changed(&self) -> Vec<Report> {
        self.to_every_node(&Event::WorkersSet(self.miners.count()))
    }

    /// `event` for every network's node.
    fn to_every_node(&self, event: &Event) -> Vec<Report> {
        self.nets
            .keys()
            .map(|slot| Report::Node(*slot, event.clone()))
            .collect()
    }

    /// Turns the GPU miner on or off; returns what the nodes hear.
    pub fn set_gpu(&mut self, on: bool) -> Vec<Report> {
        if self.miners.set_gpu(on) {
            self.miners_changed()
        } else {
            Vec::new()
        }
    }

    /// Every network's node hears how many verifiers there are.
    fn verifiers_changed(&self) -> Vec<Report> {
        let (available, loading) = self.verifiers.counts();
        self.to_every_node(&Event::VerifiersChanged { available, loading })
    }

    /// What an event from the browser means.
    pub fn on(&mut self, event: ShellEvent) -> Vec<Report> {
        match event {
            ShellEvent::Net(slot, event) => match self.nets.get_mut(&slot) {
                Some(net) => net.on(*event),
                // A network left meanwhile.
                None => Vec::new(),
            },
            ShellEvent::Relay(RelayEvent::Opened(identity)) => {
                self.up.borrow_mut().opened();
                self.nets
                    .values_mut()
                    .flat_map(|net| net.identity(identity.clone()))
                    .collect()
            }
            ShellEvent::Relay(RelayEvent::Frame(frame)) => {
                let routed = self.up.borrow_mut().frame(frame);
                match routed {
                    Some((room, frame)) => self
                        .nets
                        .values_mut()
                        .find(|n| n.room() == room)
                        .map(|net| net.on_frame(frame))
                        .unwrap_or_default(),
                    None => Vec::new(),
                }
            }
            ShellEvent::Relay(RelayEvent::BadFrame(reason)) => {
                vec![Report::Note(None, Note::BadFrame(reason))]
            }
            ShellEvent::Relay(RelayEvent::Closed) => {
                self.up.borrow_mut().closed();
                self.nets
                    .values_mut()
                    .flat_map(NetShell::relay_lost)
                    .collect()
            }
            ShellEvent::Reconnect => {
                self.up.borrow_mut().reconnect();
                Vec::new()
            }
            ShellEvent::Miner(index, posted) => self.on_miner(index, &posted),
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
            ShellEvent::Verifier(index, posted) => self.on_verifier(index, posted),
            ShellEvent::Accounts(result) => vec![Report::Accounts(result)],
            ShellEvent::AccountNotSaved(e) => vec![Report::AccountNotSaved(e)],
            ShellEvent::Failed(e) => vec![Report::Note(None, Note::Failed(e))],
            // Per-network events come wrapped in `Net`.
            ShellEvent::Link(..)
            | ShellEvent::Local(_)
            | ShellEvent::Stored(..)
            | ShellEvent::BlocksWritten(_) => Vec::new(),
        }
    }

    /// What miner `index` said.
    fn on_miner(&mut self, index: usize, posted: &Posted) -> Vec<Report> {
        match posted.read::<FromMiner>() {
            Some(FromMiner::Ready { kernel }) if index == GPU_INDEX => {
                self.miners.gpu_ready(kernel.clone());
                let mut reports = vec![Report::Note(None, Note::GpuMining(kernel))];
                reports.extend(self.miners_changed());
                reports
            }
            Some(FromMiner::Ready { kernel }) => {
                self.miners.ready(index, kernel);
                Vec::new()
            }
            Some(FromMiner::NoGpu { reason }) => {
                self.miners.gpu_unavailable(reason.clone());
                let mut reports = vec![Report::Note(None, Note::NoGpu(reason))];
                reports.extend(self.miners_changed());
                reports
            }
            Some(FromMiner::Report(report)) => match self.mining.owner() {
                Some(slot) => vec![Report::Node(
                    slot,
                    Event::Miner {
                        // The node knows the GPU as the last miner.
                        worker: if index == GPU_INDEX {
                            self.miners.wanted()
                        } else {
                            index
                        },
                        report,
                    },
                )],
                None => Vec::new(),
            },
            None => Vec::new(),
        }
    }

    /// What verifier `index` said, or that it failed (`None`).
    fn on_verifier(&mut self, index: usize, posted: Option<Posted>) -> Vec<Report> {
        match posted {
            Some(posted) => match posted.read::<FromVerifier>() {
                Some(FromVerifier::Ready { .. }) => {
                    self.verifiers.ready(index);
                    self.verifiers_changed()
                }
                Some(FromVerifier::Checked { tag }) => {
                    self.verifiers.answered(tag);
                    let (slot, tag) = untagged(tag);
                    let flags = posted.bytes;
                    vec![Report::Node(slot, Event::SignaturesChecked { tag, flags })]
                }
                None => Vec::new(),
            },
            // The nodes check what a failed verifier did not.
            None => {
                self.verifiers.failed(index);
                let mut reports = self.to_every_node(&Event::VerifierFailed);
                reports.extend(self.verifiers_changed());
                reports
            }
        }
    }

    /// The miners work for network `slot` on `job`, or (`None`) stop if
    /// they work for it. They work for one network at a time: the last to
    /// give them a job.
    pub fn mine(&mut self, slot: NetId, job: Option<Job>) {
        match (self.mining.order(slot, job.is_some()), job) {
            (MinerOrder::Start, Some(job)) => self.miners.mine(&job),
            (MinerOrder::Stop, _) => self.miners.stop(),
            _ => {}
        }
    }

    /// Network `slot`'s signature checks go to the verifiers, each part
    /// tagged with the slot so its answer finds its node.
    pub fn check_signatures(&mut self, slot: NetId, parts: Vec<(u64, Vec<u8>)>) {
        self.verifiers.send(
            parts
                .into_iter()
                .map(|(tag, checks)| (tagged(slot, tag), checks))
                .collect(),
        );
    }

    /// The verifiers holding these parts of network `slot` stalled.
    pub fn verifiers_stalled(&mut self, slot: NetId, tags: Vec<u64>) {
        let tags: Vec<u64> = tags.into_iter().map(|t| tagged(slot, t)).collect();
        self.verifiers.stalled(&tags);
    }

    /// Network `slot`, if the tab is in it, to act on.
    pub fn net_mut(&mut self, slot: NetId) -> Option<&mut NetShell> {
        self.nets.get_mut(&slot)
    }

    /// The network the miners work for, if any.
    pub fn mining(&self) -> Option<NetId> {
        self.mining.owner()
    }

    /// About once a second, for every network: the mesh repairs and
    /// mixes, links keep alive, the relay learns whether the tab is linked.
    pub fn tick(&mut self) -> Vec<Report> {
        self.nets.values_mut().flat_map(NetShell::tick).collect()
    }

    /// Deletes what network `params` stored (its chain and pending
    /// transactions); a failure is reported.
    pub fn delete_network(&self, params: &Params) {
        let (sink, key) = (self.sink.clone(), super::config::storage_key(params));
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = idb::delete_network(&key).await {
                sink(ShellEvent::Failed(e));
            }
        });
    }

    /// Network `slot`, if the tab is in it.
    pub fn net(&self, slot: NetId) -> Option<&NetShell> {
        self.nets.get(&slot)
    }

    /// Connects to another relay (`url` already checked), remembered for
    /// next time; every network goes with it.
    pub fn set_relay(&mut self, url: String) -> Vec<Report> {
        save_relay(&url);
        self.config.relay = url.clone();
        self.up.borrow_mut().set_url(url);
        self.nets
            .values_mut()
            .flat_map(NetShell::relay_lost)
            .collect()
    }

    /// The page's configuration.
    pub fn config(&self) -> &PageConfig {
        &self.config
    }

    /// The relay connection.
    pub fn conn(&self) -> Conn {
        self.up.borrow().conn()
    }

    /// Runs `n` CPU miners (within the limits), remembered for next time;
    /// returns how many miners the nodes count (the GPU too, if it mines).
    pub fn set_miners(&mut self, n: usize) -> usize {
        let n = self.miners.set_wanted(n);
        web_storage::save_workers(n);
        self.miners.count()
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

//! [`NetShell`]: one network of the tab, in the browser. Its stored chain
//! and pool (IndexedDB), and the browser's side of its neighbourhood: the
//! room on the shared relay connection ([`Uplink`]), the same-browser
//! channel and the WebRTC links. What to do with them is decided by the
//! pure [`Room`]; this carries it out and reports back. The tab-wide
//! [`Shell`](super::Shell) holds one per network.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use tabcoin_chain::{BlockHash, Params, Timestamp};
use tabcoin_mesh::Room;
use tabcoin_mesh::room::{In, Out, Told};
use tabcoin_node::{BlockRecord, Event, Message, StoredChain};
use tabcoin_protocol::identity::Identity;
use tabcoin_protocol::{PeerId, RelayFrame};

use super::config::storage_key;
use super::events::{LinkEvent, NetId, Report, ShellEvent, Sink, now};
use super::idb;
use super::local::LocalChannel;
use super::note::Note;
use super::rtc::DirectLink;
use super::uplink::Uplink;
use super::web_storage;

pub use tabcoin_mesh::room::Neighbour;

/// One network of the tab.
pub struct NetShell {
    /// Which of the tab's networks.
    slot: NetId,
    /// Its constants.
    params: Params,
    /// Where its chain and pool are stored.
    storage_key: String,
    /// Events for this network (tagged with its slot).
    sink: Sink,
    /// The tab's relay connection.
    up: Rc<RefCell<Uplink>>,
    local: Option<LocalChannel>,
    /// Who this tab hears and links with, and what goes on the links.
    room: Room,
    /// The WebRTC side of the room's direct links, by serial number.
    links: HashMap<u64, DirectLink>,
}

impl NetShell {
    /// Network `params` as slot `slot`: its same-browser channel opens,
    /// its room is joined on the tab's connection, its stored chain and
    /// pool are read (events come through `sink`, tagged with the slot).
    pub fn start(
        slot: NetId,
        params: Params,
        up: Rc<RefCell<Uplink>>,
        direct_links: bool,
        tab_sink: &Sink,
    ) -> NetShell {
        let room = params.network_id().to_string();
        let sink: Sink = {
            let tab_sink = tab_sink.clone();
            Rc::new(move |e| tab_sink(ShellEvent::Net(slot, Box::new(e))))
        };
        let local_id = u64::from_be_bytes(web_storage::random_bytes());
        let to_sink = sink.clone();
        let local = LocalChannel::open(&format!("tabcoin/{room}"), local_id, move |f| {
            to_sink(ShellEvent::Local(f))
        })
        .ok();
        up.borrow_mut().join(&room);
        let seed = u64::from_be_bytes(web_storage::random_bytes());
        let mut room = Room::new(room, direct_links, seed);
        // The tab's key, to sign what it routes along direct links (the
        // relay asks for its work when the connection opens).
        let me = web_storage::peer_key();
        drop(room.handle(In::Identity(me), now().0));
        let net = NetShell {
            slot,
            storage_key: storage_key(&params),
            params,
            sink,
            up,
            local,
            room,
            links: HashMap::new(),
        };
        net.read_storage();
        net
    }

    fn read_storage(&self) {
        let (sink, params, key) = (
            self.sink.clone(),
            self.params.clone(),
            self.storage_key.clone(),
        );
        wasm_bindgen_futures::spawn_local(async move {
            let chain = match idb::load_blocks(&key).await {
                Ok(records) if !records.is_empty() => Ok(Some(StoredChain::Records(records))),
                Ok(_) => match idb::get(idb::CHAINS, &key).await {
                    Ok(Some(json)) => Ok(Some(StoredChain::Whole(json))),
                    Ok(None) => Ok(web_storage::take_legacy_chain(&params).map(StoredChain::Whole)),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            let pool = idb::get(idb::POOLS, &key).await.ok().flatten();
            sink(ShellEvent::Stored(chain, pool));
        });
    }

    /// Leaves the room at once; links and the channel close as this is
    /// dropped. What is stored stays.
    pub fn leave(&self) {
        self.up.borrow_mut().leave(self.room.network());
    }

    /// What the browser reported about this network.
    pub fn on(&mut self, event: ShellEvent) -> Vec<Report> {
        match event {
            ShellEvent::Link(serial, LinkEvent::Drained) => {
                if let Some(link) = self.links.get_mut(&serial) {
                    link.drain();
                }
                Vec::new()
            }
            ShellEvent::Link(serial, event) => {
                let input = match event {
                    LinkEvent::Described(sdp) => In::Described { serial, sdp },
                    LinkEvent::Open => {
                        // What was written before the channel opened goes now.
                        if let Some(link) = self.links.get_mut(&serial) {
                            link.drain();
                        }
                        In::Open { serial }
                    }
                    LinkEvent::Piece(piece) => In::Piece { serial, piece },
                    LinkEvent::Drained => return Vec::new(),
                    LinkEvent::Closed(why) => In::Closed { serial, why },
                };
                self.run(input)
            }
            ShellEvent::Local(frame) => self.run(In::Local {
                from: frame.from,
                msg: frame.msg,
            }),
            ShellEvent::Stored(chain, pool) => vec![Report::Node(
                self.slot,
                Event::StorageLoaded {
                    chain: chain.map_err(|e| e.to_string()),
                    pool,
                },
            )],
            ShellEvent::BlocksWritten(result) => vec![Report::Node(
                self.slot,
                Event::BlocksWritten(result.map_err(|e| e.to_string())),
            )],
            ShellEvent::Failed(e) => vec![Report::Note(Some(self.slot), Note::Failed(e))],
            // Tab-wide events are the Shell's.
            _ => Vec::new(),
        }
    }

    /// Whether this network's room welcomed the tab on the current
    /// connection.
    pub fn is_online(&self) -> bool {
        self.up.borrow().is_online(self.room.network())
    }

    /// The network's room (its id).
    pub fn room(&self) -> &str {
        self.room.network()
    }

    /// The relay is gone (closed, or left for another): its peers with it.
    pub fn relay_lost(&mut self) -> Vec<Report> {
        self.run(In::RelayLost)
    }

    /// The relay connection proved this tab's key: the room signs with it.
    pub fn identity(&mut self, identity: Identity) -> Vec<Report> {
        self.run(In::Identity(identity))
    }

    /// A frame from the relay about this network's room.
    pub fn on_frame(&mut self, frame: RelayFrame) -> Vec<Report> {
        self.run(In::Frame(frame))
    }

    /// About once a second: the mesh repairs and mixes, links keep alive,
    /// the relay learns whether this tab is linked.
    pub fn tick(&mut self) -> Vec<Report> {
        self.run(In::Tick)
    }

    /// Sends a node message: to peer `to`, or the node's own news to all
    /// (`None`); what the node should hear of it.
    pub fn send(&mut self, to: Option<PeerId>, msg: &Message) -> Vec<Report> {
        self.run(In::Send {
            to,
            msg: msg.encode(),
        })
    }

    /// Passes on to the neighbours what `from` sent and the node took as
    /// new.
    pub fn pass_on(&mut self, from: PeerId, msg: &Message) -> Vec<Report> {
        self.run(In::PassOn {
            from,
            msg: msg.encode(),
        })
    }

    /// What `peer` sends is dropped unread until `until`; its link closes.
    pub fn ban(&mut self, peer: PeerId, until: Timestamp) -> Vec<Report> {
        self.run(In::Ban {
            peer,
            until: until.0,
        })
    }

    /// Writes blocks to IndexedDB; the result comes back as
    /// [`ShellEvent::BlocksWritten`].
    pub fn write_blocks(&self, records: Vec<BlockRecord>) {
        let (sink, net) = (self.sink.clone(), self.storage_key.clone());
        wasm_bindgen_futures::spawn_local(async move {
            sink(ShellEvent::BlocksWritten(
                idb::put_blocks(&net, &records).await,
            ));
        });
    }

    /// Removes block records; a failure is reported.
    pub fn forget_blocks(&self, keys: Vec<(u64, BlockHash)>) {
        let (sink, net) = (self.sink.clone(), self.storage_key.clone());
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = idb::delete_blocks(&net, &keys).await {
                sink(ShellEvent::Failed(e));
            }
        });
    }

    /// Removes the whole chain an earlier version stored.
    pub fn remove_legacy_chain(&self) {
        let net = self.storage_key.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // Left behind, it is read only if no block records exist.
            let _ = idb::delete(idb::CHAINS, &net).await;
        });
    }

    /// Stores the pending transactions; a failure is reported.
    pub fn write_pool(&self, json: String) {
        let (sink, net) = (self.sink.clone(), self.storage_key.clone());
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = idb::put(idb::POOLS, &net, &json).await {
                sink(ShellEvent::Failed(e));
            }
        });
    }

    /// Hands `input` to the room and carries out what it wants, feeding
    /// back what the browser refuses at once (a link that cannot be made,
    /// a neighbour that does not read); what the node and the person
    /// should hear, in order.
    fn run(&mut self, input: In) -> Vec<Report> {
        let mut inputs = VecDeque::from([input]);
        let mut reports = Vec::new();
        while let Some(input) = inputs.pop_front() {
            for out in self.room.handle(input, now().0) {
                if let Some(report) = self.act(out, &mut inputs) {
                    reports.push(report);
                }
            }
        }
        reports
    }

    /// Carries out one of the room's actions.
    fn act(&mut self, out: Out, back: &mut VecDeque<In>) -> Option<Report> {
        match out {
            Out::Dial { serial } => match DirectLink::dial(serial, &self.sink) {
                Ok(link) => drop(self.links.insert(serial, link)),
                Err(why) => back.push_back(In::Closed { serial, why }),
            },
            Out::Answer { serial, offer } => match DirectLink::answer(serial, &offer, &self.sink) {
                Ok(link) => drop(self.links.insert(serial, link)),
                Err(why) => back.push_back(In::Closed { serial, why }),
            },
            Out::Answered { serial, answer } => {
                if let Some(link) = self.links.get(&serial) {
                    link.answered(&answer, &self.sink);
                }
            }
            Out::Drop { serial } => drop(self.links.remove(&serial)),
            Out::Write { serial, pieces } => {
                let reads = self.links.get_mut(&serial).is_some_and(|l| l.write(pieces));
                if !reads {
                    let why = "the neighbour does not read".into();
                    back.push_back(In::Closed { serial, why });
                }
            }
            Out::Relay(frame) => drop(self.up.borrow().send(self.room.network(), frame)),
            Out::Local { to, msg } => {
                if let Some(local) = &self.local {
                    local.post(to, msg);
                }
            }
            Out::Node(told) => return Some(Report::Node(self.slot, event(told))),
            Out::Note(note) => return Some(Report::Note(Some(self.slot), Note::Room(note))),
        }
        None
    }

    /// Every tab this one hears from, and how.
    pub fn neighbours(&self) -> Vec<Neighbour> {
        self.room.neighbours()
    }

    /// This tab's id at the relay, once welcomed.
    pub fn me(&self) -> Option<PeerId> {
        self.room.me()
    }

    /// Tabs of this browser heard on the same-browser channel.
    pub fn same_browser(&self) -> usize {
        self.room.same_browser()
    }
}

/// What the room told, for the node.
fn event(told: Told) -> Event {
    match told {
        Told::Connected { peers } => Event::Connected { peers },
        Told::Disconnected => Event::Disconnected,
        Told::PeerJoined(peer) => Event::PeerJoined(peer),
        Told::PeerLeft(peer) => Event::PeerLeft(peer),
        Told::Linked(peer) => Event::Linked(peer),
        Told::Message { from, msg } => Event::delivered(from, &msg),
        Told::Undecodable { from, error } => Event::Undecodable { from, error },
    }
}

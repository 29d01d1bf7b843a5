//! Rooms of connected tabs and the routing of frames between them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::ws::Utf8Bytes;
use tabcoin_protocol::{ClientFrame, PeerId, RelayFrame, encode};
use tokio::sync::mpsc::{Sender, error::TrySendError};

type Room = BTreeMap<PeerId, Sender<Utf8Bytes>>;

/// Every room and its tabs' outbound queues.
#[derive(Default)]
pub struct Rooms {
    rooms: Mutex<HashMap<String, Room>>,
    next_id: AtomicU64,
}

impl Rooms {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Room>> {
        // A panic while holding the lock cannot leave the map half-updated in
        // a way that matters more than losing the relay, so recover it.
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a tab to `room`: it gets `Welcome` first, the others `PeerJoined`.
    pub fn join(&self, room: &str, tx: Sender<Utf8Bytes>) -> PeerId {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut rooms = self.lock();
        let members = rooms.entry(room.to_owned()).or_default();
        let welcome = RelayFrame::Welcome {
            you: id,
            peers: members.keys().copied().collect(),
        };
        // A fresh queue always has room for the first frame.
        let _ = tx.try_send(encode(&welcome).into());
        broadcast(
            members,
            None,
            encode(&RelayFrame::PeerJoined { peer: id }).into(),
        );
        members.insert(id, tx);
        id
    }

    /// Removes a tab; the others get `PeerLeft`.
    pub fn leave(&self, room: &str, id: PeerId) {
        let mut rooms = self.lock();
        if let Some(members) = rooms.get_mut(room) {
            members.remove(&id);
            broadcast(
                members,
                None,
                encode(&RelayFrame::PeerLeft { peer: id }).into(),
            );
            if members.is_empty() {
                rooms.remove(room);
            }
        }
    }

    /// Routes a frame from tab `from`. Unknown direct targets are ignored
    /// (the tab may just have left).
    pub fn route(&self, room: &str, from: PeerId, frame: ClientFrame) {
        let mut rooms = self.lock();
        let Some(members) = rooms.get_mut(room) else {
            return;
        };
        match frame {
            ClientFrame::Broadcast { msg } => {
                let text = encode(&RelayFrame::Deliver { from, msg }).into();
                broadcast(members, Some(from), text);
            }
            ClientFrame::Direct { to, msg } => {
                if let Some(tx) = members.get(&to) {
                    let text = encode(&RelayFrame::Deliver { from, msg }).into();
                    if !offer(tx, text) {
                        members.remove(&to);
                    }
                }
            }
        }
    }

    /// Number of tabs in `room`.
    pub fn len(&self, room: &str) -> usize {
        self.lock().get(room).map_or(0, BTreeMap::len)
    }

    /// Whether no tab is connected at all.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

/// Queues `text` for every member but `except`; members whose queue is full
/// are removed (dropping their sender ends their connection).
fn broadcast(members: &mut Room, except: Option<PeerId>, text: Utf8Bytes) {
    members.retain(|id, tx| Some(*id) == except || offer(tx, text.clone()));
}

/// Queues without waiting; false if the receiver is too slow or gone.
fn offer(tx: &Sender<Utf8Bytes>, text: Utf8Bytes) -> bool {
    match tx.try_send(text) {
        Ok(()) => true,
        Err(TrySendError::Full(_) | TrySendError::Closed(_)) => false,
    }
}

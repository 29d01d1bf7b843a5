//! [`Uplink`]: the tab's one connection to the relay, shared by every
//! network the tab is in. The first network's room is the one in the
//! connection's address; the others are joined on it (`ClientFrame::Join`)
//! and their frames go wrapped both ways (`ClientFrame::Room`,
//! `RelayFrame::Room`). A network is online once its room welcomed it.

use std::collections::BTreeSet;

use gloo::timers::callback::Timeout;
use tabcoin_protocol::{ClientFrame, RelayFrame};

use super::backoff::Backoff;
use super::events::{Conn, ShellEvent, Sink};
use super::relay::RelaySocket;

/// The relay connection and the rooms on it.
pub struct Uplink {
    url: String,
    sink: Sink,
    socket: Option<RelaySocket>,
    conn: Conn,
    backoff: Backoff,
    reconnect: Option<Timeout>,
    /// The rooms wanted, in the order they were joined.
    rooms: Vec<String>,
    /// The room in the current connection's address.
    primary: Option<String>,
    /// Rooms that welcomed this tab on the current connection.
    welcomed: BTreeSet<String>,
}

impl Uplink {
    /// No connection yet: it opens with the first room joined.
    pub fn new(url: String, sink: Sink) -> Uplink {
        Uplink {
            url,
            sink,
            socket: None,
            conn: Conn::Connecting,
            backoff: Backoff::new(),
            reconnect: None,
            rooms: Vec::new(),
            primary: None,
            welcomed: BTreeSet::new(),
        }
    }

    /// Opens the connection in the first room wanted (the others are
    /// joined once it is open).
    fn connect(&mut self) {
        self.welcomed.clear();
        self.primary = self.rooms.first().cloned();
        let Some(room) = self.primary.clone() else {
            self.socket = None;
            return;
        };
        self.conn = Conn::Connecting;
        let sink = self.sink.clone();
        match RelaySocket::connect(&self.url, &room, move |e| sink(ShellEvent::Relay(e))) {
            Ok(socket) => self.socket = Some(socket),
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

    /// The socket opened: the rooms beyond the first are joined.
    pub fn opened(&mut self) {
        let extra: Vec<String> = self
            .rooms
            .iter()
            .filter(|r| Some(*r) != self.primary.as_ref())
            .cloned()
            .collect();
        for room in extra {
            self.raw(&ClientFrame::Join { room });
        }
    }

    /// The socket closed: a reconnect is scheduled.
    pub fn closed(&mut self) {
        self.socket = None;
        self.welcomed.clear();
        self.conn = Conn::Offline;
        if !self.rooms.is_empty() {
            self.schedule_reconnect();
        }
    }

    /// Time to reconnect.
    pub fn reconnect(&mut self) {
        self.reconnect = None;
        self.connect();
    }

    /// A frame from the relay: the room it is about (`None`: the room of
    /// a connection already replaced) and the frame itself. A welcome marks
    /// its room online.
    pub fn frame(&mut self, frame: RelayFrame) -> Option<(String, RelayFrame)> {
        let (room, frame) = match frame {
            RelayFrame::Room { room, frame } => (room, *frame),
            frame => (self.primary.clone()?, frame),
        };
        if let RelayFrame::Welcome { .. } = frame {
            self.conn = Conn::Online;
            self.backoff.reset();
            self.welcomed.insert(room.clone());
        }
        Some((room, frame))
    }

    /// Sends `frame` for `room` (wrapped unless it is the address's room);
    /// false if that room is not online.
    pub fn send(&self, room: &str, frame: ClientFrame) -> bool {
        if !self.welcomed.contains(room) {
            return false;
        }
        if self.primary.as_deref() == Some(room) {
            self.raw(&frame)
        } else {
            self.raw(&ClientFrame::Room {
                room: room.to_owned(),
                frame: Box::new(frame),
            })
        }
    }

    fn raw(&self, frame: &ClientFrame) -> bool {
        self.socket.as_ref().is_some_and(|s| s.send(frame))
    }

    /// Adds a room: joined at once if connected, else the connection opens.
    pub fn join(&mut self, room: &str) {
        if self.rooms.iter().any(|r| r == room) {
            return;
        }
        self.rooms.push(room.to_owned());
        if self.socket.is_none() {
            if self.reconnect.is_none() {
                self.connect();
            }
        } else {
            self.raw(&ClientFrame::Join {
                room: room.to_owned(),
            });
        }
    }

    /// Leaves a room at once (the others in it see this tab go).
    pub fn leave(&mut self, room: &str) {
        self.rooms.retain(|r| r != room);
        self.welcomed.remove(room);
        self.raw(&ClientFrame::Leave {
            room: room.to_owned(),
        });
        if self.rooms.is_empty() {
            self.socket = None;
            self.reconnect = None;
            self.conn = Conn::Offline;
        }
    }

    /// Connects to another relay, every room with it.
    pub fn set_url(&mut self, url: String) {
        self.url = url;
        self.socket = None;
        self.reconnect = None;
        self.backoff.reset();
        self.connect();
    }

    /// Whether `room` welcomed this tab on the current connection.
    pub fn is_online(&self, room: &str) -> bool {
        self.welcomed.contains(room)
    }

    /// The connection's state.
    pub fn conn(&self) -> Conn {
        self.conn
    }

    /// The relay's address.
    pub fn url(&self) -> &str {
        &self.url
    }
}

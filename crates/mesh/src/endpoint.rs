//! [`Endpoint`]: this tab's end of one direct link, without the WebRTC: who
//! opened it, its handshake, the pieces coming in ([`Reassembler`]), its
//! keepalive ([`Liveness`]), its counters, and which bodies it was served.
//! The browser's link only moves bytes; [`crate::room::Room`] keeps one
//! of these per link.

use tabcoin_protocol::identity::Identity;
use tabcoin_protocol::{PeerId, RecentSet};

use crate::wire::{
    BodyId, Heard, Keepalive, LinkError, LinkHello, LinkProof, Liveness, Reassembler, fingerprint,
};

/// Fetches remembered per link (see [`Endpoint::may_serve`]).
const SERVED: usize = 4096;

/// Who opened the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// This tab dialled.
    Dialer,
    /// This tab answered.
    Answerer,
}

/// One direct link, as the room sees it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// This link's number: the browser's events carry it (a tab's id may
    /// change while the link lives, and events of a link already dropped
    /// must not reach its successor).
    pub serial: u64,
    /// Who opened it.
    pub role: Role,
    said_hello: bool,
    described: bool,
    /// The DTLS fingerprints this side's description and the other's
    /// named: what each side's handshake signs ([`LinkProof`]).
    local_fingerprint: String,
    remote_fingerprint: String,
    rx: Reassembler,
    hello: LinkHello,
    live: Liveness,
    /// Bytes received.
    pub bytes_in: u64,
    /// Bytes sent.
    pub bytes_out: u64,
    /// Node messages received.
    pub messages_in: u64,
    /// Bodies sent to this neighbour on its asking: each is sent once, so
    /// 32 bytes of asking cannot pull a megabyte again and again.
    served: RecentSet<BodyId>,
}

impl Endpoint {
    /// A link numbered `serial`, opened by `role` at `now`, whose two sides
    /// greet each other with `hello`.
    pub fn new(serial: u64, role: Role, hello: LinkHello, now: u64) -> Endpoint {
        Endpoint {
            serial,
            role,
            said_hello: false,
            described: false,
            local_fingerprint: String::new(),
            remote_fingerprint: String::new(),
            rx: Reassembler::new(hello.clone()),
            hello,
            live: Liveness::new(now),
            bytes_in: 0,
            bytes_out: 0,
            messages_in: 0,
            served: RecentSet::new(SERVED),
        }
    }

    /// Takes this side's description the first time it is complete.
    pub fn take_description(&mut self, sdp: String) -> Option<String> {
        if std::mem::replace(&mut self.described, true) {
            return None;
        }
        self.local_fingerprint = fingerprint(&sdp);
        Some(sdp)
    }

    /// The other side's description (its offer, or its answer).
    pub fn remote_description(&mut self, sdp: &str) {
        self.remote_fingerprint = fingerprint(sdp);
    }

    /// The channel opened: the handshake piece to say (once), with `me`'s
    /// proof of its key if it has one.
    pub fn opened(&mut self, me: Option<&Identity>) -> Option<Vec<u8>> {
        if std::mem::replace(&mut self.said_hello, true) {
            return None;
        }
        let proof = me.map(|me| {
            LinkProof::new(
                me,
                &self.hello.network,
                &self.local_fingerprint,
                &self.remote_fingerprint,
            )
        });
        Some(
            LinkHello {
                proof,
                ..self.hello.clone()
            }
            .piece(),
        )
    }

    /// Whether the other side's handshake proves it is `peer`, at the end
    /// of this link that the descriptions named.
    pub fn proves(&self, peer: PeerId, hello: &LinkHello) -> bool {
        hello.proof.as_ref().is_some_and(|p| {
            p.proves(
                peer,
                &self.hello.network,
                &self.remote_fingerprint,
                &self.local_fingerprint,
            )
        })
    }

    /// Whether the neighbour's fetch of `id` may be answered: the first
    /// time only.
    pub fn may_serve(&mut self, id: BodyId) -> bool {
        self.served.insert(id)
    }

    /// Whether the other side's handshake was heard.
    pub fn is_up(&self) -> bool {
        self.rx.greeted()
    }

    /// Takes in a data channel message at `now`: what it completed. A pong
    /// is taken here (the round trip is known).
    pub fn piece(&mut self, piece: &[u8], now: u64) -> Result<Heard, LinkError> {
        self.bytes_in += piece.len() as u64;
        self.live.heard(now);
        let heard = self.rx.push(piece)?;
        match &heard {
            Heard::Pong => self.live.ponged(now),
            Heard::Message(_) => self.messages_in += 1,
            _ => {}
        }
        Ok(heard)
    }

    /// Counts `bytes` sent.
    pub fn sent(&mut self, bytes: usize) {
        self.bytes_out += bytes as u64;
    }

    /// Keeps the link alive (called about once a second): `Ping` to send
    /// a [`crate::wire::PING`] (every [`crate::wire::PING_EVERY_MS`] once the handshake
    /// is done), `Dead` if the link is silent for [`crate::wire::SILENT_LIMIT_MS`].
    pub fn keepalive(&mut self, now: u64) -> Keepalive {
        match self.live.check(now) {
            Keepalive::Ping if self.is_up() => {
                self.live.pinged(now);
                Keepalive::Ping
            }
            Keepalive::Ping => Keepalive::Idle,
            other => other,
        }
    }

    /// Round trip of the last ping, in ms.
    pub fn rtt_ms(&self) -> Option<u64> {
        self.live.rtt_ms()
    }
}

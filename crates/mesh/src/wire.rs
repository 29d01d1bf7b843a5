//! What travels on a direct link and what opens one, pure so it is tested
//! natively.
//!
//! **Signalling** ([`Signal`]): two tabs open a WebRTC link by exchanging a
//! session description each through the relay's direct messages (or a
//! neighbour's). Descriptions are sent once ICE gathering is complete, so
//! they carry the candidates and no trickle messages are needed.
//!
//! **Framing** ([`split`], [`Reassembler`]): a data channel message is one
//! piece of at most [`PIECE_BYTES`]: one kind byte, then up to
//! [`PIECE_BYTES`]` - 1` bytes. A message of the node (a JSON payload of up
//! to [`MAX_FRAME_BYTES`]) is split into `MORE` pieces ended by a `LAST`
//! piece; the channel is ordered and reliable, so the receiver just appends.
//! `HELLO` opens the link (network id and protocol version, checked before
//! anything else is read), `PING` and `PONG` keep it alive, `ANNOUNCE` and `FETCH`
//! carry gossip ([`crate::Gossip`]) by [`BodyId`], `NEIGHBOURS` lists a
//! tab's direct neighbours and `ROUTED` carries a [`Signal`] for one of
//! them ([`crate::paths`]), signed by its sender's peer key.
//!
//! A link proves who is at its other end: each side's description carries
//! the fingerprint of its DTLS certificate, and each side's `HELLO` carries
//! its peer key and its signature of the network and of both fingerprints
//! as its descriptions gave them ([`LinkProof`]). A tab whose neighbour's
//! key is not the id it dialled or answered, or whose signed fingerprints
//! are not the ones this tab sees (a relay that put itself between the
//! two, each side's description replaced), closes the link. So what a
//! neighbour says on the link is said by the tab of that id, whoever
//! carried the signals (the relay, or neighbours: [`Routed::authentic`]).
//!
//! **Liveness** ([`Liveness`]): a link says something every
//! [`PING_EVERY_MS`]; one that hears nothing for [`SILENT_LIMIT_MS`] is
//! dead and closed.

use serde::{Deserialize, Serialize};
use tabcoin_protocol::digest::sha256;
use tabcoin_protocol::identity::{Identity, KeySignature, PeerKey};
use tabcoin_protocol::{DecodeError, MAX_FRAME_BYTES, Payload, PeerId};

/// Largest data channel message sent, header included.
pub const PIECE_BYTES: usize = 16 * 1024;
/// Longest session description accepted in a [`Signal`].
pub const MAX_SDP_BYTES: usize = 16 * 1024;
/// A link that has heard nothing for this long is sent a ping.
pub const PING_EVERY_MS: u64 = 5_000;
/// A link that has heard nothing for this long is closed.
pub const SILENT_LIMIT_MS: u64 = 20_000;
/// Version of the link protocol (framing and handshake): 2 signs routed
/// signals and has no `RENAMED` (5, unused: ids are keys and never change);
/// 3 proves each side's key in the handshake ([`LinkProof`]).
pub const LINK_VERSION: u32 = 3;

/// Kind byte: a piece of a message, more follow.
pub const MORE: u8 = 0;
/// Kind byte: the last (or only) piece of a message.
pub const LAST: u8 = 1;
/// Kind byte: "are you there?"
pub const PING: u8 = 2;
/// Kind byte: "yes".
pub const PONG: u8 = 3;
/// Kind byte: the handshake, a JSON [`LinkHello`].
pub const HELLO: u8 = 4;

/// Kind byte: "I have these" (1 to [`MAX_ANNOUNCED`] 32-byte ids).
pub const ANNOUNCE: u8 = 6;
/// Kind byte: "send me this one" (one 32-byte id).
pub const FETCH: u8 = 7;
/// Most ids in one announcement.
pub const MAX_ANNOUNCED: usize = 64;
/// Kind byte: "my direct neighbours are these" (0 to [`MAX_LISTED`] ids,
/// 8 bytes each, big-endian): tabs a neighbour can reach with a
/// [`Routed`] signal when the relay cannot.
pub const NEIGHBOURS: u8 = 8;
/// Most ids in a neighbour list.
pub const MAX_LISTED: usize = 16;
/// Kind byte: a signal for another tab, passed along direct links (a JSON
/// [`Routed`]).
pub const ROUTED: u8 = 9;
/// Most hops a routed signal may still take.
pub const MAX_TTL: u8 = 2;

/// What a message is known by in gossip: the SHA-256 of its JSON text.
pub type BodyId = [u8; 32];

/// The id of a message.
pub fn body_id(msg: &Payload) -> BodyId {
    use sha2::{Digest, Sha256};
    Sha256::digest(msg.as_str().as_bytes()).into()
}

/// The piece announcing `ids` (at most [`MAX_ANNOUNCED`] are taken).
pub fn announce(ids: &[BodyId]) -> Vec<u8> {
    let mut piece = vec![ANNOUNCE];
    for id in ids.iter().take(MAX_ANNOUNCED) {
        piece.extend_from_slice(id);
    }
    piece
}

/// The piece asking for the body of `id`.
pub fn fetch(id: &BodyId) -> Vec<u8> {
    let mut piece = vec![FETCH];
    piece.extend_from_slice(id);
    piece
}

/// The piece listing this tab's direct neighbours (at most
/// [`MAX_LISTED`] are taken).
pub fn neighbours(ids: &[PeerId]) -> Vec<u8> {
    let mut piece = vec![NEIGHBOURS];
    for id in ids.iter().take(MAX_LISTED) {
        piece.extend_from_slice(&id.to_be_bytes());
    }
    piece
}

/// A signal from `from` to `to` passed along direct links: how tabs open
/// new links among themselves while the relay is down (or cannot reach
/// one of them). Each tab on the way takes one from `ttl`. Its sender
/// signs it with the key its id is derived from, so no tab on the way can
/// speak for another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routed {
    /// The tab it is for.
    pub to: PeerId,
    /// The tab that sent it: its key's id.
    pub from: PeerId,
    /// Hops it may still take after this one (at most [`MAX_TTL`]).
    pub ttl: u8,
    /// The signal.
    pub signal: Signal,
    /// The sender's peer key.
    pub key: PeerKey,
    /// The sender's signature of `to`, `from` and the signal.
    pub sig: KeySignature,
}

impl Routed {
    /// `me`'s signal for `to`, signed, with every hop it may take.
    pub fn signed(me: &Identity, to: PeerId, signal: Signal) -> Routed {
        let from = me.id();
        let sig = me.sign(&routed_digest(to, from, &signal));
        Routed {
            to,
            from,
            ttl: MAX_TTL,
            signal,
            key: me.key(),
            sig,
        }
    }

    /// Whether its sender is the tab it names: `from` is the key's id and
    /// the key signed it.
    pub fn authentic(&self) -> bool {
        self.key.id() == self.from
            && self
                .key
                .verifies(&routed_digest(self.to, self.from, &self.signal), &self.sig)
    }

    /// Its piece, or `None` if it does not fit in one (a description too
    /// long to route: the dial waits for the relay).
    pub fn piece(&self) -> Option<Vec<u8>> {
        let mut piece = vec![ROUTED];
        piece.extend_from_slice(serde_json::to_string(self).ok()?.as_bytes());
        (piece.len() <= PIECE_BYTES).then_some(piece)
    }
}

/// What a routed signal's sender signs.
fn routed_digest(to: PeerId, from: PeerId, signal: &Signal) -> [u8; 32] {
    let signal = serde_json::to_vec(signal).unwrap_or_default();
    sha256(&[
        b"tabcoin routed signal",
        &to.to_be_bytes(),
        &from.to_be_bytes(),
        &signal,
    ])
}

/// What two tabs say through the relay to open a direct link; carried as
/// a payload in the relay's `direct` frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Signal {
    /// "Link with me": the dialler's session description (SDP offer with
    /// its ICE candidates).
    LinkOffer {
        /// The description.
        sdp: String,
    },
    /// "Agreed": the answerer's description.
    LinkAnswer {
        /// The description.
        sdp: String,
    },
    /// "Not now": the tab is full, the caller is banned, or both dialled
    /// and the other dial goes on.
    LinkRefuse,
}

impl Signal {
    /// Reads a payload as a signal: `None` if it is not one (it is then a
    /// node message), an error if it is one and malformed.
    pub fn read(payload: &Payload) -> Option<Result<Signal, DecodeError>> {
        // Every signal's type is `"link_…"`: a payload without those bytes
        // (nearly every node message, up to a megabyte of blocks) is not
        // parsed a second time to find out.
        if !payload.as_str().contains("\"link_") {
            return None;
        }
        #[derive(Deserialize)]
        struct Tag<'a> {
            #[serde(rename = "type", borrow)]
            kind: std::borrow::Cow<'a, str>,
        }
        let tag: Tag = serde_json::from_str(payload.as_str()).ok()?;
        if !matches!(&*tag.kind, "link_offer" | "link_answer" | "link_refuse") {
            return None;
        }
        Some(payload.decode::<Signal>().and_then(|s| match &s {
            Signal::LinkOffer { sdp } | Signal::LinkAnswer { sdp } if sdp.len() > MAX_SDP_BYTES => {
                Err(DecodeError::TooLarge {
                    size: sdp.len(),
                    max: MAX_SDP_BYTES,
                })
            }
            _ => Ok(s),
        }))
    }

    /// The payload that carries it.
    pub fn encode(&self) -> Payload {
        Payload::encode(self)
    }
}

/// The first thing each side says on a new link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkHello {
    /// [`LINK_VERSION`] of the sender.
    pub version: u32,
    /// The sender's network id (its genesis hash, as text).
    pub network: String,
    /// The sender's proof of its key (none from a tab that has no key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<LinkProof>,
}

/// A tab's proof, in a link's handshake, that it holds the key of its id
/// and is the end of the link that both descriptions named: its signature
/// of the network, its own DTLS fingerprint and the other side's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkProof {
    /// The speaker's peer key.
    pub key: PeerKey,
    /// Its signature of the network and the two fingerprints.
    pub sig: KeySignature,
}

impl LinkProof {
    /// `me`'s proof on a link of `network` whose descriptions gave `mine`
    /// and `theirs` as the two sides' fingerprints ([`fingerprint`]).
    pub fn new(me: &Identity, network: &str, mine: &str, theirs: &str) -> LinkProof {
        LinkProof {
            key: me.key(),
            sig: me.sign(&link_digest(network, mine, theirs)),
        }
    }

    /// Whether it proves that `peer` spoke, on a link of `network` whose
    /// descriptions gave `theirs` (the speaker's) and `mine` (the
    /// listener's) as fingerprints.
    pub fn proves(&self, peer: PeerId, network: &str, theirs: &str, mine: &str) -> bool {
        self.key.id() == peer
            && self
                .key
                .verifies(&link_digest(network, theirs, mine), &self.sig)
    }
}

/// What a link's handshake signs: the network, then the speaker's
/// fingerprint and the listener's.
fn link_digest(network: &str, speaker: &str, listener: &str) -> [u8; 32] {
    sha256(&[
        b"tabcoin link hello",
        network.as_bytes(),
        &[0],
        speaker.as_bytes(),
        &[0],
        listener.as_bytes(),
    ])
}

/// The DTLS certificate fingerprints a session description names (its
/// `a=fingerprint:` lines, in order, one per line); empty if none.
pub fn fingerprint(sdp: &str) -> String {
    sdp.lines()
        .filter_map(|l| l.trim().strip_prefix("a=fingerprint:"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
}

impl LinkHello {
    /// The handshake piece.
    pub fn piece(&self) -> Vec<u8> {
        let mut piece = vec![HELLO];
        piece.extend_from_slice(serde_json::to_string(self).unwrap_or_default().as_bytes());
        piece
    }
}

/// Splits a message into pieces of at most [`PIECE_BYTES`].
pub fn split(text: &str) -> Vec<Vec<u8>> {
    let bytes = text.as_bytes();
    let body = PIECE_BYTES - 1;
    let count = bytes.len().div_ceil(body).max(1);
    (0..count)
        .map(|i| {
            let part = &bytes[(i * body).min(bytes.len())..((i + 1) * body).min(bytes.len())];
            let mut piece = Vec::with_capacity(part.len() + 1);
            piece.push(if i + 1 == count { LAST } else { MORE });
            piece.extend_from_slice(part);
            piece
        })
        .collect()
}

/// What a piece completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// Part of a message; more to come.
    Partial,
    /// A whole message.
    Message(Payload),
    /// The other side's handshake.
    Hello(LinkHello),
    /// A ping, to be answered.
    Ping,
    /// A pong.
    Pong,
    /// The neighbour has these.
    Announce(Vec<BodyId>),
    /// The neighbour asks for this body.
    Fetch(BodyId),
    /// The neighbour's direct neighbours.
    Neighbours(Vec<PeerId>),
    /// A signal passed along.
    Routed(Routed),
}

/// Why a link's input was refused (the link is then closed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// A data channel message larger than [`PIECE_BYTES`].
    #[error("a piece of {0} bytes exceeds {PIECE_BYTES}")]
    PieceTooLarge(usize),
    /// An empty message or an unknown kind byte.
    #[error("a piece of unknown kind")]
    UnknownKind,
    /// A message growing past [`MAX_FRAME_BYTES`].
    #[error("a message longer than {MAX_FRAME_BYTES} bytes")]
    MessageTooLarge,
    /// A message that is not a JSON object, or a bad handshake.
    #[error("{0}")]
    Malformed(String),
    /// Something other than the handshake came first.
    #[error("the link was used before its handshake")]
    NoHandshake,
    /// The other side is on another network or protocol version.
    #[error("the other tab is on network {network} version {version}")]
    Mismatch {
        /// Its network.
        network: String,
        /// Its version.
        version: u32,
    },
}

/// One link's receiving side: checks the handshake, joins pieces into
/// messages, never holds more than [`MAX_FRAME_BYTES`].
#[derive(Debug, Clone)]
pub struct Reassembler {
    expect: LinkHello,
    greeted: bool,
    buf: Vec<u8>,
}

impl Reassembler {
    /// A link that must open with `expect`'s network and version.
    pub fn new(expect: LinkHello) -> Reassembler {
        Reassembler {
            expect,
            greeted: false,
            buf: Vec::new(),
        }
    }

    /// Whether the other side's handshake was heard and matched.
    pub fn greeted(&self) -> bool {
        self.greeted
    }

    /// Takes in one data channel message.
    pub fn push(&mut self, piece: &[u8]) -> Result<Heard, LinkError> {
        if piece.len() > PIECE_BYTES {
            return Err(LinkError::PieceTooLarge(piece.len()));
        }
        let (&kind, body) = piece.split_first().ok_or(LinkError::UnknownKind)?;
        if !self.greeted && kind != HELLO {
            return Err(LinkError::NoHandshake);
        }
        match kind {
            HELLO => {
                let hello: LinkHello = serde_json::from_slice(body)
                    .map_err(|e| LinkError::Malformed(format!("bad handshake: {e}")))?;
                if (hello.version, &hello.network) != (self.expect.version, &self.expect.network) {
                    return Err(LinkError::Mismatch {
                        network: hello.network,
                        version: hello.version,
                    });
                }
                self.greeted = true;
                Ok(Heard::Hello(hello))
            }
            PING => Ok(Heard::Ping),
            ANNOUNCE => {
                if body.is_empty() || body.len() % 32 != 0 || body.len() / 32 > MAX_ANNOUNCED {
                    return Err(LinkError::UnknownKind);
                }
                Ok(Heard::Announce(
                    body.chunks_exact(32)
                        .map(|c| c.try_into().unwrap_or([0; 32]))
                        .collect(),
                ))
            }
            FETCH => Ok(Heard::Fetch(
                body.try_into().map_err(|_| LinkError::UnknownKind)?,
            )),
            PONG => Ok(Heard::Pong),
            NEIGHBOURS => {
                if body.len() % 8 != 0 || body.len() / 8 > MAX_LISTED {
                    return Err(LinkError::UnknownKind);
                }
                Ok(Heard::Neighbours(
                    body.chunks_exact(8)
                        .map(|c| PeerId::from_be_bytes(c.try_into().unwrap_or([0; 8])))
                        .collect(),
                ))
            }
            ROUTED => {
                let routed: Routed = serde_json::from_slice(body)
                    .map_err(|e| LinkError::Malformed(format!("bad routed signal: {e}")))?;
                let sdp = match &routed.signal {
                    Signal::LinkOffer { sdp } | Signal::LinkAnswer { sdp } => sdp.len(),
                    Signal::LinkRefuse => 0,
                };
                if routed.ttl > MAX_TTL || sdp > MAX_SDP_BYTES {
                    return Err(LinkError::Malformed(format!(
                        "a routed signal with ttl {} and a description of {sdp} bytes",
                        routed.ttl
                    )));
                }
                Ok(Heard::Routed(routed))
            }
            MORE | LAST => {
                if self.buf.len() + body.len() > MAX_FRAME_BYTES {
                    self.buf = Vec::new();
                    return Err(LinkError::MessageTooLarge);
                }
                self.buf.extend_from_slice(body);
                if kind == MORE {
                    return Ok(Heard::Partial);
                }
                let bytes = std::mem::take(&mut self.buf);
                let text = String::from_utf8(bytes)
                    .map_err(|_| LinkError::Malformed("a message that is not UTF-8".into()))?;
                let payload: Payload = serde_json::from_str(&text).map_err(|e| {
                    LinkError::Malformed(format!("a message that is not JSON: {e}"))
                })?;
                payload
                    .check_shape()
                    .map_err(|e| LinkError::Malformed(e.to_string()))?;
                Ok(Heard::Message(payload))
            }
            _ => Err(LinkError::UnknownKind),
        }
    }
}

/// A link's keepalive: when it last heard something, its pings and their
/// round trip. Times in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Liveness {
    heard: u64,
    /// The ping awaiting its pong, sent at.
    ping_sent: Option<u64>,
    last_ping: u64,
    rtt_ms: Option<u64>,
}

/// What a link should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keepalive {
    /// Nothing.
    Idle,
    /// Send a ping (then call [`Liveness::pinged`]).
    Ping,
    /// Close it: nothing heard for [`SILENT_LIMIT_MS`].
    Dead,
}

impl Liveness {
    /// A link opened at `now`.
    pub fn new(now: u64) -> Liveness {
        Liveness {
            heard: now,
            ping_sent: None,
            last_ping: now,
            rtt_ms: None,
        }
    }

    /// Something arrived.
    pub fn heard(&mut self, now: u64) {
        self.heard = self.heard.max(now);
    }

    /// A ping was sent.
    pub fn pinged(&mut self, now: u64) {
        self.ping_sent = Some(now);
        self.last_ping = now;
    }

    /// A pong arrived: the round trip is known.
    pub fn ponged(&mut self, now: u64) {
        if let Some(at) = self.ping_sent.take() {
            self.rtt_ms = Some(now.saturating_sub(at));
        }
    }

    /// Round trip of the last answered ping.
    pub fn rtt_ms(&self) -> Option<u64> {
        self.rtt_ms
    }

    /// What to do at `now` (called about once a second): a ping every
    /// [`PING_EVERY_MS`] while none is unanswered (its round trip is the
    /// link's latency), and the end after [`SILENT_LIMIT_MS`] of silence.
    pub fn check(&self, now: u64) -> Keepalive {
        if now.saturating_sub(self.heard) >= SILENT_LIMIT_MS {
            Keepalive::Dead
        } else if self.ping_sent.is_none() && now.saturating_sub(self.last_ping) >= PING_EVERY_MS {
            Keepalive::Ping
        } else {
            Keepalive::Idle
        }
    }

    /// Milliseconds since something was heard.
    pub fn silent_for(&self, now: u64) -> u64 {
        now.saturating_sub(self.heard)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_proof_binds_the_key_the_network_and_both_fingerprints() {
        let me = Identity::from_parts([3; 32], 0).expect("a key");
        let offer = "v=0\r\na=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\n";
        let answer = "v=0\r\na=fingerprint:sha-256 CC:DD\r\n";
        let (mine, theirs) = (fingerprint(offer), fingerprint(answer));
        assert_eq!(mine, "sha-256 AA:BB");
        let proof = LinkProof::new(&me, "net", &mine, &theirs);
        // The other side sees the same two descriptions.
        assert!(proof.proves(me.id(), "net", &mine, &theirs));
        // Another id; another network; a description swapped on the way
        // (the other side sees a fingerprint the speaker did not sign).
        assert!(!proof.proves(me.id() ^ 1, "net", &mine, &theirs));
        assert!(!proof.proves(me.id(), "other", &mine, &theirs));
        let swapped = fingerprint("a=fingerprint:sha-256 EE:FF");
        assert!(!proof.proves(me.id(), "net", &swapped, &theirs));
        assert!(!proof.proves(me.id(), "net", &mine, &swapped));
        // Which side spoke matters.
        assert!(!proof.proves(me.id(), "net", &theirs, &mine));
        assert_eq!(fingerprint("v=0"), "", "none named");
    }

    fn hello() -> LinkHello {
        LinkHello {
            version: LINK_VERSION,
            network: "abc".into(),
            proof: None,
        }
    }

    fn split_payload(text: &str) -> Payload {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn greeted() -> Reassembler {
        let mut r = Reassembler::new(hello());
        assert_eq!(r.push(&hello().piece()), Ok(Heard::Hello(hello())));
        r
    }

    fn join(r: &mut Reassembler, pieces: &[Vec<u8>]) -> Result<Heard, LinkError> {
        let mut last = Ok(Heard::Partial);
        for p in pieces {
            assert!(p.len() <= PIECE_BYTES);
            last = r.push(p);
        }
        last
    }

    #[test]
    fn a_large_message_is_split_and_joined_again() {
        let big = format!(r#"{{"type":"x","data":"{}"}}"#, "y".repeat(100_000));
        let pieces = split(&big);
        assert_eq!(pieces.len(), big.len().div_ceil(PIECE_BYTES - 1));
        assert!(pieces[..pieces.len() - 1].iter().all(|p| p[0] == MORE));
        let mut r = greeted();
        match join(&mut r, &pieces) {
            Ok(Heard::Message(p)) => assert_eq!(p.as_str(), big),
            other => panic!("{other:?}"),
        }
        // The buffer is empty again: a small message follows.
        assert!(matches!(r.push(&split("{}")[0]), Ok(Heard::Message(_))));
    }

    #[test]
    fn a_message_exactly_one_piece_long_is_one_piece() {
        let text = format!(r#"{{"a":"{}"}}"#, "z".repeat(PIECE_BYTES - 1 - 8));
        assert_eq!(text.len(), PIECE_BYTES - 1);
        assert_eq!(split(&text).len(), 1);
    }

    #[test]
    fn nothing_is_read_before_the_handshake() {
        let mut r = Reassembler::new(hello());
        assert_eq!(r.push(&split("{}")[0]), Err(LinkError::NoHandshake));
        assert_eq!(r.push(&[PING]), Err(LinkError::NoHandshake));
    }

    #[test]
    fn a_handshake_of_another_network_or_version_is_refused() {
        let other = LinkHello {
            network: "def".into(),
            ..hello()
        };
        assert_eq!(
            Reassembler::new(hello()).push(&other.piece()),
            Err(LinkError::Mismatch {
                network: "def".into(),
                version: LINK_VERSION
            })
        );
        let newer = LinkHello {
            version: LINK_VERSION + 1,
            ..hello()
        };
        assert!(matches!(
            Reassembler::new(hello()).push(&newer.piece()),
            Err(LinkError::Mismatch { .. })
        ));
        assert!(matches!(
            Reassembler::new(hello()).push(&[HELLO, b'{']),
            Err(LinkError::Malformed(_))
        ));
    }

    #[test]
    fn oversize_pieces_messages_and_unknown_kinds_are_refused() {
        let mut r = greeted();
        assert_eq!(
            r.push(&vec![LAST; PIECE_BYTES + 1]),
            Err(LinkError::PieceTooLarge(PIECE_BYTES + 1))
        );
        assert_eq!(r.push(&[]), Err(LinkError::UnknownKind));
        assert_eq!(r.push(&[200, b'{']), Err(LinkError::UnknownKind));
        let mut piece = vec![MORE];
        piece.extend(std::iter::repeat_n(b' ', PIECE_BYTES - 1));
        let mut result = Ok(Heard::Partial);
        for _ in 0..=MAX_FRAME_BYTES / (PIECE_BYTES - 1) {
            result = r.push(&piece);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(LinkError::MessageTooLarge));
    }

    #[test]
    fn messages_must_be_json_objects() {
        let mut r = greeted();
        assert!(matches!(
            r.push(&split("[1]")[0]),
            Err(LinkError::Malformed(_))
        ));
        assert!(matches!(
            r.push(&split("{")[0]),
            Err(LinkError::Malformed(_))
        ));
        assert!(matches!(
            r.push(&[LAST, 0xff]),
            Err(LinkError::Malformed(_))
        ));
        assert_eq!(r.push(&[PING]), Ok(Heard::Ping));
        assert_eq!(r.push(&[PONG]), Ok(Heard::Pong));
        assert_eq!(
            r.push(&[5, 0, 0, 0, 0, 0, 0, 0, 42]),
            Err(LinkError::UnknownKind)
        );
        let ids = [[1u8; 32], [2u8; 32]];
        assert_eq!(r.push(&announce(&ids)), Ok(Heard::Announce(ids.to_vec())));
        assert_eq!(r.push(&fetch(&ids[1])), Ok(Heard::Fetch(ids[1])));
        assert_eq!(r.push(&[ANNOUNCE]), Err(LinkError::UnknownKind));
        assert_eq!(r.push(&[FETCH, 1]), Err(LinkError::UnknownKind));
        let many = vec![[3u8; 32]; MAX_ANNOUNCED + 1];
        let mut too_many = vec![ANNOUNCE];
        too_many.extend(many.iter().flatten());
        assert_eq!(r.push(&too_many), Err(LinkError::UnknownKind));
        assert_eq!(announce(&many).len(), 1 + 32 * MAX_ANNOUNCED);
        assert_eq!(body_id(&split_payload("{}")), body_id(&split_payload("{}")));
    }

    #[test]
    fn neighbour_lists_and_routed_signals_are_read_back() {
        let mut r = greeted();
        assert_eq!(
            r.push(&neighbours(&[3, 1 << 40])),
            Ok(Heard::Neighbours(vec![3, 1 << 40]))
        );
        assert_eq!(r.push(&neighbours(&[])), Ok(Heard::Neighbours(vec![])));
        let many: Vec<PeerId> = (0..=MAX_LISTED as PeerId).collect();
        assert_eq!(neighbours(&many).len(), 1 + 8 * MAX_LISTED);
        let mut too_many = vec![NEIGHBOURS];
        too_many.extend(many.iter().flat_map(|p| p.to_be_bytes()));
        assert_eq!(r.push(&too_many), Err(LinkError::UnknownKind));
        assert_eq!(r.push(&[NEIGHBOURS, 1, 2]), Err(LinkError::UnknownKind));

        let sender = Identity::from_parts([9; 32], 0).unwrap_or_else(|e| panic!("{e}"));
        let routed = Routed::signed(&sender, 7, Signal::LinkOffer { sdp: "v=0".into() });
        assert!(routed.authentic());
        let piece = routed.piece().unwrap_or_default();
        assert_eq!(r.push(&piece), Ok(Heard::Routed(routed.clone())));
        let far = Routed {
            ttl: MAX_TTL + 1,
            ..routed.clone()
        };
        let mut bad = vec![ROUTED];
        bad.extend(serde_json::to_vec(&far).unwrap_or_default());
        assert!(matches!(r.push(&bad), Err(LinkError::Malformed(_))));
        assert!(matches!(
            r.push(&[ROUTED, b'{']),
            Err(LinkError::Malformed(_))
        ));
        let long = Routed {
            signal: Signal::LinkOffer {
                sdp: "a".repeat(PIECE_BYTES),
            },
            ..routed
        };
        assert_eq!(long.piece(), None, "too long to route");
    }

    #[test]
    fn signals_are_told_from_node_messages() {
        let offer = Signal::LinkOffer { sdp: "v=0".into() };
        assert!(offer.encode().is_signalling(), "the relay counts it apart");
        assert!(Signal::LinkRefuse.encode().is_signalling());
        assert_eq!(Signal::read(&offer.encode()), Some(Ok(offer)));
        assert_eq!(
            Signal::read(&Signal::LinkRefuse.encode()),
            Some(Ok(Signal::LinkRefuse))
        );
        let hello: Payload = serde_json::from_str(r#"{"type":"hello","version":1}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Signal::read(&hello), None);
        assert!(!hello.is_signalling());
        let long = Signal::LinkAnswer {
            sdp: "a".repeat(MAX_SDP_BYTES + 1),
        };
        assert!(matches!(
            Signal::read(&long.encode()),
            Some(Err(DecodeError::TooLarge { .. }))
        ));
        let bad: Payload =
            serde_json::from_str(r#"{"type":"link_offer"}"#).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            Signal::read(&bad),
            Some(Err(DecodeError::Malformed(_)))
        ));
    }

    #[test]
    fn a_link_is_pinged_every_few_seconds_and_closed_when_silent() {
        let mut l = Liveness::new(1_000);
        assert_eq!(l.check(1_000 + PING_EVERY_MS - 1), Keepalive::Idle);
        assert_eq!(l.check(1_000 + PING_EVERY_MS), Keepalive::Ping);
        l.pinged(1_000 + PING_EVERY_MS);
        // One ping at a time.
        assert_eq!(l.check(1_000 + 3 * PING_EVERY_MS), Keepalive::Idle);
        l.heard(1_000 + PING_EVERY_MS + 40);
        l.ponged(1_000 + PING_EVERY_MS + 40);
        assert_eq!(l.rtt_ms(), Some(40));
        // A pong without a ping changes nothing.
        l.ponged(1_000 + PING_EVERY_MS + 90);
        assert_eq!(l.rtt_ms(), Some(40));
        // Busy or not, the next ping is due a period after the last.
        l.heard(1_000 + 2 * PING_EVERY_MS - 1);
        assert_eq!(l.check(1_000 + 2 * PING_EVERY_MS - 1), Keepalive::Idle);
        assert_eq!(l.check(1_000 + 2 * PING_EVERY_MS), Keepalive::Ping);
        assert_eq!(l.silent_for(1_000 + 2 * PING_EVERY_MS), 1);
        assert_eq!(
            l.check(1_000 + 2 * PING_EVERY_MS - 1 + SILENT_LIMIT_MS),
            Keepalive::Dead
        );
    }
}

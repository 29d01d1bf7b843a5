//! Direct links between tabs: one WebRTC data channel per neighbour.
//!
//! The dialler creates the connection and its channel, and sends its
//! session description once ICE gathering is complete (the description then
//! carries the candidates: no trickle messages); the answerer sets it,
//! answers the same way, and receives the channel. What goes on the channel
//! (the handshake, pieces of at most 16 KiB, keepalive, gossip) is decided
//! by the room (`tabcoin_mesh::room`); a link here only moves the pieces.
//! Sending respects the channel's buffer:
//! past [`HIGH_WATER`] bytes in flight, pieces wait in a bounded queue
//! drained on `bufferedamountlow`; a neighbour that does not read fills the
//! queue and its link is closed. No STUN or TURN server is used: links
//! form where host candidates reach (the same machine, the same network).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use gloo::events::EventListener;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    MessageEvent, RtcConfiguration, RtcDataChannel, RtcDataChannelEvent, RtcDataChannelState,
    RtcDataChannelType, RtcIceGatheringState, RtcPeerConnection, RtcPeerConnectionState,
    RtcSdpType, RtcSessionDescriptionInit,
};

use super::events::{LinkEvent, ShellEvent, Sink};

/// Bytes in the channel's buffer past which pieces wait in the queue.
pub const HIGH_WATER: u32 = 1 << 20;
/// The buffer level at which the browser says "send more".
const LOW_WATER: u32 = 256 * 1024;
/// Bytes a link may hold queued before the neighbour is judged not to
/// read and the link is closed.
pub const MAX_QUEUED: usize = 8 << 20;

/// One direct link.
pub struct DirectLink {
    /// This link's number: its events carry it (a tab's id may change
    /// while the link lives, and events of a link already dropped must not
    /// reach its successor).
    pub serial: u64,
    pc: RtcPeerConnection,
    /// The channel and its listeners: filled in by the `datachannel`
    /// handler itself on the answering side, so nothing the channel hears
    /// before the shell's next turn is lost.
    slot: Rc<RefCell<Slot>>,
    queue: VecDeque<Vec<u8>>,
    queued: usize,
    listeners: Vec<EventListener>,
}

/// A link's data channel, once there is one, with its listeners.
#[derive(Default)]
struct Slot {
    channel: Option<RtcDataChannel>,
    listeners: Vec<EventListener>,
}

/// Listens to a channel (the dialler's own, or the one the answerer
/// received) and keeps it in `slot`; a channel already open says so.
fn attach(slot: &Rc<RefCell<Slot>>, channel: RtcDataChannel, serial: u64, sink: &Sink) {
    channel.set_binary_type(RtcDataChannelType::Arraybuffer);
    channel.set_buffered_amount_low_threshold(LOW_WATER);
    let on = |kind: &'static str, make: fn(&web_sys::Event) -> Option<LinkEvent>| {
        let s = sink.clone();
        EventListener::new(&channel, kind, move |e| {
            if let Some(event) = make(e) {
                s(ShellEvent::Link(serial, event));
            }
        })
    };
    let listeners = vec![
        on("open", |_| Some(LinkEvent::Open)),
        on("message", |e| {
            let data = e.dyn_ref::<MessageEvent>()?.data();
            let buffer = data.dyn_ref::<js_sys::ArrayBuffer>()?;
            Some(LinkEvent::Piece(js_sys::Uint8Array::new(buffer).to_vec()))
        }),
        on("bufferedamountlow", |_| Some(LinkEvent::Drained)),
        on("close", |_| {
            Some(LinkEvent::Closed("channel closed".into()))
        }),
    ];
    if channel.ready_state() == RtcDataChannelState::Open {
        sink(ShellEvent::Link(serial, LinkEvent::Open));
    }
    let mut slot = slot.borrow_mut();
    slot.channel = Some(channel);
    slot.listeners = listeners;
}

fn js_error(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

fn description(kind: RtcSdpType, sdp: &str) -> RtcSessionDescriptionInit {
    let init = RtcSessionDescriptionInit::new(kind);
    init.set_sdp(sdp);
    init
}

impl DirectLink {
    fn new(serial: u64, sink: &Sink) -> Result<DirectLink, String> {
        let config = RtcConfiguration::new();
        config.set_ice_servers(&js_sys::Array::new());
        let pc = RtcPeerConnection::new_with_configuration(&config).map_err(js_error)?;
        let mut listeners = Vec::new();
        let (s, p) = (sink.clone(), pc.clone());
        listeners.push(EventListener::new(
            &pc,
            "icegatheringstatechange",
            move |_| {
                if p.ice_gathering_state() == RtcIceGatheringState::Complete
                    && let Some(d) = p.local_description()
                {
                    s(ShellEvent::Link(serial, LinkEvent::Described(d.sdp())));
                }
            },
        ));
        let (s, p) = (sink.clone(), pc.clone());
        listeners.push(EventListener::new(
            &pc,
            "connectionstatechange",
            move |_| {
                let state = p.connection_state();
                if matches!(
                    state,
                    RtcPeerConnectionState::Failed | RtcPeerConnectionState::Closed
                ) {
                    s(ShellEvent::Link(
                        serial,
                        LinkEvent::Closed(format!("connection {state:?}").to_lowercase()),
                    ));
                }
            },
        ));
        Ok(DirectLink {
            serial,
            pc,
            slot: Rc::default(),
            queue: VecDeque::new(),
            queued: 0,
            listeners,
        })
    }

    /// Dials a tab: creates the connection and its channel, and starts
    /// describing this side ([`LinkEvent::Described`] follows).
    pub fn dial(serial: u64, sink: &Sink) -> Result<DirectLink, String> {
        let link = DirectLink::new(serial, sink)?;
        let channel = link.pc.create_data_channel("tabcoin");
        attach(&link.slot, channel, serial, sink);
        let (s, pc) = (sink.clone(), link.pc.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let result = describe(&pc, RtcSdpType::Offer, pc.create_offer()).await;
            described_or_failed(&s, serial, &pc, result);
        });
        Ok(link)
    }

    /// Answers a tab's offer: sets it, and starts describing this side.
    pub fn answer(serial: u64, offer: &str, sink: &Sink) -> Result<DirectLink, String> {
        let mut link = DirectLink::new(serial, sink)?;
        let (s, slot) = (sink.clone(), link.slot.clone());
        link.listeners
            .push(EventListener::new(&link.pc, "datachannel", move |e| {
                if let Some(e) = e.dyn_ref::<RtcDataChannelEvent>() {
                    attach(&slot, e.channel(), serial, &s);
                }
            }));
        let (s, pc, offer) = (sink.clone(), link.pc.clone(), offer.to_owned());
        wasm_bindgen_futures::spawn_local(async move {
            let result = async {
                JsFuture::from(pc.set_remote_description(&description(RtcSdpType::Offer, &offer)))
                    .await?;
                describe(&pc, RtcSdpType::Answer, pc.create_answer()).await
            }
            .await;
            described_or_failed(&s, serial, &pc, result);
        });
        Ok(link)
    }

    /// The dialler sets the answer it received.
    pub fn answered(&self, sdp: &str, sink: &Sink) {
        let (s, pc, sdp, serial) = (sink.clone(), self.pc.clone(), sdp.to_owned(), self.serial);
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) =
                JsFuture::from(pc.set_remote_description(&description(RtcSdpType::Answer, &sdp)))
                    .await
            {
                s(ShellEvent::Link(serial, LinkEvent::Closed(js_error(e))));
            }
        });
    }

    /// Writes pieces, in order; `false` if the neighbour does not read
    /// (more than [`MAX_QUEUED`] bytes wait): the link is then to close.
    pub fn write(&mut self, pieces: Vec<Vec<u8>>) -> bool {
        for piece in pieces {
            self.queued += piece.len();
            self.queue.push_back(piece);
        }
        self.drain();
        self.queued <= MAX_QUEUED
    }

    /// Moves queued pieces into the channel while its buffer has room.
    pub fn drain(&mut self) {
        let slot = self.slot.borrow();
        let Some(channel) = &slot.channel else {
            return;
        };
        if channel.ready_state() != RtcDataChannelState::Open {
            return;
        }
        while channel.buffered_amount() < HIGH_WATER {
            let Some(piece) = self.queue.pop_front() else {
                break;
            };
            self.queued -= piece.len();
            if channel.send_with_u8_array(&piece).is_err() {
                break;
            }
        }
    }
}

/// Sets the offer or answer `created` resolves to as this side's
/// description.
async fn describe(
    pc: &RtcPeerConnection,
    kind: RtcSdpType,
    created: js_sys::Promise,
) -> Result<(), JsValue> {
    let created = JsFuture::from(created).await?;
    let sdp = js_sys::Reflect::get(&created, &"sdp".into())?
        .as_string()
        .unwrap_or_default();
    JsFuture::from(pc.set_local_description(&description(kind, &sdp))).await?;
    Ok(())
}

fn described_or_failed(
    sink: &Sink,
    serial: u64,
    pc: &RtcPeerConnection,
    result: Result<(), JsValue>,
) {
    match result {
        Err(e) => sink(ShellEvent::Link(serial, LinkEvent::Closed(js_error(e)))),
        // Gathering may have ended before the listener could see it.
        Ok(()) if pc.ice_gathering_state() == RtcIceGatheringState::Complete => {
            if let Some(d) = pc.local_description() {
                sink(ShellEvent::Link(serial, LinkEvent::Described(d.sdp())));
            }
        }
        Ok(()) => {}
    }
}

impl Drop for DirectLink {
    fn drop(&mut self) {
        // The listeners go first, so the closing is not heard.
        self.listeners.clear();
        let mut slot = self.slot.borrow_mut();
        slot.listeners.clear();
        if let Some(channel) = slot.channel.take() {
            channel.close();
        }
        self.pc.close();
    }
}

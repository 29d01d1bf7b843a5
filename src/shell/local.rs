//! The same-browser channel: tabs of one browser share a `BroadcastChannel`
//! named after the network, so they keep working together while the relay
//! is down. Frames are `{"from":ID,"to":ID|null,"msg":MESSAGE}`; the message
//! is decoded by the receiver like one that came through the relay. Which
//! tabs were heard here is the room's to remember (`tabcoin_mesh::Room`).

use gloo::events::EventListener;
use serde::{Deserialize, Serialize};
use tabcoin_protocol::{MAX_FRAME_BYTES, Payload, PeerId};
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent};

use super::error::ShellError;

/// One frame on the channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalFrame {
    /// The sending tab's channel id.
    pub from: PeerId,
    /// One recipient, or every tab.
    pub to: Option<PeerId>,
    /// The content.
    pub msg: Payload,
}

/// This tab's end of the channel.
pub struct LocalChannel {
    channel: BroadcastChannel,
    /// This tab's id on the channel (random, so it never meets a relay id).
    pub id: PeerId,
    _on_message: EventListener,
}

impl LocalChannel {
    /// Joins the channel of network `name`; frames for this tab go to
    /// `on_frame` (already filtered by recipient).
    pub fn open(
        name: &str,
        id: PeerId,
        on_frame: impl Fn(LocalFrame) + 'static,
    ) -> Result<LocalChannel, ShellError> {
        let channel =
            BroadcastChannel::new(name).map_err(|e| ShellError::NoChannel(format!("{e:?}")))?;
        let on_message = EventListener::new(&channel, "message", move |e| {
            let Some(text) = e
                .dyn_ref::<MessageEvent>()
                .and_then(|e| e.data().as_string())
                .filter(|t| t.len() <= MAX_FRAME_BYTES)
            else {
                return;
            };
            let Ok(frame) = serde_json::from_str::<LocalFrame>(&text) else {
                return;
            };
            if frame.to.is_none_or(|to| to == id) && frame.msg.check_shape().is_ok() {
                on_frame(frame);
            }
        });
        Ok(LocalChannel {
            channel,
            id,
            _on_message: on_message,
        })
    }

    /// Posts a message to one tab or to all.
    pub fn post(&self, to: Option<PeerId>, msg: Payload) {
        let frame = LocalFrame {
            from: self.id,
            to,
            msg,
        };
        if let Ok(text) = serde_json::to_string(&frame) {
            let _ = self.channel.post_message(&text.into());
        }
    }
}

impl Drop for LocalChannel {
    fn drop(&mut self) {
        self.channel.close();
    }
}

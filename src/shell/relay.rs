//! The WebSocket to the relay: socket events become [`RelayEvent`]s, frames
//! become text. The relay's challenge is answered here, with this tab's
//! peer identity ([`super::web_storage::peer_key`]) once its work is found
//! (in slices, the page free between them), and the connection counts as
//! open once it is. Dropping the socket closes it.

use gloo::events::EventListener;
use tabcoin_protocol::identity::{Challenge, Identity};
use tabcoin_protocol::refusal::Refusal;
use tabcoin_protocol::{ClientFrame, RelayFrame, decode_relay_frame, encode};
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

use super::error::ShellError;

/// What the connection reports.
#[derive(Debug, Clone, PartialEq)]
pub enum RelayEvent {
    /// The socket is open and the tab's key proven (this one): frames may
    /// go.
    Opened(Identity),
    /// A decoded frame.
    Frame(RelayFrame),
    /// Text that is not a valid frame, with the reason.
    BadFrame(String),
    /// The socket closed or could not open.
    Closed,
}

/// Nonces tried between two yields to the page while a key's work is
/// found (a few milliseconds of hashing).
const SLICE: u64 = 4_096;

/// Answers the relay's `challenge` with `me`, once its key carries the
/// `work` asked: found in slices of [`SLICE`] nonces, the page free
/// between them, so a new key (2^18 hashes or so) is never one long task;
/// then kept, proven on `socket` (if it is still open) and reported.
fn prove(
    mut me: Identity,
    challenge: Challenge,
    work: u32,
    socket: WebSocket,
    report: impl Fn(RelayEvent) + 'static,
) {
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            match me.search(work, SLICE) {
                Ok(true) => break,
                Ok(false) => gloo::timers::future::TimeoutFuture::new(0).await,
                Err(err) => {
                    report(RelayEvent::BadFrame(format!(
                        "the relay asks what this tab cannot do: {err}"
                    )));
                    return;
                }
            }
        }
        super::web_storage::keep_identity(&me);
        if socket.ready_state() != WebSocket::OPEN {
            return;
        }
        let proof = ClientFrame::Prove {
            proof: me.prove(&challenge),
        };
        if socket.send_with_str(&encode(&proof)).is_ok() {
            report(RelayEvent::Opened(me));
        }
    });
}

/// An open (or opening) connection.
pub struct RelaySocket {
    ws: WebSocket,
    _listeners: [EventListener; 2],
}

impl RelaySocket {
    /// Connects to `url`, in room `room`; events go to `on_event`.
    pub fn connect(
        url: &str,
        room: &str,
        on_event: impl Fn(RelayEvent) + Clone + 'static,
    ) -> Result<RelaySocket, ShellError> {
        let sep = if url.contains('?') { '&' } else { '?' };
        let ws =
            WebSocket::new(&format!("{url}{sep}room={room}")).map_err(|e| ShellError::Relay {
                url: url.to_owned(),
                reason: format!("{e:?}"),
            })?;
        let cb = on_event.clone();
        let socket = ws.clone();
        let message = EventListener::new(&ws, "message", move |e| {
            let text = e
                .dyn_ref::<MessageEvent>()
                .and_then(|e| e.data().as_string());
            let event = match text {
                Some(text) => match decode_relay_frame(&text) {
                    Ok(RelayFrame::Challenge { challenge, work }) => {
                        let me = super::web_storage::peer_key();
                        prove(me, challenge, work, socket.clone(), cb.clone());
                        return;
                    }
                    Ok(frame) => {
                        if let RelayFrame::Error { code, .. } = &frame
                            && code == Refusal::KEY_IN_USE
                        {
                            // A duplicated tab shares its key with the
                            // original: it makes its own for next time.
                            super::web_storage::renew_identity();
                        }
                        RelayEvent::Frame(frame)
                    }
                    Err(err) => RelayEvent::BadFrame(err.to_string()),
                },
                None => RelayEvent::BadFrame("binary frame".into()),
            };
            cb(event);
        });
        let closed = EventListener::new(&ws, "close", move |_| on_event(RelayEvent::Closed));
        Ok(RelaySocket {
            ws,
            _listeners: [message, closed],
        })
    }

    /// Sends a frame if the socket is open; returns whether it was sent.
    pub fn send(&self, frame: &ClientFrame) -> bool {
        self.ws.ready_state() == WebSocket::OPEN && self.ws.send_with_str(&encode(frame)).is_ok()
    }
}

impl Drop for RelaySocket {
    fn drop(&mut self) {
        // The listeners go with the socket, so its close event is not heard.
        let _ = self.ws.close();
    }
}

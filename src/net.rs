//! The WebSocket connection to the relay: a thin shell that turns socket
//! events into [`NetEvent`]s and frames into text.

use tabcoin_protocol::{ClientFrame, RelayFrame, decode_relay_frame, encode};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};
use yew::Callback;

/// What the connection reports.
#[derive(Debug, Clone, PartialEq)]
pub enum NetEvent {
    /// The socket is open.
    Opened,
    /// A decoded frame.
    Frame(RelayFrame),
    /// Text that is not a valid frame, with the reason.
    BadFrame(String),
    /// The socket closed or could not open.
    Closed,
}

/// An open (or opening) connection. Dropping it closes the socket.
pub struct Relay {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Relay {
    /// Connects to `url` (room = `room`); events go to `on_event`.
    pub fn connect(url: &str, room: &str, on_event: Callback<NetEvent>) -> Result<Relay, String> {
        let sep = if url.contains('?') { '&' } else { '?' };
        let ws = WebSocket::new(&format!("{url}{sep}room={room}"))
            .map_err(|e| format!("cannot open {url}: {e:?}"))?;
        let cb = on_event.clone();
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_| cb.emit(NetEvent::Opened));
        let cb = on_event.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let event = match e.data().as_string() {
                Some(text) => match decode_relay_frame(&text) {
                    Ok(frame) => NetEvent::Frame(frame),
                    Err(err) => NetEvent::BadFrame(err.to_string()),
                },
                None => NetEvent::BadFrame("binary frame".into()),
            };
            cb.emit(event);
        });
        let on_close =
            Closure::<dyn FnMut(CloseEvent)>::new(move |_| on_event.emit(NetEvent::Closed));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Relay {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// Sends a frame if the socket is open; returns whether it was sent.
    pub fn send(&self, frame: &ClientFrame) -> bool {
        self.ws.ready_state() == WebSocket::OPEN && self.ws.send_with_str(&encode(frame)).is_ok()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

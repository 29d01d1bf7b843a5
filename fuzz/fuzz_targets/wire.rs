//! Every frame a tab or the relay reads, every message inside one, and
//! every piece a direct link reads: decoding never panics, and whatever
//! decodes encodes back to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tabcoin_mesh::wire::{Heard, LINK_VERSION, LinkHello, Reassembler, Signal};
use tabcoin_node::Message;
use tabcoin_protocol::identity::Challenge;
use tabcoin_protocol::{
    ClientFrame, MAX_FRAME_BYTES, Payload, RelayFrame, decode_client_frame, decode_relay_frame,
    encode,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(frame) = decode_client_frame(text, MAX_FRAME_BYTES) {
        let again: ClientFrame =
            serde_json::from_str(&encode(&frame)).expect("a decoded frame re-encodes");
        assert_eq!(again, frame);
        if let ClientFrame::Broadcast { msg } | ClientFrame::Direct { msg, .. } = &frame {
            message(msg);
        }
        // A proof of a peer key is checked as the relay checks it: an
        // answer, never a panic.
        if let ClientFrame::Prove { proof } = &frame {
            let _ = proof.verify(&Challenge([7; 32]), 4);
        }
    }
    if let Ok(frame) = decode_relay_frame(text) {
        let again: RelayFrame =
            serde_json::from_str(&encode(&frame)).expect("a decoded frame re-encodes");
        assert_eq!(again, frame);
        if let RelayFrame::Deliver { msg, .. } = &frame {
            message(msg);
        }
    }
    if let Ok(payload) = serde_json::from_str::<Payload>(text) {
        message(&payload);
        if let Some(Ok(signal)) = Signal::read(&payload) {
            assert_eq!(Signal::read(&signal.encode()), Some(Ok(signal)));
        }
    }
    link(data);
});

/// The bytes as pieces on a direct link that has shaken hands: cut into
/// pieces at every byte 0xff (so one input makes several), each read
/// without a panic.
fn link(data: &[u8]) {
    let hello = LinkHello {
        version: LINK_VERSION,
        network: "fuzz".into(),
        proof: None,
    };
    // Each piece as a new link's first: a handshake that reads has its
    // proof of the key checked (false for any key but a real signer's).
    for piece in data.split(|b| *b == 0xff) {
        if let Ok(Heard::Hello(h)) = Reassembler::new(hello.clone()).push(piece)
            && let Some(proof) = h.proof
        {
            assert!(!proof.proves(proof.key.id(), "fuzz", "their fingerprint", "mine"));
        }
    }
    let mut rx = Reassembler::new(hello.clone());
    rx.push(&hello.piece()).expect("its own handshake");
    for piece in data.split(|b| *b == 0xff) {
        if rx.push(piece).is_err() {
            return;
        }
    }
}

/// A payload as the node decodes it; a message that decodes survives a
/// round trip unchanged.
fn message(payload: &Payload) {
    if let Ok(msg) = Message::decode(payload) {
        let again = Message::decode(&msg.encode()).expect("a decoded message re-encodes");
        assert_eq!(again, msg);
    }
}

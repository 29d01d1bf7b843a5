//! A peer's identity: a long-lived secp256k1 key ([`Identity`]) whose
//! public half ([`PeerKey`]) names the peer. Its [`PeerId`] is derived
//! from the key, so a peer that leaves and comes back is the same peer:
//! its bans, scores and announcements are waiting for it.
//!
//! A new key costs a little work: `sha256("tabcoin key work" ‖ key ‖
//! nonce)` must start with as many zero bits as the relay asks
//! ([`DEFAULT_KEY_WORK`]), found once when the key is made and kept with
//! it. A peer proves it holds its key by signing the relay's fresh
//! [`Challenge`] ([`Identity::prove`], [`Proof::verify`]); the relay then
//! names it by its key's id in every room.

use std::fmt;

use k256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use k256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::digest::{leading_zero_bits, sha256};
use crate::hex::{from_hex, to_hex};
use crate::{ClientFrame, PeerId};

/// Bytes of a public key (SEC1, compressed).
pub const KEY_BYTES: usize = 33;

/// The work a relay asks of a new key by default, in leading zero bits:
/// about a quarter of a million hashes, a moment for a tab once, a cost
/// for whoever would make a key per connection.
pub const DEFAULT_KEY_WORK: u32 = 18;

/// The most work a client does for a key, whatever a relay asks.
pub const MAX_KEY_WORK: u32 = 26;

/// Why an identity or a proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The secret is zero or not below the curve order.
    #[error("these 32 bytes are not a valid secret key")]
    InvalidSecret,
    /// The public key is not a point of the curve.
    #[error("the key is not a valid public key")]
    InvalidKey,
    /// The key's work is below what is asked.
    #[error("the key carries {has} bits of work, {needs} are asked")]
    TooLittleWork {
        /// Bits the key's nonce gives.
        has: u32,
        /// Bits asked.
        needs: u32,
    },
    /// More work than a client does for a key.
    #[error("{asked} bits of work asked for a key, at most {max} are done")]
    TooMuchWork {
        /// Bits asked.
        asked: u32,
        /// The most a client does.
        max: u32,
    },
    /// The signature does not match the key and the challenge.
    #[error("the signature does not prove the key")]
    BadSignature,
    /// A kept identity that is not 64 hex digits, a colon and a nonce.
    #[error("a kept peer key is its secret's 64 hex digits, ':' and its nonce")]
    BadExport,
}

impl IdentityError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            IdentityError::InvalidSecret => "invalid_secret",
            IdentityError::InvalidKey => "invalid_key",
            IdentityError::TooLittleWork { .. } => "too_little_work",
            IdentityError::TooMuchWork { .. } => "too_much_work",
            IdentityError::BadSignature => "bad_signature",
            IdentityError::BadExport => "bad_export",
        }
    }
}

/// Fixed-size bytes written as hex on the wire.
macro_rules! hex_bytes {
    ($(#[$doc:meta])* $name:ident, $n:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; $n]);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&to_hex(&self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({}…)", stringify!($name), &to_hex(&self.0[..4]))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&to_hex(&self.0))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = String::deserialize(d)?;
                from_hex::<$n>(&s).map($name).map_err(serde::de::Error::custom)
            }
        }
    };
}

hex_bytes!(
    /// A peer's public key (SEC1, compressed): its name on the network.
    PeerKey,
    KEY_BYTES
);

hex_bytes!(
    /// Fresh random bytes a relay asks a connecting peer to sign.
    Challenge,
    32
);

hex_bytes!(
    /// An ECDSA signature (r ‖ s, low-S).
    KeySignature,
    64
);

impl PeerKey {
    /// The peer's id: the first 8 bytes of the key's hash.
    pub fn id(&self) -> PeerId {
        let h = sha256(&[b"tabcoin peer id", &self.0]);
        let mut id = [0u8; 8];
        id.copy_from_slice(&h[..8]);
        PeerId::from_be_bytes(id)
    }

    /// Whether `sig` is this key's signature of `digest`.
    pub fn verifies(&self, digest: &[u8; 32], sig: &KeySignature) -> bool {
        let Ok(key) = VerifyingKey::from_sec1_bytes(&self.0) else {
            return false;
        };
        let Ok(sig) = Signature::from_slice(&sig.0) else {
            return false;
        };
        key.verify_prehash(digest, &sig).is_ok()
    }

    /// The bits of work `nonce` gives this key.
    pub fn work(&self, nonce: u64) -> u32 {
        leading_zero_bits(&sha256(&[
            b"tabcoin key work",
            &self.0,
            &nonce.to_le_bytes(),
        ]))
    }
}

/// What a relay's challenge is signed as: bound to the key that signs.
fn proof_digest(challenge: &Challenge, key: &PeerKey) -> [u8; 32] {
    sha256(&[b"tabcoin relay proof", &challenge.0, &key.0])
}

/// A peer's key pair and the work that makes its key acceptable.
#[derive(Clone)]
pub struct Identity {
    secret: SigningKey,
    key: PeerKey,
    nonce: u64,
}

/// Two identities are the same if their keys and nonces are (a public key
/// has one secret).
impl PartialEq for Identity {
    fn eq(&self, other: &Identity) -> bool {
        self.key == other.key && self.nonce == other.nonce
    }
}

impl Eq for Identity {}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the secret.
        write!(f, "Identity({:?}, {} bits)", self.key, self.work())
    }
}

impl Identity {
    /// The identity of a kept secret and nonce.
    pub fn from_parts(secret: [u8; 32], nonce: u64) -> Result<Identity, IdentityError> {
        let secret = SigningKey::from_slice(&secret).map_err(|_| IdentityError::InvalidSecret)?;
        let point = secret.verifying_key().to_sec1_point(true);
        let mut key = [0u8; KEY_BYTES];
        key.copy_from_slice(point.as_bytes());
        Ok(Identity {
            secret,
            key: PeerKey(key),
            nonce,
        })
    }

    /// The identity as it is kept (`secret:nonce`, the secret as hex).
    /// Whoever has it can speak as this peer.
    pub fn export(&self) -> String {
        format!("{}:{}", to_hex(&self.secret()), self.nonce)
    }

    /// An identity kept with [`Identity::export`].
    pub fn import(kept: &str) -> Result<Identity, IdentityError> {
        let (secret, nonce) = kept.split_once(':').ok_or(IdentityError::BadExport)?;
        let secret = from_hex::<32>(secret).map_err(|_| IdentityError::BadExport)?;
        let nonce = nonce.parse().map_err(|_| IdentityError::BadExport)?;
        Identity::from_parts(secret, nonce)
    }

    /// A new identity from 32 random bytes, with `bits` of work found.
    pub fn generate(secret: [u8; 32], bits: u32) -> Result<Identity, IdentityError> {
        Identity::from_parts(secret, 0)?.with_work(bits)
    }

    /// This identity with at least `bits` of work (the search goes on from
    /// its nonce if it has less).
    pub fn with_work(mut self, bits: u32) -> Result<Identity, IdentityError> {
        while !self.search(bits, u64::MAX)? {}
        Ok(self)
    }

    /// Tries up to `tries` more nonces for at least `bits` of work; whether
    /// the key now carries them. A page searches in slices like this, so
    /// a new key never holds its thread for long.
    pub fn search(&mut self, bits: u32, tries: u64) -> Result<bool, IdentityError> {
        if bits > MAX_KEY_WORK {
            return Err(IdentityError::TooMuchWork {
                asked: bits,
                max: MAX_KEY_WORK,
            });
        }
        for _ in 0..tries {
            if self.key.work(self.nonce) >= bits {
                return Ok(true);
            }
            self.nonce = self.nonce.wrapping_add(1);
        }
        Ok(self.key.work(self.nonce) >= bits)
    }

    /// The secret, to keep.
    pub fn secret(&self) -> [u8; 32] {
        self.secret.to_bytes().into()
    }

    /// The nonce that gives the key its work, to keep with the secret.
    pub fn nonce(&self) -> u64 {
        self.nonce
    }

    /// The public key.
    pub fn key(&self) -> PeerKey {
        self.key
    }

    /// The peer id the key gives.
    pub fn id(&self) -> PeerId {
        self.key.id()
    }

    /// The bits of work the key carries.
    pub fn work(&self) -> u32 {
        self.key.work(self.nonce)
    }

    /// Signs a 32-byte digest (RFC 6979 deterministic nonce, low-S).
    pub fn sign(&self, digest: &[u8; 32]) -> KeySignature {
        let sig: Signature = match self.secret.sign_prehash(digest) {
            Ok(sig) => sig,
            // Signing a 32-byte prehash with a valid key does not fail; a
            // zero signature is refused by every verifier.
            Err(_) => return KeySignature([0; 64]),
        };
        let mut out = [0u8; 64];
        out.copy_from_slice(&sig.normalize_s().to_bytes());
        KeySignature(out)
    }

    /// Proves this identity to whoever sent `challenge`.
    pub fn prove(&self, challenge: &Challenge) -> Proof {
        Proof {
            key: self.key,
            nonce: self.nonce,
            sig: self.sign(&proof_digest(challenge, &self.key)),
        }
    }

    /// The answer to a relay's [`crate::RelayFrame::Challenge`]: the proof, the key
    /// given more work first if the relay asks more than it carries (kept
    /// in `self`: the caller stores the new nonce).
    pub fn answer(
        &mut self,
        challenge: &Challenge,
        work: u32,
    ) -> Result<ClientFrame, IdentityError> {
        if self.work() < work {
            *self = self.clone().with_work(work)?;
        }
        Ok(ClientFrame::Prove {
            proof: self.prove(challenge),
        })
    }
}

/// A peer's answer to a [`Challenge`]: its key, the key's work, and its
/// signature of the challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    /// The key.
    pub key: PeerKey,
    /// What gives the key its work.
    pub nonce: u64,
    /// The challenge, signed.
    pub sig: KeySignature,
}

impl Proof {
    /// The peer's id, if the key carries `work` bits and the signature
    /// proves it for `challenge`. The cheap check (the work) comes first.
    pub fn verify(&self, challenge: &Challenge, work: u32) -> Result<PeerId, IdentityError> {
        let has = self.key.work(self.nonce);
        if has < work {
            return Err(IdentityError::TooLittleWork { has, needs: work });
        }
        VerifyingKey::from_sec1_bytes(&self.key.0).map_err(|_| IdentityError::InvalidKey)?;
        if !self
            .key
            .verifies(&proof_digest(challenge, &self.key), &self.sig)
        {
            return Err(IdentityError::BadSignature);
        }
        Ok(self.key.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(seed: u8, bits: u32) -> Identity {
        Identity::generate([seed; 32], bits).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_proof_names_its_key_and_its_key_only() {
        let me = identity(1, 8);
        let challenge = Challenge([7; 32]);
        let proof = me.prove(&challenge);
        assert_eq!(proof.verify(&challenge, 8), Ok(me.id()));
        assert_eq!(me.id(), me.key().id());
        assert_ne!(me.id(), identity(2, 8).id());
        // Kept and read back: the same identity, the same id.
        let again = Identity::from_parts(me.secret(), me.nonce()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.id(), me.id());
        assert_eq!(again.work(), me.work());
        assert_eq!(Identity::import(&me.export()), Ok(me.clone()));
        for bad in ["", "00", &format!("{}:x", "0".repeat(64)), &"1".repeat(64)] {
            assert_eq!(
                Identity::import(bad),
                Err(IdentityError::BadExport),
                "{bad}"
            );
        }
    }

    #[test]
    fn work_found_in_slices_is_the_work_found_at_once() {
        let whole = identity(3, 10);
        let mut sliced = Identity::from_parts([3; 32], 0).unwrap_or_else(|e| panic!("{e}"));
        let mut slices = 0;
        while !sliced.search(10, 64).unwrap_or_else(|e| panic!("{e}")) {
            slices += 1;
        }
        assert_eq!(sliced, whole, "the same first nonce");
        assert!(slices > 0, "ten bits take more than one slice of 64");
        assert_eq!(sliced.search(10, 0), Ok(true), "kept once found");
        assert!(matches!(
            sliced.search(MAX_KEY_WORK + 1, 1),
            Err(IdentityError::TooMuchWork { .. })
        ));
    }

    #[test]
    fn a_proof_for_another_challenge_or_key_is_refused() {
        let me = identity(1, 8);
        let proof = me.prove(&Challenge([7; 32]));
        assert_eq!(
            proof.verify(&Challenge([8; 32]), 8),
            Err(IdentityError::BadSignature)
        );
        // Another key claiming the signature (with work of its own).
        let other = identity(2, 8);
        let stolen = Proof {
            key: other.key(),
            nonce: other.nonce(),
            ..proof.clone()
        };
        assert_eq!(
            stolen.verify(&Challenge([7; 32]), 8),
            Err(IdentityError::BadSignature)
        );
        let mut bad_key = proof;
        bad_key.key.0[0] = 7;
        bad_key.nonce = (0..).find(|n| bad_key.key.work(*n) >= 8).unwrap_or(0);
        assert_eq!(
            bad_key.verify(&Challenge([7; 32]), 8),
            Err(IdentityError::InvalidKey)
        );
    }

    #[test]
    fn a_key_without_the_work_asked_is_refused_before_its_signature_is_checked() {
        let cheap = identity(3, 4);
        let challenge = Challenge([1; 32]);
        let mut proof = cheap.prove(&challenge);
        proof.sig = KeySignature([0; 64]);
        let has = cheap.work();
        assert!(has < 12, "{has}");
        assert_eq!(
            proof.verify(&challenge, 12),
            Err(IdentityError::TooLittleWork { has, needs: 12 })
        );
        // More work on the same key: accepted.
        let worked = cheap.with_work(12).unwrap_or_else(|e| panic!("{e}"));
        assert!(worked.work() >= 12);
        assert_eq!(
            worked.prove(&challenge).verify(&challenge, 12),
            Ok(worked.id())
        );
        assert_eq!(
            identity(3, 0).with_work(MAX_KEY_WORK + 1).map(|i| i.id()),
            Err(IdentityError::TooMuchWork {
                asked: MAX_KEY_WORK + 1,
                max: MAX_KEY_WORK
            })
        );
    }

    #[test]
    fn an_answer_does_the_work_the_relay_asks() {
        let mut me = identity(6, 0);
        let challenge = Challenge([3; 32]);
        let Ok(ClientFrame::Prove { proof }) = me.answer(&challenge, 10) else {
            panic!("a proof");
        };
        assert!(me.work() >= 10, "the nonce found is kept");
        assert_eq!(proof.verify(&challenge, 10), Ok(me.id()));
        assert!(me.answer(&challenge, MAX_KEY_WORK + 1).is_err());
    }

    #[test]
    fn a_secret_out_of_range_is_refused() {
        assert_eq!(
            Identity::from_parts([0; 32], 0).map(|i| i.id()),
            Err(IdentityError::InvalidSecret)
        );
    }

    #[test]
    fn proofs_travel_as_hex() {
        let proof = identity(4, 4).prove(&Challenge([2; 32]));
        let json = serde_json::to_string(&proof).unwrap_or_default();
        assert!(
            json.contains(&format!("\"key\":\"{}\"", proof.key)),
            "{json}"
        );
        let back: Proof = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, proof);
        assert!(serde_json::from_str::<Proof>(r#"{"key":"zz","nonce":1,"sig":"00"}"#).is_err());
    }
}

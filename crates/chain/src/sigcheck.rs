//! [`SigCheck`]: one signature check in 129 self-contained bytes (the
//! signed digest, the signer's compressed key, the signature), so checks
//! can run anywhere, in verifier web workers on other cores too. A
//! transaction makes its own (`SigCheck::of`, beside the transaction);
//! [`crate::sigcache`] remembers which passed.

use k256::ecdsa::signature::hazmat::PrehashVerifier;
use k256::ecdsa::{Signature, VerifyingKey};

use crate::address::PUBKEY_LEN;

/// One signature check: the signed digest, the signer's compressed key and
/// the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigCheck {
    /// What was signed.
    pub digest: [u8; 32],
    /// The compressed public key (the sender's address).
    pub key: [u8; PUBKEY_LEN],
    /// The 64-byte signature (r ‖ s).
    pub signature: [u8; 64],
}

impl SigCheck {
    /// Encoded length: digest, key, signature.
    pub const LEN: usize = 32 + PUBKEY_LEN + 64;

    /// Whether the signature verifies (a high-S or malformed signature, or
    /// a key off the curve, does not).
    pub fn verify(&self) -> bool {
        let Ok(key) = VerifyingKey::from_sec1_bytes(&self.key) else {
            return false;
        };
        let Ok(sig) = Signature::from_slice(&self.signature) else {
            return false;
        };
        key.verify_prehash(&self.digest, &sig).is_ok()
    }

    /// Appends the encoding to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.digest);
        out.extend_from_slice(&self.key);
        out.extend_from_slice(&self.signature);
    }

    /// Decodes a buffer of consecutive checks; a trailing partial check is
    /// ignored.
    pub fn decode_all(bytes: &[u8]) -> impl Iterator<Item = SigCheck> + '_ {
        bytes.chunks_exact(SigCheck::LEN).map(|c| {
            let mut check = SigCheck {
                digest: [0; 32],
                key: [0; PUBKEY_LEN],
                signature: [0; 64],
            };
            check.digest.copy_from_slice(&c[..32]);
            check.key.copy_from_slice(&c[32..32 + PUBKEY_LEN]);
            check.signature.copy_from_slice(&c[32 + PUBKEY_LEN..]);
            check
        })
    }
}

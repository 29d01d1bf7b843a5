//! The vault web worker: seals an account's key with a passphrase, and
//! opens it again (see [`crate::vault`]), off the page's thread, because
//! stretching a passphrase takes a good fraction of a second by design.
//!
//! It posts `Ready` once loaded, then answers each [`ToVault`] with
//! [`FromVault::Sealed`], [`FromVault::Opened`] or [`FromVault::Failed`].
//! The salt and nonce of a new seal come from the browser's random source;
//! [`answer`] itself is pure, and tested natively.

use tabcoin_chain::Wallet;

use super::messages::{FromVault, ToVault};
use crate::vault::{self, Cost};

/// What the worker answers to `request`; a new seal uses `salt` and
/// `nonce` (fresh random bytes for each request).
pub fn answer(request: ToVault, salt: [u8; 16], nonce: [u8; 12]) -> FromVault {
    match request {
        ToVault::Seal {
            address,
            secret,
            passphrase,
        } => {
            let matches = Wallet::import(&secret).is_ok_and(|w| w.address().to_string() == address);
            if !matches {
                return FromVault::Failed {
                    address,
                    reason: "That key does not belong to this account.".into(),
                };
            }
            let sealed = vault::secret_from_hex(&secret)
                .and_then(|key| {
                    vault::seal(&key, &address, &passphrase, salt, nonce, Cost::DEFAULT)
                })
                .map_err(|e| format!("The key could not be locked: {e}."));
            match sealed {
                Ok(sealed) => FromVault::Sealed { address, sealed },
                Err(reason) => FromVault::Failed { address, reason },
            }
        }
        ToVault::Open {
            address,
            sealed,
            passphrase,
        } => match vault::open(&sealed, &address, &passphrase) {
            Ok(key) => FromVault::Opened {
                address,
                secret: tabcoin_chain::hash::to_hex(&key),
            },
            Err(e) => FromVault::Failed {
                address,
                reason: capitalised(&e.to_string()),
            },
        },
    }
}

/// `text` as a sentence: capital first letter, final full stop.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    format!("{}{}.", first.unwrap_or_default(), chars.as_str())
}

/// Entry point of the `vault` binary.
#[cfg(target_arch = "wasm32")]
pub fn run() {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    use super::messages::{FromVault, Posted, js};

    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
        return;
    };
    let reply_to = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let Some(request) = js::from_js(&e.data()).and_then(|p| p.read::<ToVault>()) else {
            return;
        };
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 12];
        // The browser's crypto.getRandomValues does not fail for small
        // buffers; a failure would leave zeros, so it is refused.
        let reply = match getrandom::fill(&mut salt).and_then(|()| getrandom::fill(&mut nonce)) {
            Ok(()) => answer(request, salt, nonce),
            Err(e) => FromVault::Failed {
                address: String::new(),
                reason: format!("The browser gave no random numbers: {e}."),
            },
        };
        let reply = Posted::new(&reply, Vec::new());
        let _ = reply_to.post_message(&js::to_js(&reply));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let ready = FromVault::Ready {
        kernel: vault::KDF.into(),
    };
    let _ = scope.post_message(&js::to_js(&Posted::new(&ready, Vec::new())));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_sealed_by_the_worker_opens_with_its_passphrase_only() {
        let wallet = Wallet::from_secret([4; 32]).unwrap_or_else(|e| panic!("{e}"));
        let address = wallet.address().to_string();
        let sealed = match answer(
            ToVault::Seal {
                address: address.clone(),
                secret: wallet.export(),
                passphrase: "long passphrase".into(),
            },
            [1; 16],
            [2; 12],
        ) {
            FromVault::Sealed { sealed, .. } => sealed,
            other => panic!("{other:?}"),
        };
        let open = |passphrase: &str| {
            answer(
                ToVault::Open {
                    address: address.clone(),
                    sealed: sealed.clone(),
                    passphrase: passphrase.into(),
                },
                [0; 16],
                [0; 12],
            )
        };
        assert_eq!(
            open("long passphrase"),
            FromVault::Opened {
                address: address.clone(),
                secret: wallet.export()
            }
        );
        assert_eq!(
            open("wrong passphrase"),
            FromVault::Failed {
                address: address.clone(),
                reason: "That passphrase does not unlock this account.".into()
            }
        );
        // A key is sealed only for its own address.
        assert!(matches!(
            answer(
                ToVault::Seal {
                    address: "tab1other".into(),
                    secret: wallet.export(),
                    passphrase: "long passphrase".into(),
                },
                [1; 16],
                [2; 12],
            ),
            FromVault::Failed { .. }
        ));
    }
}

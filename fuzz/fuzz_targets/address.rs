//! Addresses as typed in a form, read from the wire, or given as key bytes:
//! never a panic; an address that parses prints back to an equal address.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tabcoin_chain::Address;
use tabcoin_chain::address::PUBKEY_LEN;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(address) = text.parse::<Address>() {
            assert!(address.is_key(), "a typed address is a key");
            assert_eq!(address.to_string().parse::<Address>(), Ok(address));
            let _ = address.short();
        }
        // From the wire (a JSON string): bytes only, the curve later.
        if let Ok(address) = serde_json::from_str::<Address>(text) {
            let again: Address =
                serde_json::from_str(&serde_json::to_string(&address).expect("encodes"))
                    .expect("an address read from the wire re-reads");
            assert_eq!(again, address);
            let _ = address.is_key();
        }
    }
    if let Ok(bytes) = <[u8; PUBKEY_LEN]>::try_from(data) {
        if let Ok(address) = Address::from_bytes(bytes) {
            assert_eq!(address.as_bytes(), &bytes);
            assert!(address.is_key());
        }
    }
});

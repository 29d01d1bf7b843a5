//! Helpers shared by the node's unit tests.

use tabcoin_chain::pow::search;
use tabcoin_chain::{
    Amount, Params, Pool, Salt, SigCheck, Store, Template, Timestamp, Transaction, Wallet,
};

/// The easy test network.
pub const P: Params = Params::TEST;

/// A clock well after every block the helpers mine.
pub const NOW: Timestamp = Timestamp(1_795_219_200_000);

/// The wallet of secret `[seed; 32]`.
pub fn wallet(seed: u8) -> Wallet {
    Wallet::from_secret([seed; 32]).unwrap_or_else(|_| panic!("seed {seed} is valid"))
}

/// Mines `n` empty blocks on `store`'s tip, 1 s apart, paying `miner`
/// (each taken at the time it was mined, or [`NOW`] if later).
pub fn extend(store: &mut Store, n: u64, miner: u8) {
    let wallet = wallet(miner);
    for _ in 0..n {
        let t = Timestamp(store.tip().header.timestamp.0 + 1_000);
        let template = Template::new(store, &Pool::new(), wallet.address(), t);
        let nonce = search(&template.header, 0..u64::MAX).unwrap_or_default();
        store
            .accept(template.into_block(nonce), NOW.max(t))
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// `n` signature checks of distinct signed transactions, with their hashes.
pub fn signed_checks(n: u8) -> Vec<([u8; 32], SigCheck)> {
    (1..=n)
        .map(|i| {
            let to = wallet(i.wrapping_add(100)).address();
            let tx = Transaction::new(
                &wallet(i),
                Amount(10),
                to,
                Amount(1),
                Salt([i; 16]),
                NOW,
                &P.network_id(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let check = SigCheck::of(&tx, &P.network_id()).unwrap_or_else(|| panic!("signed"));
            (tx.hash(), check)
        })
        .collect()
}

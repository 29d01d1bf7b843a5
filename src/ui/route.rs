//! The page's routes, kept in the URL fragment (`#/block/…`), so every view
//! has an address that can be bookmarked, shared and reloaded; and the
//! explorer's search, which turns what a person types into a route.

use tabcoin_chain::{Address, BlockHash, Height, TxId};

/// A page of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Wallet, mining, latest blocks.
    Home,
    /// All blocks, newest first, a page at a time (page 0 is the newest).
    Blocks(usize),
    /// One block by hash.
    Block(BlockHash),
    /// One block by height on the best chain.
    Height(Height),
    /// One transaction.
    Tx(TxId),
    /// One address: balance and history.
    Address(Address),
    /// A local copy of a block to edit and watch break.
    Tamper(BlockHash),
    /// The "New network" form.
    NewNetwork,
    /// A payment link: the wallet, its send form filled with this address
    /// and, if given, this amount.
    Pay(Address, Option<u64>),
    /// Something the fragment does not name.
    NotFound(String),
}

impl Route {
    /// Parses a URL fragment (with or without the leading `#`).
    /// Fragments that do not start with `#/` are not routes (anchors, other
    /// tools' markers) and show the home page.
    pub fn parse(fragment: &str) -> Route {
        let Some(path) = fragment.trim_start_matches('#').strip_prefix('/') else {
            return Route::Home;
        };
        let mut parts = path.splitn(2, '/');
        let (kind, arg) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let not_found = || Route::NotFound(fragment.to_owned());
        match kind {
            "" => Route::Home,
            "blocks" => arg.parse().map_or_else(|_| Route::Blocks(0), Route::Blocks),
            "block" => arg
                .parse::<BlockHash>()
                .map(Route::Block)
                .or_else(|_| arg.parse::<u64>().map(|h| Route::Height(Height(h))))
                .unwrap_or_else(|_| not_found()),
            "tx" => arg.parse().map(Route::Tx).unwrap_or_else(|_| not_found()),
            "address" => arg
                .parse()
                .map(Route::Address)
                .unwrap_or_else(|_| not_found()),
            "tamper" => arg
                .parse()
                .map(Route::Tamper)
                .unwrap_or_else(|_| not_found()),
            "network" if arg == "new" => Route::NewNetwork,
            "pay" => {
                let (to, amount) = arg.split_once('/').unwrap_or((arg, ""));
                let amount = match amount {
                    "" => Ok(None),
                    n => n.parse().map(Some),
                };
                match (to.parse(), amount) {
                    (Ok(to), Ok(amount)) => Route::Pay(to, amount),
                    _ => not_found(),
                }
            }
            _ => not_found(),
        }
    }

    /// The fragment for this route, `#/…`.
    pub fn href(&self) -> String {
        match self {
            Route::Home => "#/".into(),
            Route::Blocks(page) => format!("#/blocks/{page}"),
            Route::Block(hash) => format!("#/block/{hash}"),
            Route::Height(h) => format!("#/block/{h}"),
            Route::Tx(id) => format!("#/tx/{id}"),
            Route::Address(a) => format!("#/address/{a}"),
            Route::Tamper(hash) => format!("#/tamper/{hash}"),
            Route::NewNetwork => "#/network/new".into(),
            Route::Pay(to, None) => format!("#/pay/{to}"),
            Route::Pay(to, Some(amount)) => format!("#/pay/{to}/{amount}"),
            Route::NotFound(f) => f.clone(),
        }
    }
}

/// Turns a search into a route: a height, a block hash, a transaction id or
/// an address. Otherwise one sentence saying what can be searched.
pub fn search(query: &str) -> Result<Route, String> {
    let q = query.trim();
    if q.is_empty() {
        return Err("Type a block height or hash, a transaction id or an address.".into());
    }
    if let Ok(h) = q.parse::<u64>() {
        return Ok(Route::Height(Height(h)));
    }
    if let Ok(hash) = q.parse::<BlockHash>() {
        return Ok(Route::Block(hash));
    }
    if let Ok(id) = q.parse::<TxId>() {
        return Ok(Route::Tx(id));
    }
    match q.parse::<Address>() {
        Ok(a) => Ok(Route::Address(a)),
        Err(e) if q.to_ascii_lowercase().starts_with("tab1") => Err(format!("Address: {e}.")),
        Err(_) => Err(format!(
            "\"{q}\" is not a block height or hash, a transaction id or an address."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabcoin_chain::Wallet;

    #[test]
    fn routes_round_trip_through_their_fragment() {
        let addr = Wallet::from_secret([4; 32])
            .map(|w| w.address())
            .unwrap_or_else(|_| panic!("valid"));
        let routes = [
            Route::Home,
            Route::Blocks(3),
            Route::Block(BlockHash([7; 32])),
            Route::Height(Height(12)),
            Route::Tx(TxId::from_random([1; 16])),
            Route::Address(addr),
            Route::Tamper(BlockHash([9; 32])),
            Route::NewNetwork,
            Route::Pay(addr, None),
            Route::Pay(addr, Some(25)),
        ];
        for r in routes {
            assert_eq!(Route::parse(&r.href()), r);
        }
        assert_eq!(Route::parse(""), Route::Home);
        assert_eq!(Route::parse("#"), Route::Home);
        assert_eq!(Route::parse("#wbg_style=display-none"), Route::Home);
        assert_eq!(Route::parse("#/nope/1"), Route::NotFound("#/nope/1".into()));
        for bad in ["#/pay/tab1nope", "#/pay/", &format!("#/pay/{addr}/-3")] {
            assert_eq!(Route::parse(bad), Route::NotFound(bad.to_owned()));
        }
        assert_eq!(
            Route::parse("#/block/zz"),
            Route::NotFound("#/block/zz".into())
        );
    }

    #[test]
    fn search_understands_heights_hashes_ids_and_addresses() {
        let addr = Wallet::from_secret([4; 32])
            .map(|w| w.address())
            .unwrap_or_else(|_| panic!("valid"));
        assert_eq!(search(" 42 "), Ok(Route::Height(Height(42))));
        assert_eq!(
            search(&BlockHash([7; 32]).to_string()),
            Ok(Route::Block(BlockHash([7; 32])))
        );
        let id = TxId::from_random([1; 16]);
        assert_eq!(search(&id.to_string()), Ok(Route::Tx(id)));
        assert_eq!(search(&addr.to_string()), Ok(Route::Address(addr)));
        let s = addr.to_string();
        assert_eq!(
            search(&s[..s.len() - 1]),
            Err("Address: this address has a typo: its checksum does not match.".into())
        );
        assert!(search("hello").is_err_and(|e| e.contains("is not a block height")));
        assert!(search("").is_err());
    }
}

//! Page configuration read from the URL.
//!
//! - `?net=test` picks a built-in network (default `demo`); see `Params`.
//! - `?spec={…}` runs the network that spec describes (an invite link, made
//!   by the "New network" form); a spec that is not valid is reported, and
//!   the tab runs `demo`. The spec is remembered under its id.
//! - `?network=ID` runs the network of that id (a short invite link): its
//!   spec remembered from before, else asked of the tabs in it (the page
//!   shows the join page until one answers, then reloads).
//! - `?kernel=scalar` runs the scalar miner even where WebAssembly SIMD works.
//! - `?gpu=software` lets the GPU miner use a software adapter (a CPU
//!   emulation such as SwiftShader, which would only take the CPU
//!   workers' time; for tests and the curious).
//! - `?verify=main` checks signatures on the page's thread instead of in
//!   verifier workers.
//! - `?links=0` opens no direct links: every message goes through the
//!   relay (to compare).
//! - `?relay=ws://host:port/ws` points the tab at another relay; without it,
//!   the relay chosen in the network panel (kept in `localStorage`), else the
//!   relay that served the page, at `/ws`.

use gloo::storage::Storage;
use tabcoin_chain::{BlockHash, Params};
use web_sys::UrlSearchParams;

/// The built-in networks a person may join from the networks panel, or by
/// id alone.
pub const BUILT_IN: [Params; 2] = [Params::DEMO, Params::TEST];

/// Where the relay chosen in the network panel is kept.
pub const RELAY_KEY: &str = "tabcoin/relay";

/// Where a network's spec is remembered, by id.
fn spec_key(id: &BlockHash) -> String {
    format!("tabcoin/spec/{id}")
}

/// Remembers the spec of a network this tab runs, so a short link
/// (`?network=ID`) opens it without asking anyone.
pub fn remember_spec(params: &Params) {
    if Params::by_name(&params.name).as_ref() != Some(params) {
        let _ = gloo::storage::LocalStorage::set(
            spec_key(&params.network_id()),
            params.spec().canonical(),
        );
    }
}

/// The network of id `id`, if its spec was remembered (and still hashes to
/// it).
pub fn known_network(id: &BlockHash) -> Option<Params> {
    let text = gloo::storage::LocalStorage::get::<String>(spec_key(id)).ok()?;
    tabcoin_chain::Params::from_spec_json_for(&text, id).ok()
}

/// Remembers the relay chosen in the network panel.
pub fn save_relay(url: &str) {
    let _ = gloo::storage::LocalStorage::set(RELAY_KEY, url);
}

/// Where this tab connects and which network it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct PageConfig {
    /// The network's constants.
    pub params: Params,
    /// Why the network the URL asked for is not the one running, if so.
    pub problem: Option<String>,
    /// `?network=ID` of a network whose spec this tab does not know: the
    /// page asks the tabs in it instead of running a node.
    pub fetch_spec: Option<BlockHash>,
    /// Whether the URL named the network (`net`, `spec` or `network`):
    /// a tab in other networks joins it too. Else `params` is the default.
    pub named: bool,
    /// WebSocket URL of the relay, without the room parameter.
    pub relay: String,
    /// `?kernel=scalar` runs the scalar miner even where SIMD works (to
    /// compare them).
    pub force_scalar: bool,
    /// `?gpu=software`: the GPU miner may use a software adapter.
    pub software_gpu: bool,
    /// Signatures of incoming batches are checked in verifier workers
    /// (`?verify=main` turns this off, to compare).
    pub verify_in_workers: bool,
    /// Direct links to other tabs are opened (`?links=0` turns this off,
    /// to compare).
    pub direct_links: bool,
}

impl PageConfig {
    /// Reads the page's URL; unknown or missing values fall back to defaults.
    pub fn from_location() -> PageConfig {
        let location = web_sys::window().map(|w| w.location());
        let search = location
            .as_ref()
            .and_then(|l| l.search().ok())
            .unwrap_or_default();
        let query = UrlSearchParams::new_with_str(&search).ok();
        let get = |key: &str| {
            query
                .as_ref()
                .and_then(|q| q.get(key))
                .filter(|v| !v.is_empty())
        };
        let demo_because = |why: String| (Params::DEMO, Some(why), None);
        let (params, problem, fetch_spec) = match (get("spec"), get("network")) {
            (Some(text), _) => match tabcoin_chain::Params::from_spec_json(&text) {
                Ok(params) => {
                    remember_spec(&params);
                    (params, None, None)
                }
                Err(e) => demo_because(format!(
                    "The link's network is not valid ({e}); this tab runs demo."
                )),
            },
            (None, Some(id)) => match id.parse::<BlockHash>() {
                Ok(id) => match known_network(&id) {
                    Some(params) => (params, None, None),
                    None => match BUILT_IN.into_iter().find(|p| p.network_id() == id) {
                        Some(params) => (params, None, None),
                        None => (Params::DEMO, None, Some(id)),
                    },
                },
                Err(_) => demo_because(
                    "The link's network id is not 64 hex digits; this tab runs demo.".into(),
                ),
            },
            (None, None) => (
                get("net")
                    .and_then(|n| Params::by_name(&n))
                    .unwrap_or(Params::DEMO),
                None,
                None,
            ),
        };
        let chosen = gloo::storage::LocalStorage::get::<String>(RELAY_KEY).ok();
        let relay = get("relay").or(chosen).unwrap_or_else(|| {
            let (protocol, host) = location
                .map(|l| {
                    (
                        l.protocol().unwrap_or_default(),
                        l.host().unwrap_or_default(),
                    )
                })
                .unwrap_or_default();
            let scheme = if protocol == "https:" { "wss" } else { "ws" };
            format!("{scheme}://{host}/ws")
        });
        let force_scalar = get("kernel").is_some_and(|k| k == "scalar");
        let software_gpu = get("gpu").is_some_and(|g| g == "software");
        let named = ["net", "spec", "network"].iter().any(|k| get(k).is_some());
        PageConfig {
            params,
            problem,
            fetch_spec,
            named,
            relay,
            force_scalar,
            software_gpu,
            verify_in_workers: get("verify").is_none_or(|v| v != "main"),
            direct_links: get("links").is_none_or(|v| v != "0"),
        }
    }

    /// The key the network's chain and pool are stored under: a built-in
    /// network's name, or a spec's name and id (names of specs may repeat).
    pub fn storage_key(&self) -> String {
        storage_key(&self.params)
    }
}

/// See [`PageConfig::storage_key`].
pub fn storage_key(params: &Params) -> String {
    if Params::by_name(&params.name).as_ref() == Some(params) {
        params.name.to_string()
    } else {
        format!("{}-{}", params.name, params.network_id())
    }
}

//! `tabcoind`: the node the tabs run (`tabcoin_node::Node`), natively, with
//! an HTTP API on loopback and its chain, pool and key in an embedded
//! database. It joins networks through relays like a tab does.
//!
//! - [`daemon`]: the node and what it asks for (relays, storage, mining);
//! - [`relay`]: relay connections, kept up;
//! - [`miner`]: mining on threads;
//! - [`db`]: the redb store;
//! - [`api`]: the HTTP API; [`error`]: its error answers;
//! - [`auth`]: the API token and its cookie file;
//! - [`compat`]: the classic clients' routes, on a listener of their own;
//! - [`serve`]: the API's connections, within bounds;
//! - [`wallet`]: the command-line wallet (`tabcoind wallet …`);
//! - [`remote`]: mining for a node elsewhere (`tabcoind mine --remote …`).

pub mod api;
pub mod auth;
pub mod compat;
pub mod daemon;
pub mod db;
pub mod error;
pub mod miner;
pub mod relay;
pub mod remote;
pub mod serve;
pub mod wallet;

use std::net::SocketAddr;
use std::path::PathBuf;

use tabcoin_chain::Params;
use tabcoin_chain::spec::MAX_SPEC_BYTES;

pub use daemon::{Daemon, Shared};

/// The network `--net` names: a built-in network (`demo`, `test`) or a spec
/// file (JSON, see docs/CONSENSUS.md).
pub fn network(arg: &str) -> Result<Params, String> {
    if let Some(params) = Params::by_name(arg) {
        return Ok(params);
    }
    let path = std::path::Path::new(arg);
    if !path.exists() {
        return Err(format!(
            "{arg:?} is neither a built-in network (demo, test) nor a spec file"
        ));
    }
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {arg}: {e}"))?
        .len();
    // Bounded before it is read (the spec reader refuses it too).
    if size > MAX_SPEC_BYTES as u64 {
        return Err(format!("{arg}: a spec is at most {MAX_SPEC_BYTES} bytes"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {arg}: {e}"))?;
    tabcoin_chain::Params::from_spec_json(&text).map_err(|e| format!("{arg}: {e}"))
}

/// Largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Most relays a node joins.
pub const MAX_RELAYS: usize = 16;

/// How to run a node.
#[derive(Debug, Clone)]
pub struct Options {
    /// The network.
    pub params: Params,
    /// Relay WebSocket URLs (`ws://host:port/ws`).
    pub relays: Vec<String>,
    /// Where the API listens.
    pub api: SocketAddr,
    /// Where the store lives (None: in memory, gone at exit).
    pub data: Option<PathBuf>,
    /// Mine from the start (seal, on a proof-of-authority network).
    pub mine: bool,
    /// A key file to use instead of the store's key.
    pub key: Option<PathBuf>,
    /// Threads a block search uses.
    pub threads: usize,
    /// Threads that check the signatures of incoming batches (0: the node
    /// checks them on its own thread).
    pub verifiers: usize,
    /// How API callers prove they may spend (None: a cookie in the data
    /// directory, or in a private temporary one without it).
    pub auth: Option<auth::Auth>,
    /// How much the API's connections may take.
    pub limits: serve::Limits,
    /// Where the classic clients' routes listen, if anywhere (loopback).
    pub compat: Option<SocketAddr>,
    /// A classic client's built files to serve beside those routes.
    pub compat_ui: Option<PathBuf>,
    /// Hex zeros a Lambda course proof needs on those routes.
    pub compat_zeros: u32,
    /// A name besides the loopback ones that requests may address the
    /// node by (a `Host` header), e.g. behind a local proxy.
    pub api_host: Option<String>,
}

/// A node running: its API's address and its shared state.
pub struct Running {
    /// Where the API listens (the port chosen if 0 was asked).
    pub api: SocketAddr,
    /// The node.
    pub state: Shared,
    /// The API token (None with `--no-auth`).
    pub token: Option<String>,
    /// The cookie file holding it, if the node wrote one.
    pub cookie: Option<PathBuf>,
    /// Where the classic clients' routes listen, if they do.
    pub compat: Option<SocketAddr>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops the API, the ticker and the relay connections, and closes the
    /// store (the miner thread of `--mine`, if any, runs on).
    pub async fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks {
            let _ = task.await;
        }
        // The token dies with the node.
        if let Some(cookie) = &self.cookie {
            let _ = std::fs::remove_file(cookie);
        }
    }
}

/// Starts a node: storage read, relays dialled, the ticker and (with
/// `mine`) the miner started, the API listening. Returns once the API
/// listens; the node runs on the current Tokio runtime.
pub async fn start(opts: Options) -> Result<Running, String> {
    let db = opts
        .data
        .as_deref()
        .map(db::Db::open)
        .transpose()
        .map_err(|e| e.to_string())?;
    // A store holds one network: another network's node is refused rather
    // than left to discard the chain it finds.
    let id = opts.params.network_id().to_string();
    if let Some(db) = &db {
        match db.get("network").map_err(|e| e.to_string())? {
            Some(stored) if stored != id => {
                return Err(format!(
                    "the store holds network {stored}, not {id} ({}): use another --data directory",
                    opts.params.name
                ));
            }
            Some(_) => {}
            None => db.put("network", &id).map_err(|e| e.to_string())?,
        }
    }
    if let Some(Err(e)) = opts
        .relays
        .iter()
        .map(|url| relay::relay_url(url))
        .find(Result::is_err)
    {
        return Err(format!("--relay: {e}"));
    }
    tracing::info!(network = %id, name = %opts.params.name, "starting");
    let wallet = match &opts.key {
        Some(path) => wallet::read_key(path)?,
        None => daemon::key(db.as_ref()).map_err(|e| e.to_string())?,
    };
    let me = wallet.address();
    let sealed = opts.params.is_proof_of_authority();
    if opts.mine && sealed && !opts.params.authorities.contains(&me) {
        return Err(format!(
            "--mine: this node's key ({me}) is not one of the network's authorities, so it cannot seal; start it without --mine, or with an authority's key (--key FILE)"
        ));
    }
    let identity = daemon::identity(db.as_ref()).map_err(|e| e.to_string())?;
    let state = Daemon::start(
        opts.params,
        wallet,
        identity,
        db,
        &opts.relays,
        opts.threads,
        opts.verifiers,
    );
    let mut tasks = Vec::new();
    for id in 0..opts.relays.len() as u64 {
        tasks.push(tokio::spawn(relay::keep(state.clone(), id)));
    }
    let ticking = state.clone();
    tasks.push(tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            every.tick().await;
            ticking.lock().handle(tabcoin_node::Event::Tick);
        }
    }));
    if opts.mine && sealed {
        // Sealing needs no threads: the node seals on its clock's ticks.
        state.lock().handle(tabcoin_node::Event::MiningToggled);
    } else if opts.mine {
        let mining = state.clone();
        let threads = opts.threads;
        std::thread::spawn(move || miner::mine_forever(&mining, threads));
    }
    let listener = tokio::net::TcpListener::bind(opts.api)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", opts.api))?;
    let api = listener.local_addr().map_err(|e| e.to_string())?;
    let (token, cookie) = match opts.auth {
        Some(auth::Auth::Off) => (None, None),
        Some(auth::Auth::Token(token)) => {
            if token.len() < 16 || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(
                    "--api-token: a token is at least 16 characters, without spaces or control characters".into(),
                );
            }
            (Some(token), None)
        }
        Some(auth::Auth::Cookie(path)) => (Some(auth::random_token()?), Some(path)),
        None => {
            let dir = match &opts.data {
                Some(dir) => dir.clone(),
                None => auth::private_dir()?,
            };
            (Some(auth::random_token()?), Some(dir.join(auth::COOKIE)))
        }
    };
    if let (Some(token), Some(path)) = (&token, &cookie) {
        auth::write_cookie(path, token)?;
    }
    let hosts = api::Hosts(opts.api_host.clone());
    let app = api::router(
        state.clone(),
        token.as_deref().map(std::sync::Arc::from),
        hosts.clone(),
    );
    tasks.push(tokio::spawn(serve::serve(listener, app, opts.limits)));
    let compat = match opts.compat {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            tracing::warn!(
                "the classic clients' routes on http://{addr} need no token and spend from this node's wallet: anyone who can reach them can spend its coins"
            );
            let app = compat::router(state.clone(), opts.compat_ui, opts.compat_zeros, hosts);
            tasks.push(tokio::spawn(serve::serve(listener, app, opts.limits)));
            Some(addr)
        }
        None => None,
    };
    Ok(Running {
        api,
        state,
        token,
        cookie,
        compat,
        tasks,
    })
}

//! `tabcoind`: a headless tabcoin node. See `tabcoind --help`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use tabcoin_daemon::{Options, start};

/// A headless tabcoin node: joins a network through relays like a browser
/// tab, keeps its chain, pool and key in an embedded database, optionally
/// mines, and serves an HTTP API (JSON) on loopback.
#[derive(Parser)]
#[command(name = "tabcoind", version)]
struct Cli {
    /// Without a command, run the node.
    #[command(subcommand)]
    command: Option<Command>,
    /// The network: demo, test, or a spec file (JSON: name, consensus,
    /// mining_reward, starting_balance, allocations; see docs/CONSENSUS.md).
    #[arg(long, default_value = "demo")]
    net: String,
    /// A relay to join the network through (repeat for several).
    #[arg(long = "relay", default_value = "ws://127.0.0.1:8080/ws")]
    relays: Vec<String>,
    /// Where the HTTP API listens (loopback only).
    #[arg(long, default_value = "127.0.0.1:3001")]
    api: SocketAddr,
    /// Directory of the store (chain, pool, key); without it the node keeps
    /// everything in memory and forgets it at exit.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Mine from the start (on a proof-of-authority network: seal in
    /// turn; the key must be one of the network's authorities).
    #[arg(long)]
    mine: bool,
    /// The node's key: a file `tabcoind wallet new --key FILE` wrote
    /// (default: the key kept in the store, made at the first start).
    #[arg(long)]
    key: Option<PathBuf>,
    /// Threads a block search uses.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Threads that check the signatures of incoming blocks (default: one
    /// per core; 0: the node checks them on its own thread).
    #[arg(long)]
    verifiers: Option<usize>,
    /// The API token routes that spend or change state want (default: a
    /// new random one each start, written to DATA/cookie).
    #[arg(long, env = tabcoin_daemon::auth::TOKEN_ENV, hide_env_values = true)]
    api_token: Option<String>,
    /// No API token: any program of any user of this machine may spend the
    /// node's coins through its API.
    #[arg(long, conflicts_with = "api_token")]
    no_auth: bool,
    /// Most API connections open at once (more are answered 503 `busy`).
    #[arg(long, default_value_t = tabcoin_daemon::serve::Limits::default().connections)]
    max_connections: usize,
    /// Seconds a request's headers, and then its body, may take to arrive
    /// (an idle keep-alive connection is closed after as long).
    #[arg(long, default_value_t = tabcoin_daemon::serve::Limits::default().headers.as_secs())]
    api_timeout: u64,
    /// Also answer the classic clients (the cryptochain course's and the
    /// Flask tutorial's routes, see docs/DAEMON.md) on this loopback address,
    /// without a token, spending from the node's wallet.
    #[arg(long, num_args = 0..=1, default_missing_value = "127.0.0.1:3000")]
    compat: Option<SocketAddr>,
    /// A classic client's built files (the cryptochain course's React
    /// client) to serve on the `--compat` listener.
    #[arg(long, requires = "compat")]
    compat_ui: Option<PathBuf>,
    /// Hex zeros a proof of the Lambda course's miner needs on the
    /// `--compat` listener.
    #[arg(long, default_value_t = tabcoin_daemon::compat::PROOF_ZEROS)]
    compat_zeros: u32,
    /// A name besides localhost and 127.0.0.1 that requests may address
    /// the API by (their `Host`), e.g. behind a local reverse proxy.
    #[arg(long)]
    api_host: Option<String>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// A wallet against a running node's API.
    Wallet {
        /// The node's API.
        #[arg(long, default_value = "http://127.0.0.1:3001")]
        node: String,
        /// How to find the node's API token.
        #[command(flatten)]
        token: tabcoin_daemon::wallet::TokenSource,
        /// What to do.
        #[command(subcommand)]
        action: tabcoin_daemon::wallet::Action,
    },
    /// Mine for a node elsewhere through its API: the node gives headers,
    /// the search runs here, the node takes the blocks.
    Mine {
        /// The node's API.
        #[arg(long)]
        remote: String,
        /// Who the blocks pay (default: the node).
        #[arg(long)]
        address: Option<String>,
        /// Stop after this many blocks.
        #[arg(long)]
        blocks: Option<u64>,
        /// How to find the node's API token.
        #[command(flatten)]
        token: tabcoin_daemon::wallet::TokenSource,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "tabcoin_daemon=info,tabcoind=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Some(Command::Mine {
        remote,
        address,
        blocks,
        token,
    }) = cli.command
    {
        let node = match token.read() {
            Ok(token) => tabcoin_daemon::wallet::Node::new(remote.trim_end_matches('/'), token),
            Err(e) => {
                eprintln!("tabcoind mine: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        return match tabcoin_daemon::remote::mine(&node, address, blocks).await {
            Ok(out) => {
                println!("{out}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("tabcoind mine: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    if let Some(Command::Wallet {
        node,
        token,
        action,
    }) = cli.command
    {
        let token = match token.read() {
            Ok(token) => token,
            Err(e) => {
                eprintln!("tabcoind wallet: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        let node = tabcoin_daemon::wallet::Node::new(node.trim_end_matches('/'), token);
        return match tabcoin_daemon::wallet::run(&node, action).await {
            Ok(out) => {
                println!("{out}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("tabcoind wallet: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let params = match tabcoin_daemon::network(&cli.net) {
        Ok(params) => params,
        Err(e) => {
            eprintln!("tabcoind: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Some(addr) = cli.compat.filter(|a| !a.ip().is_loopback()) {
        eprintln!("tabcoind: --compat listens on loopback only, not {addr}");
        return std::process::ExitCode::FAILURE;
    }
    if !cli.api.ip().is_loopback() {
        eprintln!(
            "tabcoind: the API listens on loopback only, not {}",
            cli.api
        );
        return std::process::ExitCode::FAILURE;
    }
    let opts = Options {
        params,
        relays: cli.relays,
        api: cli.api,
        data: cli.data,
        mine: cli.mine,
        key: cli.key,
        threads: cli.threads.max(1),
        verifiers: cli.verifiers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        }),
        compat: cli.compat,
        compat_ui: cli.compat_ui,
        compat_zeros: cli.compat_zeros.min(64),
        api_host: cli.api_host,
        limits: tabcoin_daemon::serve::Limits {
            connections: cli.max_connections.max(1),
            headers: std::time::Duration::from_secs(cli.api_timeout.max(1)),
            body: std::time::Duration::from_secs(cli.api_timeout.max(1)),
        },
        auth: match (cli.no_auth, cli.api_token) {
            (true, _) => {
                tracing::warn!(
                    "--no-auth: any program of any user of this machine can spend this node's coins through its API"
                );
                Some(tabcoin_daemon::auth::Auth::Off)
            }
            (false, Some(token)) => Some(tabcoin_daemon::auth::Auth::Token(token)),
            (false, None) => None,
        },
    };
    match start(opts).await {
        Ok(running) => {
            // One write, and no panic if whoever started the node stopped
            // reading (it may read only the first line).
            let mut started = format!("api http://{}\n", running.api);
            if let Some(cookie) = &running.cookie {
                started += &format!("cookie {}\n", cookie.display());
            }
            if let Some(compat) = running.compat {
                started += &format!("compat http://{compat}\n");
            }
            let mut out = std::io::stdout().lock();
            let _ = std::io::Write::write_all(&mut out, started.as_bytes())
                .and_then(|()| std::io::Write::flush(&mut out));
            drop(out);
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("stopping");
            running.stop().await;
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tabcoind: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

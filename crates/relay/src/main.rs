//! `tabcoin-relay`: serves the app and relays frames between tabs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use tabcoin_relay::{Config, serve};

/// Serves the tabcoin app and relays protocol messages between tabs.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Address to listen on (loopback by default).
    #[arg(long, env = "TABCOIN_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Directory of the built app (trunk's `dist`).
    #[arg(long, env = "TABCOIN_DIST", default_value = "dist")]
    dist: PathBuf,
    /// Largest frame a tab may send, in bytes.
    #[arg(long, default_value_t = tabcoin_protocol::MAX_FRAME_BYTES)]
    max_frame_bytes: usize,
    /// Frames queued per tab (at least --burst); more are dropped for a tab
    /// while its queue is full.
    #[arg(long, default_value_t = 1024)]
    queue_len: usize,
    /// Seconds a tab's queue may stay full before the tab is disconnected.
    #[arg(long, default_value_t = 10)]
    slow_reader_secs: u64,
    /// Broadcasts that overflow most other tabs' queues a tab may send in
    /// 10 s before it is disconnected.
    #[arg(long, default_value_t = 32)]
    overflow_budget: u32,
    /// Frames per second a tab may send on average (more: it is dropped).
    #[arg(long, default_value_t = 200)]
    rate: u32,
    /// Frames a tab may send in a burst.
    #[arg(long, default_value_t = 400)]
    burst: u32,
    /// Most tabs connected at once.
    #[arg(long, default_value_t = 1000)]
    max_peers: usize,
    /// Most tabs connected at once from one client address.
    #[arg(long, default_value_t = 64)]
    max_peers_per_address: usize,
    /// New connections one client address may open a minute, on average…
    #[arg(long, default_value_t = 120)]
    connects_per_minute: u32,
    /// …and in a burst.
    #[arg(long, default_value_t = 64)]
    connect_burst: u32,
    /// Seconds an address whose tab was dropped for flooding gets no new
    /// connection (its other tabs stay).
    #[arg(long, default_value_t = 10)]
    misbehaviour_cooldown_secs: u64,
    /// Most tabs in one room (one network).
    #[arg(long, default_value_t = 500)]
    max_peers_per_room: usize,
    /// Another relay to link with, as ws://host:port/ws (repeatable; or
    /// TABCOIN_PEERS, comma-separated).
    #[arg(long = "peer", env = "TABCOIN_PEERS", value_delimiter = ',')]
    peers: Vec<String>,
    /// Secret shared by linked relays: links are dialled with it and only
    /// accepted with it (none: this relay accepts no links).
    #[arg(long, env = "TABCOIN_LINK_SECRET")]
    link_secret: Option<String>,
    /// Seconds between keepalive pings.
    #[arg(long, default_value_t = 20)]
    ping_secs: u64,
    /// Milliseconds a tab is in a room before the others hear it joined
    /// (one that leaves sooner costs them nothing; 0: at once).
    #[arg(long, default_value_t = 1000)]
    announce_after_ms: u64,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = Args::parse();
    if !args.dist.join("index.html").is_file() {
        tracing::warn!(dist = %args.dist.display(), "no index.html there: only /ws and /healthz are served");
    }
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let addr = listener.local_addr()?;
    // Tools and tests read this line to find the address (port 0 picks one).
    println!("tabcoin relay listening on http://{addr}");
    let config = Config {
        max_frame_bytes: args.max_frame_bytes,
        queue_len: args.queue_len,
        slow_reader: Duration::from_secs(args.slow_reader_secs.max(1)),
        overflow_budget: args.overflow_budget,
        rate: args.rate,
        burst: args.burst,
        max_peers: args.max_peers,
        max_peers_per_address: args.max_peers_per_address,
        connects_per_minute: args.connects_per_minute,
        connect_burst: args.connect_burst,
        misbehaviour_cooldown: Duration::from_secs(args.misbehaviour_cooldown_secs),
        max_peers_per_room: args.max_peers_per_room,
        peers: args.peers,
        link_secret: args.link_secret,
        ping_interval: Duration::from_secs(args.ping_secs.max(1)),
        announce_after: Duration::from_millis(args.announce_after_ms),
        dist: Some(args.dist),
        ..Config::default()
    };
    serve(listener, config, async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("Ctrl-C: shutting down");
    })
    .await?;
    tracing::info!("stopped");
    Ok(())
}

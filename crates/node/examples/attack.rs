//! The attack benchmark (`cargo xtask bench attack`): honest native nodes
//! (the node the tabs run) mine through a real relay while one attacker
//! plays one of the cheap attacks on it, and the honest block rate is
//! compared with the same nodes unattacked.
//!
//! Each scenario gets a network of its own (so nothing of an earlier one
//! is heard), three fresh honest nodes hashing at a fixed rate each on a
//! thread of their own (difficulty pinned at the network's easiest target,
//! so the block rate follows the hashing the nodes manage), a warm-up, then
//! a measured window. It prints one line per scenario:
//!
//! `scenario <name> blocks <n> seconds <s> frames <attacker frames> relay_cpu_ms <ms>
//! join_ms <ms> rss_growth_kib <KiB> orphan_kib <KiB> keys_ms <ms>`
//!
//! `join_ms`: how long a new tab joining midway took to hold the honest
//! height (-1: not within 10 s); `rss_growth_kib`: this whole process's
//! resident memory at its peak in the window beyond its start (honest
//! nodes and attacker together: a bound on the honest nodes' growth);
//! `orphan_kib`: the most orphan bytes an honest node held; `keys_ms`: what
//! the sybil fill's keys cost beforehand, on every core.
//!
//! `cargo run --release --example attack -- ws://127.0.0.1:8080/ws <relay pid> [seconds] [scenario…]`

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::collections::HashMap;
    use std::net::IpAddr;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    use futures_util::stream::SplitStream;
    use futures_util::{SinkExt, StreamExt};
    use tabcoin_chain::pow::search;
    use tabcoin_chain::{
        Address, Amount, Block, BlockHash, Header, Height, Params, Salt, Store, Timestamp,
        Transaction, TxId, Wallet, Work, tx_root,
    };
    use tabcoin_node::message::PROTOCOL_VERSION;
    use tabcoin_node::{Event, Host, Job, Message, MinerReport, Node, drive, relay_frame};
    use tabcoin_protocol::identity::Identity;
    use tabcoin_protocol::{ClientFrame, PeerId, RelayFrame, decode_relay_frame, encode};
    use tokio::net::TcpStream;
    use tokio_tungstenite::WebSocketStream;
    use tokio_tungstenite::tungstenite::Message as WsMessage;

    type Ws = WebSocketStream<TcpStream>;
    /// Frames to send: a writer task of its own sends them, so reading
    /// never waits for writing (as a browser's WebSocket buffers what is
    /// sent).
    type Tx = tokio::sync::mpsc::UnboundedSender<String>;
    type Rx = SplitStream<Ws>;

    /// Honest nodes per scenario.
    const HONEST: usize = 3;
    /// Nonces each honest node hashes a second.
    const HASHES_PER_SECOND: u64 = 65_536;
    /// The easiest target, and the first: 2^15 hashes a block, so three
    /// nodes find about six blocks a second, below the 10 a second the
    /// retarget rule aims for; the difficulty stays pinned here.
    const ZERO_BITS: u32 = 15;
    /// Warm-up before the measured window.
    const WARM_UP: Duration = Duration::from_secs(3);

    /// Every scenario, in order; `none` is the baseline.
    pub const SCENARIOS: [&str; 14] = [
        "none",
        "hello",
        "empty_batches",
        "orphans",
        "fat_orphans",
        "siblings",
        "wide_transfers",
        "bad_pool",
        "ban_evasion",
        "flood",
        "sockets",
        "sybil_fill",
        "sample_flood",
        "churn",
    ];
    /// Connections of the sybil fill: 16 subnets × 64 (each address's
    /// most), half in the honest room (500 places), half in two rooms of
    /// their own, so the room and the relay's 1,000 places are full.
    const SYBIL_SUBNETS: u8 = 16;
    const SYBIL_PER_SUBNET: usize = 64;
    use tabcoin_node::system_now as now;

    fn wallet(seed: u64) -> Wallet {
        let mut secret = [5u8; 32];
        secret[..8].copy_from_slice(&(seed + 1).to_le_bytes());
        Wallet::from_secret(secret).unwrap_or_else(|e| panic!("wallet {seed}: {e}"))
    }

    /// The network of scenario `index`: its own genesis, so its own room.
    fn params(index: usize) -> Params {
        Params {
            name: format!("attack-{index}").into(),
            initial_zero_bits: ZERO_BITS,
            pow_limit_zero_bits: ZERO_BITS,
            mine_rate_ms: 100,
            ..Params::TEST
        }
    }

    /// Joins `room` from the loopback address `from`: each client its own
    /// address, as on a real network, so the relay's per-address limits
    /// fall on the attacker and not on the honest nodes beside it.
    async fn join(
        url: &str,
        room: &BlockHash,
        from: IpAddr,
    ) -> Option<(Tx, Rx, PeerId, Vec<PeerId>)> {
        join_as(url, room, from, &mut fresh_identity()?).await
    }

    /// A new peer key, no work done yet (the relay's challenge says how
    /// much).
    fn fresh_identity() -> Option<Identity> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let mut secret = [0xa7u8; 32];
        secret[24..].copy_from_slice(
            &NEXT
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                .to_be_bytes(),
        );
        Identity::from_parts(secret, 0).ok()
    }

    /// Joins `room` as `me` (its work kept for the next time).
    async fn join_as(
        url: &str,
        room: &BlockHash,
        from: IpAddr,
        me: &mut Identity,
    ) -> Option<(Tx, Rx, PeerId, Vec<PeerId>)> {
        let host = url.strip_prefix("ws://")?.split('/').next()?;
        let relay: std::net::SocketAddr = host.parse().ok()?;
        let socket = tokio::net::TcpSocket::new_v4().ok()?;
        socket.bind((from, 0).into()).ok()?;
        let stream = socket.connect(relay).await.ok()?;
        let (ws, _) = tokio_tungstenite::client_async(format!("{url}?room={room}"), stream)
            .await
            .ok()?;
        let (mut sink, mut rx) = ws.split();
        while let Some(Ok(frame)) = rx.next().await {
            let WsMessage::Text(t) = frame else { continue };
            if let Ok(RelayFrame::Challenge { challenge, work }) = decode_relay_frame(t.as_str()) {
                let answer = encode(&me.answer(&challenge, work).ok()?);
                sink.send(WsMessage::Text(answer.into())).await.ok()?;
            } else if let Ok(RelayFrame::Welcome { you, peers }) = decode_relay_frame(t.as_str()) {
                let (tx, mut out) = tokio::sync::mpsc::unbounded_channel::<String>();
                tokio::spawn(async move {
                    while let Some(text) = out.recv().await {
                        if sink.send(WsMessage::Text(text.into())).await.is_err() {
                            break;
                        }
                    }
                });
                return Some((tx, rx, you, peers));
            }
        }
        None
    }

    async fn send(tx: &mut Tx, frame: &ClientFrame) -> bool {
        send_text(tx, &encode(frame)).await
    }

    /// Sends a frame encoded once beforehand (an attacker's own CPU is not
    /// what is measured: on this machine it would be taken from the honest
    /// nodes).
    async fn send_text(tx: &mut Tx, text: &str) -> bool {
        tx.send(text.to_owned()).is_ok()
    }

    fn broadcast(msg: &Message) -> ClientFrame {
        ClientFrame::Broadcast { msg: msg.encode() }
    }

    /// One honest node: a thread of its own for the node (as a tab's page)
    /// and one for its miner (as a tab's worker), hashing
    /// `HASHES_PER_SECOND`; publishes its best height in `height` until
    /// `stop` is set.
    fn honest(
        url: String,
        from: IpAddr,
        params: Params,
        seed: u64,
        stop: Arc<AtomicBool>,
        height: Arc<AtomicU64>,
        orphans: Arc<AtomicU64>,
    ) -> std::thread::JoinHandle<()> {
        std::thread::spawn(move || {
            let (jobs, job_rx) = std::sync::mpsc::channel::<Option<(u64, Header)>>();
            let (found_tx, found) = tokio::sync::mpsc::unbounded_channel::<(u64, u64)>();
            let miner_stop = stop.clone();
            let miner = std::thread::spawn(move || mine(&job_rx, &found_tx, &miner_stop));
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("runtime: {e}"));
            rt.block_on(run_honest(
                url, from, params, seed, &stop, &height, &orphans, &jobs, found,
            ));
            stop.store(true, Ordering::Relaxed);
            let _ = miner.join();
        })
    }

    /// The miner: the latest job, `HASHES_PER_SECOND` nonces a second in
    /// slices of 10 ms; a found nonce ends the job.
    fn mine(
        jobs: &std::sync::mpsc::Receiver<Option<(u64, Header)>>,
        found: &tokio::sync::mpsc::UnboundedSender<(u64, u64)>,
        stop: &AtomicBool,
    ) {
        let slice = HASHES_PER_SECOND / 100;
        let mut job: Option<(u64, Header, u64)> = None;
        while !stop.load(Ordering::Relaxed) {
            let started = Instant::now();
            while let Ok(next) = jobs.try_recv() {
                job = next.map(|(id, header)| (id, header, 0));
            }
            if let Some((id, header, next)) = &mut job {
                let from = *next;
                *next += slice;
                if let Some(nonce) = search(header, from..from + slice) {
                    let _ = found.send((*id, nonce));
                    job = None;
                }
            }
            std::thread::sleep(Duration::from_millis(10).saturating_sub(started.elapsed()));
        }
    }

    /// What an honest node runs on: the relay connection's writer, its
    /// miner thread's job, and the peers it banned.
    struct Honest<'a> {
        tx: Tx,
        jobs: &'a std::sync::mpsc::Sender<Option<(u64, Header)>>,
        banned: HashMap<PeerId, Timestamp>,
        closed: bool,
    }

    impl Host for Honest<'_> {
        fn now(&self) -> Timestamp {
            now()
        }
        fn send(&mut self, to: Option<PeerId>, msg: &Message) {
            self.closed |= self.tx.send(encode(&relay_frame(to, msg))).is_err();
        }
        fn mine(&mut self, job: Option<Job>) {
            let _ = self.jobs.send(job.map(|j| (j.id, j.template.header)));
        }
        fn ban(&mut self, peer: PeerId, until: Timestamp) {
            self.banned.insert(peer, until);
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn run_honest(
        url: String,
        from: IpAddr,
        params: Params,
        seed: u64,
        stop: &AtomicBool,
        height: &AtomicU64,
        orphans: &AtomicU64,
        jobs: &std::sync::mpsc::Sender<Option<(u64, Header)>>,
        mut found: tokio::sync::mpsc::UnboundedReceiver<(u64, u64)>,
    ) {
        let mut node = Node::new(Store::new(params), wallet(seed));
        let room = node.store().genesis().hash;
        let Some((tx, mut rx, _, peers)) = join(&url, &room, from).await else {
            eprintln!("attack: honest node {seed} cannot reach the relay");
            return;
        };
        let mut host = Honest {
            tx,
            jobs,
            banned: HashMap::new(),
            closed: false,
        };
        for event in [
            Event::Connected { peers },
            Event::WorkersSet(1),
            Event::VerifiersChanged {
                available: 0,
                loading: 0,
            },
            Event::MiningToggled,
        ] {
            drive(&mut node, &mut host, event);
        }
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        while !stop.load(Ordering::Relaxed) && !host.closed {
            height.store(node.store().height().0, Ordering::Relaxed);
            orphans.fetch_max(node.store().orphan_bytes() as u64, Ordering::Relaxed);
            let event = tokio::select! {
                frame = rx.next() => {
                    let Some(Ok(frame)) = frame else { return };
                    let WsMessage::Text(t) = frame else { continue };
                    match decode_relay_frame(t.as_str()) {
                        Ok(RelayFrame::PeerJoined { peer }) => Event::PeerJoined(peer),
                        Ok(RelayFrame::PeerLeft { peer }) => Event::PeerLeft(peer),
                        Ok(RelayFrame::Deliver { from, msg }) => {
                            // A banned peer's frames are dropped unread, as
                            // the browser shell does.
                            let t = now();
                            host.banned.retain(|_, until| t < *until);
                            if host.banned.contains_key(&from) {
                                continue;
                            }
                            Event::delivered(from, &msg)
                        }
                        _ => continue,
                    }
                }
                Some((job, nonce)) = found.recv() => Event::Miner {
                    worker: 0,
                    report: MinerReport::Found { job, nonce, tried: nonce + 1 },
                },
                _ = tick.tick() => Event::Tick,
                // Looks at `stop` now and then.
                () = tokio::time::sleep(Duration::from_millis(100)) => continue,
            };
            drive(&mut node, &mut host, event);
        }
    }

    /// Follows the honest chain (a passive node) so attacks can build on
    /// its tip.
    struct Follower {
        node: Node,
        host: Answers,
        rx: Rx,
    }

    /// A follower's host: it says hello, then only answers (it passes
    /// nothing on to the room).
    struct Answers {
        tx: Tx,
        broadcasts: bool,
    }

    impl Host for Answers {
        fn now(&self) -> Timestamp {
            now()
        }
        fn send(&mut self, to: Option<PeerId>, msg: &Message) {
            if to.is_some() || self.broadcasts {
                let _ = self.tx.send(encode(&relay_frame(to, msg)));
            }
        }
    }

    impl Follower {
        async fn join(url: &str, params: Params, from: IpAddr) -> Option<Follower> {
            let mut node = Node::new(Store::new(params), wallet(99));
            let room = node.store().genesis().hash;
            let (tx, rx, _, peers) = join(url, &room, from).await?;
            let mut host = Answers {
                tx,
                broadcasts: true,
            };
            drive(&mut node, &mut host, Event::Connected { peers });
            host.broadcasts = false;
            Some(Follower { node, host, rx })
        }

        /// Reads what arrived for `wait`, answering as a node would.
        async fn listen(&mut self, wait: Duration) {
            let end = Instant::now() + wait;
            while let Ok(Some(Ok(frame))) =
                tokio::time::timeout_at(end.into(), self.rx.next()).await
            {
                let WsMessage::Text(t) = frame else { continue };
                let event = match decode_relay_frame(t.as_str()) {
                    Ok(RelayFrame::PeerJoined { peer }) => Event::PeerJoined(peer),
                    Ok(RelayFrame::Deliver { from, msg }) => match Message::decode(&msg) {
                        Ok(msg) => Event::Message { from, msg },
                        Err(_) => continue,
                    },
                    _ => continue,
                };
                drive(&mut self.node, &mut self.host, event);
            }
        }
    }

    /// A block on `parent` (stored in `store`) with `txs` after the reward,
    /// meeting the required target.
    fn block_on(store: &Store, parent: &BlockHash, miner: Address, txs: &[Transaction]) -> Block {
        let Some(ctx) = store.context(parent) else {
            panic!("parent {parent} is stored");
        };
        let height = ctx.parent.height.next();
        let reward_id = TxId::for_reward(parent, height, &miner);
        let mut all = vec![Transaction::reward(
            miner,
            height,
            store.params(),
            reward_id,
        )];
        all.extend_from_slice(txs);
        let header = Header {
            height,
            timestamp: ctx
                .parent
                .timestamp
                .plus_ms(1 + u64::from(miner.as_bytes()[0])),
            prev_hash: *parent,
            tx_root: tx_root(&all),
            bits: ctx.required_target.to_compact(),
            nonce: 0,
        };
        let nonce = search(&header, 0..u64::MAX).unwrap_or_default();
        Block::new(Header { nonce, ..header }, all)
    }

    /// `n` valid transfers from distinct funded senders.
    fn transfers(params: &Params, n: u64, first: u64) -> Vec<Transaction> {
        let network = params.network_id();
        (first..first + n)
            .map(|i| {
                Transaction::new(
                    &wallet(1_000 + i),
                    params.starting_balance,
                    wallet(7).address(),
                    Amount(1),
                    Salt([1; 16]),
                    now(),
                    &network,
                )
                .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect()
    }

    /// 199 signed transfers of 16 outputs each: a fat block's body (with
    /// its reward, the most a block holds).
    fn fat_transfers(params: &Params) -> Vec<Transaction> {
        let network = params.network_id();
        (0..199u64)
            .filter_map(|i| {
                let sender = wallet(30_000 + i);
                let to = |o: u64| wallet(90_000 + i * 16 + o).address();
                let mut t = Transaction::new(
                    &sender,
                    params.starting_balance,
                    to(0),
                    Amount(1),
                    Salt([2; 16]),
                    now(),
                    &network,
                )
                .ok()?;
                for o in 1..16 {
                    t.update(&sender, to(o), Amount(1), now(), &network).ok()?;
                }
                Some(t)
            })
            .collect()
    }

    /// A block on an unknown `parent` holding `txs`, at the easiest target.
    fn orphan_on(params: &Params, parent: BlockHash, miner: Address, txs: &[Transaction]) -> Block {
        let id = TxId::for_reward(&parent, Height(5), &miner);
        let mut all = vec![Transaction::reward(miner, Height(5), params, id)];
        all.extend_from_slice(txs);
        let header = Header {
            height: Height(5),
            timestamp: now(),
            prev_hash: parent,
            tx_root: tx_root(&all),
            bits: params.pow_limit().to_compact(),
            nonce: 0,
        };
        let nonce = search(&header, 0..u64::MAX).unwrap_or_default();
        Block::new(Header { nonce, ..header }, all)
    }

    /// An attacker address of its own /24 (`k` of eight), beside `me`.
    fn near(me: IpAddr, k: u8) -> IpAddr {
        match me {
            IpAddr::V4(v4) => {
                let [_, _, c, _] = v4.octets();
                IpAddr::from([127, 40 + k, c, 1])
            }
            IpAddr::V6(_) => me,
        }
    }

    /// Keys for the sybil fill, each with the work the relay asks (what a
    /// sybil pays; timed by the caller).
    fn sybil_keys(n: usize) -> Vec<Identity> {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let per = n.div_ceil(threads);
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                std::thread::spawn(move || {
                    (t * per..((t + 1) * per).min(n))
                        .filter_map(|i| {
                            let mut secret = [0x5bu8; 32];
                            secret[24..].copy_from_slice(&(i as u64 + 1).to_be_bytes());
                            Identity::generate(secret, tabcoin_protocol::identity::DEFAULT_KEY_WORK)
                                .ok()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    }

    /// Joins as a new tab from `from` while the attack goes on, and follows
    /// the room until it holds `height`: how long that took (None: not
    /// within 10 s).
    async fn newcomer(url: &str, params: Params, from: IpAddr, height: u64) -> Option<Duration> {
        let started = Instant::now();
        let mut tab = Follower::join(url, params, from).await?;
        while started.elapsed() < Duration::from_secs(10) {
            if tab.node.store().height().0 >= height {
                return Some(started.elapsed());
            }
            tab.listen(Duration::from_millis(20)).await;
        }
        None
    }

    /// Resident memory of this process, in KiB.
    fn rss_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    /// Plays `scenario` until `stop`; counts the frames it sent.
    async fn attack(
        scenario: &str,
        url: String,
        me: IpAddr,
        params: Params,
        stop: Arc<AtomicBool>,
        frames: Arc<AtomicU64>,
        sybil_keys: Vec<Identity>,
    ) {
        let network = params.network_id();
        let lie = Message::Hello {
            version: PROTOCOL_VERSION,
            network,
            tip: BlockHash([9; 32]),
            height: Height(1_000_000),
            work: Work(u128::MAX / 2),
        };
        let count = || frames.fetch_add(1, Ordering::Relaxed);
        let running = || !stop.load(Ordering::Relaxed);
        match scenario {
            "hello" => {
                let Some((mut tx, _rx, ..)) = join(&url, &network, me).await else {
                    return;
                };
                while running() {
                    send(&mut tx, &broadcast(&lie)).await;
                    count();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            "empty_batches" => {
                let Some((mut tx, mut rx, ..)) = join(&url, &network, me).await else {
                    return;
                };
                let mut last_hello = Instant::now() - Duration::from_secs(10);
                while running() {
                    if last_hello.elapsed() >= Duration::from_secs(3) {
                        last_hello = Instant::now();
                        send(&mut tx, &broadcast(&lie)).await;
                        count();
                    }
                    let Ok(Some(Ok(WsMessage::Text(t)))) =
                        tokio::time::timeout(Duration::from_millis(100), rx.next()).await
                    else {
                        continue;
                    };
                    if let Ok(RelayFrame::Deliver { from, msg }) = decode_relay_frame(t.as_str())
                        && let Ok(Message::GetBlocks { .. }) = Message::decode(&msg)
                    {
                        let empty = Message::Blocks {
                            blocks: Vec::new(),
                            more: true,
                        };
                        let to = ClientFrame::Direct {
                            to: from,
                            msg: empty.encode(),
                        };
                        send(&mut tx, &to).await;
                        count();
                    }
                }
            }
            "orphans" => {
                let Some((mut tx, _rx, ..)) = join(&url, &network, me).await else {
                    return;
                };
                let miner = wallet(66).address();
                let mut n = 0u8;
                while running() {
                    // An unknown parent: only the block's own proof is checked.
                    n = n.wrapping_add(1);
                    let parent = BlockHash([n; 32]);
                    let id = TxId::for_reward(&parent, Height(5), &miner);
                    let reward = Transaction::reward(miner, Height(5), &params, id);
                    let header = Header {
                        height: Height(5),
                        timestamp: now(),
                        prev_hash: parent,
                        tx_root: tx_root(std::slice::from_ref(&reward)),
                        bits: params.pow_limit().to_compact(),
                        nonce: 0,
                    };
                    let nonce = search(&header, 0..u64::MAX).unwrap_or_default();
                    let block = Block::new(Header { nonce, ..header }, vec![reward]);
                    send(&mut tx, &broadcast(&Message::Block { block })).await;
                    count();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            "siblings" => {
                let Some(mut follower) = Follower::join(&url, params.clone(), me).await else {
                    return;
                };
                let mut first = 0;
                while running() {
                    follower.listen(Duration::from_millis(200)).await;
                    let store = follower.node.store();
                    let Some(parent) = store.tip().header.height.0.checked_sub(1) else {
                        continue;
                    };
                    let Some(parent) = store.block_at(Height(parent)).map(|b| b.hash) else {
                        continue;
                    };
                    let txs = transfers(&params, 199, first);
                    first += 199;
                    let miner = wallet(200 + first).address();
                    let block = block_on(store, &parent, miner, &txs);
                    let frame = broadcast(&Message::Block { block });
                    send(&mut follower.host.tx, &frame).await;
                    count();
                }
            }
            "wide_transfers" => {
                // One transfer to 12,000 distinct addresses: refused while
                // its outputs are read (64 at most).
                let outputs: std::collections::BTreeMap<Address, Amount> = (0..12_000u64)
                    .map(|i| (wallet(50_000 + i).address(), Amount(1)))
                    .collect();
                let mut body = transfers(&params, 1, 0)
                    .first()
                    .map(|t| serde_json::to_value(t).unwrap_or_default())
                    .unwrap_or_default();
                body["outputs"] = serde_json::to_value(&outputs).unwrap_or_default();
                let msg = format!("{{\"type\":\"transaction\",\"tx\":{body}}}");
                let frame = format!(
                    "{{\"type\":\"broadcast\",\"msg\":{}}}",
                    serde_json::json!(msg)
                );
                let Some((mut tx, _rx, ..)) = join(&url, &network, me).await else {
                    return;
                };
                while running() {
                    if !send_text(&mut tx, &frame).await {
                        let Some(again) = join(&url, &network, me).await else {
                            return;
                        };
                        tx = again.0;
                    }
                    count();
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            "bad_pool" | "ban_evasion" => {
                let me_addr = me;
                // 1,000 transfers with broken signatures, unasked, from a
                // fresh connection every 100 ms.
                let mut txs = transfers(&params, 1_000, 5_000);
                for t in &mut txs {
                    let mut v = serde_json::to_value(&*t).unwrap_or_default();
                    if let Some(sig) = v["input"]["signature"].as_str() {
                        let flipped: String = sig
                            .chars()
                            .enumerate()
                            .map(|(i, c)| {
                                if i == 10 {
                                    if c == '0' { '1' } else { '0' }
                                } else {
                                    c
                                }
                            })
                            .collect();
                        v["input"]["signature"] = serde_json::Value::String(flipped);
                    }
                    if let Ok(bad) = serde_json::from_value(v) {
                        *t = bad;
                    }
                }
                let frame = encode(&broadcast(&Message::Pool { txs }));
                // The same key each time (its id, and its ban, follow it),
                // or a new one (its work paid each time).
                let mut kept = fresh_identity();
                while running() {
                    let joined = match (scenario, kept.as_mut()) {
                        ("ban_evasion", Some(key)) => join_as(&url, &network, me_addr, key).await,
                        _ => join(&url, &network, me_addr).await,
                    };
                    if let Some((mut tx, ..)) = joined {
                        send_text(&mut tx, &frame).await;
                        count();
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            "flood" => {
                let get = encode(&broadcast(&Message::GetBlocks {
                    locator: vec![network],
                }));
                // Five connections sending as fast as they can; one the
                // relay drops is replaced at once.
                let mut senders: Vec<Tx> = Vec::new();
                while running() {
                    while senders.len() < 5 {
                        match join(&url, &network, me).await {
                            Some((tx, ..)) => senders.push(tx),
                            None => {
                                tokio::time::sleep(Duration::from_millis(10)).await;
                                break;
                            }
                        }
                    }
                    let mut open = Vec::new();
                    for mut tx in senders.drain(..) {
                        if send_text(&mut tx, &get).await {
                            count();
                            open.push(tx);
                        }
                    }
                    senders = open;
                    // About 1,000 frames a second per connection: five
                    // times what the relay lets one tab send.
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            "fat_orphans" => {
                // Blocks of 199 signed transfers of 16 outputs each (about
                // 300 KB), cheap proof, unknown parents: each from a fresh
                // key (its work paid each time) on eight addresses in turn,
                // 20 a second, so no one sender's budget stops them.
                let fat = fat_transfers(&params);
                let miner = wallet(67).address();
                let mut n = 0u32;
                while running() {
                    n += 1;
                    let mut parent = [7u8; 32];
                    parent[..4].copy_from_slice(&n.to_le_bytes());
                    let block = orphan_on(&params, BlockHash(parent), miner, &fat);
                    let from = near(me, (n % 8) as u8);
                    if let Some((mut tx, ..)) = join(&url, &network, from).await {
                        send(&mut tx, &broadcast(&Message::Block { block })).await;
                        count();
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            "sybil_fill" => {
                // Every key paid beforehand (`sybil_keys`): the fill is
                // what the connections do, not the work.
                let octets = match me {
                    IpAddr::V4(v4) => v4.octets(),
                    IpAddr::V6(_) => [127, 2, 0, 1],
                };
                let mut keys = sybil_keys.into_iter().cycle();
                let mut held = Vec::new();
                'fill: for k in 0..SYBIL_SUBNETS {
                    let from = IpAddr::from([127, 10 + k, octets[2], 1]);
                    let room = if k < SYBIL_SUBNETS / 2 {
                        network
                    } else {
                        BlockHash([0xb0 + k % 2; 32])
                    };
                    for _ in 0..SYBIL_PER_SUBNET {
                        if !running() {
                            break 'fill;
                        }
                        let Some(mut key) = keys.next() else {
                            break 'fill;
                        };
                        if let Some(conn) = join_as(&url, &room, from, &mut key).await {
                            held.push(conn);
                        }
                        count();
                    }
                }
                eprintln!("attack: the sybils hold {} places", held.len());
                while running() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                drop(held);
            }
            "sample_flood" => {
                // Eight addresses × eight connections, each asking samples
                // at 190 a second (under the frame rate a connection may).
                let ask = encode(&ClientFrame::Sample { max: 32 });
                let mut askers: Vec<Tx> = Vec::new();
                for k in 0..8u8 {
                    for _ in 0..8 {
                        if let Some((tx, ..)) = join(&url, &network, near(me, k)).await {
                            askers.push(tx);
                        }
                    }
                }
                while running() {
                    let started = Instant::now();
                    for tx in &mut askers {
                        for _ in 0..19 {
                            send_text(tx, &ask).await;
                            count();
                        }
                    }
                    tokio::time::sleep(
                        Duration::from_millis(100).saturating_sub(started.elapsed()),
                    )
                    .await;
                }
            }
            "churn" => {
                // Eight addresses: each opens connections to the room and
                // closes them at once, as fast as it may, and its other
                // connections join and leave the room in a loop.
                let join_frame = encode(&ClientFrame::Join {
                    room: network.to_string(),
                });
                let leave_frame = encode(&ClientFrame::Leave {
                    room: network.to_string(),
                });
                let private = BlockHash([0xc5; 32]);
                let mut churners: Vec<(IpAddr, Tx)> = Vec::new();
                let mut k = 0u8;
                while running() {
                    k = (k + 1) % 8;
                    let from = near(me, k);
                    if let Some((tx, ..)) = join(&url, &network, from).await {
                        count();
                        drop(tx);
                    }
                    if churners.len() < 64
                        && let Some((tx, ..)) = join(&url, &private, from).await
                    {
                        churners.push((from, tx));
                    }
                    let mut open = Vec::new();
                    for (from, mut tx) in churners.drain(..) {
                        let joined = send_text(&mut tx, &join_frame).await;
                        if joined && send_text(&mut tx, &leave_frame).await {
                            count();
                            count();
                            open.push((from, tx));
                        }
                    }
                    churners = open;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            "sockets" => {
                // Idle sockets in a private room, as many as the relay takes.
                let private = BlockHash([0xab; 32]);
                let mut idle = Vec::new();
                for _ in 0..1_000 {
                    if !running() {
                        break;
                    }
                    match join(&url, &private, me).await {
                        Some(conn) => idle.push(conn),
                        None => tokio::time::sleep(Duration::from_millis(5)).await,
                    }
                    count();
                }
                while running() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                drop(idle);
            }
            _ => {}
        }
    }

    /// CPU time the relay used so far, in ms (utime + stime).
    fn relay_cpu_ms(pid: u32) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Fields after the command's closing parenthesis; utime and stime
        // are the 14th and 15th of the whole line.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (ticks(11) + ticks(12)) * 10.0
    }

    #[tokio::main(flavor = "current_thread")]
    pub async fn main() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let url = args
            .first()
            .cloned()
            .unwrap_or_else(|| "ws://127.0.0.1:8080/ws".into());
        let pid: u32 = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(0);
        let seconds: u64 = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(20);
        let chosen: Vec<&str> = if args.len() > 3 {
            args[3..].iter().map(String::as_str).collect()
        } else {
            SCENARIOS.to_vec()
        };
        for (index, scenario) in SCENARIOS.iter().enumerate() {
            if !chosen.contains(scenario) {
                continue;
            }
            let params = params(index);
            // What the sybils pay for their keys, before anything runs.
            let keys_started = Instant::now();
            let keys = if *scenario == "sybil_fill" {
                sybil_keys(usize::from(SYBIL_SUBNETS / 2) * SYBIL_PER_SUBNET)
            } else {
                Vec::new()
            };
            let keys_ms = keys_started.elapsed().as_millis();
            let stop = Arc::new(AtomicBool::new(false));
            let heights: Vec<Arc<AtomicU64>> =
                (0..HONEST).map(|_| Arc::new(AtomicU64::new(0))).collect();
            let orphans = Arc::new(AtomicU64::new(0));
            let threads: Vec<_> = (0..HONEST)
                .map(|i| {
                    honest(
                        url.clone(),
                        IpAddr::from([127, 1, index as u8, 10 + i as u8]),
                        params.clone(),
                        i as u64,
                        stop.clone(),
                        heights[i].clone(),
                        orphans.clone(),
                    )
                })
                .collect();
            tokio::time::sleep(Duration::from_millis(500)).await;
            let frames = Arc::new(AtomicU64::new(0));
            let attacker = tokio::spawn(attack(
                scenario,
                url.clone(),
                IpAddr::from([127, 2, index as u8, 1]),
                params.clone(),
                stop.clone(),
                frames.clone(),
                keys,
            ));
            tokio::time::sleep(WARM_UP).await;
            let best = {
                let heights = heights.clone();
                move || {
                    heights
                        .iter()
                        .map(|h| h.load(Ordering::Relaxed))
                        .max()
                        .unwrap_or(0)
                }
            };
            let (start_height, start_frames, start_cpu) =
                (best(), frames.load(Ordering::Relaxed), relay_cpu_ms(pid));
            let (start_rss, start_orphans) = (rss_kib(), orphans.load(Ordering::Relaxed));
            let started = Instant::now();
            // A new tab, on a thread of its own as in a browser of its
            // own, joins midway and follows the honest chain.
            let joiner = {
                let (url, params, best) = (url.clone(), params.clone(), best.clone());
                let from = IpAddr::from([127, 1, index as u8, 50]);
                let midway = Duration::from_secs(seconds / 2);
                std::thread::spawn(move || {
                    std::thread::sleep(midway);
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    rt.block_on(newcomer(&url, params, from, best()))
                })
            };
            let mut peak_rss = start_rss;
            while started.elapsed() < Duration::from_secs(seconds) {
                tokio::time::sleep(Duration::from_millis(250)).await;
                peak_rss = peak_rss.max(rss_kib());
            }
            let secs = started.elapsed().as_secs_f64();
            let blocks = best().saturating_sub(start_height);
            let sent = frames.load(Ordering::Relaxed) - start_frames;
            let cpu = relay_cpu_ms(pid) - start_cpu;
            stop.store(true, Ordering::Relaxed);
            let _ = attacker.await;
            for t in threads {
                let _ = t.join();
            }
            // -1: the new tab did not catch up within 10 s.
            let join_ms = joiner
                .join()
                .ok()
                .flatten()
                .map_or(-1, |d| d.as_millis() as i64);
            let rss = peak_rss.saturating_sub(start_rss);
            let orphan_kib = orphans.load(Ordering::Relaxed).max(start_orphans) / 1024;
            println!(
                "scenario {scenario} blocks {blocks} seconds {secs:.2} frames {sent} relay_cpu_ms {cpu:.0} join_ms {join_ms} rss_growth_kib {rss} orphan_kib {orphan_kib} keys_ms {keys_ms}"
            );
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main();
}

#[cfg(target_arch = "wasm32")]
fn main() {}

//! Native peers holding a long chain, for the sync benchmark (`cargo xtask
//! bench`): builds a `test`-network chain of `BLOCKS` blocks with `TXS`
//! signed transactions in each, joins the relay's room `PEERS` times (1 by
//! default), each a node the tabs run (`Node`) with its own copy of the
//! chain, prints `ready <height> <tip hash> <address>` (an address with a
//! long history) and serves blocks to whoever asks until its standard
//! input closes.
//!
//! `cargo run --release --example sync_peer -- ws://127.0.0.1:8080/ws 2000 10 [PEERS]`

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::io::Read;

    use futures_util::{SinkExt, StreamExt};
    use tabcoin_chain::pow::search;
    use tabcoin_chain::{
        Amount, Params, Pool, Salt, Store, Template, Timestamp, Transaction, Wallet,
    };
    use tabcoin_node::{Event, Host, Message, Node, drive, relay_frame};
    use tabcoin_protocol::identity::Identity;
    use tabcoin_protocol::{PeerId, RelayFrame, decode_relay_frame, encode};
    use tokio_tungstenite::tungstenite::Message as WsMessage;

    const P: Params = Params::TEST;
    /// Wallets taking turns to send.
    const SENDERS: u64 = 100;
    use tabcoin_node::system_now as now;

    fn wallet(seed: u64) -> Wallet {
        let mut secret = [7u8; 32];
        secret[..8].copy_from_slice(&(seed + 1).to_le_bytes());
        Wallet::from_secret(secret).unwrap_or_else(|e| panic!("wallet {seed}: {e}"))
    }

    /// `copies` stores of `blocks` blocks one `mine_rate` apart ending before
    /// now, each with `txs` transactions of 1 coin between the rotating
    /// senders (the copies take each block with its signatures vouched for).
    fn build(blocks: u64, txs: u64, copies: usize) -> Vec<Store> {
        let mut store = Store::new(P);
        let mut copies: Vec<Store> = (1..copies).map(|_| Store::new(P)).collect();
        let wallets: Vec<Wallet> = (0..SENDERS).map(wallet).collect();
        let miner = wallet(SENDERS).address();
        let start = now().0 - (blocks + 1) * P.mine_rate_ms;
        let mut id = 0u128;
        let network = store.genesis().hash;
        for b in 1..=blocks {
            let t = Timestamp(start + b * P.mine_rate_ms);
            let mut pool = Pool::new();
            for i in 0..txs {
                let from = &wallets[((b * txs + i) % SENDERS) as usize];
                let to = wallets[((b * txs + i + 1) % SENDERS) as usize].address();
                let balance = store.ledger().balance(&from.address());
                id += 1;
                let tx = Transaction::new(
                    from,
                    balance,
                    to,
                    Amount(1),
                    Salt(id.to_le_bytes()),
                    t,
                    &network,
                )
                .unwrap_or_else(|e| panic!("{e}"));
                store
                    .add_to_pool(&mut pool, tx)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            let template = Template::new(&store, &pool, miner, t);
            let nonce = search(&template.header, 0..u64::MAX).unwrap_or_default();
            let block = template.into_block(nonce);
            for copy in &mut copies {
                for tx in &block.data {
                    copy.sigs.vouch(tx.hash());
                }
                copy.accept(block.clone(), now())
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            store.accept(block, now()).unwrap_or_else(|e| panic!("{e}"));
        }
        copies.insert(0, store);
        copies
    }

    #[tokio::main(flavor = "current_thread")]
    pub async fn main() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let url = args
            .first()
            .cloned()
            .unwrap_or_else(|| "ws://127.0.0.1:8080/ws".into());
        let number =
            |i: usize, default: u64| args.get(i).and_then(|v| v.parse().ok()).unwrap_or(default);
        let copies = number(3, 1).max(1) as usize;
        let stores = build(number(1, 2000), number(2, 10), copies);
        let (height, tip, room) = (
            stores[0].height(),
            stores[0].tip().hash,
            stores[0].genesis().hash,
        );
        let url = format!("{url}?room={room}");
        let mut peers = Vec::new();
        for (i, store) in (0u8..).zip(stores) {
            let (ws, _) = tokio_tungstenite::connect_async(&url)
                .await
                .unwrap_or_else(|e| panic!("cannot reach {url}: {e}"));
            // One identity per copy, the same each run.
            let me = Identity::from_parts([0x5e ^ i; 32], 0).expect("a valid secret");
            peers.push(tokio::spawn(serve(
                ws,
                Node::new(store, wallet(SENDERS)),
                me,
            )));
        }
        println!("ready {height} {tip} {}", wallet(0).address());
        // Serve until standard input closes (the benchmark ends).
        tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new()))
            .await
            .ok();
        for peer in peers {
            peer.abort();
        }
    }

    /// The sync peer's host: a clock, and the frames for the relay.
    #[derive(Default)]
    struct Frames(Vec<String>);

    impl Host for Frames {
        fn now(&self) -> Timestamp {
            now()
        }
        fn send(&mut self, to: Option<PeerId>, msg: &Message) {
            self.0.push(encode(&relay_frame(to, msg)));
        }
    }

    /// One peer: the relay's frames to its node, the node's frames back.
    async fn serve(
        ws: tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
        mut node: Node,
        mut me: Identity,
    ) {
        let (mut sink, mut stream) = ws.split();
        let mut frames = Frames::default();
        while let Some(frame) = stream.next().await {
            match frame {
                Ok(WsMessage::Text(t)) => match decode_relay_frame(t.as_str()) {
                    Ok(RelayFrame::Challenge { challenge, work }) => {
                        match me.answer(&challenge, work) {
                            Ok(answer) => frames.0.push(encode(&answer)),
                            Err(e) => {
                                eprintln!("sync_peer: cannot answer the relay: {e}");
                                return;
                            }
                        }
                    }
                    Ok(RelayFrame::Error { reason, .. }) => {
                        eprintln!("sync_peer: the relay refused a frame: {reason}");
                        continue;
                    }
                    Ok(frame) => match Event::from_relay(frame) {
                        Some(event) => {
                            drive(&mut node, &mut frames, event);
                        }
                        None => continue,
                    },
                    Err(e) => {
                        eprintln!("sync_peer: bad frame from the relay: {e}");
                        continue;
                    }
                },
                Ok(_) => continue,
                Err(_) => return,
            };
            for text in std::mem::take(&mut frames.0) {
                if sink.send(WsMessage::Text(text.into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main();
}

#[cfg(target_arch = "wasm32")]
fn main() {}

//! Sync over real sockets, natively: the node (`Node`) and the protocol,
//! driven through a real relay on 127.0.0.1 by a minimal native shell.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tabcoin_chain::pow::search;
use tabcoin_chain::{Block, BlockHash, Height, Params, Pool, Store, Template, Timestamp, Wallet};
use tabcoin_node::{Event, Host, Job, Message, MinerReport, Node, drive, relay_frame};
use tabcoin_protocol::identity::Identity;
use tabcoin_protocol::{PeerId, RelayFrame, decode_relay_frame, encode};
use tabcoin_relay::{Config, serve};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message as WsMessage;

const P: Params = Params::TEST;
use tabcoin_node::system_now as now;

fn wallet(seed: u8) -> Wallet {
    Wallet::from_secret([seed; 32]).unwrap_or_else(|_| panic!("valid seed"))
}

/// Mines `n` blocks on `store`'s tip, one `mine_rate` apart, ending before now.
fn extend(store: &mut Store, n: u64, miner: u8) {
    let pool = Pool::new();
    let start = now()
        .0
        .saturating_sub((n + 1) * P.mine_rate_ms)
        .max(store.tip().header.timestamp.0);
    for i in 1..=n {
        let t = Timestamp(start + i * P.mine_rate_ms);
        let template = Template::new(store, &pool, wallet(miner).address(), t);
        let nonce = search(&template.header, 0..u64::MAX).unwrap_or_default();
        store
            .accept(template.into_block(nonce), now())
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The node event a relay frame stands for.
fn event_of(frame: RelayFrame) -> Event {
    match frame {
        RelayFrame::Error { reason, .. } => panic!("the relay refused a frame: {reason}"),
        RelayFrame::Sample { .. } => panic!("no sample was asked for"),
        frame => Event::from_relay(frame).expect("a node event"),
    }
}

enum Cmd {
    Mine(oneshot::Sender<Block>),
    Tip(oneshot::Sender<(Height, BlockHash)>),
}

/// The tab's host: a clock, the frames for the relay, the miners' job.
#[derive(Default)]
struct Shell {
    frames: Vec<String>,
    job: Option<Job>,
}

impl Host for Shell {
    fn now(&self) -> Timestamp {
        now()
    }
    fn send(&mut self, to: Option<PeerId>, msg: &Message) {
        self.frames.push(encode(&relay_frame(to, msg)));
    }
    fn mine(&mut self, job: Option<Job>) {
        self.job = job;
    }
}

/// A tab: the app's `Node` on a real WebSocket; counts the bytes it sends.
struct Tab {
    cmds: mpsc::Sender<Cmd>,
    sent: Arc<AtomicU64>,
}

impl Tab {
    async fn open(url: &str, store: Store, seed: u8) -> Tab {
        let room = store.genesis().hash;
        let (ws, _) = tokio_tungstenite::connect_async(format!("{url}?room={room}"))
            .await
            .expect("connect");
        let (cmds, mut rx) = mpsc::channel::<Cmd>(8);
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        let mut node = Node::new(store, wallet(seed));
        let mut me = Identity::from_parts([seed; 32], 0).expect("a valid secret");
        tokio::spawn(async move {
            let (mut sink, mut stream) = ws.split();
            let mut shell = Shell::default();
            loop {
                tokio::select! {
                    frame = stream.next() => match frame {
                        Some(Ok(WsMessage::Text(t))) => match decode_relay_frame(t.as_str()) {
                            Ok(RelayFrame::Challenge { challenge, work }) => {
                                let answer = me.answer(&challenge, work).expect("work within bounds");
                                shell.frames.push(encode(&answer));
                            }
                            Ok(f) => {
                                drive(&mut node, &mut shell, event_of(f));
                            }
                            Err(e) => panic!("bad frame from the relay: {e}"),
                        },
                        Some(Ok(_)) => continue,
                        _ => return,
                    },
                    cmd = rx.recv() => match cmd {
                        Some(Cmd::Mine(reply)) => {
                            drive(&mut node, &mut shell, Event::MiningToggled);
                            let Some(job) = shell.job.take() else { panic!("no job") };
                            let nonce = search(&job.template.header, 0..u64::MAX).unwrap_or_default();
                            let report = MinerReport::Found { job: job.id, nonce, tried: 1 };
                            drive(&mut node, &mut shell, Event::Miner { worker: 0, report });
                            drive(&mut node, &mut shell, Event::MiningToggled);
                            let _ = reply.send(node.store().tip().clone());
                        }
                        Some(Cmd::Tip(reply)) => {
                            let _ = reply.send((node.store().height(), node.store().tip().hash));
                            continue;
                        }
                        None => return,
                    },
                }
                for text in std::mem::take(&mut shell.frames) {
                    counter.fetch_add(text.len() as u64, Ordering::Relaxed);
                    if sink.send(WsMessage::Text(text.into())).await.is_err() {
                        return;
                    }
                }
            }
        });
        Tab { cmds, sent }
    }

    async fn tip(&self) -> (Height, BlockHash) {
        let (tx, rx) = oneshot::channel();
        self.cmds.send(Cmd::Tip(tx)).await.expect("tab alive");
        rx.await.expect("tab answers")
    }

    async fn mine(&self) -> Block {
        let (tx, rx) = oneshot::channel();
        self.cmds.send(Cmd::Mine(tx)).await.expect("tab alive");
        rx.await.expect("tab answers")
    }

    /// Waits until this tab's tip is `hash`.
    async fn wait_for_tip(&self, hash: BlockHash) {
        for _ in 0..400 {
            if self.tip().await.1 == hash {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("tip never became {hash}: still {:?}", self.tip().await);
    }

    fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

async fn relay() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(serve(listener, Config::default(), std::future::pending()));
    format!("ws://{addr}/ws")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_500_blocks_behind_catches_up_by_locator() {
    let url = relay().await;
    let mut ahead = Store::new(P);
    extend(&mut ahead, 500, 1);
    let tip = ahead.tip().hash;
    let chain_bytes: u64 = ahead
        .main_chain()
        .map(|b| Message::Block { block: b.clone() }.encode().len() as u64)
        .sum();
    // Headers first: every header crosses once before the bodies.
    let header_bytes: u64 = ahead
        .main_chain()
        .map(|b| serde_json::to_string(&b.header).map_or(0, |s| s.len() as u64 + 1))
        .sum();
    let a = Tab::open(&url, ahead, 1).await;
    let b = Tab::open(&url, Store::new(P), 2).await;
    b.wait_for_tip(tip).await;
    assert_eq!(b.tip().await.0, Height(500));
    // The chain and its headers crossed the wire about once: no
    // full-chain resends.
    assert!(
        a.bytes_sent() < (chain_bytes + header_bytes) * 12 / 10,
        "{} bytes for a {chain_bytes} byte chain and {header_bytes} bytes of headers",
        a.bytes_sent(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_on_a_fork_with_less_work_reorganises() {
    let url = relay().await;
    let mut common = Store::new(P);
    extend(&mut common, 10, 1);
    let base: Vec<Block> = common.main_chain().cloned().collect();
    let mut longer = Store::from_blocks(P, base.clone(), now()).unwrap_or_else(|e| panic!("{e}"));
    extend(&mut longer, 6, 1);
    let mut shorter = Store::from_blocks(P, base, now()).unwrap_or_else(|e| panic!("{e}"));
    extend(&mut shorter, 3, 2);
    assert!(longer.total_work() > shorter.total_work());
    let (tip, fork_tip) = (longer.tip().hash, shorter.tip().hash);
    let b = Tab::open(&url, shorter, 2).await;
    assert_eq!(b.tip().await.1, fork_tip);
    let a = Tab::open(&url, longer, 1).await;
    b.wait_for_tip(tip).await;
    assert_eq!(
        a.tip().await.1,
        tip,
        "the peer with more work keeps its chain"
    );
}

/// Bytes all tabs send for one new block, once the network is in step at
/// `height`.
async fn bytes_per_new_block(height: u64) -> u64 {
    let url = relay().await;
    let mut store = Store::new(P);
    extend(&mut store, height, 1);
    let blocks: Vec<Block> = store.main_chain().cloned().collect();
    let copy = Store::from_blocks(P, blocks, now()).unwrap_or_else(|e| panic!("{e}"));
    let tip = store.tip().hash;
    let a = Tab::open(&url, store, 1).await;
    let b = Tab::open(&url, copy, 2).await;
    let c = Tab::open(&url, Store::new(P), 3).await;
    c.wait_for_tip(tip).await;
    // In step, and every tab announced to the room (the relay announces a
    // tab once it has stayed a moment): what a block costs from then on.
    tokio::time::sleep(Config::default().announce_after + Duration::from_millis(300)).await;
    let before = a.bytes_sent() + b.bytes_sent() + c.bytes_sent();
    let block = a.mine().await;
    b.wait_for_tip(block.hash).await;
    c.wait_for_tip(block.hash).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.bytes_sent() + b.bytes_sent() + c.bytes_sent() - before
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_per_new_block_do_not_grow_with_the_chain() {
    let at_100 = bytes_per_new_block(100).await;
    let at_1000 = bytes_per_new_block(1000).await;
    // The block travels alone; only its height's digits and the miner's
    // timestamp can differ.
    assert!(
        at_1000.abs_diff(at_100) <= 16,
        "{at_100} bytes at height 100, {at_1000} at 1000"
    );
}

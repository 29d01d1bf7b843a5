//! `cargo xtask bench mesh`, simulated part: N tabs (default 1,000), each
//! running the room composition that ships (`tabcoin_mesh::Room`: link
//! policy, handshakes, gossip, paths), join a simulated relay one every
//! 30 ms and settle for a minute (signals through the relay, 5 % of them
//! lost); then random tabs mine 50 blocks, one every 2 s, spread as the
//! tabs spread them (pushed to the miner's neighbours, then announced by
//! id and fetched; 20–200 ms each way, nothing lost on links, as data
//! channels are reliable; the relay forwards a linked tab's blocks only to
//! tabs that are not linked). Prints `key value` lines: the time for a
//! block to reach every tab (median and 99th percentile), the same over
//! the relay alone (modelled as two 20–200 ms hops, the relay's own
//! sending time left out), bodies received per tab per block, the relay's
//! chain bytes per block, and the degrees. Then the same network and
//! blocks again while strangers hold link slots: 10 ids that never
//! complete a link, fresh ones every 9.5 s, each offering links to 20
//! random tabs every 500 ms; the same figures, prefixed `held_`, and how
//! many offers the tabs answered.
//!
//! `cargo run --release -p tabcoin-mesh --example mesh_sim [TABS] [BLOCKS]`

use tabcoin_mesh::PeerId;
use tabcoin_mesh::sim::tabs::Tabs;
use tabcoin_mesh::sim::{Rng, latency};

fn percentile(sorted: &[u64], p: usize) -> u64 {
    let i = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted.get(i).copied().unwrap_or(0)
}

/// Stranger ids offering links at once, taking fresh ids every
/// [`FRESH_IDS_MS`]: the slot-holding attack.
const STRANGERS: u64 = 10;
const FRESH_IDS_MS: u64 = 9_500;
/// Every this often, each stranger offers links to this many tabs.
const OFFER_EVERY_MS: u64 = 500;
const OFFERS_EACH: u64 = 20;

/// What one run measured.
struct Run {
    degree_min: usize,
    degree_max: usize,
    /// Every tab reaches every other over direct links, at the end.
    connected: bool,
    everywhere: usize,
    mesh: Vec<u64>,
    bodies_per_tab_per_block: f64,
    relay_bytes_per_block: f64,
    strangers_answered: u64,
}

/// Settles `tabs` tabs, then mines `blocks`, one every 2 s; with `attack`,
/// strangers offer links all along the mining (the tabs' answers go
/// nowhere, holding their pending slots until they give up).
fn run(tabs: u64, blocks: u32, attack: bool) -> Run {
    let mut net = Tabs::new(2026);
    net.settle(tabs, 30);
    let ids: Vec<PeerId> = net.tabs.keys().copied().collect();
    // The degrees as the network settled, before any block or stranger.
    let edges = net.edges();
    let degrees: Vec<usize> = ids
        .iter()
        .map(|id| edges.get(id).map_or(0, |e| e.len()))
        .collect();
    let relay_bytes_before = net.relay_chain_bytes;
    let mut attacker = Rng(77);
    let mut next_offer = net.now;
    for block in 0..blocks {
        let miner = ids[net.rng.below(ids.len() as u64) as usize];
        net.mine(miner, block);
        let until = net.now + 2_000;
        while attack && next_offer < until {
            net.run(next_offer);
            let generation = next_offer / FRESH_IDS_MS;
            for s in 0..STRANGERS {
                let from = 1_000_000 + generation * STRANGERS + s;
                for _ in 0..OFFERS_EACH {
                    let to = ids[attacker.below(ids.len() as u64) as usize];
                    net.stranger_offers(from, to);
                }
            }
            next_offer += OFFER_EVERY_MS;
        }
        net.run(until);
    }
    net.run(net.now + 10_000);
    let reach = net.reach();
    let mut mesh: Vec<u64> = reach.iter().map(|(ms, _)| *ms).collect();
    mesh.sort_unstable();
    let bodies: u32 = net.bodies.values().sum();
    Run {
        degree_min: degrees.iter().min().copied().unwrap_or(0),
        degree_max: degrees.iter().max().copied().unwrap_or(0),
        connected: net.connected(),
        everywhere: reach.iter().filter(|(_, n)| *n == ids.len()).count(),
        mesh,
        bodies_per_tab_per_block: f64::from(bodies) / ((ids.len() - 1) as f64 * f64::from(blocks)),
        relay_bytes_per_block: (net.relay_chain_bytes - relay_bytes_before) as f64
            / f64::from(blocks),
        strangers_answered: net.strangers_answered,
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let tabs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let blocks: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);

    let calm = run(tabs, blocks, false);
    println!("tabs {tabs}");
    println!("connected {}", u8::from(calm.connected));
    println!("degree_min {}", calm.degree_min);
    println!("degree_max {}", calm.degree_max);

    // The same blocks over the relay alone: up to the relay, then down to
    // each tab, each hop 20–200 ms.
    let mut rng = Rng(11);
    let mut relay: Vec<u64> = (0..blocks)
        .map(|_| {
            let up = latency(&mut rng);
            up + (1..tabs).map(|_| latency(&mut rng)).max().unwrap_or(0)
        })
        .collect();
    relay.sort_unstable();

    println!("blocks_everywhere {}", calm.everywhere);
    println!("mesh_reach_p50_ms {}", percentile(&calm.mesh, 50));
    println!("mesh_reach_p99_ms {}", percentile(&calm.mesh, 99));
    println!("relay_reach_p50_ms {}", percentile(&relay, 50));
    println!("relay_reach_p99_ms {}", percentile(&relay, 99));
    println!(
        "bodies_per_tab_per_block {:.3}",
        calm.bodies_per_tab_per_block
    );
    println!(
        "relay_chain_bytes_per_block {:.0}",
        calm.relay_bytes_per_block
    );

    // The same network, the same blocks, while strangers hold link slots.
    let held = run(tabs, blocks, true);
    println!("held_blocks_everywhere {}", held.everywhere);
    println!("held_reach_p50_ms {}", percentile(&held.mesh, 50));
    println!("held_reach_p99_ms {}", percentile(&held.mesh, 99));
    println!("held_connected {}", u8::from(held.connected));
    let offers = (u64::from(blocks) * 2_000).div_ceil(OFFER_EVERY_MS) * STRANGERS * OFFERS_EACH;
    println!("held_stranger_offers {offers}");
    println!("held_strangers_answered {}", held.strangers_answered);
}

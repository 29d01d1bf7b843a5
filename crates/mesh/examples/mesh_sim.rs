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
//! chain bytes per block, and the degrees.
//!
//! `cargo run --release -p tabcoin-mesh --example mesh_sim [TABS] [BLOCKS]`

use tabcoin_mesh::PeerId;
use tabcoin_mesh::sim::tabs::Tabs;
use tabcoin_mesh::sim::{Rng, latency};

fn percentile(sorted: &[u64], p: usize) -> u64 {
    let i = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted.get(i).copied().unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let tabs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let blocks: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);

    let mut net = Tabs::new(2026);
    net.settle(tabs, 30);
    let edges = net.edges();
    let ids: Vec<PeerId> = net.tabs.keys().copied().collect();
    let degrees: Vec<usize> = ids
        .iter()
        .map(|id| edges.get(id).map_or(0, |e| e.len()))
        .collect();
    println!("tabs {tabs}");
    println!("connected {}", u8::from(net.connected()));
    println!("degree_min {}", degrees.iter().min().copied().unwrap_or(0));
    println!("degree_max {}", degrees.iter().max().copied().unwrap_or(0));

    let relay_bytes_before = net.relay_chain_bytes;
    for block in 0..blocks {
        let miner = ids[net.rng.below(ids.len() as u64) as usize];
        net.mine(miner, block);
        net.run(net.now + 2_000);
    }
    net.run(net.now + 10_000);
    let g = &net;
    let reach = g.reach();
    let everywhere = reach.iter().filter(|(_, n)| *n == ids.len()).count();
    let mut mesh: Vec<u64> = reach.iter().map(|(ms, _)| *ms).collect();
    mesh.sort_unstable();

    // The same blocks over the relay alone: up to the relay, then down to
    // each tab, each hop 20–200 ms.
    let mut rng = Rng(11);
    let mut relay: Vec<u64> = (0..blocks)
        .map(|_| {
            let up = latency(&mut rng);
            up + (1..ids.len()).map(|_| latency(&mut rng)).max().unwrap_or(0)
        })
        .collect();
    relay.sort_unstable();

    let bodies: u32 = g.bodies.values().sum();
    let relay_bytes = g.relay_chain_bytes - relay_bytes_before;
    println!("blocks_everywhere {everywhere}");
    println!("mesh_reach_p50_ms {}", percentile(&mesh, 50));
    println!("mesh_reach_p99_ms {}", percentile(&mesh, 99));
    println!("relay_reach_p50_ms {}", percentile(&relay, 50));
    println!("relay_reach_p99_ms {}", percentile(&relay, 99));
    println!(
        "bodies_per_tab_per_block {:.3}",
        f64::from(bodies) / ((ids.len() - 1) as f64 * f64::from(blocks))
    );
    println!(
        "relay_chain_bytes_per_block {:.0}",
        relay_bytes as f64 / f64::from(blocks)
    );
}

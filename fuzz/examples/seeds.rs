//! Writes a seed corpus for every fuzz target under the directory given
//! (`cargo xtask fuzz` runs it first, so the seeds always follow the
//! current rules): valid frames, messages, addresses, stored chains, blocks
//! and transactions of the fixture chain, for the fuzzer to mutate.

use std::path::Path;

use tabcoin_chain::Work;
use tabcoin_fuzz::{PARAMS, fixture, wallet};
use tabcoin_mesh::wire::{self, Routed, Signal};
use tabcoin_node::Message;
use tabcoin_node::message::PROTOCOL_VERSION;
use tabcoin_protocol::identity::{Challenge, Identity};
use tabcoin_protocol::refusal::Refusal;
use tabcoin_protocol::{ClientFrame, RelayFrame, encode};

fn write(dir: &Path, target: &str, seeds: &[Vec<u8>]) -> std::io::Result<()> {
    let dir = dir.join(target);
    std::fs::create_dir_all(&dir)?;
    for (i, seed) in seeds.iter().enumerate() {
        std::fs::write(dir.join(format!("seed-{i:02}")), seed)?;
    }
    Ok(())
}

fn messages() -> Vec<Message> {
    let f = fixture();
    let tip = f.blocks.last().expect("the fixture has blocks");
    vec![
        Message::Hello {
            version: PROTOCOL_VERSION,
            network: PARAMS.network_id(),
            tip: f.next.hash,
            height: f.next.header.height,
            work: Work::ZERO,
        },
        Message::Block {
            block: f.next.clone(),
        },
        Message::GetBlocks {
            locator: vec![tip.hash, f.blocks[0].hash],
        },
        Message::Blocks {
            blocks: vec![f.next.clone()],
            more: true,
        },
        Message::Blocks {
            blocks: f.blocks[1..].to_vec(),
            more: false,
        },
        Message::Transaction {
            tx: f.pending.clone(),
        },
        Message::GetPool,
        Message::Pool {
            txs: vec![f.pending.clone()],
        },
    ]
}

fn main() -> std::io::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fuzz/seeds".into());
    let out = Path::new(&out);
    let f = fixture();
    let msgs = messages();
    let json = |m: &Message| m.encode().as_str().as_bytes().to_vec();

    let mut wire: Vec<Vec<u8>> = msgs.iter().map(json).collect();
    for m in &msgs {
        wire.push(encode(&ClientFrame::Broadcast { msg: m.encode() }).into_bytes());
        wire.push(
            encode(&RelayFrame::Deliver {
                from: 7,
                msg: m.encode(),
            })
            .into_bytes(),
        );
    }
    wire.push(
        encode(&ClientFrame::Direct {
            to: 3,
            msg: msgs[6].encode(),
        })
        .into_bytes(),
    );
    wire.push(
        encode(&RelayFrame::Welcome {
            you: 1,
            peers: vec![2, 3],
        })
        .into_bytes(),
    );
    wire.push(encode(&RelayFrame::PeerJoined { peer: 4 }).into_bytes());
    wire.push(encode(&RelayFrame::PeerLeft { peer: 4 }).into_bytes());
    wire.push(encode(&ClientFrame::Linked { linked: true }).into_bytes());
    wire.push(encode(&ClientFrame::Sample { max: 16 }).into_bytes());
    wire.push(
        encode(&RelayFrame::Sample {
            peers: vec![4, 9, 2],
        })
        .into_bytes(),
    );
    wire.push(encode(&Refusal::Flooding { rate: 200 }.frame()).into_bytes());
    // Proving a peer key to the relay.
    wire.push(
        encode(&RelayFrame::Challenge {
            challenge: Challenge([7; 32]),
            work: 18,
        })
        .into_bytes(),
    );
    if let Ok(me) = Identity::generate([9; 32], 4) {
        wire.push(
            encode(&ClientFrame::Prove {
                proof: me.prove(&Challenge([7; 32])),
            })
            .into_bytes(),
        );
    }
    // Several rooms on one connection.
    wire.push(encode(&ClientFrame::Join { room: "b".into() }).into_bytes());
    wire.push(encode(&ClientFrame::Leave { room: "b".into() }).into_bytes());
    wire.push(
        encode(&ClientFrame::Room {
            room: "b".into(),
            frame: Box::new(ClientFrame::Sample { max: 4 }),
        })
        .into_bytes(),
    );
    wire.push(
        encode(&RelayFrame::Room {
            room: "b".into(),
            frame: Box::new(RelayFrame::PeerLeft { peer: 4 }),
        })
        .into_bytes(),
    );
    // Pieces on a direct link, joined by 0xff as the target cuts them.
    let sender = Identity::from_parts([9; 32], 0).expect("a valid secret");
    let routed = Routed::signed(&sender, 7, Signal::LinkOffer { sdp: "v=0".into() });
    let pieces = [
        vec![wire::PING],
        wire::announce(&[[1; 32]]),
        wire::fetch(&[2; 32]),
        wire::neighbours(&[4, 5, 6]),
        routed.piece().expect("a short signal fits"),
        wire::split(msgs[0].encode().as_str()).concat(),
    ];
    wire.push(pieces.join(&0xff));
    // A link's handshake proving its key (the target reads each piece as a
    // new link's first).
    let hello = wire::LinkHello {
        version: wire::LINK_VERSION,
        network: "fuzz".into(),
        proof: Some(wire::LinkProof::new(&sender, "fuzz", "sha-256 AA", "sha-256 BB")),
    };
    wire.push(hello.piece());
    write(out, "wire", &wire)?;

    let address = wallet(1).address();
    let quoted = serde_json::to_string(&address).expect("an address encodes");
    write(
        out,
        "address",
        &[
            address.to_string().into_bytes(),
            address.to_string().to_uppercase().into_bytes(),
            quoted.into_bytes(),
            address.as_bytes().to_vec(),
        ],
    )?;

    let records: Vec<String> = f
        .blocks
        .iter()
        .map(|b| serde_json::to_string(b).expect("a block encodes"))
        .collect();
    write(
        out,
        "stored_chain",
        &[
            records.join("\n").into_bytes(),
            serde_json::to_vec(&f.blocks).expect("blocks encode"),
        ],
    )?;

    let mut block = vec![0];
    block.extend(serde_json::to_vec(&f.next).expect("a block encodes"));
    let mut tx = vec![1];
    tx.extend(serde_json::to_vec(&f.pending).expect("a transaction encodes"));
    let mut with_transfer = vec![0];
    with_transfer.extend(serde_json::to_vec(&f.blocks[3]).expect("a block encodes"));
    write(out, "validate", &[block, tx, with_transfer])?;

    let mut node = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        if i > 0 {
            node.push(0);
        }
        node.push(i as u8);
        node.extend(json(m));
    }
    write(out, "node", &[node])?;
    Ok(())
}

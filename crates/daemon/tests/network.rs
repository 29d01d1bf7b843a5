//! `--net`: a built-in network or a spec file. A spec's allocations are
//! balances from genesis and its id is the network the API reports; a bad
//! spec, an unknown name and a store of another network are refused with a
//! clear sentence.

use std::path::Path;
use std::process::{Child, Command};

use tabcoin_chain::spec::Spec;
use tabcoin_chain::{Params, Wallet};

mod common;

use common::get_json as get;

fn tabcoind(net: &str, data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tabcoind"));
    cmd.args(["--net", net, "--api", "127.0.0.1:0"])
        // Nobody listens there: the node runs alone.
        .args(["--relay", "ws://127.0.0.1:9/ws", "--data"])
        .arg(data)
        .env("RUST_LOG", "error");
    cmd
}

/// Starts a node; returns it and its API URL.
fn start(net: &str, data: &Path) -> (Child, String) {
    common::spawn(&mut tabcoind(net, data))
}

/// Runs a node that should refuse to start; returns what it said.
fn refused(net: &str, data: &Path) -> String {
    let out = tabcoind(net, data)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success(), "{net} started");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spec_file_is_a_network_and_its_store_keeps_to_it() {
    let dir = std::env::temp_dir().join(format!("tabcoind-net-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let friend = Wallet::from_secret([5; 32])
        .unwrap_or_else(|_| panic!("seed"))
        .address();
    let text = format!(
        r#"{{"name": "friends", "created": 1796083200000,
            "consensus": {{"kind": "proof_of_work", "initial_zero_bits": 8,
                          "block_time_ms": 2000, "half_life_blocks": 16}},
            "mining_reward": 25, "starting_balance": 10,
            "allocations": {{"{friend}": 5000}}}}"#
    );
    let spec_file = dir.join("friends.json");
    std::fs::write(&spec_file, &text).unwrap_or_else(|e| panic!("{e}"));
    let spec = Spec::from_json(&text).unwrap_or_else(|e| panic!("{e}"));
    let id = Params::from_spec(&spec)
        .unwrap_or_else(|e| panic!("{e}"))
        .network_id()
        .to_string();
    let net = spec_file.to_string_lossy().into_owned();
    let data = dir.join("data");

    let (mut child, api) = start(&net, &data);
    let chain = get(&format!("{api}/api/chain")).await;
    assert_eq!(chain["network"], id.as_str());
    let funded = get(&format!("{api}/api/addresses/{friend}")).await;
    assert_eq!(funded["balance"], 5010, "{funded}");
    let mined = common::client()
        .post(format!("{api}/api/mine"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(mined.status().is_success());
    let wallet = get(&format!("{api}/api/wallet")).await;
    assert_eq!(wallet["balance"], 10 + 25, "{wallet}");
    let _ = child.kill();
    let _ = child.wait();

    // The store holds that network: another is refused, the same resumes.
    let said = refused("test", &data);
    assert!(said.contains("the store holds network"), "{said}");
    let (mut child, api) = start(&net, &data);
    assert_eq!(get(&format!("{api}/api/chain")).await["height"], 1);
    let _ = child.kill();
    let _ = child.wait();

    // A bad spec and an unknown name say what is wrong.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, text.replace("friends", "Friends")).unwrap_or_else(|e| panic!("{e}"));
    let said = refused(&bad.to_string_lossy(), &dir.join("other"));
    assert!(said.contains("lowercase letters"), "{said}");
    let said = refused("main", &dir.join("other"));
    assert!(said.contains("neither a built-in network"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authority_seals_and_a_node_that_is_not_one_is_told_why_it_cannot() {
    let dir = std::env::temp_dir().join(format!("tabcoind-poa-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let authority = Wallet::from_secret([6; 32]).unwrap_or_else(|_| panic!("seed"));
    let key = dir.join("authority.key");
    std::fs::write(&key, authority.export()).unwrap_or_else(|e| panic!("{e}"));
    // A key file is the owner's only (others' reading it is refused).
    #[cfg(unix)]
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .unwrap_or_else(|e| panic!("{e}"));
    let office = dir.join("office.json");
    let text = format!(
        r#"{{"name": "office", "created": 1796083200000,
            "consensus": {{"kind": "proof_of_authority", "authorities": ["{}"],
                          "block_time_ms": 1000}},
            "mining_reward": 3, "starting_balance": 0}}"#,
        authority.address()
    );
    std::fs::write(&office, text).unwrap_or_else(|e| panic!("{e}"));
    let net = office.to_string_lossy().into_owned();

    // Without the authority's key, --mine is refused with a sentence, and
    // a node that runs anyway answers /api/mine with why not.
    let out = tabcoind(&net, &dir.join("follower"))
        .arg("--mine")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("is not one of the network's authorities"),
        "{said}"
    );
    let (mut follower, api) = start(&net, &dir.join("follower"));
    let answer = common::client()
        .post(format!("{api}/api/mine"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status(), reqwest::StatusCode::CONFLICT);
    let body: serde_json::Value = answer.json().await.unwrap_or_default();
    assert_eq!(body["error"], "not_an_authority", "{body}");
    let _ = follower.kill();
    let _ = follower.wait();

    // With it, /api/mine seals a block, and --mine seals one a second.
    let mut cmd = tabcoind(&net, &dir.join("authority"));
    cmd.arg("--key").arg(&key);
    let (mut sealer, api) = common::spawn(&mut cmd);
    let sealed = common::client()
        .post(format!("{api}/api/mine"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(sealed.status().is_success());
    let body: serde_json::Value = sealed.json().await.unwrap_or_default();
    assert_eq!(body["block"]["seal"]["by"], 0, "{body}");
    assert_eq!(body["block"]["bits"], 2, "{body}");
    let wallet = get(&format!("{api}/api/wallet")).await;
    let chain = get(&format!("{api}/api/chain")).await;
    assert_eq!(wallet["balance"], 3, "{wallet} {chain}");
    let _ = sealer.kill();
    let _ = sealer.wait();
    let mut cmd = tabcoind(&net, &dir.join("authority"));
    cmd.arg("--key").arg(&key).arg("--mine");
    let (mut sealer, api) = common::spawn(&mut cmd);
    let mut height = 0;
    for _ in 0..100 {
        height = get(&format!("{api}/api/chain")).await["height"]
            .as_u64()
            .unwrap_or(0);
        if height >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(height >= 3, "height {height} after 10 s of sealing");
    let _ = sealer.kill();
    let _ = sealer.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

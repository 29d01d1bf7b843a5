//! `tabcoind wallet …` against a node of the `test` network on a real
//! socket: a new key, its address and balance, payments signed by the key
//! file and by the node, and a clear refusal.

use std::process::Command;

use serde_json::Value;

mod common;

fn wallet(node: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tabcoind"))
        .args(["wallet", "--node", node, "--token", common::TOKEN])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wallet_commands_make_a_key_and_pay_through_the_node() {
    let running = common::test_node(Vec::new(), None).await;
    let node = format!("http://{}", running.api);
    let dir = std::env::temp_dir().join(format!("tabcoind-wallet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let key = dir.join("key");
    let key = key.to_str().unwrap_or_default().to_owned();

    let (ok, address, _) = wallet(&node, &["new", "--key", &key]);
    assert!(ok && address.starts_with("tab1"), "{address}");
    let (ok, _, err) = wallet(&node, &["new", "--key", &key]);
    assert!(
        !ok && err.contains("cannot create"),
        "never over a key: {err}"
    );
    assert_eq!(wallet(&node, &["address", "--key", &key]).1, address);
    // A key file others can read is refused, with the fix.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let open = dir.join("open.key");
        std::fs::copy(&key, &open).unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        let (ok, _, err) = wallet(&node, &["address", "--key", &open.to_string_lossy()]);
        assert!(!ok && err.contains("chmod 600"), "{err}");
    }
    let (_, node_address, _) = wallet(&node, &["address"]);
    assert!(node_address.starts_with("tab1") && node_address != address);

    // Signed by the key file: pooled by the node; a second send merges.
    let (ok, id, err) = wallet(&node, &["send", &node_address, "40", "--key", &key]);
    assert!(ok, "{err}");
    let (ok, again, err) = wallet(&node, &["send", &node_address, "2", "--key", &key]);
    assert!(ok, "{err}");
    assert_eq!(again, id, "merged into the pending transaction");
    let (_, balance, _) = wallet(&node, &["balance", "--key", &key]);
    assert_eq!(balance, "1000 (after pending: 958)");
    // Signed by the node.
    let (ok, _, err) = wallet(&node, &["send", &address, "7"]);
    assert!(ok, "{err}");
    let pool: Value = reqwest::get(format!("{node}/api/pool"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or(Value::Null);
    assert_eq!(pool["transactions"].as_array().map(Vec::len), Some(2));
    // Refused with the node's sentence.
    let (ok, _, err) = wallet(&node, &["send", &node_address, "5000", "--key", &key]);
    assert!(!ok && err.contains("tabcoind wallet:"), "{err}");
    let (ok, _, err) = wallet(&node, &["balance", "tab1nope"]);
    assert!(!ok && err.contains("address"), "{err}");
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

//! `tabcoind wallet …`: a command-line wallet against a running node's API.
//! With `--key FILE` it signs with that key itself (the node only pools and
//! passes on the transaction); without, it uses the node's own key. It
//! finds the node's API token (see [`crate::auth`]) in `--token`, the
//! `TABCOIND_API_TOKEN` environment variable, `--cookie FILE` or the
//! cookie of `--data DIR`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tabcoin_chain::{Address, Amount, BlockHash, Salt, Timestamp, Transaction, Wallet};

use crate::daemon::{now, random_wallet};

/// What the wallet command does.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Action {
    /// Make a new key and write it to FILE (never over an existing file).
    New {
        /// Where to keep the key (hex; readable only by you).
        #[arg(long)]
        key: PathBuf,
    },
    /// Print the address of the key in FILE, or of the node.
    Address {
        /// A key file; without it, the node's own address.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Print an address's balance (default: the key's, or the node's).
    Balance {
        /// The address.
        address: Option<String>,
        /// A key file whose address to look up.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Send AMOUNT coins to TO: signed with the key in FILE, or by the node.
    Send {
        /// The recipient's address.
        to: String,
        /// Whole coins.
        amount: u64,
        /// A key file to sign with; without it, the node signs.
        #[arg(long)]
        key: Option<PathBuf>,
    },
}

/// A failure, in one sentence.
pub type Failure = String;

/// Where the wallet finds the node's API token.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TokenSource {
    /// The token itself.
    #[arg(long, env = crate::auth::TOKEN_ENV, hide_env_values = true)]
    token: Option<String>,
    /// The node's cookie file (it prints its path at start).
    #[arg(long)]
    cookie: Option<PathBuf>,
    /// The node's data directory (its cookie is DIR/cookie).
    #[arg(long)]
    data: Option<PathBuf>,
}

impl TokenSource {
    /// The token, if one was given or its file named (None: the wallet
    /// sends none, and only the routes open to all answer).
    pub fn read(self) -> Result<Option<String>, Failure> {
        match (self.token, self.cookie, self.data) {
            (Some(token), _, _) => Ok(Some(token)),
            (None, Some(cookie), _) => crate::auth::read_cookie(&cookie).map(Some),
            (None, None, Some(dir)) => {
                crate::auth::read_cookie(&dir.join(crate::auth::COOKIE)).map(Some)
            }
            (None, None, None) => Ok(None),
        }
    }
}

/// A node's API, and the token to show it.
#[derive(Debug, Clone)]
pub struct Node {
    url: String,
    client: reqwest::Client,
}

impl Node {
    /// The node at `url` (`http://host:port`), called with `token`.
    pub fn new(url: &str, token: Option<String>) -> Node {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(value) =
            token.and_then(|t| reqwest::header::HeaderValue::from_str(&format!("Bearer {t}")).ok())
        {
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap_or_default();
        Node {
            url: url.to_owned(),
            client,
        }
    }
}

/// The key in the file at `path` (as `wallet new` writes it).
/// A key file others can read is refused, with the command that fixes it.
pub fn read_key(path: &Path) -> Result<Wallet, Failure> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| format!("cannot read the key in {}: {e}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{} holds a secret key but other users can read it (mode {:o}); run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the key in {}: {e}", path.display()))?;
    Wallet::import(&text).map_err(|_| format!("{} does not hold a key", path.display()))
}

fn new_key(path: &Path) -> Result<Wallet, Failure> {
    let wallet = random_wallet()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    std::io::Write::write_all(&mut file, format!("{}\n", wallet.export()).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(wallet)
}

/// An API answer: the JSON of a success, the error's sentence otherwise.
async fn answer(response: reqwest::Response) -> Result<Value, Failure> {
    let ok = response.status().is_success();
    let body: Value = response.json().await.map_err(|e| e.to_string())?;
    if ok {
        Ok(body)
    } else {
        Err(format!(
            "the node refused: {} ({})",
            body["message"].as_str().unwrap_or("no reason given"),
            body["error"].as_str().unwrap_or("error")
        ))
    }
}

pub(crate) async fn get(node: &Node, path: &str) -> Result<Value, Failure> {
    let r = node
        .client
        .get(format!("{}{path}", node.url))
        .send()
        .await
        .map_err(|e| format!("cannot reach the node at {}: {e}", node.url))?;
    answer(r).await
}

pub(crate) async fn post(node: &Node, path: &str, body: &Value) -> Result<Value, Failure> {
    let r = node
        .client
        .post(format!("{}{path}", node.url))
        .json(body)
        .send()
        .await
        .map_err(|e| format!("cannot reach the node at {}: {e}", node.url))?;
    answer(r).await
}

/// Runs one wallet command against `node`; returns what to print.
pub async fn run(node: &Node, action: Action) -> Result<String, Failure> {
    match action {
        Action::New { key } => Ok(new_key(&key)?.address().to_string()),
        Action::Address { key: Some(key) } => Ok(read_key(&key)?.address().to_string()),
        Action::Address { key: None } => {
            let w = get(node, "/api/wallet").await?;
            Ok(w["address"].as_str().unwrap_or_default().to_owned())
        }
        Action::Balance { address, key } => {
            let address = match (address, key) {
                (Some(a), _) => a,
                (None, Some(key)) => read_key(&key)?.address().to_string(),
                (None, None) => get(node, "/api/wallet").await?["address"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            };
            let a = get(node, &format!("/api/addresses/{address}")).await?;
            Ok(format!(
                "{} (after pending: {})",
                a["balance"], a["balance_after_pending"]
            ))
        }
        Action::Send {
            to,
            amount,
            key: None,
        } => {
            let body = json!({"to": to, "amount": amount});
            let sent = post(node, "/api/transact", &body).await?;
            Ok(sent["pending"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned())
        }
        Action::Send {
            to,
            amount,
            key: Some(key),
        } => {
            let wallet = read_key(&key)?;
            let to: Address = to.parse().map_err(|e| format!("{to}: {e}"))?;
            let tx = sign(node, &wallet, to, Amount(amount)).await?;
            let body = serde_json::to_value(&tx).map_err(|e| e.to_string())?;
            post(node, "/api/transactions", &body).await?;
            Ok(tx.id.to_string())
        }
    }
}

/// A payment signed with `wallet`: merged into its pending transaction if
/// the node pools one (as the tabs and the node do), else a new one.
async fn sign(
    node: &Node,
    wallet: &Wallet,
    to: Address,
    amount: Amount,
) -> Result<Transaction, Failure> {
    let me = wallet.address();
    let chain = get(node, "/api/chain").await?;
    let network: BlockHash = chain["network"]
        .as_str()
        .unwrap_or_default()
        .parse()
        .map_err(|_| "the node named no network".to_owned())?;
    let pool = get(node, "/api/pool").await?;
    let pending = pool["transactions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| serde_json::from_value::<Transaction>(t.clone()).ok())
        .find(|t| t.sender() == Some(me));
    let now: Timestamp = now();
    match pending {
        Some(mut tx) => {
            tx.update(wallet, to, amount, now, &network)
                .map_err(|e| e.to_string())?;
            Ok(tx)
        }
        None => {
            let a = get(node, &format!("/api/addresses/{me}")).await?;
            let balance = Amount(a["balance"].as_u64().unwrap_or(0));
            let mut salt = [0u8; 16];
            getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
            Transaction::new(wallet, balance, to, amount, Salt(salt), now, &network)
                .map_err(|e| e.to_string())
        }
    }
}

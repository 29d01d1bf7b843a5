//! Who may spend the node's coins and change its state: bitcoind's answer.
//! At start the node makes a random token and writes it to a cookie file
//! only its owner can read (`DATA/cookie`); every route that changes state
//! or reveals the wallet wants it as `Authorization: Bearer <token>`, which
//! `tabcoind wallet` and any script of that user read from the file. Other
//! users of the machine, and web pages (which cannot read the file), get
//! 401. `--api-token` sets the token instead; `--no-auth` turns the check
//! off (the API still listens on loopback only).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The environment variable that gives `tabcoind` and `tabcoind wallet`
/// the token (as `--api-token` does).
pub const TOKEN_ENV: &str = "TABCOIND_API_TOKEN";

/// The cookie file's name in the data directory.
pub const COOKIE: &str = "cookie";

/// How callers of the API prove they may spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// A fresh random token each start, written to this file (mode 0600).
    Cookie(PathBuf),
    /// This token.
    Token(String),
    /// No check: any program of any local user may spend.
    Off,
}

/// A new random token: 32 bytes, in hex.
pub fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for the API token: {e}"))?;
    Ok(tabcoin_chain::hash::to_hex(&bytes))
}

/// Writes `token` to the cookie file at `path`, readable by its owner only
/// (written beside it first, then renamed over it, so no reader sees half
/// a token and an older file's permissions are not kept).
pub fn write_cookie(path: &Path, token: &str) -> Result<(), String> {
    let fresh = path.with_extension("new");
    let _ = std::fs::remove_file(&fresh);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&fresh)
        .and_then(|mut f| std::io::Write::write_all(&mut f, token.as_bytes()))
        .and_then(|()| std::fs::rename(&fresh, path));
    written.map_err(|e| format!("cannot write the API cookie {}: {e}", path.display()))
}

/// The token in the cookie file at `path`.
pub fn read_cookie(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read the API cookie {}: {e} (is the node running, and are you its owner?)",
            path.display()
        )
    })?;
    Ok(text.trim().to_owned())
}

/// A private directory for the cookie of a node without a data directory:
/// a new one under the system's temporary directory, with a random name
/// (so no one can have made it beforehand) and mode 0700.
pub fn private_dir() -> Result<PathBuf, String> {
    let name = format!("tabcoind-{}", &random_token()?[..16]);
    let dir = std::env::temp_dir().join(name);
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(&dir)
        .map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Whether an `Authorization` header carries `token` as a bearer token
/// (compared in constant time).
pub fn bearer_matches(header: Option<&HeaderValue>, token: &str) -> bool {
    let Some(given) = header
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let (a, b) = (given.trim().as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Lets a request through only with the token (the layer of the routes
/// that change state or reveal the wallet).
pub async fn require(State(token): State<Arc<str>>, request: Request, next: Next) -> Response {
    if bearer_matches(request.headers().get(header::AUTHORIZATION), &token) {
        return next.run(request).await;
    }
    let mut answer = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "this route needs the node's API token: send `Authorization: Bearer <token>`, the token being in the cookie file the node printed at start (DATA/cookie); `tabcoind wallet --data DATA` reads it",
    )
    .into_response();
    answer.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"tabcoind\""),
    );
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_matches() {
        let token = "ab12";
        let h = |v: &'static str| Some(HeaderValue::from_static(v));
        assert!(bearer_matches(h("Bearer ab12").as_ref(), token));
        for wrong in [
            "Bearer ab13",
            "Bearer ab1",
            "Bearer ab123",
            "ab12",
            "Basic ab12",
            "",
        ] {
            assert!(!bearer_matches(h(wrong).as_ref(), token), "{wrong}");
        }
        assert!(!bearer_matches(None, token));
    }

    #[test]
    fn a_cookie_is_written_private_and_read_back() {
        let dir = private_dir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.join(COOKIE);
        let token = random_token().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(token.len(), 64);
        write_cookie(&path, &token).unwrap_or_else(|e| panic!("{e}"));
        // Written again over an older file (the next start).
        write_cookie(&path, "second").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read_cookie(&path).as_deref(), Ok("second"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode(&path).ok(), Some(0o600));
            assert_eq!(mode(&dir).ok(), Some(0o700));
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}

//! The security headers the relay sends with the app: a
//! Content-Security-Policy that allows the page's own scripts (and the one
//! inline script Trunk writes into `index.html`, by its hash), WebAssembly,
//! and WebSockets to any relay the person picks, and nothing else; no
//! framing, no MIME sniffing, no referrer.

use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};

/// The inline `<script>` blocks of an HTML page, as written.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        if !tag.contains("src=") {
            out.push(&after[body_start..body_start + close]);
        }
        rest = &after[body_start + close..];
    }
    out
}

/// The Content-Security-Policy for a page whose HTML is `html`.
pub fn content_security_policy(html: &str) -> String {
    let hashes: String = inline_scripts(html)
        .into_iter()
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
            format!(" 'sha256-{b64}'")
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; \
         worker-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    )
}

/// The policy for the app in `dist` (its `index.html`; without one, a
/// policy that allows no inline script).
pub fn policy_for(dist: &Path) -> String {
    let html = std::fs::read_to_string(dist.join("index.html")).unwrap_or_default();
    content_security_policy(&html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_exactly_the_pages_inline_scripts() {
        let html = r#"<head><script type="module">
import init from '/app.js';
</script><script src="/x.js"></script></head>"#;
        assert_eq!(
            inline_scripts(html),
            vec!["\nimport init from '/app.js';\n"]
        );
        let csp = content_security_policy(html);
        let digest = Sha256::digest(b"\nimport init from '/app.js';\n");
        let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
        assert!(csp.contains(&format!("'sha256-{b64}'")), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!content_security_policy("<p>no scripts</p>").contains("sha256"));
    }
}

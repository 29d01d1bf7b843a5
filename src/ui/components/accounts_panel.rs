//! The accounts panel: switch between this browser's accounts, create one,
//! rename the current one, protect it with a passphrase (then lock and
//! unlock it), export its secret (behind a warning) or its encrypted
//! backup, or import either.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::keys::accounts::Account;

/// Props of [`AccountsPanel`].
#[derive(Properties, PartialEq)]
pub struct AccountsPanelProps {
    /// Every account of this browser.
    pub accounts: Vec<Account>,
    /// The current account's address.
    pub current: String,
    /// The tab does not hold the current account's key.
    pub locked: bool,
    /// A key is being sealed or opened.
    pub busy: bool,
    /// Why the last account action failed.
    pub error: Option<String>,
    /// Switch to the account with this address.
    pub on_switch: Callback<String>,
    /// Create a new account.
    pub on_create: Callback<()>,
    /// Rename the current account.
    pub on_rename: Callback<String>,
    /// Import (secret key or encrypted backup, name).
    pub on_import: Callback<(String, String)>,
    /// Protect the current account with (passphrase, confirmation).
    pub on_protect: Callback<(String, String)>,
    /// Unlock the current account with a passphrase.
    pub on_unlock: Callback<String>,
    /// Lock the current account again.
    pub on_lock: Callback<()>,
}

/// The text of an input, then cleared (passphrases are not left on the
/// page).
fn take(r: &NodeRef) -> String {
    r.cast::<HtmlInputElement>()
        .map(|i| {
            let v = i.value();
            if i.type_() == "password" {
                i.set_value("");
            }
            v
        })
        .unwrap_or_default()
}

/// A form's submit: `f` with what it read.
fn submit<T: 'static>(cb: &Callback<T>, read: impl Fn() -> T + 'static) -> Callback<SubmitEvent> {
    let cb = cb.clone();
    Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        cb.emit(read());
    })
}

/// Lock state and the forms that change it.
fn lock_section(p: &AccountsPanelProps, protected: bool) -> Html {
    let pass = NodeRef::default();
    let confirm = NodeRef::default();
    let busy = p.busy;
    if protected && p.locked {
        let r = pass.clone();
        let onsubmit = submit(&p.on_unlock, move || take(&r));
        html! {
            <form class="send" data-testid="unlock-form" {onsubmit}>
                <p data-testid="lock-state" class="muted">{ "Locked: this account receives and mines; give its passphrase to send." }</p>
                <label for="unlock-pass">{ "passphrase" }</label>
                <input id="unlock-pass" type="password" data-testid="unlock-pass" ref={pass} autocomplete="current-password" />
                <button type="submit" data-testid="unlock-button" disabled={busy}>{ if busy { "Unlocking…" } else { "Unlock" } }</button>
            </form>
        }
    } else if protected {
        html! {
            <div class="row">
                <p data-testid="lock-state" class="muted">{ "Unlocked in this tab until you lock it or close the tab; only the locked key is stored." }</p>
                <button type="button" data-testid="lock-button" onclick={p.on_lock.reform(|_| ())}>{ "Lock" }</button>
            </div>
        }
    } else {
        let (a, b) = (pass.clone(), confirm.clone());
        let onsubmit = submit(&p.on_protect, move || (take(&a), take(&b)));
        html! {
            <details class="protect">
                <summary data-testid="protect-summary">{ "Protect with a passphrase" }</summary>
                <p class="muted">{ "The key is then stored only encrypted with your passphrase (Argon2id, ChaCha20-Poly1305). Without the passphrase nobody, you included, can send from this account." }</p>
                <form class="send" {onsubmit}>
                    <label for="protect-pass">{ "passphrase" }</label>
                    <input id="protect-pass" type="password" data-testid="protect-pass" ref={pass} autocomplete="new-password" />
                    <label for="protect-confirm">{ "again" }</label>
                    <input id="protect-confirm" type="password" data-testid="protect-confirm" ref={confirm} autocomplete="new-password" />
                    <button type="submit" data-testid="protect-button" disabled={busy}>{ if busy { "Locking…" } else { "Lock with passphrase" } }</button>
                </form>
            </details>
        }
    }
}

/// Switcher, create, rename, lock, export, import.
#[function_component(AccountsPanel)]
pub fn accounts_panel(p: &AccountsPanelProps) -> Html {
    // Long: the panel's markup, one form after another (switch, create,
    // rename, import, lock), each with its own field references.
    let reveal = use_state(|| false);
    let name_ref = use_node_ref();
    let secret_ref = use_node_ref();
    let import_name_ref = use_node_ref();
    let current = p.accounts.iter().find(|a| a.address == p.current);
    let protected = current.is_some_and(Account::is_protected);
    let onchange = {
        let on_switch = p.on_switch.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                on_switch.emit(select.value());
            }
        })
    };
    let on_rename = {
        let r = name_ref.clone();
        submit(&p.on_rename, move || take(&r))
    };
    let on_import = {
        let (s, n) = (secret_ref.clone(), import_name_ref.clone());
        submit(&p.on_import, move || (take(&s), take(&n)))
    };
    let toggle = {
        let reveal = reveal.clone();
        Callback::from(move |_| reveal.set(!*reveal))
    };
    let export = match current.and_then(Account::backup) {
        Some(backup) => html! {
            <details class="export">
                <summary data-testid="backup-summary">{ "Export an encrypted backup" }</summary>
                <p class="muted">{ "Keep this text to restore the account in another browser (Import, below). It opens only with the passphrase." }</p>
                <code data-testid="account-backup" class="secret">{ backup }</code>
            </details>
        },
        None => html! {
            <details class="export">
                <summary>{ "Export this account's secret key" }</summary>
                <p class="error">{ "Whoever has this key owns the account's coins. Never share it; keep a copy somewhere safe to restore the account in another browser." }</p>
                <button type="button" data-testid="account-reveal" onclick={toggle}>{ if *reveal { "Hide" } else { "Show the secret key" } }</button>
                if *reveal {
                    <code data-testid="account-secret" class="secret">{ current.map(|a| a.secret.clone()).unwrap_or_default() }</code>
                }
            </details>
        },
    };
    html! {
        <section class="accounts" data-testid="accounts">
            <h2>{ "Accounts" }</h2>
            <div class="row">
                <label for="account-select">{ "account" }</label>
                <select id="account-select" data-testid="account-select" {onchange}>
                    { for p.accounts.iter().map(|a| html! {
                        <option value={a.address.clone()} selected={a.address == p.current}>
                            { format!("{}{} · {}…", a.name, if a.is_protected() { " (locked)" } else { "" }, a.address.chars().take(12).collect::<String>()) }
                        </option>
                    }) }
                </select>
                <button type="button" data-testid="account-create" onclick={p.on_create.reform(|_| ())}>{ "New account" }</button>
            </div>
            <form class="send" onsubmit={on_rename}>
                <label for="account-name">{ "name" }</label>
                <input id="account-name" data-testid="account-name" ref={name_ref} value={current.map(|a| a.name.clone()).unwrap_or_default()} />
                <button type="submit" data-testid="account-rename">{ "Rename" }</button>
            </form>
            { lock_section(p, protected) }
            { export }
            <details class="import">
                <summary>{ "Import an account" }</summary>
                <form class="send" onsubmit={on_import}>
                    <label for="import-secret">{ "secret key or encrypted backup" }</label>
                    <input id="import-secret" data-testid="import-secret" ref={secret_ref} autocomplete="off" spellcheck="false" placeholder="64 hex digits, or {\"kind\":\"tabcoin-account\",…}" />
                    <label for="import-name">{ "name" }</label>
                    <input id="import-name" data-testid="import-name" ref={import_name_ref} placeholder="Imported" />
                    <button type="submit" data-testid="import-button">{ "Import" }</button>
                </form>
            </details>
            if let Some(e) = &p.error {
                <p class="error" role="alert" data-testid="account-error">{ e }</p>
            }
        </section>
    }
}

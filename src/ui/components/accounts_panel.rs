//! The accounts panel: switch between this browser's accounts, create one,
//! rename the current one, export its secret (behind a warning) or import a
//! secret.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::ui::accounts::Account;

/// Props of [`AccountsPanel`].
#[derive(Properties, PartialEq)]
pub struct AccountsPanelProps {
    /// Every account of this browser.
    pub accounts: Vec<Account>,
    /// The current account's address.
    pub current: String,
    /// Why the last account action failed.
    pub error: Option<String>,
    /// Switch to the account with this address.
    pub on_switch: Callback<String>,
    /// Create a new account.
    pub on_create: Callback<()>,
    /// Rename the current account.
    pub on_rename: Callback<String>,
    /// Import (secret, name).
    pub on_import: Callback<(String, String)>,
}

/// Switcher, create, rename, export, import.
#[function_component(AccountsPanel)]
pub fn accounts_panel(p: &AccountsPanelProps) -> Html {
    let reveal = use_state(|| false);
    let name_ref = use_node_ref();
    let secret_ref = use_node_ref();
    let import_name_ref = use_node_ref();
    let current = p.accounts.iter().find(|a| a.address == p.current);
    let onchange = {
        let on_switch = p.on_switch.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                on_switch.emit(select.value());
            }
        })
    };
    let value = |r: &NodeRef| {
        r.cast::<HtmlInputElement>()
            .map(|i| i.value())
            .unwrap_or_default()
    };
    let on_rename = {
        let (r, cb) = (name_ref.clone(), p.on_rename.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit(value(&r));
        })
    };
    let on_import = {
        let (s, n, cb) = (
            secret_ref.clone(),
            import_name_ref.clone(),
            p.on_import.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit((value(&s), value(&n)));
        })
    };
    let toggle = {
        let reveal = reveal.clone();
        Callback::from(move |_| reveal.set(!*reveal))
    };
    html! {
        <section class="accounts" data-testid="accounts">
            <h2>{ "Accounts" }</h2>
            <div class="row">
                <label for="account-select">{ "account" }</label>
                <select id="account-select" data-testid="account-select" {onchange}>
                    { for p.accounts.iter().map(|a| html! {
                        <option value={a.address.clone()} selected={a.address == p.current}>
                            { format!("{} · {}…", a.name, a.address.chars().take(12).collect::<String>()) }
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
            <details class="export">
                <summary>{ "Export this account's secret key" }</summary>
                <p class="error">{ "Whoever has this key owns the account's coins. Never share it; keep a copy somewhere safe to restore the account in another browser." }</p>
                <button type="button" data-testid="account-reveal" onclick={toggle}>{ if *reveal { "Hide" } else { "Show the secret key" } }</button>
                if *reveal {
                    <code data-testid="account-secret" class="secret">{ current.map(|a| a.secret.clone()).unwrap_or_default() }</code>
                }
            </details>
            <details class="import">
                <summary>{ "Import an account" }</summary>
                <form class="send" onsubmit={on_import}>
                    <label for="import-secret">{ "secret key" }</label>
                    <input id="import-secret" data-testid="import-secret" ref={secret_ref} autocomplete="off" spellcheck="false" placeholder="64 hex digits" />
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

//! The home page: this tab's wallet and accounts, the chain at a glance,
//! mining, sending, pending transactions, charts, history, the latest
//! blocks, the network and the activity log.

use tabcoin_chain::{Params, pow::expected_hashes};
use tabcoin_node::Node;
use yew::prelude::*;

use crate::keys::accounts::AccountBook;
use crate::ui::activity::Activity;
use crate::ui::components::accounts_panel::AccountsPanel;
use crate::ui::components::block_card::BlockCard;
use crate::ui::components::charts::Chart;
use crate::ui::components::history_list::HistoryList;
use crate::ui::components::mining_panel::MiningPanel;
use crate::ui::components::network_panel::NetworkPanel;
use crate::ui::components::receive_panel::ReceivePanel;
use crate::ui::components::sealing_panel::SealingPanel;
use crate::ui::components::send_form::SendForm;
use crate::ui::format::clock;
use crate::ui::route::Route;
use crate::ui::view_model::{
    LATEST, block_times, difficulty, known_addresses, pool_lines, sealing_sentence, send_rows,
    sync_label,
};

/// What the shell knows that the page shows.
pub struct ShellView {
    /// The network's constants.
    pub params: Params,
    /// The relay's address.
    pub relay: String,
    /// "online", "connecting" or "offline".
    pub conn: &'static str,
    /// Tabs of this browser heard on the same-browser channel.
    pub same_browser: usize,
    /// Every tab this one hears from, and how.
    pub neighbours: Vec<crate::shell::Neighbour>,
    /// This tab's id at the relay, once welcomed.
    pub me: Option<tabcoin_protocol::PeerId>,
    /// Verifier workers able to take work.
    pub verifiers: usize,
    /// Miners running, and the most that may.
    pub miners: (usize, usize),
    /// The miners' kernel, once known.
    pub kernel: Option<String>,
    /// Where the GPU miner stands.
    pub gpu: crate::shell::miner_pool::GpuState,
}

/// What the person can do on the page.
pub struct Actions {
    /// Copy the address.
    pub copy: Callback<MouseEvent>,
    /// Switch to the account with this address.
    pub switch: Callback<String>,
    /// Create an account.
    pub create: Callback<()>,
    /// Rename the current account.
    pub rename: Callback<String>,
    /// Import (secret key or encrypted backup, name).
    pub import: Callback<(String, String)>,
    /// Protect the current account with (passphrase, confirmation).
    pub protect: Callback<(String, String)>,
    /// Unlock the current account with a passphrase.
    pub unlock: Callback<String>,
    /// Lock the current account again.
    pub lock: Callback<()>,
    /// Start or stop mining.
    pub toggle_mining: Callback<()>,
    /// Run this many miners.
    pub miners: Callback<usize>,
    /// Mine on the GPU too, or not.
    pub gpu: Callback<bool>,
    /// Send (recipient, amount) as typed.
    pub send: Callback<(String, String)>,
    /// Use this relay.
    pub set_relay: Callback<String>,
}

/// Everything the home page shows.
pub struct Home<'a> {
    /// The node.
    pub node: &'a Node,
    /// This browser's accounts.
    pub book: &'a AccountBook,
    /// The log.
    pub activity: &'a Activity,
    /// The shell's side.
    pub shell: ShellView,
    /// The address was just copied.
    pub copied: bool,
    /// Sends this tab's form made (the form empties after each).
    pub sent: u64,
    /// A payment link opened: (recipient, amount) for the send form.
    pub prefill: Option<(String, String)>,
    /// This page's address without its fragment, for payment links.
    pub page: String,
    /// A key is being sealed or opened.
    pub vault_busy: bool,
    /// The accounts panel's last problem.
    pub account_error: Option<String>,
    /// The send form's last problem.
    pub send_error: Option<String>,
    /// The network panel's last problem.
    pub relay_error: Option<String>,
    /// What the person can do.
    pub on: Actions,
    /// The time.
    pub now: tabcoin_chain::Timestamp,
}

/// The home page.
pub fn view(h: Home<'_>) -> Html {
    // Long: the wallet page's markup, one section after another in the
    // order they are shown; the numbers come from the view models.
    let (node, shell, on) = (h.node, h.shell, h.on);
    let store = node.store();
    let (tip, next_target) = (store.tip(), store.next_target());
    let me = node.keys().address();
    let incoming = node.incoming().0;
    let progress = node.tried() as f64 / expected_hashes(&next_target);
    let latest: Html = store
        .main_chain()
        .rev()
        .take(LATEST)
        .map(|b| html! { <BlockCard key={b.hash.to_string()} block={b.clone()} authorities={shell.params.authorities.clone()} /> })
        .collect();
    let pool: Html = pool_lines(node.pool(), &node.keys().address())
        .into_iter()
        .map(|line| html! { <li data-testid="pool-tx" class={classes!(line.to_me.then_some("to-you"))}>{ line.text }</li> })
        .collect();
    let log: Html = h
        .activity
        .log()
        .iter()
        .rev()
        .map(|l| html! { <li class={classes!(l.warn.then_some("warn"))}>{ format!("{} {}", clock(l.at), l.text) }</li> })
        .collect();
    let known = known_addresses(h.book, store.ledger(), &me);
    let sends: Html = send_rows(node.sends(), &me)
        .into_iter()
        .map(|r| html! { <li data-testid="send-row" class={r.class}>{ r.what }<span class="muted">{ format!(" · {}", r.state) }</span></li> })
        .collect();
    let block_times = block_times(store);
    let rates: Vec<f64> = node
        .rate_history()
        .iter()
        .map(|(_, r)| r / 1000.0)
        .collect();
    let (sig_workers, sig_page) = node.signatures_checked();
    let bits = next_target.leading_zero_bits();
    // On a proof-of-authority network, sealing takes mining's place.
    let maker = match node.sealing() {
        Some(sealing) => html! {
            <SealingPanel
                sealing={node.is_mining()}
                authority={!matches!(sealing, tabcoin_node::Sealing::NotAnAuthority { .. })}
                status={sealing_sentence(sealing, node.is_mining(), h.now)}
                authorities={shell.params.authorities.clone()}
                {me}
                on_toggle={on.toggle_mining}
            />
        },
        None => html! {
            <MiningPanel
                mining={node.is_mining()}
                workers={shell.miners.0}
                max_workers={shell.miners.1}
                rates={node.worker_rates().to_vec()}
                {progress}
                difficulty_bits={bits}
                reward_to={me.short()}
                kernel={shell.kernel.clone().unwrap_or_else(|| "loading".into())}
                gpu={shell.gpu.clone()}
                on_toggle={on.toggle_mining}
                on_workers={on.miners}
                on_gpu={on.gpu}
            />
        },
    };
    let sealed = shell.params.is_proof_of_authority();
    html! {
        <>
            <section class="wallet">
                <div class="stat wide"><span>{ "your address" }</span>
                    <div class="address-line">
                        <code data-testid="address">{ me.to_string() }</code>
                        <button class="small" data-testid="copy-address" aria-label="Copy your address" onclick={on.copy}>
                            { if h.copied { "copied" } else { "copy" } }
                        </button>
                    </div>
                </div>
                <div class="stat"><span>{ "balance" }</span><div class="amount"><b data-testid="balance">{ node.balance().0 }</b><small class="unit">{ "coins" }</small></div>
                    if incoming > 0 {
                        <small class="incoming" data-testid="incoming">{ format!("+{incoming} incoming") }</small>
                    }
                </div>
                <div class="stat"><span>{ "after pending" }</span><b data-testid="pending-balance">{ node.pending_balance().0 }</b></div>
                <div class="stat receive-row"><ReceivePanel page={h.page.clone()} address={me} /></div>
            </section>
            <AccountsPanel
                accounts={h.book.accounts.clone()}
                current={me.to_string()}
                locked={node.keys().is_locked()}
                busy={h.vault_busy}
                error={h.account_error}
                on_switch={on.switch}
                on_create={on.create}
                on_rename={on.rename}
                on_import={on.import}
                on_protect={on.protect}
                on_unlock={on.unlock}
                on_lock={on.lock}
            />
            <section class="stats">
                <div class="stat"><span>{ "height" }</span><b data-testid="chain-height">{ store.height().to_string() }</b></div>
                <div class="stat"><span>{ "tip" }</span><code data-testid="tip-hash" title={tip.hash.to_string()}>{ tip.hash.short() }</code></div>
                if sealed {
                    <div class="stat"><span>{ "authorities" }</span><b data-testid="authority-count">{ shell.params.authorities.len() }</b></div>
                    <div class="stat"><span>{ "sealed here" }</span><b data-testid="mined-here">{ node.mined_here() }</b></div>
                } else {
                    <div class="stat"><span>{ "difficulty" }</span><b data-testid="difficulty">{ format!("{bits} bits") }</b></div>
                    <div class="stat"><span>{ "mined here" }</span><b data-testid="mined-here">{ node.mined_here() }</b></div>
                }
            </section>
            { maker }
            <section>
                <h2>{ "Send coins" }</h2>
                <SendForm on_send={on.send} error={h.send_error} {known} sent={h.sent} prefill={h.prefill.clone()} max={node.pending_balance().0} />
            </section>
            if !node.sends().iter().all(|r| r.from != me) {
                <section>
                    <h2>{ "Your sends" }</h2>
                    <ul class="sends" data-testid="sends">{ sends }</ul>
                </section>
            }
            <section>
                <h2>{ format!("Pending transactions ({})", node.pool().len()) }</h2>
                <ul class="pool" data-testid="pool">{ pool }</ul>
            </section>
            <section class="charts">
                <Chart title={format!("block time, last {} blocks ", block_times.len())} values={block_times} unit="s" reference={shell.params.mine_rate_ms as f64 / 1000.0} testid="chart-block-time" />
                if !sealed {
                    <Chart title="difficulty (zero bits) " values={difficulty(store)} unit="bits" testid="chart-difficulty" />
                    <Chart title="this tab's hash rate " values={rates} unit="kH/s" testid="chart-hash-rate" />
                }
            </section>
            <section>
                <h2>{ "Your transactions" }</h2>
                <HistoryList history={store.ledger().history(&me).to_vec()} limit={Some((10, Route::Address(me)))} />
            </section>
            <section>
                <h2>{ "Latest blocks" }<a class="more" href={Route::Blocks(0).href()}>{ "all blocks →" }</a></h2>
                <div class="blocks" data-testid="latest-blocks">{ latest }</div>
            </section>
            <NetworkPanel
                relay={shell.relay}
                conn={shell.conn}
                peers={node.peers().len()}
                same_browser={shell.same_browser}
                neighbours={shell.neighbours}
                me={shell.me}
                sync={sync_label(node.sync(), store.height())}
                mode={node.mode().label()}
                {sig_workers}
                {sig_page}
                verifiers={shell.verifiers}
                banned={node.peers().banned()}
                network={format!("{} · {}", shell.params.name, store.genesis().hash)}
                error={h.relay_error}
                on_connect={on.set_relay}
            />
            <section>
                <h2>{ "Activity" }</h2>
                <ul class="log" data-testid="activity">{ log }</ul>
            </section>
        </>
    }
}

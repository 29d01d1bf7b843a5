//! The networks panel: every network the tab is in (mode, height, peers,
//! this account's balance, mining or sealing), which one is shown, and
//! leaving, deleting, rejoining and joining a built-in network.

use yew::prelude::*;

use crate::shell::NetId;
use crate::ui::view_model::NetworkRow;

/// Props of [`NetworksPanel`].
#[derive(Properties, PartialEq)]
pub struct NetworksPanelProps {
    /// The networks the tab is in: slot, row, whether it is shown.
    pub rows: Vec<(NetId, NetworkRow, bool)>,
    /// Networks left since the page opened: index and name.
    pub left: Vec<(usize, String)>,
    /// Built-in networks the tab is not in.
    pub built_in: Vec<String>,
    /// Show a network.
    pub on_focus: Callback<NetId>,
    /// Leave a network (`true`: and delete what it stored).
    pub on_leave: Callback<(NetId, bool)>,
    /// Rejoin a network left (its index).
    pub on_rejoin: Callback<usize>,
    /// Join a built-in network by name.
    pub on_join: Callback<String>,
}

/// The tab's networks.
#[function_component(NetworksPanel)]
pub fn networks_panel(p: &NetworksPanelProps) -> Html {
    // The network whose deletion waits for a second, explicit click.
    let confirming = use_state(|| None::<NetId>);
    let rows = p.rows.iter().map(|(slot, row, shown)| {
        let slot = *slot;
        let focus = p.on_focus.reform(move |_: MouseEvent| slot);
        let leave = p.on_leave.reform(move |_: MouseEvent| (slot, false));
        let ask = {
            let confirming = confirming.clone();
            Callback::from(move |_: MouseEvent| confirming.set(Some(slot)))
        };
        let keep = {
            let confirming = confirming.clone();
            Callback::from(move |_: MouseEvent| confirming.set(None))
        };
        let delete = {
            let (confirming, on_leave) = (confirming.clone(), p.on_leave.clone());
            Callback::from(move |_: MouseEvent| {
                confirming.set(None);
                on_leave.emit((slot, true));
            })
        };
        html! {
            <tr data-testid="network-row" data-name={row.name.clone()} class={classes!(shown.then_some("shown"))}>
                <td><b>{ &row.name }</b>{ " " }<code class="muted">{ &row.id }</code></td>
                <td>{ row.kind }</td>
                <td data-testid="network-mode">{ row.mode }</td>
                <td data-testid="network-height">{ row.height }</td>
                <td>{ row.peers }</td>
                <td data-testid="network-balance">{ row.balance }</td>
                <td data-testid="network-making">{ row.making }</td>
                <td class="actions">
                    if *shown {
                        <span class="muted">{ "shown" }</span>
                    } else {
                        <button class="small" data-testid="network-show" onclick={focus}>{ "show" }</button>
                    }
                    <button class="small" data-testid="network-leave" title="Stop its traffic now; its chain stays stored" onclick={leave}>{ "leave" }</button>
                    if *confirming == Some(slot) {
                        <span class="confirm" role="alert">{ "Delete its stored chain and pending transactions?" }</span>
                        <button class="small danger" data-testid="network-delete-confirm" onclick={delete}>{ "delete" }</button>
                        <button class="small" data-testid="network-delete-keep" onclick={keep}>{ "keep" }</button>
                    } else {
                        <button class="small" data-testid="network-delete" title="Leave and delete its stored chain and pending transactions" onclick={ask}>{ "leave and delete" }</button>
                    }
                </td>
            </tr>
        }
    });
    html! {
        <section class="networks" data-testid="networks">
            <h2>{ format!("Networks ({})", p.rows.len()) }</h2>
            if !p.rows.is_empty() {
                <table>
                    <thead><tr>
                        <th>{ "network" }</th><th>{ "kind" }</th><th>{ "mode" }</th><th>{ "height" }</th>
                        <th>{ "peers" }</th><th>{ "balance" }</th><th>{ "" }</th><th>{ "" }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
            <p class="row">
                { for p.left.iter().map(|(i, name)| {
                    let i = *i;
                    html! { <button class="small" data-testid="network-rejoin" onclick={p.on_rejoin.reform(move |_: MouseEvent| i)}>{ format!("rejoin {name}") }</button> }
                }) }
                { for p.built_in.iter().map(|name| {
                    let n = name.clone();
                    html! { <button class="small" data-testid="network-join" data-name={name.clone()} onclick={p.on_join.reform(move |_: MouseEvent| n.clone())}>{ format!("join {name}") }</button> }
                }) }
            </p>
        </section>
    }
}

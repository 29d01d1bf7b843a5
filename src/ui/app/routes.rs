//! The page's URL fragment: which page is shown, and payment links.

use super::App;
use crate::ui::route::Route;

impl App {
    /// Shows `route`; a payment link shows the wallet with the send form
    /// filled in.
    pub(super) fn navigate(&mut self, route: Route) {
        if !matches!(route, Route::Tamper(_)) {
            self.tamper = None;
        }
        self.errors.search = None;
        self.route = match route {
            Route::Pay(to, amount) => {
                let amount = amount.map(|a| a.to_string()).unwrap_or_default();
                self.prefill = Some((to.to_string(), amount));
                Route::Home
            }
            route => route,
        };
    }
}

/// The route in the page's URL fragment.
pub(super) fn current_route() -> Route {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    Route::parse(&hash)
}

/// Moves to `route` (the hashchange listener then renders it).
pub(super) fn set_route(route: &Route) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(&route.href());
    }
}

//! Getting the person's attention for a payment while the tab is hidden:
//! a count in the page's title ("(2) tabcoin"), gone when the tab is shown
//! again, and a browser notification if they allowed them. Permission is
//! asked for once per browser, at a moment the person acts in the tab (the
//! first time they mine or send), and never again.

use gloo::events::EventListener;
use gloo::storage::{LocalStorage, Storage};
use web_sys::{Notification, NotificationOptions, NotificationPermission};

/// Remembers that permission was asked for, so it is never asked again.
const ASKED_KEY: &str = "tabcoin.notifications-asked";
/// The page's title without a count.
const TITLE: &str = "tabcoin";

/// Payments the person has not seen, and the listener that clears them.
#[derive(Default)]
pub struct Attention {
    unseen: u32,
    _visible: Option<EventListener>,
}

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

impl Attention {
    /// Listens for the tab being shown: `shown` is called then (hand it
    /// back to [`Attention::seen`]).
    pub fn new(shown: impl Fn() + 'static) -> Attention {
        let visible = document().map(|d| {
            let doc = d.clone();
            EventListener::new(&d, "visibilitychange", move |_| {
                if !doc.hidden() {
                    shown();
                }
            })
        });
        Attention {
            unseen: 0,
            _visible: visible,
        }
    }

    /// Asks the browser for permission to notify, the first time only
    /// (call it while the person acts: browsers ask only then).
    pub fn ask_once(&self) {
        if LocalStorage::get::<bool>(ASKED_KEY).unwrap_or(false)
            || Notification::permission() != NotificationPermission::Default
        {
            return;
        }
        let _ = LocalStorage::set(ASKED_KEY, true);
        let _ = Notification::request_permission();
    }

    /// A payment the person should see, in words: while the tab is hidden
    /// the title counts it, and the browser shows it if allowed.
    pub fn payment(&mut self, text: &str) {
        let Some(doc) = document().filter(web_sys::Document::hidden) else {
            return;
        };
        self.unseen += 1;
        doc.set_title(&format!("({}) {TITLE}", self.unseen));
        if Notification::permission() == NotificationPermission::Granted {
            let options = NotificationOptions::new();
            options.set_body(text);
            options.set_tag("tabcoin-payment");
            let _ = Notification::new_with_options(TITLE, &options);
        }
    }

    /// The tab is shown: the count goes.
    pub fn seen(&mut self) {
        self.unseen = 0;
        if let Some(doc) = document() {
            doc.set_title(TITLE);
        }
    }
}

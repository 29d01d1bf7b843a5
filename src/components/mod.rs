//! View components, one per file.

pub mod accounts_panel;
pub mod block_card;
pub mod charts;
pub mod explorer;
pub mod mining_panel;
pub mod network_panel;
pub mod search_box;
pub mod send_form;
pub mod tamper_page;

//! View components, one per file.

pub mod block_card;
pub mod mining_panel;
pub mod network_panel;
pub mod send_form;

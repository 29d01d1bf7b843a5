//! View components, one per file.

pub mod block_card;
pub mod send_form;

//! View components, one per file.

pub mod block_card;

//! What an affiliate with a Rust backend links in to take part in postsale:
//! signing the tickets it puts on its order page, and answering the hub's
//! server-to-server calls when a customer accepts an offer.

pub use postsale_protocol::ReasonCode;

//! The affiliate's key material is the protocol's [`Secret`]: it never
//! shows up in logs, and both ends of the protocol share the one type.

pub use postsale_protocol::Secret;

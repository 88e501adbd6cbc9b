//! A shared secret that never shows up in logs: `Debug` prints a placeholder,
//! and there is no `Display`, so `{:?}` on a config struct is safe.

use std::fmt;

/// Key material shared with the hub (ticket secret, call-signing secret).
/// No `PartialEq`: comparing secrets with `==` would leak timing.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps key material. Use at least 32 random bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The raw bytes, for the one place that computes a MAC with them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Self(text.as_bytes().to_vec())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

//! Key material that never shows up in logs, shared by the hub and the
//! affiliate SDK: `Debug` prints a placeholder and there is no `Display`,
//! so `{:?}` on a settings struct is safe. No `PartialEq`: comparing secrets
//! with `==` would leak their bytes through timing; compare digests, or let
//! a MAC check compare.

use std::fmt;

/// A secret: a ticket or call-signing key, an API or operator key, the
/// master key.
#[derive(Clone)]
pub struct Secret(Box<[u8]>);

impl Secret {
    /// Wraps key material. Keys the hub and the SDK make are at least 32
    /// random bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into().into_boxed_slice())
    }

    /// The raw bytes, for the one place that computes with them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The secret as text, when it was given as text (keys in hex, the
    /// operator's key); `None` for bytes that are not UTF-8.
    pub fn expose_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints() {
        let secret = Secret::from("hunter2-hunter2-hunter2-hunter2!");
        let shown = format!("{secret:?} {:?}", Some(secret.clone()));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(secret.expose(), b"hunter2-hunter2-hunter2-hunter2!");
        assert_eq!(
            secret.expose_text(),
            Some("hunter2-hunter2-hunter2-hunter2!")
        );
        assert_eq!(Secret::new(vec![0xff]).expose_text(), None);
    }

    #[test]
    fn a_secret_reads_from_text_in_a_settings_file() {
        let secret: Secret = serde_json::from_str("\"k3y\"").expect("text");
        assert_eq!(secret.expose(), b"k3y");
    }
}

//! The reason code: the affiliate's class for a transaction, and the key that
//! picks the offer template, display style, upseller and reward.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// The longest reason code accepted.
const MAX_LEN: usize = 64;

/// An affiliate-assigned transaction class such as `CAMERA-HIGH`: 1 to 64
/// characters of `A-Z`, `0-9`, `-` and `_`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ReasonCode(String);

/// Why a string is not a reason code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReasonCodeError {
    /// The string is empty.
    Empty,
    /// The string is longer than 64 characters.
    TooLong,
    /// The string holds a character outside `A-Z 0-9 - _`, or starts with `-`/`_`.
    InvalidCharacter,
}

impl fmt::Display for ReasonCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "reason code is empty",
            Self::TooLong => "reason code is longer than 64 characters",
            Self::InvalidCharacter => {
                "reason code may hold only A-Z, 0-9, '-' and '_', starting with a letter or digit"
            }
        })
    }
}

impl std::error::Error for ReasonCodeError {}

impl ReasonCode {
    /// Parses a reason code. Lower-case letters are refused rather than folded,
    /// so that a code means the same thing in every system that stores it.
    pub fn parse(raw: &str) -> Result<Self, ReasonCodeError> {
        let first = raw.bytes().next().ok_or(ReasonCodeError::Empty)?;
        if raw.len() > MAX_LEN {
            return Err(ReasonCodeError::TooLong);
        }
        let allowed =
            |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_';
        if !first.is_ascii_alphanumeric() || !raw.bytes().all(allowed) {
            return Err(ReasonCodeError::InvalidCharacter);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ReasonCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ReasonCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Z0-9][A-Z0-9_-]{0,63}$"))
            .description(Some("The affiliate's class for a transaction"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ReasonCode {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_typical_code_parses() {
        assert_eq!(
            ReasonCode::parse("CAMERA-HIGH").map(|c| c.to_string()),
            Ok("CAMERA-HIGH".into())
        );
    }

    #[test]
    fn bad_codes_are_refused_with_the_reason() {
        assert_eq!(ReasonCode::parse(""), Err(ReasonCodeError::Empty));
        assert_eq!(
            ReasonCode::parse(&"A".repeat(65)),
            Err(ReasonCodeError::TooLong)
        );
        assert_eq!(
            ReasonCode::parse("camera"),
            Err(ReasonCodeError::InvalidCharacter)
        );
        assert_eq!(
            ReasonCode::parse("-CAMERA"),
            Err(ReasonCodeError::InvalidCharacter)
        );
        assert_eq!(
            ReasonCode::parse("CAMERA HIGH"),
            Err(ReasonCodeError::InvalidCharacter)
        );
    }

    #[test]
    fn deserializing_checks_the_code() {
        assert!(serde_json::from_str::<ReasonCode>("\"BAD code\"").is_err());
        assert!(serde_json::from_str::<ReasonCode>("\"GOOD_CODE\"").is_ok());
    }

    proptest! {
        #[test]
        fn parse_is_total_and_round_trips(raw in ".{0,80}") {
            if let Ok(code) = ReasonCode::parse(&raw) {
                prop_assert_eq!(code.as_str(), raw.as_str());
            }
        }

        #[test]
        fn every_valid_code_parses(raw in "[A-Z0-9][A-Z0-9_-]{0,63}") {
            prop_assert!(ReasonCode::parse(&raw).is_ok());
        }
    }
}

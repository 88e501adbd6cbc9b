//! The hub's own words, without I/O: what state a thing is in, as an enum
//! whose stored name is written in one place. The store binds these names;
//! handlers compare enums, never text. (See docs/ARCHITECTURE.md, "The
//! hub's layers".)

/// Where an opportunity stands. Expiry is not a status: an open opportunity
/// past its `expires_at` is expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpportunityStatus {
    /// Shown, neither accepted nor declined yet.
    Open,
    /// An accept claimed it (a declined card reopens it).
    Accepted,
    /// The customer said no.
    Declined,
}

impl OpportunityStatus {
    const ALL: [Self; 3] = [Self::Open, Self::Accepted, Self::Declined];

    /// The name stored in `opportunities.status`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
        }
    }

    /// The status a stored name names.
    pub(crate) fn parse(stored: &str) -> Result<Self, UnknownStatus> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == stored)
            .ok_or_else(|| UnknownStatus(stored.chars().take(32).collect()))
    }
}

impl std::fmt::Display for OpportunityStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored status the hub does not know (a database written by another
/// version).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown stored status '{0}'")]
pub(crate) struct UnknownStatus(pub(crate) String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_from_its_stored_name() {
        for status in OpportunityStatus::ALL {
            assert_eq!(OpportunityStatus::parse(status.as_str()), Ok(status));
        }
        assert!(OpportunityStatus::parse("expired").is_err());
    }
}

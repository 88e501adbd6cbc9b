//! The hub's own words, without I/O: what state a thing is in, as an enum
//! whose stored name is written in one place. The store binds these names;
//! handlers compare enums, never text. (See docs/ARCHITECTURE.md, "The
//! hub's layers".)

/// A status enum with the name each variant is stored under, written once;
/// `as_str` and `parse` go between the two, `Display` and JSON show the
/// name, and the API's schema lists every name.
macro_rules! stored_status {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $stored:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            #[cfg_attr(not(test), allow(dead_code))]
            const ALL: &[Self] = &[$(Self::$variant,)+];

            /// The name stored in the database.
            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $stored,)+
                }
            }

            /// The status a stored name names.
            #[allow(dead_code)]
            pub(crate) fn parse(stored: &str) -> Result<Self, UnknownStatus> {
                match stored {
                    $($stored => Ok(Self::$variant),)+
                    _ => Err(UnknownStatus(stored.chars().take(32).collect())),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($stored,)+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

stored_status! {
    /// Where an opportunity stands. Expiry is not a status: an open
    /// opportunity past its `expires_at` is expired.
    OpportunityStatus {
        /// Shown, neither accepted nor declined yet.
        Open = "open",
        /// An accept claimed it (a declined card reopens it).
        Accepted = "accepted",
        /// The customer said no.
        Declined = "declined",
    }
}

stored_status! {
    /// Where a refund stands. One the processor refused is not kept.
    RefundStatus {
        /// Asked for; the processor's answer is not known yet.
        Pending = "pending",
        /// The processor returned the money.
        Succeeded = "succeeded",
    }
}

stored_status! {
    /// Where a webhook stands.
    WebhookStatus {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// The recipient answered 2xx.
        Delivered = "delivered",
        /// Given up on after the retry window.
        Failed = "failed",
    }
}

stored_status! {
    /// Where an affiliation stands.
    AffiliationStatus {
        /// One merchant proposed it; the other has not answered.
        Proposed = "proposed",
        /// Both merchants say so; the operator has not confirmed it yet.
        Accepted = "accepted",
        /// The operator confirmed it: the two are one corporate group.
        Confirmed = "confirmed",
        /// Withdrawn by either merchant or the operator.
        Revoked = "revoked",
    }
}

stored_status! {
    /// Where an upseller's agreement with an affiliate stands.
    AgreementStatus {
        /// In force: the affiliate may sell in its modes.
        Active = "active",
        /// Withdrawn by the upseller.
        Revoked = "revoked",
    }
}

stored_status! {
    /// Where a key the hub signs its calls with stands.
    HubKeyStatus {
        /// Made and shown once; the hub does not sign with it yet.
        Staged = "staged",
        /// Activated by its merchant: the newest active one signs.
        Active = "active",
        /// Retired: never used again.
        Retired = "retired",
    }
}

stored_status! {
    /// What happened to an opportunity, for the statistics (a showing is
    /// the opportunity itself). Each happens at most once per opportunity.
    EventKind {
        /// The customer opened the offer.
        Viewed = "viewed",
        /// The customer said no.
        Declined = "declined",
        /// The customer took it; the event carries the amount.
        Accepted = "accepted",
    }
}

stored_status! {
    /// How an order moved a customer's loyalty points; one entry of each
    /// kind at most per order.
    PointsEntryKind {
        /// Credited when the order was paid.
        Earned = "earned",
        /// Spent on the order's reward, when it was accepted.
        Redeemed = "redeemed",
        /// The spent points back: the charge was declined, or the order
        /// wholly refunded.
        Returned = "returned",
        /// The earned points taken back by a whole refund, never more than
        /// the customer still held.
        Revoked = "revoked",
    }
}

stored_status! {
    /// What a person signed in to the console may do. A merchant's users
    /// are admins, editors or analysts; the operator's are operators.
    Role {
        /// Everything for its merchant: people, keys, trust, money.
        Admin = "admin",
        /// Sets up offers (the registry's records) and reads everything.
        Editor = "editor",
        /// Reads: figures, orders, the registry.
        Analyst = "analyst",
        /// The hub's operator: what only the operator decides.
        Operator = "operator",
    }
}

/// How much a request asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Access {
    /// Reading.
    Read,
    /// Changing what offers are shown and how.
    Edit,
    /// People, keys, trust, money and the merchant itself.
    Manage,
}

impl Role {
    /// Whether a merchant's user of this role may do what needs `access`
    /// (an operator is no merchant's user).
    pub(crate) fn allows(self, access: Access) -> bool {
        match self {
            Self::Admin => true,
            Self::Editor => access <= Access::Edit,
            Self::Analyst => access == Access::Read,
            Self::Operator => false,
        }
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
        for &status in OpportunityStatus::ALL {
            assert_eq!(OpportunityStatus::parse(status.as_str()), Ok(status));
        }
        for &status in RefundStatus::ALL {
            assert_eq!(RefundStatus::parse(status.as_str()), Ok(status));
        }
        for &status in WebhookStatus::ALL {
            assert_eq!(WebhookStatus::parse(status.as_str()), Ok(status));
        }
        for &status in AffiliationStatus::ALL {
            assert_eq!(AffiliationStatus::parse(status.as_str()), Ok(status));
        }
        for &status in AgreementStatus::ALL {
            assert_eq!(AgreementStatus::parse(status.as_str()), Ok(status));
        }
        for &status in EventKind::ALL {
            assert_eq!(EventKind::parse(status.as_str()), Ok(status));
        }
        for &status in HubKeyStatus::ALL {
            assert_eq!(HubKeyStatus::parse(status.as_str()), Ok(status));
        }
        for &kind in PointsEntryKind::ALL {
            assert_eq!(PointsEntryKind::parse(kind.as_str()), Ok(kind));
        }
        for &role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(OpportunityStatus::parse("expired").is_err());
        assert!(RefundStatus::parse("refused").is_err());
        assert!(WebhookStatus::parse("").is_err());
    }

    #[test]
    fn each_role_does_what_it_names_and_no_more() {
        use Access::*;
        let allowed = |role: Role| {
            [Read, Edit, Manage]
                .into_iter()
                .filter(|&a| role.allows(a))
                .collect::<Vec<_>>()
        };
        assert_eq!(allowed(Role::Admin), [Read, Edit, Manage]);
        assert_eq!(allowed(Role::Editor), [Read, Edit]);
        assert_eq!(allowed(Role::Analyst), [Read]);
        assert_eq!(allowed(Role::Operator), []);
    }
}

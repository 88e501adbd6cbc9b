//! A [`RedemptionStore`] in the process's memory, for the demo shop and
//! tests. It forgets everything on restart and is not shared between
//! processes, so a production affiliate implements the trait on its database.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use postsale_protocol::HandoffResponse;

use super::traits::{BoxFuture, Redemption, RedemptionStore, Replay, StoreError};

/// Redemptions and answers in memory. `Default` is empty.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Tables>,
}

#[derive(Debug, Default)]
struct Tables {
    /// hub order id -> (affiliate order id, customer token)
    orders: HashMap<String, (String, String)>,
    /// (affiliate order id, customer token, opportunity) -> hub order id
    tokens: HashMap<(String, String, String), String>,
    /// validator id -> hub order id
    validators: HashMap<String, String>,
    /// hub order id -> the answer given
    answers: HashMap<String, HandoffResponse>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn tables(&self) -> MutexGuard<'_, Tables> {
        // Every update below is a few inserts that cannot panic half-way, so
        // a poisoned lock still guards consistent tables.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Tables {
    fn claim(&mut self, r: Redemption<'_>) -> Result<(), Replay> {
        let token = (r.affiliate_order_id.to_owned(), r.customer_token.to_owned());
        let offer = (
            token.0.clone(),
            token.1.clone(),
            r.opportunity_id.to_owned(),
        );
        if self
            .orders
            .get(r.order_id)
            .is_some_and(|owner| *owner != token)
        {
            return Err(Replay::OrderMismatch);
        }
        if self.tokens.get(&offer).is_some_and(|o| o != r.order_id) {
            return Err(Replay::TokenRedeemed);
        }
        if self
            .validators
            .get(r.validator_id)
            .is_some_and(|o| o != r.order_id)
        {
            return Err(Replay::ValidatorUsed);
        }
        self.orders.insert(r.order_id.to_owned(), token);
        self.tokens.insert(offer, r.order_id.to_owned());
        self.validators
            .insert(r.validator_id.to_owned(), r.order_id.to_owned());
        Ok(())
    }
}

impl RedemptionStore for MemoryStore {
    fn get<'a>(
        &'a self,
        order_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<HandoffResponse>, StoreError>> {
        let answer = self.tables().answers.get(order_id).cloned();
        Box::pin(async move { Ok(answer) })
    }

    fn claim<'a>(&'a self, redemption: Redemption<'a>) -> BoxFuture<'a, Result<(), StoreError>> {
        let claimed = self.tables().claim(redemption).map_err(StoreError::from);
        Box::pin(async move { claimed })
    }

    fn store<'a>(
        &'a self,
        order_id: &'a str,
        answer: &'a HandoffResponse,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.tables()
            .answers
            .insert(order_id.to_owned(), answer.clone());
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redemption<'a>(order: &'a str, token: &'a str, validator: &'a str) -> Redemption<'a> {
        Redemption {
            order_id: order,
            affiliate_order_id: "A-1001",
            customer_token: token,
            opportunity_id: "opp_1",
            validator_id: validator,
        }
    }

    fn claim(store: &MemoryStore, r: Redemption<'_>) -> Result<(), Replay> {
        store.tables().claim(r)
    }

    #[test]
    fn the_same_hub_order_may_claim_again_even_with_a_fresh_validator() {
        let store = MemoryStore::new();
        assert_eq!(claim(&store, redemption("ord_1", "cus_7", "v1")), Ok(()));
        assert_eq!(claim(&store, redemption("ord_1", "cus_7", "v1")), Ok(()));
        assert_eq!(claim(&store, redemption("ord_1", "cus_7", "v2")), Ok(()));
    }

    #[test]
    fn another_hub_order_for_a_redeemed_token_is_a_replay() {
        let store = MemoryStore::new();
        assert_eq!(claim(&store, redemption("ord_1", "cus_7", "v1")), Ok(()));
        assert_eq!(
            claim(&store, redemption("ord_2", "cus_7", "v2")),
            Err(Replay::TokenRedeemed)
        );
    }

    #[test]
    fn each_offer_of_one_order_is_redeemed_once() {
        let store = MemoryStore::new();
        assert_eq!(claim(&store, redemption("ord_1", "cus_7", "v1")), Ok(()));
        let follow_up = Redemption {
            opportunity_id: "opp_2",
            ..redemption("ord_2", "cus_7", "v2")
        };
        assert_eq!(claim(&store, follow_up), Ok(()));
        let again = Redemption {
            opportunity_id: "opp_2",
            ..redemption("ord_3", "cus_7", "v3")
        };
        assert_eq!(claim(&store, again), Err(Replay::TokenRedeemed));
    }

    #[test]
    fn a_validator_presented_for_another_hub_order_is_a_replay() {
        let store = MemoryStore::new();
        assert_eq!(claim(&store, redemption("ord_1", "cus_7", "v1")), Ok(()));
        assert_eq!(
            claim(&store, redemption("ord_2", "cus_8", "v1")),
            Err(Replay::ValidatorUsed)
        );
    }

    #[test]
    fn a_hub_order_id_reused_for_another_token_is_a_replay() {
        let store = MemoryStore::new();
        assert_eq!(claim(&store, redemption("ord_1", "cus_7", "v1")), Ok(()));
        assert_eq!(
            claim(&store, redemption("ord_1", "cus_8", "v2")),
            Err(Replay::OrderMismatch)
        );
    }

    #[test]
    fn a_refused_claim_records_nothing() {
        let store = MemoryStore::new();
        assert_eq!(claim(&store, redemption("ord_1", "cus_7", "v1")), Ok(()));
        assert!(claim(&store, redemption("ord_2", "cus_7", "v2")).is_err());
        // v2 and ord_2 stay free for a legitimate claim.
        assert_eq!(claim(&store, redemption("ord_2", "cus_8", "v2")), Ok(()));
    }
}

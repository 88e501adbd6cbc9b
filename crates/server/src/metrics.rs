//! What an operator watches, in the Prometheus (OpenMetrics) text format:
//! requests by route and status and their latency, opportunities by
//! outcome, accepts and charges by handoff mode and outcome, refunds,
//! webhook deliveries, and at each scrape the webhook queue, the
//! reconciler's backlog and the database connections. Each hub keeps its
//! own registry (no process-wide recorder), so hubs in one process, as in
//! the tests, count apart. Labels are route templates, modes and outcomes:
//! never an id, a merchant or a customer. See `docs/ARCHITECTURE.md`,
//! "Running behind a proxy".

use std::time::Duration;

use crate::{db::Db, failure::Failure, store};

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

/// A request, as counted.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route template (`/v1/opportunities/{id}/offer`), `unmatched` for
    /// a path no route has.
    route: String,
    status: u16,
}

/// How something ended.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// How something of a handoff mode ended.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModeLabels {
    mode: &'static str,
    outcome: &'static str,
}

/// A connection count by state.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// What the database says at a scrape.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Backlog {
    /// Webhooks not yet delivered.
    pub(crate) webhooks: i64,
    /// Seconds since the oldest of them was made (0 when none waits).
    pub(crate) oldest_webhook_secs: i64,
    /// Orders whose payment outcome the reconciler still has to settle or
    /// learn.
    pub(crate) unsettled_orders: i64,
    /// Connections of the hub's pool: in use, and idle.
    pub(crate) connections_in_use: i64,
    pub(crate) connections_idle: i64,
}

/// What the database says now, for a scrape.
pub(crate) async fn backlog(db: &Db) -> Result<Backlog, Failure> {
    let ((webhooks, oldest), unsettled_orders) = tokio::try_join!(
        store::webhooks::backlog(&db.pool),
        store::orders::unsettled(&db.pool),
    )?;
    let size = i64::from(db.pool.size());
    let idle = i64::try_from(db.pool.num_idle()).unwrap_or(i64::MAX);
    Ok(Backlog {
        webhooks,
        oldest_webhook_secs: oldest.map_or(0, |at| (crate::ids::now() - at).max(0)),
        unsettled_orders,
        connections_in_use: (size - idle).max(0),
        connections_idle: idle,
    })
}

/// One hub's metrics, or none (`--no-metrics`): then counting costs a
/// branch and there is nothing to scrape.
#[derive(Debug, Default)]
pub(crate) struct Metrics(Option<Counted>);

/// What a hub that counts keeps.
#[derive(Debug)]
struct Counted {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
    opportunities: Family<OutcomeLabels, Counter>,
    accepts: Family<ModeLabels, Counter>,
    charges: Family<ModeLabels, Counter>,
    refunds: Family<OutcomeLabels, Counter>,
    quotes: Family<OutcomeLabels, Counter>,
    webhook_failures: Counter,
    webhooks_delivered: Counter,
    webhook_queue: Gauge,
    webhook_oldest: Gauge,
    unsettled: Gauge,
    pool: Family<PoolLabels, Gauge>,
}

impl Metrics {
    /// Metrics that count, or (`counting` false) none.
    pub(crate) fn new(counting: bool) -> Self {
        Self(counting.then(Counted::new))
    }

    /// Whether this hub counts.
    pub(crate) fn counting(&self) -> bool {
        self.0.is_some()
    }

    /// A request answered.
    pub(crate) fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        if let Some(counted) = &self.0 {
            counted.request(method, route, status, took);
        }
    }

    /// A purchase reported, and what came of it.
    pub(crate) fn opportunity(&self, outcome: &'static str) {
        if let Some(counted) = &self.0 {
            counted
                .opportunities
                .get_or_create(&OutcomeLabels { outcome })
                .inc();
        }
    }

    /// An upseller's live quote, by outcome.
    pub(crate) fn quote(&self, outcome: &'static str) {
        if let Some(counted) = &self.0 {
            counted
                .quotes
                .get_or_create(&OutcomeLabels { outcome })
                .inc();
        }
    }

    /// An accept answered.
    pub(crate) fn accept(&self, mode: &'static str, outcome: &'static str) {
        if let Some(counted) = &self.0 {
            counted
                .accepts
                .get_or_create(&ModeLabels { mode, outcome })
                .inc();
        }
    }

    /// A payment settled.
    pub(crate) fn charge(&self, mode: &'static str, outcome: &'static str) {
        if let Some(counted) = &self.0 {
            counted
                .charges
                .get_or_create(&ModeLabels { mode, outcome })
                .inc();
        }
    }

    /// A refund asked for.
    pub(crate) fn refund(&self, outcome: &'static str) {
        if let Some(counted) = &self.0 {
            counted
                .refunds
                .get_or_create(&OutcomeLabels { outcome })
                .inc();
        }
    }

    /// A webhook attempt.
    pub(crate) fn webhook(&self, delivered: bool) {
        if let Some(counted) = &self.0 {
            if delivered {
                counted.webhooks_delivered.inc();
            } else {
                counted.webhook_failures.inc();
            }
        }
    }

    /// The text of a scrape, with what the database said just now (none
    /// when this hub does not count).
    pub(crate) fn render(&self, backlog: Backlog) -> Option<Result<String, std::fmt::Error>> {
        self.0.as_ref().map(|counted| counted.render(backlog))
    }
}

impl Counted {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("postsale");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by method, route template and status",
            requests.clone(),
        );
        // From half a millisecond to about 16 s, doubling.
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's head to its answer, by method, route template and status",
            latency.clone(),
        );
        let opportunities = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "opportunities",
            "Purchases reported, by outcome: created, again (the same ticket), or the no-offer reason",
            opportunities.clone(),
        );
        let accepts = Family::<ModeLabels, Counter>::default();
        registry.register(
            "accepts",
            "Accepts answered, by handoff mode and outcome",
            accepts.clone(),
        );
        let charges = Family::<ModeLabels, Counter>::default();
        registry.register(
            "charges",
            "Payments settled, by handoff mode and outcome (charged, declined, failed, unknown)",
            charges.clone(),
        );
        let refunds = Family::<OutcomeLabels, Counter>::default();
        registry.register("refunds", "Refunds asked for, by outcome", refunds.clone());
        let quotes = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "quotes",
            "Upsellers' live quotes, by outcome (answered, late, refused, failed, unreadable, unsigned)",
            quotes.clone(),
        );
        let webhook_failures = Counter::default();
        registry.register(
            "webhook_delivery_failures",
            "Webhook attempts that did not get a 2xx",
            webhook_failures.clone(),
        );
        let webhooks_delivered = Counter::default();
        registry.register(
            "webhooks_delivered",
            "Webhooks delivered",
            webhooks_delivered.clone(),
        );
        let webhook_queue = Gauge::default();
        registry.register(
            "webhook_queue_depth",
            "Webhooks not yet delivered, at the scrape",
            webhook_queue.clone(),
        );
        let webhook_oldest = Gauge::default();
        registry.register(
            "webhook_oldest_undelivered_seconds",
            "Age of the oldest webhook not yet delivered, at the scrape (0 when none waits)",
            webhook_oldest.clone(),
        );
        let unsettled = Gauge::default();
        registry.register(
            "reconciler_backlog",
            "Orders whose payment the reconciler still has to settle or learn the outcome of, at the scrape",
            unsettled.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "The hub's database connections, by state (in_use, idle), at the scrape",
            pool.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            opportunities,
            accepts,
            charges,
            refunds,
            quotes,
            webhook_failures,
            webhooks_delivered,
            webhook_queue,
            webhook_oldest,
            unsettled,
            pool,
        }
    }

    fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let labels = RequestLabels {
            method: method.to_owned(),
            route: route.to_owned(),
            status,
        };
        self.latency
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
        self.requests.get_or_create(&labels).inc();
    }

    fn render(&self, backlog: Backlog) -> Result<String, std::fmt::Error> {
        self.webhook_queue.set(backlog.webhooks);
        self.webhook_oldest.set(backlog.oldest_webhook_secs);
        self.unsettled.set(backlog.unsettled_orders);
        self.pool
            .get_or_create(&PoolLabels { state: "in_use" })
            .set(backlog.connections_in_use);
        self.pool
            .get_or_create(&PoolLabels { state: "idle" })
            .set(backlog.connections_idle);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrape_holds_what_was_counted_and_nothing_else() {
        let metrics = Metrics::new(true);
        metrics.request("POST", "/v1/opportunities", 201, Duration::from_millis(3));
        metrics.request("POST", "/v1/opportunities", 201, Duration::from_millis(1));
        metrics.opportunity("no_eligible_items");
        metrics.charge("payment_reference", "charged");
        let text = metrics
            .render(Backlog {
                webhooks: 3,
                oldest_webhook_secs: 42,
                ..Backlog::default()
            })
            .expect("counting")
            .expect("renders");
        for line in [
            r#"postsale_http_requests_total{method="POST",route="/v1/opportunities",status="201"} 2"#,
            r#"postsale_http_request_duration_seconds_count{method="POST",route="/v1/opportunities",status="201"} 2"#,
            r#"postsale_opportunities_total{outcome="no_eligible_items"} 1"#,
            r#"postsale_charges_total{mode="payment_reference",outcome="charged"} 1"#,
            "postsale_webhook_queue_depth 3",
            "postsale_webhook_oldest_undelivered_seconds 42",
            "# EOF",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        let off = Metrics::new(false);
        off.request("GET", "/healthz", 200, Duration::from_millis(1));
        assert!(off.render(Backlog::default()).is_none());
    }
}

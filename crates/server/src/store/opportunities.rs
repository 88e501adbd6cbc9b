//! The opportunity row: opening one for an order is one unit of work. It
//! inserts the new row unless the order has one or the customer saw the
//! reason code as often today as its cap allows, and otherwise finds the
//! order's stored opportunity, in one transaction: on SQLite in the lane
//! (grouped with the others waiting: a count and one insert for a new
//! order), on PostgreSQL in one statement for all the opportunities waiting
//! at that moment, whose `INSERT ... ON CONFLICT DO NOTHING` settles two
//! replicas (or two requests) opening the same order at once.

use std::sync::Arc;

use sqlx::Row;
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::{Store, StoreError, lane::Lane, plan::Statement};
use crate::domain::OpportunityStatus;

/// An opportunity about to be stored (also its showing: the statistics
/// count opportunities as showings).
#[derive(Debug, Clone)]
pub(crate) struct NewOpportunity {
    pub(crate) id: String,
    pub(crate) reason_code: String,
    pub(crate) upseller: String,
    pub(crate) currency: String,
    /// The offered SKUs, as JSON.
    pub(crate) skus: String,
    /// The answer given, as JSON, for the same ticket asking again.
    pub(crate) body: String,
    pub(crate) expires_at: i64,
    /// The address the affiliate passed with the purchase, as JSON.
    pub(crate) ship_to: Option<String>,
    /// What selection needs of the purchase, as JSON, for the follow-ups.
    pub(crate) purchase: String,
    /// The prices the upseller confirmed live, by SKU, as JSON.
    pub(crate) quoted: Option<String>,
}

/// What the widget asks for one order.
#[derive(Debug, Clone)]
pub(crate) struct Ask {
    pub(crate) affiliate: String,
    pub(crate) order_id: String,
    pub(crate) nonce: String,
    pub(crate) customer: String,
    /// The incentive the customer picked, recorded on the stored open
    /// opportunity of the same ticket, or stored with the new one.
    pub(crate) incentive: Option<String>,
    pub(crate) now: i64,
    /// The reason code that applies and its showings a day, when one does.
    pub(crate) cap: Option<(String, u32)>,
    /// The opportunity to store when the order has none and the cap allows.
    pub(crate) new: Option<NewOpportunity>,
}

/// The order's opportunity as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    pub(crate) nonce: String,
    pub(crate) status: OpportunityStatus,
    pub(crate) expires_at: i64,
    pub(crate) body: String,
}

/// What opening found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Opened {
    /// The order already has an opportunity (the incentive was recorded on
    /// it if it is this ticket's and open).
    Stored(Stored),
    /// The customer saw the reason code as often as its cap allows today.
    Capped,
    /// The new opportunity is stored.
    Created,
    /// Nothing to store and nothing stored.
    Nothing,
}

const FIND: &str = "SELECT ticket_nonce, status, expires_at, body FROM opportunities \
     WHERE affiliate_id = $1 AND order_id = $2 AND step = 0";
/// The customer's first offers under a code today (follow-ups do not count).
const SEEN: &str = "SELECT COUNT(*) FROM opportunities WHERE affiliate_id = $1 AND customer_token = $2 \
     AND reason_code = $3 AND created_at > $4 AND step = 0";
const PICK: &str = "UPDATE opportunities SET incentive = $1 WHERE affiliate_id = $2 AND order_id = $3 \
     AND step = 0 AND ticket_nonce = $4 AND status = $5 AND expires_at > $6";
/// The new opportunity, unless its order has one (the unique key). One row
/// of values, not a `SELECT`: SQLite would copy a `SELECT` reading the same
/// table into a temporary table first, and journal each page the statement
/// touches, which costs more than the row.
const INSERT: &str = "INSERT INTO opportunities (id, affiliate_id, order_id, ticket_nonce, customer_token, \
     reason_code, upseller_id, incentive, currency, item_skus, body, status, created_at, expires_at, ship_to, \
     purchase, quoted) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
     ON CONFLICT (affiliate_id, order_id, step) DO NOTHING";

/// A day: the window of the frequency cap.
const DAY: i64 = 86_400;

/// Opens the opportunity `ask` describes, or finds the order's.
pub(crate) async fn open(store: &Store, ask: Ask) -> Result<Opened, StoreError> {
    match store {
        Store::Sqlite { lane, .. } => open_in_lane(lane, ask).await,
        Store::Postgres(postgres) => postgres.opens.open(ask).await,
    }
}

async fn open_in_lane(lane: &Lane, ask: Ask) -> Result<Opened, StoreError> {
    // Most asks are a new order: the customer's showings today are counted
    // (when the reason code has a cap) and one statement inserts the
    // opportunity unless the order has one (the unique key). The lane is
    // SQLite's only writer of opportunities and runs this in its write
    // transaction, so nothing comes between the count and the insert. Only
    // when it inserts nothing is the order's row read, and the incentive
    // recorded on it: each path writes once.
    let opened = lane
        .run_one_write(move |conn| -> Result<Raw, StoreError> {
            use rusqlite::OptionalExtension;
            let capped = match &ask.cap {
                Some((code, cap)) => {
                    let seen: i64 = conn.prepare_cached(SEEN)?.query_row(
                        (&ask.affiliate, &ask.customer, code, ask.now - DAY),
                        |row| row.get(0),
                    )?;
                    seen >= i64::from(*cap)
                }
                None => false,
            };
            if let Some(new) = ask.new.as_ref().filter(|_| !capped) {
                let inserted = conn.prepare_cached(INSERT)?.execute(rusqlite::params![
                    new.id,
                    ask.affiliate,
                    ask.order_id,
                    ask.nonce,
                    ask.customer,
                    new.reason_code,
                    new.upseller,
                    ask.incentive,
                    new.currency,
                    new.skus,
                    new.body,
                    OpportunityStatus::Open.as_str(),
                    ask.now,
                    new.expires_at,
                    new.ship_to,
                    new.purchase,
                    new.quoted,
                ])?;
                if inserted == 1 {
                    return Ok(Raw::Created);
                }
            }
            let found = conn
                .prepare_cached(FIND)?
                .query_row((&ask.affiliate, &ask.order_id), |row| {
                    Ok(Raw::Found(
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                    ))
                })
                .optional()?;
            if let Some(found) = found {
                if let Some(incentive) = &ask.incentive {
                    conn.prepare_cached(PICK)?.execute((
                        incentive,
                        &ask.affiliate,
                        &ask.order_id,
                        &ask.nonce,
                        OpportunityStatus::Open.as_str(),
                        ask.now,
                    ))?;
                }
                return Ok(found);
            }
            // No row for the order: the cap refused it, or there was
            // nothing to store.
            Ok(if capped { Raw::Capped } else { Raw::Nothing })
        })
        .await?;
    opened.typed()
}

/// One ask alone: its insert by the batch statement, then, if it inserted
/// nothing, what the order has.
async fn open_alone(pool: &sqlx::AnyPool, ask: Ask) -> Result<Opened, StoreError> {
    if ask.new.is_some() && !insert_together(pool, &[&ask]).await?.is_empty() {
        return Ok(Opened::Created);
    }
    not_inserted(pool, &ask).await
}

/// What an ask that inserted nothing opened: the order's stored
/// opportunity (the incentive recorded on it), or the cap, or nothing. Most
/// asks are new orders and never come here.
async fn not_inserted(pool: &sqlx::AnyPool, ask: &Ask) -> Result<Opened, StoreError> {
    if let Some(stored) = find(pool, ask).await? {
        if let Some(incentive) = &ask.incentive {
            sqlx::query(PICK)
                .bind(incentive)
                .bind(&ask.affiliate)
                .bind(&ask.order_id)
                .bind(&ask.nonce)
                .bind(OpportunityStatus::Open.as_str())
                .bind(ask.now)
                .execute(pool)
                .await?;
        }
        return Ok(Opened::Stored(stored));
    }
    let Some((code, cap)) = &ask.cap else {
        return Ok(Opened::Nothing);
    };
    // With an opportunity to insert and no row for the order, the cap
    // refused it; with none, the cap still answers first.
    if ask.new.is_some() {
        return Ok(Opened::Capped);
    }
    let seen: i64 = sqlx::query_scalar(SEEN)
        .bind(&ask.affiliate)
        .bind(&ask.customer)
        .bind(code)
        .bind(ask.now - DAY)
        .fetch_one(pool)
        .await?;
    Ok(if seen >= i64::from(*cap) {
        Opened::Capped
    } else {
        Opened::Nothing
    })
}

async fn find(pool: &sqlx::AnyPool, ask: &Ask) -> Result<Option<Stored>, StoreError> {
    of_order(pool, &ask.affiliate, &ask.order_id).await
}

/// The first opportunity of `affiliate`'s order `order_id`, if it has one.
pub(crate) async fn of_order(
    pool: &sqlx::AnyPool,
    affiliate: &str,
    order_id: &str,
) -> Result<Option<Stored>, StoreError> {
    let Some(row) = sqlx::query(FIND)
        .bind(affiliate)
        .bind(order_id)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    Raw::Found(
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
    )
    .typed()
    .map(|opened| match opened {
        Opened::Stored(stored) => Some(stored),
        _ => None,
    })
}

/// An opportunity's row, as the offer, the consent, the card entry and the
/// accept read it.
#[derive(Debug, Clone)]
pub(crate) struct OpportunityRow {
    pub(crate) affiliate: String,
    pub(crate) upseller: String,
    pub(crate) reason_code: String,
    pub(crate) currency: String,
    /// The offered SKUs, as JSON.
    pub(crate) item_skus: String,
    pub(crate) incentive: Option<String>,
    pub(crate) status: OpportunityStatus,
    pub(crate) expires_at: i64,
    pub(crate) order_id: String,
    pub(crate) ticket_nonce: String,
    pub(crate) customer_token: String,
    /// The answer first given, as JSON.
    pub(crate) body: String,
    /// The address the affiliate passed, as JSON.
    pub(crate) ship_to: Option<String>,
    /// Its place in the order's chain of offers: 0 for the first.
    pub(crate) step: i64,
    /// What selection needs of the purchase, as JSON (absent on rows
    /// stored before follow-ups existed).
    pub(crate) purchase: Option<String>,
    /// The prices the upseller confirmed live, by SKU, as JSON.
    pub(crate) quoted: Option<String>,
}

/// The opportunity `id`, if there is one.
pub(crate) async fn by_id(store: &Store, id: &str) -> Result<Option<OpportunityRow>, StoreError> {
    let query = Statement {
        sql: "SELECT affiliate_id, upseller_id, reason_code, currency, item_skus, incentive, status, \
              expires_at, order_id, ticket_nonce, customer_token, body, ship_to, step, purchase, quoted \
              FROM opportunities WHERE id = $1",
        values: vec![id.into()],
    };
    store
        .one(query, |row| {
            Ok(OpportunityRow {
                affiliate: row.get("affiliate_id")?,
                upseller: row.get("upseller_id")?,
                reason_code: row.get("reason_code")?,
                currency: row.get("currency")?,
                item_skus: row.get("item_skus")?,
                incentive: row.get("incentive")?,
                status: OpportunityStatus::parse(&row.get::<String>("status")?)?,
                expires_at: row.get("expires_at")?,
                order_id: row.get("order_id")?,
                ticket_nonce: row.get("ticket_nonce")?,
                customer_token: row.get("customer_token")?,
                body: row.get("body")?,
                ship_to: row.get("ship_to")?,
                step: row.get("step")?,
                purchase: row.get("purchase")?,
                quoted: row.get("quoted")?,
            })
        })
        .await
}

/// A follow-up offer about to be stored: the next step of its order's chain.
#[derive(Debug, Clone)]
pub(crate) struct FollowUp<'a> {
    /// The opportunity it follows.
    pub(crate) previous_id: &'a str,
    pub(crate) previous: &'a OpportunityRow,
    pub(crate) new: &'a NewOpportunity,
    pub(crate) now: i64,
}

/// Stores `follow` unless its step of the chain is stored already (by
/// another request, or another hub, at the same moment); answers the step's
/// stored opportunity: its id and its body.
pub(crate) async fn following(
    writer: &sqlx::AnyPool,
    follow: &FollowUp<'_>,
) -> Result<Option<(String, String)>, StoreError> {
    let previous = follow.previous;
    let step = previous.step + 1;
    sqlx::query(
        "INSERT INTO opportunities (id, affiliate_id, order_id, ticket_nonce, customer_token, \
         reason_code, upseller_id, currency, item_skus, body, status, created_at, expires_at, ship_to, \
         purchase, step, previous_id, quoted) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (affiliate_id, order_id, step) DO NOTHING",
    )
    .bind(&follow.new.id)
    .bind(&previous.affiliate)
    .bind(&previous.order_id)
    .bind(&previous.ticket_nonce)
    .bind(&previous.customer_token)
    .bind(&follow.new.reason_code)
    .bind(&follow.new.upseller)
    .bind(&follow.new.currency)
    .bind(&follow.new.skus)
    .bind(&follow.new.body)
    .bind(OpportunityStatus::Open.as_str())
    .bind(follow.now)
    .bind(follow.new.expires_at)
    .bind(&previous.ship_to)
    .bind(&follow.new.purchase)
    .bind(step)
    .bind(follow.previous_id)
    .bind(&follow.new.quoted)
    .execute(writer)
    .await?;
    Ok(sqlx::query_as(
        "SELECT id, body FROM opportunities WHERE affiliate_id = $1 AND order_id = $2 AND step = $3",
    )
    .bind(&previous.affiliate)
    .bind(&previous.order_id)
    .bind(step)
    .fetch_optional(writer)
    .await?)
}

/// Whether opportunity `id` has an order that is paid (charged or
/// fulfilled): one whose outcome is still unknown is not, yet.
pub(crate) async fn paid(pool: &sqlx::AnyPool, id: &str) -> Result<bool, StoreError> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM orders WHERE opportunity_id = $1 AND status IN ($2, $3)",
    )
    .bind(id)
    .bind(postsale_protocol::OrderStatus::Charged.as_str())
    .bind(postsale_protocol::OrderStatus::Fulfilled.as_str())
    .fetch_one(pool)
    .await?;
    Ok(count > 0)
}

/// The follow-up stored after opportunity `id`, if any: its id and body.
pub(crate) async fn followed_by(
    pool: &sqlx::AnyPool,
    id: &str,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT id, body FROM opportunities WHERE previous_id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}

/// What the chain of `affiliate`'s order `order_id` holds so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chain {
    /// The reason code of its first offer.
    pub(crate) first_code: Option<String>,
    /// The SKUs each step offered (JSON lists), in step order.
    pub(crate) offered: Vec<String>,
    /// The orders placed from it that did not fail (id, amount in minor
    /// units), in step order.
    pub(crate) placed: Vec<(String, i64)>,
}

/// The chain of `affiliate`'s order `order_id`.
pub(crate) async fn chain(
    pool: &sqlx::AnyPool,
    affiliate: &str,
    order_id: &str,
) -> Result<Chain, StoreError> {
    let steps: Vec<(String, String)> = sqlx::query_as(
        "SELECT reason_code, item_skus FROM opportunities WHERE affiliate_id = $1 AND order_id = $2 \
         ORDER BY step",
    )
    .bind(affiliate)
    .bind(order_id)
    .fetch_all(pool)
    .await?;
    let placed: Vec<(String, i64)> = sqlx::query_as(
        "SELECT o.id, o.amount_minor FROM orders o JOIN opportunities p ON p.id = o.opportunity_id \
         WHERE p.affiliate_id = $1 AND p.order_id = $2 AND o.status <> $3 ORDER BY p.step, o.created_at",
    )
    .bind(affiliate)
    .bind(order_id)
    .bind(postsale_protocol::OrderStatus::Failed.as_str())
    .fetch_all(pool)
    .await?;
    let first_code = steps.first().map(|(code, _)| code.clone());
    Ok(Chain {
        first_code,
        offered: steps.into_iter().map(|(_, skus)| skus).collect(),
        placed,
    })
}

/// Records `incentive` on the open opportunity `id` at `now`; false when it
/// is no longer open.
pub(crate) async fn pick(
    writer: &sqlx::AnyPool,
    id: &str,
    incentive: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let changed = sqlx::query(
        "UPDATE opportunities SET incentive = $1 WHERE id = $2 AND status = $3 AND expires_at > $4",
    )
    .bind(incentive)
    .bind(id)
    .bind(OpportunityStatus::Open.as_str())
    .bind(now)
    .execute(writer)
    .await?;
    Ok(changed.rows_affected() == 1)
}

/// Declines the open opportunity `id`; false when it was not open.
pub(crate) async fn decline(conn: &mut sqlx::AnyConnection, id: &str) -> Result<bool, StoreError> {
    let changed = sqlx::query("UPDATE opportunities SET status = $2 WHERE id = $1 AND status = $3")
        .bind(id)
        .bind(OpportunityStatus::Declined.as_str())
        .bind(OpportunityStatus::Open.as_str())
        .execute(conn)
        .await?;
    Ok(changed.rows_affected() == 1)
}

/// Counts one card entered on opportunity `id`; false once `max` were.
pub(crate) async fn count_card(
    pool: &sqlx::AnyPool,
    id: &str,
    max: i64,
) -> Result<bool, StoreError> {
    let counted = sqlx::query(
        "UPDATE opportunities SET card_attempts = card_attempts + 1 WHERE id = $1 AND card_attempts < $2",
    )
    .bind(id)
    .bind(max)
    .execute(pool)
    .await?;
    Ok(counted.rows_affected() == 1)
}

/// What the lane answers, before the status is read.
enum Raw {
    Found(String, String, i64, String),
    Capped,
    Created,
    Nothing,
}

impl Raw {
    fn typed(self) -> Result<Opened, StoreError> {
        Ok(match self {
            Self::Found(nonce, status, expires_at, body) => Opened::Stored(Stored {
                nonce,
                status: OpportunityStatus::parse(&status)?,
                expires_at,
                body,
            }),
            Self::Capped => Opened::Capped,
            Self::Created => Opened::Created,
            Self::Nothing => Opened::Nothing,
        })
    }
}

/// The most opportunities one PostgreSQL statement opens.
const MAX_BATCH: usize = 64;
/// The most batch statements running at once (each holds a connection):
/// two, so one is sent while the other runs; more would make the batches
/// smaller and the database's fixed cost per statement count again (at 8,
/// the bench's PostgreSQL rate fell by half).
const BATCHES_AT_ONCE: usize = 2;

type Waiting = (Ask, oneshot::Sender<Result<Opened, StoreError>>);

/// The PostgreSQL batching task's queue: while the statements running take
/// every permit, the asks arriving wait and go together in the next one, so
/// the statement's fixed cost is shared.
#[derive(Debug, Clone)]
pub(crate) struct Batches {
    queue: mpsc::UnboundedSender<Waiting>,
}

impl Batches {
    /// Starts the batching task, on connections of its own where the batch
    /// statement is parsed once but planned for every batch: a plan kept
    /// from when the table was small would scan it whole once it is large
    /// (PostgreSQL's estimates for a new table are guesses; with a kept
    /// plan the order's lookup went through the wrong index).
    pub(crate) fn start(options: sqlx::any::AnyConnectOptions) -> Self {
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(BATCHES_AT_ONCE as u32)
            .test_before_acquire(false)
            .idle_timeout(std::time::Duration::from_secs(60))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute("SET plan_cache_mode = force_custom_plan")
                        .await?;
                    Ok(())
                })
            })
            .connect_lazy_with(options);
        let (queue, waiting) = mpsc::unbounded_channel();
        tokio::spawn(batch_task(pool, waiting));
        Self { queue }
    }

    async fn open(&self, ask: Ask) -> Result<Opened, StoreError> {
        let (answer, answered) = oneshot::channel();
        self.queue
            .send((ask, answer))
            .map_err(|_| super::lane::LaneError::Gone)?;
        answered
            .await
            .unwrap_or(Err(StoreError::Lane(super::lane::LaneError::Gone)))
    }
}

async fn batch_task(pool: sqlx::AnyPool, mut waiting: mpsc::UnboundedReceiver<Waiting>) {
    let permits = Arc::new(Semaphore::new(BATCHES_AT_ONCE));
    while let Some(first) = waiting.recv().await {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            open_batch(&pool, batch).await;
            drop(permit);
        });
    }
}

/// Inserts the new opportunities of a batch in one statement, then reads
/// what the order has for each ask that inserted nothing; if the statement
/// fails, each ask alone, so that one bad ask costs the others a retry, not
/// their answer.
async fn open_batch(pool: &sqlx::AnyPool, batch: Vec<Waiting>) {
    let inserting: Vec<&Ask> = batch
        .iter()
        .map(|(ask, _)| ask)
        .filter(|ask| ask.new.is_some())
        .collect();
    let inserted = if inserting.len() > 1 {
        let together = insert_together(pool, &inserting).await;
        if let Err(err) = &together {
            tracing::warn!(error = %err, size = inserting.len(), "a batch of opportunities failed; each is tried alone");
        }
        together.ok()
    } else {
        None
    };
    let Some(inserted) = inserted else {
        for (ask, answer) in batch {
            let _ = answer.send(open_alone(pool, ask).await);
        }
        return;
    };
    for (ask, answer) in batch {
        let created = ask
            .new
            .as_ref()
            .is_some_and(|new| inserted.contains(&new.id));
        let opened = if created {
            Ok(Opened::Created)
        } else {
            not_inserted(pool, &ask).await
        };
        let _ = answer.send(opened);
    }
}

/// On PostgreSQL the new opportunities of a batch are one insert, their
/// values one JSON array; each is inserted unless its order has one (the
/// unique key settles two replicas opening the same order) or its
/// customer saw the reason code as often today as the cap allows.
const INSERT_TOGETHER: &str = "INSERT INTO opportunities (id, affiliate_id, order_id, ticket_nonce, \
       customer_token, reason_code, upseller_id, incentive, currency, item_skus, body, status, created_at, expires_at, \
       ship_to, purchase, quoted) \
     SELECT a.id, a.affiliate, a.order_id, a.nonce, a.customer, a.code, a.upseller, a.incentive, \
       a.currency, a.skus, a.body, $2, a.now, a.expires_at, a.ship_to, a.purchase, a.quoted \
     FROM json_to_recordset($1::json) AS a(n int, affiliate text, order_id text, nonce text, \
       customer text, code text, since bigint, incentive text, now bigint, id text, upseller text, \
       currency text, skus text, body text, expires_at bigint, cap bigint, ship_to text, purchase text, \
       quoted text) \
     WHERE (SELECT COUNT(*) FROM opportunities o WHERE o.affiliate_id = a.affiliate \
       AND o.customer_token = a.customer AND o.reason_code = a.code AND o.created_at > a.since \
       AND o.step = 0) < a.cap \
     ORDER BY a.n ON CONFLICT (affiliate_id, order_id, step) DO NOTHING RETURNING id";

/// One new opportunity as the batch statement's `json_to_recordset` reads
/// it, written straight into the JSON text.
#[derive(serde::Serialize)]
struct AskRow<'a> {
    n: usize,
    affiliate: &'a str,
    order_id: &'a str,
    nonce: &'a str,
    customer: &'a str,
    code: &'a str,
    since: i64,
    incentive: Option<&'a str>,
    now: i64,
    id: &'a str,
    upseller: &'a str,
    currency: &'a str,
    skus: &'a str,
    body: &'a str,
    expires_at: i64,
    cap: i64,
    ship_to: Option<&'a str>,
    purchase: &'a str,
    quoted: Option<&'a str>,
}

/// The ids of the opportunities of `asks` that were inserted.
async fn insert_together(
    pool: &sqlx::AnyPool,
    asks: &[&Ask],
) -> Result<std::collections::HashSet<String>, StoreError> {
    let values: Vec<AskRow<'_>> = asks
        .iter()
        .enumerate()
        .filter_map(|(n, ask)| {
            let new = ask.new.as_ref()?;
            let cap = ask
                .cap
                .as_ref()
                .map_or(i64::MAX, |(_, cap)| i64::from(*cap));
            Some(AskRow {
                n,
                affiliate: &ask.affiliate,
                order_id: &ask.order_id,
                nonce: &ask.nonce,
                customer: &ask.customer,
                code: &new.reason_code,
                since: ask.now - DAY,
                incentive: ask.incentive.as_deref(),
                now: ask.now,
                id: &new.id,
                upseller: &new.upseller,
                currency: &new.currency,
                skus: &new.skus,
                body: &new.body,
                expires_at: new.expires_at,
                cap,
                ship_to: new.ship_to.as_deref(),
                purchase: &new.purchase,
                quoted: new.quoted.as_deref(),
            })
        })
        .collect();
    let values = serde_json::to_string(&values)
        .map_err(|e| StoreError::Sqlx(sqlx::Error::Encode(Box::new(e))))?;
    let ids: Vec<String> = sqlx::query_scalar(INSERT_TOGETHER)
        .bind(values)
        .bind(OpportunityStatus::Open.as_str())
        .fetch_all(pool)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Moves opportunity `id` from `from` to `to` (changes nothing when it is
/// not `from`), as a statement of a write plan.
pub(crate) fn moving(id: &str, from: OpportunityStatus, to: OpportunityStatus) -> Statement {
    Statement {
        sql: "UPDATE opportunities SET status = $2 WHERE id = $1 AND status = $3",
        values: vec![id.into(), to.as_str().into(), from.as_str().into()],
    }
}

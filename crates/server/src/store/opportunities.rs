//! The opportunity row: opening one for an order is one unit of work. It
//! finds the order's stored opportunity, counts the customer's showings of
//! the reason code today and inserts the new row, all in one transaction:
//! on SQLite in the lane (grouped with the others waiting), on PostgreSQL
//! in one statement whose `INSERT ... ON CONFLICT DO NOTHING` settles two
//! replicas opening the same order at once.

use sqlx::Row;

use super::{Store, StoreError, lane::Lane};
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

const FIND: &str = "SELECT ticket_nonce, status, expires_at, body FROM opportunities WHERE affiliate_id = $1 AND order_id = $2";
const SEEN: &str = "SELECT COUNT(*) FROM opportunities WHERE affiliate_id = $1 AND customer_token = $2 \
     AND reason_code = $3 AND created_at > $4";
const PICK: &str = "UPDATE opportunities SET incentive = $1 WHERE affiliate_id = $2 AND order_id = $3 \
     AND ticket_nonce = $4 AND status = $5 AND expires_at > $6";
const INSERT: &str = "INSERT INTO opportunities (id, affiliate_id, order_id, ticket_nonce, customer_token, \
     reason_code, upseller_id, incentive, currency, item_skus, body, status, created_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
     ON CONFLICT (affiliate_id, order_id) DO NOTHING";

/// A day: the window of the frequency cap.
const DAY: i64 = 86_400;

/// Opens the opportunity `ask` describes, or finds the order's.
pub(crate) async fn open(store: &Store, ask: Ask) -> Result<Opened, StoreError> {
    match store {
        Store::Sqlite(lane) => open_in_lane(lane, ask).await,
        Store::Postgres(pool) => open_on_pool(pool, ask).await,
    }
}

async fn open_in_lane(lane: &Lane, ask: Ask) -> Result<Opened, StoreError> {
    let opened = lane
        .run(move |conn| -> Result<Raw, StoreError> {
            use rusqlite::OptionalExtension;
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
            if let Some((code, cap)) = &ask.cap {
                let seen: i64 = conn.prepare_cached(SEEN)?.query_row(
                    (&ask.affiliate, &ask.customer, code, ask.now - DAY),
                    |row| row.get(0),
                )?;
                if seen >= i64::from(*cap) {
                    return Ok(Raw::Capped);
                }
            }
            let Some(new) = &ask.new else {
                return Ok(Raw::Nothing);
            };
            // The lane is the only writer of this connection and its
            // transaction holds SQLite's write lock, so no other insert for
            // the order can land between the read above and this one.
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
            ])?;
            if inserted == 1 {
                return Ok(Raw::Created);
            }
            // Not reachable while the lock is held; answered as the order's
            // stored opportunity all the same.
            conn.prepare_cached(FIND)?
                .query_row((&ask.affiliate, &ask.order_id), |row| {
                    Ok(Raw::Found(
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                    ))
                })
                .optional()
                .map(|found| found.unwrap_or(Raw::Nothing))
                .map_err(StoreError::from)
        })
        .await?;
    opened.typed()
}

/// On PostgreSQL the read, the count, the pick and the insert are one
/// statement: one round trip per opportunity.
const OPEN_ON_POSTGRES: &str = "WITH found AS (\
       SELECT ticket_nonce, status, expires_at, body FROM opportunities WHERE affiliate_id = $1 AND order_id = $2), \
     seen AS (\
       SELECT COUNT(*) AS n FROM opportunities WHERE affiliate_id = $1 AND customer_token = $5 \
       AND reason_code = $6 AND created_at > $7), \
     picked AS (\
       UPDATE opportunities SET incentive = $8 WHERE $8 IS NOT NULL AND affiliate_id = $1 AND order_id = $2 \
       AND ticket_nonce = $3 AND status = $14 AND expires_at > $4 RETURNING 1), \
     inserted AS (\
       INSERT INTO opportunities (id, affiliate_id, order_id, ticket_nonce, customer_token, reason_code, \
       upseller_id, incentive, currency, item_skus, body, status, created_at, expires_at) \
       SELECT $9, $1, $2, $3, $5, $6, $10, $8, $11, $12, $13, $14, $4, $15 \
       WHERE $9 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM found) AND (SELECT n FROM seen) < $16 \
       ON CONFLICT (affiliate_id, order_id) DO NOTHING RETURNING 1) \
     SELECT (SELECT n FROM seen) AS seen, (SELECT COUNT(*) FROM inserted) AS inserted, f.ticket_nonce, f.status, f.expires_at, f.body FROM (SELECT 1 AS one) AS x LEFT JOIN found f ON true";

async fn open_on_pool(pool: &sqlx::AnyPool, ask: Ask) -> Result<Opened, StoreError> {
    let (code, cap) = match &ask.cap {
        Some((code, cap)) => (code.as_str(), i64::from(*cap)),
        None => ("", i64::MAX),
    };
    let new = ask.new.as_ref();
    let row = sqlx::query(OPEN_ON_POSTGRES)
        .bind(&ask.affiliate)
        .bind(&ask.order_id)
        .bind(&ask.nonce)
        .bind(ask.now)
        .bind(&ask.customer)
        .bind(code)
        .bind(ask.now - DAY)
        .bind(&ask.incentive)
        .bind(new.map(|n| n.id.as_str()))
        .bind(new.map(|n| n.upseller.as_str()))
        .bind(new.map(|n| n.currency.as_str()))
        .bind(new.map(|n| n.skus.as_str()))
        .bind(new.map(|n| n.body.as_str()))
        .bind(OpportunityStatus::Open.as_str())
        .bind(new.map(|n| n.expires_at))
        .bind(cap)
        .fetch_one(pool)
        .await?;
    if let Some(nonce) = row.try_get::<Option<String>, _>("ticket_nonce")? {
        return Raw::Found(
            nonce,
            row.try_get("status")?,
            row.try_get("expires_at")?,
            row.try_get("body")?,
        )
        .typed();
    }
    if ask.cap.is_some() && row.try_get::<i64, _>("seen")? >= cap {
        return Ok(Opened::Capped);
    }
    if row.try_get::<i64, _>("inserted")? == 1 {
        return Ok(Opened::Created);
    }
    if new.is_none() {
        return Ok(Opened::Nothing);
    }
    // Another replica opened the order between this statement's snapshot
    // and its insert: its opportunity is the order's.
    Ok(find(pool, &ask)
        .await?
        .map_or(Opened::Nothing, Opened::Stored))
}

async fn find(pool: &sqlx::AnyPool, ask: &Ask) -> Result<Option<Stored>, StoreError> {
    let Some(row) = sqlx::query(FIND)
        .bind(&ask.affiliate)
        .bind(&ask.order_id)
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

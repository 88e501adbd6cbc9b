//! What the statistics count: an affiliate's showings and events, grouped.

use sqlx::Row;

use super::StoreError;

/// How many of one kind (`shown`, or an event's kind) one reason code had
/// in one currency, and the amount they came to in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) reason_code: String,
    pub(crate) kind: String,
    pub(crate) currency: String,
    pub(crate) count: i64,
    pub(crate) amount_minor: i64,
}

/// The tallies of `affiliate`'s opportunities (each a showing) and events.
pub(crate) async fn tallies(
    pool: &sqlx::AnyPool,
    affiliate: &str,
) -> Result<Vec<Tally>, StoreError> {
    let rows = sqlx::query(
        "SELECT reason_code, 'shown' AS kind, currency, COUNT(*) AS n, CAST(0 AS BIGINT) AS amount FROM opportunities \
         WHERE affiliate_id = $1 GROUP BY reason_code, currency \
         UNION ALL \
         SELECT reason_code, kind, currency, COUNT(*) AS n, CAST(SUM(amount_minor) AS BIGINT) AS amount FROM events \
         WHERE affiliate_id = $1 GROUP BY reason_code, kind, currency",
    )
    .bind(affiliate)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Tally {
                reason_code: row.try_get("reason_code")?,
                kind: row.try_get("kind")?,
                currency: row.try_get("currency")?,
                count: row.try_get("n")?,
                amount_minor: row.try_get::<Option<i64>, _>("amount")?.unwrap_or(0),
            })
        })
        .collect()
}

/// Whose figures a report counts: the merchant's as the affiliate whose
/// pages showed the offers, or as the upseller whose items they were.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Affiliate,
    Upseller,
}

impl Side {
    /// The column naming the merchant on this side, and the one naming the
    /// other party.
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Self::Affiliate => ("affiliate_id", "upseller_id"),
            Self::Upseller => ("upseller_id", "affiliate_id"),
        }
    }
}

/// One group of a report's counts: a day (days since the epoch, UTC), a
/// reason code, the other party, what was counted (`shown`, an event's
/// kind, or `refunded`) in a currency: how many, how many distinct orders,
/// and the amount in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DayTally {
    pub(crate) day: i64,
    pub(crate) reason_code: String,
    pub(crate) counterpart: String,
    pub(crate) kind: String,
    pub(crate) currency: String,
    pub(crate) count: i64,
    pub(crate) amount_minor: i64,
}

fn day_tally(row: &sqlx::any::AnyRow) -> Result<DayTally, StoreError> {
    Ok(DayTally {
        day: row.try_get("day")?,
        reason_code: row.try_get("reason_code")?,
        counterpart: row.try_get("counterpart")?,
        kind: row.try_get("kind")?,
        currency: row.try_get("currency")?,
        count: row.try_get("n")?,
        amount_minor: row.try_get::<Option<i64>, _>("amount")?.unwrap_or(0),
    })
}

/// The merchant's showings, events and refunds on `side` from `from`
/// (inclusive) to `to` (exclusive), unix seconds, grouped by day, reason
/// code, the other party, kind and currency: the database adds them up.
pub(crate) async fn day_tallies(
    pool: &sqlx::AnyPool,
    merchant: &str,
    side: Side,
    from: i64,
    to: i64,
) -> Result<Vec<DayTally>, StoreError> {
    let (mine, theirs) = side.columns();
    // An affiliate's events are found by their own column and time; an
    // upseller's through their opportunities.
    let events_of = match side {
        Side::Affiliate => "e.affiliate_id = $1",
        Side::Upseller => "o.upseller_id = $1",
    };
    let sql = format!(
        "SELECT created_at / 86400 AS day, reason_code, {theirs} AS counterpart, 'shown' AS kind, currency, \
           COUNT(*) AS n, CAST(0 AS BIGINT) AS amount \
         FROM opportunities WHERE {mine} = $1 AND created_at >= $2 AND created_at < $3 \
         GROUP BY created_at / 86400, reason_code, {theirs}, currency \
         UNION ALL \
         SELECT e.at / 86400 AS day, e.reason_code, o.{theirs} AS counterpart, e.kind, e.currency, \
           COUNT(*) AS n, CAST(SUM(e.amount_minor) AS BIGINT) AS amount \
         FROM events e JOIN opportunities o ON o.id = e.opportunity_id \
         WHERE {events_of} AND e.at >= $2 AND e.at < $3 \
         GROUP BY e.at / 86400, e.reason_code, o.{theirs}, e.kind, e.currency \
         UNION ALL \
         SELECT r.at / 86400 AS day, o.reason_code, o.{theirs} AS counterpart, 'refunded' AS kind, r.currency, \
           COUNT(*) AS n, CAST(SUM(r.amount_minor) AS BIGINT) AS amount \
         FROM refunds r JOIN orders o ON o.id = r.order_id \
         WHERE o.{mine} = $1 AND r.status = $4 AND r.at >= $2 AND r.at < $3 \
         GROUP BY r.at / 86400, o.reason_code, o.{theirs}, r.currency"
    );
    let rows = sqlx::query(&sql)
        .bind(merchant)
        .bind(from)
        .bind(to)
        .bind(crate::domain::RefundStatus::Succeeded.as_str())
        .fetch_all(pool)
        .await?;
    rows.iter().map(day_tally).collect()
}

/// How many distinct orders showed the merchant's offers on `side` in the
/// window: in all, and per reason code (an order can show several).
pub(crate) async fn orders_shown(
    pool: &sqlx::AnyPool,
    merchant: &str,
    side: Side,
    from: i64,
    to: i64,
) -> Result<(i64, Vec<(String, i64)>), StoreError> {
    let (mine, _) = side.columns();
    // An order is one affiliate's: the pair names it.
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM (SELECT DISTINCT affiliate_id, order_id FROM opportunities \
         WHERE {mine} = $1 AND created_at >= $2 AND created_at < $3) AS shown"
    ))
    .bind(merchant)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT reason_code, COUNT(*) AS n FROM (SELECT DISTINCT reason_code, affiliate_id, order_id FROM opportunities \
         WHERE {mine} = $1 AND created_at >= $2 AND created_at < $3) AS shown GROUP BY reason_code"
    ))
    .bind(merchant)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let per_code = rows
        .iter()
        .map(|row| Ok((row.try_get("reason_code")?, row.try_get("n")?)))
        .collect::<Result<_, StoreError>>()?;
    Ok((total, per_code))
}

/// Units of one SKU at one unit price, in paid orders of the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ItemTally {
    pub(crate) sku: String,
    pub(crate) name: String,
    pub(crate) unit_price: String,
    pub(crate) currency: String,
    pub(crate) orders: i64,
    pub(crate) units: i64,
}

/// The items of the merchant's paid orders on `side` in the window, by
/// SKU and unit price (the order's items are JSON, read by the database's
/// own JSON functions, which the two engines spell differently).
pub(crate) async fn item_tallies(
    pool: &sqlx::AnyPool,
    postgres: bool,
    merchant: &str,
    side: Side,
    from: i64,
    to: i64,
) -> Result<Vec<ItemTally>, StoreError> {
    let (mine, _) = side.columns();
    let (lines, field, count) = if postgres {
        (
            "jsonb_array_elements(CAST(o.items AS jsonb)) AS line",
            "line ->> '{}'",
            "CAST(line ->> 'quantity' AS BIGINT)",
        )
    } else {
        (
            "json_each(o.items) AS line",
            "json_extract(line.value, '$.{}')",
            "CAST(json_extract(line.value, '$.quantity') AS BIGINT)",
        )
    };
    let sku = field.replace("{}", "sku");
    let name = field.replace("{}", "name");
    let price = field.replace("{}", "unit_price");
    let sql = format!(
        "SELECT {sku} AS sku, MAX({name}) AS name, {price} AS unit_price, o.currency, \
           COUNT(DISTINCT o.id) AS orders, CAST(SUM({count}) AS BIGINT) AS units \
         FROM orders o, {lines} \
         WHERE o.{mine} = $1 AND o.created_at >= $2 AND o.created_at < $3 AND o.status IN ($4, $5, $6) \
         GROUP BY {sku}, {price}, o.currency ORDER BY 1, 3"
    );
    let rows = sqlx::query(&sql)
        .bind(merchant)
        .bind(from)
        .bind(to)
        .bind(postsale_protocol::OrderStatus::Charged.as_str())
        .bind(postsale_protocol::OrderStatus::Fulfilled.as_str())
        .bind(postsale_protocol::OrderStatus::Refunded.as_str())
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(ItemTally {
                sku: row.try_get("sku")?,
                name: row
                    .try_get::<Option<String>, _>("name")?
                    .unwrap_or_default(),
                unit_price: row.try_get("unit_price")?,
                currency: row.try_get("currency")?,
                orders: row.try_get("orders")?,
                units: row.try_get::<Option<i64>, _>("units")?.unwrap_or(0),
            })
        })
        .collect()
}

/// What the merchant is owed (positive) or owes (negative) each other
/// party for the orders settled in the window, per currency, in minor units.
pub(crate) async fn balances(
    pool: &sqlx::AnyPool,
    merchant: &str,
    from: i64,
    to: i64,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT debtor_id AS counterpart, currency, CAST(SUM(owed_minor) AS BIGINT) AS owed FROM settlements \
         WHERE creditor_id = $1 AND at >= $2 AND at < $3 GROUP BY debtor_id, currency \
         UNION ALL \
         SELECT creditor_id AS counterpart, currency, -CAST(SUM(owed_minor) AS BIGINT) AS owed FROM settlements \
         WHERE debtor_id = $1 AND at >= $2 AND at < $3 GROUP BY creditor_id, currency",
    )
    .bind(merchant)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("counterpart")?,
                row.try_get("currency")?,
                row.try_get::<Option<i64>, _>("owed")?.unwrap_or(0),
            ))
        })
        .collect()
}

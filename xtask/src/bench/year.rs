//! The merchant report on a year of data: `GET /v1/admin/stats/report` over
//! 365 days for an affiliate whose pages showed offers all year, and for
//! the upseller whose items they were. The year is written straight into
//! the hub's SQLite file by SQLite itself (a recursive CTE): showings every
//! few seconds, six in ten viewed, three declined, one in twenty paid (an
//! order with its items), one paid order in ten refunded.

use std::{path::Path, time::Instant};

use postsale_protocol::day_text;
use serde_json::json;
use sqlx::{Connection, Executor, SqliteConnection};

use super::hub::{self, Hub};
use crate::run::Error;

const DAY: i64 = 86_400;

/// Writes `per_day` showings a day for the 365 days before `today` (days
/// since the epoch), with their events, orders and refunds.
async fn fill(db_file: &Path, per_day: i64, today: i64) -> Result<i64, Error> {
    let url = format!("sqlite://{}", db_file.display());
    let mut conn = SqliteConnection::connect(&url)
        .await
        .map_err(|e| format!("cannot open {url}: {e}"))?;
    let n = per_day * 365;
    let start = (today - 364) * DAY;
    let step = DAY / per_day;
    let sql = format!(
        "BEGIN;
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {n})
        INSERT INTO opportunities (id, affiliate_id, order_id, ticket_nonce, customer_token, reason_code,
          upseller_id, currency, item_skus, body, status, created_at, expires_at)
        SELECT printf('opp_%09d', i), 'shop', printf('ord-%09d', i), printf('nonce-%d', i),
          printf('cust-%d', i % 50000), CASE i % 3 WHEN 0 THEN 'CAMERA-HIGH' WHEN 1 THEN 'OUTDOOR' ELSE 'GIFTS' END,
          CASE i % 2 WHEN 0 THEN 'lens' ELSE 'trail' END, 'USD', '[]', '{{}}', 'open',
          {start} + i * {step}, {start} + i * {step} + 900 FROM n;
        INSERT INTO events (id, opportunity_id, affiliate_id, reason_code, kind, amount_minor, currency, at)
        SELECT 'viewed:' || id, id, affiliate_id, reason_code, 'viewed', 0, '', created_at + 20
        FROM opportunities WHERE CAST(substr(id, 5) AS INTEGER) % 10 < 6;
        INSERT INTO events (id, opportunity_id, affiliate_id, reason_code, kind, amount_minor, currency, at)
        SELECT 'declined:' || id, id, affiliate_id, reason_code, 'declined', 0, '', created_at + 40
        FROM opportunities WHERE CAST(substr(id, 5) AS INTEGER) % 10 IN (6, 7, 8);
        INSERT INTO orders (id, opportunity_id, affiliate_id, upseller_id, reason_code, customer_token, mode,
          items, amount_minor, currency, points, status, created_at, updated_at)
        SELECT 'ordr_' || substr(id, 5), id, affiliate_id, upseller_id, reason_code, customer_token, 'direct_entry',
          json_array(json_object('sku', 'FILTER', 'name', 'Filter', 'quantity', 1, 'unit_price', '29.00'),
            json_object('sku', 'HOOD', 'name', 'Hood', 'quantity', 2, 'unit_price', '19.00')),
          6700, 'USD', 0, 'charged', created_at + 60, created_at + 60
        FROM opportunities WHERE CAST(substr(id, 5) AS INTEGER) % 20 = 9;
        INSERT INTO events (id, opportunity_id, affiliate_id, reason_code, kind, amount_minor, currency, at)
        SELECT 'accepted:' || opportunity_id, opportunity_id, affiliate_id, reason_code, 'accepted', amount_minor,
          currency, created_at FROM orders;
        INSERT INTO refunds (id, order_id, amount_minor, currency, refunded_by, status, at)
        SELECT 'ref_' || id, id, 1900, currency, upseller_id, 'succeeded', created_at + 86400
        FROM orders WHERE CAST(substr(id, 6) AS INTEGER) % 200 = 9;
        INSERT INTO settlements (order_id, debtor_id, creditor_id, mode, order_amount_minor, commission_bps,
          owed_minor, currency, at)
        SELECT id, upseller_id, affiliate_id, mode, amount_minor, 1000, amount_minor / 10, currency, created_at
        FROM orders;
        COMMIT;
        ANALYZE;"
    );
    conn.execute(sql.as_str())
        .await
        .map_err(|e| format!("cannot write the year: {e}"))?;
    conn.close().await.map_err(|e| e.to_string())?;
    Ok(n)
}

/// Milliseconds per report over the year, `runs` times each, for the
/// affiliate and for an upseller: (affiliate, upseller, showings written).
pub(crate) async fn measure(
    per_day: i64,
    runs: u32,
    dir: &Path,
) -> Result<(Vec<f64>, Vec<f64>, i64), Error> {
    let (file, url) = hub::fresh_sqlite(dir, "report")?;
    let hub = Hub::start(&url, &dir.join("hub-report.log"), &[]).await?;
    let shop = hub
        .merchant(json!({"id": "shop", "name": "Shop", "affiliate": true, "upseller": false}))
        .await?;
    let lens = hub
        .merchant(json!({"id": "lens", "name": "Lens Co", "affiliate": false, "upseller": true}))
        .await?;
    hub.merchant(json!({"id": "trail", "name": "Trail", "affiliate": false, "upseller": true}))
        .await?;
    let today = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64
        / DAY;
    let started = Instant::now();
    let showings = fill(&file, per_day, today).await?;
    println!(
        "bench: a year of {showings} showings written in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let query = format!("/v1/admin/stats/report?to={}&days=365", day_text(today));
    let mut times = [Vec::new(), Vec::new()];
    // One uncounted report each first: the pages come into the cache as a
    // running hub's would.
    for run in 0..=runs {
        for (key, spent) in [&shop, &lens].into_iter().zip(times.iter_mut()) {
            let started = Instant::now();
            let response = hub
                .client
                .get(format!("{}{query}", hub.base))
                .bearer_auth(key)
                .send()
                .await
                .map_err(|e| format!("report: {e}"))?;
            let status = response.status();
            let body: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
            let elapsed = started.elapsed().as_secs_f64() * 1000.0;
            if status != 200 || body["days"].as_array().map(Vec::len) != Some(365) {
                return Err(format!("report: {status} {body}"));
            }
            if body["current"]["shown"].as_i64().unwrap_or(0) == 0 {
                return Err(format!(
                    "report counted nothing of the year: {}",
                    body["current"]
                ));
            }
            if run > 0 {
                spent.push(elapsed);
            }
        }
    }
    let [affiliate, upseller] = times;
    Ok((affiliate, upseller, showings))
}

//! Selection at registry scale. The hub's selection is not callable from
//! outside, so this measures what a caller sees: the median latency of
//! `POST /v1/opportunities` at one connection, with the registry holding N
//! reason codes and 10N offer items. The rows are written straight into the
//! hub's SQLite file by SQLite itself (a recursive CTE), because a million
//! admin-API calls would take longer than the bench; the merchants, secret,
//! template and style still come through the admin API.

use std::path::Path;

use sqlx::{Connection, Executor, SqliteConnection};

use super::{
    Plan,
    hub::{self, Hub, ORIGIN},
    wrk::{self, Load},
};
use crate::run::Error;

/// Fills the registry: reason codes `RC-k` (upseller `lens`) and items `I-j`,
/// each item complementing the purchased SKU `P-(j/10)`, so every request
/// does the same keyed work (one reason code, ten complements, six items)
/// whatever the size.
async fn fill(db_file: &Path, n: u64) -> Result<(), Error> {
    let url = format!("sqlite://{}", db_file.display());
    let mut conn = SqliteConnection::connect(&url)
        .await
        .map_err(|e| format!("cannot open {url}: {e}"))?;
    let sql = format!(
        "BEGIN;
        WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k + 1 < {n})
        INSERT INTO records (merchant_id, kind, id, body, updated_at)
        SELECT 'shop', 'reason-codes', printf('RC-%07d', k),
          json_object('code', printf('RC-%07d', k), 'template', 't', 'style', 's', 'upseller', 'lens',
            'handoff_mode', 'payment_reference', 'presentation', 'popup', 'teaser', 'A thank-you offer',
            'points', 50, 'frequency_cap', 100), 0 FROM n;
        WITH RECURSIVE n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j + 1 < {items})
        INSERT INTO records (merchant_id, kind, id, body, updated_at)
        SELECT 'lens', 'offer-items', printf('I-%08d', j),
          json_object('sku', printf('I-%08d', j), 'name', printf('Item %d', j), 'price', '19.00',
            'currency', 'USD', 'complements', json_array(printf('P-%07d', j / 10)), 'max_quantity', 3), 0 FROM n;
        WITH RECURSIVE n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j + 1 < {items})
        INSERT INTO complements (upseller_id, purchased_sku, item_sku)
        SELECT 'lens', printf('P-%07d', j / 10), printf('I-%08d', j) FROM n;
        COMMIT;",
        items = n * 10
    );
    conn.execute(sql.as_str())
        .await
        .map_err(|e| format!("cannot fill the registry: {e}"))?;
    conn.close().await.map_err(|e| e.to_string())?;
    Ok(())
}

/// Median single-connection latency, in ns, per wrk run, at registry size `n`.
pub(crate) async fn measure(n: u64, plan: &Plan, dir: &Path) -> Result<Vec<f64>, Error> {
    let (file, url) = hub::fresh_sqlite(dir, &format!("select-{n}"))?;
    let hub = Hub::start(&url, &dir.join(format!("hub-select-{n}.log")), &[]).await?;
    hub.seed().await?;
    let started = std::time::Instant::now();
    fill(&file, n).await?;
    println!(
        "bench: registry of {n} reason codes and {} items written in {:.1}s",
        n * 10,
        started.elapsed().as_secs_f64()
    );
    let load = Load {
        connections: 1,
        threads: 1,
        seconds: plan.seconds,
    };
    let mut samples = Vec::new();
    // Run 0 warms the hub's registry cache and is not counted: every size
    // is measured as a hub serves it once running, the same codes again
    // (each run with fresh orders).
    for r in 0..=plan.runs {
        // Spread over the registry: code k with the purchased SKU it complements.
        // More than one connection is served in a second, so none repeats.
        let lines = (0..plan.seconds * 12_000)
            .map(|i| {
                let k = (u64::from(i) * 7_919) % n;
                let body = hub::purchase(
                    &format!("s{n}-{r}-{i}"),
                    &format!("cs{n}-{r}-{i}"),
                    &format!("RC-{k:07}"),
                    &format!("P-{k:07}"),
                )?;
                Ok((
                    "/v1/opportunities".to_owned(),
                    String::new(),
                    body.to_string(),
                ))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let requests = dir.join(format!("select-{n}-{r}.txt"));
        wrk::write_requests(&requests, &lines)?;
        let run = wrk::run(&hub.base, &requests, ORIGIN, load, &dir.join("wrk.log"))?;
        println!("bench: select {n} run {r}: {run:?}");
        if run.bad > 0 || run.wrapped {
            return Err(format!(
                "select {n}: {} answers were not 201 (prepared requests ran out: {})",
                run.bad, run.wrapped
            ));
        }
        if r > 0 {
            samples.push(run.p50_ms * 1e6);
        }
        let _ = std::fs::remove_file(&requests);
    }
    drop(hub);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    Ok(samples)
}

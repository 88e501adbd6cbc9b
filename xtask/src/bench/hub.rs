//! A hub under test: the release `postsale` binary on a free loopback port
//! with its own database, seeded through the admin API exactly as the hub's
//! integration tests seed it, and the signed request bodies the load
//! generator replays. Stopped when the guard drops.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use postsale_protocol::{ReasonCode, TicketClaims, sign_ticket};
use serde_json::{Value, json};

use crate::run::{Error, root};

pub(crate) const OPERATOR_KEY: &str = "bench-operator-key";
pub(crate) const KEY_ID: &str = "k1";
pub(crate) const SECRET: &str = "bench-affiliate-ticket-secret-0123456789";
/// The affiliate's registered page origin, sent as a browser would.
pub(crate) const ORIGIN: &str = "https://shop.example";
/// The reason code of the opportunity bench (complements lookup, popup).
pub(crate) const CAMERA: &str = "CAMERA-HIGH";
/// The reason code of the accept bench (direct_entry, sandbox gateway).
pub(crate) const OUTDOOR: &str = "OUTDOOR";

/// A running hub process.
#[derive(Debug)]
pub(crate) struct Hub {
    /// `None` for a second handle on a hub another guard owns.
    child: Option<Child>,
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
}

/// What a bench hub tells its operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Telemetry {
    /// As in production: a JSON log line per request, metrics counted.
    Full,
    /// No log line below a warning, no metrics (`--no-metrics`).
    Quiet,
}

impl Hub {
    /// Starts `target/release/postsale serve` on `database`; `extra` adds flags.
    pub(crate) async fn start(database: &str, log: &Path, extra: &[&str]) -> Result<Self, Error> {
        Self::start_binary(
            &root().join("target/release/postsale"),
            database,
            log,
            extra,
            Telemetry::Full,
        )
        .await
    }

    /// Starts `binary serve` on `database`, as [`Hub::start`] does, with
    /// `telemetry`.
    pub(crate) async fn start_binary(
        binary: &Path,
        database: &str,
        log: &Path,
        extra: &[&str],
        telemetry: Telemetry,
    ) -> Result<Self, Error> {
        let port = free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let log_file = std::fs::File::create(log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut command = Command::new(binary);
        // Through the environment, which a build from before these settings
        // (`--against`) ignores.
        match telemetry {
            Telemetry::Full => command
                .env("POSTSALE_LOG_FORMAT", "json")
                .env("RUST_LOG", "info"),
            Telemetry::Quiet => command
                .env("POSTSALE_NO_METRICS", "true")
                .env("RUST_LOG", "warn"),
        };
        let child = command
            .args(["serve", "--addr", &addr, "--database", database])
            .args(["--operator-key", OPERATOR_KEY])
            // Every request comes from one address here: the per-address
            // rate limit would measure itself, not the hub.
            .args(["--rate-limit", "0"])
            // The bench's own master key for the secrets it stores.
            .env("POSTSALE_MASTER_KEY", "b".repeat(64))
            .args(extra)
            .current_dir(root())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start the hub: {e}"))?;
        let mut hub = Self {
            child: Some(child),
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let healthy = hub
                .client
                .get(format!("{}/healthz", hub.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if healthy {
                return Ok(hub);
            }
            let exited = hub
                .child
                .as_mut()
                .is_some_and(|c| matches!(c.try_wait(), Ok(Some(_))));
            if exited || Instant::now() > deadline {
                return Err(format!(
                    "the hub on {database} did not start; see {}",
                    log.display()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits, up to half a minute, until the hub has gone quiet: less than a
    /// clock tick of CPU in a quarter second (after a load run its threads
    /// still copy the log back into the database file for a while).
    pub(crate) fn quiet(&self) {
        if let Some(pid) = self.child.as_ref().map(Child::id) {
            quiet(pid);
        }
    }

    /// The CPU time the hub's process has used so far.
    pub(crate) fn cpu(&self) -> Option<Duration> {
        cpu(self.child.as_ref()?.id())
    }

    /// A handle on the hub at `base` that does not stop it (for tasks).
    pub(crate) fn borrowed(base: String, client: reqwest::Client) -> Self {
        Self {
            child: None,
            base,
            client,
        }
    }

    /// Registers `shop` (affiliate), `lens` (of its corporate group, confirmed
    /// by the operator) and `trail` (unaffiliated), each upseller's agreement,
    /// and the records both benches' reason codes need.
    pub(crate) async fn seed(&self) -> Result<(), Error> {
        let shop = self
            .merchant(
                json!({"id": "shop", "name": "Shop", "affiliate": true, "upseller": true,
                "origins": [ORIGIN]}),
            )
            .await?;
        let lens = self
            .merchant(
                json!({"id": "lens", "name": "Lens Co", "affiliate": false, "upseller": true}),
            )
            .await?;
        let trail = self
            .merchant(json!({"id": "trail", "name": "Trail", "affiliate": false, "upseller": true}))
            .await?;
        let proposed = self
            .send(
                "/v1/admin/affiliations",
                &shop,
                &json!({"partner": "lens"}),
                201,
            )
            .await?;
        let group = proposed["id"]
            .as_str()
            .ok_or_else(|| format!("no affiliation id in {proposed}"))?;
        let accept = format!("/v1/admin/affiliations/{group}/accept");
        self.send(&accept, &lens, &Value::Null, 200).await?;
        let confirm = format!("/v1/operator/affiliations/{group}/confirm");
        self.send(&confirm, OPERATOR_KEY, &Value::Null, 200).await?;
        for (key, mode) in [(&lens, "payment_reference"), (&trail, "direct_entry")] {
            let terms = json!({"modes": [mode], "commission_bps": 1000});
            self.put("/v1/admin/agreements/shop", key, &terms).await?;
        }
        let item = |sku: &str, price: &str, complements: &[&str]| {
            json!({"sku": sku, "name": format!("Item {sku}"), "price": price,
                "currency": "USD", "complements": complements})
        };
        let records = [
            (
                &shop,
                "secrets",
                json!({"key_id": KEY_ID, "secret": SECRET}),
            ),
            (
                &shop,
                "templates",
                json!({"id": "t", "headline": "Thanks from {{affiliate}}",
                "body": "{{upseller}} has something. {{points}} points.", "button": "Add"}),
            ),
            (
                &shop,
                "styles",
                json!({"id": "s", "accent": "#112233", "text": "#000000",
                "surface": "#ffffff", "font": "Georgia, serif", "radius_px": 8}),
            ),
            (&lens, "offer-items", item("LENS-35", "349.00", &["CAM"])),
            (&lens, "offer-items", item("FILTER", "29.00", &["CAM"])),
            (&trail, "offer-items", item("TRIPOD", "99.00", &[])),
            (
                &shop,
                "reason-codes",
                reason(CAMERA, "lens", "payment_reference", "popup", &[]),
            ),
            (
                &shop,
                "reason-codes",
                reason(OUTDOOR, "trail", "direct_entry", "iframe", &["TRIPOD"]),
            ),
        ];
        for (key, kind, body) in records {
            self.create(key, kind, &body).await?;
        }
        Ok(())
    }

    pub(crate) async fn merchant(&self, body: Value) -> Result<String, Error> {
        let answer = self.post_admin(OPERATOR_KEY, "merchants", &body).await?;
        answer["api_key"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no api_key in {answer}"))
    }

    async fn create(&self, key: &str, kind: &str, body: &Value) -> Result<(), Error> {
        self.post_admin(key, kind, body).await.map(|_| ())
    }

    async fn post_admin(&self, key: &str, path: &str, body: &Value) -> Result<Value, Error> {
        self.send(&format!("/v1/admin/{path}"), key, body, 201)
            .await
    }

    /// POSTs `body` (none for null) to `path` with `key`, expecting `status`.
    async fn send(&self, path: &str, key: &str, body: &Value, status: u16) -> Result<Value, Error> {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(key);
        if !body.is_null() {
            request = request.json(body);
        }
        Self::expect(request, path, status).await
    }

    /// PUTs `body` to `path` with `key`, expecting 200.
    async fn put(&self, path: &str, key: &str, body: &Value) -> Result<Value, Error> {
        let request = self
            .client
            .put(format!("{}{path}", self.base))
            .bearer_auth(key)
            .json(body);
        Self::expect(request, path, 200).await
    }

    async fn expect(
        request: reqwest::RequestBuilder,
        path: &str,
        status: u16,
    ) -> Result<Value, Error> {
        let response = request.send().await.map_err(|e| format!("{path}: {e}"))?;
        let got = response.status();
        let text = response.text().await.unwrap_or_default();
        if got.as_u16() != status {
            return Err(format!("{path}: {got} {text}"));
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Posts JSON to a hub path with optional extra headers; status and body.
    pub(crate) async fn post(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Result<(u16, Value), Error> {
        let mut request = self.client.post(format!("{}{path}", self.base)).json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let Some(child) = self.child.as_mut() else {
            return;
        };
        // SIGTERM first so the hub drains and checkpoints; then make sure.
        let _ = Command::new("kill").arg(child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

pub(crate) fn reason(
    code: &str,
    upseller: &str,
    mode: &str,
    presentation: &str,
    defaults: &[&str],
) -> Value {
    json!({"code": code, "template": "t", "style": "s", "upseller": upseller,
        "handoff_mode": mode, "presentation": presentation, "teaser": "A thank-you offer",
        "points": 50, "frequency_cap": 100, "default_items": defaults})
}

/// A free loopback port (released just before the server binds it).
pub(crate) fn free_port() -> Result<u16, Error> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// A fresh SQLite database URL under `dir` (any old file removed).
pub(crate) fn fresh_sqlite(dir: &Path, name: &str) -> Result<(PathBuf, String), Error> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let file = dir.join(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    let url = format!("sqlite://{}", file.display());
    Ok((file, url))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// An opportunity request body for a new order `order` of customer `customer`,
/// one `sku` at 999.00 USD, with a freshly signed ticket naming `code`.
pub(crate) fn purchase(order: &str, customer: &str, code: &str, sku: &str) -> Result<Value, Error> {
    let claims = TicketClaims {
        affiliate_id: "shop".into(),
        order_id: order.into(),
        reason_code: Some(ReasonCode::parse(code).map_err(|e| format!("{code}: {e}"))?),
        customer_token: customer.into(),
        incentive: None,
        promotion_id: None,
        issued_at: now(),
        nonce: format!("nonce-{order}-{customer}").replace(['.', ' '], "-"),
    };
    let ticket = sign_ticket(&claims, KEY_ID, SECRET.as_bytes());
    Ok(json!({"ticket": ticket, "transaction": {"order_id": order,
        "items": [{"sku": sku, "quantity": 1, "unit_price": "999.00"}],
        "total": "999.00", "currency": "USD"}}))
}

/// The CPU time (user and system) process `pid` has used so far, from
/// `/proc/PID/stat`, in clock ticks of 10 ms.
pub(crate) fn cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Waits, up to half a minute, until process `pid` uses less than a clock
/// tick of CPU in a quarter second.
pub(crate) fn quiet(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut before = cpu(pid);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        let now = cpu(pid);
        match (before, now) {
            (Some(b), Some(n)) if n.saturating_sub(b) <= Duration::from_millis(10) => return,
            (_, None) => return,
            _ => before = now,
        }
    }
}

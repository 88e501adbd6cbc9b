//! `spawn_app()`: the real hub on port 0 with a fresh database, and a
//! `TestApp` with one method per endpoint.

use std::sync::{Arc, Mutex};

use postsale_protocol::{ReasonCode, TicketClaims, sign_ticket};
use postsale_server::{Application, Secret, Settings};
use serde_json::{Value, json};

pub(crate) const OPERATOR_KEY: &str = "test-operator-key";
pub(crate) const KEY_ID: &str = "k1";
pub(crate) const SECRET: &str = "affiliate-ticket-secret-0123456789abcdef";
pub(crate) const ORIGIN: &str = "https://shop.example";

#[derive(Clone)]
pub(crate) struct TestApp {
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
    /// Affiliate `shop` (also an upseller) and its API key.
    pub(crate) shop_key: String,
    /// Upseller `lens` of the same corporate group.
    pub(crate) lens_key: String,
    /// Unaffiliated upseller `trail`.
    pub(crate) trail_key: String,
    /// The hub's key for its calls to `shop` (id, secret), active.
    pub(crate) hub_key: (String, String),
    /// The hub's database URL, when the test started the hub itself.
    pub(crate) database: String,
}

/// Every log line of this test binary (the hubs run in this process), from
/// the first hub a test starts on: the hub's and the SDK's at every level,
/// the rest from `info`. When `POSTSALE_TEST_LOG` names a file, every event
/// of every crate at every level also goes there as JSON, for the scan of
/// what logs may hold (`logs::no_log_line_holds_a_card_a_ticket_a_customer_token_or_a_secret`).
pub(crate) fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let file = std::env::var_os("POSTSALE_TEST_LOG").map(|path| {
            Arc::new(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .expect("the test log file opens"),
            ))
        });
        let filter = if file.is_some() {
            "trace"
        } else {
            "postsale_server=trace,postsale_affiliate=trace,info"
        };
        let sink = logs.clone();
        let installed = tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(move || Capture {
                memory: sink.clone(),
                file: file.clone(),
            })
            .try_init();
        assert!(installed.is_ok(), "no other subscriber in the test binary");
        logs
    })
    .clone()
}

/// Where [`captured_logs`] writes: memory, and the file if there is one.
struct Capture {
    memory: Arc<Mutex<Vec<u8>>>,
    file: Option<Arc<Mutex<std::fs::File>>>,
}

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.memory.lock().expect("lock").extend_from_slice(buf);
        if let Some(file) = &self.file {
            file.lock().expect("lock").write_all(buf)?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A fresh database URL: a new SQLite file, or a new PostgreSQL database.
pub(crate) async fn fresh_database() -> String {
    captured_logs();
    let name = format!("t{}", uuid_like());
    match std::env::var("POSTSALE_TEST_POSTGRES") {
        Ok(admin) if !admin.is_empty() => {
            let output = tokio::process::Command::new("psql")
                .arg(&admin)
                .args(["-qc", &format!("CREATE DATABASE {name}")])
                .output()
                .await
                .expect("psql runs");
            assert!(
                output.status.success(),
                "create database: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let base = admin
                .rsplit_once('/')
                .map_or(admin.as_str(), |(b, _)| b)
                .to_owned();
            format!("{base}/{name}")
        }
        _ => {
            let dir = std::env::temp_dir().join("postsale-tests");
            std::fs::create_dir_all(&dir).expect("temp dir");
            format!("sqlite://{}", dir.join(format!("{name}.db")).display())
        }
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The frame page of the test hubs' build: what the real one carries for
/// the widget, the opportunity, the hub and this load's frame token.
pub(crate) const FRAME_PAGE: &str = "<div id=\"postsale-frame\" data-opportunity=\"{{opportunity_id}}\" \
     data-hub=\"{{hub}}\" data-frame-token=\"{{frame_token}}\" \
     data-processor-script=\"{{processor_script}}\" data-processor-key=\"{{processor_key}}\"></div>";

/// A minimal widget build (the frame page and one file), read by the hub as
/// it starts; the directory goes when the returned guard does.
pub(crate) fn minimal_build() -> tempfile::TempDir {
    let temp = tempfile::Builder::new()
        .prefix("postsale-dist-")
        .tempdir()
        .expect("temp dir");
    std::fs::create_dir_all(temp.path().join("widget")).expect("dist");
    std::fs::write(temp.path().join("widget/postsale.js"), "/* loader */").expect("write");
    std::fs::write(temp.path().join("frame.html"), FRAME_PAGE).expect("write");
    temp
}

/// The hub with an empty registry.
pub(crate) async fn spawn_bare() -> (String, reqwest::Client) {
    let (base, _) = start(Settings::for_tests(fresh_database().await), |_| {}).await;
    (base, reqwest::Client::new())
}

/// Starts a hub with the test operator key and build, `configure`d; its
/// base URL and database URL.
pub(crate) async fn start(
    mut settings: Settings,
    configure: impl FnOnce(&mut Settings),
) -> (String, String) {
    settings.operator_key = Some(Secret::new(OPERATOR_KEY));
    let build = minimal_build();
    settings.assets = Some(build.path().to_path_buf());
    configure(&mut settings);
    let database = settings.database.clone();
    let app = Application::build(settings).await.expect("hub builds");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    (base, database)
}

/// The hub with three merchants, items, a template, a style, incentives and
/// reason codes, all made through the admin API.
pub(crate) async fn spawn_app() -> TestApp {
    spawn_configured(|_| {}).await
}

/// [`spawn_app`] with settings changed by `configure`.
pub(crate) async fn spawn_configured(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let (base, database) = start(Settings::for_tests(fresh_database().await), configure).await;
    let mut app = seed(base, reqwest::Client::new()).await;
    app.database = database;
    app
}

/// A connection to the hub's database, for what no endpoint shows (or to
/// change what a merchant's DNS would change).
pub(crate) async fn database(app: &TestApp) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&app.database)
        .await
        .expect("the hub's database")
}

/// Registers the test merchants and their records on the hub at `base`.
pub(crate) async fn seed(base: String, client: reqwest::Client) -> TestApp {
    let mut app = TestApp {
        base,
        client,
        shop_key: String::new(),
        lens_key: String::new(),
        trail_key: String::new(),
        hub_key: (String::new(), String::new()),
        database: String::new(),
    };
    app.shop_key = app
        .create_merchant(
            json!({"id": "shop", "name": "Shop", "affiliate": true, "upseller": true,
            "origins": [ORIGIN]}),
        )
        .await;
    app.lens_key = app
        .create_merchant(
            json!({"id": "lens", "name": "Lens Co", "affiliate": false, "upseller": true}),
        )
        .await;
    app.trail_key = app
        .create_merchant(
            json!({"id": "trail", "name": "Trail", "affiliate": false, "upseller": true}),
        )
        .await;
    let shop = app.shop_key.clone();
    let lens = app.lens_key.clone();
    let trail = app.trail_key.clone();
    app.affiliate_confirmed(&shop, "lens", &lens).await;
    app.hub_key = app.hub_key(&shop, "hub_calls").await;
    // Lens lets the shop sell in every mode; trail agrees to a payment
    // reference too, which its missing affiliation still forbids, and not to
    // merchant_of_record.
    for (key, modes) in [
        (
            &lens,
            json!(["payment_reference", "merchant_of_record", "direct_entry"]),
        ),
        (&trail, json!(["direct_entry", "payment_reference"])),
    ] {
        let response = app
            .admin(
                reqwest::Method::PUT,
                key,
                "agreements/shop",
                Some(json!({"modes": modes, "commission_bps": 1000})),
            )
            .await;
        assert_eq!(response.status(), 200, "agreement");
    }
    app.must_create(
        &shop,
        "secrets",
        json!({"key_id": KEY_ID, "secret": SECRET}),
    )
    .await;
    app.must_create(
        &shop,
        "templates",
        json!({"id": "t", "headline": "Thanks {{ first_name }} from {{affiliate}}",
        "body": "{{upseller}} has something. {{points}} points.", "button": "Add"}),
    )
    .await;
    app.must_create(
        &shop,
        "styles",
        json!({"id": "s", "accent": "#112233", "text": "#000000",
        "surface": "#ffffff", "font": "Georgia, serif", "radius_px": 8}),
    )
    .await;
    app.must_create(
        &shop,
        "incentives",
        json!({"id": "ten", "label": "10% off", "kind": "discount", "percent_off": 10}),
    )
    .await;
    app.must_create(
        &lens,
        "offer-items",
        item("LENS-35", "349.00", "USD", &["CAM"]),
    )
    .await;
    app.must_create(
        &lens,
        "offer-items",
        item("FILTER", "29.00", "USD", &["CAM", "LENS-50"]),
    )
    .await;
    app.must_create(
        &lens,
        "offer-items",
        item("HOOD", "19.00", "USD", &["LENS-50"]),
    )
    .await;
    app.must_create(
        &lens,
        "offer-items",
        item("EURO-BAG", "40.00", "EUR", &["CAM"]),
    )
    .await;
    app.must_create(&trail, "offer-items", item("TRIPOD", "99.00", "USD", &[]))
        .await;
    app.must_create(
        &shop,
        "reason-codes",
        reason("CAMERA-HIGH", "lens", "payment_reference", "popup"),
    )
    .await;
    app.must_create(
        &shop,
        "reason-codes",
        reason("OUTDOOR", "trail", "direct_entry", "iframe")
            .as_object()
            .cloned()
            .map(|mut o| {
                o.insert("default_items".into(), json!(["TRIPOD"]));
                Value::Object(o)
            })
            .expect("object"),
    )
    .await;
    app.must_create(
        &shop,
        "reason-rules",
        json!({"id": "big", "priority": 1, "skus": ["CAM"],
        "min_total": "500.00", "currency": "USD", "reason_code": "CAMERA-HIGH"}),
    )
    .await;
    app
}

pub(crate) fn item(sku: &str, price: &str, currency: &str, complements: &[&str]) -> Value {
    json!({"sku": sku, "name": format!("Item {sku}"), "price": price, "currency": currency, "complements": complements})
}

pub(crate) fn reason(code: &str, upseller: &str, mode: &str, presentation: &str) -> Value {
    json!({"code": code, "template": "t", "style": "s", "upseller": upseller, "handoff_mode": mode,
        "presentation": presentation, "teaser": "A thank-you offer", "points": 50, "frequency_cap": 3,
        "incentives": ["ten"]})
}

/// Claims for a new order of the customer `cust-1`.
pub(crate) fn claims(order_id: &str, reason_code: Option<&str>) -> TicketClaims {
    TicketClaims {
        affiliate_id: "shop".into(),
        order_id: order_id.into(),
        reason_code: reason_code.map(|c| ReasonCode::parse(c).expect("valid code")),
        customer_token: "cust-1".into(),
        incentive: None,
        promotion_id: None,
        issued_at: now(),
        nonce: format!("n-{}", uuid_like()),
    }
}

pub(crate) fn ticket(claims: &TicketClaims) -> String {
    sign_ticket(claims, KEY_ID, SECRET.as_bytes())
}

/// An opportunity request body: one camera at 999.00 USD.
pub(crate) fn purchase(ticket: &str, order_id: &str) -> Value {
    json!({"ticket": ticket, "transaction": {"order_id": order_id,
        "items": [{"sku": "CAM", "quantity": 1, "unit_price": "999.00"}], "total": "999.00", "currency": "USD"}})
}

impl TestApp {
    pub(crate) async fn create_merchant(&self, body: Value) -> String {
        let response = self
            .client
            .post(format!("{}/v1/admin/merchants", self.base))
            .bearer_auth(OPERATOR_KEY)
            .json(&body)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 201, "create merchant");
        let body: Value = response.json().await.expect("json");
        body["api_key"].as_str().expect("api key").to_owned()
    }

    pub(crate) async fn admin(
        &self,
        method: reqwest::Method,
        key: &str,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}/v1/admin/{path}", self.base))
            .bearer_auth(key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("sent")
    }

    /// Makes and activates a hub key of `purpose` for the merchant of `key`:
    /// its id and secret, as the merchant configures them.
    pub(crate) async fn hub_key(&self, key: &str, purpose: &str) -> (String, String) {
        let made = self
            .admin(
                reqwest::Method::POST,
                key,
                "keys",
                Some(json!({"purpose": purpose})),
            )
            .await;
        assert_eq!(made.status(), 201, "key made");
        let made: Value = made.json().await.expect("json");
        assert_eq!(made["status"], "staged");
        let id = made["key_id"].as_str().expect("id").to_owned();
        let activated = self
            .admin(
                reqwest::Method::POST,
                key,
                &format!("keys/{id}/activate"),
                None,
            )
            .await;
        assert_eq!(activated.status(), 200, "key activated");
        (id, made["secret"].as_str().expect("secret").to_owned())
    }

    /// The order `id` with its consent receipt, as the shop reads it.
    pub(crate) async fn order(&self, id: &Value) -> Value {
        let id = id.as_str().expect("an order id");
        self.admin(
            reqwest::Method::GET,
            &self.shop_key.clone(),
            &format!("orders/{id}"),
            None,
        )
        .await
        .json()
        .await
        .expect("json")
    }

    /// A call to the operator API.
    pub(crate) async fn operator(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}/v1/operator/{path}", self.base))
            .bearer_auth(OPERATOR_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("sent")
    }

    /// The merchant of `proposer_key` proposes an affiliation with `partner`,
    /// which accepts, and the operator confirms it; its id.
    pub(crate) async fn affiliate_confirmed(
        &self,
        proposer_key: &str,
        partner: &str,
        partner_key: &str,
    ) -> String {
        let proposed = self
            .admin(
                reqwest::Method::POST,
                proposer_key,
                "affiliations",
                Some(json!({"partner": partner})),
            )
            .await;
        assert_eq!(proposed.status(), 201, "proposed");
        let proposed: Value = proposed.json().await.expect("json");
        let id = proposed["id"].as_str().expect("id").to_owned();
        let accepted = self
            .admin(
                reqwest::Method::POST,
                partner_key,
                &format!("affiliations/{id}/accept"),
                None,
            )
            .await;
        assert_eq!(accepted.status(), 200, "accepted");
        let confirmed = self
            .operator(
                reqwest::Method::POST,
                &format!("affiliations/{id}/confirm"),
                None,
            )
            .await;
        assert_eq!(confirmed.status(), 200, "confirmed");
        id
    }

    pub(crate) async fn must_create(&self, key: &str, kind: &str, body: Value) {
        let response = self
            .admin(reqwest::Method::POST, key, kind, Some(body))
            .await;
        let status = response.status();
        assert_eq!(
            status,
            201,
            "create {kind}: {}",
            response.text().await.unwrap_or_default()
        );
    }

    pub(crate) async fn post_opportunity(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(format!("{}/v1/opportunities", self.base))
            .header("origin", ORIGIN)
            .json(body)
            .send()
            .await
            .expect("sent")
    }

    pub(crate) async fn post_raw(
        &self,
        path: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("sent")
    }

    /// Reports the purchase `body`, which must open a new opportunity:
    /// its id and its offer.
    pub(crate) async fn opened(&self, body: &Value) -> (String, Value) {
        let response = self.post_opportunity(body).await;
        assert_eq!(response.status(), 201);
        let id = response.json::<Value>().await.expect("json")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let offer = self.get_offer(&id).await.json().await.expect("json");
        (id, offer)
    }

    /// `GET /v1/opportunities/{id}` as the hub's frame page asks: with
    /// the token of a fresh load of that page.
    pub(crate) async fn read_opportunity(&self, id: &str) -> reqwest::Response {
        let token = crate::accept::frame_token(self, id).await;
        self.client
            .get(format!("{}/v1/opportunities/{id}", self.base))
            .header("postsale-frame-token", token)
            .send()
            .await
            .expect("sent")
    }

    pub(crate) async fn get_offer(&self, id: &str) -> reqwest::Response {
        self.client
            .get(format!("{}/v1/opportunities/{id}/offer", self.base))
            .send()
            .await
            .expect("sent")
    }

    pub(crate) async fn decline(&self, id: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/v1/opportunities/{id}/decline", self.base))
            .send()
            .await
            .expect("sent")
    }

    /// Number of opportunities stored, seen through the stats endpoint.
    pub(crate) async fn shown(&self) -> i64 {
        let stats: Value = self
            .admin(reqwest::Method::GET, &self.shop_key.clone(), "stats", None)
            .await
            .json()
            .await
            .expect("json");
        stats["total"]["shown"].as_i64().expect("shown count")
    }
}

/// Asserts a problem+json answer with this status, naming `field` when given.
pub(crate) async fn assert_problem(
    response: reqwest::Response,
    status: u16,
    field: Option<&str>,
) -> Value {
    assert_eq!(response.status(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("problem json");
    assert_eq!(body["status"], status);
    if let Some(field) = field {
        assert_eq!(body["field"], field, "problem names the field: {body}");
    }
    body
}

pub(crate) fn sign_ticket_with(claims: &TicketClaims, key_id: &str, secret: &[u8]) -> String {
    sign_ticket(claims, key_id, secret)
}

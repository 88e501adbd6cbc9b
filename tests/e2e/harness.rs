//! What every end-to-end test needs: its own hub and demo shops, a browser
//! session with the capabilities the machine wants, screenshots of each step
//! in two viewports, and small waits that poll instead of sleeping blind.

use std::{
    future::Future,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{
        Arc, LazyLock, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use fantoccini::{
    Client, ClientBuilder, Locator,
    actions::{InputSource, KeyAction, KeyActions},
    elements::Element,
    key::Key,
};
use serde_json::{Value, json};

pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;
pub(crate) type Result<T = (), E = Error> = std::result::Result<T, E>;

/// The demo affiliate shop and the demo upseller: the hub's demo data names
/// these addresses (handoff URL, webhook URL, allowed origin).
pub(crate) const SHOP: &str = "http://127.0.0.1:8081";
pub(crate) const UPSELLER: &str = "http://127.0.0.1:8082";
/// The demo affiliate's admin API key.
pub(crate) const ADMIN_KEY: &str = "psk_demo_camera_shop";
/// The widget's host element.
pub(crate) const HOST: &str = "postsale-widget";

const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);
/// How long a wait polls before the test fails.
const PATIENCE: Duration = Duration::from_secs(15);

/// The demo shop's ports are fixed: one test at a time, even when the
/// harness is run without `--test-threads=1`.
static SERIAL: LazyLock<tokio::sync::Mutex<()>> = LazyLock::new(|| tokio::sync::Mutex::new(()));

/// Fails the test with a message when `cond` is false.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+).into());
        }
    };
}

/// Which browser the driver drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Browser {
    Chromium,
    Firefox,
}

#[derive(Debug, Clone)]
struct Config {
    webdriver: String,
    browser: Browser,
    hub_bin: PathBuf,
    shop_bin: PathBuf,
    assets: PathBuf,
    axe: PathBuf,
    out: PathBuf,
}

impl Config {
    /// `None` when the test is not run by `cargo xtask test` (no driver).
    fn from_env() -> Option<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let webdriver = var("POSTSALE_E2E_WEBDRIVER")?;
        let browser = match var("POSTSALE_E2E_BROWSER").as_deref() {
            Some("firefox") => Browser::Firefox,
            _ => Browser::Chromium,
        };
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let path =
            |name: &str, default: &str| var(name).map_or_else(|| root.join(default), PathBuf::from);
        Some(Self {
            webdriver,
            browser,
            hub_bin: path("POSTSALE_E2E_HUB_BIN", "target/debug/postsale"),
            shop_bin: path("POSTSALE_E2E_SHOP_BIN", "target/debug/examples/demo_shop"),
            assets: path("POSTSALE_E2E_ASSETS", "dist"),
            axe: path(
                "POSTSALE_E2E_AXE",
                "target/tools/node_modules/axe-core/axe.min.js",
            ),
            out: path("POSTSALE_E2E_OUT", "target/e2e"),
        })
    }

    fn capabilities(&self, profile: &std::path::Path) -> serde_json::Map<String, Value> {
        let mut caps = match self.browser {
            Browser::Chromium => json!({
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": std::env::var("POSTSALE_E2E_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-quic", "--no-first-run",
                        format!("--user-data-dir={}", profile.display()),
                        format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                    ],
                },
            }),
            Browser::Firefox => json!({
                "browserName": "firefox",
                "moz:firefoxOptions": {
                    "args": ["-headless", "-profile", profile.display().to_string()],
                },
            }),
        };
        // The TLS proxy's certificate is signed by the test's own authority.
        caps["acceptInsecureCerts"] = json!(true);
        match caps {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        }
    }
}

/// nginx with `deploy/nginx.conf` in front of the hub, over TLS with a
/// certificate of the test's own authority, as production runs it.
#[derive(Debug)]
struct Proxy {
    /// `https://localhost:PORT`.
    public: String,
    port: u16,
    /// The authority's certificate, which the test's own client trusts.
    authority: PathBuf,
}

impl Proxy {
    /// Makes the certificates in `dir` and picks a port.
    fn new(dir: &std::path::Path) -> Result<Self> {
        let openssl = |args: &[&str]| -> Result {
            let ran = Command::new("openssl")
                .current_dir(dir)
                .args(args)
                .stderr(Stdio::null())
                .status()?;
            ensure!(ran.success(), "openssl {args:?} failed");
            Ok(())
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=postsale test authority",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ])?;
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "hub.key",
            "-out",
            "hub.csr",
        ])?;
        std::fs::write(
            dir.join("hub.ext"),
            "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        )?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            "hub.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "hub.ext",
            "-out",
            "hub.crt",
        ])?;
        let port = free_port()?;
        Ok(Self {
            public: format!("https://localhost:{port}"),
            port,
            authority: dir.join("ca.crt"),
        })
    }

    /// Starts nginx on the port, for the hub at `hub_addr`; its files in `dir`.
    fn start(&self, dir: &std::path::Path, hub_addr: &str) -> Result<Child> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let server = std::fs::read_to_string(root.join("deploy/nginx.conf"))?;
        let here = server
            .replace("server 127.0.0.1:8080;", &format!("server {hub_addr};"))
            .replace(
                "listen 443 ssl http2;",
                &format!("listen 127.0.0.1:{} ssl http2;", self.port),
            )
            .replace("    listen [::]:443 ssl http2;\n", "")
            .replace("/etc/ssl/postsale", &dir.display().to_string())
            .replace("server_name hub.example.com;", "server_name localhost;");
        ensure!(
            here.contains(hub_addr),
            "deploy/nginx.conf no longer names its upstream as expected"
        );
        let d = dir.display();
        // One process, so that stopping it stops all of nginx.
        std::fs::write(
            dir.join("nginx.conf"),
            format!(
                "daemon off;\nmaster_process off;\nuser root;\npid {d}/nginx.pid;\nerror_log {d}/nginx-error.log;\n\
                 events {{}}\nhttp {{\naccess_log {d}/nginx-access.log;\nclient_body_temp_path {d}/body;\n\
                 proxy_temp_path {d}/proxy;\nfastcgi_temp_path {d}/fastcgi;\nuwsgi_temp_path {d}/uwsgi;\n\
                 scgi_temp_path {d}/scgi;\n{here}\n}}\n"
            ),
        )?;
        Command::new("nginx")
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start nginx: {e}").into())
    }
}

/// The hub and the demo shops of one test, killed when dropped.
#[derive(Debug)]
struct Stack {
    hub: Option<Child>,
    shops: Option<Child>,
    proxy: Option<Child>,
}

impl Stack {
    async fn start(
        cfg: &Config,
        dir: &std::path::Path,
        hub_addr: &str,
        proxy: Option<&Proxy>,
        stripe: Option<&str>,
    ) -> Result<Self> {
        let log = |name: &str| -> Result<(Stdio, Stdio)> {
            let file = std::fs::File::create(dir.join(name))?;
            Ok((file.try_clone()?.into(), file.into()))
        };
        let (out, err) = log("hub.log")?;
        let db = dir.join("hub.db");
        let mut hub = Command::new(&cfg.hub_bin);
        hub.args(["serve", "--demo", "--addr", hub_addr, "--assets"])
            .arg(&cfg.assets)
            .arg("--database")
            .arg(format!("sqlite://{}", db.display()));
        if let Some(proxy) = proxy {
            hub.args([
                "--public-url",
                &proxy.public,
                "--trusted-proxy",
                "127.0.0.1",
            ]);
        }
        if let Some(api) = stripe {
            hub.args([
                "--gateway",
                "stripe",
                "--stripe-publishable-key",
                STRIPE_PUBLISHABLE_KEY,
                "--stripe-api-base",
                api,
                "--stripe-js",
                &format!("{api}/js.stripe.com/v3/"),
            ])
            .env("POSTSALE_STRIPE_SECRET_KEY", STRIPE_SECRET_KEY);
        }
        let hub = hub
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start the hub {}: {e}", cfg.hub_bin.display()))?;
        let mut stack = Self {
            hub: Some(hub),
            shops: None,
            proxy: None,
        };
        let public = proxy.map_or_else(|| format!("http://{hub_addr}"), |p| p.public.clone());
        let (out, err) = log("shops.log")?;
        let mut shops = Command::new(&cfg.shop_bin);
        if let Some(api) = stripe {
            // The shop's customers' good cards are saved at Stripe, with
            // one whose issuer asks for 3-D Secure.
            shops.env("DEMO_SHOP_SAVED_CARD", saved_card(api).await?);
        }
        let shops = shops
            .args([&public, "127.0.0.1:8081", "127.0.0.1:8082"])
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start the demo shops {}: {e}",
                    cfg.shop_bin.display()
                )
            })?;
        stack.shops = Some(shops);
        for addr in [hub_addr, "127.0.0.1:8081", "127.0.0.1:8082"] {
            stack.wait_listening(addr).await?;
        }
        if let Some(proxy) = proxy {
            stack.proxy = Some(proxy.start(dir, hub_addr)?);
            stack
                .wait_listening(&format!("127.0.0.1:{}", proxy.port))
                .await?;
        }
        Ok(stack)
    }

    async fn wait_listening(&mut self, addr: &str) -> Result {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(());
            }
            for child in self
                .hub
                .iter_mut()
                .chain(self.shops.iter_mut())
                .chain(self.proxy.iter_mut())
            {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!(
                        "a process exited ({status}) before {addr} listened; see its log"
                    )
                    .into());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("nothing listened on {addr} within {PATIENCE:?}").into())
    }

    fn stop_hub(&mut self) {
        if let Some(mut hub) = self.hub.take() {
            let _ = hub.kill();
            let _ = hub.wait();
        }
    }
}

/// A Stripe customer with a saved card whose issuer asks for 3-D Secure,
/// as the demo shop would keep it: `cus_.../card_...`.
async fn saved_card(api: &str) -> Result<String> {
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{api}/v1/tokens"))
        .form(&[
            ("key", STRIPE_PUBLISHABLE_KEY),
            ("card[number]", "4000002500003155"),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2031"),
            ("card[cvc]", "123"),
        ])
        .send()
        .await?
        .json()
        .await?;
    let customer: Value = http
        .post(format!("{api}/v1/customers"))
        .bearer_auth(STRIPE_SECRET_KEY)
        .form(&[("source", token["id"].as_str().unwrap_or_default())])
        .send()
        .await?
        .json()
        .await?;
    match (customer["id"].as_str(), customer["default_source"].as_str()) {
        (Some(customer), Some(card)) => Ok(format!("{customer}/{card}")),
        _ => Err(format!("localstripe made no customer: {customer}").into()),
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.stop_hub();
        for mut child in self.shops.take().into_iter().chain(self.proxy.take()) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One test's world: its browser session, its hub, where its screenshots go.
#[derive(Debug, Clone)]
pub(crate) struct E2e {
    /// The browser session.
    pub(crate) client: Client,
    /// The hub's base URL.
    pub(crate) hub: String,
    out: PathBuf,
    axe: PathBuf,
    step: Arc<AtomicU32>,
    stack: Arc<Mutex<Stack>>,
    http: reqwest::Client,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Runs one end-to-end test: starts its hub, shops and browser session, runs
/// `body`, keeps a screenshot of where a failure left the page, and always
/// closes the session and stops the processes. Without a driver configured
/// it fails: the suite is only run by `cargo xtask test`, which starts one.
pub(crate) async fn run<F, Fut>(name: &str, body: F)
where
    F: FnOnce(E2e) -> Fut,
    Fut: Future<Output = Result>,
{
    run_as(name, Setup::default(), body).await;
}

/// How a test's hub runs.
#[derive(Debug, Clone, Copy, Default)]
struct Setup {
    /// Behind nginx over TLS.
    tls: bool,
    /// Charging through Stripe (localstripe, `POSTSALE_E2E_STRIPE`).
    stripe: bool,
}

/// The publishable key the Stripe tests' hub gives Stripe.js.
const STRIPE_PUBLISHABLE_KEY: &str = "pk_test_postsale_e2e";
/// The secret key of the Stripe tests' hub.
pub(crate) const STRIPE_SECRET_KEY: &str = "sk_test_postsale_e2e";

/// [`run`], with the hub charging through Stripe's API (localstripe, which
/// `cargo xtask test` starts and names in `POSTSALE_E2E_STRIPE`): the frame
/// shows Stripe.js's card field.
pub(crate) async fn run_on_stripe<F, Fut>(name: &str, body: F)
where
    F: FnOnce(E2e) -> Fut,
    Fut: Future<Output = Result>,
{
    run_as(
        name,
        Setup {
            stripe: true,
            ..Setup::default()
        },
        body,
    )
    .await;
}

/// [`run`], with the browser and the test reaching the hub only through
/// nginx over TLS (`deploy/nginx.conf`), as in production.
pub(crate) async fn run_behind_tls<F, Fut>(name: &str, body: F)
where
    F: FnOnce(E2e) -> Fut,
    Fut: Future<Output = Result>,
{
    run_as(
        name,
        Setup {
            tls: true,
            ..Setup::default()
        },
        body,
    )
    .await;
}

async fn run_as<F, Fut>(name: &str, setup: Setup, body: F)
where
    F: FnOnce(E2e) -> Fut,
    Fut: Future<Output = Result>,
{
    let Some(cfg) = Config::from_env() else {
        panic!(
            "{name}: POSTSALE_E2E_WEBDRIVER is not set; run the end-to-end tests with `cargo xtask test`"
        );
    };
    let _serial = SERIAL.lock().await;
    let world = match start(&cfg, name, setup).await {
        Ok(world) => world,
        Err(err) => panic!("{name}: cannot start: {err}"),
    };
    // Bodies fail by returning an error (`ensure!`), not by panicking, so
    // the session is closed on every path. (Spawning the body to catch its
    // panics would need `Send` futures, which the polling closures are not.)
    let outcome = body(world.clone()).await;
    if outcome.is_err() {
        let _ = world.shot("FAILED").await;
    }
    let _ = world.client.clone().close().await;
    drop(world);
    if let Err(err) = outcome {
        panic!("{name}: {err}");
    }
}

async fn start(cfg: &Config, name: &str, setup: Setup) -> Result<E2e> {
    let dir = cfg.out.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let hub_addr = format!("127.0.0.1:{}", free_port()?);
    let proxy = if setup.tls {
        Some(Proxy::new(&dir)?)
    } else {
        None
    };
    let stripe = if setup.stripe {
        Some(
            std::env::var("POSTSALE_E2E_STRIPE")
                .ok()
                .filter(|url| !url.is_empty())
                .ok_or("POSTSALE_E2E_STRIPE names no localstripe; run with `cargo xtask test`")?,
        )
    } else {
        None
    };
    let stack = Stack::start(cfg, &dir, &hub_addr, proxy.as_ref(), stripe.as_deref()).await?;
    let mut http = reqwest::Client::builder();
    if let Some(proxy) = &proxy {
        let authority = reqwest::Certificate::from_pem(&std::fs::read(&proxy.authority)?)?;
        http = http.add_root_certificate(authority);
    }
    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile)?;
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(cfg.capabilities(&profile))
        .connect(&cfg.webdriver)
        .await
        .map_err(|e| format!("no browser session from {}: {e}", cfg.webdriver))?;
    let world = E2e {
        client,
        hub: proxy.map_or_else(|| format!("http://{hub_addr}"), |p| p.public),
        out: dir,
        axe: cfg.axe.clone(),
        step: Arc::default(),
        stack: Arc::new(Mutex::new(stack)),
        http: http.build()?,
    };
    world.client.set_window_size(DESKTOP.0, DESKTOP.1).await?;
    Ok(world)
}

impl E2e {
    /// The hub's files (its SQLite database and log) that hold `text`.
    pub(crate) fn hub_files_holding(&self, text: &str) -> Result<Vec<String>> {
        let mut holding = Vec::new();
        for entry in std::fs::read_dir(&self.out)? {
            let path = entry?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !(name.starts_with("hub.db") || name == "hub.log") {
                continue;
            }
            let bytes = std::fs::read(&path)?;
            if bytes.windows(text.len()).any(|w| w == text.as_bytes()) {
                holding.push(name);
            }
        }
        Ok(holding)
    }

    /// Stops the hub: from now on nothing answers on its address.
    pub(crate) fn stop_hub(&self) {
        if let Ok(mut stack) = self.stack.lock() {
            stack.stop_hub();
        }
    }

    /// Buys in the demo shop (`query` as in `/checkout?sku=...`) with the
    /// prefilled form and the sandbox card; returns the order page's URL.
    pub(crate) async fn buy(&self, query: &str) -> Result<String> {
        self.client
            .goto(&format!("{SHOP}/checkout?{query}"))
            .await?;
        self.shot("checkout").await?;
        self.client
            .find(Locator::Css("#pay"))
            .await?
            .click()
            .await?;
        let url = self
            .until("the order page", async || {
                let url = self.client.current_url().await?;
                Ok(url.path().starts_with("/orders/").then(|| url.to_string()))
            })
            .await?;
        // The order page has loaded (`load` fired): the widget comes after.
        Ok(url)
    }

    /// Polls `probe` until it gives `Some`, for at most [`PATIENCE`].
    pub(crate) async fn until<T>(
        &self,
        what: &str,
        mut probe: impl AsyncFnMut() -> Result<Option<T>>,
    ) -> Result<T> {
        let deadline = Instant::now() + PATIENCE;
        let mut last_err = None;
        loop {
            match probe().await {
                Ok(Some(value)) => return Ok(value),
                Ok(None) => {}
                Err(err) => last_err = Some(err.to_string()),
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "timed out after {PATIENCE:?} waiting for {what}{}",
                    last_err
                        .map(|e| format!(" (last error: {e})"))
                        .unwrap_or_default()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page.
    pub(crate) async fn js(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        Ok(self.client.execute(script, args).await?)
    }

    /// The element matching `css` inside the widget's shadow root, waiting
    /// for it to appear.
    pub(crate) async fn in_widget(&self, css: &str) -> Result<Element> {
        self.until(&format!("`{css}` in the widget"), async || {
            let Ok(host) = self.client.find(Locator::Css(HOST)).await else {
                return Ok(None);
            };
            let shadow = host.shadow_root().await?;
            Ok(shadow.find(Locator::Css(css)).await.ok())
        })
        .await
    }

    /// Waits until the dialog's title reads `title`.
    pub(crate) async fn wait_title(&self, title: &str) -> Result {
        self.until(&format!("the dialog titled {title:?}"), async || {
            let el = self.in_widget("#postsale-title").await?;
            Ok((el.text().await?.trim() == title).then_some(()))
        })
        .await
    }

    /// Clicks the widget's button whose text is `text` (in its shadow root).
    pub(crate) async fn click_button(&self, text: &str) -> Result {
        let button = self
            .until(&format!("a button {text:?} in the widget"), async || {
                let Ok(host) = self.client.find(Locator::Css(HOST)).await else {
                    return Ok(None);
                };
                let shadow = host.shadow_root().await?;
                for button in shadow.find_all(Locator::Css("button")).await? {
                    if button.text().await?.trim().starts_with(text) && button.is_enabled().await? {
                        return Ok(Some(button));
                    }
                }
                Ok(None)
            })
            .await?;
        button.click().await?;
        Ok(())
    }

    /// Clicks "Confirm and pay" where the merchant's page cannot: inside the
    /// hub's consent frame of the pop-up's consent step; back in the page after.
    pub(crate) async fn confirm_in_consent_frame(&self) -> Result {
        self.confirm_in_consent_frame_saying("Confirm and pay")
            .await
    }

    /// [`Self::confirm_in_consent_frame`] where its button starts with `words`.
    pub(crate) async fn confirm_in_consent_frame_saying(&self, words: &str) -> Result {
        let frame = self.in_widget("iframe.consent-frame").await?;
        frame.enter_frame().await?;
        let button = self
            .until("the consent frame's button", async || {
                let Ok(button) = self.client.find(Locator::Css("button#c")).await else {
                    return Ok(None);
                };
                let ready = button.text().await?.starts_with(words) && button.is_enabled().await?;
                Ok(ready.then_some(button))
            })
            .await?;
        button.click().await?;
        self.client.enter_parent_frame().await?;
        Ok(())
    }

    /// Whether the page holds the widget's host element.
    pub(crate) async fn has_widget(&self) -> Result<bool> {
        Ok(!self.client.find_all(Locator::Css(HOST)).await?.is_empty())
    }

    /// Presses and releases `key` where the focus is.
    pub(crate) async fn press(&self, key: Key) -> Result {
        let value: char = key.into();
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value })
            .then(KeyAction::Up { value });
        self.client.perform_actions(keys).await?;
        Ok(())
    }

    /// The focused element inside the widget's shadow root, as
    /// `{tag, class, text}`, or `null`.
    pub(crate) async fn focused(&self) -> Result<Value> {
        self.js(
            "const root = document.querySelector(arguments[0])?.shadowRoot;\
             const a = root && root.activeElement;\
             return a ? {tag: a.tagName.toLowerCase(), class: a.className, text: a.textContent.trim()} : null;",
            vec![json!(HOST)],
        )
        .await
    }

    /// What the host page's layout is: the scrolling element's sizes, the
    /// order total's box (a marker on the page), the body's box.
    pub(crate) async fn layout(&self) -> Result<Value> {
        self.js(
            "const s = document.scrollingElement;\
             const r = e => { if (!e) return null; const b = e.getBoundingClientRect();\
               return [b.x, b.y, b.width, b.height]; };\
             return {scroll: [s.scrollWidth, s.scrollHeight, s.clientWidth, s.clientHeight, s.scrollTop],\
               marker: r(document.getElementById('order-total')), heading: r(document.querySelector('h1')),\
               body: r(document.body), overflow: getComputedStyle(document.documentElement).overflow};",
            vec![],
        )
        .await
    }

    /// Starts collecting errors thrown into the page (and unhandled
    /// rejections) from now on; see [`E2e::page_errors`].
    pub(crate) async fn watch_errors(&self) -> Result {
        self.js(
            "window.__e2eErrors = [];\
             addEventListener('error', e => __e2eErrors.push(String(e.message || e.type)));\
             addEventListener('unhandledrejection', e => __e2eErrors.push('unhandled rejection: ' + e.reason));",
            vec![],
        )
        .await?;
        Ok(())
    }

    /// The errors collected since [`E2e::watch_errors`].
    pub(crate) async fn page_errors(&self) -> Result<Vec<String>> {
        let errors = self
            .js("return window.__e2eErrors || ['not watching'];", vec![])
            .await?;
        Ok(serde_json::from_value(errors)?)
    }

    /// Saves `<n>-<name>-desktop.png` and `<n>-<name>-phone.png` of the
    /// current page, then puts the window back to desktop size.
    pub(crate) async fn shot(&self, name: &str) -> Result {
        let n = self.step.fetch_add(1, Ordering::SeqCst) + 1;
        for (viewport, (w, h)) in [("desktop", DESKTOP), ("phone", PHONE)] {
            self.client.set_window_size(w, h).await?;
            // Let the page lay out at the new size before the picture.
            let _ = self
                .client
                .execute_async(
                    "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
                    vec![],
                )
                .await;
            let png = self.client.screenshot().await?;
            std::fs::write(self.out.join(format!("{n:02}-{name}-{viewport}.png")), png)?;
        }
        self.client.set_window_size(DESKTOP.0, DESKTOP.1).await?;
        Ok(())
    }

    /// The current document's scroll width and client width at phone size
    /// (the window goes back to desktop size after).
    pub(crate) async fn widths_at_phone_size(&self) -> Result<(i64, i64)> {
        self.client.set_window_size(PHONE.0, PHONE.1).await?;
        let widths = self
            .client
            .execute_async(
                "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => \
                 done([document.documentElement.scrollWidth, document.documentElement.clientWidth])));",
                vec![],
            )
            .await;
        self.client.set_window_size(DESKTOP.0, DESKTOP.1).await?;
        let widths: (i64, i64) = serde_json::from_value(widths?)?;
        Ok(widths)
    }

    /// GET on the hub's admin API as the demo affiliate.
    pub(crate) async fn admin(&self, path: &str) -> Result<Value> {
        let response = self
            .http
            .get(format!("{}{path}", self.hub))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        ensure!(status.is_success(), "GET {path}: {status} {body}");
        Ok(body)
    }

    /// The webhooks the demo upseller received.
    /// Inside the hub's frame: types the sandbox card `number` (expiry
    /// 12/2031, CVC 123) into the card form.
    pub(crate) async fn type_card(&self, number: &str) -> Result {
        for (name, value) in [
            ("card_number", number),
            ("exp_month", "12"),
            ("exp_year", "2031"),
            ("cvc", "123"),
        ] {
            self.in_widget(&format!("input[name={name}]"))
                .await?
                .send_keys(value)
                .await?;
        }
        Ok(())
    }

    /// Inside the hub's frame: picks `reward` and goes past the teaser to
    /// the offer, as in the pop-up.
    pub(crate) async fn through_the_frame_steps(&self, reward: &str) -> Result {
        self.wait_title("Choose your thank-you").await?;
        self.click_button(reward).await?;
        self.wait_title("A thank-you offer for your order").await?;
        self.click_button("Show me").await?;
        Ok(())
    }

    pub(crate) async fn upseller_orders(&self) -> Result<Vec<Value>> {
        Ok(self
            .http
            .get(format!("{UPSELLER}/orders.json"))
            .send()
            .await?
            .json()
            .await?)
    }

    /// Injects axe-core into the current document and runs it on `context`
    /// (a selector, or the widget's dialog in its shadow root when `None`);
    /// returns the violations.
    pub(crate) async fn axe(&self, context: Option<&str>) -> Result<Vec<Value>> {
        let source = std::fs::read_to_string(&self.axe).map_err(|e| {
            format!(
                "cannot read axe-core at {} ({e}); `cargo xtask test` installs it",
                self.axe.display()
            )
        })?;
        self.js(&source, vec![]).await?;
        let result = self
            .client
            .execute_async(
                "const [context, host, done] = arguments;\
                 const include = context ? context : {fromShadowDom: [host, '[role=dialog]']};\
                 axe.run({include: [include]}, {resultTypes: ['violations']})\
                   .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,\
                     nodes: v.nodes.map(n => n.target.join(' > ') + ': ' + n.failureSummary)}))))\
                   .catch(e => done([{id: 'axe-error', help: String(e)}]));",
                vec![json!(context), json!(HOST)],
            )
            .await?;
        Ok(serde_json::from_value(result)?)
    }
}

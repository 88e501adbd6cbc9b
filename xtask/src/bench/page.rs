//! Cost to the merchant's page, seen by the browser itself: headless Chromium
//! driven over WebDriver (chromedriver, plain HTTP, no client crate) loads the
//! demo order page from a `--demo` hub, once with the snippet and once from a
//! copy without it. A script installed before any page script (DevTools
//! `Page.addScriptToEvaluateOnNewDocument`) registers the PerformanceObservers
//! and watches for the widget's dialog on every animation frame.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{Value, json};

use super::hub::{self, Hub};
use crate::run::{Error, root};

/// Chromium's flags for root on a closed network (TOOLCHAIN.md).
const FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--window-size=1280,900",
];

/// Runs at document start on every load.
const OBSERVE: &str = r#"
window.__bench = { longTasks: 0, cls: 0, popup: null, console: null };
try {
  new PerformanceObserver(l => { for (const e of l.getEntries()) __bench.longTasks += e.duration; })
    .observe({ type: 'longtask', buffered: true });
  new PerformanceObserver(l => { for (const e of l.getEntries()) if (!e.hadRecentInput) __bench.cls += e.value; })
    .observe({ type: 'layout-shift', buffered: true });
} catch (e) { __bench.error = String(e); }
if (location.pathname.startsWith('/console/')) {
  (function drawn(ts) {
    if (document.querySelector('main h1')) { __bench.console = ts; return; }
    requestAnimationFrame(drawn);
  })(0);
}
(function look(ts) {
  const host = document.querySelector('postsale-widget');
  const dialog = host && host.shadowRoot && host.shadowRoot.querySelector('[role=dialog]');
  if (dialog) { __bench.popup = ts; return; }
  requestAnimationFrame(look);
})(0);
"#;

/// Waits until 3 s after navigation (and, with the snippet, the dialog), then
/// answers the totals and the loader's start.
const COLLECT: &str = r#"
const [withSnippet, done] = [arguments[0], arguments[arguments.length - 1]];
(function wait() {
  const b = window.__bench;
  if (performance.now() < 3000 || (withSnippet && b.popup === null && performance.now() < 15000)) {
    return setTimeout(wait, 50);
  }
  const loader = performance.getEntriesByType('resource').find(e => /\/widget\/postsale\.js/.test(e.name));
  done({ popup: b.popup, loaderStart: loader ? loader.startTime : null,
         longTasks: b.longTasks, cls: b.cls, error: b.error || null });
})();
"#;

/// Waits for the console's first page (at most 15 s): the first animation
/// frame that shows its heading, in ms since navigation started.
const CONSOLE_DRAWN: &str = r#"
const done = arguments[arguments.length - 1];
(function wait() {
  const b = window.__bench;
  if (b.console === null && performance.now() < 15000) return setTimeout(wait, 20);
  done(b.console);
})();
"#;

/// One page load's figures.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    pub(crate) popup_ms: Option<f64>,
    pub(crate) long_task_ms: f64,
    pub(crate) cls: f64,
}

/// What the browser measured: loads of the order page with and without the
/// snippet, and the console's first paints.
#[derive(Debug, Default)]
pub(crate) struct Measured {
    pub(crate) with: Vec<Load>,
    pub(crate) without: Vec<Load>,
    pub(crate) console_ms: Vec<f64>,
}

/// Loads of the page with and without the snippet, alternating; then the
/// console, signed out, as a merchant first opens it.
pub(crate) async fn measure(loads: u32, dir: &Path) -> Result<Measured, Error> {
    let (with_dir, without_dir) = (dir.join("assets-with"), dir.join("assets-without"));
    copy_assets(&with_dir, &without_dir)?;
    let (_, with_db) = hub::fresh_sqlite(dir, "page-with")?;
    let (_, without_db) = hub::fresh_sqlite(dir, "page-without")?;
    let with_hub = Hub::start(
        &with_db,
        &dir.join("hub-page-with.log"),
        &["--demo", "--assets", &with_dir.to_string_lossy()],
    )
    .await?;
    let without_hub = Hub::start(
        &without_db,
        &dir.join("hub-page-without.log"),
        &["--demo", "--assets", &without_dir.to_string_lossy()],
    )
    .await?;
    let driver = Driver::start().await?;
    driver
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": OBSERVE}),
        )
        .await?;
    let (mut with, mut without) = (Vec::new(), Vec::new());
    // One warm-up of each, not counted (first process start, compile caches).
    for i in 0..=loads {
        for (hub, snippet) in [(&with_hub, true), (&without_hub, false)] {
            driver.cdp("Network.clearBrowserCache", json!({})).await?;
            let load = driver.load(&format!("{}/", hub.base), snippet).await?;
            if i > 0 {
                if snippet {
                    with.push(load)
                } else {
                    without.push(load)
                }
            }
        }
    }
    println!("bench: page loads with {with:?}\nbench: page loads without {without:?}");
    let mut console_ms = Vec::new();
    for i in 0..=loads {
        driver.cdp("Network.clearBrowserCache", json!({})).await?;
        driver
            .call(
                "POST",
                "/url",
                &json!({"url": format!("{}/console/", with_hub.base)}),
            )
            .await?;
        let drawn = driver
            .call(
                "POST",
                "/execute/async",
                &json!({"script": CONSOLE_DRAWN, "args": []}),
            )
            .await?;
        let drawn = drawn
            .as_f64()
            .ok_or("the console drew no page within 15 s")?;
        if i > 0 {
            console_ms.push(drawn);
        }
    }
    println!("bench: console first paints {console_ms:?}");
    Ok(Measured {
        with,
        without,
        console_ms,
    })
}

/// Copies dist/ twice: the demo page as built, and the same page without
/// the snippet.
fn copy_assets(with: &Path, without: &Path) -> Result<(), Error> {
    let dist = root().join("dist");
    let page = std::fs::read_to_string(dist.join("index.html"))
        .map_err(|e| format!("no dist/index.html ({e}); trunk build first"))?;
    if !page.contains("{{demo_ticket}}") {
        return Err("dist/index.html has no {{demo_ticket}} placeholder: the hub could not sign a ticket into it, so no popup would show".into());
    }
    let start = page
        .find("<script>(function(w,n)")
        .ok_or("dist/index.html has no postsale snippet")?;
    let end = page
        .rfind("</script>")
        .map(|i| i + "</script>".len())
        .ok_or("no </script>")?;
    let stripped = format!("{}{}", &page[..start], &page[end..]);
    for (dir, text) in [(with, page.as_str()), (without, stripped.as_str())] {
        let _ = std::fs::remove_dir_all(dir);
        copy_dir(&dist, dir)?;
        std::fs::write(dir.join("index.html"), text)
            .map_err(|e| format!("cannot write the page: {e}"))?;
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries.filter_map(Result::ok) {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| format!("cannot copy {}: {e}", src.display()))?;
        }
    }
    Ok(())
}

/// chromedriver with one Chromium session; both end on drop.
#[derive(Debug)]
struct Driver {
    child: Child,
    session: String,
    client: reqwest::Client,
}

impl Driver {
    async fn start() -> Result<Self, Error> {
        let port = hub::free_port()?;
        let child = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("cannot start chromedriver (apt-get install -y chromium-driver): {e}")
            })?;
        let mut driver = Self {
            child,
            session: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
        };
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": FLAGS}}}});
        let mut answer = Value::Null;
        for _ in 0..50 {
            match driver.call("POST", "/session", &caps).await {
                Ok(v) => {
                    answer = v;
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        let id = answer["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no WebDriver session: {answer}"))?;
        driver.session = format!("{}/session/{id}", driver.session);
        driver
            .call(
                "POST",
                "/timeouts",
                &json!({"script": 30_000, "pageLoad": 30_000}),
            )
            .await?;
        Ok(driver)
    }

    /// A WebDriver command relative to the session; its `value`.
    async fn call(&self, method: &str, path: &str, body: &Value) -> Result<Value, Error> {
        let url = format!("{}{path}", self.session);
        let request = match method {
            "POST" => self.client.post(&url).json(body),
            _ => self.client.delete(&url),
        };
        let answer: Value = request
            .send()
            .await
            .map_err(|e| format!("webdriver {path}: {e}"))?
            .json()
            .await
            .map_err(|e| format!("webdriver {path}: {e}"))?;
        if answer["value"]["error"].is_string() {
            return Err(format!("webdriver {path}: {}", answer["value"]));
        }
        Ok(answer["value"].clone())
    }

    async fn cdp(&self, cmd: &str, params: Value) -> Result<Value, Error> {
        self.call(
            "POST",
            "/goog/cdp/execute",
            &json!({"cmd": cmd, "params": params}),
        )
        .await
    }

    async fn load(&self, url: &str, snippet: bool) -> Result<Load, Error> {
        self.call("POST", "/url", &json!({"url": url})).await?;
        let v = self
            .call(
                "POST",
                "/execute/async",
                &json!({"script": COLLECT, "args": [snippet]}),
            )
            .await?;
        if let Some(err) = v["error"].as_str() {
            return Err(format!("PerformanceObserver: {err}"));
        }
        let popup_ms = match (v["popup"].as_f64(), v["loaderStart"].as_f64()) {
            (Some(popup), Some(start)) => Some(popup - start),
            _ if snippet => {
                return Err(format!(
                    "no dialog in the widget's shadow root within 15 s of loading {url}: {v}"
                ));
            }
            _ => None,
        };
        Ok(Load {
            popup_ms,
            long_task_ms: v["longTasks"].as_f64().unwrap_or(0.0),
            cls: v["cls"].as_f64().unwrap_or(0.0),
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Ends the session (and Chromium) before chromedriver.
        let (client, url) = (self.client.clone(), self.session.clone());
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| rt.block_on(async { client.delete(&url).send().await }))
        })
        .join();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

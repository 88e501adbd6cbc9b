//! The widget's files: versioned, cached, pinned by SHA-384; the frame page;
//! the demo order page with a freshly signed ticket.

use base64::Engine;
use postsale_protocol::SignedTicket;
use postsale_server::{Application, Settings};
use serde_json::Value;
use sha2::{Digest, Sha384};

const LOADER: &str = "/* loader */ window.postsale = window.postsale || 1;";
/// What the build leaves as the loader's brotli copy; the hub serves it as
/// it is, byte for byte.
const LOADER_BR: &[u8] = b"\x1b\x33\x00\xf8 the loader's brotli copy";

/// The console's page as trunk leaves it: an inline start-up script.
const CONSOLE_PAGE: &str = "<html><head><script type=\"module\">import init from '/console/app-0a1b.js';\nawait init();</script>\
    <script src=\"/console/other.js\"></script></head><body></body></html>";

async fn spawn_with_assets(demo: bool) -> (String, reqwest::Client) {
    // The hub reads the build into memory as it starts: the directory goes
    // when this function returns.
    let temp = tempfile::Builder::new()
        .prefix("postsale-dist-")
        .tempdir()
        .expect("temp dir");
    let dist = temp.path().to_path_buf();
    std::fs::create_dir_all(dist.join("widget")).expect("dist");
    std::fs::write(dist.join("widget/postsale.js"), LOADER).expect("write");
    std::fs::write(dist.join("widget/postsale.js.br"), LOADER_BR).expect("write");
    std::fs::write(
        dist.join("widget/postsale-widget_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .expect("write");
    std::fs::write(
        dist.join("frame.html"),
        "<div data-opportunity=\"{{opportunity_id}}\" data-hub=\"{{hub}}\"></div>",
    )
    .expect("write");
    std::fs::create_dir_all(dist.join("console")).expect("console");
    std::fs::write(dist.join("console/index.html"), CONSOLE_PAGE).expect("write");
    std::fs::write(dist.join("console/app-0a1b.js"), "export default 1;").expect("write");
    std::fs::write(dist.join("console/app-0a1b.js.br"), LOADER_BR).expect("write");
    std::fs::write(dist.join("index.html"), "<script>postsale('purchase', {ticket: '{{demo_ticket}}', order: {id: '{{demo_order_id}}'}})</script>").expect("write");
    let mut settings = Settings::for_tests(crate::helpers::fresh_database().await);
    settings.assets = Some(dist);
    settings.demo = demo;
    settings.operator_key = Some(postsale_server::Secret::new(crate::helpers::OPERATOR_KEY));
    let app = Application::build(settings).await.expect("hub builds");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    (base, reqwest::Client::new())
}

async fn manifest(base: &str, client: &reqwest::Client) -> Value {
    client
        .get(format!("{base}/widget/manifest.json"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn the_manifest_pins_each_file_by_version_and_sha384() {
    let (base, client) = spawn_with_assets(false).await;
    let manifest = manifest(&base, &client).await;
    let entry = &manifest["files"]["postsale.js"];
    let expected = format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(LOADER.as_bytes()))
    );
    assert_eq!(entry["integrity"], expected);

    // Absolute, at the hub's public origin (here its own address).
    let url = entry["url"].as_str().expect("url");
    assert!(url.starts_with(&format!("{base}/widget/v/")), "{url}");
    let pinned = client.get(url).send().await.expect("sent");
    assert_eq!(
        pinned.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        pinned.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(pinned.text().await.expect("text"), LOADER);

    let latest = client
        .get(format!("{base}/widget/postsale.js"))
        .send()
        .await
        .expect("sent");
    assert_eq!(latest.headers()["cache-control"], "public, max-age=300");
    let wasm = client
        .get(format!("{base}/widget/postsale-widget_bg.wasm"))
        .send()
        .await
        .expect("sent");
    assert_eq!(wasm.headers()["content-type"], "application/wasm");

    let stale = client
        .get(format!("{base}/widget/v/000000000000/postsale.js"))
        .send()
        .await
        .expect("sent");
    crate::helpers::assert_problem(stale, 404, None).await;
    let missing = client
        .get(format!("{base}/widget/nope.js"))
        .send()
        .await
        .expect("sent");
    crate::helpers::assert_problem(missing, 404, None).await;
}

#[tokio::test]
async fn the_demo_page_carries_a_fresh_ticket_that_verifies() {
    let (base, client) = spawn_with_assets(true).await;
    let page = client
        .get(format!("{base}/"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    let ticket = page
        .split("ticket: '")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a ticket in the page");
    let parsed = SignedTicket::parse(ticket).expect("the ticket parses");
    assert_eq!(parsed.unverified_claims().affiliate_id, "demo-camera-shop");
    assert!(!page.contains("{{demo_order_id}}"));
    let again = client
        .get(format!("{base}/"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert_ne!(page, again, "every load is a new order with a new ticket");
}

#[tokio::test]
async fn the_frame_page_is_framed_only_by_the_affiliates_origins() {
    let (base, client) = spawn_with_assets(false).await;
    let app = crate::helpers::seed(base.clone(), client.clone()).await;
    let body = crate::helpers::purchase(
        &crate::helpers::ticket(&crate::helpers::claims("FR-1", Some("OUTDOOR"))),
        "FR-1",
    );
    let opportunity: Value = app
        .post_opportunity(&body)
        .await
        .json()
        .await
        .expect("json");
    let id = opportunity["id"].as_str().expect("id");
    let frame = client
        .get(format!("{base}/v1/opportunities/{id}/frame"))
        .send()
        .await
        .expect("sent");
    let csp = frame.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(
        csp.contains(&format!(
            "frame-ancestors 'self' {}",
            crate::helpers::ORIGIN
        )),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("script-src {base} 'wasm-unsafe-eval'")),
        "{csp}"
    );
    let html = frame.text().await.expect("text");
    assert!(html.contains(&format!("data-opportunity=\"{id}\"")));
    assert!(html.contains(&format!("data-hub=\"{base}\"")));
    let unknown = client
        .get(format!("{base}/v1/opportunities/opp_nope/frame"))
        .send()
        .await
        .expect("sent");
    crate::helpers::assert_problem(unknown, 404, None).await;
}

#[tokio::test]
async fn a_client_that_accepts_brotli_gets_the_builds_brotli_copy() {
    let (base, client) = spawn_with_assets(false).await;
    for (accept, brotli) in [
        (Some("gzip, deflate, br, zstd"), true),
        (Some("BR"), true),
        (Some("gzip;q=1.0, br;q=0.5"), true),
        (Some("br;q=0"), false),
        (Some("br;q=0.000, gzip"), false),
        (Some("gzip, brotli"), false),
        (None, false),
    ] {
        let mut request = client.get(format!("{base}/widget/postsale.js"));
        if let Some(accept) = accept {
            request = request.header("accept-encoding", accept);
        }
        let response = request.send().await.expect("sent");
        assert_eq!(response.status(), 200, "{accept:?}");
        assert_eq!(response.headers()["vary"], "accept-encoding", "{accept:?}");
        assert_eq!(
            response
                .headers()
                .get("content-encoding")
                .and_then(|v| v.to_str().ok()),
            brotli.then_some("br"),
            "{accept:?}"
        );
        let body = response.bytes().await.expect("body");
        let expected = if brotli { LOADER_BR } else { LOADER.as_bytes() };
        assert_eq!(&body[..], expected, "{accept:?}");
    }

    // The copy is not a file of its own: not served by its name, not in the
    // manifest, and the manifest's digest is of the file itself.
    let copy = client
        .get(format!("{base}/widget/postsale.js.br"))
        .send()
        .await
        .expect("sent");
    crate::helpers::assert_problem(copy, 404, None).await;
    let manifest = manifest(&base, &client).await;
    let names: Vec<&String> = manifest["files"]
        .as_object()
        .expect("files")
        .keys()
        .collect();
    assert_eq!(names, ["postsale-widget_bg.wasm", "postsale.js"]);
    // A file without a copy is the same for every client.
    let wasm = client
        .get(format!("{base}/widget/postsale-widget_bg.wasm"))
        .header("accept-encoding", "br")
        .send()
        .await
        .expect("sent");
    assert!(wasm.headers().get("content-encoding").is_none());
    assert!(wasm.headers().get("vary").is_none());
    assert_eq!(&wasm.bytes().await.expect("body")[..], b"\0asm\x01\0\0\0");
}

#[tokio::test]
async fn the_console_runs_only_the_hubs_scripts_and_its_files_never_change_under_a_name() {
    let (base, client) = spawn_with_assets(false).await;
    let page = client
        .get(format!("{base}/console/"))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), 200);
    let header = |name: &str| {
        page.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let policy = header("content-security-policy");
    // The inline start-up script by its digest, and nothing else inline.
    let inline = "import init from '/console/app-0a1b.js';\nawait init();";
    let digest = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(inline));
    assert!(
        policy.contains(&format!(
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-{digest}';"
        )),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(page.text().await.expect("page"), CONSOLE_PAGE);

    let file = client
        .get(format!("{base}/console/app-0a1b.js"))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .expect("sent");
    assert_eq!(file.status(), 200);
    assert_eq!(
        file.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(file.headers()["content-encoding"], "br");
    assert_eq!(
        file.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(file.bytes().await.expect("bytes").as_ref(), LOADER_BR);
    for missing in [
        "/console/nothing.js",
        "/console/index.html",
        "/console/app-0a1b.js.br",
    ] {
        let answer = client
            .get(format!("{base}{missing}"))
            .send()
            .await
            .expect("sent");
        assert_eq!(answer.status(), 404, "{missing}");
    }
    let bare = client
        .get(format!("{base}/console"))
        .send()
        .await
        .expect("sent");
    assert_eq!(bare.url().path(), "/console/", "redirected to the page");
}

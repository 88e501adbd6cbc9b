//! The hub behind nginx as `deploy/nginx.conf` sets it up: TLS with a
//! certificate the test makes, the hub's public origin that of the proxy,
//! the proxy trusted for the client's address and the request id.

use std::{path::Path, process::Stdio, time::Duration};

use postsale_server::Settings;
use serde_json::Value;

use crate::helpers::{ORIGIN, claims, fresh_database, purchase, seed, start, ticket};

/// Runs openssl with `args` in `dir`.
fn openssl(dir: &Path, args: &[&str]) {
    let ran = std::process::Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(ran.success(), "openssl {args:?}");
}

/// A certificate authority of the test's own, and the hub's certificate
/// for `localhost` and 127.0.0.1 signed by it (`hub.crt`, `hub.key`): the
/// authority's certificate, which the client trusts.
fn certificates(dir: &Path) -> std::path::PathBuf {
    openssl(
        dir,
        &[
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
        ],
    );
    openssl(
        dir,
        &[
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
        ],
    );
    std::fs::write(
        dir.join("hub.ext"),
        "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .expect("written");
    openssl(
        dir,
        &[
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
        ],
    );
    dir.join("ca.crt")
}

/// A port free at the moment.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port()
}

/// `deploy/nginx.conf`'s server, listening on `port` for the hub at `hub`
/// with the certificate in `dir`, inside the few lines of a main
/// configuration that keep nginx's files in `dir`.
fn configuration(dir: &Path, port: u16, hub: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let server =
        std::fs::read_to_string(root.join("deploy/nginx.conf")).expect("the configuration");
    let here = server
        .replace("server 127.0.0.1:8080;", &format!("server {hub};"))
        .replace(
            "listen 443 ssl http2;",
            &format!("listen 127.0.0.1:{port} ssl http2;"),
        )
        .replace("    listen [::]:443 ssl http2;\n", "")
        .replace("/etc/ssl/postsale", &dir.display().to_string())
        .replace("server_name hub.example.com;", "server_name localhost;");
    assert!(here.contains(&format!("127.0.0.1:{port}")) && here.contains(hub));
    let d = dir.display();
    format!(
        "daemon off;\nmaster_process off;\nuser root;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n\
         access_log off;\nclient_body_temp_path {d}/body;\nproxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\nuwsgi_temp_path {d}/uwsgi;\nscgi_temp_path {d}/scgi;\n\
         {here}\n}}\n"
    )
}

#[tokio::test]
async fn the_hub_answers_through_nginx_over_https_as_deploy_sets_it_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let authority = certificates(dir.path());
    let port = free_port();
    let public = format!("https://localhost:{port}");
    let (base, database) = start(Settings::for_tests(fresh_database().await), |s| {
        s.public_url = Some(public.clone());
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("a net")];
    })
    .await;
    let mut app = seed(base.clone(), reqwest::Client::new()).await;
    app.database = database;
    let conf = dir.path().join("nginx.conf");
    std::fs::write(
        &conf,
        configuration(dir.path(), port, base.trim_start_matches("http://")),
    )
    .expect("written");
    let mut nginx = tokio::process::Command::new("nginx")
        .arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(&conf)
        .kill_on_drop(true)
        .stderr(Stdio::piped())
        .spawn()
        .expect("nginx runs (cargo xtask test installs it)");
    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&authority).expect("ca")).expect("pem"),
        )
        .build()
        .expect("client");
    let mut ready = None;
    for _ in 0..100 {
        if let Ok(answer) = client.get(format!("{public}/readyz")).send().await {
            ready = Some(answer);
            break;
        }
        assert!(
            nginx.try_wait().expect("nginx").is_none(),
            "nginx stopped: see {}",
            dir.path().join("error.log").display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready = ready.expect("nginx answers over TLS");
    assert_eq!(ready.status(), 200);
    // nginx's own request id (32 hex digits) reached the hub and came back.
    let id = ready.headers()["x-request-id"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );

    // A purchase, its frame page and card entry, as a browser on the shop's
    // page makes them through the proxy.
    let response = client
        .post(format!("{public}/v1/opportunities"))
        .header("origin", ORIGIN)
        .json(&purchase(
            &ticket(&claims("TLS-1", Some("OUTDOOR"))),
            "TLS-1",
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["access-control-allow-origin"], ORIGIN);
    let opportunity: Value = response.json().await.expect("json");
    let opportunity = opportunity["id"].as_str().expect("id").to_owned();
    let frame = client
        .get(format!("{public}/v1/opportunities/{opportunity}/frame"))
        .send()
        .await
        .expect("sent");
    assert_eq!(frame.status(), 200);
    let csp = frame.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(
        csp.contains(&format!("script-src {public} 'wasm-unsafe-eval'")),
        "{csp}"
    );
    let html = frame.text().await.expect("html");
    assert!(html.contains(&format!("data-hub=\"{public}\"")), "{html}");
    let token = html
        .split_once("data-frame-token=\"")
        .and_then(|(_, rest)| rest.split('"').next())
        .expect("a frame token")
        .to_owned();
    let card = client
        .post(format!("{public}/v1/opportunities/{opportunity}/card"))
        .header("origin", &public)
        .header("postsale-frame-token", token)
        .json(&serde_json::json!({"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(card.status(), 201);
    // Straight to the hub, the same page names the public origin too: the
    // hub never takes its own address for the one browsers use.
    let direct = app.get_offer(&opportunity).await;
    assert_eq!(direct.status(), 200);
    nginx.start_kill().expect("stops");
}

//! The hub's settings, layered: built-in defaults, then a TOML file
//! (`--config`), then `POSTSALE_*` variables, then flags. Secrets are wrapped
//! so they never print.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use serde::Deserialize;

/// The `postsale` command line.
#[derive(Debug, Parser)]
#[command(name = "postsale", version, about = "The postsale hub")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The `postsale` subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hub.
    Serve(ServeArgs),
    /// Apply the database migrations, then exit (for deploy pipelines).
    Migrate(ServeArgs),
    /// Read and check the settings, print them (secrets hidden), then exit:
    /// 0 when the hub would start with them.
    CheckConfig(ServeArgs),
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One line of text per event, for people.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Which payment processor charges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GatewayKind {
    /// The built-in sandbox: a processor's test mode in the hub's own
    /// database, offline (the demo's).
    #[default]
    Sandbox,
    /// Stripe: PaymentIntents, card fields from Stripe.js, 3-D Secure.
    Stripe,
}

/// How the hub reaches Stripe.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    /// The secret API key (`sk_...` or a restricted `rk_...`).
    pub secret_key: Secret,
    /// The publishable key (`pk_...`) Stripe.js runs with in the frame.
    pub publishable_key: String,
    /// The signing secret of the hub's Stripe webhook endpoint
    /// (`whsec_...`); without it, Stripe's events are refused.
    pub webhook_secret: Option<Secret>,
    /// The API's origin [default: https://api.stripe.com].
    pub api_base: String,
    /// Stripe.js [default: https://js.stripe.com/v3/].
    pub js_url: String,
}

/// The payment processor the hub charges through.
#[derive(Debug, Clone, Default)]
pub enum Gateway {
    /// The built-in sandbox.
    #[default]
    Sandbox,
    /// Stripe.
    Stripe(StripeSettings),
}

/// `postsale serve` flags; each can also come from the environment or the file.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// TOML file with any of the settings below (keys as the flags, with '_').
    #[arg(long, env = "POSTSALE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "POSTSALE_ADDR")]
    pub addr: Option<String>,
    /// sqlite://PATH (created if missing) or postgres://... [default: sqlite://postsale.db].
    #[arg(long, env = "POSTSALE_DATABASE_URL")]
    pub database: Option<String>,
    /// Folder with the built widget (trunk's `dist`).
    #[arg(long, env = "POSTSALE_ASSETS")]
    pub assets: Option<PathBuf>,
    /// Load the demo merchants, offers and templates if they are not there yet.
    #[arg(long, env = "POSTSALE_DEMO")]
    pub demo: bool,
    /// The key that lets the operator register merchants.
    #[arg(long, env = "POSTSALE_OPERATOR_KEY", hide_env_values = true)]
    pub operator_key: Option<String>,
    /// Settle orders left pending (by a hub that died) after this many seconds [default: 30].
    #[arg(long, env = "POSTSALE_RECOVERY_AFTER_SECS")]
    pub recovery_after_secs: Option<u64>,
    /// File holding the master key (64 hex digits) that seals the secrets
    /// the hub keeps; or give the key in POSTSALE_MASTER_KEY. Never on the
    /// command line, where any user of the machine could read it.
    #[arg(long, env = "POSTSALE_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Let the hub call `http://` URLs on this machine's loopback addresses
    /// (a local set-up, the tests; `--demo` sets it). Never in production: a
    /// merchant could aim the hub's calls at services on the hub's machine.
    #[arg(long, env = "POSTSALE_ALLOW_LOOPBACK_HTTP")]
    pub allow_loopback_http: bool,
    /// Requests per second one client address may send (twice that in a
    /// burst), per replica; 0 turns the limit off [default: 100].
    #[arg(long, env = "POSTSALE_RATE_LIMIT")]
    pub rate_limit: Option<u32>,
    /// Seconds a client has to send a request's head, and then its body [default: 10].
    #[arg(long, env = "POSTSALE_READ_TIMEOUT_SECS")]
    pub read_timeout_secs: Option<u64>,
    /// Connections open at once, at most; more wait in the backlog [default: 4096].
    #[arg(long, env = "POSTSALE_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Days the customer's name, e-mail and address are kept after the
    /// order's webhook was delivered [default: 90].
    #[arg(long, env = "POSTSALE_RETENTION_DAYS")]
    pub retention_days: Option<u64>,
    /// The hub's own origin as browsers reach it (`https://hub.example.com`):
    /// the frame page loads its script from it. Required unless --addr is a
    /// loopback address [default: http://ADDR].
    #[arg(long, env = "POSTSALE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A reverse proxy (address or CIDR; repeat the flag, or separate with
    /// commas) whose `Forwarded` or `X-Forwarded-For` header names the
    /// client, and whose `X-Request-Id` is kept. No one else's are believed.
    #[arg(
        long = "trusted-proxy",
        env = "POSTSALE_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
    /// Log lines as `text` or `json` [default: text].
    #[arg(long, env = "POSTSALE_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Serve `/metrics` on this address alone, not on the public listener
    /// [default: on the public listener].
    #[arg(long, env = "POSTSALE_METRICS_ADDR")]
    pub metrics_addr: Option<String>,
    /// Count nothing and serve no `/metrics`.
    #[arg(long, env = "POSTSALE_NO_METRICS")]
    pub no_metrics: bool,
    /// The bearer token `/metrics` asks for [default: none asked].
    #[arg(long, env = "POSTSALE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// The payment processor: `sandbox` (offline test mode) or `stripe` [default: sandbox].
    #[arg(long, env = "POSTSALE_GATEWAY")]
    pub gateway: Option<GatewayKind>,
    /// File holding Stripe's secret API key; or give it in
    /// POSTSALE_STRIPE_SECRET_KEY. Never on the command line.
    #[arg(long, env = "POSTSALE_STRIPE_SECRET_KEY_FILE")]
    pub stripe_secret_key_file: Option<PathBuf>,
    /// Stripe's publishable key (`pk_...`), which the frame's Stripe.js uses.
    #[arg(long, env = "POSTSALE_STRIPE_PUBLISHABLE_KEY")]
    pub stripe_publishable_key: Option<String>,
    /// File holding the signing secret of the hub's Stripe webhook endpoint;
    /// or give it in POSTSALE_STRIPE_WEBHOOK_SECRET.
    #[arg(long, env = "POSTSALE_STRIPE_WEBHOOK_SECRET_FILE")]
    pub stripe_webhook_secret_file: Option<PathBuf>,
    /// Stripe's API origin, for a test server [default: https://api.stripe.com].
    #[arg(long, env = "POSTSALE_STRIPE_API_BASE")]
    pub stripe_api_base: Option<String>,
    /// Where the frame loads Stripe.js from [default: https://js.stripe.com/v3/].
    #[arg(long, env = "POSTSALE_STRIPE_JS")]
    pub stripe_js: Option<String>,
    /// Fault injection for tests: abort the process between a charge and its commit.
    #[arg(long, env = "POSTSALE_FAULT_CRASH_AFTER_CHARGE", hide = true)]
    pub crash_after_charge: bool,
}

pub use postsale_protocol::Secret;

/// Everything the hub needs to start, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on.
    pub addr: String,
    /// Database URL.
    pub database: String,
    /// Folder with the built widget, if any.
    pub assets: Option<PathBuf>,
    /// Whether to load demo data.
    pub demo: bool,
    /// The operator key, if any.
    pub operator_key: Option<Secret>,
    /// Age at which a pending order is settled again.
    pub recovery_after: std::time::Duration,
    /// Abort between charge and commit (tests only).
    pub crash_after_charge: bool,
    /// The master key that seals secrets at rest (64 hex digits).
    pub master_key: Option<Secret>,
    /// Whether merchants' URLs may be `http://` on loopback (`--demo` implies it).
    pub allow_loopback_http: bool,
    /// Requests per second per client address (0: no limit).
    pub rate_limit: u32,
    /// Time to send a request's head, and then its body.
    pub read_timeout: std::time::Duration,
    /// Open connections at most.
    pub max_connections: usize,
    /// How long personal data is kept after its webhook was delivered.
    pub retention: std::time::Duration,
    /// The hub's own origin (`scheme://host[:port]`), if given; a hub on a
    /// loopback address without one uses `http://ADDR`.
    pub public_url: Option<String>,
    /// The proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How log lines are written.
    pub log_format: LogFormat,
    /// Where `/metrics` is served on its own, if anywhere.
    pub metrics_addr: Option<String>,
    /// The bearer token `/metrics` asks for, if any.
    pub metrics_token: Option<Secret>,
    /// Whether the hub counts and serves `/metrics` at all.
    pub metrics: bool,
    /// The payment processor.
    pub gateway: Gateway,
}

/// The file form of the settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    addr: Option<String>,
    database: Option<String>,
    assets: Option<PathBuf>,
    demo: Option<bool>,
    operator_key: Option<Secret>,
    recovery_after_secs: Option<u64>,
    master_key_file: Option<PathBuf>,
    allow_loopback_http: Option<bool>,
    rate_limit: Option<u32>,
    read_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    retention_days: Option<u64>,
    public_url: Option<String>,
    trusted_proxies: Option<Vec<String>>,
    log_format: Option<LogFormat>,
    metrics_addr: Option<String>,
    metrics_token: Option<Secret>,
    no_metrics: Option<bool>,
    gateway: Option<GatewayKind>,
    stripe_secret_key_file: Option<PathBuf>,
    stripe_publishable_key: Option<String>,
    stripe_webhook_secret_file: Option<PathBuf>,
    stripe_api_base: Option<String>,
    stripe_js: Option<String>,
}

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected keys.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        source: toml::de::Error,
    },
    /// A setting's value is not one the hub can use.
    #[error("{setting}: {why}")]
    Invalid {
        /// The setting, as its flag.
        setting: &'static str,
        /// Why.
        why: String,
    },
}

impl Settings {
    /// Resolves flags and environment (already merged by clap) over the file.
    pub fn resolve(args: ServeArgs) -> Result<Self, ConfigError> {
        let mut file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        let gateway = gateway(&args, &mut file)?;
        Ok(Self {
            gateway,
            addr: args
                .addr
                .or(file.addr)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            database: args
                .database
                .or(file.database)
                .unwrap_or_else(|| "sqlite://postsale.db".into()),
            assets: args.assets.or(file.assets),
            demo: args.demo || file.demo.unwrap_or(false),
            operator_key: args.operator_key.map(Secret::new).or(file.operator_key),
            recovery_after: std::time::Duration::from_secs(
                args.recovery_after_secs
                    .or(file.recovery_after_secs)
                    .unwrap_or(30),
            ),
            crash_after_charge: args.crash_after_charge,
            master_key: master_key(args.master_key_file.or(file.master_key_file))?,
            allow_loopback_http: args.allow_loopback_http
                || file.allow_loopback_http.unwrap_or(false),
            rate_limit: args.rate_limit.or(file.rate_limit).unwrap_or(100),
            read_timeout: std::time::Duration::from_secs(
                args.read_timeout_secs
                    .or(file.read_timeout_secs)
                    .unwrap_or(10),
            ),
            max_connections: args
                .max_connections
                .or(file.max_connections)
                .unwrap_or(4096),
            retention: std::time::Duration::from_secs(
                86_400 * args.retention_days.or(file.retention_days).unwrap_or(90),
            ),
            public_url: args
                .public_url
                .or(file.public_url)
                .map(|url| public_origin(&url))
                .transpose()
                .map_err(|why| ConfigError::Invalid {
                    setting: "--public-url",
                    why,
                })?,
            trusted_proxies: if args.trusted_proxies.is_empty() {
                file.trusted_proxies.unwrap_or_default()
            } else {
                args.trusted_proxies
            }
            .iter()
            .map(|net| proxy_net(net))
            .collect::<Result<_, _>>()
            .map_err(|why| ConfigError::Invalid {
                setting: "--trusted-proxy",
                why,
            })?,
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
            metrics_addr: args.metrics_addr.or(file.metrics_addr),
            metrics_token: args
                .metrics_token
                .map(Secret::new)
                .or(file.metrics_token)
                .filter(|token| token.expose_text().is_some_and(|t| !t.is_empty())),
            metrics: !(args.no_metrics || file.no_metrics.unwrap_or(false)),
        })
    }

    /// Settings for a hub on a free loopback port with the given database.
    pub fn for_tests(database: impl Into<String>) -> Self {
        Self {
            addr: "127.0.0.1:0".into(),
            database: database.into(),
            assets: None,
            demo: false,
            operator_key: None,
            recovery_after: std::time::Duration::from_secs(30),
            crash_after_charge: false,
            // A fresh master key per test hub: 256 random bits, hex.
            master_key: Some(Secret::new(crate::ids::new_secret_hex())),
            // The tests' affiliates and upsellers listen on loopback.
            allow_loopback_http: true,
            rate_limit: 100,
            read_timeout: std::time::Duration::from_secs(10),
            max_connections: 4096,
            retention: std::time::Duration::from_secs(90 * 86_400),
            public_url: None,
            trusted_proxies: Vec::new(),
            log_format: LogFormat::Text,
            metrics_addr: None,
            metrics_token: None,
            metrics: true,
            gateway: Gateway::Sandbox,
        }
    }
}

/// The origin `url` names (`https://hub.example.com`, no default port),
/// or why it cannot be the hub's: not http(s), a path, query, fragment or
/// user name, or `http://` to a host that is not this machine (a card may
/// only be typed into a page served over https).
pub(crate) fn public_origin(url: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| format!("'{url}' is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("'{url}' is not an http(s) URL"));
    }
    if !parsed.username().is_empty()
        || parsed.password().is_some()
        || parsed.path() != "/"
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err(format!(
            "'{url}' must be an origin only (scheme://host[:port]), with no path, query or user"
        ));
    }
    let loopback = match parsed.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(format!("'{url}' has no host")),
    };
    if parsed.scheme() == "http" && !loopback {
        return Err(format!(
            "'{url}': browsers reach a hub beyond this machine over https (card entry needs a secure page)"
        ));
    }
    Ok(parsed.origin().ascii_serialization())
}

/// A trusted proxy's address or network (`10.0.0.0/8`, `192.0.2.7`, `::1`).
fn proxy_net(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| format!("'{text}' is neither an IP address nor a CIDR network"))
}

/// The payment processor's settings, flags over the file.
fn gateway(args: &ServeArgs, file: &mut FileSettings) -> Result<Gateway, ConfigError> {
    match args.gateway.or(file.gateway).unwrap_or_default() {
        GatewayKind::Sandbox => Ok(Gateway::Sandbox),
        GatewayKind::Stripe => {
            let invalid = |setting, why: &str| ConfigError::Invalid {
                setting,
                why: why.into(),
            };
            let secret_key = secret(
                args.stripe_secret_key_file
                    .clone()
                    .or(file.stripe_secret_key_file.take()),
                "POSTSALE_STRIPE_SECRET_KEY",
            )?
            .filter(|k| {
                k.expose_text()
                    .is_some_and(|k| k.starts_with("sk_") || k.starts_with("rk_"))
            })
            .ok_or_else(|| {
                invalid(
                    "--stripe-secret-key-file",
                    "--gateway stripe needs Stripe's secret key (sk_... or rk_...) in a file or POSTSALE_STRIPE_SECRET_KEY",
                )
            })?;
            let publishable_key = args
                .stripe_publishable_key
                .clone()
                .or(file.stripe_publishable_key.take())
                .filter(|k| {
                    k.starts_with("pk_")
                        && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                })
                .ok_or_else(|| {
                    invalid(
                        "--stripe-publishable-key",
                        "--gateway stripe needs Stripe's publishable key (pk_...)",
                    )
                })?;
            let webhook_secret = secret(
                args.stripe_webhook_secret_file
                    .clone()
                    .or(file.stripe_webhook_secret_file.take()),
                "POSTSALE_STRIPE_WEBHOOK_SECRET",
            )?;
            let api_base = args
                .stripe_api_base
                .clone()
                .or(file.stripe_api_base.take())
                .map_or_else(
                    || Ok("https://api.stripe.com".to_owned()),
                    |url| public_origin(&url),
                )
                .map_err(|why| invalid("--stripe-api-base", &why))?;
            let js_url = args
                .stripe_js
                .clone()
                .or(file.stripe_js.take())
                .unwrap_or_else(|| "https://js.stripe.com/v3/".into());
            // The script's origin is checked as an origin (https, or http on
            // this machine); its path is kept.
            public_origin(
                &js_origin(&js_url)
                    .ok_or_else(|| invalid("--stripe-js", "is not an http(s) URL"))?,
            )
            .map_err(|why| invalid("--stripe-js", &why))?;
            Ok(Gateway::Stripe(StripeSettings {
                secret_key,
                publishable_key,
                webhook_secret,
                api_base,
                js_url,
            }))
        }
    }
}

/// The origin of a script URL, if it is an http(s) URL.
fn js_origin(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.origin().ascii_serialization())
}

/// A secret from its file when one is named, else from the variable `env`.
fn secret(file: Option<PathBuf>, env: &str) -> Result<Option<Secret>, ConfigError> {
    match file {
        Some(path) => std::fs::read_to_string(&path)
            .map(|text| Some(Secret::new(text.trim())))
            .map_err(|source| ConfigError::Read { path, source }),
        None => Ok(std::env::var(env)
            .ok()
            .filter(|k| !k.trim().is_empty())
            .map(|k| Secret::new(k.trim()))),
    }
}

/// The master key: from its file when one is named, else from
/// `POSTSALE_MASTER_KEY`.
fn master_key(file: Option<PathBuf>) -> Result<Option<Secret>, ConfigError> {
    secret(file, "POSTSALE_MASTER_KEY")
}

fn read_file(path: &Path) -> Result<FileSettings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.into(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: path.into(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hub.toml");
        std::fs::write(
            &path,
            "addr = \"0.0.0.0:9000\"\ndatabase = \"postgres://db/hub\"\noperator_key = \"k\"\n",
        )
        .expect("write");
        let args = ServeArgs {
            config: Some(path),
            addr: Some("127.0.0.1:1".into()),
            ..ServeArgs::default()
        };
        let settings = Settings::resolve(args).expect("resolves");
        assert_eq!(settings.addr, "127.0.0.1:1");
        assert_eq!(settings.database, "postgres://db/hub");
        assert_eq!(
            settings.operator_key.as_ref().and_then(Secret::expose_text),
            Some("k")
        );
        assert_eq!(
            format!("{:?}", settings.operator_key),
            "Some(Secret([redacted]))"
        );
    }

    #[test]
    fn the_master_key_comes_from_its_file_and_never_prints() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = dir.path().join("master.key");
        std::fs::write(&key, format!("{}\n", "c".repeat(64))).expect("write");
        let args = ServeArgs {
            master_key_file: Some(key),
            ..ServeArgs::default()
        };
        let settings = Settings::resolve(args).expect("resolves");
        assert_eq!(
            settings.master_key.as_ref().and_then(Secret::expose_text),
            Some("c".repeat(64).as_str())
        );
        assert!(!format!("{settings:?}").contains("cccc"));
        let missing = ServeArgs {
            master_key_file: Some(dir.path().join("nowhere")),
            ..ServeArgs::default()
        };
        assert!(matches!(
            Settings::resolve(missing),
            Err(ConfigError::Read { .. })
        ));
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hub.toml");
        std::fs::write(&path, "adress = \"x\"\n").expect("write");
        let args = ServeArgs {
            config: Some(path),
            ..ServeArgs::default()
        };
        assert!(matches!(
            Settings::resolve(args),
            Err(ConfigError::Parse { .. })
        ));
    }

    #[test]
    fn the_public_url_is_an_origin_and_https_beyond_this_machine() {
        assert_eq!(
            public_origin("https://hub.example.test/").as_deref(),
            Ok("https://hub.example.test")
        );
        assert_eq!(
            public_origin("https://hub.example.test:443").as_deref(),
            Ok("https://hub.example.test")
        );
        assert_eq!(
            public_origin("HTTPS://Hub.Example.Test:8443").as_deref(),
            Ok("https://hub.example.test:8443")
        );
        assert_eq!(
            public_origin("http://127.0.0.1:8080").as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        assert_eq!(
            public_origin("http://localhost:8080").as_deref(),
            Ok("http://localhost:8080")
        );
        for bad in [
            "hub.example.test",
            "ftp://hub.example.test",
            "http://hub.example.test",
            "https://hub.example.test/postsale",
            "https://hub.example.test/?a=1",
            "https://hub.example.test/#x",
            "https://user:pw@hub.example.test",
            "",
        ] {
            assert!(public_origin(bad).is_err(), "{bad} was taken");
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let args = ServeArgs {
            trusted_proxies: vec!["10.1.2.3/8".into(), "192.0.2.7".into(), "::1".into()],
            public_url: Some("https://hub.example.test".into()),
            log_format: Some(LogFormat::Json),
            ..ServeArgs::default()
        };
        let settings = Settings::resolve(args).expect("resolves");
        let nets: Vec<String> = settings
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(nets, ["10.0.0.0/8", "192.0.2.7/32", "::1/128"]);
        assert_eq!(
            settings.public_url.as_deref(),
            Some("https://hub.example.test")
        );
        assert_eq!(settings.log_format, LogFormat::Json);
        for bad in ["10.0.0.0/33", "proxy.example", "10.0.0"] {
            let args = ServeArgs {
                trusted_proxies: vec![bad.into()],
                ..ServeArgs::default()
            };
            assert!(
                matches!(
                    Settings::resolve(args),
                    Err(ConfigError::Invalid {
                        setting: "--trusted-proxy",
                        ..
                    })
                ),
                "{bad} was taken"
            );
        }
    }
}

//! The built widget and loader, served from memory with a manifest of
//! versions and SHA-384 digests so merchants can pin the script with
//! Subresource Integrity. `/widget/{file}` is the moving "latest" (cached
//! minutes); `/widget/v/{version}/{file}` never changes (cached a year).
//! Where the build left a brotli copy (`name.br`, see `xtask/src/widget.rs`),
//! a client that accepts `br` gets that instead: the widget is about a third
//! of its size on the wire.

use std::{collections::BTreeMap, path::Path, sync::Arc};

use axum::{
    Json, Router,
    extract::{Path as UrlPath, Query, State},
    http::{HeaderMap, HeaderValue, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256, Sha384};

use crate::{AppState, error::ApiError};

/// The widget's files as built, in memory.
#[derive(Debug, Default)]
pub(crate) struct Assets {
    files: BTreeMap<String, Vec<u8>>,
    /// Brotli copies of some of `files`, by the same name.
    brotli: BTreeMap<String, Vec<u8>>,
    manifest: Manifest,
    index: Option<String>,
    frame: Option<String>,
}

/// `GET /widget/manifest.json`.
#[derive(Debug, Default, Clone, Serialize)]
struct Manifest {
    version: String,
    files: BTreeMap<String, ManifestEntry>,
}

#[derive(Debug, Clone, Serialize)]
struct ManifestEntry {
    url: String,
    integrity: String,
    bytes: usize,
}

impl Assets {
    /// Reads trunk's `dist` folder: `widget/*`, the demo page and the frame page.
    pub(crate) fn load(dist: &Path) -> std::io::Result<Self> {
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(dist.join("widget"))? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                files.insert(
                    entry.file_name().to_string_lossy().into_owned(),
                    std::fs::read(entry.path())?,
                );
            }
        }
        // `name.br` beside `name` is its brotli copy, not a file of its own.
        let plain_of_copies: Vec<String> = files
            .keys()
            .filter_map(|name| name.strip_suffix(".br"))
            .filter(|plain| files.contains_key(*plain))
            .map(str::to_owned)
            .collect();
        let mut brotli = BTreeMap::new();
        for plain in plain_of_copies {
            if let Some(bytes) = files.remove(&format!("{plain}.br")) {
                brotli.insert(plain, bytes);
            }
        }
        let mut all = Sha256::new();
        for (name, bytes) in &files {
            all.update(name.as_bytes());
            all.update(bytes);
        }
        let version = hex::encode(&all.finalize()[..6]);
        let manifest = Manifest {
            files: files
                .iter()
                .map(|(name, bytes)| {
                    let integrity = format!(
                        "sha384-{}",
                        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
                    );
                    let url = format!("/widget/v/{version}/{name}");
                    (
                        name.clone(),
                        ManifestEntry {
                            url,
                            integrity,
                            bytes: bytes.len(),
                        },
                    )
                })
                .collect(),
            version,
        };
        Ok(Self {
            files,
            brotli,
            manifest,
            index: std::fs::read_to_string(dist.join("index.html")).ok(),
            frame: std::fs::read_to_string(dist.join("frame.html")).ok(),
        })
    }

    /// The frame page for an opportunity, if the build has one.
    /// Whether the build has the frame page.
    pub(crate) fn has_frame(&self) -> bool {
        self.frame.is_some()
    }

    /// The frame page for an opportunity, with this load's token.
    pub(crate) fn frame(&self, opportunity_id: &str, hub: &str, token: &str) -> Option<String> {
        self.frame.as_ref().map(|page| {
            page.replace("{{opportunity_id}}", opportunity_id)
                .replace("{{hub}}", hub)
                .replace("{{frame_token}}", token)
        })
    }
}

/// The routes for the widget's files (empty when the hub runs without assets).
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new()
        .route("/widget/manifest.json", get(manifest))
        .route("/widget/{file}", get(latest))
        .route("/widget/v/{version}/{file}", get(pinned));
    if state.demo && state.assets.index.is_some() {
        router = router.route("/", get(index));
    }
    router
}

async fn manifest(State(state): State<AppState>) -> Response {
    cached(
        Json(state.assets.manifest.clone()).into_response(),
        "public, max-age=60",
    )
}

async fn latest(
    State(state): State<AppState>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    file_response(&state.assets, &file, &headers, "public, max-age=300")
}

async fn pinned(
    State(state): State<AppState>,
    UrlPath((version, file)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if version != state.assets.manifest.version {
        return Err(ApiError::NotFound(format!(
            "widget version {version} is not served here"
        )));
    }
    file_response(
        &state.assets,
        &file,
        &headers,
        "public, max-age=31536000, immutable",
    )
}

/// Query of the demo page: `?reason=OUTDOOR` picks the reason code.
#[derive(Debug, serde::Deserialize)]
struct DemoQuery {
    reason: Option<String>,
}

async fn index(
    State(state): State<AppState>,
    Query(query): Query<DemoQuery>,
) -> Result<Html<String>, ApiError> {
    let page = state
        .assets
        .index
        .as_deref()
        .ok_or_else(|| ApiError::NotFound("no demo page".into()))?;
    Ok(Html(crate::demo::order_page(page, query.reason.as_deref())))
}

/// Whether `Accept-Encoding` lists `br` with a quality above zero.
fn accepts_brotli(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            parts
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case("br"))
                && parts.all(|param| {
                    param
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_none_or(|q| q > 0.0)
                })
        })
}

fn file_response(
    assets: &Arc<Assets>,
    file: &str,
    headers: &HeaderMap,
    cache: &'static str,
) -> Result<Response, ApiError> {
    let plain = assets
        .files
        .get(file)
        .ok_or_else(|| ApiError::NotFound(format!("no widget file '{file}'")))?;
    let copy = assets.brotli.get(file);
    let brotli = copy.filter(|_| accepts_brotli(headers));
    let bytes = brotli.unwrap_or(plain);
    let content_type = match file.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    let mut response = bytes.clone().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if brotli.is_some() {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
    }
    if copy.is_some() {
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    // The widget is loaded cross-origin by merchants' pages.
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(cached(response, cache))
}

fn cached(mut response: Response, cache: &'static str) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

//! The built widget and loader, served from memory with a manifest of
//! versions and SHA-384 digests so merchants can pin the script with
//! Subresource Integrity. `/widget/{file}` is the moving "latest" (cached
//! minutes); `/widget/v/{version}/{file}` never changes (cached a year).
//! Where the build left a brotli copy (`name.br`, see `xtask/src/widget.rs`),
//! a client that accepts `br` gets that instead: the widget is about a third
//! of its size on the wire.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{Path as UrlPath, Query, State},
    http::{HeaderMap, HeaderValue, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};

use crate::{assets::Assets, failure::Failure, state::AppState};

/// The routes for the widget's files (empty when the hub runs without assets).
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new()
        .route("/widget/manifest.json", get(manifest))
        .route("/widget/{file}", get(latest))
        .route("/widget/v/{version}/{file}", get(pinned));
    if state.demo && state.assets.index.is_some() {
        router = router.route("/", get(index));
    }
    if state.demo {
        router = router.route("/v1/demo/order", get(demo_order));
    }
    if state.assets.console.is_some() {
        router = router
            .route(
                "/console",
                get(|| async { axum::response::Redirect::permanent("/console/") }),
            )
            .route("/console/", get(console_page))
            .route("/console/{file}", get(console_file));
    }
    router
}

/// `GET /console/`: the console's one page (its routes are the address's
/// fragment), under a policy that lets nothing but the hub's own scripts run
/// and no other site frame it.
async fn console_page(State(state): State<AppState>) -> Result<Response, Failure> {
    let console = state
        .assets
        .console
        .as_ref()
        .ok_or_else(|| Failure::NotFound("this hub has no console".into()))?;
    let mut response = Html(console.page.clone()).into_response();
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&console.policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    Ok(cached(response, "no-cache"))
}

/// `GET /console/{file}`: the console's scripts, wasm and styles, named by
/// their content's digest, so they never change under a name.
async fn console_file(
    State(state): State<AppState>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let console = state
        .assets
        .console
        .as_ref()
        .ok_or_else(|| Failure::NotFound("this hub has no console".into()))?;
    let plain = console
        .files
        .get(&file)
        .ok_or_else(|| Failure::NotFound(format!("no console file '{file}'")))?;
    let copy = console.brotli.get(&file);
    let mut response = typed(plain, copy, &file, &headers);
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(cached(response, "public, max-age=31536000, immutable"))
}

/// `GET /v1/demo/order` (demo hubs only): a new demo order's signed ticket
/// and id, for the order page `trunk serve` shows, which no server signs.
async fn demo_order(Query(query): Query<DemoQuery>) -> Response {
    let (ticket, order_id) = crate::demo::new_order(query.reason.as_deref());
    let answer = Json(serde_json::json!({"ticket": ticket, "order_id": order_id}));
    cached(answer.into_response(), "no-store")
}

async fn manifest(State(state): State<AppState>) -> Response {
    cached(
        Json(state.assets.manifest.at(&state.public_url)).into_response(),
        "public, max-age=60",
    )
}

async fn latest(
    State(state): State<AppState>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    file_response(&state.assets, &file, &headers, "public, max-age=300")
}

async fn pinned(
    State(state): State<AppState>,
    UrlPath((version, file)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    if version != state.assets.manifest.version {
        return Err(Failure::NotFound(format!(
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
) -> Result<Html<String>, Failure> {
    let page = state
        .assets
        .index
        .as_deref()
        .ok_or_else(|| Failure::NotFound("no demo page".into()))?;
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

pub(crate) fn file_response(
    assets: &Arc<Assets>,
    file: &str,
    headers: &HeaderMap,
    cache: &'static str,
) -> Result<Response, Failure> {
    let plain = assets
        .files
        .get(file)
        .ok_or_else(|| Failure::NotFound(format!("no widget file '{file}'")))?;
    let mut response = typed(plain, assets.brotli.get(file), file, headers);
    // The widget is loaded cross-origin by merchants' pages.
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(cached(response, cache))
}

/// A file's bytes (its brotli copy for a client that takes `br`) with its
/// content type.
fn typed(plain: &[u8], copy: Option<&Vec<u8>>, file: &str, headers: &HeaderMap) -> Response {
    let brotli = copy.filter(|_| accepts_brotli(headers));
    let bytes = brotli.map_or(plain, Vec::as_slice);
    let content_type = match file.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        // The loader's TypeScript declarations (`postsale.d.ts`): text.
        Some("ts") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    let mut response = bytes.to_vec().into_response();
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
    response
}

fn cached(mut response: Response, cache: &'static str) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

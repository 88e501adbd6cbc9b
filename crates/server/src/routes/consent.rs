//! The consent frame: where a customer confirms an offer that charges a
//! payment method they already gave (`merchant_of_record`,
//! `payment_reference`). The merchant's page shows it as a small hub-origin
//! IFRAME in the pop-up, like a wallet button: plain HTML and a few hundred
//! bytes of script, no wasm. A real click on its button asks the hub for a
//! single-use proof bound to the items, the amount and the disclosure, and
//! the frame hands that proof to the widget, which sends it with the accept.
//! No script of the merchant's page can click inside the frame or read its
//! token, so no accept of these modes goes through without the customer.

use super::frame_token;
use super::problem::{RawBody, parse_json};
use axum::{
    Json,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use postsale_protocol::{ChosenItem, Money};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    consent::{self, ProofRequest},
    failure::Failure,
    offer::{chosen, disclosure},
    opportunity::OpenOpportunity,
    registry::{self, records::StyleRecord},
    state::AppState,
};

/// The frame's script: on a real click (never a synthetic one), ask the hub
/// for the proof with this page's token and post it to the parent, whose
/// exact origin the widget put in the fragment.
/// When the widget focuses the frame, focus goes on to its button. Esc and
/// Tab, which the dialog around the frame cannot see from here, are told to
/// the widget, so that Esc closes and Tab stays in its dialog.
const SCRIPT: &str = r#"(function(){var b=document.getElementById('c'),d=b.dataset,o=null,h=location.hash.slice(1).split('&');for(var i=0;i<h.length;i++){if(h[i].indexOf('origin=')===0)o=decodeURIComponent(h[i].slice(7))}function tell(m){if(o)parent.postMessage(m,o)}addEventListener('focus',function(){b.focus()});addEventListener('keydown',function(e){if(e.key==='Escape'||e.key==='Tab'){e.preventDefault();tell({postsale:'key',key:e.key==='Tab'&&e.shiftKey?'ShiftTab':e.key})}});if(document.hasFocus())b.focus();b.addEventListener('click',function(e){if(!e.isTrusted||b.disabled)return;b.disabled=true;fetch(d.url,{method:'POST',headers:{'content-type':'application/json','postsale-frame-token':d.token},body:d.body}).then(function(r){return r.ok?r.json():Promise.reject(r.status)}).then(function(j){tell({postsale:'consent',proof:j.proof})},function(){b.disabled=false;tell({postsale:'consent-failed'})})})})();"#;

/// The frame's look: one full-width button in the affiliate's colours, as
/// the widget's own primary button (`www/widget.css`).
fn style(accent: &str, surface: &str, font: &str, radius_px: u8) -> String {
    format!(
        "html,body{{margin:0;padding:3px;background:transparent}}button{{box-sizing:border-box;width:100%;min-height:44px;\
         padding:.6em 1em;border:1px solid {accent};border-radius:{radius}px;background:{accent};color:{surface};\
         font:600 16px/1.25 {font};cursor:pointer}}button:disabled{{opacity:.6;cursor:progress}}\
         button:focus-visible{{outline:2px solid {accent};outline-offset:2px}}",
        radius = radius_px / 2,
    )
}

pub(crate) fn csp_hash(text: &str) -> String {
    use base64::Engine;
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

/// The consent frame's query: `items=SKU:QTY,SKU:QTY`, URL-encoded.
#[derive(Debug, Deserialize)]
pub(crate) struct ItemsQuery {
    items: String,
}

/// The chosen items of the consent frame's query.
pub(crate) fn parse_items(
    query: Result<Query<ItemsQuery>, QueryRejection>,
) -> Result<Vec<ChosenItem>, Failure> {
    let bad = || {
        Failure::invalid(
            "items",
            "give the chosen items as items=SKU:QUANTITY,SKU:QUANTITY",
        )
    };
    let Ok(Query(ItemsQuery { items: raw })) = query else {
        return Err(bad());
    };
    if raw.is_empty() || raw.len() > 2_000 {
        return Err(bad());
    }
    raw.split(',')
        .map(|pair| {
            let (sku, quantity) = pair.split_once(':').ok_or_else(bad)?;
            let quantity = quantity.parse().map_err(|_| bad())?;
            Ok(ChosenItem {
                sku: sku.to_owned(),
                quantity,
            })
        })
        .collect()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// `GET /v1/opportunities/{id}/consent?items=SKU:QTY,...`: the consent frame
/// for these items, with the amount the hub computed on its button.
#[utoipa::path(get, path = "/v1/opportunities/{id}/consent", tag = "widget",
    params(("id" = String, Path, description = "opportunity id"), ("items" = String, Query, description = "SKU:QUANTITY pairs, comma-separated")),
    responses((status = 200, description = "the hub-origin consent frame", content_type = "text/html"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 410, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<ItemsQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let open = consent::open_for_consent(&state, &id).await?;
    let items = parse_items(query)?;
    let amount = chosen(&open, &items)?.1.total;
    let look = registry::get::<StyleRecord>(&state.db, &open.affiliate.id, &open.code.style)
        .await?
        .ok_or_else(|| Failure::Gone("this offer is no longer available".into()))?;
    let token = crate::frame_tokens::mint(&state.db, &open.id).await?;
    let url = format!("/v1/opportunities/{}/consent", open.id);
    let ancestors = super::offers::frame_ancestors(&open.affiliate);
    frame_page(&open, (items, &amount), &look, (&url, &token), &ancestors)
}

/// The consent frame of `open` for `items` costing `amount`, in the style
/// `look`, whose click posts to `url` with the frame `token`; framed only
/// by `ancestors`.
pub(crate) fn frame_page(
    open: &OpenOpportunity,
    (items, amount): (Vec<ChosenItem>, &Money),
    look: &StyleRecord,
    (url, token): (&str, &str),
    ancestors: &str,
) -> Result<Response, Failure> {
    // The style's colours and font were checked when it was saved (plain hex
    // colours, font names only), so they are safe inside the stylesheet.
    let look = style(&look.accent, &look.surface, &look.font, look.radius_px);
    let body = serde_json::to_string(&ProofRequest {
        items,
        disclosure_sha256: disclosure(open).text_sha256,
    })
    .map_err(|e| Failure::Internal(e.to_string()))?;
    // In the customer's language, as the widget around it.
    let language = open.language();
    let label = postsale_protocol::fill(
        language.word("confirm_and_pay"),
        &crate::languages::money(amount, language),
    );
    let page = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\
         <title>{title}</title><style>{look}</style></head><body>\
         <button id=\"c\" type=\"button\" data-url=\"{url}\" data-token=\"{token}\" data-body=\"{body}\">{label}</button>\
         <script>{SCRIPT}</script></body></html>",
        url = escape(url),
        token = escape(token),
        body = escape(&body),
        label = escape(&label),
        lang = language.code(),
        title = escape(language.word("confirm_title")),
    );
    let mut response = Html(page).into_response();
    let headers = response.headers_mut();
    let policy = format!(
        "default-src 'none'; script-src {script}; style-src {style}; connect-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors {ancestors}",
        script = csp_hash(SCRIPT),
        style = csp_hash(&look),
    );
    if let Ok(csp) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The single-use proof of one confirming click.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ConsentProof {
    /// Sent as `consent.proof` with the accept; good for one accept.
    pub(crate) proof: String,
}

/// `POST /v1/opportunities/{id}/consent`: called by the consent frame's own
/// script after a real click, with the frame page's token.
#[utoipa::path(post, path = "/v1/opportunities/{id}/consent", tag = "widget", request_body = ProofRequest,
    params(("id" = String, Path, description = "opportunity id")),
    responses((status = 201, description = "the proof", body = ConsentProof), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 410, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn prove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, Failure> {
    let frame = crate::frame_tokens::verify(&state.db, frame_token(&headers), &id).await?;
    let asked: ProofRequest = parse_json(&body)?;
    let proof = consent::prove(&state, &id, &frame, &asked).await?;
    Ok((StatusCode::CREATED, Json(ConsentProof { proof })).into_response())
}

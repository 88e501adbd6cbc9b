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
use crate::opportunity::{OpenOpportunity, load_open};
use crate::store;
use axum::{
    Json,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use postsale_protocol::{ChosenItem, HandoffMode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::offers::{chosen, disclosure};
use crate::{
    db::Db,
    failure::Failure,
    ids::{new_secret_hex, now, sha256_hex},
    registry::{self, records::StyleRecord, trust},
    state::AppState,
};

/// How long a proof may wait for its accept.
const PROOF_LIFETIME_SECS: i64 = 10 * 60;

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

fn csp_hash(text: &str) -> String {
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
fn parse_items(
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

/// The items in one canonical form, to bind a proof to exactly them.
fn items_digest(items: &[ChosenItem]) -> String {
    let canonical: Vec<String> = items
        .iter()
        .map(|i| format!("{}:{}", i.sku, i.quantity))
        .collect();
    sha256_hex(canonical.join(","))
}

/// Only offers that charge a payment method the customer already gave are
/// confirmed here; a card offer is confirmed in the card frame.
fn check_mode(open: &OpenOpportunity) -> Result<(), Failure> {
    if open.code.handoff_mode == HandoffMode::DirectEntry {
        return Err(Failure::Conflict(
            "this offer is confirmed in the hub's card frame".into(),
        ));
    }
    Ok(())
}

async fn check_permit(state: &AppState, open: &OpenOpportunity) -> Result<(), Failure> {
    let permitted = trust::permit(
        &state.db,
        &open.affiliate.id,
        &open.upseller.id,
        open.code.handoff_mode,
    )
    .await?;
    if permitted.is_err() {
        return Err(Failure::Gone("this offer is no longer available".into()));
    }
    Ok(())
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
#[tracing::instrument(skip_all, fields(opportunity = %id))]
pub(crate) async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<ItemsQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let open = load_open(&state, &id).await?;
    check_mode(&open)?;
    check_permit(&state, &open).await?;
    let items = parse_items(query)?;
    let (_, amount) = chosen(&open, &items)?;
    // The style's colours and font were checked when it was saved (plain hex
    // colours, font names only), so they are safe inside the stylesheet.
    let look = registry::get::<StyleRecord>(&state.db, &open.affiliate.id, &open.code.style)
        .await?
        .ok_or_else(|| Failure::Gone("this offer is no longer available".into()))?;
    let look = style(&look.accent, &look.surface, &look.font, look.radius_px);
    let token = crate::frame_tokens::mint(&state.db, &open.id).await?;
    let body = serde_json::to_string(&ProofRequest {
        items,
        disclosure_sha256: disclosure(&open).text_sha256,
    })
    .map_err(|e| Failure::Internal(e.to_string()))?;
    let label = format!(
        "Confirm and pay {} {}",
        amount.decimal(),
        amount.currency().as_str()
    );
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\
         <title>Confirm your order</title><style>{look}</style></head><body>\
         <button id=\"c\" type=\"button\" data-url=\"{url}\" data-token=\"{token}\" data-body=\"{body}\">{label}</button>\
         <script>{SCRIPT}</script></body></html>",
        url = escape(&format!("/v1/opportunities/{}/consent", open.id)),
        body = escape(&body),
        label = escape(&label),
    );
    let mut response = Html(page).into_response();
    let headers = response.headers_mut();
    let ancestors = super::offers::frame_ancestors(&open.affiliate);
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

/// What the consent frame asks a proof for.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProofRequest {
    /// The items on the button the customer pressed.
    pub(crate) items: Vec<ChosenItem>,
    /// The disclosure shown with them.
    pub(crate) disclosure_sha256: String,
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
#[tracing::instrument(skip_all, fields(opportunity = %id))]
pub(crate) async fn prove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, Failure> {
    let frame = crate::frame_tokens::verify(&state.db, frame_token(&headers), &id).await?;
    let asked: ProofRequest = parse_json(&body)?;
    let open = load_open(&state, &id).await?;
    check_mode(&open)?;
    check_permit(&state, &open).await?;
    let shown = disclosure(&open);
    if asked.disclosure_sha256 != shown.text_sha256 {
        return Err(Failure::invalid(
            "disclosure_sha256",
            "is not the hash of the disclosure shown for this offer",
        ));
    }
    let (_, amount) = chosen(&open, &asked.items)?;
    let proof = format!("cp_{}", new_secret_hex());
    let at = now();
    let digest = sha256_hex(&proof);
    store::consent::insert(
        &state.db.writer,
        &store::consent::NewProof {
            proof_sha256: &digest,
            opportunity_id: &open.id,
            items_sha256: &items_digest(&asked.items),
            amount_minor: amount.minor(),
            currency: amount.currency().as_str(),
            disclosure_sha256: &shown.text_sha256,
            frame: &frame,
            created_at: at,
            expires_at: at + PROOF_LIFETIME_SECS,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ConsentProof { proof })).into_response())
}

/// A consent proof an accept brought, checked against what it asks to buy.
#[derive(Debug)]
pub(crate) struct Proven {
    /// The stored proof's key (its digest), claimed when the order is stored.
    pub(crate) proof_sha256: String,
    /// What the consent receipt records.
    pub(crate) receipt: String,
}

/// Checks `proof` for this accept: this opportunity, these items, this
/// amount, this disclosure, unused and in time. The refusal is the same for
/// every way a proof can be wrong.
pub(crate) async fn check_proof(
    db: &Db,
    open: &OpenOpportunity,
    proof: &str,
    items: &[ChosenItem],
    amount: postsale_protocol::Money,
    disclosure_sha256: &str,
) -> Result<Proven, Failure> {
    let refused = || {
        Failure::Forbidden(
            "consent.proof is not a proof of the customer's click for this accept".into(),
        )
    };
    let digest = sha256_hex(proof);
    let stored = store::consent::by_digest(&db.pool, &digest)
        .await?
        .ok_or_else(refused)?;
    let matches = stored.opportunity_id == open.id
        && stored.items_sha256 == items_digest(items)
        && stored.amount_minor == amount.minor()
        && stored.currency == amount.currency().as_str()
        && stored.disclosure_sha256 == disclosure_sha256
        && stored.expires_at > now()
        && stored.used_at.is_none();
    if !matches {
        return Err(refused());
    }
    Ok(Proven {
        receipt: format!("consent:{}", &digest[..16]),
        proof_sha256: digest,
    })
}

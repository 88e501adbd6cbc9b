//! `POST /v1/console/previews` makes a preview (see `preview`);
//! `/preview/{token}/` is its page, and under that address the hub answers
//! the widget's calls as it would under its own, for the one opportunity
//! the preview shows (`opp_preview`). No CORS: only the hub's own pages (the
//! console frames the preview page) read these answers.

use axum::{
    Json, Router,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use postsale_protocol::{AcceptRequest, OpportunityRequest, PreviewAnswer, PreviewRequest};

use super::{
    auth::MerchantCaller,
    consent::{ItemsQuery, parse_items},
    problem::ApiJson,
};
use crate::{
    failure::Failure,
    preview::{self, PREVIEW_ID, Shown},
    state::AppState,
};

/// `POST /v1/console/previews`.
#[utoipa::path(post, path = "/v1/console/previews", tag = "console", security(("api_key" = [])), request_body = PreviewRequest,
    responses((status = 201, description = "the preview: its page on the hub, for an IFRAME of the console", body = PreviewAnswer),
        (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 404, description = "a part named is not the merchant's (the problem's field names it)", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 413, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: MerchantCaller,
    ApiJson(asked): ApiJson<PreviewRequest>,
) -> Result<(StatusCode, Json<PreviewAnswer>), Failure> {
    let made = preview::create(&state, &caller.merchant, &asked).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// The routes under a preview's address.
pub(crate) fn router() -> Router<AppState> {
    let at = |tail: &str| format!("/preview/{{token}}/v1/opportunities/{{id}}{tail}");
    Router::new()
        .route("/preview/{token}/", get(page))
        .route("/preview/{token}/widget/{file}", get(widget_file))
        .route("/preview/{token}/v1/opportunities", post(open))
        .route(&at(""), get(opportunity))
        .route(&at("/offer"), get(offer))
        .route(&at("/incentive"), post(pick))
        .route(&at("/decline"), post(nothing))
        .route(&at("/next"), post(nothing))
        .route(&at("/accept"), post(accept))
        .route(&at("/frame"), get(frame))
        .route(&at("/consent"), get(consent).post(prove))
        .route(&at("/card"), post(card))
}

/// The preview whose token is in the path, and the opportunity id checked.
async fn live(state: &AppState, token: &str, id: Option<&str>) -> Result<Shown, Failure> {
    if id.is_some_and(|id| id != PREVIEW_ID) {
        return Err(Failure::NotFound(
            "no such opportunity in this preview".into(),
        ));
    }
    preview::shown(state, token).await
}

/// Answers as the preview's: never cached, never indexed.
fn fresh(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response
}

fn json_text(status: StatusCode, body: String) -> Response {
    fresh(super::opportunities::json(status, body))
}

/// The page's one script: the snippet merchants paste, then `init` with
/// this preview's address as the hub and a purchase to show the offer for.
const SCRIPT: &str = "(function(w,n){try{var k=Symbol.for('postsale'),p=w[k];if(!p){p=w[k]=function(){p.q.push(arguments)};p.q=[];p.n=n}if(!w[n])w[n]=p}catch(e){}})(window,'postsale');\
(function(){var d=document.body.dataset,h=location.origin+location.pathname.replace(/\\/$/,'');\
postsale('init',{affiliate:d.affiliate,hub:h});\
postsale('purchase',{ticket:'preview',order:{id:'preview',total:d.total,currency:d.currency,\
items:[{sku:'preview',name:'Your order',quantity:1,unit_price:d.total}]},customer:{first_name:'Alex'}})})();";

/// The page's look: a plain order page behind the offer.
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1.5rem;color:#222;background:#fafafa}\
main{max-width:40rem;margin:0 auto}p{color:#555}";

/// `GET /preview/{token}/`: an order page with the widget on it, as on the
/// affiliate's page, pointed at the preview's address.
async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, Failure> {
    let shown = live(&state, &token, None).await?;
    let open = &shown.open;
    let lang = open.language().code();
    let total = postsale_protocol::Money::from_minor(10_000, open.currency)
        .map_err(|e| Failure::Internal(e.to_string()))?
        .decimal();
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>Preview: {code}</title>\
         <style>{STYLE}</style></head>\
         <body data-affiliate=\"{affiliate}\" data-currency=\"{currency}\" data-total=\"{total}\">\
         <main><h1>Thank you, your order is confirmed</h1>\
         <p>A preview of reason code {code}: what a customer sees after paying. Nothing is ordered.</p></main>\
         <script>{SCRIPT}</script><script async src=\"/widget/postsale.js\"></script></body></html>",
        code = open.code.code,
        affiliate = open.affiliate.id,
        currency = open.currency,
    );
    let mut response = Html(html).into_response();
    let policy = format!(
        "default-src 'none'; script-src 'self' {script} 'wasm-unsafe-eval'; style-src {style}; \
         connect-src 'self'; img-src 'self' https:; frame-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'self'",
        script = super::consent::csp_hash(SCRIPT),
        style = super::consent::csp_hash(STYLE),
    );
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    Ok(fresh(response))
}

/// `GET /preview/{token}/widget/{file}`: the widget's files, where the
/// frame page under the preview's address asks for them.
async fn widget_file(
    State(state): State<AppState>,
    Path((token, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    if !preview::exists(&state, &token).await? {
        return Err(Failure::NotFound(
            "no such preview (it may have ended)".into(),
        ));
    }
    super::assets::file_response(&state.assets, &file, &headers, "no-store")
}

/// `POST /preview/{token}/v1/opportunities`: the preview's opportunity;
/// with `incentive`, the customer's pick (as the pop-up sends it).
async fn open(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(request): ApiJson<OpportunityRequest>,
) -> Result<Response, Failure> {
    let mut shown = live(&state, &token, None).await?;
    if let Some(incentive) = &request.incentive {
        shown.pick(&state, incentive).await?;
    }
    Ok(json_text(
        StatusCode::CREATED,
        shown.opportunity(&state).await?,
    ))
}

/// `GET .../{id}`: the opportunity, for the frame.
async fn opportunity(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
) -> Result<Response, Failure> {
    let shown = live(&state, &token, Some(&id)).await?;
    Ok(json_text(StatusCode::OK, shown.opportunity(&state).await?))
}

/// `GET .../{id}/offer`.
async fn offer(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
) -> Result<Response, Failure> {
    let shown = live(&state, &token, Some(&id)).await?;
    Ok(fresh(Json(shown.offer(&state).await?).into_response()))
}

/// `POST .../{id}/incentive`: the frame's pick.
async fn pick(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
    ApiJson(pick): ApiJson<super::opportunities::Pick>,
) -> Result<StatusCode, Failure> {
    live(&state, &token, Some(&id))
        .await?
        .pick(&state, &pick.incentive)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST .../{id}/decline` and `.../next`: nothing is recorded and nothing
/// follows.
async fn nothing(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
) -> Result<StatusCode, Failure> {
    live(&state, &token, Some(&id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST .../{id}/accept`: the confirmation a customer would see for these
/// items, priced as a real accept is; nothing is ordered or charged.
async fn accept(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
    ApiJson(request): ApiJson<AcceptRequest>,
) -> Result<Response, Failure> {
    let shown = live(&state, &token, Some(&id)).await?;
    let receipt = shown.accepted(&request.items)?;
    Ok(fresh((StatusCode::CREATED, Json(receipt)).into_response()))
}

/// `GET .../{id}/frame`: the hub's frame page, talking to the preview's
/// address, framed only by the hub's own pages; never the processor's card
/// fields.
async fn frame(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
) -> Result<Response, Failure> {
    live(&state, &token, Some(&id)).await?;
    let base = format!("{}/preview/{token}", state.public_url);
    super::offers::frame_html(&state, (PREVIEW_ID, "preview"), &base, "'self'", false)
}

/// `GET .../{id}/consent`: the consent frame, as a customer would see it.
async fn consent(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
    query: Result<Query<ItemsQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let shown = live(&state, &token, Some(&id)).await?;
    let items = parse_items(query)?;
    let amount = crate::offer::chosen(&shown.open, &items)?.1.total;
    let url = format!("/preview/{token}/v1/opportunities/{PREVIEW_ID}/consent");
    super::consent::frame_page(
        &shown.open,
        (items, &amount),
        &shown.style,
        (&url, "preview"),
        "'self'",
    )
}

/// `POST .../{id}/consent`: the click's proof, which the preview's accept
/// does not need.
async fn prove(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
) -> Result<Response, Failure> {
    live(&state, &token, Some(&id)).await?;
    Ok(fresh(
        (
            StatusCode::CREATED,
            Json(serde_json::json!({"proof": "preview"})),
        )
            .into_response(),
    ))
}

/// `POST .../{id}/card`: a preview takes no card. The body is never read.
async fn card(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
) -> Result<Response, Failure> {
    live(&state, &token, Some(&id)).await?;
    Err(Failure::Conflict(
        "a preview takes no card: nothing is ordered".into(),
    ))
}

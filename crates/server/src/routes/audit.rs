//! The audit trail of who changed what: every request through the admin
//! and console API that changes something of a merchant's (not a read, not
//! a preview) is kept once answered, with who made it (a person, or the
//! API key), its method and path (which name what it changed) and its
//! status; never its body. `GET /v1/console/audit` lists the merchant's.

use std::sync::{Arc, Mutex};

use axum::{
    extract::{RawQuery, Request, State},
    middleware::Next,
    response::Response,
};

use super::{
    auth::MerchantAuth,
    paging::{Cursor, Page},
};
use crate::{
    failure::Failure,
    ids::{new_ordered_id, now},
    state::AppState,
    store::audit::{self, AuditEntry},
};

/// Who is making a request, as the merchant extractor found them: filled in
/// for a request that changes something, empty otherwise.
#[derive(Debug, Clone, Default)]
pub(crate) struct Slot(Arc<Mutex<Option<Actor>>>);

/// The merchant a change is made for and who makes it.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub(crate) merchant: String,
    pub(crate) actor: String,
    pub(crate) label: String,
}

impl Slot {
    /// Records who the request is by (the merchant extractor calls it).
    pub(crate) fn fill(&self, actor: Actor) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(actor);
        }
    }

    fn take(&self) -> Option<Actor> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Around the admin and console routes: a request that may change something
/// gets a slot, and once answered with success, its entry in the trail.
pub(crate) async fn layer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let slot = Slot::default();
    request.extensions_mut().insert(slot.clone());
    let (method, path) = (
        request.method().to_string(),
        request.uri().path().to_owned(),
    );
    let response = next.run(request).await;
    let status = response.status();
    if let (true, Some(actor)) = (status.is_success(), slot.take()) {
        let entry = AuditEntry {
            id: new_ordered_id("aud"),
            at: now(),
            actor: actor.actor,
            actor_label: actor.label,
            method,
            path,
            status: i64::from(status.as_u16()),
        };
        // The change is made: a trail that cannot be written is an
        // operator's alarm, not the merchant's failure.
        if let Err(err) = audit::insert(&state.db.writer, &actor.merchant, &entry).await {
            tracing::error!(error = %err, "the audit trail could not be written");
        }
    }
    response
}

/// `GET /v1/console/audit`: the merchant's trail, newest first.
#[utoipa::path(get, path = "/v1/console/audit", tag = "console", security(("api_key" = [])),
    responses((status = 200, description = "changes, newest first; paged with ?limit= (1 to 500, default 100) and ?cursor=, the next page's URL in the Link header", body = [AuditEntry]),
        (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"),
        (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let page = Page::from_query(query.as_deref())?;
    let entries = audit::page(&state.db.pool, &me.id, page.before(), page.fetch()).await?;
    Ok(page.respond("/v1/console/audit", entries, |e| Cursor {
        at: e.at,
        id: e.id.clone(),
    }))
}

//! `/v1/admin`: merchants keep their own registry rows here, each with its own
//! API key and seeing only its own rows; the operator creates merchants.

use super::auth::{MerchantAuth, OperatorAuth};
use super::problem::{ApiJson, RawBody, parse_json};
use axum::{
    Json,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::{
    failure::Failure,
    registry::{
        self, Merchant, merchant,
        records::{
            IncentiveRecord, OfferItemRecord, ReasonCodeRecord, ReasonRuleRecord, Record,
            SecretRecord, StyleRecord, TemplateRecord,
        },
        trust,
    },
    state::AppState,
};

/// `POST /v1/admin/merchants` (operator): registers a merchant; the answer
/// holds its API key, shown this once.
#[utoipa::path(post, path = "/v1/admin/merchants", tag = "admin", request_body = Merchant, security(("operator_key" = [])),
    responses((status = 201, description = "the merchant and its API key, shown once"), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all)]
pub(crate) async fn create_merchant(
    State(state): State<AppState>,
    _: OperatorAuth,
    ApiJson(merchant): ApiJson<Merchant>,
) -> Result<Response, Failure> {
    merchant.check()?;
    check_callbacks(&state, &merchant).await?;
    let api_key = merchant::create(&state.db, &merchant).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "merchant": merchant, "api_key": api_key })).into_response(),
    )
        .into_response())
}

/// The URLs the hub will call, checked as the outbound client will check
/// them at each call: a scheme the hub speaks and a host, written or
/// resolved, that is not one of the hub's own networks.
async fn check_callbacks(state: &AppState, merchant: &Merchant) -> Result<(), Failure> {
    for (field, url) in [
        ("handoff_url", &merchant.handoff_url),
        ("webhook_url", &merchant.webhook_url),
    ] {
        if let Some(url) = url {
            state
                .outbound
                .check(url)
                .await
                // Well-formed, but where it leads the hub does not call.
                .map_err(|refused| Failure::conflict(field, refused))?;
        }
    }
    Ok(())
}

/// `GET /v1/admin/merchant`: the caller's own profile.
#[utoipa::path(get, path = "/v1/admin/merchant", tag = "admin", security(("api_key" = [])),
    responses((status = 200, description = "the caller", body = Merchant), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_self(MerchantAuth(me): MerchantAuth) -> Json<Merchant> {
    Json(me)
}

/// `PUT /v1/admin/merchant`: replaces the caller's profile. Its roles are the
/// operator's to set: a body that changes them is refused.
#[utoipa::path(put, path = "/v1/admin/merchant", tag = "admin", security(("api_key" = [])), request_body = Merchant,
    responses((status = 200, description = "the caller, as stored", body = Merchant), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id))]
pub(crate) async fn put_self(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    ApiJson(merchant): ApiJson<Merchant>,
) -> Result<Json<Merchant>, Failure> {
    if merchant.id != me.id {
        return Err(Failure::conflict("id", "a merchant cannot change its id"));
    }
    if (merchant.affiliate, merchant.upseller) != (me.affiliate, me.upseller) {
        return Err(Failure::Forbidden(
            "a merchant's roles are set by the hub's operator".into(),
        ));
    }
    merchant.check()?;
    check_callbacks(&state, &merchant).await?;
    merchant::update(&state.db, &merchant).await?;
    // Answered as stored: what is proven is the hub's to say.
    merchant::by_id(&state.db, &me.id)
        .await?
        .map(|m| Json((*m).clone()))
        .ok_or_else(|| Failure::NotFound(format!("no merchant '{}'", me.id)))
}

/// `DELETE /v1/admin/merchant`: removes the caller and all it keeps.
#[utoipa::path(delete, path = "/v1/admin/merchant", tag = "admin", security(("api_key" = [])),
    responses((status = 204, description = "removed"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn delete_self(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
) -> Result<StatusCode, Failure> {
    merchant::delete(&state.db, &me.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs `$body` with `$R` bound to the record type of the `{kind}` path segment.
macro_rules! with_kind {
    ($kind:expr, $R:ident => $body:expr) => {
        match $kind.as_str() {
            "offer-items" => {
                type $R = OfferItemRecord;
                $body
            }
            "reason-codes" => {
                type $R = ReasonCodeRecord;
                $body
            }
            "reason-rules" => {
                type $R = ReasonRuleRecord;
                $body
            }
            "templates" => {
                type $R = TemplateRecord;
                $body
            }
            "styles" => {
                type $R = StyleRecord;
                $body
            }
            "incentives" => {
                type $R = IncentiveRecord;
                $body
            }
            "secrets" => {
                type $R = SecretRecord;
                $body
            }
            other => Err(Failure::NotFound(format!("no record kind '{other}'"))),
        }
    };
}

/// `GET /v1/admin/{kind}`.
#[utoipa::path(get, path = "/v1/admin/{kind}", tag = "admin", security(("api_key" = [])), params(Kind),
    responses((status = 200, description = "the caller's records of this kind, by id; paged with ?limit= (1 to 500, default 100) and ?cursor=, the next page's URL in the Link header", body = Vec<RecordBody>), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path(kind): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let page = super::paging::Page::from_query(query.as_deref())?;
    let after = page.after.as_ref().map(|c| c.id.as_str());
    let path = format!("/v1/admin/{kind}");
    with_kind!(kind, R => {
        let mut records = registry::list_after::<R>(&state.db, &me.id, after, page.fetch()).await?;
        records.iter_mut().for_each(Record::redact);
        Ok(page.respond(&path, records, |r| super::paging::Cursor { at: 0, id: r.id().to_owned() }))
    })
}

/// `GET /v1/admin/{kind}/{id}`.
#[utoipa::path(get, path = "/v1/admin/{kind}/{id}", tag = "admin", security(("api_key" = [])),
    params(Kind, ("id" = String, Path, description = "record id")),
    responses((status = 200, description = "the record", body = RecordBody), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn get(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Response, Failure> {
    with_kind!(kind, R => {
        let mut record = registry::get::<R>(&state.db, &me.id, &id)
            .await?
            .map(|r| (*r).clone())
            .ok_or_else(|| Failure::NotFound(format!("no {kind} '{id}'")))?;
        record.redact();
        Ok(Json(record).into_response())
    })
}

/// `POST /v1/admin/{kind}`: creates a record (409 when the id exists).
#[utoipa::path(post, path = "/v1/admin/{kind}", tag = "admin", security(("api_key" = [])), params(Kind), request_body = RecordBody,
    responses((status = 201, description = "created", body = RecordBody), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 409, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 413, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id, kind = %kind))]
pub(crate) async fn create(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path(kind): Path<String>,
    RawBody(body): RawBody,
) -> Result<Response, Failure> {
    with_kind!(kind, R => {
        let mut record: R = parse_json(&body)?;
        store(&state, &me, &record, true).await?;
        record.redact();
        Ok((StatusCode::CREATED, Json(record)).into_response())
    })
}

/// `PUT /v1/admin/{kind}/{id}`: replaces a record (404 when there is none).
#[utoipa::path(put, path = "/v1/admin/{kind}/{id}", tag = "admin", security(("api_key" = [])),
    params(Kind, ("id" = String, Path, description = "record id")), request_body = RecordBody,
    responses((status = 200, description = "replaced", body = RecordBody), (status = 400, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 403, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 413, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 422, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(merchant = %me.id, kind = %kind))]
pub(crate) async fn replace(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path((kind, id)): Path<(String, String)>,
    RawBody(body): RawBody,
) -> Result<Response, Failure> {
    with_kind!(kind, R => {
        let mut record: R = parse_json(&body)?;
        if record.id() != id {
            return Err(Failure::invalid("id", "must equal the id in the path"));
        }
        store(&state, &me, &record, false).await?;
        record.redact();
        Ok(Json(record).into_response())
    })
}

/// `DELETE /v1/admin/{kind}/{id}`.
#[utoipa::path(delete, path = "/v1/admin/{kind}/{id}", tag = "admin", security(("api_key" = [])),
    params(Kind, ("id" = String, Path, description = "record id")),
    responses((status = 204, description = "deleted"), (status = 401, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json"), (status = 404, description = "problem", body = postsale_protocol::Problem, content_type = "application/problem+json")))]
pub(crate) async fn remove(
    State(state): State<AppState>,
    MerchantAuth(me): MerchantAuth,
    Path((kind, id)): Path<(String, String)>,
) -> Result<StatusCode, Failure> {
    with_kind!(kind, R => {
        if registry::delete(&state.db, &me.id, R::KIND, &id).await? {
            Ok(StatusCode::NO_CONTENT)
        } else {
            Err(Failure::NotFound(format!("no {kind} '{id}'")))
        }
    })
}

/// Checks a record against the caller's role and the records it refers to, then stores it.
async fn store<R: Record>(
    state: &AppState,
    me: &Merchant,
    record: &R,
    create: bool,
) -> Result<(), Failure> {
    record.check()?;
    let needs_upseller = R::KIND == OfferItemRecord::KIND;
    // Secrets are ticket keys: only affiliates sign tickets.
    let needs_affiliate = !needs_upseller;
    if needs_upseller && !me.upseller {
        return Err(Failure::Forbidden("only upsellers keep offer items".into()));
    }
    if needs_affiliate && !me.affiliate {
        return Err(Failure::Forbidden(format!(
            "only affiliates keep {}",
            R::KIND
        )));
    }
    if let Some(code) = record.as_reason_code() {
        check_reason_code_refs(state, me, code).await?;
    }
    registry::put(&state.db, &me.id, record, create).await
}

/// A reason code must point at this affiliate's template and style, and its
/// upseller must allow the handoff mode (`trust::permit`). The refusal reads
/// the same whether or not the upseller exists.
async fn check_reason_code_refs(
    state: &AppState,
    me: &Merchant,
    code: &ReasonCodeRecord,
) -> Result<(), Failure> {
    // A follow-up is another of this affiliate's codes, shown in the same
    // presentation (the pop-up cannot turn into a frame mid-way).
    for (field, follow) in [("next", &code.next), ("downsell", &code.downsell)] {
        let Some(follow) = follow else { continue };
        let found = if follow == &code.code {
            Some(std::sync::Arc::new(code.clone()))
        } else {
            registry::get::<ReasonCodeRecord>(&state.db, &me.id, follow.as_str()).await?
        };
        match found {
            None => {
                return Err(Failure::invalid(
                    field,
                    format!("no reason code '{follow}'"),
                ));
            }
            Some(found) if found.presentation != code.presentation => {
                return Err(Failure::invalid(
                    field,
                    format!("'{follow}' is shown in another presentation"),
                ));
            }
            Some(_) => {}
        }
    }
    // An offer needing customer data the affiliate does not hold could
    // never complete.
    if let Some(data) = code.missing(me) {
        let field = if code.requires.contains(&data) {
            "requires"
        } else {
            "handoff_mode"
        };
        return Err(Failure::invalid(
            field,
            format!(
                "needs the customer's {} data, which this affiliate's customer_data does not hold",
                data.as_str()
            ),
        ));
    }
    if registry::get::<TemplateRecord>(&state.db, &me.id, &code.template)
        .await?
        .is_none()
    {
        return Err(Failure::invalid(
            "template",
            format!("no template '{}'", code.template),
        ));
    }
    if registry::get::<StyleRecord>(&state.db, &me.id, &code.style)
        .await?
        .is_none()
    {
        return Err(Failure::invalid(
            "style",
            format!("no style '{}'", code.style),
        ));
    }
    for (i, id) in code.incentives.iter().enumerate() {
        if registry::get::<IncentiveRecord>(&state.db, &me.id, id)
            .await?
            .is_none()
        {
            return Err(Failure::invalid(
                format!("incentives[{i}]"),
                format!("no incentive '{id}'"),
            ));
        }
    }
    if code.upseller == me.id && !me.upseller {
        return Err(Failure::invalid(
            "upseller",
            "this merchant is not an upseller; the operator sets roles",
        ));
    }
    match trust::permit(&state.db, &me.id, &code.upseller, code.handoff_mode).await? {
        Ok(_) => Ok(()),
        Err(refusal @ trust::Refusal::NotAffiliated) => {
            Err(Failure::invalid("handoff_mode", refusal))
        }
        Err(refusal @ trust::Refusal::NoAgreement(_)) => Err(Failure::invalid(
            "upseller",
            format!("'{}': {refusal}", code.upseller),
        )),
    }
}

/// The `{kind}` path segment (documentation only; the handlers match on it).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(crate) struct Kind {
    /// offer-items, reason-codes, reason-rules, templates, styles, incentives or secrets
    kind: String,
}

/// Any registry record (documentation only): the body's shape follows `{kind}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(crate) enum RecordBody {
    OfferItem(OfferItemRecord),
    ReasonCode(ReasonCodeRecord),
    ReasonRule(ReasonRuleRecord),
    Template(TemplateRecord),
    Style(StyleRecord),
    Incentive(IncentiveRecord),
    Secret(SecretRecord),
}

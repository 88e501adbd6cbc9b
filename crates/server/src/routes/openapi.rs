//! `GET /openapi.json`: the API description, generated from the handlers'
//! annotations and the wire types, so it cannot drift from the code.

use axum::Json;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};

use super::{
    accept, admin, audit, card, consent, console, health, keys, metrics, offers, operator,
    opportunities, orders, preview, processor, stats, trust, verify,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "postsale hub", description = "Post-purchase offers: opportunities, offers, accepts, and the merchants' admin API."),
    paths(
        health::healthz,
        health::readyz,
        metrics::scrape,
        opportunities::create, opportunities::get, opportunities::decline, opportunities::next, opportunities::pick, offers::get, offers::frame, offers::authenticate, accept::accept, card::card, card::authentication, processor::events, consent::page, consent::prove,
        admin::create_merchant, admin::get_self, admin::put_self, admin::delete_self, admin::list, admin::get, admin::create, admin::replace, admin::remove,
        stats::get, stats::report, orders::list, orders::get, orders::refund, orders::fulfil, orders::webhooks, orders::erase, orders::points,
        trust::propose, trust::list_affiliations, trust::accept_affiliation, trust::revoke_affiliation,
        trust::list_agreements, trust::grant_agreement, trust::withdraw_agreement, trust::list_settlements,
        keys::list, keys::create, keys::activate, keys::retire,
        verify::origins, verify::verify_origin, verify::verify_callback, verify::approve_origin,
        operator::set_roles, operator::list_affiliations, operator::confirm_affiliation, operator::revoke_affiliation,
        console::sign_in, console::join, console::session, console::sign_out, console::sessions, console::end_session, console::password,
        console::users, console::set_role, console::remove_user, console::invitations, console::invite, console::withdraw,
        console::invite_to_merchant, console::invite_operator, console::operator_users, console::remove_operator_user,
        console::keys, console::make_key, console::revoke_key, preview::create, audit::list,
        orders::retry_webhook, operator::merchants, operator::origins,
    ),
    modifiers(&Security, &ListsOnce, &AtLeastOneRole, &ByLanguage, &ReportWindow, &IdLists),
    tags((name = "widget", description = "called by the widget on the affiliate's page"),
        (name = "admin", description = "merchants' registry, orders and statistics"),
        (name = "trust", description = "corporate affiliations, upseller agreements and the settlement ledger"),
        (name = "console", description = "people: signing in to the console, sessions, invitations and roles"),
        (name = "operator", description = "what only the hub's operator decides: roles, confirmed affiliations"),
        (name = "operations", description = "for load balancers and operators"),
        (name = "processor", description = "called by the payment processor (its signed webhooks)"))
)]
struct ApiDoc;

struct Security;

/// Lists that name each thing once (`uniqueItems`, which the derive does
/// not write): an agreement's modes, a merchant's customer data, a reason
/// code's requirements and incentives.
struct ListsOnce;

impl Modify for ListsOnce {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, schema::Schema};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for (schema, property) in [
            ("AgreementTerms", "modes"),
            ("Merchant", "customer_data"),
            ("ReasonCodeRecord", "requires"),
            ("ReasonCodeRecord", "incentives"),
        ] {
            let list = components.schemas.get_mut(schema).and_then(|s| match s {
                RefOr::T(Schema::Object(object)) => object.properties.get_mut(property),
                _ => None,
            });
            if let Some(RefOr::T(Schema::Array(array))) = list {
                array.unique_items = true;
            }
        }
    }
}

/// Lists of record ids (a preview's items and incentives): each id's shape,
/// each named once, at most 20, which the derive cannot say of an
/// optional list.
struct IdLists;

impl Modify for IdLists {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            RefOr,
            schema::{ArrayItems, ObjectBuilder, Schema, Type},
        };
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for (schema, property) in [
            ("PreviewRequest", "items"),
            ("PreviewRequest", "incentives"),
        ] {
            let list = components.schemas.get_mut(schema).and_then(|s| match s {
                RefOr::T(Schema::Object(object)) => object.properties.get_mut(property),
                _ => None,
            });
            if let Some(RefOr::T(Schema::Array(array))) = list {
                let id = ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^[A-Za-z0-9._-]{1,64}$"));
                array.items = ArrayItems::RefOrSchema(Box::new(id.into()));
                array.unique_items = true;
                array.max_items = Some(20);
            }
        }
    }
}

/// Maps keyed by language tag (a template's translations, a reason code's
/// teasers): their keys' shape and how many, which the derive cannot say.
struct ByLanguage;

impl Modify for ByLanguage {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            RefOr,
            schema::{ObjectBuilder, Schema, Type},
        };
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for (schema, property) in [
            ("TemplateRecord", "translations"),
            ("ReasonCodeRecord", "teasers"),
        ] {
            let map = components.schemas.get_mut(schema).and_then(|s| match s {
                RefOr::T(Schema::Object(object)) => object.properties.get_mut(property),
                _ => None,
            });
            if let Some(RefOr::T(Schema::Object(map))) = map {
                let tag = ObjectBuilder::new()
                    .schema_type(Type::String)
                    .max_length(Some(postsale_protocol::MAX_LANGUAGE_TAG))
                    .pattern(Some("^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"));
                map.property_names = Some(Box::new(tag.into()));
                map.max_properties = Some(20);
            }
        }
    }
}

/// The report's window, in the shapes the hub takes: a date, a number of
/// days, one of two sides (which the tuple parameters cannot say).
struct ReportWindow;

impl Modify for ReportWindow {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        let Some(get) = openapi
            .paths
            .paths
            .get_mut("/v1/admin/stats/report")
            .and_then(|item| item.get.as_mut())
        else {
            return;
        };
        for parameter in get.parameters.iter_mut().flatten() {
            let schema = match parameter.name.as_str() {
                "to" => ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
                "days" => ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .maximum(Some(366)),
                "side" => ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["affiliate", "upseller"])),
                _ => continue,
            };
            parameter.schema = Some(schema.into());
        }
    }
}

/// A merchant is an affiliate, an upseller or both: said in the schemas of
/// the bodies that set roles, which a derive cannot.
struct AtLeastOneRole;

impl Modify for AtLeastOneRole {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, Schema, Type};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let role = |name: &str| {
            ObjectBuilder::new()
                .property(
                    name,
                    ObjectBuilder::new()
                        .schema_type(Type::Boolean)
                        .enum_values(Some([true])),
                )
                .required(name)
        };
        for name in ["Merchant", "Roles"] {
            if let Some(schema) = components.schemas.remove(name) {
                let either = AnyOfBuilder::new()
                    .item(role("affiliate"))
                    .item(role("upseller"));
                let both = AllOfBuilder::new().item(schema).item(either).build();
                components
                    .schemas
                    .insert(name.to_owned(), Schema::AllOf(both).into());
            }
        }
    }
}

/// A problem answer, as every error of the hub is.
fn problem(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

/// The answers every operation may get besides its own: from the rate
/// limits and the listener, and, where a key is needed, from checking it.
fn common_answers(operation: &mut utoipa::openapi::path::Operation) {
    let answers = &mut operation.responses.responses;
    let mut add = |status: &str, description: &str| {
        answers
            .entry(status.to_owned())
            .or_insert_with(|| problem(description));
    };
    add(
        "429",
        "too many requests from this address or for this opportunity; Retry-After says when to retry",
    );
    if operation.request_body.is_some() {
        add("408", "the body did not arrive within the read timeout");
        add("413", "the body is larger than 64 KiB");
    }
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        add("401", "no key, or a key the hub does not know");
        add("403", "the key is known but may not do this");
    }
}

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                common_answers(operation);
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "operator_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        // The console's session cookie; a request that changes anything
        // with it also sends the session's CSRF token in `X-CSRF-Token`.
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::new(super::auth::SESSION_COOKIE),
            )),
        );
    }
}

/// The document, built once per call (it is small and rarely fetched).
pub(crate) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_that_name_a_thing_once_say_so() {
        let document = serde_json::to_value(ApiDoc::openapi()).expect("json");
        let schemas = &document["components"]["schemas"];
        for (schema, property) in [
            ("AgreementTerms", "modes"),
            ("ReasonCodeRecord", "requires"),
            ("ReasonCodeRecord", "incentives"),
        ] {
            assert_eq!(
                schemas[schema]["properties"][property]["uniqueItems"], true,
                "{schema}.{property}"
            );
        }
        // The merchant's schema is wrapped by the role rule; its own
        // properties are inside, and `customer_data` is its only list of
        // things named once.
        let merchant = serde_json::to_string(&schemas["Merchant"]).expect("text");
        assert!(merchant.contains(r#""uniqueItems":true"#), "{merchant}");
    }

    #[test]
    fn language_tags_have_their_shape_wherever_they_are_taken() {
        let document = serde_json::to_value(ApiDoc::openapi()).expect("json");
        let schemas = &document["components"]["schemas"];
        let pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$";
        for (schema, property) in [
            ("TemplateRecord", "translations"),
            ("ReasonCodeRecord", "teasers"),
        ] {
            let map = &schemas[schema]["properties"][property];
            assert_eq!(
                map["propertyNames"]["pattern"], pattern,
                "{schema}.{property}"
            );
            assert_eq!(map["maxProperties"], 20, "{schema}.{property}");
        }
        assert_eq!(
            schemas["TemplateRecord"]["properties"]["lang"]["pattern"],
            pattern
        );
        let locale = &schemas["OpportunityRequest"]["properties"]["locale"];
        assert_eq!(locale["maxLength"], 35, "{locale}");
    }
}

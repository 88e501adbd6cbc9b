//! The affiliate's answer on its way out: the last check that no card number
//! leaves in a customer record, and the JSON or XML form the caller asked for.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use postsale_protocol::xml::{XML_MEDIA_TYPE, is_xml_media_type, response_to_xml};
use postsale_protocol::{CustomerRecord, HandoffResponse};

/// Whether any text of `record` looks like a card number, by the one
/// screen the hub uses too (`postsale_protocol::card_number_in`). Refusing a
/// false positive costs one order; leaking a PAN costs PCI scope.
pub(crate) fn holds_card_number(record: &CustomerRecord) -> bool {
    record.card_number_field().is_some()
}

/// Whether the caller prefers XML: the first of `application/json`,
/// `application/xml` or `text/xml` named in `Accept` wins (q-values are not
/// weighed: the hub sends one type, as do merchants' tools). JSON by default.
pub(crate) fn wants_xml(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    for range in accept.split(',') {
        let media = range.split(';').next().unwrap_or_default().trim();
        if media.eq_ignore_ascii_case("application/json") {
            return false;
        }
        if is_xml_media_type(media) {
            return true;
        }
    }
    false
}

/// `answer` as a 200 response, in XML when `xml` and JSON otherwise.
pub(crate) fn render(answer: &HandoffResponse, xml: bool) -> Response {
    if xml {
        match response_to_xml(answer) {
            Ok(body) => {
                let mut response = (StatusCode::OK, body).into_response();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(XML_MEDIA_TYPE),
                );
                return response;
            }
            // Cannot happen for these plain types; JSON is still a true answer.
            Err(err) => tracing::error!(%err, "handoff answer has no XML form; sending JSON"),
        }
    }
    (StatusCode::OK, axum::Json(answer)).into_response()
}

#[cfg(test)]
mod tests {
    use postsale_protocol::Address;

    use super::*;

    fn address() -> Address {
        Address {
            line1: "1 Main St".into(),
            line2: None,
            city: "Springfield".into(),
            region: Some("IL".into()),
            postal_code: "62701".into(),
            country: "US".into(),
        }
    }

    fn record(payment_reference: &str) -> CustomerRecord {
        CustomerRecord {
            name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
            billing_address: address(),
            shipping_address: address(),
            payment_reference: payment_reference.into(),
        }
    }

    #[test]
    fn a_record_with_a_card_number_anywhere_is_caught() {
        assert!(!holds_card_number(&record("pm_card_visa")));
        assert!(holds_card_number(&record("4111111111111111")));
        let mut hidden = record("pm_card_visa");
        hidden.shipping_address.line2 = Some("4111 1111 1111 1111".into());
        assert!(holds_card_number(&hidden));
    }

    #[test]
    fn xml_is_chosen_only_when_asked_for_before_json() {
        let with = |accept: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT,
                HeaderValue::from_str(accept).expect("ascii"),
            );
            wants_xml(&headers)
        };
        assert!(!wants_xml(&HeaderMap::new()));
        assert!(with("application/xml"));
        assert!(with("text/xml; charset=utf-8"));
        assert!(!with("application/json, application/xml"));
        assert!(with("application/xml;q=0.9, application/json;q=0.8"));
        assert!(!with("*/*"));
    }

    #[test]
    fn the_xml_form_holds_every_field_of_a_customer_answer() {
        let xml = response_to_xml(&HandoffResponse::Customer {
            customer: record("pm_card_visa"),
        })
        .expect("serialises");
        for needle in [
            "<handoff_response>",
            "<outcome>customer</outcome>",
            "<name>Ada Lovelace</name>",
            "<email>ada@example.com</email>",
            "<billing_address><line1>1 Main St</line1>",
            "<shipping_address>",
            "<postal_code>62701</postal_code>",
            "<payment_reference>pm_card_visa</payment_reference>",
        ] {
            assert!(xml.contains(needle), "{needle} missing from {xml}");
        }
    }

    #[test]
    fn the_xml_form_escapes_markup_in_values() {
        let xml = response_to_xml(&HandoffResponse::Declined {
            reason: "card <declined> & done".into(),
        })
        .expect("serialises");
        assert!(xml.contains("card &lt;declined&gt; &amp; done"), "{xml}");
    }
}

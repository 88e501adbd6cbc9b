//! The affiliate's answer on its way out: the last check that no card number
//! leaves in a customer record, and the JSON or XML form the caller asked for.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use postsale_protocol::{Address, CustomerRecord, HandoffResponse};

/// The XML root element of an answer.
const XML_ROOT: &str = "handoff_response";

/// Whether `text` holds what looks like a card number (PAN): a run of 12 or
/// more digits, allowing the single spaces or dashes cards are printed with.
/// Payment references (`pm_1N3x...`) never hold such a run; refusing a false
/// positive costs one order, leaking a PAN costs PCI scope.
pub(crate) fn looks_like_card_number(text: &str) -> bool {
    let mut run = 0_usize;
    let mut previous_was_separator = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            run += 1;
            previous_was_separator = false;
            if run >= 12 {
                return true;
            }
        } else if (c == ' ' || c == '-') && run > 0 && !previous_was_separator {
            previous_was_separator = true;
        } else {
            run = 0;
            previous_was_separator = false;
        }
    }
    false
}

/// Whether any text of `record` looks like a card number.
pub(crate) fn holds_card_number(record: &CustomerRecord) -> bool {
    let address = |a: &Address| {
        [
            Some(a.line1.as_str()),
            a.line2.as_deref(),
            Some(a.city.as_str()),
            a.region.as_deref(),
            Some(a.postal_code.as_str()),
            Some(a.country.as_str()),
        ]
        .into_iter()
        .flatten()
        .any(looks_like_card_number)
    };
    [&record.name, &record.email, &record.payment_reference]
        .into_iter()
        .any(|t| looks_like_card_number(t))
        || address(&record.billing_address)
        || address(&record.shipping_address)
}

/// Whether the caller prefers XML: the first of `application/json`,
/// `application/xml` or `text/xml` named in `Accept` wins (q-values are not
/// weighed: the hub sends no Accept, merchants' tools send one type). JSON by default.
pub(crate) fn wants_xml(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    for range in accept.split(',') {
        let media = range.split(';').next().unwrap_or_default().trim();
        if media.eq_ignore_ascii_case("application/json") {
            return false;
        }
        if media.eq_ignore_ascii_case("application/xml") || media.eq_ignore_ascii_case("text/xml") {
            return true;
        }
    }
    false
}

/// The XML form of `answer`: `<handoff_response>` with the same field names
/// as the JSON, `outcome` first.
pub(crate) fn to_xml(answer: &HandoffResponse) -> Result<String, quick_xml::SeError> {
    quick_xml::se::to_string_with_root(XML_ROOT, answer)
}

/// `answer` as a 200 response, in XML when `xml` and JSON otherwise.
pub(crate) fn render(answer: &HandoffResponse, xml: bool) -> Response {
    if xml {
        match to_xml(answer) {
            Ok(body) => {
                let mut response = (StatusCode::OK, body).into_response();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/xml"),
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
    fn card_numbers_in_any_print_form_are_recognised() {
        assert!(looks_like_card_number("4242424242424242"));
        assert!(looks_like_card_number("4242 4242 4242 4242"));
        assert!(looks_like_card_number("pan:4242-4242-4242-4242"));
        assert!(looks_like_card_number("378282246310005"));
    }

    #[test]
    fn processor_references_and_short_numbers_are_not_card_numbers() {
        assert!(!looks_like_card_number("pm_1N3xYz2eZvKYlo2C0a1b2c3d"));
        assert!(!looks_like_card_number("62701"));
        assert!(!looks_like_card_number("12345678901"));
        assert!(!looks_like_card_number("1234  5678  9012"));
        assert!(!looks_like_card_number("123456-"));
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
        let xml = to_xml(&HandoffResponse::Customer {
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
        let xml = to_xml(&HandoffResponse::Declined {
            reason: "card <declined> & done".into(),
        })
        .expect("serialises");
        assert!(xml.contains("card &lt;declined&gt; &amp; done"), "{xml}");
    }
}

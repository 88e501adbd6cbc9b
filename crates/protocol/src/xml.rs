//! The XML form of the handoff call, for affiliates whose backends speak
//! XML: the same fields under the same names as the JSON, a request under
//! `<handoff_request>` and an answer under `<handoff_response>` (its
//! `outcome` first), lists as repeated elements. The hub and the affiliate
//! SDK both read and write it here, so the two ends cannot drift apart.

use crate::{HandoffRequest, HandoffResponse};

/// The media type of the XML form.
pub const XML_MEDIA_TYPE: &str = "application/xml";

/// The root element of a request.
const REQUEST_ROOT: &str = "handoff_request";
/// The root element of an answer.
const RESPONSE_ROOT: &str = "handoff_response";

/// Why a body is not the XML form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError(pub String);

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for XmlError {}

/// Whether a `Content-Type` (or one media range) names the XML form.
pub fn is_xml_media_type(value: &str) -> bool {
    let media = value.split(';').next().unwrap_or_default().trim();
    media.eq_ignore_ascii_case("application/xml") || media.eq_ignore_ascii_case("text/xml")
}

/// `request` in XML.
pub fn request_to_xml(request: &HandoffRequest) -> Result<String, XmlError> {
    quick_xml::se::to_string_with_root(REQUEST_ROOT, request).map_err(|e| XmlError(e.to_string()))
}

/// A request from its XML form. A document type declaration is refused
/// before parsing: no entity of the sender's is ever expanded.
pub fn request_from_xml(body: &[u8]) -> Result<HandoffRequest, XmlError> {
    from_xml(body, REQUEST_ROOT)
}

/// `answer` in XML.
pub fn response_to_xml(answer: &HandoffResponse) -> Result<String, XmlError> {
    quick_xml::se::to_string_with_root(RESPONSE_ROOT, answer).map_err(|e| XmlError(e.to_string()))
}

/// An answer from its XML form (a document type declaration is refused).
pub fn response_from_xml(body: &[u8]) -> Result<HandoffResponse, XmlError> {
    let flat: FlatResponse = from_xml(body, RESPONSE_ROOT)?;
    let stray =
        |outcome: &str| XmlError(format!("an answer of outcome {outcome} has other fields"));
    match (
        flat.outcome.as_str(),
        flat.charge_id,
        flat.customer,
        flat.reason,
    ) {
        ("charged", Some(charge_id), None, None) => Ok(HandoffResponse::Charged {
            charge_id,
            ship_to: flat.ship_to,
        }),
        ("customer", None, Some(customer), None) if flat.ship_to.is_none() => {
            Ok(HandoffResponse::Customer { customer })
        }
        ("declined", None, None, Some(reason)) if flat.ship_to.is_none() => {
            Ok(HandoffResponse::Declined { reason })
        }
        (outcome @ ("charged" | "customer" | "declined"), ..) => Err(stray(outcome)),
        (other, ..) => Err(XmlError(format!("unknown outcome '{other}'"))),
    }
}

/// An answer's fields side by side: an element holding elements is read
/// into a struct only by name, never through the tag of an enum.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FlatResponse {
    outcome: String,
    #[serde(default)]
    charge_id: Option<String>,
    #[serde(default)]
    ship_to: Option<crate::Address>,
    #[serde(default)]
    customer: Option<crate::CustomerRecord>,
    #[serde(default)]
    reason: Option<String>,
}

fn from_xml<T: serde::de::DeserializeOwned>(body: &[u8], root: &str) -> Result<T, XmlError> {
    let text = std::str::from_utf8(body).map_err(|_| XmlError("the body is not UTF-8".into()))?;
    if text.contains("<!") {
        return Err(XmlError(
            "declarations, comments and CDATA sections are not accepted".into(),
        ));
    }
    // The root element must be the one this document is: the same fields
    // under another name are another document.
    let start = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .strip_prefix("<?xml")
        .map_or(text.trim_start(), |rest| {
            rest.split_once("?>")
                .map_or("", |(_, after)| after.trim_start())
        });
    let named = start
        .strip_prefix('<')
        .and_then(|s| s.strip_prefix(root))
        .is_some_and(|s| s.starts_with(['>', ' ', '/', '\t', '\n', '\r']));
    if !named {
        return Err(XmlError(format!("the root element is not <{root}>")));
    }
    quick_xml::de::from_str(start).map_err(|e| XmlError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Address, CurrencyCode, CustomerRecord, HandoffItem, HandoffMode};

    fn request() -> HandoffRequest {
        HandoffRequest {
            mode: HandoffMode::MerchantOfRecord,
            order_id: "ord_1".into(),
            affiliate_order_id: "A-1 & <co>".into(),
            customer_token: "cus_1".into(),
            validator: "v1.abc.def".into(),
            amount: "38.93".into(),
            discount: Some("6.00".into()),
            shipping: None,
            currency: CurrencyCode::parse("USD").expect("USD"),
            items: vec![
                HandoffItem {
                    sku: "LENS".into(),
                    name: "Lens <50 mm>".into(),
                    quantity: 2,
                    unit_price: "19.99".into(),
                },
                HandoffItem {
                    sku: "CAP".into(),
                    name: "Cap".into(),
                    quantity: 1,
                    unit_price: "0.95".into(),
                },
            ],
            upseller_id: "ups".into(),
            upseller_affiliated: true,
        }
    }

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

    #[test]
    fn a_request_reads_back_as_it_was_written_markup_and_all() {
        let xml = request_to_xml(&request()).expect("xml");
        assert!(xml.starts_with("<handoff_request>"), "{xml}");
        assert!(xml.contains("A-1 &amp; &lt;co&gt;"), "{xml}");
        assert_eq!(request_from_xml(xml.as_bytes()), Ok(request()));
        let one = HandoffRequest {
            items: vec![request().items[0].clone()],
            ..request()
        };
        let xml = request_to_xml(&one).expect("xml");
        assert_eq!(request_from_xml(xml.as_bytes()), Ok(one));
    }

    #[test]
    fn every_answer_reads_back_as_it_was_written() {
        for answer in [
            HandoffResponse::Charged {
                charge_id: "ch_1".into(),
                ship_to: Some(address()),
            },
            HandoffResponse::Charged {
                charge_id: "ch_2".into(),
                ship_to: None,
            },
            HandoffResponse::Customer {
                customer: CustomerRecord {
                    name: "Ada".into(),
                    email: "ada@example.com".into(),
                    billing_address: address(),
                    shipping_address: address(),
                    payment_reference: "pm_1".into(),
                },
            },
            HandoffResponse::Declined {
                reason: "card <declined> & done".into(),
            },
        ] {
            let xml = response_to_xml(&answer).expect("xml");
            assert_eq!(response_from_xml(xml.as_bytes()), Ok(answer), "{xml}");
        }
    }

    #[test]
    fn entities_other_roots_unknown_fields_and_broken_markup_are_refused() {
        let entity = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x \"y\">]>\
                      <handoff_response><outcome>declined</outcome><reason>&x;</reason></handoff_response>";
        assert!(response_from_xml(entity.as_bytes()).is_err());
        let other = "<answer><outcome>declined</outcome><reason>no</reason></answer>";
        assert!(response_from_xml(other.as_bytes()).is_err());
        let unknown = "<handoff_response><outcome>declined</outcome><reason>no</reason><pan>4242</pan></handoff_response>";
        assert!(response_from_xml(unknown.as_bytes()).is_err());
        let broken = "<handoff_response><outcome>declined</outcome><reason>no</handoff_response>";
        assert!(response_from_xml(broken.as_bytes()).is_err());
        let prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<handoff_response><outcome>declined</outcome><reason>no</reason></handoff_response>";
        assert_eq!(
            response_from_xml(prolog.as_bytes()),
            Ok(HandoffResponse::Declined {
                reason: "no".into()
            })
        );
        assert!(request_from_xml(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn media_types_name_the_xml_form_with_or_without_parameters() {
        assert!(is_xml_media_type("application/xml"));
        assert!(is_xml_media_type("Text/XML; charset=utf-8"));
        assert!(!is_xml_media_type("application/json"));
        assert!(!is_xml_media_type("application/xml-dtd"));
    }
}

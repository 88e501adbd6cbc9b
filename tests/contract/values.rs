//! The hub's answers the widget reads, as the protocol's types: one value
//! of each, every optional field given, every list non-empty. The native
//! test (`tests/contract.rs`) holds the JSON the hub writes for them to the
//! files beside this one; the widget's browser test
//! (`tests/widget/contract.rs`) reads those files with the widget's own
//! readers and must get these values back. A field renamed on either side
//! fails one of the two.

use postsale_protocol::{
    AcceptResponse, AppliedIncentive, CurrencyCode, Disclosure, DisplayStyle, EarlierOrder,
    HandoffMode, Incentive, Language, Offer, OfferItem, Opportunity, OrderStatus, Presentation,
    ReasonCode,
};

fn usd() -> CurrencyCode {
    CurrencyCode::parse("USD").expect("USD")
}

fn style() -> DisplayStyle {
    DisplayStyle {
        accent: "#1f5f8b".into(),
        text: "#1b1b1b".into(),
        surface: "#fffdf8".into(),
        font: "Georgia, serif".into(),
        radius_px: 10,
        logo_url: Some("https://shop.example/logo.png".into()),
    }
}

/// `POST /v1/opportunities` (and `/next`, and `GET` of one).
pub(crate) fn opportunity() -> Opportunity {
    Opportunity {
        id: "opp_01".into(),
        presentation: Presentation::Popup,
        teaser: "Ein Dankeschön-Angebot".into(),
        style: style(),
        expires_at: 1_796_000_000,
        reason_code: ReasonCode::parse("CAMERA-HIGH").expect("a code"),
        incentives: vec![Incentive {
            id: "use-250".into(),
            label: "Use 250 points".into(),
        }],
        points_balance: Some(320),
        earlier: vec![EarlierOrder {
            order_id: "ord_00".into(),
            amount: "35.95".into(),
        }],
        downsell: true,
        lang: "de".into(),
        labels: Language::De.labels(),
    }
}

/// `GET /v1/opportunities/{id}/offer`, as the page's build reads it (the
/// address and the shipped flag are the frame build's alone).
pub(crate) fn offer() -> Offer {
    Offer {
        opportunity_id: "opp_01".into(),
        headline: "Danke von Northlight".into(),
        body: "Vervollständigen Sie Ihre Ausrüstung.".into(),
        button: "Hinzufügen".into(),
        items: vec![OfferItem {
            sku: "FILTER-58".into(),
            name: "UV filter, 58 mm".into(),
            image_url: Some("https://lens.example/filter.png".into()),
            image_alt: Some("A round filter".into()),
            description: Some("Guards the front element".into()),
            compare_at_price: Some("35.00".into()),
            unit_price: "29.00".into(),
            max_quantity: 3,
            shipping: Some("6.95".into()),
            physical: false,
        }],
        currency: usd(),
        style: style(),
        disclosure: Disclosure {
            mode: HandoffMode::PaymentReference,
            seller: Some("Prism Lens Co.".into()),
            text: "Dieses Angebot wird von Prism Lens Co. verkauft.".into(),
            text_sha256: "ab".repeat(32),
        },
        points: 120,
        incentive: Some(AppliedIncentive {
            id: "use-250".into(),
            label: "Use 250 points".into(),
            percent_off: 10,
            amount_off: Some("2.50".into()),
            free_shipping: true,
            bonus_points: 200,
            redeem_points: 250,
        }),
        expires_at: 1_796_000_000,
        ship_to: None,
    }
}

/// `POST /v1/opportunities/{id}/accept`.
pub(crate) fn accept_response() -> AcceptResponse {
    AcceptResponse {
        order_id: "ord_01".into(),
        status: OrderStatus::RequiresAction,
        amount: "26.10".into(),
        currency: usd(),
        points: 120,
        points_balance: Some(190),
        client_secret: Some("pi_1_secret_2".into()),
    }
}

//! Demo data for `postsale serve --demo`: three merchants that cover the three
//! handoff modes (the affiliate selling for itself, a corporate affiliate
//! confirmed as the operator would, an unaffiliated upseller), each upseller's
//! agreement, both presentations, incentives and points. Loaded
//! only when missing, so a restart keeps what the demo did.

use postsale_protocol::{CurrencyCode, HandoffMode, Presentation, ReasonCode, TicketClaims};

use crate::{
    db::Db,
    failure::Failure,
    ids::{new_id, now},
    registry::{
        self, Merchant, addresses,
        agreements::{self, AgreementTerms},
        keys::{self, Purpose},
        merchant,
        records::{
            IncentiveKind, IncentiveRecord, OfferItemRecord, ReasonCodeRecord, ReasonRuleRecord,
            Record, SecretRecord, StyleRecord, TemplateCopy, TemplateRecord,
        },
        trust,
    },
};

/// The demo affiliate.
pub(crate) const AFFILIATE: &str = "demo-camera-shop";
/// Its ticket key id and secret (demo only, printed in the README).
pub(crate) const KEY_ID: &str = "demo-k1";
pub(crate) const SECRET: &str = "demo-camera-shop-ticket-secret-0001";
/// Where `cargo xtask demo` runs the demo shop (the affiliate) and the demo upseller.
const SHOP_ORIGIN: &str = "http://127.0.0.1:8081";
/// Where `cargo xtask demo` runs `trunk serve` for widget work: its page
/// reaches the hub through trunk's proxy, so it is the demo affiliate's too.
const DEV_SERVER_ORIGIN: &str = "http://127.0.0.1:8083";
const UPSELLER_WEBHOOK: &str = "http://127.0.0.1:8082/webhook";
/// Where the demo upseller answers live quotes (Trail Outfitters asks it).
const UPSELLER_QUOTE: &str = "http://127.0.0.1:8082/quote";
/// The hub's key for its calls to the demo shop (demo only).
/// The thank-you rewards every demo reason code lets the customer pick from
/// (the last only once the customer holds its points).
const CHOICES: [&str; 4] = ["ten-off", "free-ship", "points-200", "use-250"];
const HUB_KEY_ID: &str = "demo-h1";
/// The demo people's password (demo hubs only).
pub(crate) const DEMO_PASSWORD: &str = "postsale demo password";
/// The demo's console users: merchant, e-mail address, name, role.
const DEMO_PEOPLE: [(&str, &str, &str, crate::domain::Role); 3] = [
    (
        AFFILIATE,
        "ada@northlight.example",
        "Ada Lindqvist",
        crate::domain::Role::Admin,
    ),
    (
        AFFILIATE,
        "ann@northlight.example",
        "Ann Okafor",
        crate::domain::Role::Analyst,
    ),
    (
        "demo-lens-co",
        "lee@prismlens.example",
        "Lee Park",
        crate::domain::Role::Admin,
    ),
];
/// The operator's demo person: signs in to the console as the hub's operator.
pub(crate) const DEMO_OPERATOR: (&str, &str) = ("ops@postsale.example", "Omar Haddad");
/// The trail company's shop, declared but not proven (waiting for the operator).
const TRAIL_ORIGIN: &str = "https://shop.trail-outfitters.example";
const HUB_KEY: &str = "demo-camera-shop-hub-calls-key-0001";
/// The hub's webhook key per demo merchant (demo only).
const WEBHOOK_KEYS: [(&str, &str); 3] = [
    (AFFILIATE, "demo-camera-shop-webhook-key-000001"),
    ("demo-lens-co", "demo-lens-co-webhook-secret-00001"),
    (
        "demo-trail-outfitters",
        "demo-trail-webhook-secret-000000001",
    ),
];
/// API keys of the demo merchants, for trying the admin API.
pub(crate) const API_KEYS: [(&str, &str); 3] = [
    (AFFILIATE, "psk_demo_camera_shop"),
    ("demo-lens-co", "psk_demo_lens_co"),
    ("demo-trail-outfitters", "psk_demo_trail_outfitters"),
];

fn usd() -> CurrencyCode {
    // A constant of the table; parse cannot fail for it.
    CurrencyCode::parse("USD").unwrap_or_else(|_| unreachable!("USD is ISO 4217"))
}

fn code(raw: &str) -> Result<ReasonCode, Failure> {
    ReasonCode::parse(raw).map_err(|e| Failure::Internal(e.to_string()))
}

/// Loads the demo data unless the demo affiliate already exists.
pub(crate) async fn load(db: &Db, public_url: &str) -> Result<(), Failure> {
    if merchant::by_id(db, AFFILIATE).await?.is_some() {
        return Ok(());
    }
    let origins = vec![
        public_url.to_owned(),
        public_url.replace("127.0.0.1", "localhost"),
        SHOP_ORIGIN.into(),
        SHOP_ORIGIN.replace("127.0.0.1", "localhost"),
        DEV_SERVER_ORIGIN.into(),
        DEV_SERVER_ORIGIN.replace("127.0.0.1", "localhost"),
    ];
    let merchants = [
        Merchant {
            id: AFFILIATE.into(),
            name: "Northlight Cameras".into(),
            affiliate: true,
            upseller: true,
            origins,
            handoff_url: Some(format!("{SHOP_ORIGIN}/postsale/handoff")),
            webhook_url: Some(UPSELLER_WEBHOOK.into()),
            ..Merchant::default()
        },
        Merchant {
            id: "demo-lens-co".into(),
            name: "Prism Lens Co.".into(),
            affiliate: false,
            upseller: true,
            origins: vec![],
            handoff_url: None,
            webhook_url: Some(UPSELLER_WEBHOOK.into()),
            ..Merchant::default()
        },
        Merchant {
            id: "demo-trail-outfitters".into(),
            name: "Trail Outfitters".into(),
            affiliate: false,
            upseller: true,
            origins: vec![],
            handoff_url: None,
            webhook_url: Some(UPSELLER_WEBHOOK.into()),
            quote_url: Some(UPSELLER_QUOTE.into()),
            ..Merchant::default()
        },
    ];
    for (m, (_, key)) in merchants.iter().zip(API_KEYS) {
        merchant::create_with_key(db, m, key).await?;
        // The demo shops are not up yet to answer their URLs' challenges:
        // the demo data stands for the operator's word on them.
        for (which, url) in [
            (addresses::Callback::Handoff, &m.handoff_url),
            (addresses::Callback::Webhook, &m.webhook_url),
            (addresses::Callback::Quote, &m.quote_url),
        ] {
            if let Some(url) = url {
                addresses::prove_callback(db, &m.id, which, url).await?;
            }
        }
    }
    // The lens company is of the shop's corporate group as the real flow
    // makes it: the shop proposes, the lens company accepts, the operator
    // confirms. Each upseller lets the shop sell its items in the modes the
    // demo uses.
    let group = trust::propose(db, AFFILIATE, "demo-lens-co").await?;
    trust::accept(db, &group.id, "demo-lens-co").await?;
    trust::confirm(db, &group.id).await?;
    // What waits for the operator in the console: the trail company says it
    // is of the shop's group too, and the shop agrees; and it declared a
    // shop origin after it was registered, which nothing proved yet.
    let waiting = trust::propose(db, "demo-trail-outfitters", AFFILIATE).await?;
    trust::accept(db, &waiting.id, AFFILIATE).await?;
    if let Some(trail) = merchant::by_id(db, "demo-trail-outfitters").await? {
        let declared = Merchant {
            origins: vec![TRAIL_ORIGIN.into()],
            ..(*trail).clone()
        };
        merchant::update(db, &declared).await?;
    }
    for (upseller, modes, commission_bps) in [
        (
            "demo-lens-co",
            vec![HandoffMode::PaymentReference, HandoffMode::DirectEntry],
            500,
        ),
        (
            "demo-trail-outfitters",
            vec![HandoffMode::DirectEntry],
            1_000,
        ),
    ] {
        let terms = AgreementTerms {
            modes,
            commission_bps,
        };
        agreements::grant(db, upseller, AFFILIATE, &terms).await?;
    }
    put(
        db,
        AFFILIATE,
        SecretRecord {
            key_id: KEY_ID.into(),
            secret: SECRET.into(),
        },
    )
    .await?;
    // The hub's keys, known to the demo shop and the demo upseller: one for
    // the hub's calls to the shop, one per merchant for its webhooks.
    let mut hub_keys = vec![(AFFILIATE, Purpose::HubCalls, HUB_KEY_ID, HUB_KEY)];
    hub_keys.extend(
        WEBHOOK_KEYS
            .iter()
            .map(|(merchant, secret)| (*merchant, Purpose::Webhooks, "demo-w1", *secret)),
    );
    for (merchant, purpose, key_id, secret) in hub_keys {
        keys::create_with(db, merchant, purpose, key_id, secret).await?;
        keys::activate(db, merchant, key_id).await?;
    }

    let item = |sku: &str, name: &str, price: &str, complements: &[&str]| OfferItemRecord {
        // A plan is not shipped; everything else is, in one parcel.
        shipping: (!sku.starts_with("CARE")).then(|| "6.95".to_owned()),
        physical: !sku.starts_with("CARE"),
        sku: sku.into(),
        name: name.into(),
        image_url: None,
        image_alt: None,
        description: None,
        compare_at_price: None,
        price: price.into(),
        currency: usd(),
        complements: complements.iter().map(|s| (*s).to_owned()).collect(),
        affiliates: vec![],
        promotion_id: None,
        max_quantity: 3,
    };
    put(
        db,
        AFFILIATE,
        item(
            "CARE-2Y",
            "Two-year camera care plan",
            "89.00",
            &["CAM-BODY-1"],
        ),
    )
    .await?;
    put(
        db,
        AFFILIATE,
        item("SD-128", "128 GB V90 SD card", "59.00", &["CAM-BODY-1"]),
    )
    .await?;
    put(
        db,
        "demo-lens-co",
        item(
            "LENS-35",
            "35 mm f/1.8 prime lens",
            "349.00",
            &["CAM-BODY-1"],
        ),
    )
    .await?;
    put(
        db,
        "demo-lens-co",
        OfferItemRecord {
            description: Some("Guards the front element from scratches and haze".into()),
            compare_at_price: Some("35.00".into()),
            ..item(
                "FILTER-UV",
                "UV filter, 58 mm",
                "29.00",
                &["CAM-BODY-1", "LENS-50"],
            )
        },
    )
    .await?;
    put(
        db,
        "demo-lens-co",
        item("HOOD-58", "Metal lens hood, 58 mm", "39.00", &[]),
    )
    .await?;
    put(
        db,
        "demo-lens-co",
        item("CLOTH-3", "Three microfibre lens cloths", "9.00", &[]),
    )
    .await?;
    put(
        db,
        "demo-trail-outfitters",
        item("PACK-30", "30 L camera backpack", "129.00", &["CAM-BODY-1"]),
    )
    .await?;
    put(
        db,
        "demo-trail-outfitters",
        item("TRIPOD-T", "Travel tripod", "99.00", &[]),
    )
    .await?;
    put(
        db,
        "demo-trail-outfitters",
        item("STRAP-T", "Padded camera strap", "24.00", &[]),
    )
    .await?;

    put(
        db,
        AFFILIATE,
        StyleRecord {
            id: "northlight".into(),
            accent: "#1f5f8b".into(),
            text: "#1b1b1b".into(),
            surface: "#fffdf8".into(),
            font: "Georgia, serif".into(),
            radius_px: 10,
            logo_url: None,
        },
    )
    .await?;
    put(
        db,
        AFFILIATE,
        TemplateRecord {
            id: "thanks".into(),
            headline: "A thank-you from {{affiliate}}".into(),
            body: "Complete your kit from {{upseller}} with one click. Earn {{points}} points."
                .into(),
            button: "Add to my order".into(),
            lang: "en".into(),
            // Arabic shows the copy right to left in the widget.
            translations: [
                (
                    "de",
                    "Ein Dankeschön von {{affiliate}}",
                    "Vervollständigen Sie Ihre Ausrüstung mit {{upseller}}, mit einem Klick. Sammeln Sie {{points}} Punkte.",
                    "Zur Bestellung hinzufügen",
                ),
                (
                    "fr",
                    "Un merci de {{affiliate}}",
                    "Complétez votre équipement avec {{upseller}} en un clic. Gagnez {{points}} points.",
                    "Ajouter à ma commande",
                ),
                (
                    "es",
                    "Un agradecimiento de {{affiliate}}",
                    "Completa tu equipo con {{upseller}} en un clic. Gana {{points}} puntos.",
                    "Añadir a mi pedido",
                ),
                (
                    "ja",
                    "{{affiliate}}からの感謝を込めて",
                    "{{upseller}}の商品で、ワンクリックでセットを完成させましょう。{{points}}ポイントがたまります。",
                    "注文に追加",
                ),
                (
                    "ar",
                    "شكر من {{affiliate}}",
                    "أكمل مجموعتك من {{upseller}} بنقرة واحدة. اكسب {{points}} نقطة.",
                    "أضف إلى طلبي",
                ),
            ]
            .into_iter()
            .map(|(lang, headline, body, button)| {
                let copy = TemplateCopy {
                    headline: headline.into(),
                    body: body.into(),
                    button: button.into(),
                };
                (lang.to_owned(), copy)
            })
            .collect(),
        },
    )
    .await?;
    let incentive = |id: &str, label: &str, kind| IncentiveRecord {
        id: id.into(),
        label: label.into(),
        kind,
        percent_off: None,
        amount_off: None,
        currency: None,
        points: None,
    };
    for record in [
        IncentiveRecord {
            percent_off: Some(10),
            ..incentive("ten-off", "10% off this offer", IncentiveKind::Discount)
        },
        incentive(
            "free-ship",
            "Free shipping on this offer",
            IncentiveKind::FreeShipping,
        ),
        IncentiveRecord {
            points: Some(200),
            ..incentive("points-200", "200 bonus points", IncentiveKind::Points)
        },
        IncentiveRecord {
            points: Some(250),
            amount_off: Some("2.50".into()),
            currency: Some(usd()),
            ..incentive(
                "use-250",
                "Use 250 points: $2.50 off",
                IncentiveKind::Redeem,
            )
        },
    ] {
        put(db, AFFILIATE, record).await?;
    }
    let reason = |c: ReasonCode, upseller: &str, mode, presentation, points, defaults: &[&str]| {
        ReasonCodeRecord {
            code: c,
            template: "thanks".into(),
            style: "northlight".into(),
            upseller: upseller.into(),
            handoff_mode: mode,
            presentation,
            teaser: "A thank-you offer for your order".into(),
            teasers: teasers(&[
                ("de", "Ein Dankeschön-Angebot zu Ihrer Bestellung"),
                ("fr", "Une offre de remerciement pour votre commande"),
                ("es", "Una oferta de agradecimiento por tu pedido"),
                ("ja", "ご注文へのお礼の特別オファー"),
                ("ar", "عرض شكر على طلبك"),
            ]),
            points,
            incentives: CHOICES.iter().map(|s| (*s).to_owned()).collect(),
            default_items: defaults.iter().map(|s| (*s).to_owned()).collect(),
            promotion_id: None,
            frequency_cap: 100,
            offer_minutes: 15,
            active: true,
            requires: Vec::new(),
            next: None,
            downsell: None,
            max_accepted: 3,
        }
    };
    put(
        db,
        AFFILIATE,
        reason(
            code("CAMERA-CARE")?,
            AFFILIATE,
            HandoffMode::MerchantOfRecord,
            Presentation::Popup,
            50,
            &["CARE-2Y", "SD-128"],
        ),
    )
    .await?;
    // The lens chain: after the camera's lens offer is accepted, a hood;
    // if the hood is declined, cloths.
    put(
        db,
        AFFILIATE,
        reason(
            code("LENS-BASICS")?,
            "demo-lens-co",
            HandoffMode::PaymentReference,
            Presentation::Popup,
            0,
            &["CLOTH-3"],
        ),
    )
    .await?;
    put(
        db,
        AFFILIATE,
        ReasonCodeRecord {
            teaser: "One more thing for your new lens".into(),
            teasers: teasers(&[
                ("de", "Noch etwas für Ihr neues Objektiv"),
                ("ja", "新しいレンズにもう一品"),
            ]),
            downsell: Some(code("LENS-BASICS")?),
            ..reason(
                code("LENS-EXTRA")?,
                "demo-lens-co",
                HandoffMode::PaymentReference,
                Presentation::Popup,
                0,
                &["HOOD-58"],
            )
        },
    )
    .await?;
    put(
        db,
        AFFILIATE,
        ReasonCodeRecord {
            next: Some(code("LENS-EXTRA")?),
            ..reason(
                code("CAMERA-HIGH")?,
                "demo-lens-co",
                HandoffMode::PaymentReference,
                Presentation::Popup,
                120,
                &[],
            )
        },
    )
    .await?;
    // The frame's chain: after the tripod, a strap.
    put(
        db,
        AFFILIATE,
        ReasonCodeRecord {
            teaser: "Something to carry it with".into(),
            teasers: teasers(&[
                ("de", "Etwas, um es zu tragen"),
                ("ja", "持ち運びに便利な一品"),
            ]),
            ..reason(
                code("TRAIL-MORE")?,
                "demo-trail-outfitters",
                HandoffMode::DirectEntry,
                Presentation::Iframe,
                0,
                &["STRAP-T"],
            )
        },
    )
    .await?;
    put(
        db,
        AFFILIATE,
        ReasonCodeRecord {
            next: Some(code("TRAIL-MORE")?),
            ..reason(
                code("OUTDOOR")?,
                "demo-trail-outfitters",
                HandoffMode::DirectEntry,
                Presentation::Iframe,
                80,
                &["TRIPOD-T"],
            )
        },
    )
    .await?;
    put(
        db,
        AFFILIATE,
        ReasonRuleRecord {
            id: "big-camera".into(),
            priority: 1,
            skus: vec!["CAM-BODY-1".into()],
            min_total: Some("1000.00".into()),
            currency: Some(usd()),
            reason_code: code("CAMERA-HIGH")?,
        },
    )
    .await?;
    // People who sign in to the console: the shop's admin and analyst, and
    // the lens company's admin (the demo's password is printed by `cargo
    // xtask demo`; a real hub's people choose theirs when invited).
    for (merchant, email, name, role) in DEMO_PEOPLE {
        crate::people::create_user(db, Some(merchant), email, name, role, DEMO_PASSWORD).await?;
    }
    let (email, name) = DEMO_OPERATOR;
    crate::people::create_user(
        db,
        None,
        email,
        name,
        crate::domain::Role::Operator,
        DEMO_PASSWORD,
    )
    .await?;
    Ok(())
}

async fn put<R: Record>(db: &Db, merchant: &str, record: R) -> Result<(), Failure> {
    record.check()?;
    registry::put(db, merchant, &record, true).await
}

/// A reason code's teasers by language.
fn teasers(list: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    list.iter()
        .map(|(lang, teaser)| ((*lang).to_owned(), (*teaser).to_owned()))
        .collect()
}

/// The demo order page, with a freshly signed ticket for a new order, as a
/// merchant's server renders its confirmation page.
pub(crate) fn order_page(template: &str, reason_code: Option<&str>) -> String {
    let (ticket, order_id) = new_order(reason_code);
    template
        .replace("{{demo_ticket}}", &ticket)
        .replace("{{demo_order_id}}", &order_id)
}

/// A new demo order: its signed ticket and its id (for the page `trunk
/// serve` shows, which asks the hub for one as it loads).
pub(crate) fn new_order(reason_code: Option<&str>) -> (String, String) {
    let order_id = format!("DEMO-{}", &new_id("o")[2..10]);
    let claims = TicketClaims {
        affiliate_id: AFFILIATE.into(),
        order_id: order_id.clone(),
        reason_code: reason_code.and_then(|c| ReasonCode::parse(c).ok()),
        customer_token: "demo-customer".into(),
        incentive: None,
        promotion_id: None,
        issued_at: now(),
        nonce: new_id("n"),
    };
    let ticket = postsale_protocol::sign_ticket(&claims, KEY_ID, SECRET.as_bytes());
    (ticket, order_id)
}

//! The records merchants keep in the registry through the admin API. Each is
//! checked field by field on the way in; selection reads them back typed.

use postsale_protocol::{
    AppliedIncentive, CurrencyCode, HandoffMode, Money, Presentation, ReasonCode, is_language_tag,
};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::merchant::{CustomerData, Merchant};
use crate::{
    failure::Failure,
    seal::{SealError, Sealer},
    validate,
};

/// A kind of registry record, stored as a checked JSON document.
pub(crate) trait Record:
    Clone + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The kind's name in the database and in `/v1/admin/{kind}`.
    const KIND: &'static str;
    /// The record's id within its merchant and kind.
    fn id(&self) -> &str;
    /// Field checks that need nothing but the record.
    fn check(&self) -> Result<(), Failure>;
    /// Purchased SKUs this record complements (offer items only).
    fn complements(&self) -> &[String] {
        &[]
    }
    /// Blanks what must never leave the hub (secrets).
    fn redact(&mut self) {}
    /// The record as a reason code, when it is one (its references need checks).
    fn as_reason_code(&self) -> Option<&ReasonCodeRecord> {
        None
    }
    /// Seals what must not be stored in the clear (secrets), for the row
    /// `context` names.
    fn seal(&mut self, _sealer: &Sealer, _context: &str) {}
    /// Opens what [`Record::seal`] sealed.
    fn open(&mut self, _sealer: &Sealer, _context: &str) -> Result<(), SealError> {
        Ok(())
    }
}

/// An item an upseller offers.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OfferItemRecord {
    pub(crate) sku: String,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) image_url: Option<String>,
    /// What the image shows, for who cannot see it: required with `image_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) image_alt: Option<String>,
    /// One line that sells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    /// The usual price, shown struck through: more than `price`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) compare_at_price: Option<String>,
    /// Decimal string in `currency`.
    pub(crate) price: String,
    pub(crate) currency: CurrencyCode,
    /// The affiliates' SKUs this item goes well with.
    #[serde(default)]
    pub(crate) complements: Vec<String>,
    /// Only these affiliates may offer it (all when empty).
    #[serde(default)]
    pub(crate) affiliates: Vec<String>,
    /// Only offered under reason codes of this promotion (any when absent).
    #[serde(default)]
    pub(crate) promotion_id: Option<String>,
    #[serde(default = "default_max_quantity")]
    pub(crate) max_quantity: u32,
    /// What shipping costs when this item is taken, decimal string in
    /// `currency` (none: it ships free, or is not shipped). An order is one
    /// parcel: it costs the highest fee among its items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) shipping: Option<String>,
    /// Whether it is shipped: an order of it then needs an address.
    #[serde(default)]
    pub(crate) physical: bool,
}

fn default_max_quantity() -> u32 {
    5
}

impl Record for OfferItemRecord {
    const KIND: &'static str = "offer-items";
    fn id(&self) -> &str {
        &self.sku
    }
    fn check(&self) -> Result<(), Failure> {
        validate::ident("sku", &self.sku)?;
        validate::text("name", &self.name, 120)?;
        if let Some(url) = &self.image_url {
            validate::url("image_url", url)?;
            match &self.image_alt {
                Some(alt) => validate::text("image_alt", alt, 120)?,
                None => {
                    return Err(Failure::invalid(
                        "image_alt",
                        "is required with image_url: say what the image shows",
                    ));
                }
            }
        }
        if let Some(description) = &self.description {
            validate::text("description", description, 140)?;
        }
        let price =
            Money::parse(&self.price, self.currency).map_err(|e| Failure::invalid("price", e))?;
        if price.minor() == 0 {
            return Err(Failure::invalid("price", "must be more than zero"));
        }
        if let Some(usual) = &self.compare_at_price {
            let usual = Money::parse(usual, self.currency)
                .map_err(|e| Failure::invalid("compare_at_price", e))?;
            if usual.minor() <= price.minor() {
                return Err(Failure::invalid(
                    "compare_at_price",
                    "must be more than price",
                ));
            }
        }
        if self.complements.len() > 200 {
            return Err(Failure::invalid("complements", "at most 200 SKUs"));
        }
        for (i, sku) in self.complements.iter().enumerate() {
            validate::ident(&format!("complements[{i}]"), sku)?;
        }
        for (i, id) in self.affiliates.iter().enumerate() {
            validate::ident(&format!("affiliates[{i}]"), id)?;
        }
        if let Some(p) = &self.promotion_id {
            validate::ident("promotion_id", p)?;
        }
        if !(1..=99).contains(&self.max_quantity) {
            return Err(Failure::invalid("max_quantity", "must be 1 to 99"));
        }
        if let Some(fee) = &self.shipping {
            Money::parse(fee, self.currency).map_err(|e| Failure::invalid("shipping", e))?;
        }
        Ok(())
    }
    fn complements(&self) -> &[String] {
        &self.complements
    }
}

/// What an affiliate's reason code selects.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReasonCodeRecord {
    pub(crate) code: ReasonCode,
    pub(crate) template: String,
    pub(crate) style: String,
    pub(crate) upseller: String,
    pub(crate) handoff_mode: HandoffMode,
    pub(crate) presentation: Presentation,
    /// The short invitation shown before the offer, in the template's `lang`.
    pub(crate) teaser: String,
    /// The teaser in other languages, by BCP 47 tag, read as the
    /// template's `translations` are.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) teasers: BTreeMap<String, String>,
    /// Loyalty points for accepting.
    #[serde(default)]
    pub(crate) points: u32,
    /// The incentives (ids) the customer may pick from before the offer.
    /// With none, the one the ticket names applies, if it names one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) incentives: Vec<String>,
    /// The upseller's SKUs offered when none complements the purchase.
    #[serde(default)]
    pub(crate) default_items: Vec<String>,
    #[serde(default)]
    pub(crate) promotion_id: Option<String>,
    /// Most opportunities one customer sees per day under this code.
    #[serde(default = "default_cap")]
    pub(crate) frequency_cap: u32,
    /// How long the customer has to take the offer, in minutes (1 to
    /// 1440): shown to them counting down, and refused from the second it
    /// ends.
    #[serde(default = "default_offer_minutes")]
    pub(crate) offer_minutes: u32,
    #[serde(default = "default_true")]
    pub(crate) active: bool,
    /// Customer data the affiliate must hold for this offer, beyond what
    /// the handoff mode needs (`billing` for `payment_reference` and
    /// `merchant_of_record`): saving is refused while the affiliate does
    /// not hold it, and nothing is shown once it stops.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) requires: Vec<CustomerData>,
    /// The reason code whose offer follows when the customer accepts this
    /// one (an upsell after the upsell), in the same presentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) next: Option<ReasonCode>,
    /// The reason code whose offer follows when the customer declines this
    /// one (a downsell), in the same presentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) downsell: Option<ReasonCode>,
    /// Starting a chain: the most offers of one order the customer may
    /// accept (1 to 10, default 3); once reached, no follow-up is shown.
    #[serde(default = "default_max_accepted")]
    pub(crate) max_accepted: u32,
}

fn default_max_accepted() -> u32 {
    3
}

impl ReasonCodeRecord {
    /// The customer data the affiliate must hold: what the code requires,
    /// and `billing` where the affiliate's payment method is charged.
    pub(crate) fn needs(&self) -> Vec<CustomerData> {
        let mut needs = self.requires.clone();
        if self.handoff_mode != HandoffMode::DirectEntry {
            needs.push(CustomerData::Billing);
        }
        needs.sort();
        needs.dedup();
        needs
    }

    /// The first of [`Self::needs`] `affiliate` does not hold.
    pub(crate) fn missing(&self, affiliate: &Merchant) -> Option<CustomerData> {
        self.needs()
            .into_iter()
            .find(|data| !affiliate.holds(*data))
    }
}

fn default_cap() -> u32 {
    3
}

fn default_offer_minutes() -> u32 {
    30
}

fn default_true() -> bool {
    true
}

impl Record for ReasonCodeRecord {
    const KIND: &'static str = "reason-codes";
    fn id(&self) -> &str {
        self.code.as_str()
    }
    fn as_reason_code(&self) -> Option<&ReasonCodeRecord> {
        Some(self)
    }
    fn check(&self) -> Result<(), Failure> {
        validate::ident("template", &self.template)?;
        validate::ident("style", &self.style)?;
        validate::ident("upseller", &self.upseller)?;
        validate::text("teaser", &self.teaser, 140)?;
        if self.teasers.len() > MAX_TRANSLATIONS {
            return Err(Failure::invalid(
                "teasers",
                format!("must hold at most {MAX_TRANSLATIONS} languages"),
            ));
        }
        for (lang, teaser) in &self.teasers {
            let field = ["teasers.", lang].concat();
            language_tag(&field, lang)?;
            validate::text(&field, teaser, 140)?;
        }
        // The card is typed only inside the hub's frame: a pop-up on the
        // affiliate's page could never take it.
        if self.handoff_mode == HandoffMode::DirectEntry && self.presentation == Presentation::Popup
        {
            return Err(Failure::invalid(
                "presentation",
                "direct_entry offers need the iframe presentation: the card is typed only in the hub's frame",
            ));
        }
        if self.points > 1_000_000 {
            return Err(Failure::invalid("points", "must be at most 1000000"));
        }
        for (i, sku) in self.default_items.iter().enumerate() {
            validate::ident(&format!("default_items[{i}]"), sku)?;
        }
        if self.incentives.len() > 6 {
            return Err(Failure::invalid("incentives", "at most 6 to choose from"));
        }
        for (i, id) in self.incentives.iter().enumerate() {
            validate::ident(&format!("incentives[{i}]"), id)?;
            if self.incentives[..i].contains(id) {
                return Err(Failure::invalid(
                    format!("incentives[{i}]"),
                    "is listed twice",
                ));
            }
        }
        if let Some(p) = &self.promotion_id {
            validate::ident("promotion_id", p)?;
        }
        if !(1..=100).contains(&self.frequency_cap) {
            return Err(Failure::invalid("frequency_cap", "must be 1 to 100"));
        }
        if !(1..=1440).contains(&self.offer_minutes) {
            return Err(Failure::invalid("offer_minutes", "must be 1 to 1440"));
        }
        if !(1..=10).contains(&self.max_accepted) {
            return Err(Failure::invalid("max_accepted", "must be 1 to 10"));
        }
        for (i, data) in self.requires.iter().enumerate() {
            if self.requires[..i].contains(data) {
                return Err(Failure::invalid(
                    format!("requires[{i}]"),
                    "is listed twice",
                ));
            }
        }
        Ok(())
    }
}

/// Derives a reason code when a transaction comes without one.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReasonRuleRecord {
    pub(crate) id: String,
    /// Lower runs first.
    pub(crate) priority: u32,
    /// Matches when any of these SKUs was bought (any purchase when empty).
    #[serde(default)]
    pub(crate) skus: Vec<String>,
    /// Matches when the order total is at least this (decimal, in `currency`).
    #[serde(default)]
    pub(crate) min_total: Option<String>,
    #[serde(default)]
    pub(crate) currency: Option<CurrencyCode>,
    pub(crate) reason_code: ReasonCode,
}

impl ReasonRuleRecord {
    /// The minimum total, when the rule has one.
    pub(crate) fn min_total(&self) -> Option<Money> {
        Money::parse(self.min_total.as_deref()?, self.currency?).ok()
    }
}

impl Record for ReasonRuleRecord {
    const KIND: &'static str = "reason-rules";
    fn id(&self) -> &str {
        &self.id
    }
    fn check(&self) -> Result<(), Failure> {
        validate::ident("id", &self.id)?;
        for (i, sku) in self.skus.iter().enumerate() {
            validate::ident(&format!("skus[{i}]"), sku)?;
        }
        match (&self.min_total, self.currency) {
            (Some(total), Some(currency)) => {
                Money::parse(total, currency).map_err(|e| Failure::invalid("min_total", e))?;
            }
            (Some(_), None) => {
                return Err(Failure::invalid("currency", "is required with min_total"));
            }
            _ => {}
        }
        if self.skus.is_empty() && self.min_total.is_none() {
            return Err(Failure::invalid(
                "skus",
                "a rule needs skus, min_total or both",
            ));
        }
        Ok(())
    }
}

/// Offer copy with `{{placeholders}}`; rendered as plain text, never as
/// HTML. Written in `lang`, and in the languages of `translations`: each
/// customer reads the first of their languages the template has, else this.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TemplateRecord {
    pub(crate) id: String,
    pub(crate) headline: String,
    pub(crate) body: String,
    pub(crate) button: String,
    /// The language of the copy above, a BCP 47 tag (`en` when omitted).
    #[serde(default = "english")]
    #[schema(max_length = 35, pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")]
    pub(crate) lang: String,
    /// The copy in other languages, by BCP 47 tag (`de`, `pt-BR`, `ar`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) translations: BTreeMap<String, TemplateCopy>,
}

fn english() -> String {
    "en".into()
}

/// A template's copy in one language.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TemplateCopy {
    pub(crate) headline: String,
    pub(crate) body: String,
    pub(crate) button: String,
}

/// `tag` (the value of `field`) is a language tag, or 422.
fn language_tag(field: &str, tag: &str) -> Result<(), Failure> {
    if is_language_tag(tag) {
        Ok(())
    } else {
        Err(Failure::invalid(
            field,
            "must be a BCP 47 language tag such as de or pt-BR",
        ))
    }
}

/// The most translations a template holds.
const MAX_TRANSLATIONS: usize = 20;

/// A copy's headline, body and button (under `prefix`), checked as text
/// with at most their lengths, and their placeholders.
fn check_copy(prefix: &str, headline: &str, body: &str, button: &str) -> Result<(), Failure> {
    for (field, value, max) in [
        ("headline", headline, 120),
        ("body", body, 600),
        ("button", button, 40),
    ] {
        let field = [prefix, field].concat();
        validate::text(&field, value, max)?;
        crate::template::check(&field, value)?;
    }
    Ok(())
}

impl Record for TemplateRecord {
    const KIND: &'static str = "templates";
    fn id(&self) -> &str {
        &self.id
    }
    fn check(&self) -> Result<(), Failure> {
        validate::ident("id", &self.id)?;
        check_copy("", &self.headline, &self.body, &self.button)?;
        language_tag("lang", &self.lang)?;
        if self.translations.len() > MAX_TRANSLATIONS {
            return Err(Failure::invalid(
                "translations",
                format!("must hold at most {MAX_TRANSLATIONS} languages"),
            ));
        }
        for (lang, copy) in &self.translations {
            let prefix = ["translations.", lang, "."].concat();
            language_tag(&["translations.", lang].concat(), lang)?;
            if lang.eq_ignore_ascii_case(&self.lang) {
                return Err(Failure::invalid(
                    ["translations.", lang].concat(),
                    "is the template's own lang",
                ));
            }
            check_copy(&prefix, &copy.headline, &copy.body, &copy.button)?;
        }
        Ok(())
    }
}

/// The affiliate's look.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StyleRecord {
    pub(crate) id: String,
    pub(crate) accent: String,
    pub(crate) text: String,
    pub(crate) surface: String,
    pub(crate) font: String,
    pub(crate) radius_px: u8,
    #[serde(default)]
    pub(crate) logo_url: Option<String>,
}

impl Record for StyleRecord {
    const KIND: &'static str = "styles";
    fn id(&self) -> &str {
        &self.id
    }
    fn check(&self) -> Result<(), Failure> {
        validate::ident("id", &self.id)?;
        validate::colour("accent", &self.accent)?;
        validate::colour("text", &self.text)?;
        validate::colour("surface", &self.surface)?;
        validate::text("font", &self.font, 120)?;
        // The font list ends up in a CSS custom property: keep it to names.
        if !self
            .font
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | ',' | '-' | '"' | '\''))
        {
            return Err(Failure::invalid(
                "font",
                "may hold only font names, spaces, commas, quotes and '-'",
            ));
        }
        if self.radius_px > 32 {
            return Err(Failure::invalid("radius_px", "must be 0 to 32"));
        }
        if let Some(url) = &self.logo_url {
            validate::url("logo_url", url)?;
        }
        Ok(())
    }
}

/// A thank-you reward: a discount, free shipping, bonus points, or an
/// amount off paid with the customer's points. A reason code lists those
/// its customers may pick from; a ticket may name one the affiliate gives
/// (never a redemption: only the customer spends their points).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IncentiveRecord {
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) kind: IncentiveKind,
    /// `discount`: whole percent off the items (1 to 90), or else...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) percent_off: Option<u8>,
    /// ...`discount`: a fixed amount off the items, decimal string in
    /// `currency`; offered only with purchases in that currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) amount_off: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) currency: Option<CurrencyCode>,
    /// `points`: the bonus points, credited when the order is paid;
    /// `redeem`: the customer's points it spends, for `amount_off`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) points: Option<u32>,
}

/// What an incentive gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum IncentiveKind {
    Discount,
    FreeShipping,
    Points,
    /// A fixed amount off, paid with the customer's points at the
    /// affiliate: offered only to a customer who holds them, and only as
    /// the customer's own pick.
    Redeem,
}

impl IncentiveRecord {
    /// The incentive as an offer in `currency` is priced with; `None` when
    /// it cannot apply there (a fixed discount in another currency).
    pub(crate) fn applied(&self, currency: CurrencyCode) -> Option<AppliedIncentive> {
        if self.amount_off.is_some() && self.currency != Some(currency) {
            return None;
        }
        Some(AppliedIncentive {
            id: self.id.clone(),
            label: self.label.clone(),
            percent_off: self.percent_off.unwrap_or(0),
            amount_off: self.amount_off.clone(),
            free_shipping: self.kind == IncentiveKind::FreeShipping,
            bonus_points: match self.kind {
                IncentiveKind::Points => self.points.unwrap_or(0),
                _ => 0,
            },
            redeem_points: match self.kind {
                IncentiveKind::Redeem => self.points.unwrap_or(0),
                _ => 0,
            },
        })
    }
}

impl Record for IncentiveRecord {
    const KIND: &'static str = "incentives";
    fn id(&self) -> &str {
        &self.id
    }
    fn check(&self) -> Result<(), Failure> {
        validate::ident("id", &self.id)?;
        validate::text("label", &self.label, 80)?;
        let stray = |field: &str| {
            Failure::invalid(
                field.to_owned(),
                format!("does not belong to a {} incentive", self.kind_name()),
            )
        };
        match self.kind {
            IncentiveKind::Discount => {
                if self.percent_off.is_none() && self.amount_off.is_none() {
                    return Err(Failure::invalid(
                        "percent_off",
                        "a discount needs percent_off or amount_off",
                    ));
                }
                self.check_off()?;
                if self.points.is_some() {
                    return Err(stray("points"));
                }
            }
            IncentiveKind::Redeem => {
                if self.percent_off.is_some() {
                    return Err(stray("percent_off"));
                }
                if self.amount_off.is_none() {
                    return Err(Failure::invalid(
                        "amount_off",
                        "says what the points are worth, and is required",
                    ));
                }
                self.check_off()?;
            }
            IncentiveKind::FreeShipping | IncentiveKind::Points => {
                if self.percent_off.is_some() {
                    return Err(stray("percent_off"));
                }
                if self.amount_off.is_some() {
                    return Err(stray("amount_off"));
                }
                if self.currency.is_some() {
                    return Err(stray("currency"));
                }
            }
        }
        match (self.kind, self.points) {
            (IncentiveKind::Points | IncentiveKind::Redeem, Some(p))
                if (1..=1_000_000).contains(&p) =>
            {
                Ok(())
            }
            (IncentiveKind::Points | IncentiveKind::Redeem, _) => {
                Err(Failure::invalid("points", "must be 1 to 1000000"))
            }
            (IncentiveKind::FreeShipping, Some(_)) => Err(stray("points")),
            _ => Ok(()),
        }
    }
}

impl IncentiveRecord {
    fn kind_name(&self) -> &'static str {
        match self.kind {
            IncentiveKind::Discount => "discount",
            IncentiveKind::FreeShipping => "free_shipping",
            IncentiveKind::Points => "points",
            IncentiveKind::Redeem => "redeem",
        }
    }

    /// A discount's amount: `percent_off` (1 to 90), or `amount_off` in
    /// `currency`, more than zero; never both.
    fn check_off(&self) -> Result<(), Failure> {
        match (self.percent_off, &self.amount_off, self.currency) {
            (Some(p), None, None) if (1..=90).contains(&p) => Ok(()),
            (Some(_), None, None) => Err(Failure::invalid("percent_off", "must be 1 to 90")),
            (None, Some(amount), Some(currency)) => {
                let off = Money::parse(amount, currency)
                    .map_err(|e| Failure::invalid("amount_off", e))?;
                if off.minor() == 0 {
                    return Err(Failure::invalid("amount_off", "must be more than zero"));
                }
                Ok(())
            }
            (None, Some(_), None) => {
                Err(Failure::invalid("currency", "is required with amount_off"))
            }
            (Some(_), Some(_), _) => Err(Failure::invalid(
                "amount_off",
                "a discount is percent_off or amount_off, not both",
            )),
            (_, None, Some(_)) => Err(Failure::invalid("currency", "goes only with amount_off")),
            (None, None, None) => Ok(()),
        }
    }
}

/// An affiliate's ticket key: it signs tickets and the hub verifies them
/// with it, nothing else (the hub's own keys sign its calls, `keys.rs`).
/// Written once, never read back, never printed (`Debug` shows the key id).
#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SecretRecord {
    pub(crate) key_id: String,
    /// At least 32 characters; omitted from every answer.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) secret: String,
}

impl std::fmt::Debug for SecretRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretRecord")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl Record for SecretRecord {
    const KIND: &'static str = "secrets";
    fn id(&self) -> &str {
        &self.key_id
    }
    fn check(&self) -> Result<(), Failure> {
        validate::ident("key_id", &self.key_id)?;
        if self.secret.len() < 32 || self.secret.len() > 256 {
            return Err(Failure::invalid("secret", "must be 32 to 256 characters"));
        }
        Ok(())
    }
    fn redact(&mut self) {
        self.secret.clear();
    }
    fn seal(&mut self, sealer: &Sealer, context: &str) {
        self.secret = sealer.seal(context, &self.secret);
    }
    fn open(&mut self, sealer: &Sealer, context: &str) -> Result<(), SealError> {
        self.secret = sealer.open(context, &self.secret)?;
        Ok(())
    }
}

impl StyleRecord {
    /// The style as the widget receives it.
    pub(crate) fn to_wire(&self) -> postsale_protocol::DisplayStyle {
        postsale_protocol::DisplayStyle {
            accent: self.accent.clone(),
            text: self.text.clone(),
            surface: self.surface.clone(),
            font: self.font.clone(),
            radius_px: self.radius_px,
            logo_url: self.logo_url.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SecretRecord;

    #[test]
    fn a_ticket_key_never_prints_its_secret() {
        let record = SecretRecord {
            key_id: "k1".into(),
            secret: "a ticket secret of thirty-two bytes".into(),
        };
        let printed = format!("{record:?}");
        assert!(printed.contains("k1"), "{printed}");
        assert!(!printed.contains("thirty-two"), "{printed}");
    }
}

//! What the widget knows about the one opportunity it shows, fixed for the life
//! of the mount. The bootstrap builds it from the hub's answer; the frame from
//! its page; tests by hand.

use postsale_protocol::{
    DisplayStyle, EarlierOrder, Incentive, Labels, Offer, Opportunity, OpportunityRequest,
};

pub use crate::config::Hub;

/// The opportunity being shown and where it came from. Neither cloned nor
/// compared: the widget holds one behind an `Rc` (see `AppProps`), and
/// those derives would put a copy and a comparison of every word on the
/// page.
#[derive(Debug)]
pub struct Session {
    /// The hub to call.
    pub hub: Hub,
    /// The opportunity's id.
    pub opportunity_id: String,
    /// The invitation shown first.
    pub teaser: String,
    /// Rewards to pick from (empty: no chooser).
    pub incentives: Vec<Incentive>,
    /// The customer's points, shown with rewards that spend them.
    pub points_balance: Option<u64>,
    /// A follow-up offer: the orders placed earlier in its chain.
    pub earlier: Vec<EarlierOrder>,
    /// Whether a decline may bring another offer (ask before closing).
    pub downsell: bool,
    /// The affiliate's look until the offer brings its own.
    pub style: DisplayStyle,
    /// BCP 47 locale for prices and numbers; `None` is `lang`'s.
    pub locale: Option<String>,
    /// The language the hub chose: the widget's `lang`.
    pub lang: String,
    /// The widget's words in `lang`.
    pub labels: Labels,
    /// Inside the hub-origin frame (card entry allowed).
    pub in_frame: bool,
    /// Inline in the merchant's slot instead of a modal over the page.
    pub inline: bool,
    /// The original request, re-sent with the picked incentive.
    pub request: Option<OpportunityRequest>,
    /// The customer's first name from the merchant's page, put into the
    /// offer's copy here; it is never sent to the hub.
    pub first_name: Option<String>,
}

impl Session {
    /// Whether the widget shows inline, as a labelled region in the
    /// merchant's slot, rather than as a modal dialog. Only the frame build
    /// shows inline (the IFRAME in a slot); on a merchant's page the widget is
    /// always the modal pop-up, and that build keeps no inline code.
    pub(crate) fn shown_inline(&self) -> bool {
        cfg!(feature = "frame") && self.inline
    }

    /// The locale prices and numbers are written in: the page's, else the
    /// language the hub chose.
    pub(crate) fn number_locale(&self) -> &str {
        self.locale.as_deref().unwrap_or(&self.lang)
    }

    /// A session in the frame page for `opportunity`, shown inline or not.
    #[cfg(feature = "frame")]
    pub(crate) fn framed(hub: Hub, opportunity: Opportunity, inline: bool) -> Self {
        Self {
            in_frame: true,
            inline,
            ..Self::popup(hub, opportunity, None)
        }
    }

    /// A pop-up session for `opportunity` from `hub`.
    pub fn popup(hub: Hub, opportunity: Opportunity, locale: Option<String>) -> Self {
        Self {
            hub,
            opportunity_id: opportunity.id,
            teaser: opportunity.teaser,
            incentives: opportunity.incentives,
            points_balance: opportunity.points_balance,
            earlier: opportunity.earlier,
            downsell: opportunity.downsell,
            style: opportunity.style,
            locale,
            lang: opportunity.lang,
            labels: opportunity.labels,
            in_frame: false,
            inline: false,
            request: None,
            first_name: None,
        }
    }

    /// The session of the offer that follows this one, on the same page.
    pub fn following(&self, opportunity: Opportunity) -> Self {
        Self {
            in_frame: self.in_frame,
            inline: self.inline,
            first_name: self.first_name.clone(),
            ..Self::popup(self.hub.clone(), opportunity, self.locale.clone())
        }
    }

    /// The offer with `{{first_name}}` in its copy replaced by the
    /// customer's first name (or nothing, when the page gave none).
    pub fn personalise(&self, mut offer: Offer) -> Offer {
        let name = self.first_name.as_deref().unwrap_or("");
        for text in [&mut offer.headline, &mut offer.body, &mut offer.button] {
            *text = fill(text, name);
        }
        offer
    }
}

/// The longest first name put into an offer's copy, in UTF-8 bytes.
const FIRST_NAME_MAX: usize = 120;

/// The page's `customer.first_name` as the offer's copy may use it: trimmed;
/// none when blank or longer than [`FIRST_NAME_MAX`] (left out, not cut).
pub(crate) fn first_name(raw: &str) -> Option<String> {
    let name = raw.trim();
    (!name.is_empty() && name.len() <= FIRST_NAME_MAX).then(|| name.to_owned())
}

/// `text` with every `{{first_name}}` replaced by `name`. A prefix test per
/// character instead of `str::replace`: the substring searcher behind that
/// costs the page a kilobyte.
fn fill(text: &str, name: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix(FIRST_NAME) {
            out.push_str(name);
            rest = after;
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
    }
    out
}

/// What the hub leaves in an offer's copy where the first name goes.
const FIRST_NAME: &str = "{{first_name}}";

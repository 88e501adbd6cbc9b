//! What the widget knows about the one opportunity it shows, fixed for the life
//! of the mount. The bootstrap builds it from the hub's answer; the frame from
//! its page; tests by hand.

use postsale_protocol::{DisplayStyle, Incentive, Offer, Opportunity, OpportunityRequest};

pub use crate::config::Hub;

/// The opportunity being shown and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The hub to call.
    pub hub: Hub,
    /// The opportunity's id.
    pub opportunity_id: String,
    /// The invitation shown first.
    pub teaser: String,
    /// Rewards to pick from (empty: no chooser).
    pub incentives: Vec<Incentive>,
    /// The affiliate's look until the offer brings its own.
    pub style: DisplayStyle,
    /// BCP 47 locale for prices; `None` is the browser's default.
    pub locale: Option<String>,
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
    /// A pop-up session for `opportunity` from `hub`.
    pub fn popup(hub: Hub, opportunity: Opportunity, locale: Option<String>) -> Self {
        Self {
            hub,
            opportunity_id: opportunity.id,
            teaser: opportunity.teaser,
            incentives: opportunity.incentives,
            style: opportunity.style,
            locale,
            in_frame: false,
            inline: false,
            request: None,
            first_name: None,
        }
    }

    /// The offer with `{{first_name}}` in its copy replaced by the
    /// customer's first name (or nothing, when the page gave none).
    pub fn personalise(&self, mut offer: Offer) -> Offer {
        let name = self.first_name.as_deref().unwrap_or("");
        for text in [&mut offer.headline, &mut offer.body, &mut offer.button] {
            if text.contains(FIRST_NAME) {
                *text = text.replace(FIRST_NAME, name);
            }
        }
        offer
    }
}

/// What the hub leaves in an offer's copy where the first name goes.
const FIRST_NAME: &str = "{{first_name}}";

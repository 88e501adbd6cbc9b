//! The words of the widget's own screens (titles, buttons, field names,
//! errors), in the customer's language. The hub picks the language and sends
//! the words with the opportunity, so the widget on the merchant's page
//! carries no language at all. A word with a `{…}` placeholder takes one
//! value (an amount, a number of points, a name, a time) where the
//! placeholder stands; [`around`] splits it there.

use serde::{Deserialize, Serialize};

macro_rules! labels {
    ($($(#[doc = $doc:literal])+ $key:ident,)+) => {
        /// Every word of the widget's screens, one field per key.
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(deny_unknown_fields)]
        pub struct Labels {
            $($(#[doc = $doc])+ pub $key: String,)+
        }

        impl Labels {
            /// The keys, in field order: the names the hub's tables use.
            pub const KEYS: &'static [&'static str] = &[$(stringify!($key)),+];

            /// Whether these are no words at all (the hub stores an
            /// opportunity without them and adds them as it answers).
            pub fn is_unset(&self) -> bool {
                self == &Self::default()
            }

            /// Labels with each key's word from `word`, in [`Labels::KEYS`] order.
            pub fn from_fn(mut word: impl FnMut(&'static str) -> String) -> Self {
                Self { $($key: word(stringify!($key)),)+ }
            }
        }
    };
}

labels! {
    /// Title of the reward chooser.
    choose_title,
    /// Title while the offer loads, when there is no teaser.
    offer_title,
    /// Shown while the offer loads.
    loading,
    /// Title of the consent step.
    confirm_title,
    /// Title while the order is placed.
    placing_title,
    /// Shown while the order is placed.
    placing,
    /// Title of the confirmation.
    thanks_title,
    /// Title of an error.
    failed_title,
    /// Legend of the card fields.
    card,
    /// The card number field.
    card_number,
    /// The expiry month field.
    month,
    /// The expiry month's placeholder.
    month_placeholder,
    /// The expiry year field.
    year,
    /// The expiry year's placeholder.
    year_placeholder,
    /// The card security code field.
    cvc,
    /// Legend of the shipping address.
    ship_to,
    /// Street and number.
    street,
    /// The optional second address line.
    street2,
    /// Postal code.
    postal_code,
    /// City.
    city,
    /// Country (two letters).
    country,
    /// The optional region.
    region,
    /// An order whose payment is still being confirmed.
    confirming,
    /// An order that is placed.
    placed,
    /// The order id's label.
    order,
    /// The amount's label.
    amount,
    /// Points the order earns.
    points_earned,
    /// Points the order spent.
    points_used,
    /// The points balance.
    your_points,
    /// The list of a chain's orders.
    your_orders,
    /// The sum of a chain's orders: `{amount}`.
    all_orders,
    /// Opens an offer.
    show_me,
    /// Closes the confirmation.
    done,
    /// What the customer pays: `{amount}`.
    you_pay,
    /// Who sells the offer: `{seller}`.
    sold_by,
    /// Back to the offer.
    back,
    /// The button that confirms and pays: `{amount}`.
    confirm_and_pay,
    /// Read out when the offer has ended.
    ended,
    /// Read out in the offer's last minute.
    ends_soon,
    /// The countdown: `{time}`.
    ends_in,
    /// Closes the dialog.
    close,
    /// The offer could not be loaded.
    error_offer,
    /// The hub did not answer an accept.
    error_unreachable,
    /// The offer is gone.
    error_gone,
    /// The payment was declined.
    error_declined,
    /// The card was declined.
    error_card_declined,
    /// The card details were refused.
    error_card,
    /// The offer needs the hub's frame.
    error_needs_frame,
    /// Tries the failed step again.
    try_again,
    /// The customer's points: `{points}`.
    you_have_points,
    /// Declines the offer.
    no_thanks,
    /// The shipping fee: `{amount}`.
    shipping,
    /// Shipping that costs nothing.
    shipping_free,
    /// The total: `{amount}`.
    total,
    /// The price before a reward: `{amount}`.
    instead_of,
    /// The points accepting earns: `{points}`.
    you_earn,
    /// The title of the bank's confirmation step.
    authenticate,
}

/// `word` split at its placeholder: the text before it and the text after
/// it (the whole word and nothing when it has none).
pub fn around(word: &str) -> (&str, &str) {
    // By byte, not `str::find` with a `char`: its searcher costs the page
    // about a kilobyte, and both braces are ASCII, so each position found is
    // a character boundary.
    let at = |brace: u8| word.bytes().position(|b| b == brace);
    match (at(b'{'), at(b'}')) {
        (Some(open), Some(close)) if open < close => (&word[..open], &word[close + 1..]),
        _ => (word, ""),
    }
}

/// `word` with its placeholder replaced by `value`.
pub fn fill(word: &str, value: &str) -> String {
    let (before, after) = around(word);
    [before, value, after].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_every_field_once_in_order() {
        let labels = Labels::from_fn(|key| key.to_uppercase());
        let json = serde_json::to_value(&labels).expect("labels serialise");
        let object = json.as_object().expect("an object");
        assert_eq!(object.len(), Labels::KEYS.len());
        for key in Labels::KEYS {
            assert_eq!(object[*key], key.to_uppercase());
        }
        assert_eq!(labels.no_thanks, "NO_THANKS");
    }

    #[test]
    fn a_placeholder_is_filled_where_it_stands() {
        assert_eq!(around("Total {amount}"), ("Total ", ""));
        assert_eq!(around("合計 {amount} です"), ("合計 ", " です"));
        assert_eq!(around("no placeholder"), ("no placeholder", ""));
        assert_eq!(around("} backwards {"), ("} backwards {", ""));
        assert_eq!(fill("Sie zahlen {amount}", "12,00 €"), "Sie zahlen 12,00 €");
        assert_eq!(fill("{points} points", "7"), "7 points");
    }
}

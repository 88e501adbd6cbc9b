//! The card fields for `direct_entry`. They exist only inside the hub-origin
//! frame, where the merchant's page cannot script them; their values go to
//! the hub's card endpoint when the customer confirms, and are never logged.

use yew::prelude::*;

/// Card number, expiry and CVC, with the browser's autofill names.
pub(crate) fn card_entry() -> Html {
    html! {
        <fieldset class="card">
            <legend>{ "Card" }</legend>
            <label>{ "Card number" }
                <input name="card_number" inputmode="numeric" autocomplete="cc-number" required=true minlength="12" maxlength="23" />
            </label>
            <div class="row">
                <label>{ "Month" }
                    <input name="exp_month" inputmode="numeric" autocomplete="cc-exp-month" placeholder="MM" required=true maxlength="2" />
                </label>
                <label>{ "Year" }
                    <input name="exp_year" inputmode="numeric" autocomplete="cc-exp-year" placeholder="YYYY" required=true maxlength="4" />
                </label>
                <label>{ "CVC" }
                    <input name="cvc" inputmode="numeric" autocomplete="cc-csc" required=true maxlength="4" />
                </label>
            </div>
        </fieldset>
    }
}

//! The card fields for `direct_entry`, and reading them when the customer
//! confirms. They exist only in the hub's frame build (the `frame` feature),
//! which runs inside the hub-origin frame where the merchant's page cannot
//! script them: the build merchants' pages load has no card form at all. With
//! the sandbox the values go to the hub's card endpoint and nowhere else, and
//! are never logged; with a processor (Stripe) the field is the processor's
//! own, and only its token leaves it (`frame::processor`).

pub(crate) use frame::{card_entry, read_card};

mod frame {
    use postsale_protocol::CardEntry;
    use wasm_bindgen::JsValue;
    use yew::prelude::*;

    use crate::format::whole_number;
    use crate::js::get;

    /// The processor's own card field, mounted once its box is on the page.
    #[function_component]
    fn ProcessorCard() -> Html {
        let node = use_node_ref();
        {
            let node = node.clone();
            use_effect_with((), move |_| {
                if let Some(container) = node.cast::<web_sys::Element>() {
                    // A field that cannot load leaves the box empty: the
                    // confirm then reports the card as not accepted.
                    yew::platform::spawn_local(async move {
                        let _ = crate::frame::processor::mount(container).await;
                    });
                }
            });
        }
        html! {
            <fieldset class="card">
                <legend>{ "Card" }</legend>
                <div class="processor-card" ref={node}></div>
            </fieldset>
        }
    }

    /// Card number, expiry and CVC, with the browser's autofill names; or
    /// the processor's own field when the hub charges through one.
    pub(crate) fn card_entry() -> Html {
        if crate::frame::processor::active() {
            return html! { <ProcessorCard /> };
        }
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

    /// The trimmed value of the form's control called `name`: a form holds its
    /// named controls as properties of its own.
    fn field(form: &JsValue, name: &str) -> String {
        get(&get(form, name), "value")
            .as_string()
            .map(|value| value.trim().to_owned())
            .unwrap_or_default()
    }

    /// The card in the submitted form (the event's target), when it has one.
    pub(crate) fn read_card(event: &SubmitEvent) -> Option<CardEntry> {
        let form = JsValue::from(event.target()?);
        Some(CardEntry {
            card_number: field(&form, "card_number")
                .chars()
                .filter(|c| *c != ' ')
                .collect(),
            // Unreadable numbers go as 0: the hub refuses them, and the
            // customer gets the card error with a way back.
            exp_month: whole_number(&field(&form, "exp_month"))
                .and_then(|n| u8::try_from(n).ok())
                .unwrap_or(0),
            exp_year: whole_number(&field(&form, "exp_year"))
                .and_then(|n| u16::try_from(n).ok())
                .unwrap_or(0),
            cvc: field(&form, "cvc"),
        })
    }
}

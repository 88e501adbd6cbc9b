//! The card fields for `direct_entry`, and reading them when the customer
//! confirms. They exist only in the hub's frame build (the `frame` feature),
//! which runs inside the hub-origin frame where the merchant's page cannot
//! script them: the build merchants' pages load has no card form at all. With
//! the sandbox the values go to the hub's card endpoint and nowhere else, and
//! are never logged; with a processor (Stripe) the field is the processor's
//! own, and only its token leaves it (`frame::processor`).

pub(crate) use frame::{ShipTo, card_entry, read_card, read_ship_to};

mod frame {
    use postsale_protocol::{Address, CardEntry, Labels};
    use wasm_bindgen::JsValue;
    use yew::prelude::*;

    use crate::format::whole_number;
    use crate::js::get;

    /// The processor's own card field, mounted once its box is on the page.
    #[derive(Properties, PartialEq)]
    struct ProcessorCardProps {
        legend: AttrValue,
    }

    #[function_component]
    fn ProcessorCard(props: &ProcessorCardProps) -> Html {
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
                <legend>{ props.legend.clone() }</legend>
                <div class="processor-card" ref={node}></div>
            </fieldset>
        }
    }

    /// Card number, expiry and CVC, with the browser's autofill names; or
    /// the processor's own field when the hub charges through one.
    pub(crate) fn card_entry(words: &Labels) -> Html {
        if crate::frame::processor::active() {
            return html! { <ProcessorCard legend={words.card.clone()} /> };
        }
        html! {
            <fieldset class="card">
                <legend>{ words.card.clone() }</legend>
                <label>{ words.card_number.clone() }
                    <input name="card_number" inputmode="numeric" autocomplete="cc-number" required=true minlength="12" maxlength="23" />
                </label>
                <div class="row">
                    <label>{ words.month.clone() }
                        <input name="exp_month" inputmode="numeric" autocomplete="cc-exp-month" placeholder={words.month_placeholder.clone()} required=true maxlength="2" />
                    </label>
                    <label>{ words.year.clone() }
                        <input name="exp_year" inputmode="numeric" autocomplete="cc-exp-year" placeholder={words.year_placeholder.clone()} required=true maxlength="4" />
                    </label>
                    <label>{ words.cvc.clone() }
                        <input name="cvc" inputmode="numeric" autocomplete="cc-csc" required=true maxlength="4" />
                    </label>
                </div>
            </fieldset>
        }
    }

    /// Where a shipped item goes: the affiliate's address with a box to
    /// ship there (ticked), or the fields to type another (and the only way
    /// when the affiliate passed none). Shipping is not billing data: it is
    /// the customer's to confirm here, and goes with the accept.
    #[derive(Properties, PartialEq)]
    pub(crate) struct ShipToProps {
        /// The address the affiliate passed with the purchase.
        pub(crate) suggested: Option<Address>,
        /// The widget's words.
        pub(crate) words: Labels,
    }

    #[function_component]
    pub(crate) fn ShipTo(props: &ShipToProps) -> Html {
        let same = use_state(|| props.suggested.is_some());
        let toggle = {
            let same = same.clone();
            Callback::from(move |_: Event| same.set(!*same))
        };
        let words = &props.words;
        let field = |label: &str,
                     name: &'static str,
                     autocomplete: &'static str,
                     required: bool| {
            html! {
                <label>{ label.to_owned() }
                    <input {name} autocomplete={["shipping ", autocomplete].concat()} {required} maxlength="200" />
                </label>
            }
        };
        html! {
            <fieldset class="address">
                <legend>{ words.ship_to.clone() }</legend>
                if let Some(a) = &props.suggested {
                    <label class="same">
                        <input type="checkbox" name="ship_same" checked={*same} onchange={toggle} />
                        { [a.line1.as_str(), ", ", &a.postal_code, " ", &a.city, ", ", &a.country].concat() }
                    </label>
                }
                if !*same {
                    { field(&words.street, "line1", "address-line1", true) }
                    { field(&words.street2, "line2", "address-line2", false) }
                    <div class="row">
                        { field(&words.postal_code, "postal_code", "postal-code", true) }
                        { field(&words.city, "city", "address-level2", true) }
                        <label>{ words.country.clone() }
                            <input name="country" autocomplete="shipping country" required=true
                                maxlength="2" pattern="[A-Za-z]{2}" placeholder="DE" />
                        </label>
                    </div>
                    { field(&words.region, "region", "address-level1", false) }
                }
            </fieldset>
        }
    }

    /// The address in the submitted form: the suggested one while its box
    /// is ticked, else the typed one (the hub checks every field of it).
    pub(crate) fn read_ship_to(
        event: &SubmitEvent,
        suggested: Option<&Address>,
    ) -> Option<Address> {
        let form = JsValue::from(event.target()?);
        let ticked = get(&get(&form, "ship_same"), "checked").as_bool() == Some(true);
        if ticked {
            return suggested.cloned();
        }
        let optional = |name: &str| Some(field(&form, name)).filter(|v| !v.is_empty());
        Some(Address {
            line1: field(&form, "line1"),
            line2: optional("line2"),
            city: field(&form, "city"),
            region: optional("region"),
            postal_code: field(&form, "postal_code"),
            country: field(&form, "country").to_ascii_uppercase(),
        })
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

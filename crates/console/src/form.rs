//! A labelled field that shows the hub's refusal of it beside it, and the
//! helpers every form uses.

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct FieldProps {
    pub(crate) id: AttrValue,
    pub(crate) label: AttrValue,
    pub(crate) value: AttrValue,
    pub(crate) oninput: Callback<String>,
    #[prop_or(AttrValue::Static("text"))]
    pub(crate) kind: AttrValue,
    #[prop_or_default]
    pub(crate) autocomplete: Option<AttrValue>,
    /// What the hub said is wrong with it.
    #[prop_or_default]
    pub(crate) error: Option<String>,
    #[prop_or_default]
    pub(crate) required: bool,
}

/// An input with its label, and its error announced and tied to it.
#[function_component]
pub(crate) fn Field(props: &FieldProps) -> Html {
    let error_id = format!("{}-error", props.id);
    let oninput = props
        .oninput
        .reform(|e: InputEvent| e.target_unchecked_into::<HtmlInputElement>().value());
    html! {
        <div class="field">
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <input
                id={props.id.clone()}
                name={props.id.clone()}
                type={props.kind.clone()}
                value={props.value.clone()}
                autocomplete={props.autocomplete.clone()}
                required={props.required}
                aria-invalid={props.error.is_some().then_some("true")}
                aria-describedby={props.error.is_some().then(|| error_id.clone())}
                {oninput}
            />
            if let Some(error) = &props.error {
                <p class="error" id={error_id}>{ error }</p>
            }
        </div>
    }
}

/// A state setter as an input callback.
pub(crate) fn setter(state: &UseStateHandle<String>) -> Callback<String> {
    let state = state.clone();
    Callback::from(move |value: String| state.set(value))
}

/// Money per currency, as it reads: `USD 89.00 · EUR 12.00`, or a dash.
pub(crate) fn amounts(amounts: &crate::api::Amounts) -> String {
    if amounts.is_empty() {
        return "—".into();
    }
    amounts
        .iter()
        .map(|(currency, amount)| format!("{currency} {amount}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A unix time as the browser's local date and time.
pub(crate) fn when(unix: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}

/// The hub's refusal, when it names `field`.
pub(crate) fn about(problem: &Option<crate::api::Problem>, field: &str) -> Option<String> {
    problem.as_ref().and_then(|p| p.about(field))
}

/// The hub's refusal, when it names no field: said once, as an alert.
pub(crate) fn general(problem: &Option<crate::api::Problem>) -> Option<String> {
    problem
        .as_ref()
        .filter(|p| p.field.is_none())
        .map(crate::api::Problem::message)
}

/// A JSON value as text: a string as it is, a list joined by commas,
/// nothing for null, anything else as JSON writes it.
pub(crate) fn text(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

//! Setting up offers without JSON: the registry's records (items, reason
//! codes and their rules, templates, styles, incentives), each kind a list
//! and a form. The hub checks every field; its refusal is shown on the
//! field it names.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::SignedProps;
use crate::api::{self, Problem, Signed};
use crate::form::text;

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Input {
    Text,
    /// Several lines.
    Long,
    /// A whole number.
    Number,
    /// Several values, separated by commas.
    List,
    /// One of these.
    Choice(&'static [&'static str]),
    Check,
}

/// One field of a record.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spec {
    name: &'static str,
    label: &'static str,
    input: Input,
    hint: &'static str,
    /// Sent even when empty, so that the hub says what it needs there.
    required: bool,
}

const fn field(name: &'static str, label: &'static str, input: Input, hint: &'static str) -> Spec {
    Spec {
        name,
        label,
        input,
        hint,
        required: false,
    }
}

/// A field every record of its kind has.
const fn need(name: &'static str, label: &'static str, input: Input, hint: &'static str) -> Spec {
    Spec {
        required: true,
        ..field(name, label, input, hint)
    }
}

/// A kind of record: where the API keeps it and what it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Kind {
    path: &'static str,
    title: &'static str,
    /// The field that names a record in its URL.
    key: &'static str,
    /// Shown in the list beside the key.
    summary: &'static str,
    upseller: bool,
    fields: &'static [Spec],
}

const MODES: &[&str] = &["direct_entry", "payment_reference", "merchant_of_record"];
const PRESENTATIONS: &[&str] = &["popup", "iframe"];
const INCENTIVES: &[&str] = &["discount", "free_shipping", "points", "redeem"];

const KINDS: [Kind; 6] = [
    Kind {
        path: "offer-items",
        title: "Items",
        key: "sku",
        summary: "name",
        upseller: true,
        fields: &[
            need("sku", "SKU", Input::Text, ""),
            need("name", "Name", Input::Text, ""),
            need("price", "Price", Input::Text, "a decimal, such as 29.00"),
            need("currency", "Currency", Input::Text, "ISO 4217, such as USD"),
            field("description", "One line that sells it", Input::Text, ""),
            field(
                "compare_at_price",
                "Usual price (shown struck through)",
                Input::Text,
                "",
            ),
            field("image_url", "Image address", Input::Text, "https://..."),
            field(
                "image_alt",
                "What the image shows",
                Input::Text,
                "required with an image",
            ),
            field(
                "complements",
                "Goes with the affiliates' SKUs",
                Input::List,
                "separated by commas",
            ),
            field(
                "max_quantity",
                "Most a customer may take",
                Input::Number,
                "",
            ),
            field("shipping", "Shipping fee", Input::Text, "none: ships free"),
            field(
                "physical",
                "Shipped (an order needs an address)",
                Input::Check,
                "",
            ),
        ],
    },
    Kind {
        path: "reason-codes",
        title: "Reason codes",
        key: "code",
        summary: "upseller",
        upseller: false,
        fields: &[
            need(
                "code",
                "Reason code",
                Input::Text,
                "capitals, digits and dashes",
            ),
            need("upseller", "Upseller (merchant id)", Input::Text, ""),
            need("handoff_mode", "Handoff mode", Input::Choice(MODES), ""),
            need(
                "presentation",
                "Presentation",
                Input::Choice(PRESENTATIONS),
                "",
            ),
            need("template", "Template id", Input::Text, ""),
            need("style", "Style id", Input::Text, ""),
            need(
                "teaser",
                "Teaser",
                Input::Text,
                "the short invitation before the offer",
            ),
            field(
                "default_items",
                "Items offered when none complements",
                Input::List,
                "SKUs, separated by commas",
            ),
            field(
                "incentives",
                "Incentives the customer picks from",
                Input::List,
                "ids, separated by commas",
            ),
            field("points", "Loyalty points for accepting", Input::Number, ""),
            field(
                "offer_minutes",
                "Minutes to take the offer",
                Input::Number,
                "1 to 1440",
            ),
            field(
                "frequency_cap",
                "Most offers per customer per day",
                Input::Number,
                "",
            ),
            field("active", "Active", Input::Check, ""),
        ],
    },
    Kind {
        path: "reason-rules",
        title: "Rules",
        key: "id",
        summary: "reason_code",
        upseller: false,
        fields: &[
            need("id", "Rule id", Input::Text, ""),
            need("priority", "Priority (lower runs first)", Input::Number, ""),
            field(
                "skus",
                "When any of these SKUs is bought",
                Input::List,
                "any purchase when empty",
            ),
            field(
                "min_total",
                "When the total is at least",
                Input::Text,
                "a decimal",
            ),
            field("currency", "In currency", Input::Text, "ISO 4217"),
            need("reason_code", "Then the reason code", Input::Text, ""),
        ],
    },
    Kind {
        path: "templates",
        title: "Templates",
        key: "id",
        summary: "headline",
        upseller: false,
        fields: &[
            need("id", "Template id", Input::Text, ""),
            need(
                "headline",
                "Headline",
                Input::Text,
                "{{ first_name }}, {{affiliate}}, {{upseller}} and {{points}} are filled in",
            ),
            need("body", "Body", Input::Long, ""),
            need("button", "Button", Input::Text, ""),
            field(
                "lang",
                "Language",
                Input::Text,
                "a BCP 47 tag, en when empty",
            ),
        ],
    },
    Kind {
        path: "styles",
        title: "Styles",
        key: "id",
        summary: "font",
        upseller: false,
        fields: &[
            need("id", "Style id", Input::Text, ""),
            need("accent", "Accent colour", Input::Text, "#rrggbb"),
            need("text", "Text colour", Input::Text, "#rrggbb"),
            need("surface", "Surface colour", Input::Text, "#rrggbb"),
            need("font", "Font", Input::Text, "a CSS font list"),
            need("radius_px", "Corner radius (px)", Input::Number, "0 to 255"),
            field("logo_url", "Logo address", Input::Text, "https://..."),
        ],
    },
    Kind {
        path: "incentives",
        title: "Incentives",
        key: "id",
        summary: "label",
        upseller: false,
        fields: &[
            need("id", "Incentive id", Input::Text, ""),
            need("label", "Label", Input::Text, ""),
            need("kind", "Kind", Input::Choice(INCENTIVES), ""),
            field(
                "percent_off",
                "Percent off",
                Input::Number,
                "discount: 1 to 90",
            ),
            field(
                "amount_off",
                "Amount off",
                Input::Text,
                "discount or redeem: a decimal",
            ),
            field(
                "currency",
                "Currency of the amount",
                Input::Text,
                "ISO 4217",
            ),
            field(
                "points",
                "Points",
                Input::Number,
                "points: given; redeem: spent",
            ),
        ],
    },
];

/// The kinds a merchant of these roles sets up.
fn kinds_for(signed: &Signed) -> Vec<Kind> {
    let (affiliate, upseller) = signed
        .merchant
        .as_ref()
        .map_or((false, false), |m| (m.affiliate, m.upseller));
    KINDS
        .into_iter()
        .filter(|k| if k.upseller { upseller } else { affiliate })
        .collect()
}

/// The record's body from the form: empty fields left out (the hub's
/// defaults apply), numbers as numbers, lists split at commas.
fn body(kind: &Kind, values: &BTreeMap<&'static str, String>) -> Value {
    let mut body = Map::new();
    for spec in kind.fields {
        let raw = values
            .get(spec.name)
            .map(String::as_str)
            .unwrap_or_default();
        let value = match spec.input {
            Input::Check => Value::Bool(raw == "true"),
            _ if raw.trim().is_empty() && spec.required => Value::String(String::new()),
            _ if raw.trim().is_empty() => continue,
            Input::Number => raw
                .trim()
                .parse::<i64>()
                .map_or_else(|_| Value::String(raw.to_owned()), Value::from),
            Input::List => Value::Array(
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_owned()))
                    .collect(),
            ),
            _ => Value::String(raw.to_owned()),
        };
        body.insert(spec.name.to_owned(), value);
    }
    Value::Object(body)
}

/// The field a problem's `field` path names (`complements[0]` is `complements`).
fn field_of(problem: &Problem) -> Option<&str> {
    problem
        .field
        .as_deref()
        .map(|f| f.split(['[', '.']).next().unwrap_or(f))
}

#[derive(Debug, Clone, PartialEq, Properties)]
struct FormProps {
    kind: Kind,
    csrf: String,
    /// The record edited; none for a new one.
    editing: Option<Value>,
    on_saved: Callback<()>,
}

#[function_component]
fn RecordForm(props: &FormProps) -> Html {
    let kind = props.kind;
    let values = use_state(|| {
        kind.fields
            .iter()
            .map(|spec| {
                let existing = props.editing.as_ref().map(|r| r[spec.name].clone());
                let text = match (spec.input, existing) {
                    (Input::Check, Some(Value::Bool(b))) => b.to_string(),
                    (Input::Check, _) => (spec.name == "active").to_string(),
                    (Input::Choice(options), None) => options[0].to_owned(),
                    (_, Some(value)) => text(&value),
                    (_, None) => String::new(),
                };
                (spec.name, text)
            })
            .collect::<BTreeMap<_, _>>()
    });
    let problem = use_state(|| None::<Problem>);
    let saved = use_state(|| false);
    let set = |name: &'static str| {
        let values = values.clone();
        move |value: String| {
            let mut next = (*values).clone();
            next.insert(name, value);
            values.set(next);
        }
    };
    let onsubmit = {
        let (values, problem, saved) = (values.clone(), problem.clone(), saved.clone());
        let (csrf, on_saved, editing) = (
            props.csrf.clone(),
            props.on_saved.clone(),
            props.editing.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = body(&kind, &values);
            let (method, path) = match &editing {
                Some(record) => (
                    "PUT",
                    format!("/v1/admin/{}/{}", kind.path, text(&record[kind.key])),
                ),
                None => ("POST", format!("/v1/admin/{}", kind.path)),
            };
            let (problem, saved, csrf, on_saved) = (
                problem.clone(),
                saved.clone(),
                csrf.clone(),
                on_saved.clone(),
            );
            spawn_local(async move {
                match api::send::<Value, _>(method, &path, Some(&csrf), Some(&body)).await {
                    Ok(_) => {
                        problem.set(None);
                        saved.set(true);
                        on_saved.emit(());
                    }
                    Err(refused) => {
                        saved.set(false);
                        problem.set(Some(refused));
                    }
                }
            });
        })
    };
    let named = problem.as_ref().and_then(field_of);
    let unplaced = problem
        .as_ref()
        .filter(|p| field_of(p).is_none_or(|f| !kind.fields.iter().any(|s| s.name == f)));
    let inputs = kind.fields.iter().map(|spec| {
        let id = format!("{}-{}", kind.path, spec.name);
        let error = (named == Some(spec.name)).then(|| problem.as_ref().map(Problem::message).unwrap_or_default());
        let error_id = format!("{id}-error");
        let hint_id = format!("{id}-hint");
        let described = [
            (!spec.hint.is_empty()).then(|| hint_id.clone()),
            error.is_some().then(|| error_id.clone()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let described = (!described.is_empty()).then_some(described);
        let invalid = error.is_some().then_some("true");
        let needed = spec.required.then_some("true");
        let value = values.get(spec.name).cloned().unwrap_or_default();
        let set = set(spec.name);
        // Editing, the record's name stays: another name is another record.
        let fixed = props.editing.is_some() && spec.name == kind.key;
        let control = match spec.input {
            Input::Long => {
                let oninput = Callback::from(move |e: InputEvent| set(e.target_unchecked_into::<HtmlTextAreaElement>().value()));
                html! { <textarea id={id.clone()} name={spec.name} rows="3" value={value} aria-required={needed} aria-invalid={invalid} aria-describedby={described} {oninput} /> }
            }
            Input::Choice(options) => {
                let onchange = Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlSelectElement>().value()));
                html! {
                    <select id={id.clone()} name={spec.name} aria-required={needed} aria-invalid={invalid} aria-describedby={described} {onchange}>
                        { for options.iter().map(|o| html! { <option value={*o} selected={*o == value}>{ *o }</option> }) }
                    </select>
                }
            }
            Input::Check => {
                let onchange = Callback::from(move |e: Event| set(e.target_unchecked_into::<HtmlInputElement>().checked().to_string()));
                html! { <input id={id.clone()} name={spec.name} type="checkbox" checked={value == "true"} aria-describedby={described} {onchange} /> }
            }
            Input::Number | Input::Text | Input::List => {
                let oninput = Callback::from(move |e: InputEvent| set(e.target_unchecked_into::<HtmlInputElement>().value()));
                let mode = (spec.input == Input::Number).then_some("numeric");
                html! { <input id={id.clone()} name={spec.name} type="text" inputmode={mode} value={value} readonly={fixed} aria-required={needed} aria-invalid={invalid} aria-describedby={described} {oninput} /> }
            }
        };
        html! {
            <div class={if spec.input == Input::Check { "field check" } else { "field" }}>
                <label for={id}>
                    { spec.label }
                    if spec.required { <span aria-hidden="true">{ " *" }</span> }
                </label>
                { control }
                if !spec.hint.is_empty() {
                    <span class="hint" id={hint_id}>{ spec.hint }</span>
                }
                if let Some(error) = error {
                    <p class="error" id={error_id}>{ error }</p>
                }
            </div>
        }
    });
    html! {
        <form class="card" onsubmit={onsubmit} novalidate=true aria-label={format!("{} form", kind.title)}>
            { for inputs }
            if let Some(problem) = unplaced {
                <p class="error" role="alert">{ problem.message() }</p>
            }
            if *saved {
                <p class="notice" role="status">{ "Saved." }</p>
            }
            <button type="submit">{ if props.editing.is_some() { "Save changes" } else { "Create" } }</button>
        </form>
    }
}

#[function_component]
pub(crate) fn Offers(props: &SignedProps) -> Html {
    let signed = props.signed.clone();
    let kinds = kinds_for(&signed);
    let may_edit = matches!(signed.user.role.as_str(), "admin" | "editor");
    let chosen = use_state(|| 0_usize);
    let records = use_state(|| None::<Result<Vec<Value>, Problem>>);
    let editing = use_state(|| None::<Value>);
    let reload = use_state(|| 0_u32);
    let kind = kinds.get(*chosen).copied();
    {
        let records = records.clone();
        use_effect_with((kind.map(|k| k.path), *reload), move |(path, _)| {
            if let Some(path) = *path {
                spawn_local(async move {
                    records.set(Some(
                        api::get::<Vec<Value>>(&format!("/v1/admin/{path}")).await,
                    ));
                });
            }
        });
    }
    let Some(kind) = kind else {
        return html! { <><h1>{ "Offers" }</h1><p>{ "This merchant has no role that sets up offers." }</p></> };
    };
    let tabs = kinds.iter().enumerate().map(|(i, k)| {
        let pressed = (i == *chosen).to_string();
        let (chosen, editing) = (chosen.clone(), editing.clone());
        let onclick = Callback::from(move |_: MouseEvent| {
            editing.set(None);
            chosen.set(i);
        });
        html! { <li><button class="plain" aria-pressed={pressed} {onclick}>{ k.title }</button></li> }
    });
    let on_saved = {
        let (reload, editing) = (reload.clone(), editing.clone());
        Callback::from(move |()| {
            editing.set(None);
            reload.set(*reload + 1);
        })
    };
    let list = match &*records {
        None => html! { <p>{ "Loading…" }</p> },
        Some(Err(problem)) => html! { <p class="error" role="alert">{ problem.message() }</p> },
        Some(Ok(list)) if list.is_empty() => {
            html! { <p>{ format!("No {} yet.", kind.title.to_lowercase()) }</p> }
        }
        Some(Ok(list)) => html! {
            <div class="scroll">
                <table>
                    <caption class="visually-hidden">{ kind.title }</caption>
                    <thead><tr>
                        <th scope="col">{ kind.key }</th>
                        <th scope="col">{ kind.summary }</th>
                        if may_edit { <th scope="col">{ "Edit" }</th> }
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|record| {
                            let name = text(&record[kind.key]);
                            let edit = {
                                let (editing, record) = (editing.clone(), record.clone());
                                Callback::from(move |_: MouseEvent| editing.set(Some(record.clone())))
                            };
                            html! {
                                <tr>
                                    <th scope="row">{ name.clone() }</th>
                                    <td>{ text(&record[kind.summary]) }</td>
                                    if may_edit {
                                        <td><button class="plain" onclick={edit} aria-label={format!("Edit {name}")}>{ "Edit" }</button></td>
                                    }
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    let form_key = format!(
        "{}:{}",
        kind.path,
        editing
            .as_ref()
            .map(|r| text(&r[kind.key]))
            .unwrap_or_default()
    );
    html! {
        <>
            <h1>{ "Offers" }</h1>
            <nav aria-label="Kinds of records"><ul class="tabs">{ for tabs }</ul></nav>
            <h2>{ kind.title }</h2>
            { list }
            if may_edit {
                <h2>{ if editing.is_some() { format!("Edit {}", text(&editing.as_ref().map(|r| r[kind.key].clone()).unwrap_or_default())) } else { format!("New: {}", kind.title.to_lowercase()) } }</h2>
                <RecordForm key={form_key} kind={kind} csrf={signed.csrf_token.clone()} editing={(*editing).clone()} on_saved={on_saved} />
            } else {
                <p>{ "Your role reads offers; an editor or admin changes them." }</p>
            }
        </>
    }
}

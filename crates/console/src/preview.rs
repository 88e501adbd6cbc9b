//! The preview: one of the merchant's reason codes as its customers would
//! see it, drawn by the real widget in two frames of the hub's preview page
//! (desktop and phone width), with any part swapped for another of the
//! merchant's records. Nothing is shown to a customer or counted.

use serde_json::Value;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::SignedProps;
use crate::api::{self, Presentation, PreviewAnswer, PreviewRequest, Problem, ReasonCode};
use crate::form::{self, Field, setter};

/// The ids of the records at `/v1/admin/{path}`, read by `key`.
async fn ids(path: &str, key: &str) -> Vec<String> {
    api::get::<Vec<Value>>(&format!("/v1/admin/{path}"))
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r[key].as_str().map(str::to_owned))
        .collect()
}

/// What the merchant can choose from.
#[derive(Debug, Clone, Default, PartialEq)]
struct Choices {
    codes: Vec<Value>,
    styles: Vec<String>,
    templates: Vec<String>,
    incentives: Vec<String>,
}

fn list_of(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Properties)]
struct SelectProps {
    id: AttrValue,
    label: AttrValue,
    options: Vec<String>,
    value: String,
    onchange: Callback<String>,
    #[prop_or_default]
    error: Option<String>,
}

/// A labelled select whose refusal by the hub shows beside it.
#[function_component]
fn Select(props: &SelectProps) -> Html {
    let error_id = format!("{}-error", props.id);
    let onchange = props
        .onchange
        .reform(|e: Event| e.target_unchecked_into::<HtmlSelectElement>().value());
    html! {
        <div class="field">
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <select id={props.id.clone()} name={props.id.clone()} {onchange}
                aria-invalid={props.error.is_some().then_some("true")}
                aria-describedby={props.error.is_some().then(|| error_id.clone())}>
                { for props.options.iter().map(|o| html! {
                    <option value={o.clone()} selected={*o == props.value}>{ o }</option>
                }) }
            </select>
            if let Some(error) = &props.error {
                <p class="error" id={error_id}>{ error }</p>
            }
        </div>
    }
}

#[function_component]
pub(crate) fn Preview(props: &SignedProps) -> Html {
    let signed = props.signed.clone();
    let choices = use_state(|| None::<Choices>);
    let code = use_state(String::new);
    let style = use_state(String::new);
    let template = use_state(String::new);
    let items = use_state(String::new);
    let incentives = use_state(Vec::<String>::new);
    let presentation = use_state(|| "popup".to_owned());
    let lang = use_state(String::new);
    let problem = use_state(|| None::<Problem>);
    let shown = use_state(|| None::<PreviewAnswer>);
    // A reason code chosen fills the form with its own parts.
    let fill = {
        let (code, style, template, items, incentives, presentation) = (
            code.clone(),
            style.clone(),
            template.clone(),
            items.clone(),
            incentives.clone(),
            presentation.clone(),
        );
        move |record: &Value| {
            let text = |key: &str| record[key].as_str().unwrap_or_default().to_owned();
            code.set(text("code"));
            style.set(text("style"));
            template.set(text("template"));
            items.set(list_of(&record["default_items"]).join(", "));
            incentives.set(list_of(&record["incentives"]));
            presentation.set(match text("presentation").as_str() {
                "" => "popup".to_owned(),
                other => other.to_owned(),
            });
        }
    };
    {
        let (choices, fill) = (choices.clone(), fill.clone());
        use_effect_with((), move |()| {
            spawn_local(async move {
                let codes = api::get::<Vec<Value>>("/v1/admin/reason-codes")
                    .await
                    .unwrap_or_default();
                if let Some(first) = codes.first() {
                    fill(first);
                }
                choices.set(Some(Choices {
                    codes,
                    styles: ids("styles", "id").await,
                    templates: ids("templates", "id").await,
                    incentives: ids("incentives", "id").await,
                }));
            });
        });
    }
    let Some(known) = (*choices).clone() else {
        return html! { <><h1>{ "Preview" }</h1><p>{ "Loading…" }</p></> };
    };
    if known.codes.is_empty() {
        return html! {
            <>
                <h1>{ "Preview" }</h1>
                <p>{ "No reason codes yet: add one under " }<a href="#/offers">{ "Offers" }</a>{ " to preview its offer." }</p>
            </>
        };
    }
    let on_code = {
        let (codes, fill) = (known.codes.clone(), fill.clone());
        Callback::from(move |chosen: String| {
            if let Some(record) = codes.iter().find(|r| r["code"] == chosen.as_str()) {
                fill(record);
            }
        })
    };
    let onsubmit = {
        let (code, style, template, items, incentives, presentation, lang) = (
            code.clone(),
            style.clone(),
            template.clone(),
            items.clone(),
            incentives.clone(),
            presentation.clone(),
            lang.clone(),
        );
        let (problem, shown, csrf) = (problem.clone(), shown.clone(), signed.csrf_token.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let skus: Vec<String> = items
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let Ok(reason_code) = ReasonCode::parse(&code) else {
                problem.set(Some(Problem {
                    status: 422,
                    title: "Choose a reason code".into(),
                    detail: "choose one of your reason codes".into(),
                    field: Some("reason_code".into()),
                }));
                return;
            };
            let asked = PreviewRequest {
                reason_code,
                style: Some((*style).clone()),
                template: Some((*template).clone()),
                items: (!skus.is_empty()).then_some(skus),
                incentives: Some((*incentives).clone()),
                presentation: Some(if *presentation == "iframe" {
                    Presentation::Iframe
                } else {
                    Presentation::Popup
                }),
                lang: (!lang.trim().is_empty()).then(|| lang.trim().to_owned()),
            };
            let (problem, shown, csrf) = (problem.clone(), shown.clone(), csrf.clone());
            spawn_local(async move {
                match api::send::<PreviewAnswer, _>(
                    "POST",
                    "/v1/console/previews",
                    Some(&csrf),
                    Some(&asked),
                )
                .await
                {
                    Ok(answer) => {
                        problem.set(None);
                        shown.set(Some(answer));
                    }
                    Err(refused) => {
                        shown.set(None);
                        problem.set(Some(refused));
                    }
                }
            });
        })
    };
    let about = |field: &str| form::about(&problem, field);
    // A refusal of a list or of one of its entries (`items[2]`).
    let about_list = |list: &str| {
        (*problem).as_ref().and_then(|p| {
            p.field
                .as_deref()
                .filter(|f| f.starts_with(list))
                .map(|_| p.detail.clone())
        })
    };
    let (items_error, incentives_error) = (about_list("items"), about_list("incentives"));
    let code_ids: Vec<String> = known
        .codes
        .iter()
        .filter_map(|r| r["code"].as_str().map(str::to_owned))
        .collect();
    let toggles = known.incentives.iter().map(|id| {
        let checked = incentives.contains(id);
        let onchange = {
            let (incentives, id) = (incentives.clone(), id.clone());
            Callback::from(move |e: Event| {
                let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                let mut now: Vec<String> = (*incentives).clone();
                now.retain(|i| *i != id);
                if on {
                    now.push(id.clone());
                }
                incentives.set(now);
            })
        };
        let input_id = format!("preview-incentive-{id}");
        html! {
            <div class="check">
                <input type="checkbox" id={input_id.clone()} checked={checked} {onchange} />
                <label for={input_id}>{ id }</label>
            </div>
        }
    });
    let frames = (*shown).as_ref().map(|answer| {
        html! {
            <div class="previews">
                <figure class="preview desktop">
                    <div class="viewport">
                        <iframe src={answer.page.clone()} title="The offer at desktop width (1024 pixels)" width="1024" height="720"></iframe>
                    </div>
                    <figcaption>{ "Desktop, 1024 pixels wide" }</figcaption>
                </figure>
                <figure class="preview phone">
                    <iframe src={answer.page.clone()} title="The offer at phone width (390 pixels)" width="390" height="720"></iframe>
                    <figcaption>{ "Phone, 390 pixels wide" }</figcaption>
                </figure>
            </div>
        }
    });
    html! {
        <>
            <h1>{ "Preview" }</h1>
            <p>{ "An offer as your customers see it after they pay, drawn by the widget itself. Nothing is shown to anyone else, counted or ordered." }</p>
            <form class="preview-form" {onsubmit} novalidate=true>
                <Select id="preview-code" label="Reason code" options={code_ids} value={(*code).clone()} onchange={on_code} error={about("reason_code")} />
                <Select id="preview-style" label="Style" options={known.styles.clone()} value={(*style).clone()} onchange={setter(&style)} error={about("style")} />
                <Select id="preview-template" label="Template" options={known.templates.clone()} value={(*template).clone()} onchange={setter(&template)} error={about("template")} />
                <Field id="preview-items" label="Items (SKUs, comma-separated)" value={(*items).clone()} oninput={setter(&items)} error={items_error} />
                <fieldset>
                    <legend>{ "Incentives the customer may pick" }</legend>
                    if known.incentives.is_empty() { <p>{ "No incentives yet." }</p> }
                    { for toggles }
                    if let Some(error) = incentives_error { <p class="error">{ error }</p> }
                </fieldset>
                <Select id="preview-presentation" label="Presentation" options={vec!["popup".to_owned(), "iframe".to_owned()]} value={(*presentation).clone()} onchange={setter(&presentation)} />
                <Field id="preview-lang" label="Customer's language (empty: the template's)" value={(*lang).clone()} oninput={setter(&lang)} error={about("lang")} />
                if let Some(message) = form::general(&problem) {
                    <p class="error" role="alert">{ message }</p>
                }
                <button type="submit">{ "Show the preview" }</button>
            </form>
            { for frames }
        </>
    }
}

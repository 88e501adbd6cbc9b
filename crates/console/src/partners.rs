//! Partners: the corporate affiliations a merchant proposes, accepts and
//! ends (the operator confirms them), and, for an upseller, the agreements
//! that let an affiliate sell its items, in which handoff modes and for
//! what commission.

use serde_json::{Value, json};
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::SignedProps;
use crate::api::{self, Problem};
use crate::form::{Field, about, general, setter, text, when};

const MODES: [(&str, &str); 3] = [
    (
        "merchant_of_record",
        "Merchant of record (you sell as the affiliate)",
    ),
    (
        "payment_reference",
        "Payment reference (one corporate group)",
    ),
    ("direct_entry", "Direct entry (the customer types a card)"),
];

#[function_component]
pub(crate) fn Partners(props: &SignedProps) -> Html {
    let signed = props.signed.clone();
    let me = signed
        .merchant
        .as_ref()
        .map(|m| m.id.clone())
        .unwrap_or_default();
    let upseller = signed.merchant.as_ref().is_some_and(|m| m.upseller);
    let admin = api::is_admin(&signed);
    let reload = use_state(|| 0_u32);
    let affiliations = use_state(Vec::<Value>::new);
    let agreements = use_state(Vec::<Value>::new);
    let notice = use_state(|| None::<String>);
    let problem = use_state(|| None::<Problem>);
    let partner = use_state(String::new);
    let affiliate = use_state(String::new);
    let commission = use_state(|| "500".to_owned());
    let modes = use_state(|| vec!["direct_entry".to_owned()]);
    {
        let (affiliations, agreements) = (affiliations.clone(), agreements.clone());
        use_effect_with(*reload, move |_| {
            spawn_local(async move {
                affiliations.set(api::get("/v1/admin/affiliations").await.unwrap_or_default());
                agreements.set(api::get("/v1/admin/agreements").await.unwrap_or_default());
            });
        });
    }
    let act = {
        let (csrf, notice, problem, reload) = (
            signed.csrf_token.clone(),
            notice.clone(),
            problem.clone(),
            reload.clone(),
        );
        Callback::from(
            move |(method, path, body, done): (&'static str, String, Option<Value>, String)| {
                let (csrf, notice, problem, reload) = (
                    csrf.clone(),
                    notice.clone(),
                    problem.clone(),
                    reload.clone(),
                );
                spawn_local(async move {
                    match api::send::<Value, _>(method, &path, Some(&csrf), body.as_ref()).await {
                        Ok(_) => {
                            problem.set(None);
                            notice.set(Some(done));
                        }
                        Err(refused) => {
                            notice.set(None);
                            problem.set(Some(refused));
                        }
                    }
                    reload.set(*reload + 1);
                });
            },
        )
    };
    let propose = {
        let (act, partner) = (act.clone(), partner.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            act.emit((
                "POST",
                "/v1/admin/affiliations".into(),
                Some(json!({"partner": partner.trim()})),
                format!(
                    "Proposed to {}: it accepts, then the operator confirms.",
                    partner.trim()
                ),
            ));
        })
    };
    let grant = {
        let (act, affiliate, commission, modes) = (
            act.clone(),
            affiliate.clone(),
            commission.clone(),
            modes.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let bps: Value = commission
                .trim()
                .parse::<u64>()
                .map_or_else(|_| json!(commission.trim()), |n| json!(n));
            act.emit((
                "PUT",
                format!("/v1/admin/agreements/{}", affiliate.trim()),
                Some(json!({"modes": *modes, "commission_bps": bps})),
                format!("{} may sell your items on these terms.", affiliate.trim()),
            ));
        })
    };
    let affiliation_rows = affiliations.iter().map(|a| {
        let id = text(&a["id"]);
        let (proposer, partner_id, status) = (text(&a["proposer"]), text(&a["partner"]), text(&a["status"]));
        let other = if proposer == me { partner_id.clone() } else { proposer.clone() };
        let accept = {
            let (act, id, other) = (act.clone(), id.clone(), other.clone());
            Callback::from(move |_: MouseEvent| act.emit(("POST", format!("/v1/admin/affiliations/{id}/accept"), None, format!("Accepted {other}'s proposal: the operator confirms it next."))))
        };
        let end = {
            let (act, id, other) = (act.clone(), id.clone(), other.clone());
            Callback::from(move |_: MouseEvent| act.emit(("DELETE", format!("/v1/admin/affiliations/{id}"), None, format!("The affiliation with {other} ended."))))
        };
        let may_accept = admin && status == "proposed" && partner_id == me;
        let may_end = admin && status != "revoked";
        html! {
            <tr>
                <th scope="row">{ other.clone() }</th>
                <td>{ if proposer == me { "you" } else { "them" } }</td>
                <td>{ status.clone() }</td>
                <td>{ a["proposed_at"].as_i64().map(when).unwrap_or_default() }</td>
                <td>
                    if may_accept { <button onclick={accept} aria-label={format!("Accept {other}")}>{ "Accept" }</button>{ " " } }
                    if may_end { <button class="plain" onclick={end} aria-label={format!("End the affiliation with {other}")}>{ "End" }</button> }
                </td>
            </tr>
        }
    });
    let agreement_rows = agreements.iter().map(|a| {
        let (up, aff) = (text(&a["upseller"]), text(&a["affiliate"]));
        let given = up == me;
        let withdraw = {
            let (act, aff) = (act.clone(), aff.clone());
            Callback::from(move |_: MouseEvent| act.emit(("DELETE", format!("/v1/admin/agreements/{aff}"), None, format!("{aff} may no longer sell your items."))))
        };
        let modes: Vec<String> = a["modes"].as_array().map(|m| m.iter().map(text).collect()).unwrap_or_default();
        html! {
            <tr>
                <th scope="row">{ if given { aff.clone() } else { up.clone() } }</th>
                <td>{ if given { "you sell through them" } else { "you sell their items" } }</td>
                <td>{ modes.join(", ") }</td>
                <td class="n">{ format!("{:.2} %", a["commission_bps"].as_f64().unwrap_or(0.0) / 100.0) }</td>
                <td>{ text(&a["status"]) }</td>
                <td>
                    if given && admin && text(&a["status"]) != "withdrawn" {
                        <button class="plain" onclick={withdraw} aria-label={format!("Withdraw {aff}'s agreement")}>{ "Withdraw" }</button>
                    }
                </td>
            </tr>
        }
    });
    let mode_boxes = MODES.iter().map(|(mode, label)| {
        let checked = modes.iter().any(|m| m == mode);
        let onchange = {
            let (modes, mode) = (modes.clone(), (*mode).to_owned());
            Callback::from(move |e: Event| {
                let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                let mut now: Vec<String> = (*modes).clone();
                now.retain(|m| *m != mode);
                if on {
                    now.push(mode.clone());
                }
                modes.set(now);
            })
        };
        let id = format!("mode-{mode}");
        html! {
            <div class="check">
                <input type="checkbox" id={id.clone()} checked={checked} {onchange} />
                <label for={id}>{ *label }</label>
            </div>
        }
    });
    html! {
        <>
            <h1>{ "Partners" }</h1>
            if let Some(message) = &*notice {
                <p role="status">{ message }</p>
            }
            if let Some(message) = general(&problem) {
                <p class="error" role="alert">{ message }</p>
            }
            <h2>{ "Corporate affiliations" }</h2>
            <p>{ "Merchants of one corporate group may pass a payment reference: one proposes, the other accepts, the hub's operator confirms." }</p>
            if affiliations.is_empty() {
                <p>{ "None yet." }</p>
            } else {
                <div class="scroll" tabindex="0" role="region" aria-label="Corporate affiliations"><table>
                    <caption class="visually-hidden">{ "Corporate affiliations" }</caption>
                    <thead><tr>
                        <th scope="col">{ "With" }</th><th scope="col">{ "Proposed by" }</th>
                        <th scope="col">{ "Status" }</th><th scope="col">{ "Since" }</th><th scope="col">{ "Change" }</th>
                    </tr></thead>
                    <tbody>{ for affiliation_rows }</tbody>
                </table></div>
            }
            if admin {
                <form class="card" onsubmit={propose} novalidate=true>
                    <h3>{ "Propose an affiliation" }</h3>
                    <Field id="partner" label="The other merchant's id" value={(*partner).clone()} oninput={setter(&partner)} error={about(&problem, "partner")} />
                    <button type="submit">{ "Propose" }</button>
                </form>
            }
            <h2>{ "Agreements" }</h2>
            <p>{ "An upseller lets an affiliate sell its items, in the handoff modes it names, for a share of each sale." }</p>
            if agreements.is_empty() {
                <p>{ "None yet." }</p>
            } else {
                <div class="scroll" tabindex="0" role="region" aria-label="Agreements"><table>
                    <caption class="visually-hidden">{ "Agreements" }</caption>
                    <thead><tr>
                        <th scope="col">{ "With" }</th><th scope="col">{ "Who sells" }</th><th scope="col">{ "Modes" }</th>
                        <th scope="col" class="n">{ "Commission" }</th><th scope="col">{ "Status" }</th><th scope="col">{ "Change" }</th>
                    </tr></thead>
                    <tbody>{ for agreement_rows }</tbody>
                </table></div>
            }
            if upseller && admin {
                <form class="card" onsubmit={grant} novalidate=true>
                    <h3>{ "Let an affiliate sell your items" }</h3>
                    <Field id="agreement-affiliate" label="The affiliate's id" value={(*affiliate).clone()} oninput={setter(&affiliate)} />
                    <fieldset>
                        <legend>{ "Handoff modes" }</legend>
                        { for mode_boxes }
                        if let Some(error) = about(&problem, "modes") { <p class="error">{ error }</p> }
                    </fieldset>
                    <Field id="agreement-commission" label="The affiliate's share, in basis points (500 = 5 %)" value={(*commission).clone()} oninput={setter(&commission)} error={about(&problem, "commission_bps")} />
                    <button type="submit">{ "Save the agreement" }</button>
                </form>
            }
        </>
    }
}

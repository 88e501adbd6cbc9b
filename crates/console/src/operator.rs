//! The hub operator's page: what waits for its word (corporate affiliations
//! both merchants accepted, origins no challenge proved), the merchants and
//! their roles with an invitation for each one's admin, and the operator's
//! own people.

use serde_json::{Value, json};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::SignedProps;
use crate::api::{self, Invitation, MerchantSummary, Problem, User};
use crate::form::{Field, about, general, setter, text, when};

/// What the page reads, all at once.
#[derive(Debug, Clone, Default, PartialEq)]
struct Loaded {
    affiliations: Vec<Value>,
    origins: Vec<Value>,
    merchants: Vec<MerchantSummary>,
    people: Vec<User>,
}

async fn load() -> Result<Loaded, Problem> {
    Ok(Loaded {
        affiliations: api::get("/v1/operator/affiliations?status=accepted").await?,
        origins: api::get("/v1/operator/origins").await?,
        merchants: api::get("/v1/operator/merchants").await?,
        people: api::get("/v1/operator/users").await?,
    })
}

#[function_component]
pub(crate) fn Operator(props: &SignedProps) -> Html {
    let csrf = props.signed.csrf_token.clone();
    let loaded = use_state(|| None::<Result<Loaded, Problem>>);
    let reload = use_state(|| 0_u32);
    let notice = use_state(|| None::<String>);
    let problem = use_state(|| None::<Problem>);
    let made = use_state(|| None::<Invitation>);
    let invite_merchant = use_state(String::new);
    let invite_email = use_state(String::new);
    let operator_email = use_state(String::new);
    {
        let loaded = loaded.clone();
        use_effect_with(*reload, move |_| {
            spawn_local(async move { loaded.set(Some(load().await)) });
        });
    }
    // Sends one change, then says how it went and reads the page again.
    let act = {
        let (csrf, notice, problem, reload, made) = (
            csrf.clone(),
            notice.clone(),
            problem.clone(),
            reload.clone(),
            made.clone(),
        );
        Callback::from(
            move |(method, path, body, done): (&'static str, String, Option<Value>, String)| {
                let (csrf, notice, problem, reload, made) = (
                    csrf.clone(),
                    notice.clone(),
                    problem.clone(),
                    reload.clone(),
                    made.clone(),
                );
                spawn_local(async move {
                    match api::send::<Value, _>(method, &path, Some(&csrf), body.as_ref()).await {
                        Ok(answer) => {
                            problem.set(None);
                            notice.set(Some(done));
                            if answer.get("url").is_some() {
                                made.set(serde_json::from_value(answer).ok());
                            }
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
    let Some(state) = &*loaded else {
        return html! { <><h1>{ "Operator" }</h1><p>{ "Loading…" }</p></> };
    };
    let state = match state {
        Ok(state) => state.clone(),
        Err(problem) => {
            return html! { <><h1>{ "Operator" }</h1><p class="error" role="alert">{ problem.message() }</p></> };
        }
    };
    let affiliations = if state.affiliations.is_empty() {
        html! { <p>{ "No affiliation waits for you." }</p> }
    } else {
        html! {
            <div class="scroll" tabindex="0" role="region" aria-label="Affiliations waiting"><table>
                <caption class="visually-hidden">{ "Affiliations both merchants accepted" }</caption>
                <thead><tr>
                    <th scope="col">{ "Proposed by" }</th><th scope="col">{ "Accepted by" }</th>
                    <th scope="col">{ "Accepted" }</th><th scope="col">{ "Your word" }</th>
                </tr></thead>
                <tbody>
                    { for state.affiliations.iter().map(|a| {
                        let id = text(&a["id"]);
                        let (proposer, partner) = (text(&a["proposer"]), text(&a["partner"]));
                        let pair = format!("{proposer} and {partner}");
                        let confirm = {
                            let (act, id, pair) = (act.clone(), id.clone(), pair.clone());
                            Callback::from(move |_: MouseEvent| act.emit(("POST", format!("/v1/operator/affiliations/{id}/confirm"), None, format!("{pair} are one group now."))))
                        };
                        let refuse = {
                            let (act, id, pair) = (act.clone(), id.clone(), pair.clone());
                            Callback::from(move |_: MouseEvent| act.emit(("DELETE", format!("/v1/operator/affiliations/{id}"), None, format!("The affiliation of {pair} is refused."))))
                        };
                        html! {
                            <tr>
                                <th scope="row">{ proposer }</th>
                                <td>{ partner }</td>
                                <td>{ a["accepted_at"].as_i64().map(when).unwrap_or_default() }</td>
                                <td>
                                    <button onclick={confirm} aria-label={format!("Confirm {pair}")}>{ "Confirm" }</button>
                                    { " " }
                                    <button class="plain" onclick={refuse} aria-label={format!("Refuse {pair}")}>{ "Refuse" }</button>
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table></div>
        }
    };
    let origins = if state.origins.is_empty() {
        html! { <p>{ "No origin waits for you." }</p> }
    } else {
        html! {
            <div class="scroll" tabindex="0" role="region" aria-label="Origins waiting"><table>
                <caption class="visually-hidden">{ "Origins no challenge proved" }</caption>
                <thead><tr>
                    <th scope="col">{ "Merchant" }</th><th scope="col">{ "Origin" }</th>
                    <th scope="col">{ "Its challenge" }</th><th scope="col">{ "Your word" }</th>
                </tr></thead>
                <tbody>
                    { for state.origins.iter().map(|o| {
                        let (merchant, origin) = (text(&o["merchant_id"]), text(&o["origin"]));
                        let vouch = {
                            let (act, merchant, origin) = (act.clone(), merchant.clone(), origin.clone());
                            Callback::from(move |_: MouseEvent| act.emit((
                                "POST",
                                format!("/v1/operator/merchants/{merchant}/origins/approve"),
                                Some(json!({"origin": origin})),
                                format!("{origin} is {merchant}'s now."),
                            )))
                        };
                        html! {
                            <tr>
                                <th scope="row">{ merchant.clone() }</th>
                                <td>{ origin.clone() }</td>
                                <td><code class="link">{ text(&o["challenge_url"]) }</code></td>
                                <td><button onclick={vouch} aria-label={format!("Vouch for it: {origin} of {merchant}")}>{ "Vouch for it" }</button></td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table></div>
        }
    };
    let merchants = html! {
        <div class="scroll" tabindex="0" role="region" aria-label="Merchants"><table>
            <caption class="visually-hidden">{ "Merchants and their roles" }</caption>
            <thead><tr>
                <th scope="col">{ "Merchant" }</th><th scope="col">{ "Name" }</th>
                <th scope="col">{ "Affiliate" }</th><th scope="col">{ "Upseller" }</th>
            </tr></thead>
            <tbody>
                { for state.merchants.iter().map(|m| {
                    let toggle = |affiliate: bool, upseller: bool, what: &str| {
                        let (act, id) = (act.clone(), m.id.clone());
                        let said = format!("{}'s roles changed: {what}.", m.id);
                        Callback::from(move |_: Event| act.emit((
                            "PUT",
                            format!("/v1/operator/merchants/{id}/roles"),
                            Some(json!({"affiliate": affiliate, "upseller": upseller})),
                            said.clone(),
                        )))
                    };
                    let affiliate_id = format!("role-affiliate-{}", m.id);
                    let upseller_id = format!("role-upseller-{}", m.id);
                    html! {
                        <tr>
                            <th scope="row">{ m.id.clone() }</th>
                            <td>{ m.name.clone() }</td>
                            <td>
                                <input type="checkbox" id={affiliate_id.clone()} checked={m.affiliate}
                                    onchange={toggle(!m.affiliate, m.upseller, if m.affiliate { "no longer an affiliate" } else { "an affiliate" })} />
                                <label for={affiliate_id} class="visually-hidden">{ format!("{} is an affiliate", m.id) }</label>
                            </td>
                            <td>
                                <input type="checkbox" id={upseller_id.clone()} checked={m.upseller}
                                    onchange={toggle(m.affiliate, !m.upseller, if m.upseller { "no longer an upseller" } else { "an upseller" })} />
                                <label for={upseller_id} class="visually-hidden">{ format!("{} is an upseller", m.id) }</label>
                            </td>
                        </tr>
                    }
                }) }
            </tbody>
        </table></div>
    };
    let invite = {
        let (act, merchant, email) = (act.clone(), invite_merchant.clone(), invite_email.clone());
        let first = state
            .merchants
            .first()
            .map(|m| m.id.clone())
            .unwrap_or_default();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let id = if merchant.is_empty() {
                first.clone()
            } else {
                (*merchant).clone()
            };
            act.emit((
                "POST",
                format!("/v1/operator/merchants/{id}/invitations"),
                Some(json!({"email": *email})),
                format!("{} is invited as {id}'s admin.", *email),
            ));
        })
    };
    let invite_operator = {
        let (act, email) = (act.clone(), operator_email.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            act.emit((
                "POST",
                "/v1/operator/invitations".into(),
                Some(json!({"email": *email})),
                format!("{} is invited to operate the hub.", *email),
            ));
        })
    };
    let on_merchant = {
        let merchant = invite_merchant.clone();
        Callback::from(move |e: Event| {
            merchant.set(
                e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            );
        })
    };
    html! {
        <>
            <h1>{ "Operator" }</h1>
            if let Some(message) = &*notice {
                <p role="status">{ message }</p>
            }
            if let Some(message) = general(&problem) {
                <p class="error" role="alert">{ message }</p>
            }
            <h2>{ "Waiting for your word" }</h2>
            <h3>{ "Corporate affiliations" }</h3>
            <p>{ "Both merchants say they are one corporate group; a payment reference passes between them only once you confirm it." }</p>
            { affiliations }
            <h3>{ "Origins" }</h3>
            <p>{ "Declared by a merchant, proven by no challenge yet. Vouch only for an origin you know is theirs." }</p>
            { origins }
            <h2>{ "Merchants" }</h2>
            { merchants }
            <form class="card" onsubmit={invite} novalidate=true>
                <h3>{ "Invite a merchant's admin" }</h3>
                <div class="field">
                    <label for="invite-merchant">{ "Merchant" }</label>
                    <select id="invite-merchant" onchange={on_merchant}>
                        { for state.merchants.iter().map(|m| html! { <option value={m.id.clone()} selected={*invite_merchant == m.id}>{ format!("{} ({})", m.name, m.id) }</option> }) }
                    </select>
                </div>
                <Field id="invite-admin-email" label="E-mail address" kind="email" value={(*invite_email).clone()} oninput={setter(&invite_email)} error={about(&problem, "email")} />
                <button type="submit">{ "Invite" }</button>
            </form>
            if let Some(invitation) = &*made {
                <p>{ format!("Send {} this link, valid until {}:", invitation.email, when(invitation.expires_at)) }</p>
                <code class="link" id="invitation-link">{ invitation.url.clone().unwrap_or_default() }</code>
            }
            <h2>{ "The operator's people" }</h2>
            <ul>
                { for state.people.iter().map(|u| html! { <li>{ format!("{} ({})", u.name, u.email) }</li> }) }
            </ul>
            <form class="card" onsubmit={invite_operator} novalidate=true>
                <h3>{ "Invite someone to operate the hub" }</h3>
                <Field id="invite-operator-email" label="E-mail address" kind="email" value={(*operator_email).clone()} oninput={setter(&operator_email)} />
                <button type="submit">{ "Invite" }</button>
            </form>
        </>
    }
}

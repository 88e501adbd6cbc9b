//! One's own account: the browsers signed in (any can be ended), a new
//! password (which ends the others), and signing out.

use std::rc::Rc;

use serde_json::{Value, json};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, Problem, SessionInfo, Signed};
use crate::form::{Field, about, general, setter, when};

#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct AccountProps {
    pub(crate) signed: Rc<Signed>,
    pub(crate) on_signed_out: Callback<()>,
}

#[function_component]
pub(crate) fn Account(props: &AccountProps) -> Html {
    let signed = props.signed.clone();
    let sessions = use_state(Vec::<SessionInfo>::new);
    let reload = use_state(|| 0_u32);
    let current = use_state(String::new);
    let new = use_state(String::new);
    let problem = use_state(|| None::<Problem>);
    let changed = use_state(|| false);
    {
        let sessions = sessions.clone();
        use_effect_with(*reload, move |_| {
            spawn_local(async move {
                if let Ok(list) = api::get::<Vec<SessionInfo>>("/v1/console/sessions").await {
                    sessions.set(list);
                }
            });
        });
    }
    let csrf = signed.csrf_token.clone();
    let sign_out = {
        let (csrf, done) = (csrf.clone(), props.on_signed_out.clone());
        Callback::from(move |_: MouseEvent| {
            let (csrf, done) = (csrf.clone(), done.clone());
            spawn_local(async move {
                let _ =
                    api::send::<Value, Value>("POST", "/v1/console/sign-out", Some(&csrf), None)
                        .await;
                done.emit(());
            });
        })
    };
    let password = {
        let (current, new, problem, changed, csrf) = (
            current.clone(),
            new.clone(),
            problem.clone(),
            changed.clone(),
            csrf.clone(),
        );
        let reload = reload.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = json!({"current_password": *current, "new_password": *new});
            let (problem, changed, csrf, reload) = (
                problem.clone(),
                changed.clone(),
                csrf.clone(),
                reload.clone(),
            );
            let (current, new) = (current.clone(), new.clone());
            spawn_local(async move {
                match api::send::<Value, _>("PUT", "/v1/console/password", Some(&csrf), Some(&body))
                    .await
                {
                    Ok(_) => {
                        problem.set(None);
                        changed.set(true);
                        current.set(String::new());
                        new.set(String::new());
                        reload.set(*reload + 1);
                    }
                    Err(refused) => {
                        changed.set(false);
                        problem.set(Some(refused));
                    }
                }
            });
        })
    };
    let about = |field: &str| about(&problem, field);
    let general = general(&problem);
    html! {
        <>
            <h1>{ "Account" }</h1>
            <p>{ format!("Signed in as {} <{}>, {}.", signed.user.name, signed.user.email, signed.user.role) }</p>
            <button class="plain" onclick={sign_out}>{ "Sign out" }</button>
            <h2>{ "Signed-in browsers" }</h2>
            <div class="scroll">
                <table>
                    <caption class="visually-hidden">{ "Signed-in browsers" }</caption>
                    <thead><tr>
                        <th scope="col">{ "Browser" }</th>
                        <th scope="col">{ "Signed in" }</th>
                        <th scope="col">{ "Last used" }</th>
                        <th scope="col">{ "End" }</th>
                    </tr></thead>
                    <tbody>
                        { for sessions.iter().map(|session| {
                            let this = session.id == signed.session.id;
                            let id = session.id.clone();
                            let (csrf, reload) = (csrf.clone(), reload.clone());
                            let end = Callback::from(move |_: MouseEvent| {
                                let (id, csrf, reload) = (id.clone(), csrf.clone(), reload.clone());
                                spawn_local(async move {
                                    let path = format!("/v1/console/sessions/{id}");
                                    let _ = api::send::<Value, Value>("DELETE", &path, Some(&csrf), None).await;
                                    reload.set(*reload + 1);
                                });
                            });
                            html! {
                                <tr>
                                    <th scope="row">{ if this { format!("{} (this one)", session.user_agent) } else { session.user_agent.clone() } }</th>
                                    <td>{ when(session.created_at) }</td>
                                    <td>{ when(session.last_seen_at) }</td>
                                    <td>
                                        if !this {
                                            <button class="plain" onclick={end}>{ "End" }</button>
                                        }
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
            <h2>{ "Change your password" }</h2>
            <form class="card" onsubmit={password} novalidate=true>
                <Field id="current-password" label="Current password" kind="password" autocomplete="current-password"
                    value={(*current).clone()} oninput={setter(&current)} error={about("current_password")} required=true />
                <Field id="new-password" label="New password (12 characters or more)" kind="password" autocomplete="new-password"
                    value={(*new).clone()} oninput={setter(&new)} error={about("new_password")} required=true />
                if let Some(message) = general {
                    <p class="error" role="alert">{ message }</p>
                }
                if *changed {
                    <p class="notice" role="status">{ "Changed. Your other browsers are signed out." }</p>
                }
                <button type="submit">{ "Change password" }</button>
            </form>
        </>
    }
}

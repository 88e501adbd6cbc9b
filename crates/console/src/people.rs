//! The merchant's people: who they are and their roles; admins invite,
//! change roles and remove (the hub refuses anyone else, and says so).

use serde_json::{Value, json};
use web_sys::HtmlSelectElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::SignedProps;
use crate::api::{self, Invitation, Problem, User};
use crate::form::{Field, setter, when};

const ROLES: [&str; 3] = ["admin", "editor", "analyst"];

fn role_select(id: String, chosen: &str, onchange: Callback<Event>) -> Html {
    html! {
        <select id={id} {onchange}>
            { for ROLES.iter().map(|role| html! {
                <option value={*role} selected={*role == chosen}>{ *role }</option>
            }) }
        </select>
    }
}

#[function_component]
pub(crate) fn People(props: &SignedProps) -> Html {
    let signed = props.signed.clone();
    let admin = api::is_admin(&signed);
    let users = use_state(|| None::<Result<Vec<User>, Problem>>);
    let invitations = use_state(Vec::<Invitation>::new);
    let reload = use_state(|| 0_u32);
    let email = use_state(String::new);
    let role = use_state(|| "editor".to_owned());
    let problem = use_state(|| None::<Problem>);
    let made = use_state(|| None::<Invitation>);
    {
        let (users, invitations) = (users.clone(), invitations.clone());
        use_effect_with(*reload, move |_| {
            spawn_local(async move {
                users.set(Some(api::get::<Vec<User>>("/v1/console/users").await));
                if admin
                    && let Ok(list) = api::get::<Vec<Invitation>>("/v1/console/invitations").await
                {
                    invitations.set(list);
                }
            });
        });
    }
    let refresh = {
        let reload = reload.clone();
        move || reload.set(*reload + 1)
    };
    let csrf = signed.csrf_token.clone();
    let invite = {
        let (email, role, problem, made, csrf) = (
            email.clone(),
            role.clone(),
            problem.clone(),
            made.clone(),
            csrf.clone(),
        );
        let refresh = refresh.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = json!({"email": *email, "role": *role});
            let (problem, made, csrf, email) =
                (problem.clone(), made.clone(), csrf.clone(), email.clone());
            let refresh = refresh.clone();
            spawn_local(async move {
                match api::send::<Invitation, _>(
                    "POST",
                    "/v1/console/invitations",
                    Some(&csrf),
                    Some(&body),
                )
                .await
                {
                    Ok(invitation) => {
                        problem.set(None);
                        made.set(Some(invitation));
                        email.set(String::new());
                        refresh();
                    }
                    Err(refused) => problem.set(Some(refused)),
                }
            });
        })
    };
    let change = {
        let (problem, csrf, refresh) = (problem.clone(), csrf.clone(), refresh.clone());
        move |path: String, method: &'static str, body: Option<Value>| {
            let (problem, csrf) = (problem.clone(), csrf.clone());
            let refresh = refresh.clone();
            spawn_local(async move {
                match api::send::<Value, _>(method, &path, Some(&csrf), body.as_ref()).await {
                    Ok(_) => problem.set(None),
                    Err(refused) => problem.set(Some(refused)),
                }
                refresh();
            });
        }
    };
    let about = |field: &str| problem.as_ref().and_then(|p| p.about(field));
    let general = problem
        .as_ref()
        .filter(|p| p.field.as_deref().is_none_or(|f| f != "email"))
        .map(Problem::message);
    let user_rows = match &*users {
        None => html! { <p>{ "Loading…" }</p> },
        Some(Err(problem)) => html! { <p class="error" role="alert">{ problem.message() }</p> },
        Some(Ok(list)) => html! {
            <div class="scroll">
                <table>
                    <caption class="visually-hidden">{ "People" }</caption>
                    <thead><tr>
                        <th scope="col">{ "Name" }</th>
                        <th scope="col">{ "E-mail address" }</th>
                        <th scope="col">{ "Role" }</th>
                        if admin { <th scope="col">{ "Remove" }</th> }
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|user| {
                            let id = user.id.clone();
                            let on_role = {
                                let change = change.clone();
                                let id = id.clone();
                                Callback::from(move |e: Event| {
                                    let role = e.target_unchecked_into::<HtmlSelectElement>().value();
                                    change(format!("/v1/console/users/{id}"), "PUT", Some(json!({"role": role})));
                                })
                            };
                            let on_remove = {
                                let change = change.clone();
                                let id = id.clone();
                                Callback::from(move |_: MouseEvent| change(format!("/v1/console/users/{id}"), "DELETE", None))
                            };
                            html! {
                                <tr>
                                    <th scope="row">{ user.name.clone() }</th>
                                    <td>{ user.email.clone() }</td>
                                    <td>
                                        if admin {
                                            <label class="visually-hidden" for={format!("role-{id}")}>{ format!("Role of {}", user.name) }</label>
                                            { role_select(format!("role-{id}"), &user.role, on_role) }
                                        } else {
                                            { user.role.clone() }
                                        }
                                    </td>
                                    if admin {
                                        <td><button class="plain" onclick={on_remove} aria-label={format!("Remove {}", user.name)}>{ "Remove" }</button></td>
                                    }
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <>
            <h1>{ "People" }</h1>
            if let Some(message) = general {
                <p class="error" role="alert">{ message }</p>
            }
            { user_rows }
            if admin {
                <h2>{ "Invite someone" }</h2>
                <form class="card" onsubmit={invite} novalidate=true>
                    <Field id="invite-email" label="E-mail address" kind="email"
                        value={(*email).clone()} oninput={setter(&email)} error={about("email")} required=true />
                    <div class="field">
                        <label for="invite-role">{ "Role" }</label>
                        { role_select("invite-role".into(), &role, {
                            let role = role.clone();
                            Callback::from(move |e: Event| role.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
                        }) }
                    </div>
                    <button type="submit">{ "Invite" }</button>
                    if let Some(invitation) = &*made {
                        <div role="status">
                            <p class="notice">{ format!("Invited {}. Send them this link; it works once, for seven days:", invitation.email) }</p>
                            <code class="link" id="invitation-link">{ invitation.url.clone().unwrap_or_default() }</code>
                        </div>
                    }
                </form>
                <h2>{ "Invitations" }</h2>
                if invitations.is_empty() {
                    <p>{ "None yet." }</p>
                } else {
                    <div class="scroll">
                        <table>
                            <caption class="visually-hidden">{ "Invitations" }</caption>
                            <thead><tr>
                                <th scope="col">{ "E-mail address" }</th>
                                <th scope="col">{ "Role" }</th>
                                <th scope="col">{ "Status" }</th>
                                <th scope="col">{ "Expires" }</th>
                                <th scope="col">{ "Withdraw" }</th>
                            </tr></thead>
                            <tbody>
                                { for invitations.iter().map(|invitation| {
                                    let id = invitation.id.clone();
                                    let change = change.clone();
                                    let on_withdraw = Callback::from(move |_: MouseEvent| {
                                        change(format!("/v1/console/invitations/{id}"), "DELETE", None)
                                    });
                                    html! {
                                        <tr>
                                            <th scope="row">{ invitation.email.clone() }</th>
                                            <td>{ invitation.role.clone() }</td>
                                            <td>{ invitation.status.clone() }</td>
                                            <td>{ when(invitation.expires_at) }</td>
                                            <td>
                                                if invitation.status == "open" {
                                                    <button class="plain" onclick={on_withdraw} aria-label={format!("Withdraw the invitation of {}", invitation.email)}>{ "Withdraw" }</button>
                                                }
                                            </td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
            }
            <crate::keys::Keys signed={signed.clone()} />
        </>
    }
}

//! Signing in, and taking an invitation (which signs the new person in).

use serde_json::json;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, Problem, Signed};
use crate::form::{Field, about, general, setter};

#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct SignInProps {
    pub(crate) on_signed: Callback<Signed>,
}

#[function_component]
pub(crate) fn SignIn(props: &SignInProps) -> Html {
    let email = use_state(String::new);
    let password = use_state(String::new);
    let problem = use_state(|| None::<Problem>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (email, password, problem, busy) = (
            email.clone(),
            password.clone(),
            problem.clone(),
            busy.clone(),
        );
        let on_signed = props.on_signed.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = json!({"email": *email, "password": *password});
            let (problem, busy, on_signed) = (problem.clone(), busy.clone(), on_signed.clone());
            busy.set(true);
            spawn_local(async move {
                match api::send::<Signed, _>("POST", "/v1/console/sign-in", None, Some(&body)).await
                {
                    Ok(signed) => on_signed.emit(signed),
                    Err(refused) => problem.set(Some(refused)),
                }
                busy.set(false);
            });
        })
    };
    let about = |field: &str| about(&problem, field);
    let general = general(&problem);
    html! {
        <main class="narrow">
            <div class="card">
                <h1>{ "Sign in to postsale" }</h1>
                <form {onsubmit} novalidate=true>
                    <Field id="email" label="E-mail address" kind="email" autocomplete="username"
                        value={(*email).clone()} oninput={setter(&email)} error={about("email")} required=true />
                    <Field id="password" label="Password" kind="password" autocomplete="current-password"
                        value={(*password).clone()} oninput={setter(&password)} error={about("password")} required=true />
                    if let Some(message) = general {
                        <p class="error" role="alert">{ message }</p>
                    }
                    <button type="submit" disabled={*busy}>{ "Sign in" }</button>
                </form>
            </div>
        </main>
    }
}

#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct JoinProps {
    pub(crate) token: String,
    pub(crate) on_signed: Callback<Signed>,
}

/// The page an invitation's link opens: a name and a password.
#[function_component]
pub(crate) fn Join(props: &JoinProps) -> Html {
    let name = use_state(String::new);
    let password = use_state(String::new);
    let problem = use_state(|| None::<Problem>);
    let onsubmit = {
        let (name, password, problem) = (name.clone(), password.clone(), problem.clone());
        let (token, on_signed) = (props.token.clone(), props.on_signed.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = json!({"token": token, "name": *name, "password": *password});
            let (problem, on_signed) = (problem.clone(), on_signed.clone());
            spawn_local(async move {
                match api::send::<Signed, _>("POST", "/v1/console/join", None, Some(&body)).await {
                    Ok(signed) => on_signed.emit(signed),
                    Err(refused) => problem.set(Some(refused)),
                }
            });
        })
    };
    let about = |field: &str| about(&problem, field);
    let general = general(&problem);
    html! {
        <main class="narrow">
            <div class="card">
                <h1>{ "Join your team on postsale" }</h1>
                <p>{ "Choose the name your team sees and a password of at least 12 characters." }</p>
                <form {onsubmit} novalidate=true>
                    <Field id="name" label="Your name" autocomplete="name"
                        value={(*name).clone()} oninput={setter(&name)} error={about("name")} required=true />
                    <Field id="password" label="New password" kind="password" autocomplete="new-password"
                        value={(*password).clone()} oninput={setter(&password)} error={about("password")} required=true />
                    if let Some(message) = general {
                        <p class="error" role="alert">{ message }</p>
                    }
                    <button type="submit">{ "Join" }</button>
                </form>
            </div>
        </main>
    }
}

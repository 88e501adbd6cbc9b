//! The merchant's API keys, for machines: admins make one with a label
//! (shown once) and revoke any; everyone else reads the list.

use serde_json::{Value, json};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::SignedProps;
use crate::api::{self, ApiKeyInfo, Problem};
use crate::form::{Field, about, general, setter, when};

#[function_component]
pub(crate) fn Keys(props: &SignedProps) -> Html {
    let signed = props.signed.clone();
    let admin = api::is_admin(&signed);
    let keys = use_state(Vec::<ApiKeyInfo>::new);
    let reload = use_state(|| 0_u32);
    let label = use_state(String::new);
    let problem = use_state(|| None::<Problem>);
    let made = use_state(|| None::<ApiKeyInfo>);
    {
        let keys = keys.clone();
        use_effect_with(*reload, move |_| {
            spawn_local(async move {
                if let Ok(list) = api::get::<Vec<ApiKeyInfo>>("/v1/console/api-keys").await {
                    keys.set(list);
                }
            });
        });
    }
    let csrf = signed.csrf_token.clone();
    let make = {
        let (label, problem, made, reload, csrf) = (
            label.clone(),
            problem.clone(),
            made.clone(),
            reload.clone(),
            csrf.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = json!({"label": *label});
            let (label, problem, made, reload, csrf) = (
                label.clone(),
                problem.clone(),
                made.clone(),
                reload.clone(),
                csrf.clone(),
            );
            spawn_local(async move {
                match api::send::<ApiKeyInfo, _>(
                    "POST",
                    "/v1/console/api-keys",
                    Some(&csrf),
                    Some(&body),
                )
                .await
                {
                    Ok(key) => {
                        problem.set(None);
                        made.set(Some(key));
                        label.set(String::new());
                        reload.set(*reload + 1);
                    }
                    Err(refused) => problem.set(Some(refused)),
                }
            });
        })
    };
    let about = |field: &str| about(&problem, field);
    let general = general(&problem);
    html! {
        <>
            <h2>{ "API keys for machines" }</h2>
            <div class="scroll">
                <table>
                    <caption class="visually-hidden">{ "API keys" }</caption>
                    <thead><tr>
                        <th scope="col">{ "Label" }</th>
                        <th scope="col">{ "Made" }</th>
                        <th scope="col">{ "Status" }</th>
                        if admin { <th scope="col">{ "Revoke" }</th> }
                    </tr></thead>
                    <tbody>
                        { for keys.iter().map(|key| {
                            let id = key.id.clone();
                            let (csrf, reload, problem) = (csrf.clone(), reload.clone(), problem.clone());
                            let revoke = Callback::from(move |_: MouseEvent| {
                                let (id, csrf, reload, problem) = (id.clone(), csrf.clone(), reload.clone(), problem.clone());
                                spawn_local(async move {
                                    let path = format!("/v1/console/api-keys/{id}");
                                    if let Err(refused) = api::send::<Value, Value>("DELETE", &path, Some(&csrf), None).await {
                                        problem.set(Some(refused));
                                    }
                                    reload.set(*reload + 1);
                                });
                            });
                            html! {
                                <tr>
                                    <th scope="row">{ key.label.clone() }</th>
                                    <td>{ when(key.created_at) }</td>
                                    <td>{ key.revoked_at.map_or_else(|| "active".to_owned(), |at| format!("revoked {}", when(at))) }</td>
                                    if admin {
                                        <td>
                                            if key.revoked_at.is_none() {
                                                <button class="plain" onclick={revoke} aria-label={format!("Revoke the key {}", key.label)}>{ "Revoke" }</button>
                                            }
                                        </td>
                                    }
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
            if admin {
                <form class="card" onsubmit={make} novalidate=true aria-label="New API key">
                    <Field id="key-label" label="What the key is for" value={(*label).clone()}
                        oninput={setter(&label)} error={about("label")} required=true />
                    if let Some(message) = general {
                        <p class="error" role="alert">{ message }</p>
                    }
                    <button type="submit">{ "Make a key" }</button>
                    if let Some(key) = &*made {
                        <div role="status">
                            <p class="notice">{ format!("The key for {}, shown this once: keep it where the machine reads it.", key.label) }</p>
                            <code class="link" id="new-api-key">{ key.key.clone().unwrap_or_default() }</code>
                        </div>
                    }
                </form>
            }
        </>
    }
}

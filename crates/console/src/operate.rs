//! Operating: the merchant's orders with their consent receipts (and, for
//! admins, refunds), its webhook deliveries with a button to send one
//! again, and the audit trail of who changed what.

use serde_json::{Value, json};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::SignedProps;
use crate::api::{self, Problem};
use crate::form::{Field, general, setter, when};

/// `minor` units of `currency` as a decimal, with the code.
fn money(minor: &Value, currency: &Value) -> String {
    let (Some(minor), Some(code)) = (minor.as_i64(), currency.as_str()) else {
        return "—".into();
    };
    match postsale_protocol::CurrencyCode::parse(code)
        .ok()
        .and_then(|c| postsale_protocol::Money::from_minor(minor, c).ok())
    {
        Some(money) => format!("{code} {}", money.decimal()),
        None => format!("{code} {minor}"),
    }
}

/// A value as text, a dash for none.
fn text(value: &Value) -> String {
    match crate::form::text(value) {
        shown if shown.is_empty() => "—".into(),
        shown => shown,
    }
}

fn time(value: &Value) -> String {
    value.as_i64().map_or_else(|| "—".into(), when)
}

/// A list at `path`, read again when `reload` changes.
#[hook]
fn use_list(
    path: &'static str,
    reload: u32,
) -> UseStateHandle<Option<Result<Vec<Value>, Problem>>> {
    let list = use_state(|| None);
    {
        let list = list.clone();
        use_effect_with(reload, move |_| {
            spawn_local(async move {
                list.set(Some(api::get::<Vec<Value>>(path).await));
            });
        });
    }
    list
}

#[derive(Debug, Clone, PartialEq, Properties)]
struct OrderProps {
    id: String,
    csrf: String,
    admin: bool,
    on_changed: Callback<()>,
}

/// One order: what was bought, the consent receipt, and a refund for admins.
#[function_component]
fn OrderDetail(props: &OrderProps) -> Html {
    let order = use_state(|| None::<Result<Value, Problem>>);
    let amount = use_state(String::new);
    let problem = use_state(|| None::<Problem>);
    let done = use_state(|| None::<String>);
    let reload = use_state(|| 0_u32);
    {
        let (order, id) = (order.clone(), props.id.clone());
        use_effect_with((props.id.clone(), *reload), move |_| {
            spawn_local(async move {
                order.set(Some(
                    api::get::<Value>(&format!("/v1/admin/orders/{id}")).await,
                ));
            });
        });
    }
    let refund = {
        let (amount, problem, done, reload, id, csrf, changed) = (
            amount.clone(),
            problem.clone(),
            done.clone(),
            reload.clone(),
            props.id.clone(),
            props.csrf.clone(),
            props.on_changed.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = if amount.trim().is_empty() {
                json!({})
            } else {
                json!({"amount": amount.trim()})
            };
            let (problem, done, reload, id, csrf, changed) = (
                problem.clone(),
                done.clone(),
                reload.clone(),
                id.clone(),
                csrf.clone(),
                changed.clone(),
            );
            spawn_local(async move {
                let path = format!("/v1/admin/orders/{id}/refund");
                match api::send::<Value, _>("POST", &path, Some(&csrf), Some(&body)).await {
                    Ok(answer) => {
                        problem.set(None);
                        let refund = &answer["refund"];
                        done.set(Some(format!(
                            "Refund {}: {} {}",
                            text(&refund["status"]),
                            text(&refund["currency"]),
                            text(&refund["amount"])
                        )));
                        reload.set(*reload + 1);
                        changed.emit(());
                    }
                    Err(refused) => problem.set(Some(refused)),
                }
            });
        })
    };
    let Some(loaded) = &*order else {
        return html! { <p>{ "Loading…" }</p> };
    };
    let order = match loaded {
        Ok(order) => order,
        Err(problem) => return html! { <p class="error" role="alert">{ problem.message() }</p> },
    };
    let currency = &order["currency"];
    let items = order["items"].as_array().cloned().unwrap_or_default();
    let receipt = &order["consent_receipt"];
    html! {
        <section class="card" aria-labelledby="order-detail-title">
            <h3 id="order-detail-title">{ format!("Order {}", props.id) }</h3>
            <dl class="pairs">
                <dt>{ "Status" }</dt><dd>{ text(&order["status"]) }</dd>
                <dt>{ "Reason code" }</dt><dd>{ text(&order["reason_code"]) }</dd>
                <dt>{ "Handoff mode" }</dt><dd>{ text(&order["mode"]) }</dd>
                <dt>{ "Amount" }</dt><dd>{ money(&order["amount_minor"], currency) }</dd>
                <dt>{ "Refunded" }</dt><dd>{ money(&order["refunded_minor"], currency) }</dd>
                <dt>{ "Placed" }</dt><dd>{ time(&order["created_at"]) }</dd>
            </dl>
            <h4>{ "Items" }</h4>
            <ul>
                { for items.iter().map(|item| html! {
                    <li>{ format!("{} × {} ({}) at {}", text(&item["quantity"]), text(&item["name"]), text(&item["sku"]), text(&item["unit_price"])) }</li>
                }) }
            </ul>
            <h4>{ "Consent receipt" }</h4>
            if receipt.is_null() {
                <p>{ "No receipt is kept for this order." }</p>
            } else {
                <dl class="pairs">
                    <dt>{ "Confirmed" }</dt><dd>{ time(&receipt["at"]) }</dd>
                    <dt>{ "By" }</dt><dd>{ text(&receipt["action"]) }</dd>
                    <dt>{ "Amount consented" }</dt><dd>{ money(&receipt["amount_minor"], &receipt["currency"]) }</dd>
                    <dt>{ "Disclosure shown" }</dt><dd><q>{ text(&receipt["disclosure_text"]) }</q></dd>
                    <dt>{ "Its SHA-256" }</dt><dd><code>{ text(&receipt["disclosure_sha256"]) }</code></dd>
                </dl>
            }
            if props.admin {
                <form class="card" onsubmit={refund} novalidate=true>
                    <h4>{ "Refund" }</h4>
                    <Field id="refund-amount" label="Amount (empty: all that is left)" value={(*amount).clone()} oninput={setter(&amount)} error={crate::form::about(&problem, "amount")} />
                    if let Some(message) = general(&problem) {
                        <p class="error" role="alert">{ message }</p>
                    }
                    if let Some(message) = &*done {
                        <p role="status">{ message }</p>
                    }
                    <button type="submit">{ "Refund" }</button>
                </form>
            }
        </section>
    }
}

#[function_component]
pub(crate) fn Orders(props: &SignedProps) -> Html {
    let signed = props.signed.clone();
    let admin = api::is_admin(&signed);
    let may_edit = matches!(signed.user.role.as_str(), "admin" | "editor");
    let upseller = signed.merchant.as_ref().is_some_and(|m| m.upseller);
    let reload = use_state(|| 0_u32);
    let orders = use_list("/v1/admin/orders?limit=50", *reload);
    let deliveries = use_list("/v1/admin/webhooks?limit=50", *reload);
    let trail = use_list("/v1/console/audit?limit=50", *reload);
    let open = use_state(|| None::<String>);
    let notice = use_state(|| None::<String>);
    let changed = {
        let reload = reload.clone();
        Callback::from(move |()| reload.set(*reload + 1))
    };
    let orders_table = match &*orders {
        None => html! { <p>{ "Loading…" }</p> },
        Some(Err(problem)) => html! { <p class="error" role="alert">{ problem.message() }</p> },
        Some(Ok(list)) if list.is_empty() => html! { <p>{ "No orders yet." }</p> },
        Some(Ok(list)) => html! {
            <div class="scroll" tabindex="0" role="region" aria-label="Orders"><table>
                <caption class="visually-hidden">{ "Orders" }</caption>
                <thead><tr>
                    <th scope="col">{ "Order" }</th><th scope="col">{ "Placed" }</th>
                    <th scope="col">{ "Reason code" }</th><th scope="col">{ "Status" }</th>
                    <th scope="col" class="n">{ "Amount" }</th><th scope="col" class="n">{ "Refunded" }</th>
                    <th scope="col">{ "Details" }</th>
                </tr></thead>
                <tbody>
                    { for list.iter().map(|order| {
                        let id = text(&order["id"]);
                        let show = {
                            let (open, id) = (open.clone(), id.clone());
                            Callback::from(move |_: MouseEvent| open.set(Some(id.clone())))
                        };
                        html! {
                            <tr>
                                <th scope="row">{ id.clone() }</th>
                                <td>{ time(&order["created_at"]) }</td>
                                <td>{ text(&order["reason_code"]) }</td>
                                <td>{ text(&order["status"]) }</td>
                                <td class="n">{ money(&order["amount_minor"], &order["currency"]) }</td>
                                <td class="n">{ money(&order["refunded_minor"], &order["currency"]) }</td>
                                <td><button class="plain" onclick={show} aria-label={format!("Details of {id}")}>{ "Details" }</button></td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table></div>
        },
    };
    let deliveries_table = match &*deliveries {
        None => html! { <p>{ "Loading…" }</p> },
        Some(Err(problem)) => html! { <p class="error" role="alert">{ problem.message() }</p> },
        Some(Ok(list)) if list.is_empty() => html! { <p>{ "No webhooks sent yet." }</p> },
        Some(Ok(list)) => html! {
            <div class="scroll" tabindex="0" role="region" aria-label="Webhook deliveries"><table>
                <caption class="visually-hidden">{ "Webhook deliveries" }</caption>
                <thead><tr>
                    <th scope="col">{ "Delivery" }</th><th scope="col">{ "Order" }</th>
                    <th scope="col">{ "Status" }</th><th scope="col" class="n">{ "Attempts" }</th>
                    <th scope="col">{ "Last error" }</th>
                    if may_edit { <th scope="col">{ "Send again" }</th> }
                </tr></thead>
                <tbody>
                    { for list.iter().map(|delivery| {
                        let id = text(&delivery["id"]);
                        let status = text(&delivery["status"]);
                        let retry = {
                            let (id, csrf, notice, reload) = (id.clone(), signed.csrf_token.clone(), notice.clone(), reload.clone());
                            Callback::from(move |_: MouseEvent| {
                                let (id, csrf, notice, reload) = (id.clone(), csrf.clone(), notice.clone(), reload.clone());
                                spawn_local(async move {
                                    let path = format!("/v1/admin/webhooks/{id}/retry");
                                    let said = match api::send::<Value, ()>("POST", &path, Some(&csrf), None).await {
                                        Ok(_) => format!("{id} is sent again within seconds."),
                                        Err(problem) => format!("{id} was not sent again: {}", problem.message()),
                                    };
                                    notice.set(Some(said));
                                    reload.set(*reload + 1);
                                });
                            })
                        };
                        html! {
                            <tr>
                                <th scope="row">{ id.clone() }</th>
                                <td>{ text(&delivery["order_id"]) }</td>
                                <td>{ status.clone() }</td>
                                <td class="n">{ text(&delivery["attempts"]) }</td>
                                <td>{ text(&delivery["last_error"]) }</td>
                                if may_edit {
                                    <td>
                                        if status != "delivered" {
                                            <button class="plain" onclick={retry} aria-label={format!("Send again: {id}")}>{ "Send again" }</button>
                                        }
                                    </td>
                                }
                            </tr>
                        }
                    }) }
                </tbody>
            </table></div>
        },
    };
    let trail_table = match &*trail {
        None => html! { <p>{ "Loading…" }</p> },
        Some(Err(problem)) => html! { <p class="error" role="alert">{ problem.message() }</p> },
        Some(Ok(list)) if list.is_empty() => html! { <p>{ "No changes yet." }</p> },
        Some(Ok(list)) => html! {
            <div class="scroll" tabindex="0" role="region" aria-label="Who changed what"><table>
                <caption class="visually-hidden">{ "Who changed what" }</caption>
                <thead><tr>
                    <th scope="col">{ "When" }</th><th scope="col">{ "Who" }</th>
                    <th scope="col">{ "What" }</th><th scope="col" class="n">{ "Answer" }</th>
                </tr></thead>
                <tbody>
                    { for list.iter().map(|entry| html! {
                        <tr>
                            <th scope="row">{ time(&entry["at"]) }</th>
                            <td>{ text(&entry["actor_label"]) }</td>
                            <td><code>{ format!("{} {}", text(&entry["method"]), text(&entry["path"])) }</code></td>
                            <td class="n">{ text(&entry["status"]) }</td>
                        </tr>
                    }) }
                </tbody>
            </table></div>
        },
    };
    html! {
        <>
            <h1>{ "Orders" }</h1>
            <h2>{ "Orders" }</h2>
            { orders_table }
            if let Some(id) = &*open {
                <OrderDetail key={id.clone()} id={id.clone()} csrf={signed.csrf_token.clone()} admin={admin} on_changed={changed.clone()} />
            }
            if upseller {
                <h2>{ "Webhook deliveries" }</h2>
                if let Some(message) = &*notice {
                    <p role="status">{ message }</p>
                }
                { deliveries_table }
            }
            <h2>{ "Who changed what" }</h2>
            { trail_table }
        </>
    }
}

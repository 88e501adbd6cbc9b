//! What the merchant's offers earn: a window of days beside the one before
//! it, a daily chart, and tables per reason code, other party and item.

use postsale_protocol::day_text;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::SignedProps;
use crate::api::{self, Figures, Problem, Report, Row};
use crate::chart::{Chart, Series};
use crate::form::amounts;

/// Today, as days since 1970-01-01 by the browser's clock (UTC, as the hub counts).
fn today() -> i64 {
    (js_sys::Date::now() / 86_400_000.0).floor() as i64
}

fn rate(r: f64) -> String {
    format!("{:.1} %", r * 100.0)
}

/// The figures merchants read, each beside the previous window's.
fn figures(now: &Figures, before: &Figures) -> Html {
    let rows: [(&str, String, String); 7] = [
        ("Showings", now.shown.to_string(), before.shown.to_string()),
        ("Views", now.viewed.to_string(), before.viewed.to_string()),
        (
            "Acceptance rate",
            rate(now.acceptance_rate),
            rate(before.acceptance_rate),
        ),
        (
            "Upsell revenue (refunds taken off)",
            amounts(&now.net_revenue),
            amounts(&before.net_revenue),
        ),
        (
            "Revenue per transaction",
            amounts(&now.revenue_per_transaction),
            amounts(&before.revenue_per_transaction),
        ),
        (
            "Average upsell",
            amounts(&now.average_upsell),
            amounts(&before.average_upsell),
        ),
        ("Refunds", amounts(&now.refunds), amounts(&before.refunds)),
    ];
    html! {
        <dl class="figures">
            { for rows.into_iter().map(|(name, value, earlier)| html! {
                <div>
                    <dt>{ name }</dt>
                    <dd>{ value }<span class="before">{ format!("previous period: {earlier}") }</span></dd>
                </div>
            }) }
        </dl>
    }
}

fn table(caption: &str, key: &str, rows: &[Row]) -> Html {
    if rows.is_empty() {
        return html! { <p>{ format!("{caption}: nothing in this period.") }</p> };
    }
    html! {
        <div class="scroll">
            <table>
                <caption class="visually-hidden">{ caption.to_owned() }</caption>
                <thead><tr>
                    <th scope="col">{ key.to_owned() }</th>
                    <th scope="col" class="n">{ "Showings" }</th>
                    <th scope="col" class="n">{ "Accepted" }</th>
                    <th scope="col" class="n">{ "Acceptance" }</th>
                    <th scope="col" class="n">{ "Net revenue" }</th>
                </tr></thead>
                <tbody>
                    { for rows.iter().map(|row| html! {
                        <tr>
                            <th scope="row">{ row.key.clone() }</th>
                            <td class="n">{ row.figures.shown }</td>
                            <td class="n">{ row.figures.accepted }</td>
                            <td class="n">{ rate(row.figures.acceptance_rate) }</td>
                            <td class="n">{ amounts(&row.figures.net_revenue) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

fn report_view(report: &Report) -> Html {
    let days: Vec<String> = report.days.iter().map(|d| d.date.clone()).collect();
    let counts = vec![
        Series {
            name: "Showings".into(),
            colour: "#1f5fbf",
            values: report.days.iter().map(|d| d.shown as f64).collect(),
        },
        Series {
            name: "Accepted".into(),
            colour: "#17663a",
            values: report.days.iter().map(|d| d.accepted as f64).collect(),
        },
    ];
    // One line per currency the window earned in.
    let currencies: std::collections::BTreeSet<&String> = report
        .days
        .iter()
        .flat_map(|d| d.net_revenue.keys())
        .collect();
    let colours = ["#8a3ffc", "#b45309", "#0e7490"];
    let money: Vec<Series> = currencies
        .iter()
        .zip(colours.iter().cycle())
        .map(|(currency, colour)| Series {
            name: format!("Net revenue, {currency}"),
            colour,
            values: report
                .days
                .iter()
                .map(|d| {
                    d.net_revenue
                        .get(*currency)
                        .and_then(|a| a.parse().ok())
                        .unwrap_or(0.0)
                })
                .collect(),
        })
        .collect();
    let other = if report.side == "affiliate" {
        "Upseller"
    } else {
        "Affiliate"
    };
    html! {
        <>
            <p>{ format!("{} to {}, beside {} to {}.", report.from, report.to, report.previous_from, report.previous_to) }</p>
            { figures(&report.current, &report.previous) }
            <h2>{ "Day by day" }</h2>
            <Chart id="chart-counts" title="Showings and accepted offers per day" days={days.clone()} series={counts} />
            if !money.is_empty() {
                <Chart id="chart-revenue" title="Net upsell revenue per day" days={days} series={money} />
            }
            <h2>{ "By reason code" }</h2>
            { table("By reason code", "Reason code", &report.reason_codes) }
            <h2>{ format!("By {}", other.to_lowercase()) }</h2>
            { table(&format!("By {}", other.to_lowercase()), other, &report.counterparts) }
            <h2>{ "By item" }</h2>
            if report.items.is_empty() {
                <p>{ "By item: nothing sold in this period." }</p>
            } else {
                <div class="scroll">
                    <table>
                        <caption class="visually-hidden">{ "By item" }</caption>
                        <thead><tr>
                            <th scope="col">{ "Item" }</th>
                            <th scope="col" class="n">{ "Price" }</th>
                            <th scope="col" class="n">{ "Orders" }</th>
                            <th scope="col" class="n">{ "Units" }</th>
                            <th scope="col" class="n">{ "Revenue at list price" }</th>
                        </tr></thead>
                        <tbody>
                            { for report.items.iter().map(|item| html! {
                                <tr>
                                    <th scope="row">{ format!("{} ({})", item.name, item.sku) }</th>
                                    <td class="n">{ format!("{} {}", item.currency, item.unit_price) }</td>
                                    <td class="n">{ item.orders }</td>
                                    <td class="n">{ item.units }</td>
                                    <td class="n">{ format!("{} {}", item.currency, item.list_revenue) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            }
            <h2>{ "What you and each party owe" }</h2>
            if report.balances.is_empty() {
                <p>{ "Nothing settled in this period." }</p>
            } else {
                <ul>
                    { for report.balances.iter().map(|b| html! {
                        <li>{ format!("{}: {} (positive: owed to you)", b.counterpart, amounts(&b.owed)) }</li>
                    }) }
                </ul>
            }
        </>
    }
}

#[function_component]
pub(crate) fn Overview(props: &SignedProps) -> Html {
    let merchant = props.signed.merchant.clone();
    let both = merchant.as_ref().is_some_and(|m| m.affiliate && m.upseller);
    let first_side = match &merchant {
        Some(m) if !m.affiliate => "upseller",
        _ => "affiliate",
    };
    let to = use_state(|| day_text(today()));
    let from = use_state(|| day_text(today() - 29));
    let side = use_state(|| first_side.to_owned());
    let report = use_state(|| None::<Result<Report, Problem>>);
    {
        let report = report.clone();
        use_effect_with(
            ((*from).clone(), (*to).clone(), (*side).clone()),
            move |(from, to, side)| {
                let window = postsale_protocol::parse_day(from)
                    .zip(postsale_protocol::parse_day(to))
                    .map(|(first, last)| last - first + 1);
                match window {
                    Some(days @ 1..=366) => {
                        let path =
                            format!("/v1/admin/stats/report?to={to}&days={days}&side={side}");
                        spawn_local(async move {
                            report.set(Some(api::get::<Report>(&path).await));
                        });
                    }
                    _ => report.set(Some(Err(Problem {
                        detail: "Choose a period of 1 to 366 days, its first day first.".into(),
                        ..Problem::default()
                    }))),
                }
            },
        );
    }
    let on_date = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            if postsale_protocol::parse_day(&value).is_some() {
                state.set(value);
            }
        })
    };
    let on_side = {
        let side = side.clone();
        Callback::from(move |e: Event| {
            side.set(
                e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            );
        })
    };
    html! {
        <>
            <h1>{ "Overview" }</h1>
            <form class="range" aria-label="Period" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <div class="field">
                    <label for="from">{ "From" }</label>
                    <input id="from" type="date" value={(*from).clone()} onchange={on_date(&from)} />
                </div>
                <div class="field">
                    <label for="to">{ "To" }</label>
                    <input id="to" type="date" value={(*to).clone()} onchange={on_date(&to)} />
                </div>
                if both {
                    <div class="field">
                        <label for="side">{ "As" }</label>
                        <select id="side" onchange={on_side}>
                            <option value="affiliate" selected={*side == "affiliate"}>{ "affiliate (offers on your pages)" }</option>
                            <option value="upseller" selected={*side == "upseller"}>{ "upseller (your items on others' pages)" }</option>
                        </select>
                    </div>
                }
            </form>
            <div aria-live="polite">
                { match &*report {
                    None => html! { <p>{ "Loading…" }</p> },
                    Some(Err(problem)) => html! { <p class="error" role="alert">{ problem.message() }</p> },
                    Some(Ok(report)) => report_view(report),
                } }
            </div>
        </>
    }
}

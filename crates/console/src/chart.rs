//! A daily chart drawn as SVG by the console itself, with the same numbers
//! as a table a screen reader can use.

use yew::prelude::*;

/// One line of a chart: its name, colour and a value per day.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    pub(crate) name: String,
    pub(crate) colour: &'static str,
    pub(crate) values: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Properties)]
pub(crate) struct ChartProps {
    pub(crate) id: AttrValue,
    pub(crate) title: AttrValue,
    /// The days, `YYYY-MM-DD`.
    pub(crate) days: Vec<String>,
    pub(crate) series: Vec<Series>,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 26.0;

/// A round top for the y axis: 1, 2 or 5 times a power of ten.
fn nice_top(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let power = 10_f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|step| step * power)
        .find(|top| *top >= max)
        .unwrap_or(10.0 * power)
}

#[function_component]
pub(crate) fn Chart(props: &ChartProps) -> Html {
    let n = props.days.len().max(1);
    let max = props
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::max);
    let top = nice_top(max);
    let x = |i: usize| {
        if n == 1 {
            LEFT + (WIDTH - LEFT) / 2.0
        } else {
            LEFT + (WIDTH - LEFT - 8.0) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - v / top);
    let title_id = format!("{}-title", props.id);
    let lines = props.series.iter().map(|s| {
        let points = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect::<Vec<_>>()
            .join(" ");
        html! { <polyline points={points} fill="none" stroke={s.colour} stroke-width="2" /> }
    });
    let grid = [0.0, 0.5, 1.0].into_iter().map(|share| {
        let value = top * share;
        let at = y(value);
        html! {
            <>
                <line x1={LEFT.to_string()} x2={WIDTH.to_string()} y1={at.to_string()} y2={at.to_string()} stroke="#d5d9e0" />
                <text x={(LEFT - 6.0).to_string()} y={(at + 4.0).to_string()} text-anchor="end" font-size="11" fill="#4b5568">
                    { trim(value) }
                </text>
            </>
        }
    });
    let first = props.days.first().cloned().unwrap_or_default();
    let last = props.days.last().cloned().unwrap_or_default();
    let legend = props.series.iter().enumerate().map(|(i, s)| {
        let left = LEFT + 8.0 + 140.0 * i as f64;
        html! {
            <>
                <rect x={left.to_string()} y="2" width="10" height="10" fill={s.colour} />
                <text x={(left + 14.0).to_string()} y="11" font-size="11" fill="#1d2330">{ s.name.clone() }</text>
            </>
        }
    });
    html! {
        <figure class="chart">
            <svg viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img" aria-labelledby={title_id.clone()}>
                <title id={title_id}>{ props.title.clone() }</title>
                { for grid }
                { for lines }
                { for legend }
                <text x={LEFT.to_string()} y={(HEIGHT - 6.0).to_string()} font-size="11" fill="#4b5568">{ first }</text>
                <text x={WIDTH.to_string()} y={(HEIGHT - 6.0).to_string()} font-size="11" fill="#4b5568" text-anchor="end">{ last }</text>
            </svg>
            <figcaption>{ props.title.clone() }</figcaption>
            <details>
                <summary>{ "The chart's numbers" }</summary>
                <div class="scroll">
                    <table>
                        <caption class="visually-hidden">{ props.title.clone() }</caption>
                        <thead>
                            <tr>
                                <th scope="col">{ "Day" }</th>
                                { for props.series.iter().map(|s| html! { <th scope="col" class="n">{ s.name.clone() }</th> }) }
                            </tr>
                        </thead>
                        <tbody>
                            { for props.days.iter().enumerate().map(|(i, day)| html! {
                                <tr>
                                    <th scope="row">{ day.clone() }</th>
                                    { for props.series.iter().map(|s| html! {
                                        <td class="n">{ trim(s.values.get(i).copied().unwrap_or(0.0)) }</td>
                                    }) }
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}

/// A number without needless decimals.
fn trim(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

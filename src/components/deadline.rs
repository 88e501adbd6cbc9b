//! When the offer ends: a quiet countdown beside it, and one sentence for
//! screen readers in its last minute (a countdown read out every second
//! would drown everything else). The hub refuses the offer from that second.

use yew::prelude::*;

use postsale_protocol::{Labels, fill};

use crate::format::number;

/// The time left until `expires_at` (unix seconds) at `now`.
pub(crate) fn deadline(expires_at: i64, now: i64, words: &Labels) -> Html {
    let left = expires_at.saturating_sub(now).max(0).unsigned_abs();
    let seconds = number(left % 60 + 100);
    let clock = [
        number(left / 60).as_str(),
        ":",
        seconds.get(1..).unwrap_or_default(),
    ]
    .concat();
    let said = match left {
        0 => words.ended.as_str(),
        1..=59 => words.ends_soon.as_str(),
        _ => "",
    };
    html! {
        <>
            <p class="deadline" aria-hidden="true">{ fill(&words.ends_in, &clock) }</p>
            <p class="sr" role="status">{ said.to_owned() }</p>
        </>
    }
}

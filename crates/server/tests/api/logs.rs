//! What the hub's logs may not hold. `cargo xtask test` runs the API tests
//! once with `POSTSALE_TEST_LOG` naming a file, which gets every event at
//! trace level as JSON, then runs this scan of it (ignored otherwise: it
//! reads what the whole run left).

use postsale_protocol::SignedTicket;

use crate::helpers::{OPERATOR_KEY, SECRET};

/// The card numbers the tests type, and the customer token their tickets carry.
const NEVER: &[&str] = &[
    "4242424242424242",
    "4000000000000002",
    "4242424242424241",
    "4111111111111111",
    "4000000000000341",
    "4000000000000119",
    "cust-1",
    OPERATOR_KEY,
    SECRET,
];

/// Whether `text` holds an API key (`psk_` and 64 hex digits).
fn holds_api_key(text: &str) -> bool {
    text.match_indices("psk_").any(|(at, _)| {
        let rest = &text.as_bytes()[at + 4..];
        rest.len() >= 64 && rest[..64].iter().all(u8::is_ascii_hexdigit)
    })
}

/// Whether any word of `text` (split at quotes, spaces and the like) is a
/// signed ticket.
fn holds_ticket(text: &str) -> bool {
    text.split(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '=' | '\\' | '{' | '}')
    })
    .filter(|word| word.len() > 40)
    .any(|word| SignedTicket::parse(word).is_ok())
}

#[test]
#[ignore = "reads the log of a whole run; `cargo xtask test` runs it"]
fn no_log_line_holds_a_card_a_ticket_a_customer_token_or_a_secret() {
    let path = std::env::var("POSTSALE_TEST_LOG").expect("POSTSALE_TEST_LOG names the run's log");
    let log = std::fs::read_to_string(&path).expect("the run's log");
    let mut lines = 0;
    let mut answered = 0;
    let mut trace = 0;
    for (n, line) in log.lines().enumerate() {
        lines += 1;
        let event: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("line {n} is not JSON ({e}): {line}"));
        if event["fields"]["message"] == "answered" {
            answered += 1;
        }
        if event["level"] == "TRACE" {
            trace += 1;
        }
        for needle in NEVER {
            assert!(!line.contains(needle), "line {n} holds {needle:?}: {line}");
        }
        assert!(!holds_api_key(line), "line {n} holds an API key: {line}");
        assert!(!holds_ticket(line), "line {n} holds a ticket: {line}");
    }
    // The run did log, every request and at every level.
    assert!(answered > 1000, "{answered} request lines of {lines}");
    assert!(trace > 0, "no trace-level line in {lines}");
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    let ticket = crate::helpers::ticket(&crate::helpers::claims("LOG-1", None));
    assert!(holds_ticket(&format!(
        r#"{{"fields":{{"body":"{{\"ticket\":\"{ticket}\"}}"}}}}"#
    )));
    assert!(!holds_ticket(
        r#"{"fields":{"message":"answered","route":"/v1/opportunities"}}"#
    ));
    assert!(holds_api_key(&format!("Bearer psk_{}", "ab".repeat(32))));
    assert!(!holds_api_key("psk_short"));
}

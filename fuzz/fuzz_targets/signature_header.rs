//! Any header text and body give Ok or a typed error, never a panic; and a
//! header accepted for a body under a secret must have been made from it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postsale_protocol::{sign_request, verify_request};

const SECRET: &[u8] = b"fuzz secret";

fuzz_target!(|data: &[u8]| {
    // The first line is the header, the rest the body.
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let (header, body) = data.split_at(split);
    let Ok(header) = std::str::from_utf8(header) else {
        return;
    };
    let _ = verify_request(header, body, &[SECRET, b"", b"other"], 0);
    let _ = verify_request(header, body, &[], i64::MAX);
    let _ = verify_request(header, body, &[SECRET], i64::MIN);
    // Round trip at the header's own time, if it has one.
    if let Some(t) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split(',').next())
        .and_then(|t| t.parse::<i64>().ok())
        .filter(|t| *t >= 0)
    {
        let signed = sign_request(body, SECRET, t);
        assert_eq!(verify_request(&signed, body, &[SECRET], t), Ok(()));
    }
});

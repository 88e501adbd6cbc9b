//! Field checks shared by every record: each one names the field it refuses,
//! so the client's problem+json says exactly what to fix.

use crate::failure::Failure;

/// Plain text of 1..=max characters without control characters.
pub(crate) fn text(field: &str, value: &str, max: usize) -> Result<(), Failure> {
    if value.trim().is_empty() {
        return Err(Failure::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(Failure::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Failure::invalid(
            field,
            "must not contain control characters",
        ));
    }
    no_card_number(field, value)
}

/// A postal address: each part plain text of a sensible length, the
/// country an ISO 3166-1 alpha-2 code (upper case).
pub(crate) fn address(field: &str, address: &postsale_protocol::Address) -> Result<(), Failure> {
    let part = |name: &str| format!("{field}.{name}");
    text(&part("line1"), &address.line1, 200)?;
    if let Some(line2) = &address.line2 {
        text(&part("line2"), line2, 200)?;
    }
    text(&part("city"), &address.city, 100)?;
    if let Some(region) = &address.region {
        text(&part("region"), region, 100)?;
    }
    text(&part("postal_code"), &address.postal_code, 20)?;
    let country = address.country.as_bytes();
    if country.len() != 2 || !country.iter().all(u8::is_ascii_uppercase) {
        return Err(Failure::invalid(
            part("country"),
            "must be an ISO 3166-1 alpha-2 code, such as DE",
        ));
    }
    Ok(())
}

/// Refuses text holding what looks like a card number (the one screen of
/// `postsale_protocol::card_number_in`), naming the field, never the text.
fn no_card_number(field: &str, value: &str) -> Result<(), Failure> {
    if postsale_protocol::card_number_in(value) {
        tracing::warn!(%field, "refused text holding what looks like a card number");
        return Err(Failure::invalid(
            field,
            "holds what looks like a card number; card data is never stored",
        ));
    }
    Ok(())
}

/// An identifier: 1..=64 of `A-Z a-z 0-9 - _ .`.
pub(crate) fn ident(field: &str, value: &str) -> Result<(), Failure> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(Failure::invalid(
            field,
            "must be 1 to 64 characters of A-Z, a-z, 0-9, '-', '_', '.'",
        ))
    }
}

/// An absolute `https://` URL (or `http://` on loopback, for local set-ups).
pub(crate) fn url(field: &str, value: &str) -> Result<(), Failure> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://").filter(|r| is_loopback(r)))
        .ok_or_else(|| {
            Failure::invalid(field, "must be an https:// URL (http:// only on loopback)")
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty()
        || value.chars().count() > 2048
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Failure::invalid(field, "is not a valid URL"));
    }
    Ok(())
}

/// A web origin: scheme, host and optional port, nothing else.
pub(crate) fn origin(field: &str, value: &str) -> Result<(), Failure> {
    url(field, value)?;
    let after_scheme = value.split_once("://").map_or("", |(_, r)| r);
    if after_scheme.contains(['/', '?', '#']) {
        return Err(Failure::invalid(
            field,
            "must be an origin such as https://shop.example (no path)",
        ));
    }
    Ok(())
}

fn is_loopback(rest: &str) -> bool {
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// A `#rrggbb` colour.
pub(crate) fn colour(field: &str, value: &str) -> Result<(), Failure> {
    let ok = value.len() == 7
        && value.starts_with('#')
        && value[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(Failure::invalid(field, "must be a colour like #1a2b3c"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_except_on_loopback() {
        assert!(url("u", "https://shop.example/hook").is_ok());
        assert!(url("u", "http://127.0.0.1:8081/hook").is_ok());
        assert!(url("u", "http://shop.example/hook").is_err());
        assert!(url("u", "javascript:alert(1)").is_err());
        assert!(url("u", "https://").is_err());
    }

    #[test]
    fn origins_have_no_path() {
        assert!(origin("o", "https://shop.example").is_ok());
        assert!(origin("o", "https://shop.example/").is_err());
    }

    #[test]
    fn text_refuses_empty_long_and_control_characters() {
        assert!(text("t", "Camera strap", 10).is_err());
        assert!(text("t", " ", 10).is_err());
        assert!(text("t", "a\u{0}b", 10).is_err());
        assert!(text("t", "Strap", 10).is_ok());
        assert!(text("t", "Strap 4111 1111 1111 1111", 100).is_err());
        assert!(text("t", "Strap 4111-1111-1111-1112", 100).is_ok());
    }
}

//! Paged admin lists: `?limit=` (1 to 500, default 100) and `?cursor=`, the
//! opaque position after the last item of the page before. The body stays a
//! JSON array; when more follows, a `Link: <...>; rel="next"` header (RFC
//! 8288) gives the next page's URL.

use axum::{
    Json,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use base64::Engine;
use serde::Serialize;

use crate::failure::Failure;

/// The most one page holds, and what a page holds when not asked.
const MAX_LIMIT: usize = 500;
const DEFAULT_LIMIT: usize = 100;

/// A position in a list ordered by (time, id): the last item seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) at: i64,
    pub(crate) id: String,
}

impl Cursor {
    fn encode(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}:{}", self.at, self.id))
    }

    fn decode(text: &str) -> Option<Self> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (at, id) = text.split_once(':')?;
        let ok = !id.is_empty()
            && id.len() <= 128
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        let at = at.parse().ok()?;
        ok.then(|| Self {
            at,
            id: id.to_owned(),
        })
    }
}

/// What a request asks of a list.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    /// Items on this page.
    pub(crate) limit: usize,
    /// Start after this item.
    pub(crate) after: Option<Cursor>,
}

impl Page {
    /// Reads `limit` and `cursor` from a query string; anything else in it
    /// is refused, so a typo is not silently ignored.
    pub(crate) fn from_query(query: Option<&str>) -> Result<Self, Failure> {
        let mut page = Self {
            limit: DEFAULT_LIMIT,
            after: None,
        };
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match name {
                "limit" => {
                    page.limit = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| {
                            Failure::invalid("limit", format!("must be 1 to {MAX_LIMIT}"))
                        })?;
                }
                "cursor" => {
                    page.after = Some(Cursor::decode(value).ok_or_else(|| {
                        Failure::invalid("cursor", "is not a cursor this list gave")
                    })?);
                }
                other => {
                    return Err(Failure::invalid(
                        other.chars().take(40).collect::<String>(),
                        "is not a parameter of this list (limit, cursor)",
                    ));
                }
            }
        }
        Ok(page)
    }

    /// Where a newest-first page starts: before its cursor, or at the end.
    pub(crate) fn before(&self) -> (i64, &str) {
        self.after
            .as_ref()
            .map_or((i64::MAX, ""), |c| (c.at, c.id.as_str()))
    }

    /// What SQL asks for: one more than the page, to know whether more follow.
    pub(crate) fn fetch(&self) -> i64 {
        i64::try_from(self.limit + 1).unwrap_or(i64::MAX)
    }

    /// The page's items as a JSON array, with the next page's link when
    /// `rows` held more than the page (`cursor_of` gives an item's position).
    pub(crate) fn respond<T: Serialize>(
        &self,
        path: &str,
        mut rows: Vec<T>,
        cursor_of: impl Fn(&T) -> Cursor,
    ) -> Response {
        let more = rows.len() > self.limit;
        rows.truncate(self.limit);
        let next = rows.last().filter(|_| more).map(cursor_of);
        let mut response = Json(rows).into_response();
        if let Some(next) = next {
            let link = format!(
                "<{path}?limit={}&cursor={}>; rel=\"next\"",
                self.limit,
                next.encode()
            );
            if let Ok(value) = HeaderValue::from_str(&link) {
                response.headers_mut().insert(header::LINK, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_forgeries_do_not() {
        let cursor = Cursor {
            at: 1_795_000_000,
            id: "ord_1a".into(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        for bad in ["", "!!", "MTIz", "YWJjOmRlZg", "MTI6Jzsgb3I"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn limits_are_bounded_and_unknown_parameters_refused() {
        assert_eq!(Page::from_query(None).map(|p| p.limit).ok(), Some(100));
        assert_eq!(
            Page::from_query(Some("limit=500")).map(|p| p.limit).ok(),
            Some(500)
        );
        for bad in [
            "limit=0",
            "limit=501",
            "limit=-1",
            "limit=x",
            "cursor=%%",
            "offset=3",
        ] {
            assert!(Page::from_query(Some(bad)).is_err(), "{bad}");
        }
    }
}

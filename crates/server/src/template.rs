//! Offer copy templates: `{{name}}` placeholders filled with plain text. The
//! result is text, never markup: the widget inserts it as text nodes, so a
//! merchant's `<script>` shows as those characters and does nothing.

use crate::failure::Failure;

/// The placeholders a template may use.
pub(crate) const PLACEHOLDERS: &[&str] =
    &["first_name", "affiliate", "upseller", "points", "incentive"];

/// Checks that every `{{...}}` in `value` is a known placeholder.
pub(crate) fn check(field: &str, value: &str) -> Result<(), Failure> {
    let mut rest = value;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| Failure::invalid(field, "has a '{{' without its '}}'"))?;
        let name = after[..end].trim();
        if !PLACEHOLDERS.contains(&name) {
            return Err(Failure::invalid(
                field,
                format!(
                    "unknown placeholder {{{{{name}}}}}; known: {}",
                    PLACEHOLDERS.join(", ")
                ),
            ));
        }
        rest = &after[end + 2..];
    }
    Ok(())
}

/// Fills the placeholders; unknown ones (refused on the way in) render empty.
pub(crate) fn render(template: &str, value_of: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(&value_of(after[..end].trim()));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        let text = render(
            "Thanks {{ first_name }}, {{points}} points!",
            |name| match name {
                "first_name" => "Ada".into(),
                "points" => "50".into(),
                _ => String::new(),
            },
        );
        assert_eq!(text, "Thanks Ada, 50 points!");
    }

    #[test]
    fn unknown_and_unclosed_placeholders_are_refused() {
        assert!(check("body", "Hi {{email}}").is_err());
        assert!(check("body", "Hi {{first_name").is_err());
        assert!(check("body", "Hi {{first_name}} from {{affiliate}}").is_ok());
    }

    #[test]
    fn markup_in_values_stays_text() {
        let text = render("{{first_name}}", |_| "<script>x</script>".into());
        assert_eq!(text, "<script>x</script>");
    }
}

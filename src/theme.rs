//! The affiliate's display style, applied the only way the widget is themed:
//! `--postsale-*` custom properties on the widget's root, set through the CSSOM
//! (which a strict `style-src` allows, unlike a `style` attribute). Values from
//! the hub are checked before use.

use postsale_protocol::DisplayStyle;
use web_sys::HtmlElement;

fn is_colour(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 7 && b[0] == b'#' && b[1..].iter().all(u8::is_ascii_hexdigit)
}

fn is_font(value: &str) -> bool {
    !value.is_empty() && font_chars(value)
}

/// Letters, digits (`char::is_alphanumeric`) and ` ,-_'"` only. In the wasm
/// the browser's Unicode tables decide, through the same properties
/// (Alphabetic, Number): Rust's own copy of those tables would cost the
/// widget 1.6 KB brotli.
#[cfg(target_arch = "wasm32")]
fn font_chars(value: &str) -> bool {
    js_sys::RegExp::new(r#"^[\p{Alphabetic}\p{N} ,\-_'"]*$"#, "u").test(value)
}

#[cfg(not(target_arch = "wasm32"))]
fn font_chars(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_alphanumeric() || " ,-_'\"".contains(c))
}

/// Sets the custom properties for `style` on `root`; invalid values are skipped.
pub(crate) fn apply(root: &HtmlElement, style: &DisplayStyle) {
    let css = root.style();
    for (name, value) in [
        ("--postsale-accent", &style.accent),
        ("--postsale-text", &style.text),
        ("--postsale-surface", &style.surface),
    ] {
        if is_colour(value) {
            let _ = css.set_property(name, value);
        }
    }
    if is_font(&style.font) {
        let _ = css.set_property("--postsale-font", &style.font);
    }
    if style.radius_px > 0 {
        let radius = [crate::format::number(style.radius_px.into()).as_str(), "px"].concat();
        let _ = css.set_property("--postsale-radius", &radius);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_hex_colours_pass() {
        assert!(is_colour("#12abEF"));
        assert!(!is_colour("red"));
        assert!(!is_colour("#12ab"));
        assert!(!is_colour("#12abef;x"));
    }

    #[test]
    fn fonts_cannot_smuggle_css() {
        assert!(is_font("Georgia, 'Times New Roman', serif"));
        assert!(!is_font("x;} :host{display:none"));
        assert!(!is_font("url(https://evil)"));
    }
}

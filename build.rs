//! The widget's stylesheet, minified into the build: `www/widget.css` keeps
//! its comments and layout for people; the wasm gets it without them, and
//! the build merchants' pages load (without the `frame` feature) gets it
//! without the card form's rules as well.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=www/widget.css");
    let css = std::fs::read_to_string("www/widget.css").expect("www/widget.css is readable");
    let css = if std::env::var_os("CARGO_FEATURE_FRAME").is_some() {
        css
    } else {
        without_frame_rules(&css)
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("widget.css"), minify(&css)).expect("OUT_DIR is writable");
}

/// The marks around the rules only the frame build needs.
const FRAME_BEGIN: &str = "/* frame build only: begin";
const FRAME_END: &str = "/* frame build only: end */";

/// `css` without the part between the frame marks, marks included.
fn without_frame_rules(css: &str) -> String {
    let (Some(begin), Some(end)) = (css.find(FRAME_BEGIN), css.find(FRAME_END)) else {
        panic!("www/widget.css lost its frame build marks");
    };
    assert!(
        begin < end,
        "www/widget.css has its frame build marks the wrong way round"
    );
    [&css[..begin], &css[end + FRAME_END.len()..]].concat()
}

/// `css` without comments and without the whitespace CSS ignores: none
/// around `{`, `}`, `;` and `,`, none after `:`, one space elsewhere. A space
/// before `:` stays, as it means a descendant (`.a :focus`).
fn minify(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    text.push_str(rest);
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        let tight_before = matches!(c, '{' | '}' | ';' | ',');
        let tight_after = out.ends_with(['{', '}', ';', ',', ':']) || out.is_empty();
        if space && !tight_before && !tight_after {
            out.push(' ');
        }
        space = false;
        if c == '}' && out.ends_with(';') {
            out.pop();
        }
        out.push(c);
    }
    out
}

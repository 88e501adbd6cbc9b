//! The glue's own loaders, cut to the one way the widget is loaded.
//!
//! wasm-bindgen ends its glue with `initSync` and a default export that takes
//! a module, bytes, a `Response`, a `Request` or an address, in two calling
//! styles, and falls back from streaming compilation when a server sends the
//! wrong MIME type. The widget is loaded one way only: the loader calls the
//! default export once, with `{module_or_path}` naming the hub's copy of the
//! wasm, which the hub serves as `application/wasm`. That tail is replaced by
//! a default export doing just that (about 450 B brotli less).

use crate::run::Error;

/// Where the loaders begin: everything from here on is theirs.
const TAIL_START: &str = "async function __wbg_load(";
/// The tail as wasm-bindgen 0.2.130 writes it: these, then the export last.
const TAIL_PARTS: [&str; 3] = [
    "function initSync(",
    "async function __wbg_init(",
    "async function __wbg_init_once(",
];
const TAIL_EXPORT: &str = "export { initSync, __wbg_init as default };";
/// What the replacement calls, defined before the tail.
const KEPT: [&str; 2] = [
    "function __wbg_get_imports(",
    "function __wbg_finalize_init(",
];

const STREAMING: &str = "async function __wbg_init({ module_or_path }) {
    const imports = __wbg_get_imports();
    const { instance, module } = await WebAssembly.instantiateStreaming(fetch(module_or_path), imports);
    return __wbg_finalize_init(instance, module);
}
export { __wbg_init as default };
";

/// `js` with its loaders replaced by one streaming default export. Glue of
/// another shape is refused: the pinned wasm-bindgen writes this one.
pub(super) fn streaming_only(js: &str) -> Result<String, Error> {
    let unexpected = |what: &str| format!("the glue's loaders are not as expected: {what}");
    let at = js
        .find(TAIL_START)
        .ok_or_else(|| unexpected("no __wbg_load"))?;
    let (kept, tail) = js.split_at(at);
    if !tail.trim_end().ends_with(TAIL_EXPORT) {
        return Err(unexpected("the exports are not initSync and the default"));
    }
    if let Some(missing) = TAIL_PARTS.iter().find(|part| !tail.contains(*part)) {
        return Err(unexpected(missing));
    }
    if let Some(missing) = KEPT.iter().find(|part| !kept.contains(*part)) {
        return Err(unexpected(missing));
    }
    Ok([kept, STREAMING].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glue() -> String {
        [
            "export function start() { wasm.start(); }\n",
            "function __wbg_get_imports() { return {}; }\n",
            "function __wbg_finalize_init(instance, module) { wasm = instance.exports; }\n",
            "async function __wbg_load(module, imports) { /* fallbacks */ }\n",
            "function initSync(module) { }\n",
            "let __wbg_init_promise;\n",
            "async function __wbg_init(module_or_path) { }\n",
            "async function __wbg_init_once(module_or_path) { }\n",
            "export { initSync, __wbg_init as default };\n",
        ]
        .concat()
    }

    #[test]
    fn the_loaders_become_one_streaming_default_export() {
        let js = streaming_only(&glue()).expect("replaced");
        assert!(js.starts_with("export function start()"));
        assert!(js.contains("function __wbg_finalize_init(instance, module)"));
        for gone in [
            "__wbg_load",
            "initSync",
            "__wbg_init_once",
            "__wbg_init_promise",
        ] {
            assert!(!js.contains(gone), "{gone} left in {js}");
        }
        assert!(js.contains("instantiateStreaming(fetch(module_or_path), imports)"));
        assert!(js.trim_end().ends_with("export { __wbg_init as default };"));
    }

    #[test]
    fn glue_of_another_shape_is_refused() {
        let good = glue();
        for (from, to) in [
            ("async function __wbg_load(", "async function load("),
            ("function initSync(", "function initSynchronously("),
            (
                "export { initSync, __wbg_init as default };",
                "export { __wbg_init as default, initSync };",
            ),
            ("function __wbg_get_imports(", "function imports("),
            ("function __wbg_finalize_init(", "function finish("),
        ] {
            let bad = good.replace(from, to);
            assert!(streaming_only(&bad).is_err(), "accepted without {from}");
        }
        // Once replaced, there is nothing left to replace.
        let once = streaming_only(&good).expect("replaced");
        assert!(streaming_only(&once).is_err());
    }
}

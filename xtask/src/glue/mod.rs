//! Short names between the widget's wasm and its JS glue, and a minified glue.
//!
//! wasm-bindgen names every import after the Rust item and a 16-digit hash
//! (`__wbg_instanceof_HtmlSelectElement_e8e746c4e56224c9`) and every closure
//! shim after its full type path; each name sits once in the wasm and once
//! or more in the glue, and hashes do not compress. After trunk's build the
//! glue's loaders are cut to the one the widget uses (`init.rs`); binaryen's
//! own pass (`wasm-opt --minify-imports-and-exports-and-modules`) gives the
//! imports, their module and the exports one- or two-letter names and says
//! which; the glue gets the same names here, then terser minifies it.
//! Nothing else in either file changes.

use std::{
    path::Path,
    process::{Command, Stdio},
};

use crate::run::{Error, tool_path};

mod init;
mod table;

pub(crate) use table::empty_unreachable_slots;

/// What [`shrink`] has made of a build after one of its steps: the step's
/// name, the wasm and the glue.
pub(crate) type Stage<'a> = (&'static str, &'a [u8], &'a str);

/// Renames and minifies, in place, the build `stem` in `dir`: wasm-bindgen's
/// `{stem}_bg.wasm` and its glue `{stem}.js`; `features` are wasm-opt's
/// `--enable-…` flags for the build; `after` sees both files after each
/// step.
pub(crate) fn shrink(
    dir: &Path,
    stem: &str,
    features: &[String],
    after: &mut dyn FnMut(Stage<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    let (wasm_name, js_name) = (format!("{stem}_bg.wasm"), format!("{stem}.js"));
    let (wasm_path, js_path) = (dir.join(&wasm_name), dir.join(&js_name));
    let read = |path: &Path| std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()));
    let js = String::from_utf8(read(&js_path)?).map_err(|_| format!("{js_name} is not UTF-8"))?;
    let js = init::streaming_only(&js)?;
    after((
        "the glue keeps only the streaming loader",
        &read(&wasm_path)?,
        &js,
    ))?;
    let renames = minify_names(&wasm_path, features)?;
    let (wasm, js) = (read(&wasm_path)?, rename_js(&js, &renames)?);
    after((
        "short names for imports and exports (wasm-opt), and in the glue",
        &wasm,
        &js,
    ))?;
    let js = terser(&js, true)?;
    after(("terser minifies the glue", &wasm, &js))?;
    std::fs::write(&js_path, js).map_err(|e| format!("{}: {e}", js_path.display()))
}

/// What one wasm name became, and whether the glue defines it (an import)
/// or calls it on `wasm.` (an export).
#[derive(Debug, PartialEq)]
struct Rename {
    old: String,
    new: String,
    import: bool,
}

/// The glue's module name for its imports, as the wasm spells it.
fn is_glue_module(module: &str) -> bool {
    module.starts_with("./") && module.ends_with("_bg.js")
}

/// Has binaryen give `wasm`'s imports, their module and its exports short
/// names, in place, and answers what each became.
fn minify_names(wasm: &Path, features: &[String]) -> Result<Vec<Rename>, Error> {
    let output = Command::new("wasm-opt")
        .arg(wasm)
        .arg("-o")
        .arg(wasm)
        .arg("--minify-imports-and-exports-and-modules")
        .args(features)
        .env("PATH", tool_path())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("wasm-opt: {e} (cargo xtask setup installs it)"))?;
    if !output.status.success() {
        return Err("wasm-opt failed to minify the names".into());
    }
    let bytes = std::fs::read(wasm).map_err(|e| format!("{}: {e}", wasm.display()))?;
    renames(
        &String::from_utf8_lossy(&output.stdout),
        &import_modules(&bytes)?,
    )
}

/// The module name of each import of `wasm`, in order.
fn import_modules(wasm: &[u8]) -> Result<Vec<String>, Error> {
    let mut modules = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::ImportSection(imports) =
            payload.map_err(|e| format!("minified wasm: {e}"))?
        {
            for import in imports.into_imports() {
                modules.push(
                    import
                        .map_err(|e| format!("minified wasm: {e}"))?
                        .module
                        .to_owned(),
                );
            }
        }
    }
    Ok(modules)
}

/// The renames binaryen's `mapping` (its JSON: `imports` as `[module, old,
/// new]`, `exports` as `[old, new]`) describes, given the module names the
/// minified wasm imports from: every import must have come from the glue,
/// and all now come from one module, which the glue's module becomes.
fn renames(mapping: &str, modules_after: &[String]) -> Result<Vec<Rename>, Error> {
    let bad = |why: &str| format!("wasm-opt's name mapping: {why}");
    let mapping: serde_json::Value =
        serde_json::from_str(mapping.trim()).map_err(|e| bad(&e.to_string()))?;
    let pair = |entry: &serde_json::Value, at: usize| -> Result<String, Error> {
        entry[at]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| bad("an entry is not a list of names"))
    };
    let list = |key: &str| {
        mapping[key]
            .as_array()
            .cloned()
            .ok_or_else(|| bad(&format!("no {key} list")))
    };
    let mut out = Vec::new();
    let mut glue_module = None;
    for entry in list("imports")? {
        let module = pair(&entry, 0)?;
        if !is_glue_module(&module) {
            return Err(bad(&format!("an import from {module}, not from the glue")));
        }
        if glue_module.as_ref().is_some_and(|m| *m != module) {
            return Err(bad("imports from two glue modules"));
        }
        glue_module = Some(module);
        out.push(Rename {
            old: pair(&entry, 1)?,
            new: pair(&entry, 2)?,
            import: true,
        });
    }
    let Some(glue_module) = glue_module else {
        return Err(bad("the wasm imports nothing from its glue"));
    };
    let new_module = match modules_after {
        [first, rest @ ..] if rest.iter().all(|m| m == first) => first.clone(),
        _ => return Err(bad("the minified imports do not share one module")),
    };
    if modules_after.len() != out.len() {
        return Err(bad("it does not name every import"));
    }
    // The module name is renamed in the glue with the imports.
    out.push(Rename {
        old: glue_module,
        new: new_module,
        import: true,
    });
    for entry in list("exports")? {
        out.push(Rename {
            old: pair(&entry, 0)?,
            new: pair(&entry, 1)?,
            import: false,
        });
    }
    Ok(out)
}

/// The glue with the same renames. An import is defined once as a key of the
/// imports object (`name: function`); the module as a quoted key; an export
/// is read as `wasm.name`. Each import must be found, or the two files do not
/// belong together.
fn rename_js(js: &str, renames: &[Rename]) -> Result<String, Error> {
    let mut js = js.to_owned();
    for rename in renames {
        let (pattern, replacement) = match (rename.import, is_glue_module(&rename.old)) {
            (true, true) => (
                format!("\"{}\":", rename.old),
                format!("\"{}\":", rename.new),
            ),
            (true, false) => (format!("{}:", rename.old), format!("{}:", rename.new)),
            (false, _) => (
                format!("wasm.{}", rename.old),
                format!("wasm.{}", rename.new),
            ),
        };
        let (replaced, count) = replace_word(&js, &pattern, &replacement);
        if rename.import && count != 1 {
            return Err(format!(
                "the glue defines the import {} {count} times, not once",
                rename.old
            ));
        }
        js = replaced;
    }
    Ok(js)
}

/// `text` with every `pattern` that no identifier character touches replaced,
/// and how many were.
fn replace_word(text: &str, pattern: &str, replacement: &str) -> (String, usize) {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut rest = text;
    while let Some(at) = rest.find(pattern) {
        let touches_before = rest[..at]
            .chars()
            .last()
            .or_else(|| out.chars().last())
            .is_some_and(ident);
        let after = &rest[at + pattern.len()..];
        let touches_after = pattern.ends_with(ident) && after.starts_with(ident);
        out.push_str(&rest[..at]);
        if touches_before || touches_after {
            out.push_str(pattern);
        } else {
            out.push_str(replacement);
            count += 1;
        }
        rest = after;
    }
    out.push_str(rest);
    (out, count)
}

/// The loader as merchants' pages get it: minified, its comments left in
/// `www/postsale.js` (about a third of its brotli bytes).
pub(crate) fn minify_loader(dir: &Path) -> Result<(), Error> {
    let path = dir.join("postsale.js");
    let source = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let minified = terser(&source, false)?;
    std::fs::write(&path, minified).map_err(|e| format!("{}: {e}", path.display()))
}

/// `js` minified by terser (installed by `cargo xtask setup`): an ES module
/// (the glue) or a classic script (the loader), without comments.
fn terser(js: &str, module: bool) -> Result<String, Error> {
    let mut terser = Command::new("terser");
    terser
        .args(if module { &["--module"][..] } else { &[][..] })
        .args(["--compress", "--mangle", "--comments", "false"])
        .env("PATH", tool_path());
    let minified = crate::run::piped(&mut terser, js.as_bytes())
        .map_err(|e| format!("{e} (cargo xtask setup installs terser)"))?;
    if minified.is_empty() {
        return Err("terser wrote nothing".into());
    }
    String::from_utf8(minified).map_err(|_| "terser wrote non-UTF-8".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// binaryen's mapping for a wasm importing two glue functions and a
    /// table, exporting a function and the memory.
    const MAPPING: &str = r#"{
 "imports": [
  ["./w_bg.js", "__wbg_log_0123456789abcdef", "a"],
  ["./w_bg.js", "__wbindgen_init_externref_table", "$"],
  ["./w_bg.js", "__wbg_table_fedcba9876543210", "b"]
 ],
 "exports": [
  ["start", "c"],
  ["memory", "d"]
 ]
}
"#;

    fn after() -> Vec<String> {
        vec!["a".to_owned(); 3]
    }

    const GLUE: &str = "const i = { __wbg_log_0123456789abcdef: function(a) { log(a); },\n\
        __wbindgen_init_externref_table: function() { wasm.__wbindgen_init_externref_table_x; },\n\
        __wbg_table_fedcba9876543210: function() {} };\n\
        return { \"./w_bg.js\": i };\nexport function start() { wasm.start(); }\n\
        function mem() { return wasm.memory.buffer; } const memory = 1;";

    #[test]
    fn imports_and_exports_are_renamed_in_the_glue_as_in_the_wasm() {
        let renames = renames(MAPPING, &after()).expect("renames");
        let names: Vec<(&str, &str, bool)> = renames
            .iter()
            .map(|r| (r.old.as_str(), r.new.as_str(), r.import))
            .collect();
        assert_eq!(
            names,
            [
                ("__wbg_log_0123456789abcdef", "a", true),
                ("__wbindgen_init_externref_table", "$", true),
                ("__wbg_table_fedcba9876543210", "b", true),
                ("./w_bg.js", "a", true),
                ("start", "c", false),
                ("memory", "d", false),
            ]
        );
        let js = rename_js(GLUE, &renames).expect("glue renamed");
        assert!(js.contains("a: function(a) { log(a); }"));
        // A longer name that starts with an import's is left alone.
        assert!(js.contains("$: function() { wasm.__wbindgen_init_externref_table_x; }"));
        assert!(js.contains("return { \"a\": i }"));
        assert!(js.contains("export function start() { wasm.c(); }"));
        assert!(js.contains("return wasm.d.buffer; } const memory = 1;"));
    }

    #[test]
    fn glue_that_does_not_define_an_import_is_refused() {
        let renames = renames(MAPPING, &after()).expect("renames");
        let glue = GLUE.replace("__wbg_table_fedcba9876543210: ", "");
        let err = rename_js(&glue, &renames).expect_err("an import missing");
        assert!(
            err.contains("__wbg_table_fedcba9876543210 0 times"),
            "{err}"
        );
    }

    #[test]
    fn a_mapping_that_does_not_fit_the_glue_is_refused() {
        let refused =
            |mapping: &str, after: &[String]| renames(mapping, after).expect_err("refused");
        let env = MAPPING.replace("[\"./w_bg.js\", \"__wbg_log", "[\"env\", \"__wbg_log");
        assert!(refused(&env, &after()).contains("not from the glue"));
        let two = MAPPING.replace("[\"./w_bg.js\", \"__wbg_log", "[\"./v_bg.js\", \"__wbg_log");
        assert!(refused(&two, &after()).contains("two glue modules"));
        let split = vec!["a".to_owned(), "b".to_owned(), "a".to_owned()];
        assert!(refused(MAPPING, &split).contains("one module"));
        assert!(refused(MAPPING, &after()[..2]).contains("every import"));
        assert!(refused("{}", &after()).contains("no imports list"));
        assert!(refused("not json", &after()).contains("mapping"));
        let none = r#"{"imports": [], "exports": []}"#;
        assert!(refused(none, &[]).contains("imports nothing"));
    }
}

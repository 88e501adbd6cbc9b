//! Short names between the widget's wasm and its JS glue, and a minified glue.
//!
//! wasm-bindgen names every import after the Rust item and a 16-digit hash
//! (`__wbg_instanceof_HtmlSelectElement_e8e746c4e56224c9`) and every closure
//! shim after its full type path; each name sits once in the wasm and once
//! or more in the glue, and hashes do not compress. After trunk's build the
//! imports and exports are renamed `$a`, `$b`, ... in both files, the glue's
//! loaders are cut to the one the widget uses (`init.rs`), then terser
//! minifies the glue. Nothing else in either file changes.

use std::{
    path::Path,
    process::{Command, Stdio},
};

use crate::run::{Error, tool_path};

mod init;
mod table;
mod wasm;

pub(crate) use table::empty_unreachable_slots;
use wasm::{Reader, push_leb, push_name};

/// What [`shrink`] has made of a build after one of its steps: the step's
/// name, the wasm and the glue.
pub(crate) type Stage<'a> = (&'static str, &'a [u8], &'a str);

/// Renames and minifies, in place, the build `stem` in `dir`: wasm-bindgen's
/// `{stem}_bg.wasm` and its glue `{stem}.js`; `after` sees both files after
/// each step.
pub(crate) fn shrink(
    dir: &Path,
    stem: &str,
    after: &mut dyn FnMut(Stage<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    let (wasm_name, js_name) = (format!("{stem}_bg.wasm"), format!("{stem}.js"));
    let (wasm_name, js_name) = (wasm_name.as_str(), js_name.as_str());
    let read = |name: &str| std::fs::read(dir.join(name)).map_err(|e| format!("{name}: {e}"));
    let wasm = read(wasm_name)?;
    let js = String::from_utf8(read(js_name)?).map_err(|_| format!("{js_name} is not UTF-8"))?;
    let js = init::streaming_only(&js)?;
    after(("the glue keeps only the streaming loader", &wasm, &js))?;
    let (wasm, renames) = rename_wasm(&wasm)?;
    let js = rename_js(&js, &renames)?;
    after(("imports and exports renamed in wasm and glue", &wasm, &js))?;
    let js = terser(&js, true)?;
    after(("terser minifies the glue", &wasm, &js))?;
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.join(name), bytes).map_err(|e| format!("{name}: {e}"))
    };
    write(wasm_name, &wasm)?;
    write(js_name, js.as_bytes())
}

/// What one wasm name became, and whether the glue defines it (an import)
/// or calls it on `wasm.` (an export).
#[derive(Debug, PartialEq)]
struct Rename {
    old: String,
    new: String,
    import: bool,
}

/// The `n`th short name: `$a` .. `$Z`, `$ba` ..; valid as a JS property
/// name and as a wasm name, and never a name the glue already uses.
fn short(mut n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = Vec::new();
    loop {
        name.push(LETTERS[n % LETTERS.len()]);
        n /= LETTERS.len();
        if n == 0 {
            break;
        }
    }
    name.push(b'$');
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// The glue's module name for its imports, as the wasm spells it.
fn is_glue_module(module: &str) -> bool {
    module.starts_with("./") && module.ends_with("_bg.js")
}

/// The short module name the glue's imports move to.
const MODULE: &str = "a";

/// The wasm with its glue imports and its exports renamed, and the renames.
fn rename_wasm(wasm: &[u8]) -> Result<(Vec<u8>, Vec<Rename>), Error> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0") {
        return Err("not a wasm module (version 1)".into());
    }
    let mut out = wasm[..8].to_vec();
    let mut renames = Vec::new();
    let mut module = None;
    let mut reader = Reader { bytes: wasm, at: 8 };
    while !reader.done() {
        let id = reader.byte()?;
        let size = reader.leb()?;
        let body = reader.take(size)?;
        let body = match id {
            2 => imports(body, &mut renames, &mut module)?,
            7 => exports(body, &mut renames)?,
            _ => body.to_vec(),
        };
        out.push(id);
        push_leb(&mut out, body.len());
        out.extend_from_slice(&body);
    }
    if module.is_none() {
        return Err("the wasm imports nothing from its glue".into());
    }
    Ok((out, renames))
}

fn imports(
    body: &[u8],
    renames: &mut Vec<Rename>,
    module: &mut Option<String>,
) -> Result<Vec<u8>, Error> {
    let mut r = Reader { bytes: body, at: 0 };
    let count = r.leb()?;
    let mut out = Vec::new();
    push_leb(&mut out, count);
    for _ in 0..count {
        let from = r.name()?;
        let field = r.name()?;
        let start = r.at;
        r.import_desc()?;
        let desc = &body[start..r.at];
        if is_glue_module(from) {
            if module.as_deref().is_some_and(|m| m != from) {
                return Err(format!("imports from two glue modules: {from}"));
            }
            *module = Some(from.to_owned());
            let new = short(renames.len());
            push_name(&mut out, MODULE);
            push_name(&mut out, &new);
            renames.push(Rename {
                old: field.to_owned(),
                new,
                import: true,
            });
        } else {
            push_name(&mut out, from);
            push_name(&mut out, field);
        }
        out.extend_from_slice(desc);
    }
    r.end()?;
    // The module name is renamed in the glue with the imports.
    if let Some(from) = module {
        renames.push(Rename {
            old: from.clone(),
            new: MODULE.to_owned(),
            import: true,
        });
    }
    Ok(out)
}

fn exports(body: &[u8], renames: &mut Vec<Rename>) -> Result<Vec<u8>, Error> {
    let mut r = Reader { bytes: body, at: 0 };
    let count = r.leb()?;
    let mut out = Vec::new();
    push_leb(&mut out, count);
    for _ in 0..count {
        let name = r.name()?;
        let start = r.at;
        r.byte()?;
        r.leb()?;
        let new = short(renames.len());
        push_name(&mut out, &new);
        out.extend_from_slice(&body[start..r.at]);
        renames.push(Rename {
            old: name.to_owned(),
            new,
            import: false,
        });
    }
    r.end()?;
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
    use std::io::Write;
    let mut child = Command::new("terser")
        .args(if module { &["--module"][..] } else { &[][..] })
        .args(["--compress", "--mangle", "--comments", "false"])
        .env("PATH", tool_path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("terser: {e} (cargo xtask setup installs it)"))?;
    child
        .stdin
        .take()
        .ok_or("terser: no stdin")?
        .write_all(js.as_bytes())
        .map_err(|e| format!("terser: {e}"))?;
    let output = child
        .wait_with_output()
        .map_err(|e| format!("terser: {e}"))?;
    if !output.status.success() || output.stdout.is_empty() {
        return Err("terser failed".into());
    }
    String::from_utf8(output.stdout).map_err(|_| "terser wrote non-UTF-8".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module importing two glue functions, a memory from elsewhere and a
    /// table, exporting a function and the memory.
    fn module() -> Vec<u8> {
        let mut imports = Vec::new();
        push_leb(&mut imports, 4);
        for (module, field, desc) in [
            ("./w_bg.js", "__wbg_log_0123456789abcdef", &[0u8, 0][..]),
            ("./w_bg.js", "__wbindgen_init_externref_table", &[0, 1][..]),
            ("env", "mem", &[2, 1, 1, 2][..]),
            (
                "./w_bg.js",
                "__wbg_table_fedcba9876543210",
                &[1, 0x6f, 0, 4][..],
            ),
        ] {
            push_name(&mut imports, module);
            push_name(&mut imports, field);
            imports.extend_from_slice(desc);
        }
        let mut exports = Vec::new();
        push_leb(&mut exports, 2);
        push_name(&mut exports, "start");
        exports.extend_from_slice(&[0, 2]);
        push_name(&mut exports, "memory");
        exports.extend_from_slice(&[2, 0]);
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        // A type section, kept as it is.
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        for (id, body) in [(2u8, imports), (7, exports)] {
            wasm.push(id);
            push_leb(&mut wasm, body.len());
            wasm.extend_from_slice(&body);
        }
        wasm
    }

    const GLUE: &str = "const i = { __wbg_log_0123456789abcdef: function(a) { log(a); },\n\
        __wbindgen_init_externref_table: function() { wasm.__wbindgen_init_externref_table_x; },\n\
        __wbg_table_fedcba9876543210: function() {} };\n\
        return { \"./w_bg.js\": i };\nexport function start() { wasm.start(); }\n\
        function mem() { return wasm.memory.buffer; } const memory = 1;";

    #[test]
    fn imports_and_exports_are_renamed_in_both_files_alike() {
        let (wasm, renames) = rename_wasm(&module()).expect("renames");
        let names: Vec<(&str, &str)> = renames
            .iter()
            .map(|r| (r.old.as_str(), r.new.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("__wbg_log_0123456789abcdef", "$a"),
                ("__wbindgen_init_externref_table", "$b"),
                ("__wbg_table_fedcba9876543210", "$c"),
                ("./w_bg.js", "a"),
                ("start", "$e"),
                ("memory", "$f"),
            ]
        );
        // The new module parses to its end; it has no glue module left to
        // rename, so a second shrink is refused.
        let again = rename_wasm(&wasm).expect_err("no glue module left");
        assert!(again.contains("imports nothing from its glue"), "{again}");
        assert!(wasm.windows(5).any(|w| w == b"\x01a\x02$a"));
        assert!(wasm.windows(8).any(|w| w == b"\x03env\x03mem"));
        assert_eq!(wasm[8..14], module()[8..14]);

        let js = rename_js(GLUE, &renames).expect("glue renamed");
        assert!(js.contains("$a: function(a) { log(a); }"));
        // A longer name that starts with an import's is left alone.
        assert!(js.contains("$b: function() { wasm.__wbindgen_init_externref_table_x; }"));
        assert!(js.contains("return { \"a\": i }"));
        assert!(js.contains("export function start() { wasm.$e(); }"));
        assert!(js.contains("return wasm.$f.buffer; } const memory = 1;"));
    }

    #[test]
    fn glue_that_does_not_define_an_import_is_refused() {
        let (_, renames) = rename_wasm(&module()).expect("renames");
        let glue = GLUE.replace("__wbg_table_fedcba9876543210: ", "");
        let err = rename_js(&glue, &renames).expect_err("an import missing");
        assert!(
            err.contains("__wbg_table_fedcba9876543210 0 times"),
            "{err}"
        );
    }

    #[test]
    fn broken_modules_are_refused_not_rewritten() {
        let good = module();
        assert!(rename_wasm(b"\0asm\x02\0\0\0").is_err());
        // Cut short, and cut inside the import section.
        assert!(rename_wasm(&good[..good.len() - 12]).is_err());
        assert!(rename_wasm(&good[..40]).is_err());
        // An import kind that does not exist.
        let mut bad = good.clone();
        let field = b"__wbg_log_0123456789abcdef";
        let at = bad
            .windows(field.len())
            .position(|w| w == field)
            .expect("field");
        bad[at + field.len()] = 9;
        assert!(rename_wasm(&bad).is_err());
        // A module importing nothing from a glue.
        let bare = b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0".to_vec();
        assert!(rename_wasm(&bare).is_err());
    }

    #[test]
    fn short_names_count_on_past_one_letter() {
        assert_eq!(short(0), "$a");
        assert_eq!(short(51), "$Z");
        assert_eq!(short(52), "$ba");
        let all: std::collections::HashSet<String> = (0..3000).map(short).collect();
        assert_eq!(all.len(), 3000);
    }
}

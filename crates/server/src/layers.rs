//! The layer rule, kept by a test: no two modules of the hub import each
//! other, directly or round a loop. Each file under `src/` is a module; a
//! `use crate::...`, `use super::...` or inline `crate::...` path is an
//! arrow to the file that defines what it names. `docs/ARCHITECTURE.md`
//! says which layer each module belongs to.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// Every module file under `src`, by its module path (`registry::merchant`).
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut found = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).expect("under src");
            let mut segments: Vec<String> = relative
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if segments.last().is_some_and(|s| s == "mod") {
                segments.pop();
            }
            if segments == ["lib"] || segments == ["main"] {
                segments.clear();
            }
            found.insert(segments, path);
        }
    }
    found
}

/// The paths a `use` tree names, expanded (`a::{b, c::d}` is `a::b`, `a::c::d`).
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or(tree).trim().to_owned()];
    };
    let prefix = &tree[..open];
    let close = tree.rfind('}').filter(|c| *c > open).unwrap_or(tree.len());
    let inner = &tree[open + 1..close];
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |e| format!("{prefix}{e}")))
        .collect()
}

/// The module paths one file's source refers to, relative to the crate.
fn references(source: &str, here: &[String]) -> Vec<Vec<String>> {
    // `super` of `routes/accept.rs` (module `routes::accept`) is `routes`;
    // of `routes/mod.rs` (module `routes`), the crate.
    let parent: Vec<String> = here[..here.len().saturating_sub(1)].to_vec();
    let own: Vec<String> = here.to_vec();
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    // `use` statements: lines that start with one, up to its `;`.
    let mut paths = Vec::new();
    let mut statement: Option<String> = None;
    for line in code.lines() {
        let line = line.trim();
        let starts = ["use ", "pub use ", "pub(crate) use ", "pub(super) use "]
            .iter()
            .find_map(|p| line.strip_prefix(p));
        let text = match (&mut statement, starts) {
            (Some(open), _) => {
                open.push_str(line);
                open.clone()
            }
            (None, Some(tree)) => tree.to_owned(),
            (None, None) => continue,
        };
        match text.split_once(';') {
            Some((tree, _)) => {
                paths.extend(expand(tree));
                statement = None;
            }
            None => statement = Some(text),
        }
    }
    let mut inline = code.as_str();
    while let Some(at) = inline.find("crate::") {
        let tail = &inline[at..];
        let end = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(tail.len());
        paths.push(tail[..end].to_owned());
        inline = &tail[end..];
    }
    paths
        .into_iter()
        .filter_map(|path| {
            let segments: Vec<&str> = path.split("::").map(str::trim).collect();
            let (base, tail) = match segments.first() {
                Some(&"crate") => (Vec::new(), &segments[1..]),
                Some(&"super") => (parent.clone(), &segments[1..]),
                Some(&"self") => (own.clone(), &segments[1..]),
                _ => return None,
            };
            let mut full = base;
            full.extend(tail.iter().map(|s| (*s).to_owned()));
            Some(full)
        })
        .collect()
}

/// A module, by its path (`registry::merchant`).
type Module = Vec<String>;
/// The modules each module imports.
type Arrows = BTreeMap<Module, BTreeSet<Module>>;

/// Every module's file, and its arrows: the modules it imports.
fn arrows() -> (BTreeMap<Module, PathBuf>, Arrows) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    let mut arrows = Arrows::new();
    for (module, path) in &modules {
        let source = std::fs::read_to_string(path).expect("readable");
        for reference in references(&source, module) {
            // The file that defines it: the longest module path it starts with.
            let target = (0..=reference.len())
                .rev()
                .map(|n| reference[..n].to_vec())
                .find(|prefix| modules.contains_key(prefix));
            // The crate root (`lib.rs`) puts the modules together and is
            // left out; a folder's `mod.rs` declaring its children is not a
            // dependency on them.
            if let Some(target) = target
                && !module.is_empty()
                && !target.is_empty()
                && &target != module
                && !(target.len() > module.len() && target.starts_with(module))
            {
                arrows.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    (modules, arrows)
}

/// The bottom layers know nothing above them: `domain` (the hub's words)
/// imports nothing of the hub, and `store` (the hot rows) only `domain` and
/// itself; so neither can reach a service's failure, a handler or the state.
#[test]
fn the_domain_and_the_store_know_nothing_above_them() {
    let (modules, arrows) = arrows();
    let mut checked = 0;
    for module in modules.keys() {
        let allowed: &[&str] = match module.first().map(String::as_str) {
            Some("domain") => &["domain"],
            Some("store") => &["domain", "store"],
            _ => continue,
        };
        checked += 1;
        for target in arrows.get(module).into_iter().flatten() {
            assert!(
                allowed.contains(&target[0].as_str()),
                "{} imports {}, above it",
                module.join("::"),
                target.join("::")
            );
        }
    }
    assert!(
        checked >= 5,
        "the domain and the store's modules were found"
    );
}

/// Only the HTTP layer knows HTTP: no module outside `routes` (but the
/// crate root and `serve`, the listener) names axum, a status code or a
/// response, or imports a module of `routes`; services answer a
/// `failure::Failure`, and `routes::problem` alone makes it problem+json.
#[test]
fn only_the_http_layer_knows_http() {
    let (modules, arrows) = arrows();
    let mut checked = 0;
    for (module, path) in &modules {
        let first = module.first().map(String::as_str);
        if matches!(first, None | Some("routes" | "serve" | "layers")) {
            continue;
        }
        checked += 1;
        let source = std::fs::read_to_string(path).expect("readable");
        for line in source.lines() {
            let code = line.split("//").next().unwrap_or("");
            for word in [
                "axum",
                "IntoResponse",
                "StatusCode",
                "problem+json",
                "HttpError",
            ] {
                assert!(
                    !code.contains(word),
                    "{} knows HTTP ({word}): {line}",
                    module.join("::")
                );
            }
        }
        for target in arrows.get(module).into_iter().flatten() {
            assert!(
                target[0] != "routes",
                "{} imports {}, the HTTP layer above it",
                module.join("::"),
                target.join("::")
            );
        }
    }
    assert!(
        checked >= 30,
        "the modules below HTTP were found: {checked}"
    );
}

/// The HTTP layer runs no SQL: a handler parses, calls down, and answers.
#[test]
fn the_http_layer_runs_no_sql() {
    let (modules, _) = arrows();
    let mut checked = 0;
    for (module, path) in &modules {
        if module.first().map(String::as_str) != Some("routes") {
            continue;
        }
        checked += 1;
        let source = std::fs::read_to_string(path).expect("readable");
        for line in source.lines() {
            let code = line.split("//").next().unwrap_or("");
            assert!(
                !code.contains("sqlx") && !code.contains("rusqlite"),
                "{} runs SQL: {line}",
                module.join("::")
            );
        }
    }
    assert!(checked >= 15, "the modules of routes were found: {checked}");
}

/// SQL lives in `store`: no other module runs a query or holds a
/// statement's text, but `db`, which opens the connections and migrates.
#[test]
fn only_the_store_runs_sql() {
    const NOT_YET: &[&str] = &["db", "layers"];
    let (modules, _) = arrows();
    let mut checked = 0;
    for (module, path) in &modules {
        let name = module.join("::");
        let first = module.first().map(String::as_str);
        if matches!(first, None | Some("store"))
            || NOT_YET
                .iter()
                .any(|m| name == *m || name.starts_with(&format!("{m}::")))
        {
            continue;
        }
        checked += 1;
        let source = std::fs::read_to_string(path).expect("readable");
        for line in source.lines() {
            let code = line.split("//").next().unwrap_or("");
            for sign in [
                "sqlx::query",
                "query_scalar",
                "query_as",
                "\"SELECT ",
                "\"INSERT INTO",
                "\"UPDATE ",
                "\"DELETE FROM",
            ] {
                assert!(!code.contains(sign), "{name} runs SQL ({sign}): {line}");
            }
        }
    }
    assert!(
        checked >= 30,
        "the modules outside the store were found: {checked}"
    );
}

#[test]
fn no_module_of_the_hub_imports_another_round_a_loop() {
    let (modules, arrows) = arrows();
    // Depth-first search for a back edge.
    fn visit(
        node: &Vec<String>,
        arrows: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        path: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut circle: Vec<String> = path[at..].iter().map(|m| m.join("::")).collect();
            circle.push(node.join("::"));
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.clone());
        for next in arrows.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, arrows, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    for module in modules.keys() {
        if let Some(circle) = visit(module, &arrows, &mut Vec::new(), &mut done) {
            panic!(
                "modules import each other round a loop: {}",
                circle.join(" -> ")
            );
        }
    }
    assert!(
        arrows.values().map(BTreeSet::len).sum::<usize>() > 50,
        "the arrows were read: {arrows:?}"
    );
}

#[test]
fn use_trees_and_inline_paths_are_read() {
    let paths = expand("{a::{b, c::d}, e as f}");
    assert_eq!(paths, ["a::b", "a::c::d", "e"]);
    let found = references(
        "use crate::{state::AppState, routes::{offers::x, y}};\nfn f() { crate::ids::now(); }",
        &["orders".to_owned()],
    );
    assert!(found.contains(&vec!["state".into(), "AppState".into()]));
    assert!(found.contains(&vec!["routes".into(), "offers".into(), "x".into()]));
    assert!(found.contains(&vec!["ids".into(), "now".into()]));
}

//! The layering check, the first layer of `cargo xtask test`: the modules of
//! each crate must not import each other in a circle (a module naming its
//! parent's or its children's items is fine), and in the app (`src/`) a
//! layer must not import from one above it (`ui` above `shell` above `tab` above
//! `keys` above `workers` and `vault`, as docs/ARCHITECTURE.md draws them).
//!
//! Imports are read as text: every `crate::`, `super::` and `self::` path
//! outside comments and `#[cfg(test)]` modules, `use` trees included.
//! Circles and upward imports that exist today are listed below, so the
//! check fails on a new one and also when a listed one is gone or has
//! changed (the list then shrinks with the code): each is work still to do.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::tools::root;

/// The crates checked: their name in reports and their `src`.
const CRATES: [(&str, &str); 7] = [
    ("chain", "crates/chain/src"),
    ("protocol", "crates/protocol/src"),
    ("node", "crates/node/src"),
    ("mesh", "crates/mesh/src"),
    ("daemon", "crates/daemon/src"),
    ("relay", "crates/relay/src"),
    ("app", "src"),
];

/// Modules that exist for tests only.
const TEST_MODULES: [&str; 4] = ["tests", "testkit", "testutil", "proptests"];

/// The app's layers, top first: a module may import from its own layer and
/// the ones below.
const APP_LAYERS: [&[&str]; 5] = [
    &["app::ui"],
    &["app::shell"],
    &["app::tab"],
    &["app::keys"],
    &["app::workers", "app::vault"],
];

/// Circles that exist today, each its modules sorted: to be untied.
const KNOWN_CIRCLES: [&[&str]; 0] = [];

/// Imports from a layer above that exist today (importer, imported): to be
/// moved down.
const KNOWN_UPWARD: [(&str, &str); 0] = [];

/// What the check found.
pub struct Findings {
    /// Each circle, its modules sorted.
    pub circles: BTreeSet<Vec<String>>,
    /// Each import from a layer above: (importer's layer, imported layer).
    pub upward: BTreeSet<(String, String)>,
}

/// Runs the check; prints what is wrong; whether all is well.
pub fn check() -> bool {
    let findings = match find(&root()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("xtask: layering: {e}");
            return false;
        }
    };
    let known: BTreeSet<Vec<String>> = KNOWN_CIRCLES
        .iter()
        .map(|c| c.iter().map(|m| (*m).to_owned()).collect())
        .collect();
    let known_up: BTreeSet<(String, String)> = KNOWN_UPWARD
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    let mut ok = true;
    for circle in findings.circles.difference(&known) {
        ok = false;
        eprintln!("xtask: layering: an import circle: {}", circle.join(" ↔ "));
    }
    for circle in known.difference(&findings.circles) {
        ok = false;
        eprintln!(
            "xtask: layering: the listed circle {} is gone or changed: update KNOWN_CIRCLES in xtask/src/layering.rs",
            circle.join(" ↔ ")
        );
    }
    for (from, to) in findings.upward.difference(&known_up) {
        ok = false;
        eprintln!("xtask: layering: {from} imports from {to}, a layer above it");
    }
    for (from, to) in known_up.difference(&findings.upward) {
        ok = false;
        eprintln!(
            "xtask: layering: {from} no longer imports from {to}: update KNOWN_UPWARD in xtask/src/layering.rs"
        );
    }
    if ok {
        eprintln!(
            "xtask: layering: no new circle or upward import ({} circles and {} upward imports still listed)",
            known.len(),
            known_up.len()
        );
    }
    ok
}

/// The circles and upward imports of the crates under `root`.
pub fn find(root: &Path) -> Result<Findings, String> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, src) in CRATES {
        let files = rust_files(&root.join(src))?;
        let modules: BTreeSet<Vec<String>> = files.iter().map(|(m, _)| m.clone()).collect();
        for (module, path) in &files {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            for target in imports(&strip(&text), module) {
                let Some(target) = longest_known(&modules, &target) else {
                    continue;
                };
                let related = target.starts_with(module) || module.starts_with(&target);
                if !related {
                    edges
                        .entry(qualified(name, module))
                        .or_default()
                        .insert(qualified(name, &target));
                }
            }
        }
    }
    Ok(Findings {
        circles: circles(&edges),
        upward: upward(&edges),
    })
}

fn qualified(krate: &str, module: &[String]) -> String {
    std::iter::once(krate.to_owned())
        .chain(module.iter().cloned())
        .collect::<Vec<_>>()
        .join("::")
}

/// The `.rs` files under `src` that are not test modules or binaries, with
/// their module paths (`shell/rtc.rs` → `["shell", "rtc"]`).
fn rust_files(src: &Path) -> Result<Vec<(Vec<String>, PathBuf)>, String> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let rel: Vec<String> = path
                .strip_prefix(src)
                .map(|r| {
                    r.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            if rel
                .iter()
                .any(|c| TEST_MODULES.contains(&c.trim_end_matches(".rs")))
            {
                continue;
            }
            if path.is_dir() {
                if rel.first().map(String::as_str) != Some("bin") {
                    stack.push(path);
                }
                continue;
            }
            let Some(file) = rel.last().filter(|f| f.ends_with(".rs")) else {
                continue;
            };
            let mut module: Vec<String> = rel[..rel.len() - 1].to_vec();
            match file.as_str() {
                "lib.rs" | "main.rs" | "mod.rs" => {}
                other => module.push(other.trim_end_matches(".rs").to_owned()),
            }
            out.push((module, path));
        }
    }
    Ok(out)
}

/// `text` without comments and without `#[cfg(test)]` items.
fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let code = line.split("//").next().unwrap_or_default();
        if code.trim() == "#[cfg(test)]" {
            // Skip the item that follows: to its closing brace, or its `;`.
            let mut depth = 0i32;
            let mut opened = false;
            for next in lines.by_ref() {
                let code = next.split("//").next().unwrap_or_default();
                depth += code.matches('{').count() as i32 - code.matches('}').count() as i32;
                opened |= code.contains('{');
                if (opened && depth <= 0) || (!opened && code.trim_end().ends_with(';')) {
                    break;
                }
            }
            continue;
        }
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// The module paths `text` (of module `module`) names: every `crate::`,
/// `super::` and `self::` path, each branch of a `use` tree apart.
fn imports(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    for (start, prefix) in ["crate::", "super::", "self::"]
        .iter()
        .flat_map(|p| text.match_indices(p).map(move |(i, _)| (i, *p)))
    {
        // Only at the start of a path (not `my_crate::`, `super_x::`).
        if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            continue;
        }
        let base: Vec<String> = match prefix {
            "crate::" => Vec::new(),
            "super::" => module[..module.len().saturating_sub(1)].to_vec(),
            _ => module.to_vec(),
        };
        let mut paths = Vec::new();
        tree(&text[start + prefix.len()..], base, &mut paths);
        found.extend(paths);
    }
    found
}

/// Reads a path or `use` tree at the start of `rest` below `base`, pushing
/// each full path.
fn tree(rest: &str, base: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = base;
    let mut i = 0;
    let b = rest.as_bytes();
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < b.len() && b[i] == b'{' {
            i += 1;
            loop {
                while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b',') {
                    i += 1;
                }
                if i >= b.len() || b[i] == b'}' {
                    return i + 1;
                }
                i += tree(&rest[i..], path.clone(), out);
            }
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        if start == i {
            out.push(path);
            return i;
        }
        let ident = &rest[start..i];
        if ident == "super" {
            path.pop();
        } else if ident != "self" {
            path.push(ident.to_owned());
        }
        if rest[i..].starts_with("::") {
            i += 2;
        } else {
            out.push(path);
            return i;
        }
    }
}

/// The longest prefix of `path` that is a module.
fn longest_known(modules: &BTreeSet<Vec<String>>, path: &[String]) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains(p))
}

/// The strongly connected groups of more than one module (Tarjan).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<Vec<String>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: BTreeSet<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            self.index.insert(v, self.next);
            self.low.insert(v, self.next);
            self.next += 1;
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.edges.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    group.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    self.found.insert(group);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: BTreeSet::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

/// The app's imports from a layer above, by layer.
fn upward(edges: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<(String, String)> {
    let layer_of = |m: &str| {
        APP_LAYERS.iter().enumerate().find_map(|(rank, layer)| {
            layer
                .iter()
                .find(|l| m == **l || m.starts_with(&format!("{l}::")))
                .map(|l| (rank, (*l).to_owned()))
        })
    };
    let mut found = BTreeSet::new();
    for (from, targets) in edges {
        let Some((rank, from_layer)) = layer_of(from) else {
            continue;
        };
        for to in targets {
            if let Some((_, to_layer)) = layer_of(to).filter(|(above, _)| *above < rank) {
                found.insert((from_layer.clone(), to_layer));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Vec<String> {
        s.split("::").map(str::to_owned).collect()
    }

    #[test]
    fn use_trees_comments_and_test_modules_are_read_as_they_should() {
        let text = "use crate::{a::X, b::{c::Y, Z}};\n// crate::commented::Out\nuse super::sibling;\nfn f() { crate::d::e(); }\n#[cfg(test)]\nmod tests {\n    use crate::only_tests::T;\n}\n";
        let found: BTreeSet<Vec<String>> = imports(&strip(text), &m("x::y")).into_iter().collect();
        let expected: BTreeSet<Vec<String>> = ["a::X", "b::c::Y", "b::Z", "x::sibling", "d::e"]
            .into_iter()
            .map(m)
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn a_circle_is_found_and_a_ladder_is_not() {
        let edges = |pairs: &[(&str, &str)]| {
            let mut e: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for (a, b) in pairs {
                e.entry((*a).into()).or_default().insert((*b).into());
            }
            e
        };
        let ladder = edges(&[("a", "b"), ("b", "c"), ("a", "c")]);
        assert!(circles(&ladder).is_empty());
        let circle = edges(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]);
        assert_eq!(
            circles(&circle),
            [vec!["a".to_owned(), "b".into(), "c".into()]].into()
        );
    }

    #[test]
    fn an_app_layer_importing_from_above_is_found() {
        let mut e: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        e.entry("app::shell::net".into())
            .or_default()
            .insert("app::ui::accounts".into());
        e.entry("app::ui::app".into())
            .or_default()
            .insert("app::shell::browser".into());
        assert_eq!(
            upward(&e),
            [("app::shell".to_owned(), "app::ui".to_owned())].into()
        );
    }
}

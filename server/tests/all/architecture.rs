//! The shape of the code, checked on every `make test`: no module of `server` or `app` imports
//! a module that imports it back (directly or round a longer loop), the HTTP layer never queries
//! the store (its row types are fine to name), and no file in `server/src` grows past 700 lines unless it is listed below
//! with the reason. The README's "Architecture" section describes the layers this keeps apart.
//!
//! Imports are read from the source text: every `crate::…`, `super::…`, `self::…` path and every
//! path through a child module, in `use` lines (groups expanded) and in code, outside comments,
//! string literals and `#[cfg(test)] mod tests`. A path counts as a dependency on the deepest
//! module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Files allowed past the limit, with why one cohesive thing needs the room.
const LONG_FILES: &[(&str, &str)] = &[];
const MAX_LINES: usize = 700;

#[test]
fn server_modules_form_no_import_loop() {
    assert_no_loops(&crate_dir("server"));
}

#[test]
fn app_modules_form_no_import_loop() {
    assert_no_loops(&crate_dir("app"));
}

#[test]
fn http_handlers_never_touch_the_store() {
    let http = crate_dir("server").join("http");
    for file in rust_files(&http) {
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        for (n, line) in code.lines().enumerate() {
            assert!(
                !line.contains(".store()") && !line.contains(".store."),
                "{}:{}: the HTTP layer reads the store directly; call a Plumb method instead",
                file.display(),
                n + 1
            );
        }
    }
}

#[test]
fn server_files_stay_short() {
    let dir = crate_dir("server");
    let mut long = Vec::new();
    for file in rust_files(&dir) {
        let lines = std::fs::read_to_string(&file).unwrap().lines().count();
        let name = file.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/");
        if lines > MAX_LINES && !LONG_FILES.iter().any(|(allowed, _)| *allowed == name) {
            long.push(format!("{name} ({lines} lines)"));
        }
    }
    assert!(long.is_empty(), "over {MAX_LINES} lines: {long:?}. Split them, or list them in LONG_FILES with why");
}

fn crate_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A module's path (`http::oauth`; the crate root is empty) from its file, or `None` for a
/// binary's own root (`main.rs` is another crate).
fn module_of(src: &Path, file: &Path) -> Option<Vec<String>> {
    let relative = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop()?;
    match last.as_str() {
        "lib.rs" if parts.is_empty() => Some(parts),
        "main.rs" if parts.is_empty() => None,
        "mod.rs" => Some(parts),
        other => {
            parts.push(other.trim_end_matches(".rs").to_string());
            Some(parts)
        }
    }
}

fn assert_no_loops(src: &Path) {
    let mut modules: BTreeMap<Vec<String>, PathBuf> = BTreeMap::new();
    for file in rust_files(src) {
        if let Some(m) = module_of(src, &file) {
            modules.insert(m, file);
        }
    }
    // edges[a][b] = the first line of a that names b.
    let mut edges: BTreeMap<Vec<String>, BTreeMap<Vec<String>, usize>> = BTreeMap::new();
    for (module, file) in &modules {
        let code = code_only(&std::fs::read_to_string(file).unwrap());
        for (line, path) in paths(&code) {
            let Some(target) = resolve(module, &path, &modules) else { continue };
            if &target != module {
                edges.entry(module.clone()).or_default().entry(target).or_insert(line);
            }
        }
    }
    let loops = strongly_connected(&modules.keys().cloned().collect::<Vec<_>>(), &edges);
    let name = |m: &Vec<String>| if m.is_empty() { "<crate root>".to_string() } else { m.join("::") };
    let report: Vec<String> = loops
        .iter()
        .map(|group| {
            let members: BTreeSet<&Vec<String>> = group.iter().collect();
            let mut lines = vec![format!("loop among {}:", group.iter().map(name).collect::<Vec<_>>().join(", "))];
            for from in group {
                for (to, line) in edges.get(from).into_iter().flatten() {
                    if members.contains(to) {
                        lines.push(format!("  {} -> {} ({}:{line})", name(from), name(to), modules[from].display()));
                    }
                }
            }
            lines.join("\n")
        })
        .collect();
    assert!(report.is_empty(), "modules that import each other back:\n{}", report.join("\n"));
}

/// The module a path names: the deepest known module among its prefixes, or `None` for paths
/// into other crates.
fn resolve(from: &[String], path: &[String], modules: &BTreeMap<Vec<String>, PathBuf>) -> Option<Vec<String>> {
    let mut base: Vec<String> = from.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        Some(first) => {
            let mut child = from.to_vec();
            child.push(first.to_string());
            if !modules.contains_key(&child) {
                return None;
            }
        }
        None => return None,
    }
    let mut best = modules.contains_key(&base).then(|| base.clone());
    let mut walk = base;
    for segment in rest {
        walk.push(segment.clone());
        if modules.contains_key(&walk) {
            best = Some(walk.clone());
        }
    }
    best
}

/// Source without comments, string and character literals, and the trailing test module.
fn code_only(text: &str) -> String {
    let cut = text
        .lines()
        .collect::<Vec<_>>()
        .windows(2)
        .position(|w| w[0].trim() == "#[cfg(test)]" && w[1].trim_start().starts_with("mod "))
        .map(|i| text.lines().take(i).map(|l| format!("{l}\n")).collect::<String>())
        .unwrap_or_else(|| text.to_string());
    let chars: Vec<char> = cut.chars().collect();
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                if chars[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !is_ident(chars.get(i.wrapping_sub(1))) {
            // A raw string: r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < chars.len() {
                if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                if chars[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                } else if chars[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            out.push_str("\"\"");
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if next == Some('\\') {
                let mut j = i + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Colons,
    Open,
    Close,
    Comma,
    Semi,
    Other,
}

fn tokens(code: &str) -> Vec<(usize, Token)> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((line, Token::Ident(chars[start..i].iter().collect())));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push((line, Token::Colons));
            i += 2;
        } else {
            out.push((
                line,
                match c {
                    '{' => Token::Open,
                    '}' => Token::Close,
                    ',' => Token::Comma,
                    ';' => Token::Semi,
                    _ => Token::Other,
                },
            ));
            i += 1;
        }
    }
    out
}

/// Every path in the code with its line: `a::b::c` in code, and each leaf of a `use` tree.
fn paths(code: &str) -> Vec<(usize, Vec<String>)> {
    let tokens = tokens(code);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i].1 {
            Token::Ident(word) if word == "use" => {
                let end = tokens[i..].iter().position(|(_, t)| *t == Token::Semi).map_or(tokens.len(), |p| i + p);
                use_tree(&tokens[i + 1..end], &[], &mut out);
                i = end;
            }
            Token::Ident(_) if tokens.get(i + 1).map(|t| &t.1) == Some(&Token::Colons) => {
                let preceded_by_colons = i > 0 && tokens[i - 1].1 == Token::Colons;
                let line = tokens[i].0;
                let mut path = Vec::new();
                while let Some((_, Token::Ident(word))) = tokens.get(i) {
                    path.push(word.clone());
                    if tokens.get(i + 1).map(|t| &t.1) == Some(&Token::Colons) {
                        i += 2;
                    } else {
                        break;
                    }
                }
                if !preceded_by_colons {
                    out.push((line, path));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Expands one `use` tree (`a::{b, c::{d, e}}`) into its leaves.
fn use_tree(tokens: &[(usize, Token)], prefix: &[String], out: &mut Vec<(usize, Vec<String>)>) {
    let mut i = 0;
    let mut path = prefix.to_vec();
    let mut line = tokens.first().map_or(0, |t| t.0);
    while i < tokens.len() {
        match &tokens[i].1 {
            Token::Ident(word) if word == "as" => i += 2,
            Token::Ident(word) => {
                line = tokens[i].0;
                path.push(word.clone());
                i += 1;
            }
            Token::Colons | Token::Other => i += 1,
            Token::Open => {
                let mut depth = 0;
                let mut j = i;
                while j < tokens.len() {
                    match tokens[j].1 {
                        Token::Open => depth += 1,
                        Token::Close => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                // Split the group's inside at top-level commas.
                let inside = &tokens[i + 1..j.min(tokens.len())];
                let mut start = 0;
                let mut depth = 0;
                for (k, (_, t)) in inside.iter().enumerate() {
                    match t {
                        Token::Open => depth += 1,
                        Token::Close => depth -= 1,
                        Token::Comma if depth == 0 => {
                            use_tree(&inside[start..k], &path, out);
                            start = k + 1;
                        }
                        _ => {}
                    }
                }
                use_tree(&inside[start..], &path, out);
                return;
            }
            Token::Close | Token::Comma | Token::Semi => break,
        }
    }
    if !path.is_empty() {
        out.push((line, path));
    }
}

/// Tarjan's algorithm: the groups of modules that reach each other, largest loops first.
fn strongly_connected(
    nodes: &[Vec<String>],
    edges: &BTreeMap<Vec<String>, BTreeMap<Vec<String>, usize>>,
) -> Vec<Vec<Vec<String>>> {
    struct State<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeMap<Vec<String>, usize>>,
        index: BTreeMap<Vec<String>, usize>,
        low: BTreeMap<Vec<String>, usize>,
        stack: Vec<Vec<String>>,
        on_stack: BTreeSet<Vec<String>>,
        next: usize,
        groups: Vec<Vec<Vec<String>>>,
    }
    fn visit(s: &mut State<'_>, v: &Vec<String>) {
        s.index.insert(v.clone(), s.next);
        s.low.insert(v.clone(), s.next);
        s.next += 1;
        s.stack.push(v.clone());
        s.on_stack.insert(v.clone());
        let targets: Vec<Vec<String>> = s.edges.get(v).map(|m| m.keys().cloned().collect()).unwrap_or_default();
        for w in targets {
            if !s.index.contains_key(&w) {
                visit(s, &w);
                let low = s.low[v].min(s.low[&w]);
                s.low.insert(v.clone(), low);
            } else if s.on_stack.contains(&w) {
                let low = s.low[v].min(s.index[&w]);
                s.low.insert(v.clone(), low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(&w);
                let done = &w == v;
                group.push(w);
                if done {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.groups.push(group);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        groups: Vec::new(),
    };
    for n in nodes {
        if !s.index.contains_key(n) {
            visit(&mut s, n);
        }
    }
    s.groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    s.groups
}

#[test]
fn the_checker_sees_use_groups_code_paths_and_skips_comments_and_strings() {
    let code = code_only(
        "use crate::{a::X, b::{c::Y, Z}};\n// crate::hidden::x\nlet s = \"crate::also_hidden\";\n\
         let q = '\"'; fn f<'a>() { super::d::g(); child::h(); }\n#[cfg(test)]\nmod tests { use crate::t; }\n",
    );
    let found: Vec<Vec<String>> = paths(&code).into_iter().map(|(_, p)| p).collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        found,
        [
            s(&["crate", "a", "X"]),
            s(&["crate", "b", "c", "Y"]),
            s(&["crate", "b", "Z"]),
            s(&["super", "d", "g"]),
            s(&["child", "h"])
        ]
    );
    let modules: BTreeMap<Vec<String>, PathBuf> =
        [s(&[]), s(&["a"]), s(&["b"]), s(&["b", "c"]), s(&["m"]), s(&["m", "child"]), s(&["d"])]
            .into_iter()
            .map(|m| (m, PathBuf::new()))
            .collect();
    let m = s(&["m"]);
    assert_eq!(resolve(&m, &s(&["crate", "b", "c", "Y"]), &modules), Some(s(&["b", "c"])));
    assert_eq!(resolve(&m, &s(&["super", "d", "g"]), &modules), Some(s(&["d"])));
    assert_eq!(resolve(&m, &s(&["child", "h"]), &modules), Some(s(&["m", "child"])));
    assert_eq!(resolve(&m, &s(&["axum", "Router"]), &modules), None);
    let edges: BTreeMap<Vec<String>, BTreeMap<Vec<String>, usize>> = [
        (s(&["a"]), [(s(&["b"]), 1)].into_iter().collect()),
        (s(&["b"]), [(s(&["d"]), 1)].into_iter().collect()),
        (s(&["d"]), [(s(&["a"]), 1)].into_iter().collect()),
        (s(&["m"]), [(s(&["a"]), 1)].into_iter().collect()),
    ]
    .into_iter()
    .collect();
    let loops = strongly_connected(&modules.keys().cloned().collect::<Vec<_>>(), &edges);
    assert_eq!(loops, [vec![s(&["a"]), s(&["b"]), s(&["d"])]]);
}

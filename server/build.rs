//! Compiles the catalog (`catalog/*.toml`) and its icons (`catalog/icons/<slug>.svg`) into the
//! binary: writes the lists `src/catalog/mod.rs` includes, so adding a file is all it takes.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("catalog");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files: Vec<(String, String)> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| (p.file_name().unwrap().to_str().unwrap().to_string(), p.to_str().unwrap().to_string()))
        .collect();
    // providers.toml first: the catalog page lists the best-known providers before the rest.
    files.sort_by_key(|(name, _)| (name != "providers.toml", name.clone()));
    let mut list = String::from("&[\n");
    for (name, path) in &files {
        println!("cargo:rerun-if-changed={path}");
        writeln!(list, "    ({name:?}, include_str!({path:?})),").unwrap();
    }
    list.push(']');
    let out_dir = std::env::var("OUT_DIR").unwrap();
    std::fs::write(Path::new(&out_dir).join("catalog_files.rs"), list).unwrap();

    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("catalog/icons");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut icons: Vec<(String, String)> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "svg"))
            .filter_map(|p| {
                let slug = p.file_stem()?.to_str()?.to_string();
                Some((slug, p.to_str()?.to_string()))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    icons.sort();
    let mut out = String::from("&[\n");
    for (slug, path) in &icons {
        println!("cargo:rerun-if-changed={path}");
        writeln!(out, "    ({slug:?}, include_bytes!({path:?})),").unwrap();
    }
    out.push(']');
    let target = Path::new(&std::env::var("OUT_DIR").unwrap()).join("catalog_icons.rs");
    std::fs::write(target, out).unwrap();
}

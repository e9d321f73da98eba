//! The crate's modules form layers, and every `crate::` path points down:
//! a module may use the ones in lower layers only, so the crate reads
//! bottom-up (streams, distributions, dependence, expressions, the engine,
//! then what runs on it) with no arrow running back up.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Top-level modules by layer (a module may use lower layers only).
/// `error` is the vocabulary every layer shares and is not ranked.
const LAYERS: &[&[&str]] = &[
    &["stream"],
    &["identity", "dist"],
    &["dependence"],
    &["expr"],
    &["engine"],
    &["stats", "evidence"],
    &["sensitivity", "summary_run"],
    &["scenario"],
    &["python"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `crate::<module>` named in `text` outside comments and tests.
fn crate_paths(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut found = Vec::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let tail = &rest[at + "crate::".len()..];
            let name: String = tail
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
            rest = tail;
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_arrow_runs_back_up() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative.iter().next().unwrap().to_string_lossy();
        let module = top.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "error" {
            continue;
        }
        let from =
            layer(&module).unwrap_or_else(|| panic!("{module} is in no layer: add it to LAYERS"));
        for used in crate_paths(&fs::read_to_string(&file).unwrap()) {
            if used == module || used == "error" || used == "Error" || used == "Result" {
                continue;
            }
            let to = layer(&used)
                .unwrap_or_else(|| panic!("{relative:?} uses crate::{used}, in no layer"));
            if to >= from {
                upward
                    .entry(relative.display().to_string())
                    .or_default()
                    .push(used);
            }
        }
    }
    assert!(
        upward.is_empty(),
        "arrows running sideways or up: {upward:?}"
    );
}

//! The crate's modules form layers, and every `crate::` path points down:
//! a module may use the ones in lower layers only, so the crate reads
//! bottom-up (streams, distributions, dependence, expressions, the engine,
//! then what runs on it) with no arrow running back up. Inside `scenario/`
//! the same holds: the file format (`schema/`) is declared below the
//! features that read it, and no feature reaches through the facade.

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
    &["stats", "evidence", "timeline"],
    &["sensitivity", "summary_run"],
    &["scenario"],
    &["python"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `crate::<module>` named in `text` outside comments and tests.
fn crate_paths(text: &str) -> Vec<String> {
    paths_after(text, "crate::")
}

/// The name after every `prefix` in `text`, outside comments and tests.
fn paths_after(text: &str, prefix: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut found = Vec::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        let mut rest = line;
        while let Some(at) = rest.find(prefix) {
            let tail = &rest[at + prefix.len()..];
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

/// The files of `scenario/` by layer: the leaves, the file format, then
/// the features that compile, check and load it. `mod.rs` is the facade
/// and uses them all; the files of `schema/` are one layer.
const SCENARIO_LAYERS: &[&[&str]] = &[
    &[
        "dates",
        "named",
        "dist_spec",
        "suggest",
        "issue",
        "compiled",
    ],
    &["schema"],
    &["detection", "paths", "write"],
    &["mix", "correlations", "evidence"],
    &["compile"],
    &["validate"],
    &["timeline"],
    &["load"],
];

#[test]
fn scenario_files_read_the_schema_and_never_each_other_upward() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/scenario");
    let layer = |m: &str| SCENARIO_LAYERS.iter().position(|l| l.contains(&m));
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&dir).unwrap().display().to_string();
        if relative == "mod.rs" {
            continue;
        }
        let in_schema = relative.starts_with("schema");
        let module = if in_schema {
            "schema".to_string()
        } else {
            relative.trim_end_matches(".rs").to_string()
        };
        let from = layer(&module).unwrap_or_else(|| panic!("scenario/{relative} is in no layer"));
        let text = fs::read_to_string(&file).unwrap();
        let mut used = paths_after(&text, "crate::scenario::");
        if !in_schema {
            used.extend(paths_after(&text, "super::"));
        }
        for name in used {
            if name == module {
                continue;
            }
            match layer(&name) {
                Some(to) if to < from => {}
                Some(_) => wrong.entry(relative.clone()).or_default().push(name),
                None => wrong
                    .entry(relative.clone())
                    .or_default()
                    .push(format!("{name} (through mod.rs)")),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "scenario files using files above them or the facade: {wrong:?}"
    );
}

//! Reading scenarios from TOML or JSON text, with errors an analyst can act on.
//!
//! Every failure becomes one line naming the file, the line and the field path:
//!
//! ```text
//! bad.toml:7: munitions.shell_152.dud_rate: beta: alpha must be > 0, got -1
//! ```
//!
//! Parse errors take their position from the parser (toml spans, serde_json
//! line numbers) and their path from `serde_path_to_error`; problems found
//! after parsing (see `validate`) have only a path, so the path is looked up
//! in the source text to find its line.

use super::issue::Issue;
use super::schema::{Scenario, TimelineScenario};
use super::suggest::nearest;
use super::validate::validate;
pub use crate::error::Problem;
use crate::error::Result;
use serde::de::DeserializeOwned;
use std::io::Read;
use std::path::Path;

/// The text formats a scenario can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

impl Format {
    /// `.json` files are JSON; everything else is read as TOML.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Toml,
        }
    }
}

/// Where scenario text came from: its name in messages, and whether its line
/// numbers mean anything (JSON made from a Python dict has none worth citing).
#[derive(Debug, Clone)]
pub struct Origin {
    pub name: String,
    pub lines: bool,
}

impl Origin {
    pub fn file(name: impl Into<String>) -> Origin {
        Origin {
            name: name.into(),
            lines: true,
        }
    }
}

/// The largest scenario file read: scenarios are a few kilobytes, and a cap
/// keeps a wrong path (a log, a disk image) from filling memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads and checks a scenario file (TOML, or JSON by extension).
pub fn from_file(path: &Path) -> Result<Scenario> {
    let origin = Origin::file(path.display().to_string());
    let text = read_text(path).map_err(|message| Problem {
        origin: origin.name.clone(),
        line: None,
        path: String::new(),
        message,
        more: Vec::new(),
    })?;
    from_str(&text, Format::from_path(path), &origin)
}

/// The text of a regular file of at most [`MAX_FILE_BYTES`]. Devices, pipes
/// and directories are refused before they are opened (`/dev/zero` never
/// ends; opening a pipe waits for a writer).
pub fn read_text(path: &Path) -> std::result::Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read the file: {e}"))?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file"
        };
        return Err(format!("cannot read the file: it is {what}"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let mut bytes = Vec::new();
    // The file may grow after the check: read one byte past the cap at most.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "cannot read the file: it is not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn too_large(bytes: u64) -> String {
    format!(
        "the file is {}, larger than a scenario can be ({}); is it the right file?",
        crate::error::human_bytes(bytes),
        crate::error::human_bytes(MAX_FILE_BYTES)
    )
}

/// A scenario file of either dialect: every file is read by one reader, and
/// a `[timeline]` table makes it a timeline file.
#[derive(Debug, Clone, PartialEq)]
pub enum ScenarioFile {
    Plain(Scenario),
    Timeline(TimelineScenario),
}

/// Reads and checks scenario text of either dialect.
pub fn read_any(text: &str, format: Format, origin: &Origin) -> Result<ScenarioFile> {
    Ok(if is_timeline(text, format) {
        ScenarioFile::Timeline(timeline_from_str(text, format, origin)?)
    } else {
        ScenarioFile::Plain(from_str(text, format, origin)?)
    })
}

/// Whether the text has a top-level `timeline` table (false for text that
/// does not parse: reading it says why).
pub fn is_timeline(text: &str, format: Format) -> bool {
    match format {
        Format::Toml => toml::de::DeTable::parse(text)
            .is_ok_and(|t| t.get_ref().iter().any(|(k, _)| k.get_ref() == "timeline")),
        Format::Json => serde_json::from_str::<serde_json::Value>(text)
            .is_ok_and(|v| v.get("timeline").is_some()),
    }
}

/// Reads and checks scenario text.
pub fn from_str(text: &str, format: Format, origin: &Origin) -> Result<Scenario> {
    if is_timeline(text, format) {
        return Err(locate(timeline_issue(), Some((text, format)), origin).into());
    }
    let scenario: Scenario = parse(text, format, origin)?;
    validate(&scenario).map_err(|issues| locate_all(issues, Some((text, format)), origin))?;
    Ok(scenario)
}

/// A timeline file given to the reader of ordinary scenarios.
fn timeline_issue() -> Issue {
    Issue::at(
        &["timeline"],
        "this is a timeline scenario (it has a [timeline] table): read it with TimelineScenario, or read_any (munflow.Scenario.from_file reads both)",
    )
}

/// Reads and checks a timeline file's text.
pub fn timeline_from_str(text: &str, format: Format, origin: &Origin) -> Result<TimelineScenario> {
    let scenario: TimelineScenario = parse(text, format, origin)?;
    super::timeline::validate(&scenario)
        .map_err(|issues| locate_all(issues, Some((text, format)), origin))?;
    Ok(scenario)
}

fn parse<T: DeserializeOwned>(
    text: &str,
    format: Format,
    origin: &Origin,
) -> std::result::Result<T, Problem> {
    match format {
        Format::Toml => parse_toml(text, origin),
        Format::Json => parse_json(text, origin),
    }
}

/// Reads and checks a scenario given as a TOML value tree (what a Python
/// dict becomes): the same fields, checks and messages as a file, with
/// field paths but no lines.
pub fn from_value(value: toml::Value, origin: &Origin) -> Result<Scenario> {
    if value.get("timeline").is_some() {
        return Err(locate(timeline_issue(), None, origin).into());
    }
    let scenario: Scenario = serde_path_to_error::deserialize(value).map_err(|e| Problem {
        origin: origin.name.clone(),
        line: None,
        path: path_string(e.path()),
        message: explain(&one_line(e.inner().message())),
        more: Vec::new(),
    })?;
    validate(&scenario).map_err(|issues| locate_all(issues, None, origin))?;
    Ok(scenario)
}

fn parse_toml<T: DeserializeOwned>(text: &str, origin: &Origin) -> std::result::Result<T, Problem> {
    let de = toml::Deserializer::parse(text).map_err(|e| Problem {
        origin: origin.name.clone(),
        line: e
            .span()
            .map(|s| line_of(text, s.start))
            .filter(|_| origin.lines),
        path: String::new(),
        message: format!("invalid TOML: {}", one_line(e.message())),
        more: Vec::new(),
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = path_string(e.path());
        let inner = e.inner();
        let line = inner
            .span()
            .map(|s| line_of(text, s.start))
            .or_else(|| toml_line(text, &split_path(&path)));
        Problem {
            origin: origin.name.clone(),
            line: line.filter(|_| origin.lines),
            path,
            message: explain(&one_line(inner.message())),
            more: Vec::new(),
        }
    })
}

fn parse_json<T: DeserializeOwned>(text: &str, origin: &Origin) -> std::result::Result<T, Problem> {
    let mut de = serde_json::Deserializer::from_str(text);
    let scenario: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = path_string(e.path());
        let inner = e.inner();
        Problem {
            origin: origin.name.clone(),
            line: Some(inner.line()).filter(|&l| l > 0 && origin.lines),
            path,
            message: explain(&json_message(inner)),
            more: Vec::new(),
        }
    })?;
    de.end().map_err(|e| Problem {
        origin: origin.name.clone(),
        line: Some(e.line()).filter(|_| origin.lines),
        path: String::new(),
        message: json_message(&e),
        more: Vec::new(),
    })?;
    Ok(scenario)
}

/// serde_json appends " at line L column C"; the line is reported separately.
fn json_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

fn path_string(path: &serde_path_to_error::Path) -> String {
    if path.iter().next().is_none() {
        String::new()
    } else {
        path.to_string()
    }
}

/// `a.b[2].c` -> ["a", "b[2]", "c"]: keys, with the index of an array
/// element kept on its key, which is what line lookup needs.
fn split_path(path: &str) -> Vec<String> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// `alternatives[1]` -> ("alternatives", Some(1)); `dud_rate` -> ("dud_rate", None).
fn key_and_index(segment: &str) -> (&str, Option<usize>) {
    match segment.split_once('[') {
        Some((key, rest)) => (key, rest.trim_end_matches(']').parse().ok()),
        None => (segment, None),
    }
}

fn one_line(msg: &str) -> String {
    msg.trim()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ")
}

/// serde's "unknown field `dud_rat`, expected one of `label`, ..." with the
/// nearest valid names first: "unknown field `dud_rat`, did you mean
/// `dud_rate`? (expected one of ...)". Variants (`sharing = "shraed"`) the same.
fn explain(message: &str) -> String {
    let parse = || -> Option<(&str, &str, Vec<&str>)> {
        let (what, rest) = ["unknown field `", "unknown variant `"]
            .iter()
            .find_map(|p| message.strip_prefix(p).map(|r| (&p[..p.len() - 2], r)))?;
        let (name, rest) = rest.split_once('`')?;
        let list = rest
            .strip_prefix(", expected one of ")
            .or_else(|| rest.strip_prefix(", expected "))?;
        let valid = list.split(", ").map(|s| s.trim_matches('`')).collect();
        Some((what, name, valid))
    };
    let Some((what, name, valid)) = parse() else {
        return in_words(message);
    };
    if let Some(hint) = RENAMED.iter().find(|(old, _)| *old == name) {
        return format!("{what} `{name}`: {}", hint.1);
    }
    let near = nearest(name, &valid);
    if near.is_empty() {
        return message.to_string();
    }
    let near: Vec<String> = near.iter().map(|n| format!("`{n}`")).collect();
    let rest = &message[what.len() + name.len() + 3..];
    format!(
        "{what} `{name}`, did you mean {}? ({})",
        near.join(" or "),
        rest.trim_start_matches(", ")
    )
}

/// serde's Rust type names in an analyst's words: "expected f64" -> "expected
/// a number", "expected struct Periods" -> "expected a table".
fn in_words(message: &str) -> String {
    let mut out = message.to_string();
    for number in ["f64", "u64", "i64", "usize", "u32"] {
        out = out.replace(&format!("expected {number}"), "expected a number");
    }
    match out.find("expected struct ") {
        Some(i) => format!("{}expected a table", &out[..i]),
        None => out,
    }
}

/// Keys of earlier dialects, and how they are written now.
const RENAMED: [(&str, &str); 3] = [
    (
        "measured",
        "a reported figure is written kind = \"measured\" and value = ... (the evidence syntax of every scenario file)",
    ),
    (
        "at_least",
        "a lower bound is written kind = \"at_least\" and value = ... (the evidence syntax of every scenario file)",
    ),
    (
        "at_most",
        "an upper bound is written kind = \"at_most\" and value = ... (the evidence syntax of every scenario file)",
    ),
];

/// Turns validation issues (at least one) into one located problem
/// carrying the others.
pub(crate) fn locate_all(
    issues: Vec<Issue>,
    text: Option<(&str, Format)>,
    origin: &Origin,
) -> Problem {
    let mut located: Vec<Problem> = issues
        .into_iter()
        .map(|issue| locate(issue, text, origin))
        .collect();
    // In the file's order; problems of no line (a missing table) last.
    located.sort_by_key(|p| (p.line.is_none(), p.line));
    let mut located = located.into_iter();
    let first = located
        .next()
        .expect("validation reports at least one issue");
    Problem {
        more: located.collect(),
        ..first
    }
}

/// Turns a validation issue into a located problem.
pub(crate) fn locate(issue: Issue, text: Option<(&str, Format)>, origin: &Origin) -> Problem {
    let line = match text {
        Some((text, format)) if origin.lines => line_of_path(text, format, &issue.path),
        _ => None,
    };
    Problem {
        origin: origin.name.clone(),
        line,
        path: issue.path.join("."),
        message: issue.message,
        more: Vec::new(),
    }
}

/// The line where the field at `path` is written, if it is.
pub fn line_of_path(text: &str, format: Format, path: &[String]) -> Option<usize> {
    match format {
        Format::Toml => toml_line(text, path),
        Format::Json => json_line(text, path),
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The line where the deepest existing key of `path` is written. TOML spreads
/// a table over headers, dotted keys and inline tables, so the parsed
/// document's spans are used rather than a text search.
fn toml_line(text: &str, path: &[String]) -> Option<usize> {
    use toml::de::DeValue;
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut line = None;
    for segment in path {
        let (name, index) = key_and_index(segment);
        let Some((key, value)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == name) else {
            break;
        };
        line = Some(line_of(text, key.span().start));
        let mut value = value;
        if let (Some(i), DeValue::Array(items)) = (index, value.get_ref()) {
            let Some(item) = items.get(i) else { break };
            line = Some(line_of(text, item.span().start));
            value = item;
        }
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            _ => break,
        }
    }
    line
}

/// The line of the deepest key of `path` found in order in JSON text: each
/// key is searched for after the previous one, which is exact for the nested
/// objects scenarios are made of.
fn json_line(text: &str, path: &[String]) -> Option<usize> {
    let mut from = 0;
    let mut line = None;
    for segment in path {
        let (name, index) = key_and_index(segment);
        let needle = format!("\"{name}\"");
        let mut search = from;
        let found = loop {
            let Some(i) = text[search..].find(&needle) else {
                break None;
            };
            let at = search + i;
            let after = text[at + needle.len()..].trim_start();
            if after.starts_with(':') {
                break Some(at);
            }
            search = at + needle.len();
        };
        let Some(at) = found else { break };
        line = Some(line_of(text, at));
        from = at + needle.len();
        if let Some(i) = index {
            let Some(item) = json_array_item(text, from, i) else {
                break;
            };
            line = Some(line_of(text, item));
            from = item;
        }
    }
    line
}

/// The byte offset of item `index` of the JSON array that starts after
/// `from` (strings skipped, nesting counted), or None.
fn json_array_item(text: &str, from: usize, index: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from + text[from..].find('[')? + 1;
    let (mut depth, mut item, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    let mut start = None;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => depth += 1,
                b']' | b'}' if depth == 0 => return None,
                b']' | b'}' => depth -= 1,
                b',' if depth == 0 => {
                    item += 1;
                    start = None;
                }
                _ => {}
            }
            if item == index && start.is_none() && !b.is_ascii_whitespace() && b != b',' {
                start = Some(i);
                return start;
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_found_through_headers_and_inline_tables() {
        let text = "title = \"t\"\n\n[munitions.shell_152]\ncategory = \"shell\"\ndud_rate = { beta = [2, 8] }\n";
        let path = |p: &str| p.split('.').map(String::from).collect::<Vec<_>>();
        assert_eq!(toml_line(text, &path("munitions.shell_152")), Some(3));
        assert_eq!(
            toml_line(text, &path("munitions.shell_152.dud_rate")),
            Some(5)
        );
        // A missing leaf falls back to its deepest existing parent.
        assert_eq!(
            toml_line(text, &path("munitions.shell_152.per_container")),
            Some(3)
        );
    }

    #[test]
    fn json_lines_follow_the_path() {
        let text =
            "{\n \"munitions\": {\n  \"a\": {\"dud_rate\": 1},\n  \"b\": {\n   \"dud_rate\": 2}}}";
        let path = |p: &str| p.split('.').map(String::from).collect::<Vec<_>>();
        assert_eq!(json_line(text, &path("munitions.b.dud_rate")), Some(5));
        assert_eq!(json_line(text, &path("munitions.a.dud_rate")), Some(3));
    }

    #[test]
    fn array_items_are_found_by_index() {
        let path = |p: &str| p.split('.').map(String::from).collect::<Vec<_>>();
        let toml =
            "[mix]\nalternatives = [\n  { fixed = { a = 1 } },\n  { fixed = { b = 1 } },\n]\n";
        assert_eq!(toml_line(toml, &path("mix.alternatives[1].fixed")), Some(4));
        let json =
            "{\"mix\": {\"alternatives\": [\n {\"fixed\": {\"a\": \"x,]\"}},\n {\"fixed\": 2}]}}";
        assert_eq!(json_line(json, &path("mix.alternatives[1].fixed")), Some(3));
        assert_eq!(json_line(json, &path("mix.alternatives[0].fixed")), Some(2));
    }
}

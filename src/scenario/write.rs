//! Writing a scenario back as TOML, laid out the way analysts write them: one
//! `[munitions.<name>]` or `[channels.<kind>.<name>]` section per entry, with
//! distributions as one-line inline tables. Order is preserved, so reading
//! the output gives the same scenario, and the same results for a seed.
//! (Comments are not kept: the parsed scenario does not hold them.)

use super::schema::Scenario;
use crate::error::{Error, Result};
use std::fmt::Write;
use toml::{Table, Value};

/// The scenario as TOML text.
pub fn to_toml(s: &Scenario) -> Result<String> {
    let root = Table::try_from(s)
        .map_err(|e| Error::at_field("", format!("cannot write the scenario as TOML: {e}")))?;
    let mut out = String::new();
    for (key, value) in &root {
        if !value.is_table() {
            line(&mut out, key, value);
        }
    }
    for (key, value) in &root {
        let Value::Table(table) = value else { continue };
        match key.as_str() {
            "munitions" => {
                for (name, entry) in table {
                    section(&mut out, &["munitions", name], entry);
                }
            }
            "channels" => {
                for (kind, entries) in table {
                    let Value::Table(entries) = entries else {
                        continue;
                    };
                    for (name, entry) in entries {
                        section(&mut out, &["channels", kind, name], entry);
                    }
                }
            }
            _ => section(&mut out, &[key], value),
        }
    }
    Ok(out)
}

fn section(out: &mut String, path: &[&str], value: &Value) {
    let keys: Vec<String> = path.iter().map(|k| bare_or_quoted(k)).collect();
    let _ = writeln!(out, "\n[{}]", keys.join("."));
    if let Value::Table(table) = value {
        for (key, value) in table {
            line(out, key, value);
        }
    }
}

fn line(out: &mut String, key: &str, value: &Value) {
    let _ = writeln!(out, "{} = {}", bare_or_quoted(key), value);
}

fn bare_or_quoted(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        Value::String(key.to_string()).to_string()
    }
}

//! The field paths of a scenario, for editing one field at a time
//! (`Scenario.with_value("munitions.shell_152.dud_rate", ...)`): which paths
//! can be set, and which tables take new entries. Field names come from the
//! schema's own serde definitions, so they cannot drift from what files accept.

use super::schema::{
    Channels, CorrelationSpec, Direct, EvidenceSpec, Flow, Mix, Munition, Reported, Scenario,
    Voyages,
};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::fmt;

/// Every path that can be set in `s`: each field of the scenario, of every
/// munition and channel it has and of its mix (whether given or not), every
/// entry of its named tables (mix shares, estimates).
///
/// ```
/// use munflow::scenario::{settable_paths, Scenario};
/// let s = Scenario::from_toml_str(r#"
///     [munitions.shell_152]
///     category = "shell"
///     per_container = 430
///     [mix]
///     fixed = { shell_152 = 1, other = 0 }
///     [channels.reported.minister]
///     containers = 7000
/// "#, "example.toml").unwrap();
/// let paths = settable_paths(&s);
/// assert!(paths.contains(&"munitions.shell_152.dud_rate".to_string()));
/// assert!(paths.contains(&"channels.reported.minister.containers".to_string()));
/// assert!(!paths.iter().any(|p| p.starts_with("channels.reported.minister.tracked")));
/// ```
pub fn settable_paths(s: &Scenario) -> Vec<String> {
    let mut out: Vec<String> = fields_of::<Scenario>()
        .iter()
        .map(|f| f.to_string())
        .collect();
    let mut under = |prefix: String, fields: &[&str]| {
        out.extend(fields.iter().map(|f| format!("{prefix}.{f}")));
    };
    for name in s.munitions.names() {
        under(format!("munitions.{name}"), fields_of::<Munition>());
    }
    under("mix".into(), fields_of::<Mix>());
    under("channels".into(), fields_of::<Channels>());
    let ch = &s.channels;
    for name in ch.reported.names() {
        under(format!("channels.reported.{name}"), fields_of::<Reported>());
    }
    for name in ch.voyages.names() {
        under(format!("channels.voyages.{name}"), fields_of::<Voyages>());
    }
    for name in ch.flows.names() {
        under(format!("channels.flows.{name}"), fields_of::<Flow>());
    }
    for name in ch.direct.names() {
        under(format!("channels.direct.{name}"), fields_of::<Direct>());
    }
    if let Some(mix) = &s.mix {
        for (kind, shares) in [("dirichlet", &mix.dirichlet), ("fixed", &mix.fixed)] {
            for name in shares.iter().flat_map(|t| t.names()) {
                out.push(format!("mix.{kind}.{name}"));
            }
        }
    }
    for name in s.estimates.iter().flat_map(|e| e.names()) {
        out.push(format!("estimates.{name}"));
    }
    for name in s.evidence.names() {
        out.extend(
            fields_of::<EvidenceSpec>()
                .iter()
                .map(|f| format!("evidence.{name}.{f}")),
        );
    }
    for name in s.correlations.names() {
        out.extend(
            fields_of::<CorrelationSpec>()
                .iter()
                .map(|f| format!("correlations.{name}.{f}")),
        );
    }
    out
}

/// The tables that take new named entries: the catalog, each kind of
/// channel, the estimates, the evidence, the correlations and the mix's
/// shares.
pub fn entry_tables() -> Vec<String> {
    let mut out = vec![
        "munitions".to_string(),
        "estimates".to_string(),
        "evidence".to_string(),
        "correlations".to_string(),
    ];
    out.extend(
        fields_of::<Channels>()
            .iter()
            .map(|k| format!("channels.{k}")),
    );
    out.extend(["mix.dirichlet".to_string(), "mix.fixed".to_string()]);
    out
}

/// The field names of a struct deserialized by `#[derive(Deserialize)]`,
/// read from what it asks the deserializer for.
pub(super) fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut capture = FieldCapture(&[]);
    // The capture always "fails" once it has the names; the error is expected.
    let _ = T::deserialize(&mut capture);
    capture.0
}

struct FieldCapture(&'static [&'static str]);

#[derive(Debug)]
struct Captured;

impl fmt::Display for Captured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field names captured")
    }
}
impl std::error::Error for Captured {}
impl de::Error for Captured {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Captured
    }
}

impl<'de> Deserializer<'de> for &mut FieldCapture {
    type Error = Captured;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Captured> {
        self.0 = fields;
        Err(Captured)
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Captured> {
        Err(Captured)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_come_from_the_schema() {
        assert!(fields_of::<Munition>().contains(&"dud_rate"));
        assert!(fields_of::<Voyages>().contains(&"p_detect"));
        assert_eq!(
            fields_of::<Channels>(),
            &["reported", "voyages", "flows", "direct"]
        );
        assert!(fields_of::<Scenario>().contains(&"estimates"));
    }

    #[test]
    fn the_user_documentation_describes_every_field() {
        let doc = include_str!("../../docs/scenario-format.md");
        let tables = [
            ("top level", fields_of::<Scenario>()),
            ("munitions", fields_of::<Munition>()),
            ("mix", fields_of::<Mix>()),
            (
                "mix alternatives",
                fields_of::<super::super::MixAlternative>(),
            ),
            ("channels", fields_of::<Channels>()),
            ("reported", fields_of::<Reported>()),
            ("voyages", fields_of::<Voyages>()),
            ("flows", fields_of::<Flow>()),
            ("direct", fields_of::<Direct>()),
            ("evidence", fields_of::<EvidenceSpec>()),
            ("correlations", fields_of::<super::super::CorrelationSpec>()),
        ];
        for (table, fields) in tables {
            assert!(!fields.is_empty(), "{table}");
            for field in fields {
                assert!(
                    doc.contains(&format!("`{field}`")) || doc.contains(&format!("{field} =")),
                    "docs/scenario-format.md does not describe {table}.{field}"
                );
            }
        }
    }
}

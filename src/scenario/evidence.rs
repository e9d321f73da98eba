//! `[evidence.NAME]` tables: observations of a scenario's outputs and inputs.
//!
//! Each table names what was observed by its path: an output
//! (`total.containers`, `ballistic_missile.delivered`) or a named input
//! (`ballistic_missile.failure_rate`). Running the scenario then gives the
//! posterior (see [`crate::evidence`]).
//!
//! ```toml
//! [evidence.defence_minister]
//! kind = "measured"
//! quantity = "total.containers"
//! value = 7000
//! rel_error = 0.15      # within 15% ...
//! level = 0.9           # ... nine times in ten
//!
//! [evidence.missile_failures]
//! kind = "count"
//! k = 24
//! n = "ballistic_missile.delivered"
//! p = "ballistic_missile.failure_rate"
//!
//! [evidence.voyages_seen]
//! kind = "sightings"
//! total = "voyages"
//! unit = "voyages"
//! lists = ["AIS", "imagery", "port"]
//! counts = { AIS = 14, imagery = 9, port = 4, "AIS+imagery" = 21, "imagery+port" = 3 }
//! interactions = [["AIS", "imagery"]]
//! ```

use super::compiled::Output;
use super::named::Named;
use super::schema::{EvidenceKind, EvidenceSpec, Reference};
use super::suggest::edit_distance;
use crate::error::{Error, Result};
use crate::evidence::kinds::{self, Figure};
use crate::evidence::Observation;
use crate::expr::Node;

impl EvidenceKind {
    pub fn name(self) -> &'static str {
        match self {
            EvidenceKind::Measured => "measured",
            EvidenceKind::Count => "count",
            EvidenceKind::Poisson => "poisson",
            EvidenceKind::AtLeast => "at_least",
            EvidenceKind::AtMost => "at_most",
            EvidenceKind::Between => "between",
            EvidenceKind::SerialNumbers => "serial_numbers",
            EvidenceKind::ImageCount => "image_count",
            EvidenceKind::Paired => "paired",
            EvidenceKind::Sightings => "sightings",
        }
    }

    /// The fields this kind takes, required ones first: what it reads,
    /// then its figures, as [`kinds::KINDS`] declares them, less those the
    /// reader derives from a list (the largest of the serials `seen`), and
    /// with the quantities of its further figures (a paired statement's
    /// further conversions).
    fn fields(self) -> (Vec<&'static str>, Vec<&'static str>) {
        let decl = kinds::declaration(self.name()).expect("every file kind is declared");
        let required = decl.reads.iter().chain(decl.required).copied();
        let mut optional = decl.optional.to_vec();
        optional.extend(decl.further.iter().map(|&(_, read)| read));
        (required.filter(|f| *f != "largest").collect(), optional)
    }
}

impl EvidenceSpec {
    fn given(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut has = |name: &'static str, present: bool| {
            if present {
                out.push(name)
            }
        };
        has("quantity", self.quantity.is_some());
        has("value", self.value.is_some());
        has("rel_error", self.rel_error.is_some());
        has("level", self.level.is_some());
        has("sd", self.sd.is_some());
        has("error", self.error.is_some());
        has("k", self.k.is_some());
        has("n", self.n.is_some());
        has("p", self.p.is_some());
        has("rate", self.rate.is_some());
        has("lower", self.lower.is_some());
        has("upper", self.upper.is_some());
        has("total", self.total.is_some());
        has("seen", self.seen.is_some());
        has("first", self.first.is_some());
        has("false_positives", self.false_positives.is_some());
        has("p_double", self.p_double.is_some());
        has("converted", self.converted.is_some());
        has("per_unit", self.per_unit.is_some());
        has("converted_2", self.converted_2.is_some());
        has("per_unit_2", self.per_unit_2.is_some());
        has("converted_3", self.converted_3.is_some());
        has("per_unit_3", self.per_unit_3.is_some());
        has("conversion_rel_error", self.conversion_rel_error.is_some());
        has("conversion_sd", self.conversion_sd.is_some());
        has("lists", self.lists.is_some());
        has("counts", self.counts.is_some());
        has("interactions", self.interactions.is_some());
        has("unit", self.unit.is_some());
        out
    }

    /// The fields that name what is observed, with what they name.
    pub fn references(&self) -> Vec<(&'static str, Reference)> {
        let mut out = Vec::new();
        if let Some(q) = &self.quantity {
            out.push(("quantity", Reference::Path(q.clone())));
        }
        let refs = [
            ("n", &self.n),
            ("p", &self.p),
            ("rate", &self.rate),
            ("total", &self.total),
            ("false_positives", &self.false_positives),
            ("p_double", &self.p_double),
            ("per_unit", &self.per_unit),
            ("per_unit_2", &self.per_unit_2),
            ("per_unit_3", &self.per_unit_3),
        ];
        for (field, r) in refs {
            if let Some(r) = r {
                out.push((field, r.clone()));
            }
        }
        out
    }

    /// The reference the field `field` gives (`quantity`, `n`, `p`, `rate`).
    fn reference(&self, field: &str) -> Option<Reference> {
        match field {
            "quantity" => self.quantity.clone().map(Reference::Path),
            "n" => self.n.clone(),
            "p" => self.p.clone(),
            "rate" => self.rate.clone(),
            "total" => self.total.clone(),
            "false_positives" => self.false_positives.clone(),
            "p_double" => self.p_double.clone(),
            "per_unit" => self.per_unit.clone(),
            "per_unit_2" => self.per_unit_2.clone(),
            "per_unit_3" => self.per_unit_3.clone(),
            _ => None,
        }
    }

    /// The figure the field `field` gives.
    fn number(&self, field: &str) -> Option<f64> {
        match field {
            "value" => self.value,
            "rel_error" => self.rel_error,
            "level" => self.level,
            "sd" => self.sd,
            "k" => self.k,
            "lower" => self.lower,
            "upper" => self.upper,
            "first" => self.first,
            "converted" => self.converted,
            "converted_2" => self.converted_2,
            "converted_3" => self.converted_3,
            "conversion_rel_error" => self.conversion_rel_error,
            "conversion_sd" => self.conversion_sd,
            _ => None,
        }
    }

    /// A list of serials as the figures they give: how many were `seen`
    /// and the `largest` (none when the list is not given).
    fn serials(&self) -> std::result::Result<Option<(f64, f64)>, (&'static str, String)> {
        let Some(seen) = &self.seen else {
            return Ok(None);
        };
        crate::evidence::serials::summarise(seen, self.first.unwrap_or(1.0)).map(Some)
    }

    /// The figure the field `field` gives that is a list (sightings).
    fn listed(&self, field: &str) -> Option<Figure> {
        match field {
            "lists" => self.lists.clone().map(Figure::Names),
            "counts" => self
                .counts
                .as_ref()
                .map(|c| Figure::Counts(c.iter().map(|(k, v)| (k.clone(), *v)).collect())),
            "interactions" => self.interactions.clone().map(Figure::Groups),
            _ => None,
        }
    }

    /// How the file calls the nodes the observation reads, in its order.
    fn labels(&self) -> Vec<String> {
        self.reads()
            .iter()
            .map(|field| match self.reference(field) {
                Some(Reference::Path(p)) => p,
                Some(Reference::Number(x)) => crate::dist::fmt_num(x),
                None => String::new(),
            })
            .collect()
    }

    /// The fields naming what the observation reads, in its order: the
    /// declaration's, then those of its further figures given.
    fn reads(&self) -> Vec<&'static str> {
        let decl = kinds::declaration(self.kind.name()).expect("every file kind is declared");
        let further = decl
            .further
            .iter()
            .filter(|(figure, _)| self.number(figure).is_some())
            .map(|&(_, read)| read);
        decl.reads.iter().copied().chain(further).collect()
    }

    /// The fields that are missing or do not apply to the kind: (field, message).
    pub(super) fn check_fields(&self) -> std::result::Result<(), (&'static str, String)> {
        let (required, optional) = self.kind.fields();
        let given = self.given();
        for field in &required {
            if !given.contains(field) {
                return Err((
                    "kind",
                    format!("a '{}' observation needs '{field}'", self.kind.name()),
                ));
            }
        }
        for field in &given {
            if !required.contains(field) && !optional.contains(field) {
                return Err((
                    field,
                    format!(
                        "'{field}' does not apply to a '{}' observation (it takes {})",
                        self.kind.name(),
                        required
                            .iter()
                            .chain(&optional)
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The observation, with references resolved by `resolve` (errors as
    /// (field, message)).
    pub(super) fn observation(
        &self,
        name: &str,
        resolve: &dyn Fn(&Reference) -> std::result::Result<Node, String>,
    ) -> std::result::Result<Observation, (&'static str, String)> {
        self.check_fields()?;
        let decl = kinds::declaration(self.kind.name()).expect("every file kind is declared");
        for &(figure, read) in decl.further {
            if self.reference(read).is_some() && self.number(figure).is_none() {
                return Err((
                    read,
                    format!("'{read}' needs '{figure}', the figure stated for it"),
                ));
            }
        }
        let mut reads = Vec::with_capacity(decl.reads.len());
        for field in self.reads() {
            match self.reference(field) {
                Some(r) => reads.push(resolve(&r).map_err(|e| (field, e))?),
                None => return Err((field, format!("'{field}' is missing"))),
            }
        }
        let serials = self.serials()?;
        let number = |field: &str| match (field, serials) {
            ("seen", Some((seen, _))) => Some(seen),
            ("largest", Some((_, largest))) => Some(largest),
            _ => self.number(field),
        };
        let word = |field: &str| match field {
            "error" => self.error.clone(),
            "unit" => self.unit.clone(),
            _ => None,
        };
        let listed = |field: &str| self.listed(field);
        kinds::build_listed(decl.name, name, reads, &number, &word, &listed)
            .map_err(|(field, e)| (field, e.to_string()))
    }
}

/// The scenario's observations, with paths resolved against its outputs and
/// named inputs.
pub(super) fn observations(
    specs: &Named<EvidenceSpec>,
    outputs: &[Output],
) -> Result<Vec<Observation>> {
    let mut by_name = super::compiled::named_nodes(outputs.iter().map(|o| &o.node));
    for o in outputs {
        by_name.insert(o.name.clone(), o.node.clone());
    }
    let resolve = |r: &Reference| -> std::result::Result<Node, String> {
        match r {
            Reference::Number(x) => Ok(Node::constant(*x)),
            Reference::Path(p) => by_name.get(p).cloned().ok_or_else(|| {
                let mut names: Vec<&String> = by_name.keys().collect();
                names.sort_by_key(|n| edit_distance(n, p));
                let near: Vec<String> = names.iter().take(3).map(|n| format!("'{n}'")).collect();
                format!(
                    "no output or input named '{p}'; the nearest are {}",
                    near.join(", ")
                )
            }),
        }
    };
    let mut out = Vec::new();
    for (name, spec) in specs.iter() {
        for (field, given) in [
            ("date", spec.date),
            ("about", spec.about),
            ("as_of", spec.as_of),
            ("since", spec.since),
        ] {
            if given.is_some() {
                return Err(Error::at_field(
                    format!("evidence.{name}.{field}"),
                    format!(
                        "{} places a statement in a timeline file, and this file has no [timeline] table",
                        if field == "date" { "a date" } else { field }
                    ),
                ));
            }
        }
        let obs = spec
            .observation(name, &resolve)
            .map_err(|(field, message)| {
                Error::at_field(format!("evidence.{name}.{field}"), message)
            })?;
        out.push(obs.with_labels(spec.labels()));
    }
    Ok(out)
}

//! The scenario file format: what an analyst writes down.
//!
//! Every table rejects keys it does not know (a misspelt `dud_rte` must not
//! silently fall back to "no duds"). Field meanings are documented here, once;
//! the bundled `dprk_russia_2023_2024.toml` shows them in use.

mod correlations;
mod evidence;
mod timeline;

pub use correlations::{CorrelationSpec, RankCorr};
pub use evidence::{EvidenceKind, EvidenceSpec, Reference};
pub use timeline::{Periods, Sharing, TimelineChannel, TimelineMunition, TimelineScenario};

use super::dist_spec::DistSpec;
use super::named::Named;
use serde::{Deserialize, Serialize};

/// A whole scenario: the munitions, the cargo mix, the supply channels, and
/// which channels are alternative estimates of one flow.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A one-line title for tables and plots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The munition catalog, by name (`shell_152`, `rocket_122`, ...).
    pub munitions: Named<Munition>,
    /// What share of the containers holds each munition. Needed when a
    /// channel counts containers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mix: Option<Mix>,
    /// The supply channels, by kind and name.
    #[serde(default)]
    pub channels: Channels,
    /// Alternative estimates of the same containers: each names the channels
    /// that together make up that estimate. Channels named in no estimate are
    /// common to all of them. Without this table every channel adds up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimates: Option<Named<Vec<String>>>,
    /// Observations that condition the estimate (see `evidence.rs`): a
    /// run of a scenario with evidence gives the posterior.
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub evidence: Named<EvidenceSpec>,
    /// Inputs drawn jointly with a target rank correlation (see
    /// `correlations.rs`), by name.
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub correlations: Named<CorrelationSpec>,
}

/// What kind of thing a munition is; decides which rates apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Shell,
    Rocket,
    Missile,
    Other,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Shell => "shell",
            Category::Rocket => "rocket",
            Category::Missile => "missile",
            Category::Other => "other",
        }
    }
}

/// One munition type of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Munition {
    /// A readable name, e.g. "152 mm artillery shell".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub category: Category,
    /// Rounds per container (the average load: one draw per sample, because
    /// what is uncertain is how containers are packed, not each box).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_container: Option<DistSpec>,
    /// Share of delivered rounds that fail to function on arrival or firing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dud_rate: Option<DistSpec>,
    /// Missiles: share that fail in flight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_rate: Option<DistSpec>,
    /// Missiles: share of those flying normally that are shot down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interception_rate: Option<DistSpec>,
    /// Mass of one round in kilograms, for tonnage outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mass_kg: Option<DistSpec>,
    /// Share of the shipped mass that is packaging (crates, pallets,
    /// container tare), in [0, 1): `tonnes` is then the shipped mass,
    /// delivered × mass_kg / (1 - packaging_share), as tonnage is reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packaging_share: Option<DistSpec>,
    /// Rounds fired per day, for the days-of-fire outputs (of delivered
    /// rounds, duds included since they are fired too, and of functioning ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_consumption: Option<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Fields of this table that are the analyst's assumptions rather than
    /// reported figures: their inputs are cited as assumptions, and a
    /// report counts them under "analyst assumptions".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
}

/// The cargo mix: exactly one of `dirichlet`, `fixed` or `alternatives`,
/// keyed by munition, plus `other` for the share of containers holding no
/// munition of the catalog.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mix {
    /// Dirichlet concentrations: the expected share of each is its
    /// concentration over their sum, and the sum acts like a number of
    /// containers inspected (larger = surer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dirichlet: Option<Named<f64>>,
    /// Known shares, summing to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<Named<f64>>,
    /// Either/or hypotheses about what the containers held ("all 152 mm
    /// shells, or mostly 122 mm rockets"): each alternative is a mix of its
    /// own with a weight, and in each sample one of them is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternatives: Option<Vec<MixAlternative>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Fields of this table that are the analyst's assumptions rather than
    /// reported figures: their inputs are cited as assumptions, and a
    /// report counts them under "analyst assumptions".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
}

/// One hypothesis about the cargo mix: `dirichlet` or `fixed` shares, and
/// its weight (how likely it is relative to the others; 1 by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MixAlternative {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default = "one_f64", skip_serializing_if = "is_one_f64")]
    pub weight: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dirichlet: Option<Named<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<Named<f64>>,
}

/// The name of the non-munition share in a cargo mix.
pub const OTHER_CARGO: &str = "other";

/// The supply channels, one table per kind.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channels {
    /// Reported container totals ("about 7,000 containers").
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub reported: Named<Reported>,
    /// Counted vessel voyages, with dark ones, times containers per voyage.
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub voyages: Named<Voyages>,
    /// Rail or other flows: containers (or wagons) per period.
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub flows: Named<Flow>,
    /// Items counted directly rather than by container (missiles).
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub direct: Named<Direct>,
}

impl Channels {
    /// The names of the channels that count containers, in file order.
    pub fn container_channels(&self) -> Vec<&str> {
        self.reported
            .names()
            .chain(self.voyages.names())
            .chain(self.flows.names())
            .collect()
    }

    /// Every channel name with its kind, in file order.
    pub fn all(&self) -> Vec<(&'static str, &str)> {
        let mut out: Vec<(&'static str, &str)> = Vec::new();
        out.extend(self.reported.names().map(|n| ("reported", n)));
        out.extend(self.voyages.names().map(|n| ("voyages", n)));
        out.extend(self.flows.names().map(|n| ("flows", n)));
        out.extend(self.direct.names().map(|n| ("direct", n)));
        out
    }

    pub fn is_empty(&self) -> bool {
        self.all().is_empty()
    }
}

/// A reported total of containers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reported {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Fields of this table that are the analyst's assumptions rather than
    /// reported figures: their inputs are cited as assumptions, and a
    /// report counts them under "analyst assumptions".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    pub containers: DistSpec,
}

/// How to read "none of the dark voyages we did not see": the prior on the
/// true number of dark voyages (see `detection.rs` for the reasoning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectionPrior {
    /// P(N) proportional to 1/N: undetected ~ NegativeBinomial(seen, p),
    /// mean seen (1 - p) / p, so E[N] = seen / p. Nothing seen means none.
    #[default]
    ScaleInvariant,
    /// P(N) flat: undetected ~ NegativeBinomial(seen + 1, p); allows unseen
    /// voyages even when none were seen.
    Uniform,
}

/// Vessel voyages: tracked ones plus dark ones (seen and unseen), times the
/// containers each carried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Voyages {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Fields of this table that are the analyst's assumptions rather than
    /// reported figures: their inputs are cited as assumptions, and a
    /// report counts them under "analyst assumptions".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// Voyages followed openly (AIS, imagery). May be uncertain.
    #[serde(default = "zero", skip_serializing_if = "is_zero")]
    pub tracked: DistSpec,
    /// Dark voyages (no AIS) that were nevertheless seen: an observed count.
    #[serde(default, skip_serializing_if = "is_zero_count")]
    pub dark_seen: u64,
    /// Probability that a dark voyage is seen at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_detect: Option<DistSpec>,
    #[serde(default, skip_serializing_if = "is_default_prior")]
    pub prior: DetectionPrior,
    /// Average containers carried per voyage.
    pub containers_per_voyage: DistSpec,
}

/// A rail or other overland flow over some periods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Fields of this table that are the analyst's assumptions rather than
    /// reported figures: their inputs are cited as assumptions, and a
    /// report counts them under "analyst assumptions".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// How many periods (weeks, months: the unit of the rates below).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub periods: DistSpec,
    /// Containers per period; or give wagons_per_period and containers_per_wagon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containers_per_period: Option<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wagons_per_period: Option<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containers_per_wagon: Option<DistSpec>,
}

/// A direct count of one munition (missiles are not counted by container).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Direct {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Fields of this table that are the analyst's assumptions rather than
    /// reported figures: their inputs are cited as assumptions, and a
    /// report counts them under "analyst assumptions".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// The munition counted; must be in the catalog.
    pub munition: String,
    pub count: DistSpec,
}

fn one_f64() -> f64 {
    1.0
}
fn is_one_f64(x: &f64) -> bool {
    *x == 1.0
}
fn zero() -> DistSpec {
    DistSpec::Number(0.0)
}
fn one() -> DistSpec {
    DistSpec::Number(1.0)
}
fn is_zero(d: &DistSpec) -> bool {
    d.as_number() == Some(0.0)
}
fn is_one(d: &DistSpec) -> bool {
    d.as_number() == Some(1.0)
}
fn is_zero_count(n: &u64) -> bool {
    *n == 0
}
fn is_default_prior(p: &DetectionPrior) -> bool {
    *p == DetectionPrior::default()
}

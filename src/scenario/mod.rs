//! The munitions domain: scenario files and their compilation to a graph.
//!
//! A scenario describes a supply relationship the way reporting does: a
//! munition catalog (rounds per container, dud and failure rates), supply
//! channels (reported container totals, vessel voyages with dark ones, rail
//! flows, direct counts of missiles), a cargo mix, and which channels are
//! alternative estimates of the same containers. [`compile`] turns it into
//! named nodes whose outputs are delivered and functioning rounds, missiles
//! reaching their target and days of fire, per munition type and in total.
//!
//! ```
//! use munflow::engine::{run, RunOptions};
//! use munflow::scenario::{compile, Scenario};
//! let s = Scenario::from_toml_str(r#"
//!     [munitions.shell_152]
//!     category = "shell"
//!     per_container = { pert = [300, 430, 500] }
//!     dud_rate = { beta = [2, 8] }
//!     [mix]
//!     dirichlet = { shell_152 = 8, other = 2 }
//!     [channels.reported.minister]
//!     containers = { lognormal_ci = [6000, 8000] }
//! "#, "example.toml").unwrap();
//! let outputs = compile(&s).unwrap().named_outputs();
//! let res = run(&outputs, &RunOptions::new(1000, 7)).unwrap();
//! assert!(res.column("shell_152.functioning").is_some());
//!
//! let err = Scenario::from_toml_str("[munitions.x]\ncategory = \"shell\"\ndud = 0.1\n", "bad.toml")
//!     .unwrap_err().to_string();
//! assert!(err.starts_with("bad.toml:3: munitions.x"), "{err}");
//! ```

mod compile;
mod compiled;
mod correlations;
mod dates;
mod detection;
mod dist_spec;
mod evidence;
mod issue;
mod load;
mod mix;
mod named;
mod paths;
mod schema;
mod suggest;
mod timeline;
mod validate;
mod write;

pub use compile::compile;
pub use compiled::{Compiled, Output, Quantity, TOTAL};
pub use detection::{undetected_shape, MAX_DARK_SEEN};
pub use dist_spec::DistSpec;

pub use dates::{Date, Period};
pub use issue::Issue;
pub use load::{is_timeline, read_any, Format, Origin, Problem, ScenarioFile, MAX_FILE_BYTES};
pub use load::{line_of_path, read_text, timeline_from_str as load_timeline};
pub use named::Named;
pub use paths::{entry_tables, settable_paths};
pub use schema::{
    Category, Channels, CorrelationSpec, DetectionPrior, Direct, EvidenceKind, EvidenceSpec, Flow,
    Mix, MixAlternative, Munition, Periods, RankCorr, Reference, Reported, Scenario, Sharing,
    TimelineChannel, TimelineMunition, TimelineScenario, Voyages, OTHER_CARGO,
};
pub use timeline::{ChannelKind, MAX_PERIODS};

use crate::error::Result;
use std::path::Path;

impl Scenario {
    /// Reads and checks a scenario file: TOML, or JSON for `.json` files.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Scenario> {
        load::from_file(path.as_ref())
    }

    /// Reads and checks TOML text; `origin` names it in error messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Scenario> {
        load::from_str(text, Format::Toml, &Origin::file(origin))
    }

    /// Reads and checks JSON text; `origin` names it in error messages.
    pub fn from_json_str(text: &str, origin: &str) -> Result<Scenario> {
        load::from_str(text, Format::Json, &Origin::file(origin))
    }

    /// Reads and checks text in `format` from `origin`.
    pub fn from_text(text: &str, format: Format, origin: &Origin) -> Result<Scenario> {
        load::from_str(text, format, origin)
    }

    /// Reads and checks a scenario given as a TOML value tree, such as a
    /// Python dict converted field by field: the checks and messages of a
    /// file, located by field path (there are no lines).
    pub fn from_value(value: toml::Value, origin: &Origin) -> Result<Scenario> {
        load::from_value(value, origin)
    }

    /// Checks a scenario built in code (files are checked when read).
    pub fn validate(&self, origin: &str) -> Result<()> {
        validate::validate(self).map_err(|issues| {
            let origin = load::Origin {
                name: origin.to_string(),
                lines: false,
            };
            load::locate_all(issues, None, &origin).into()
        })
    }

    /// The scenario as TOML (comments are not kept).
    pub fn to_toml(&self) -> Result<String> {
        write::to_toml(self)
    }

    /// The scenario as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| {
            crate::Error::at_field("", format!("cannot write the scenario as JSON: {e}"))
        })
    }
}

impl TimelineScenario {
    /// Reads and checks TOML text; `origin` names it in error messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<TimelineScenario> {
        load::timeline_from_str(text, Format::Toml, &Origin::file(origin))
    }
}

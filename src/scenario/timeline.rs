//! Timeline files: a scenario month by month (or week, or day), with dated
//! channels and dated statements. The same reader as every scenario file:
//! unknown keys refused with the nearest valid names, every value checked
//! where it is written. The graph of series is built in Python
//! (`munflow.timeline.scenario`) from what this module validates.
//!
//! ```toml
//! [timeline]
//! start = "2023-08"
//! end = "2025-06"
//! period = "month"            # or "week", "day"
//!
//! [munitions.shell_152]
//! share = { beta = [15, 5] }                  # of the containers
//! per_container = { pert = [300, 430, 500] }
//! dud_rate = { beta = [2, 8] }
//! fired_per_day = { lognormal_ci = [5000, 20000] }   # stock and days of fire
//! supplied_share = { beta = [3, 5] }                 # of that fire, from this source
//!
//! [channels.rajin]                            # containers by voyage
//! active = [["2023-08", "2025-06"]]
//! voyages_per_period = { lognormal_ci = [7, 16] }
//! sharing = "persistent"                      # or "shared" (default), "independent",
//! rho = 0.7                                   # "walk" (step_sd), "trend" (level_sd,
//!                                             # slope_sd, damping), "changepoint" (hazard)
//! containers_per_voyage = { pert = [80, 150, 300] }
//!
//! [channels.missiles]                         # rounds of one munition
//! munition = "ballistic_missile"
//! rounds_per_period = { lognormal_ci = [3, 20] }
//!
//! [evidence.defence_minister]                 # the evidence syntax of every file, dated
//! kind = "measured"
//! quantity = "cumulative.containers"
//! date = "2024-03"                             # when it was said
//! about = "2024-02"                            # optional: the period it counts to
//! value = 7000
//! rel_error = 0.15
//! ```
//!
//! The tables of ordinary files say the same here, checked and built by
//! their code: `[mix]` (in place of the munitions' `share`),
//! `[correlations.NAME]` over the inputs drawn once, and channels with a
//! total over their active periods, spread evenly: counted voyages
//! (`tracked`, `dark_seen`, `p_detect`, `prior`; see [`ChannelKind`]) and a
//! direct `count` of one `munition`. [`TimelineScenario::draws`] builds them.
//!
//! ```
//! use munflow::scenario::TimelineScenario;
//! let text = "[timeline]\nstart = \"2024-01\"\nend = \"2024-06\"\n\
//!     [channels.port]\nvoyages_per_period = 3\ncontainers_per_voyage = 10\n";
//! let s = TimelineScenario::from_toml_str(text, "t.toml").unwrap();
//! assert_eq!(s.periods(), 6);
//! assert_eq!(s.series()[..2], ["voyages", "cumulative.voyages"]);
//! let typo = text.replace("= 3", "= 3\nshareing = \"independent\"");
//! let err = TimelineScenario::from_toml_str(&typo, "t.toml").unwrap_err().to_string();
//! assert!(err.starts_with("t.toml:6: channels.port.shareing: unknown field `shareing`, did you mean `sharing`?"), "{err}");
//! ```

use super::dates::Date;
use super::dist_spec::DistSpec;
use super::issue::Issue;
use super::schema::{
    EvidenceSpec, Periods, Reference, Sharing, TimelineChannel, TimelineMunition, TimelineScenario,
    Voyages,
};
use super::validate::{
    check_count, check_mix_tables, check_name, check_non_negative, check_rate, check_voyages,
    issue_of, NEGLIGIBLE,
};
use crate::dist::poisson::MAX_RATE as POISSON_MAX_RATE;
use crate::dist::Quantile;
use crate::error::{Error, Result as Built};
use crate::evidence::Observation;
use crate::expr::Node;
use crate::timeline::{Params, ProcessError, RateProcess};
use std::collections::HashMap;

/// The most periods a timeline may have: ten years of days. Every period is
/// a handful of nodes per input, and a timeline far longer is a typo (an end
/// in the wrong century) rather than a model.
pub const MAX_PERIODS: i64 = 3660;

/// What a timeline channel carries, by the fields it gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// Poisson voyages a period (`voyages_per_period`), each of
    /// `containers_per_voyage`.
    VoyageRate,
    /// Voyages counted over the active periods as ordinary files count them
    /// (`tracked`, `dark_seen`, `p_detect`, `prior`), spread evenly.
    CountedVoyages,
    /// Poisson rounds of `munition` a period (`rounds_per_period`).
    RoundRate,
    /// A direct `count` of `munition` over the active periods, spread evenly.
    DirectCount,
}

impl TimelineChannel {
    /// What the channel carries; a channel with no telling field is read
    /// as voyages (and then asked for `voyages_per_period`).
    pub fn kind(&self) -> ChannelKind {
        let counted = self.tracked.is_some()
            || self.dark_seen.is_some()
            || self.p_detect.is_some()
            || self.prior.is_some();
        if self.voyages_per_period.is_some() {
            ChannelKind::VoyageRate
        } else if counted {
            ChannelKind::CountedVoyages
        } else if self.containers_per_voyage.is_some() {
            ChannelKind::VoyageRate
        } else if self.count.is_some() {
            ChannelKind::DirectCount
        } else if self.munition.is_some() || self.rounds_per_period.is_some() {
            ChannelKind::RoundRate
        } else {
            ChannelKind::VoyageRate
        }
    }

    /// Whether the channel carries containers (rather than rounds).
    pub fn carries_containers(&self) -> bool {
        matches!(
            self.kind(),
            ChannelKind::VoyageRate | ChannelKind::CountedVoyages
        )
    }

    /// Whether its counts are whole numbers in every period: Poisson
    /// draws are, a total spread evenly is not.
    fn whole(&self) -> bool {
        matches!(
            self.kind(),
            ChannelKind::VoyageRate | ChannelKind::RoundRate
        )
    }

    /// The channel as the `[channels.voyages.NAME]` table of ordinary files,
    /// when it counts voyages: checked and built by the same code.
    pub fn counted_voyages(&self) -> Option<Voyages> {
        (self.kind() == ChannelKind::CountedVoyages).then(|| Voyages {
            label: None,
            source: None,
            assumptions: Vec::new(),
            tracked: self.tracked.clone().unwrap_or(DistSpec::Number(0.0)),
            dark_seen: self.dark_seen.unwrap_or(0),
            p_detect: self.p_detect.clone(),
            prior: self.prior.unwrap_or_default(),
            containers_per_voyage: self
                .containers_per_voyage
                .clone()
                .unwrap_or(DistSpec::Number(0.0)),
        })
    }
}

impl TimelineScenario {
    /// The number of periods.
    pub fn periods(&self) -> i64 {
        let t = &self.timeline;
        t.period.count(t.start, t.end)
    }

    /// Whether any channel carries containers.
    fn has_containers(&self) -> bool {
        self.channels.iter().any(|(_, c)| c.carries_containers())
    }

    /// Whether a munition arrives by some channel.
    fn delivered(&self, name: &str, m: &TimelineMunition) -> bool {
        (self.has_share(name, m) && self.has_containers())
            || self
                .channels
                .iter()
                .any(|(_, c)| c.munition.as_deref() == Some(name))
    }

    /// Whether a munition has a share of the containers: its own `share`,
    /// or an entry in the `[mix]`.
    fn has_share(&self, name: &str, m: &TimelineMunition) -> bool {
        m.share.is_some() || self.mix_munitions().iter().any(|n| n == name)
    }

    /// The munitions with a share in the `[mix]` (in any alternative).
    fn mix_munitions(&self) -> Vec<String> {
        let Some(mix) = &self.mix else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        for table in super::mix::share_tables(mix).unwrap_or_default() {
            for name in table.entries.names() {
                if name != super::schema::OTHER_CARGO && !out.iter().any(|n| n == name) {
                    out.push(name.to_string());
                }
            }
        }
        out
    }

    /// The series a run gives, in order: the names evidence `quantity` takes.
    pub fn series(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if self.has_containers() {
            out.extend(
                [
                    "voyages",
                    "cumulative.voyages",
                    "containers",
                    "cumulative.containers",
                ]
                .map(String::from),
            );
        }
        for (name, m) in self.munitions.iter() {
            if !self.delivered(name, m) {
                continue;
            }
            out.extend([
                format!("{name}.delivered"),
                format!("cumulative.{name}"),
                format!("functioning.{name}"),
            ]);
            if m.fired_per_day.is_some() {
                out.extend([
                    format!("{name}.days_of_fire"),
                    format!("{name}.wanted"),
                    format!("{name}.stock"),
                ]);
            }
        }
        out
    }

    /// The inputs that are one draw for the whole timeline, by their names
    /// (`shell_152.dud_rate`, `rajin.containers_per_voyage`): statements
    /// may name them (`p` of a count) without a date.
    pub fn inputs(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .one_draw_laws()
            .into_iter()
            .map(|(n, _, _)| n)
            .collect();
        out.extend(self.mix_munitions().iter().map(|m| format!("{m}.share")));
        for (name, c) in self.channels.iter() {
            if c.kind() == ChannelKind::CountedVoyages {
                out.extend([format!("{name}.dark_unseen"), format!("{name}.voyages")]);
            }
        }
        out
    }

    /// The laws drawn once for the whole timeline: (name, field path, law).
    fn one_draw_laws(&self) -> Vec<(String, String, DistSpec)> {
        let mut out = Vec::new();
        for (path, spec) in self.laws() {
            let mut parts = path.splitn(3, '.');
            let (table, owner, field) = (parts.next(), parts.next(), parts.next());
            let (Some(table), Some(owner), Some(field)) = (table, owner, field) else {
                continue;
            };
            let per_period = table == "channels"
                && field.ends_with("_per_period")
                && self
                    .channels
                    .get(owner)
                    .is_some_and(|c| c.sharing.unwrap_or_default() != Sharing::Shared);
            if !per_period {
                out.push((format!("{owner}.{field}"), path.clone(), spec));
            }
        }
        out
    }

    /// The draws of the timeline that are one for the whole run, by name,
    /// built by the ordinary reader's code: each law's draw, the cargo
    /// mix's shares (`mix.rs`), counted voyages' totals (`detection.rs`),
    /// with the inputs of `[correlations]` coupled (`correlations.rs`).
    /// Python builds the series on them.
    ///
    /// # Errors
    /// What only building finds (a correlation naming no such input, a
    /// matrix no joint law has), located at the field.
    pub fn draws(&self) -> Built<HashMap<String, Node>> {
        let laws = self.one_draw_laws();
        let draw = |spec: &DistSpec, name: &str| -> Built<Node> {
            Ok(match spec.as_number() {
                Some(x) => Node::constant(x),
                None => Node::draw(spec.to_dist()?).named(name),
            })
        };
        let mut plain: Vec<Node> = Vec::new();
        let mut name_of_field: HashMap<&str, &str> = HashMap::new();
        for (name, path, spec) in &laws {
            plain.push(draw(spec, name)?);
            name_of_field.insert(path, name);
        }
        let no_coupling = HashMap::new();
        let mix_fields;
        if let Some(mix) = &self.mix {
            let nodes = super::mix::shares(mix, &no_coupling)?;
            plain.extend(nodes.shares.into_iter().map(|(_, node, _)| node));
            mix_fields = nodes.fields;
        } else {
            mix_fields = Vec::new();
        }
        for (name, field) in &mix_fields {
            name_of_field.insert(field, name);
        }
        let by_name = super::compiled::named_nodes(&plain);
        let coupled =
            super::correlations::couple_named(&self.correlations, &by_name, &name_of_field)?;
        // Known numbers stay numbers in Python (laws() gives them as floats).
        let mut out: HashMap<String, Node> = HashMap::new();
        let mut known: HashMap<String, Node> = HashMap::new();
        for (name, _, spec) in &laws {
            let node = match coupled.get(name) {
                Some(node) => node.clone(),
                None => draw(spec, name)?,
            };
            match spec.as_number() {
                Some(_) => known.insert(name.clone(), node),
                None => out.insert(name.clone(), node),
            };
        }
        if let Some(mix) = &self.mix {
            let nodes = super::mix::shares(mix, &coupled)?;
            let shares: Vec<Node> = nodes.shares.into_iter().map(|(_, n, _)| n).collect();
            out.extend(super::compiled::named_nodes(&shares));
        }
        for (name, c) in self.channels.iter() {
            let Some(v) = c.counted_voyages() else {
                continue;
            };
            let at = |field: &str| format!("channels.{name}.{field}");
            let p_detect = out.get(&format!("{name}.p_detect")).cloned();
            let unseen = super::detection::undetected(v.dark_seen, p_detect.as_ref(), v.prior)
                .map_err(|e| crate::Error::at_field(at("p_detect"), e.to_string()))?
                .named(format!("{name}.dark_unseen"));
            let tracked_name = format!("{name}.tracked");
            let tracked = (out.get(&tracked_name).or(known.get(&tracked_name)))
                .cloned()
                .unwrap_or_else(|| Node::constant(0.0));
            let voyages = tracked
                .add(&Node::constant(v.dark_seen as f64))
                .add(&unseen)
                .named(format!("{name}.voyages"));
            out.insert(format!("{name}.dark_unseen"), unseen);
            out.insert(format!("{name}.voyages"), voyages);
        }
        Ok(out)
    }

    /// The series that are whole numbers in every sample (counts of
    /// voyages, and of rounds that arrive by channels of rounds only): the
    /// `n` a count statement takes.
    pub fn whole_series(&self) -> Vec<String> {
        let mut out = Vec::new();
        let whole = |c: &TimelineChannel| c.whole();
        let mut containers = self.channels.iter().filter(|(_, c)| c.carries_containers());
        if self.has_containers() && containers.all(|(_, c)| whole(c)) {
            out.extend(["voyages", "cumulative.voyages"].map(String::from));
        }
        for (name, m) in self.munitions.iter() {
            let rounds_whole = self
                .channels
                .iter()
                .filter(|(_, c)| c.munition.as_deref() == Some(name))
                .all(|(_, c)| whole(c));
            if !self.has_share(name, m) && rounds_whole && self.delivered(name, m) {
                out.extend([format!("{name}.delivered"), format!("cumulative.{name}")]);
            }
        }
        out
    }

    /// Every law of the file by field path, with the defaults a missing
    /// field means (per_container 1, dud_rate 0, supplied_share 1).
    pub fn laws(&self) -> Vec<(String, DistSpec)> {
        let mut out = Vec::new();
        for (name, m) in self.munitions.iter() {
            let at = |field: &str| format!("munitions.{name}.{field}");
            let defaults = [
                ("share", &m.share, None),
                ("per_container", &m.per_container, Some(1.0)),
                ("dud_rate", &m.dud_rate, Some(0.0)),
                ("fired_per_day", &m.fired_per_day, None),
                ("supplied_share", &m.supplied_share, Some(1.0)),
            ];
            for (field, spec, default) in defaults {
                if let Some(spec) = spec.clone().or(default.map(DistSpec::Number)) {
                    out.push((at(field), spec));
                }
            }
        }
        for (name, c) in self.channels.iter() {
            for (field, spec) in [
                ("voyages_per_period", &c.voyages_per_period),
                ("containers_per_voyage", &c.containers_per_voyage),
                ("rounds_per_period", &c.rounds_per_period),
                ("tracked", &c.tracked),
                ("p_detect", &c.p_detect),
                ("count", &c.count),
                ("step_sd", &c.step_sd),
                ("level_sd", &c.level_sd),
                ("slope_sd", &c.slope_sd),
            ] {
                if let Some(spec) = spec {
                    out.push((format!("channels.{name}.{field}"), spec.clone()));
                }
            }
        }
        out
    }

    /// The dated statement `[evidence.NAME]` as an observation, by the
    /// reader that builds ordinary files' evidence: `resolve` gives the node
    /// a path names (a series read at the statement's date, or an input);
    /// numbers are constants. Errors name the statement's field.
    ///
    /// ```
    /// use munflow::expr::Node;
    /// use munflow::scenario::{load_timeline, Format, Origin};
    /// let text = "[timeline]\nstart = \"2024-01\"\nend = \"2024-03\"\n\
    ///     [channels.rail]\nvoyages_per_period = 10\ncontainers_per_voyage = 50\n\
    ///     [evidence.said]\nkind = \"at_least\"\nquantity = \"cumulative.containers\"\n\
    ///     date = \"2024-03\"\nvalue = 1000\n";
    /// let file = load_timeline(text, Format::Toml, &Origin::file("t.toml")).unwrap();
    /// let obs = file.statement("said", &|_| Ok(Node::constant(1500.0))).unwrap();
    /// assert_eq!(obs.kind.name(), "at_least");
    /// ```
    pub fn statement(
        &self,
        name: &str,
        resolve: &dyn Fn(&str) -> Result<Node, String>,
    ) -> Built<Observation> {
        let at = |field: &str| format!("evidence.{name}.{field}");
        let spec = self
            .evidence
            .get(name)
            .ok_or_else(|| Error::at_field(at("kind"), "no such statement in the file"))?;
        spec.observation(name, &|r: &Reference| match r {
            Reference::Number(x) => Ok(Node::constant(*x)),
            Reference::Path(p) => resolve(p),
        })
        .map_err(|(field, message)| Error::at_field(at(field), message))
    }
}

/// Every problem of a timeline file (the first of each channel, munition
/// and statement), or `Ok`. The periods come first: the rest is read
/// against them.
pub(super) fn validate(s: &TimelineScenario) -> Result<(), Vec<Issue>> {
    check_periods(&s.timeline).map_err(|issue| vec![issue])?;
    if s.channels.is_empty() {
        return Err(vec![Issue::at(
            &["channels"],
            "a timeline file needs at least one [channels.NAME] table",
        )]);
    }
    // Channels first: a misspelt `munition` is reported there; a munition
    // no channel delivers is only reported once the channels are sound.
    let channels: Vec<Issue> = s
        .channels
        .iter()
        .filter_map(|(name, c)| check_channel(s, name, c).err())
        .collect();
    if !channels.is_empty() {
        return Err(channels);
    }
    check_mix(s).map_err(|issue| vec![issue])?;
    let series = s.series();
    let munitions = s
        .munitions
        .iter()
        .map(|(name, m)| check_munition(s, name, m));
    let statements = s
        .evidence
        .iter()
        .map(|(name, e)| check_statement(s, &series, name, e));
    let found: Vec<Issue> = munitions
        .chain(statements)
        .filter_map(Result::err)
        .collect();
    if !found.is_empty() {
        return Err(found);
    }
    // What only building finds (correlations), at the field it concerns.
    s.draws().map(drop).map_err(|e| vec![issue_of(e)])
}

/// The `[mix]` of ordinary files, checked by their code, in place of the
/// munitions' own `share`.
fn check_mix(s: &TimelineScenario) -> Result<(), Issue> {
    let Some(mix) = &s.mix else {
        return Ok(());
    };
    if let Some((name, _)) = s.munitions.iter().find(|(_, m)| m.share.is_some()) {
        return Err(Issue::at(
            &["munitions", name, "share"],
            "the shares of the containers are given by [mix]: give each munition's share there, not both",
        ));
    }
    if !s.has_containers() {
        return Err(Issue::at(
            &["mix"],
            "a cargo mix is given but no channel carries containers",
        ));
    }
    let munitions: Vec<&str> = s.munitions.names().collect();
    // Rounds per container default to 1 in timeline files.
    check_mix_tables(mix, &munitions, &|_| true).map(drop)
}

fn check_periods(t: &Periods) -> Result<(), Issue> {
    if t.end < t.start {
        return Err(Issue::at(
            &["timeline", "end"],
            format!("end {} is before start {}", t.end, t.start),
        ));
    }
    let count = t.period.count(t.start, t.end);
    if count > MAX_PERIODS {
        return Err(Issue::at(
            &["timeline", "end"],
            format!(
                "{} to {} is {count} {}s; a timeline has at most {MAX_PERIODS} periods (is the end's year right? a longer period, such as \"week\" or \"month\", covers more time)",
                t.start,
                t.end,
                t.period.name()
            ),
        ));
    }
    Ok(())
}

/// Timeline series are named `voyages`, `containers`, `cumulative.NAME`, ...
const TIMELINE_RESERVED: [&str; 2] = ["voyages", "containers"];

fn check_munition(s: &TimelineScenario, name: &str, m: &TimelineMunition) -> Result<(), Issue> {
    let here = ["munitions", name];
    check_name(&here, name, "a munition")?;
    if TIMELINE_RESERVED.contains(&name) {
        return Err(Issue::at(
            &here,
            format!("'{name}' names a series of timeline files and cannot name a munition"),
        ));
    }
    let at = |field: &str| ["munitions", name, field].map(String::from);
    for (field, spec) in [
        ("share", &m.share),
        ("dud_rate", &m.dud_rate),
        ("supplied_share", &m.supplied_share),
    ] {
        if let Some(spec) = spec {
            check_rate(&at(field), spec)?;
        }
    }
    if let Some(spec) = &m.per_container {
        check_count(&at("per_container"), spec)?;
    }
    if let Some(spec) = &m.fired_per_day {
        check_non_negative(&at("fired_per_day"), spec)?;
        if spec.as_number() == Some(0.0) {
            return Err(Issue::at(
                &at("fired_per_day"),
                "fire of 0 rounds a day gives infinite days of fire",
            ));
        }
    }
    if m.per_container.is_some() && !s.has_share(name, m) {
        return Err(Issue::at(
            &at("per_container"),
            "per_container counts rounds in this munition's containers: give its share of the containers too (share, or an entry in [mix])",
        ));
    }
    if m.supplied_share.is_some() && m.fired_per_day.is_none() {
        return Err(Issue::at(
            &at("supplied_share"),
            "supplied_share is a share of fired_per_day: give fired_per_day too",
        ));
    }
    if m.share.is_some() && !s.has_containers() {
        return Err(Issue::at(
            &at("share"),
            "share is of the containers, and no channel carries containers (voyages_per_period and containers_per_voyage)",
        ));
    }
    if !s.delivered(name, m) {
        return Err(Issue::at(
            &here,
            format!("no channel delivers '{name}': give it a share of the containers, or a channel with munition = \"{name}\" and rounds_per_period"),
        ));
    }
    Ok(())
}

fn check_channel(s: &TimelineScenario, name: &str, c: &TimelineChannel) -> Result<(), Issue> {
    check_name(&["channels", name], name, "a channel")?;
    let at = |field: &str| ["channels", name, field].map(String::from);
    use ChannelKind::*;
    let rates = &[VoyageRate, RoundRate][..];
    // Each field, whether given, and the kinds of channel it belongs to.
    let fields: [(&str, bool, &[ChannelKind]); 16] = [
        (
            "voyages_per_period",
            c.voyages_per_period.is_some(),
            &[VoyageRate],
        ),
        (
            "containers_per_voyage",
            c.containers_per_voyage.is_some(),
            &[VoyageRate, CountedVoyages],
        ),
        ("tracked", c.tracked.is_some(), &[CountedVoyages]),
        ("dark_seen", c.dark_seen.is_some(), &[CountedVoyages]),
        ("p_detect", c.p_detect.is_some(), &[CountedVoyages]),
        ("prior", c.prior.is_some(), &[CountedVoyages]),
        ("munition", c.munition.is_some(), &[RoundRate, DirectCount]),
        (
            "rounds_per_period",
            c.rounds_per_period.is_some(),
            &[RoundRate],
        ),
        ("count", c.count.is_some(), &[DirectCount]),
        ("sharing", c.sharing.is_some(), rates),
        ("rho", c.rho.is_some(), rates),
        ("step_sd", c.step_sd.is_some(), rates),
        ("level_sd", c.level_sd.is_some(), rates),
        ("slope_sd", c.slope_sd.is_some(), rates),
        ("damping", c.damping.is_some(), rates),
        ("hazard", c.hazard.is_some(), rates),
    ];
    let kind = c.kind();
    let (needed, what): (&[&str], &str) = match kind {
        VoyageRate => (
            &["voyages_per_period", "containers_per_voyage"],
            "voyages_per_period and containers_per_voyage",
        ),
        CountedVoyages => (
            &["containers_per_voyage"],
            "counted voyages (tracked, dark_seen, p_detect, prior)",
        ),
        RoundRate => (
            &["munition", "rounds_per_period"],
            "munition and rounds_per_period",
        ),
        DirectCount => (&["munition", "count"], "munition and count"),
    };
    let kinds = "a channel carries containers (voyages_per_period, or counted voyages: tracked, dark_seen, p_detect, prior; with containers_per_voyage) or rounds of one munition (munition, with rounds_per_period or a count); the rate processes (sharing, rho, ...) are for the rates a period";
    if let Some((field, _, _)) = fields
        .iter()
        .find(|(_, given, of)| *given && !of.contains(&kind))
    {
        return Err(Issue::at(
            &at(field),
            format!("{field} does not go with {what}: {kinds}"),
        ));
    }
    let given = |field: &&str| fields.iter().any(|(f, g, _)| f == field && *g);
    if let Some(field) = needed.iter().find(|f| !given(f)) {
        return Err(Issue::at(
            &["channels", name],
            format!("channel '{name}' needs {field}: {kinds}"),
        ));
    }
    if let Some(munition) = &c.munition {
        if !s.munitions.contains(munition) {
            let names: Vec<&str> = s.munitions.names().collect();
            return Err(Issue::at(
                &at("munition"),
                format!(
                    "names no munition of [munitions]: '{munition}'{}",
                    nearest_hint(munition, &names)
                ),
            ));
        }
    }
    if let Some(spec) = &c.containers_per_voyage {
        check_count(&at("containers_per_voyage"), spec)?;
    }
    let (rate_field, rate) = match (
        &c.voyages_per_period,
        &c.rounds_per_period,
        c.counted_voyages(),
    ) {
        (Some(v), _, _) => ("voyages_per_period", v),
        (_, Some(r), _) => ("rounds_per_period", r),
        (_, _, Some(voyages)) => {
            check_voyages(&["channels", name], &voyages)?;
            return check_active(s, name, c);
        }
        _ => {
            let count = c
                .count
                .as_ref()
                .ok_or_else(|| Issue::at(&["channels", name], kinds))?;
            check_count(&at("count"), count)?;
            return check_active(s, name, c);
        }
    };
    let dist = check_non_negative(&at(rate_field), rate)?;
    // Each period's count is Poisson with this rate: its sampler's limit.
    let high = dist.isf(NEGLIGIBLE);
    if high > POISSON_MAX_RATE {
        return Err(Issue::at(
            &at(rate_field),
            format!(
                "a rate a period must stay below 1e15 (the largest Poisson rate drawn exactly), but {} reaches {}",
                dist.describe(),
                crate::dist::fmt_num(high)
            ),
        ));
    }
    check_rate_process(name, c, rate_field, rate)?;
    check_active(s, name, c)
}

/// The channel's active ranges lie in the timeline, each in order.
fn check_active(s: &TimelineScenario, name: &str, c: &TimelineChannel) -> Result<(), Issue> {
    for (i, [start, end]) in c.active.iter().flatten().enumerate() {
        let path = [
            "channels".to_string(),
            name.to_string(),
            format!("active[{i}]"),
        ];
        let range = format!("active range {start}..{end}");
        for (what, date) in [("start", start), ("end", end)] {
            if !within(s, *date) {
                return Err(Issue::at(
                    &path,
                    format!("{range}: {what} {date} is {}", outside(s)),
                ));
            }
        }
        if end < start {
            return Err(Issue::at(&path, format!("{range}: end is before start")));
        }
    }
    Ok(())
}

/// The channel's rate process, checked where it is defined
/// ([`RateProcess::from_params`]): each problem at the field at fault.
fn check_rate_process(
    name: &str,
    c: &TimelineChannel,
    rate_field: &str,
    rate: &DistSpec,
) -> Result<(), Issue> {
    let at = |field: &str| ["channels", name, field].map(String::from);
    let sd = |field: &str, spec: &Option<DistSpec>| -> Result<Option<Node>, Issue> {
        spec.as_ref()
            .map(|spec| check_non_negative(&at(field), spec).map(Node::draw))
            .transpose()
    };
    let params = Params {
        rho: c.rho,
        step_sd: sd("step_sd", &c.step_sd)?,
        level_sd: sd("level_sd", &c.level_sd)?,
        slope_sd: sd("slope_sd", &c.slope_sd)?,
        damping: c.damping,
        hazard: c.hazard,
    };
    let sharing = c.sharing.unwrap_or_default();
    let located = |e: ProcessError| {
        let field = if e.field == "law" {
            rate_field
        } else {
            e.field
        };
        Issue::at(&at(field), e.message)
    };
    let process = RateProcess::from_params(sharing.name(), params).map_err(located)?;
    match rate.as_number() {
        // A known rate is the same in every period, whatever the process;
        // only the processes that redraw or wander would be ignored.
        Some(_) if matches!(sharing, Sharing::Walk | Sharing::Trend | Sharing::Changepoint) => {
            Err(Issue::at(
                &at(rate_field),
                format!(
                    "sharing = \"{}\" moves an uncertain rate from period to period, and this rate is a number; give its law (lognormal_ci = [low, high])",
                    sharing.name()
                ),
            ))
        }
        Some(_) => Ok(()),
        None => {
            let dist = rate.to_dist().map_err(|e| Issue::at(&at(rate_field), e.to_string()))?;
            process.check_law(&dist).map_err(located)
        }
    }
}

fn within(s: &TimelineScenario, date: Date) -> bool {
    let t = &s.timeline;
    t.period.within(date, t.start, t.end)
}

fn outside(s: &TimelineScenario) -> String {
    format!(
        "outside the timeline {} .. {}",
        s.timeline.start, s.timeline.end
    )
}

fn check_statement(
    s: &TimelineScenario,
    series: &[String],
    name: &str,
    e: &EvidenceSpec,
) -> Result<(), Issue> {
    let at = |field: &str| ["evidence", name, field].map(String::from);
    let inputs = s.inputs();
    let mut dated = false;
    for (field, reference) in e.references() {
        let Reference::Path(path) = &reference else {
            continue;
        };
        if series.contains(path) {
            dated = true;
        } else if !inputs.contains(path) {
            let names: Vec<&str> = series.iter().chain(&inputs).map(String::as_str).collect();
            return Err(Issue::at(
                &at(field),
                format!(
                    "names no series or input: '{path}'{}; the series are: {}; the inputs: {}",
                    nearest_hint(path, &names),
                    series.join(", "),
                    inputs.join(", ")
                ),
            ));
        }
        // A count's trials and the items a series of serials numbered.
        let counts = match field {
            "n" => "trials",
            "total" => "the items numbered",
            _ => "",
        };
        if !counts.is_empty() && series.contains(path) && !s.whole_series().contains(path) {
            return Err(Issue::at(
                &at(field),
                format!(
                    "{field} counts {counts}, a whole number in every sample, and '{path}' is not one; whole series: {}",
                    s.whole_series().join(", ")
                ),
            ));
        }
    }
    match (e.date, dated) {
        (None, true) => {
            return Err(Issue::at(
                &["evidence", name],
                "a dated statement needs date (the period it speaks of)",
            ))
        }
        (Some(date), true) if !within(s, date) => {
            return Err(Issue::at(&at("date"), format!("{date} is {}", outside(s))))
        }
        (Some(_), false) => {
            return Err(Issue::at(
                &at("date"),
                "this statement is about inputs, the same in every period: it takes no date",
            ))
        }
        _ => {}
    }
    check_counted_to(s, name, e)?;
    // The figures are checked on a stand-in for the series: what the
    // statement says must make sense whatever the model.
    e.observation(name, &|r: &Reference| match r {
        Reference::Number(x) => Ok(Node::constant(*x)),
        Reference::Path(_) => Ok(Node::constant(1.0)),
    })
    .map(drop)
    .map_err(|(field, message)| Issue::at(&at(field), message))
}

/// A dated statement's `about` (the period a figure published later
/// speaks of), `as_of` (the day it counts to) and `since` (the first
/// period of a window it counts): inside the timeline, `about` not after
/// `date`, `as_of` in the period it belongs to, `since` not after `about`
/// (or `date`).
fn check_counted_to(s: &TimelineScenario, name: &str, e: &EvidenceSpec) -> Result<(), Issue> {
    let at = |field: &str| ["evidence", name, field].map(String::from);
    let period = s.timeline.period;
    let Some(date) = e.date else {
        for (field, given) in [("about", e.about), ("as_of", e.as_of), ("since", e.since)] {
            if given.is_some() {
                let message = format!("{field} needs the statement's date");
                return Err(Issue::at(&at(field), message));
            }
        }
        return Ok(());
    };
    if let Some(since) = e.since {
        let to = e.about.unwrap_or(date);
        if !within(s, since) {
            let message = format!("{since} is {}", outside(s));
            return Err(Issue::at(&at("since"), message));
        }
        if !period.within(since, s.timeline.start, to) {
            return Err(Issue::at(
                &at("since"),
                format!("{since} is after {to}, the period the statement counts to: a window starts before it ends"),
            ));
        }
    }
    if let Some(about) = e.about {
        if !within(s, about) {
            return Err(Issue::at(
                &at("about"),
                format!("{about} is {}", outside(s)),
            ));
        }
        if !period.within(about, s.timeline.start, date) {
            return Err(Issue::at(
                &at("about"),
                format!(
                    "{about} is after the statement's date {date}: a statement speaks of the past"
                ),
            ));
        }
    }
    if let Some(day) = e.as_of {
        let (of, field) = e.about.map_or((date, "date"), |about| (about, "about"));
        if !period.within(day, of, of) {
            return Err(Issue::at(
                &at("as_of"),
                format!("{day} is not in the period of the statement's {field} ({of}): as_of is the day of that period the figure counts to"),
            ));
        }
    }
    Ok(())
}

/// ` (did you mean 'x'?)` for the names nearest `wanted`, or nothing.
fn nearest_hint(wanted: &str, names: &[&str]) -> String {
    let near = super::suggest::nearest(wanted, names);
    if near.is_empty() {
        String::new()
    } else {
        format!(
            " (did you mean {}?)",
            near.iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"[timeline]
start = "2024-01"
end = "2024-06"

[munitions.shell]
share = 0.5
per_container = 400
dud_rate = 0.25

[channels.port]
active = [["2024-02", "2024-04"]]
voyages_per_period = 1000
containers_per_voyage = 10
"#;

    fn error(edit: (&str, &str)) -> String {
        TimelineScenario::from_toml_str(&FILE.replace(edit.0, edit.1), "t.toml")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_file_reads_with_its_series_and_laws() {
        let s = TimelineScenario::from_toml_str(FILE, "t.toml").unwrap();
        assert_eq!(s.periods(), 6);
        assert_eq!(s.series().len(), 7);
        let laws = s.laws();
        assert!(laws.contains(&("munitions.shell.dud_rate".into(), DistSpec::Number(0.25))));
        assert!(laws.contains(&(
            "munitions.shell.supplied_share".into(),
            DistSpec::Number(1.0)
        )));
    }

    #[test]
    fn the_bundled_timeline_is_a_timeline_file_of_the_one_reader() {
        let text = include_str!("../../python/munflow/scenarios/dprk_russia_timeline.toml");
        let origin = super::super::Origin::file("dprk_russia_timeline.toml");
        let read = super::super::read_any(text, super::super::Format::Toml, &origin).unwrap();
        let super::super::ScenarioFile::Timeline(s) = read else {
            panic!("read as a plain scenario")
        };
        assert_eq!(
            (s.periods(), s.series().len(), s.evidence.len()),
            (23, 13, 7)
        );
        assert!(s.inputs().contains(&"shell_152.dud_rate".to_string()));
        // The per-period rate is no single input.
        assert!(!s
            .inputs()
            .contains(&"missiles.rounds_per_period".to_string()));
    }

    #[test]
    fn misspelt_keys_are_refused_at_their_line_with_the_nearest_name() {
        for (edit, want) in [
            (
                ("dud_rate", "dud_rat"),
                "t.toml:8: munitions.shell.dud_rat: unknown field `dud_rat`, did you mean `dud_rate`?",
            ),
            (
                ("dud_rate", "DUD_RATE"),
                "t.toml:8: munitions.shell.DUD_RATE: unknown field `DUD_RATE`, did you mean `dud_rate`?",
            ),
            (
                ("active", "activex"),
                "t.toml:11: channels.port.activex: unknown field `activex`, did you mean `active`?",
            ),
            (
                ("period = ", "x = "),
                "t.toml:",
            ),
        ] {
            let err = error(edit);
            assert!(err.starts_with(want), "{err}");
        }
    }

    #[test]
    fn type_errors_are_located_at_the_field() {
        for (edit, want) in [
            (
                ("active = [[\"2024-02\", \"2024-04\"]]", "active = 5"),
                "t.toml:11: channels.port.active: invalid type: integer `5`",
            ),
            (
                ("end = \"2024-06\"", "end = \"2024-6\""),
                "t.toml:3: timeline.end: expected a date such as",
            ),
            (
                ("end = \"2024-06\"", "end = \"2023-06\""),
                "t.toml:3: timeline.end: end 2023-06 is before start 2024-01",
            ),
            (
                ("end = \"2024-06\"", "end = \"9000-01\"\nperiod = \"day\""),
                "t.toml:3: timeline.end: 2024-01 to 9000-01 is 2547933 days",
            ),
            (
                ("\"2024-04\"]]", "\"2024-09\"]]"),
                "t.toml:11: channels.port.active[0]: active range 2024-02..2024-09: end 2024-09 is outside the timeline 2024-01 .. 2024-06",
            ),
        ] {
            let err = error(edit);
            assert!(err.starts_with(want), "{err}");
        }
    }

    #[test]
    fn rate_processes_and_their_parameters_are_checked_at_their_lines() {
        let rate = "voyages_per_period = 1000";
        let law = "voyages_per_period = { lognormal_ci = [4, 12] }";
        for (edit, want) in [
            (
                format!("{law}\nsharing = \"walk\""),
                "t.toml:13: channels.port.sharing: sharing 'walk' needs step_sd",
            ),
            (
                format!("{law}\nsharing = \"walk\"\nstep_sd = 0"),
                "t.toml:14: channels.port.step_sd: step_sd is an sd on the log scale and must be > 0, got 0",
            ),
            (
                format!("{law}\nsharing = \"trend\"\nlevel_sd = 0.1\nslope_sd = 0.1\ndamping = 0"),
                "t.toml:16: channels.port.damping: damping is the share of the slope kept",
            ),
            (
                format!("{law}\nsharing = \"changepoint\"\nhazard = 1"),
                "t.toml:14: channels.port.hazard: hazard is the probability of a change in each period, in (0, 1), got 1",
            ),
            (
                format!("{law}\nhazard = 0.1"),
                "t.toml:13: channels.port.hazard: hazard is for sharing 'changepoint', and this input's sharing is 'shared'",
            ),
            (
                format!("{rate}\nsharing = \"walk\"\nstep_sd = 0.1"),
                "t.toml:12: channels.port.voyages_per_period: sharing = \"walk\" moves an uncertain rate",
            ),
        ] {
            let err = error((rate, &edit));
            assert!(err.starts_with(want), "{err}");
        }
        let ok = FILE.replace(rate, &format!("{law}\nsharing = \"trend\"\nlevel_sd = 0\nslope_sd = {{ lognormal_ci = [0.01, 0.1] }}"));
        let s = TimelineScenario::from_toml_str(&ok, "t.toml").unwrap();
        assert!(s.inputs().contains(&"port.slope_sd".to_string()));
    }

    #[test]
    fn fields_that_would_be_ignored_are_refused() {
        for (edit, want) in [
            (
                (
                    "voyages_per_period = 1000",
                    "voyages_per_period = 1000\nrho = 0.5",
                ),
                "channels.port.rho: rho is for sharing 'persistent'",
            ),
            (
                ("dud_rate = 0.25", "dud_rate = 0.25\nsupplied_share = 0.5"),
                "munitions.shell.supplied_share: supplied_share is a share of fired_per_day",
            ),
            (
                (
                    "containers_per_voyage = 10",
                    "containers_per_voyage = 10\nmunition = \"shell\"",
                ),
                "channels.port.munition: munition does not go with",
            ),
        ] {
            let err = error(edit);
            assert!(err.contains(want), "{err}");
        }
    }

    #[test]
    fn a_statement_counts_to_a_period_or_a_day_it_can_speak_of() {
        let stated = |fields: &str| {
            let table = format!(
                "\n[evidence.said]\nkind = \"measured\"\nquantity = \"cumulative.containers\"\nvalue = 900\nrel_error = 0.15\n{fields}\n"
            );
            TimelineScenario::from_toml_str(&format!("{FILE}{table}"), "t.toml").map(drop)
        };
        assert!(stated("date = \"2024-04\"\nabout = \"2024-03\"\nas_of = \"2024-03-15\"").is_ok());
        assert!(stated("date = \"2024-04\"\nas_of = \"2024-04-10\"").is_ok());
        for (fields, want) in [
            ("date = \"2024-03\"\nabout = \"2024-04\"", "evidence.said.about: 2024-04 is after the statement's date 2024-03"),
            ("date = \"2024-03\"\nabout = \"2023-12\"", "evidence.said.about: 2023-12 is outside the timeline"),
            ("date = \"2024-03\"\nas_of = \"2024-04-02\"", "evidence.said.as_of: 2024-04-02 is not in the period of the statement's date (2024-03)"),
            ("date = \"2024-04\"\nabout = \"2024-02\"\nas_of = \"2024-03-01\"", "evidence.said.as_of: 2024-03-01 is not in the period of the statement's about (2024-02)"),
        ] {
            let err = stated(fields).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
    }
}

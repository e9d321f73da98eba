//! Timeline files: a scenario month by month (or week, or day), with dated
//! channels and dated statements. The same reader as every scenario file:
//! unknown keys refused with the nearest valid names, every value checked
//! where it is written. The graph of series is built in Python
//! (`munflow.timeline_scenario`) from what this module validates.
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
//! date = "2024-02"
//! value = 7000
//! rel_error = 0.15
//! ```
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
};
use super::validate::{check_count, check_name, check_non_negative, check_rate, NEGLIGIBLE};
use crate::dist::poisson::MAX_RATE as POISSON_MAX_RATE;
use crate::dist::Quantile;
use crate::expr::Node;
use crate::timeline::{Params, ProcessError, RateProcess};

/// The most periods a timeline may have: ten years of days. Every period is
/// a handful of nodes per input, and a timeline far longer is a typo (an end
/// in the wrong century) rather than a model.
pub const MAX_PERIODS: i64 = 3660;

impl TimelineChannel {
    /// Whether the channel carries containers (rather than rounds).
    pub fn carries_containers(&self) -> bool {
        self.voyages_per_period.is_some()
            || self.containers_per_voyage.is_some()
            || (self.rounds_per_period.is_none() && self.munition.is_none())
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
        (m.share.is_some() && self.has_containers())
            || self
                .channels
                .iter()
                .any(|(_, c)| c.munition.as_deref() == Some(name))
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
        let mut out = Vec::new();
        for (path, _) in self.laws() {
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
                out.push(format!("{owner}.{field}"));
            }
        }
        out
    }

    /// The series that are whole numbers in every sample (counts of
    /// voyages, and of rounds that arrive by channels of rounds only): the
    /// `n` a count statement takes.
    pub fn whole_series(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.has_containers() {
            out.extend(["voyages", "cumulative.voyages"].map(String::from));
        }
        for (name, m) in self.munitions.iter() {
            if m.share.is_none() && self.delivered(name, m) {
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
}

/// The first problem of a timeline file, or `Ok`.
pub(super) fn validate(s: &TimelineScenario) -> Result<(), Issue> {
    check_periods(&s.timeline)?;
    if s.channels.is_empty() {
        return Err(Issue::at(
            &["channels"],
            "a timeline file needs at least one [channels.NAME] table",
        ));
    }
    // Channels first: a misspelt `munition` is reported there, not as a
    // munition no channel delivers.
    for (name, c) in s.channels.iter() {
        check_channel(s, name, c)?;
    }
    for (name, m) in s.munitions.iter() {
        check_munition(s, name, m)?;
    }
    let series = s.series();
    for (name, e) in s.evidence.iter() {
        check_statement(s, &series, name, e)?;
    }
    Ok(())
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
    if m.per_container.is_some() && m.share.is_none() {
        return Err(Issue::at(
            &at("per_container"),
            "per_container counts rounds in this munition's containers: give its share of the containers too",
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
    let given = |field: &&str| match *field {
        "voyages_per_period" => c.voyages_per_period.is_some(),
        "containers_per_voyage" => c.containers_per_voyage.is_some(),
        "munition" => c.munition.is_some(),
        _ => c.rounds_per_period.is_some(),
    };
    let containers = ["voyages_per_period", "containers_per_voyage"];
    let rounds = ["munition", "rounds_per_period"];
    let kinds = "a channel carries containers (voyages_per_period and containers_per_voyage) or rounds of one munition (munition and rounds_per_period)";
    if containers.iter().any(given) {
        if let Some(field) = rounds.iter().find(|f| given(f)) {
            return Err(Issue::at(
                &at(field),
                format!(
                    "{field} does not go with {}: {kinds}",
                    containers.join(" and ")
                ),
            ));
        }
    }
    let needed = if c.carries_containers() {
        containers
    } else {
        rounds
    };
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
    let (rate_field, rate) = match (&c.voyages_per_period, &c.rounds_per_period) {
        (Some(v), _) => ("voyages_per_period", v),
        (_, Some(r)) => ("rounds_per_period", r),
        _ => unreachable!("a channel has a rate once its fields are checked"),
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
    // The figures are checked on a stand-in for the series: what the
    // statement says must make sense whatever the model.
    e.observation(name, &|r: &Reference| match r {
        Reference::Number(x) => Ok(Node::constant(*x)),
        Reference::Path(_) => Ok(Node::constant(1.0)),
    })
    .map(drop)
    .map_err(|(field, message)| Issue::at(&at(field), message))
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
            (23, 13, 3)
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
}

//! Checks that need the whole scenario: cross-references (a channel naming an
//! unknown munition), shares that must sum to 1, rates that must stay in
//! [0, 1], counts that must not go negative, fields that only make sense
//! together. Each problem is reported with the field path it concerns, which
//! `locate` turns into a line of the file.

use super::detection::MAX_DARK_SEEN;
use super::dist_spec::DistSpec;
use super::issue::Issue;
use super::mix::{share_tables, stick_order, ShareTable};
use super::named::Named;
use super::schema::{Category, DetectionPrior, Mix, Scenario, Voyages, OTHER_CARGO};
use crate::dist::{fmt_num, Dist, Quantile};
use crate::error::Error;

/// Names that outputs use for themselves, so no munition or channel may take them.
const RESERVED: [&str; 4] = ["total", "containers", "mix", OTHER_CARGO];

/// Shares that sum to within this of 1 are accepted (they are typed by hand).
const SHARE_TOLERANCE: f64 = 1e-6;

/// Every problem found, or `Ok`: the first of each check that does not
/// depend on another (names, each munition, the channels, the mix, the
/// estimates), so one pass over a file reports them all. The checks that
/// need the others to hold (every munition arrives; the graph compiles) run
/// only when they do, so a misspelt name is not also reported as a
/// munition that never arrives.
pub fn validate(s: &Scenario) -> Result<(), Vec<Issue>> {
    let mut found: Vec<Issue> = check_names(s).err().into_iter().collect();
    for (name, m) in s.munitions.iter() {
        found.extend(check_munition(name, m));
    }
    found.extend(check_channels(s));
    found.extend(
        [check_mix(s), check_estimates(s)]
            .into_iter()
            .filter_map(Result::err),
    );
    if !found.is_empty() {
        return Err(found);
    }
    check_every_munition_arrives(s)
        .and_then(|()| check_compiles(s))
        .map_err(|issue| vec![issue])
}

/// What only building the graph finds (a fixed combination of parameters no
/// law accepts), at the field it concerns.
fn check_compiles(s: &Scenario) -> Result<(), Issue> {
    super::compile::compile(s).map(drop).map_err(issue_of)
}

/// A building error as a problem at the field it names.
pub(super) fn issue_of(e: Error) -> Issue {
    match e {
        Error::Scenario(p) => Issue {
            path: p
                .path
                .split('.')
                .filter(|k| !k.is_empty())
                .map(String::from)
                .collect(),
            message: p.message,
        },
        e => Issue::at(&[] as &[&str], e.to_string()),
    }
}

fn check_names(s: &Scenario) -> Result<(), Issue> {
    if s.munitions.is_empty() {
        return Err(Issue::at(
            &["munitions"],
            "the catalog is empty; describe at least one munition",
        ));
    }
    for name in s.munitions.names() {
        check_name(&["munitions", name], name, "a munition")?;
    }
    let mut seen: Vec<&str> = Vec::new();
    for (kind, name) in s.channels.all() {
        check_name(&["channels", kind, name], name, "a channel")?;
        if s.munitions.contains(name) {
            return Err(Issue::at(
                &["channels", kind, name],
                format!("'{name}' is already a munition; a channel needs its own name"),
            ));
        }
        if seen.contains(&name) {
            return Err(Issue::at(
                &["channels", kind, name],
                format!("another channel is already named '{name}'; channel names must be unique across kinds"),
            ));
        }
        seen.push(name);
    }
    Ok(())
}

/// Names become parts of node names (`shell_152.dud_rate`), so no dots, spaces
/// or brackets, and none of the names outputs use.
pub(super) fn check_name(path: &[&str], name: &str, what: &str) -> Result<(), Issue> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        return Err(Issue::at(
            path,
            format!("'{name}' cannot name {what}: use letters, digits, '_' and '-' only"),
        ));
    }
    if RESERVED.contains(&name) {
        return Err(Issue::at(
            path,
            format!("'{name}' is reserved for outputs and cannot name {what}"),
        ));
    }
    Ok(())
}

/// Each field's first problem: the fields of a munition are independent.
fn check_munition(name: &str, m: &super::schema::Munition) -> Vec<Issue> {
    let at = |field: &str| ["munitions", name, field].map(String::from);
    let mut found = Vec::new();
    for (field, spec) in [
        ("dud_rate", &m.dud_rate),
        ("failure_rate", &m.failure_rate),
        ("interception_rate", &m.interception_rate),
    ] {
        if let Some(spec) = spec {
            found.extend(check_rate(&at(field), spec).err());
        }
    }
    for (field, spec) in [
        ("per_container", &m.per_container),
        ("daily_consumption", &m.daily_consumption),
    ] {
        if let Some(spec) = spec {
            found.extend(check_count(&at(field), spec).err());
        }
    }
    if let Some(spec) = &m.mass_kg {
        found.extend(check_non_negative(&at("mass_kg"), spec).err());
    }
    if let Some(spec) = &m.packaging_share {
        let path = at("packaging_share");
        if m.mass_kg.is_none() {
            found.push(Issue::at(
                &path,
                "a packaging share needs mass_kg, the mass of one round it adds to",
            ));
        } else if let Err(issue) = check_rate(&path, spec) {
            found.push(issue);
        } else if spec.as_number().is_some_and(|x| x >= 1.0) {
            found.push(Issue::at(
                &path,
                "a packaging share is the share of the shipped mass that is packaging, below 1 (0.25 for a quarter), got 1",
            ));
        }
    }
    if m.daily_consumption.as_ref().and_then(DistSpec::as_number) == Some(0.0) {
        found.push(Issue::at(
            &at("daily_consumption"),
            "a daily consumption of 0 gives infinite days of fire",
        ));
    }
    if m.category != Category::Missile {
        for (field, spec) in [
            ("failure_rate", &m.failure_rate),
            ("interception_rate", &m.interception_rate),
        ] {
            if spec.is_some() {
                found.push(Issue::at(
                    &at(field),
                    format!(
                        "only missiles have a {field}; '{name}' is a {} (use dud_rate)",
                        m.category.name()
                    ),
                ));
            }
        }
    }
    found
}

/// The law's support must lie in [0, 1].
pub(super) fn check_rate<S: AsRef<str>>(path: &[S], spec: &DistSpec) -> Result<(), Issue> {
    let dist = spec.to_dist().map_err(|e| Issue::at(path, e.to_string()))?;
    let (lo, hi) = dist.support();
    if lo < 0.0 || hi > 1.0 {
        return Err(Issue::at(
            path,
            format!(
                "a rate must lie in [0, 1], but {} ranges over [{}, {}]; use beta, pert or a truncated law",
                dist.describe(),
                fmt_num(lo),
                fmt_num(hi)
            ),
        ));
    }
    Ok(())
}

/// A detection probability of exactly 0 (in some samples) means dark
/// voyages are never seen, so their number is unbounded.
fn check_detection_never_zero<S: AsRef<str>>(path: &[S], spec: &DistSpec) -> Result<(), Issue> {
    let dist = spec.to_dist().map_err(|e| Issue::at(path, e.to_string()))?;
    let at_zero = dist.cdf(0.0);
    if at_zero > 0.0 {
        let how_often = if at_zero >= 1.0 {
            "it is 0".to_string()
        } else {
            format!(
                "{} is 0 with probability {}",
                dist.describe(),
                fmt_num(at_zero)
            )
        };
        return Err(Issue::at(
            path,
            format!(
                "a detection probability of 0 means dark voyages are never seen, so their number is unbounded, and {how_often}; use a law on (0, 1] such as beta"
            ),
        ));
    }
    Ok(())
}

/// The largest chance, per sample, that a share of a Dirichlet comes out
/// 0/0 that is accepted.
const MAX_DIRICHLET_UNDERFLOW: f64 = 1e-12;

/// Each stick is Beta(a, b) with `a` the entry's concentration and `b` the
/// sum of those after it, drawn from two gammas; tiny shapes put most of a
/// gamma's mass below the smallest double (Gamma(a) < x has probability about
/// x^a / Γ(a + 1)), and when both of a stick's gammas underflow its share is
/// 0/0. The riskiest stick is the last: its two entries' concentrations must
/// not both be tiny.
fn check_dirichlet_drawable(path: &[String], concentrations: &Named<f64>) -> Result<(), Issue> {
    let tiny = f64::MIN_POSITIVE.ln();
    let ln_underflow = |a: f64| a * tiny - statrs::function::gamma::ln_gamma(a + 1.0);
    let order = stick_order(concentrations);
    let mut after: f64 = order.iter().map(|(_, a)| a).sum();
    for (i, &(name, a)) in order.iter().enumerate().take(order.len().saturating_sub(1)) {
        after -= a;
        let ln_chance = ln_underflow(a) + ln_underflow(after);
        if ln_chance > MAX_DIRICHLET_UNDERFLOW.ln() {
            let rest: Vec<&str> = order[i + 1..].iter().map(|(n, _)| *n).collect();
            return Err(Issue::at(
                path,
                format!(
                    "concentrations this small cannot be drawn in double precision: the share of '{name}' against {} (concentrations summing to {}) would be 0/0 in about 1 sample in {}; make them sum to at least {:.2}, or give fixed shares",
                    rest.join(" and "),
                    fmt_num(a + after),
                    fmt_num((-ln_chance).exp().round()),
                    (MAX_DIRICHLET_UNDERFLOW.ln() / tiny * 100.0).ceil() / 100.0
                ),
            ));
        }
    }
    Ok(())
}

/// The law's support must not reach below 0.
pub(super) fn check_non_negative<S: AsRef<str>>(
    path: &[S],
    spec: &DistSpec,
) -> Result<Dist, Issue> {
    let dist = spec.to_dist().map_err(|e| Issue::at(path, e.to_string()))?;
    let (lo, _) = dist.support();
    if lo < 0.0 {
        return Err(Issue::at(
            path,
            format!(
                "this quantity cannot be negative, but {} reaches {}; use lognormal_ci, pert or a truncated law",
                dist.describe(),
                fmt_num(lo)
            ),
        ));
    }
    Ok(dist)
}

/// The chance of exceeding a limit that is accepted as "never".
pub(super) const NEGLIGIBLE: f64 = 1e-12;

/// The largest whole number a double holds exactly, and so the largest count.
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// A count (containers, voyages, rounds per container): not negative, and
/// below 2^53 but with negligible probability, since counts are thinned by
/// binomial draws that need them exact.
pub(super) fn check_count<S: AsRef<str>>(path: &[S], spec: &DistSpec) -> Result<(), Issue> {
    let dist = check_non_negative(path, spec)?;
    let high = dist.isf(NEGLIGIBLE);
    if high > MAX_COUNT {
        return Err(Issue::at(
            path,
            format!(
                "a count must stay below 2^53 = 9007199254740992 (the largest whole number a double holds exactly), but {} reaches {}",
                dist.describe(),
                fmt_num(high)
            ),
        ));
    }
    Ok(())
}

/// The unseen dark voyages are NegativeBinomial(r, p_detect): their mean
/// r (1 - p) / p passes 10^15 (no longer a count of ships, and beyond what
/// the sampler accepts) when p_detect < r / 10^15. That must be negligible.
fn check_detection_not_tiny<S: AsRef<str>>(
    path: &[S],
    spec: &DistSpec,
    r: f64,
) -> Result<(), Issue> {
    let dist = spec.to_dist().map_err(|e| Issue::at(path, e.to_string()))?;
    let threshold = r / 1e15;
    let chance = dist.cdf(threshold);
    if chance > NEGLIGIBLE {
        return Err(Issue::at(
            path,
            format!(
                "{} is below {} with probability {}, where the unseen dark voyages would number over 10^15; use a law bounded away from 0",
                dist.describe(),
                fmt_num(threshold),
                fmt_num(chance)
            ),
        ));
    }
    Ok(())
}

/// Counted voyages (`[channels.voyages.NAME]`, or a timeline channel with
/// their fields) at the table `here`.
pub(super) fn check_voyages(here: &[&str], v: &Voyages) -> Result<(), Issue> {
    let at = |field: &'static str| [here, &[field]].concat();
    check_count(&at("tracked"), &v.tracked)?;
    check_count(&at("containers_per_voyage"), &v.containers_per_voyage)?;
    if v.dark_seen > MAX_DARK_SEEN {
        return Err(Issue::at(
            &at("dark_seen"),
            format!(
                "dark_seen counts sighted voyages and must be at most {MAX_DARK_SEEN}, got {}",
                v.dark_seen
            ),
        ));
    }
    let infers_unseen = v.dark_seen > 0 || v.prior == DetectionPrior::Uniform;
    match &v.p_detect {
        Some(p) => {
            check_rate(&at("p_detect"), p)?;
            check_detection_never_zero(&at("p_detect"), p)?;
            if let Some(r) = super::detection::undetected_shape(v.dark_seen, v.prior) {
                check_detection_not_tiny(&at("p_detect"), p, r)?;
            }
            if !infers_unseen {
                return Err(Issue::at(
                        &at("p_detect"),
                        "p_detect is unused: with no dark voyages seen and the scale_invariant prior no unseen voyages are inferred; set dark_seen, or prior = \"uniform\"",
                    ));
            }
        }
        None if infers_unseen => {
            return Err(Issue::at(
                    here,
                    "missing field `p_detect`: the probability that a dark voyage is seen is needed to infer the unseen ones",
                ));
        }
        None => {}
    }
    Ok(())
}

/// The first problem of each channel: channels are independent.
fn check_channels(s: &Scenario) -> Vec<Issue> {
    let ch = &s.channels;
    if ch.is_empty() {
        return vec![Issue::at(
            &["channels"],
            "no supply channel: add a reported total, voyages, a flow or a direct count",
        )];
    }
    let reported = ch
        .reported
        .iter()
        .map(|(name, r)| check_count(&["channels", "reported", name, "containers"], &r.containers));
    let voyages = ch
        .voyages
        .iter()
        .map(|(name, v)| check_voyages(&["channels", "voyages", name], v));
    let flows = ch.flows.iter().map(|(name, f)| check_flow(name, f));
    let direct = ch.direct.iter().map(|(name, d)| check_direct(s, name, d));
    reported
        .chain(voyages)
        .chain(flows)
        .chain(direct)
        .filter_map(Result::err)
        .collect()
}

fn check_flow(name: &str, f: &super::schema::Flow) -> Result<(), Issue> {
    let at = |field: &'static str| ["channels", "flows", name, field];
    check_count(&at("periods"), &f.periods)?;
    match (
            &f.containers_per_period,
            &f.wagons_per_period,
            &f.containers_per_wagon,
        ) {
            (Some(c), None, None) => check_count(&at("containers_per_period"), c)?,
            (None, Some(w), Some(c)) => {
                check_count(&at("wagons_per_period"), w)?;
                check_count(&at("containers_per_wagon"), c)?;
            }
            (Some(_), _, _) => {
                return Err(Issue::at(
                    &at("containers_per_period"),
                    "give containers_per_period, or wagons_per_period with containers_per_wagon, not both",
                ))
            }
            _ => {
                return Err(Issue::at(
                    &["channels", "flows", name],
                    "a flow needs containers_per_period, or both wagons_per_period and containers_per_wagon",
                ))
            }
        }
    Ok(())
}

fn check_direct(s: &Scenario, name: &str, d: &super::schema::Direct) -> Result<(), Issue> {
    if !s.munitions.contains(&d.munition) {
        return Err(Issue::at(
            &["channels", "direct", name, "munition"],
            format!(
                "unknown munition '{}'; the catalog has: {}",
                d.munition,
                s.munitions.names().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    check_count(&["channels", "direct", name, "count"], &d.count)?;
    Ok(())
}

fn check_mix(s: &Scenario) -> Result<(), Issue> {
    let counts_containers = !s.channels.container_channels().is_empty();
    let Some(mix) = &s.mix else {
        if counts_containers {
            return Err(Issue::at(
                &["mix"],
                "missing table `mix`: channels count containers, so say what share of them holds each munition",
            ));
        }
        return Ok(());
    };
    if !counts_containers {
        return Err(Issue::at(
            &["mix"],
            "a cargo mix is given but no channel counts containers",
        ));
    }
    let munitions: Vec<&str> = s.munitions.names().collect();
    let has_per_container = |m: &str| {
        s.munitions
            .get(m)
            .is_some_and(|m| m.per_container.is_some())
    };
    let tables = check_mix_tables(mix, &munitions, &has_per_container)?;
    for (name, m) in s.munitions.iter() {
        if m.per_container.is_some() && !tables.iter().any(|t| t.entries.contains(name)) {
            let place = tables.first().map(|t| t.path.join(".")).unwrap_or_default();
            return Err(Issue::at(
                &["munitions", name, "per_container"],
                format!(
                    "'{name}' has rounds per container but no share in the cargo mix ({place})"
                ),
            ));
        }
    }
    Ok(())
}

/// The share tables of a mix and the weights of its alternatives, for a
/// catalog of `munitions` (ordinary and timeline files alike); a munition
/// with a share must have rounds per container (`has_per_container`).
pub(super) fn check_mix_tables<'m>(
    mix: &'m Mix,
    munitions: &[&str],
    has_per_container: &dyn Fn(&str) -> bool,
) -> Result<Vec<ShareTable<'m>>, Issue> {
    let tables = share_tables(mix)?;
    for table in &tables {
        check_share_table(table, munitions, has_per_container)?;
    }
    for (i, alternative) in mix.alternatives.iter().flatten().enumerate() {
        let w = alternative.weight;
        if !(w.is_finite() && w > 0.0) {
            return Err(Issue::at(
                &[
                    "mix".to_string(),
                    format!("alternatives[{i}]"),
                    "weight".into(),
                ],
                format!(
                    "the weight of an alternative must be > 0, got {}",
                    fmt_num(w)
                ),
            ));
        }
    }
    Ok(tables)
}

fn check_share_table(
    table: &ShareTable,
    munitions: &[&str],
    has_per_container: &dyn Fn(&str) -> bool,
) -> Result<(), Issue> {
    let shares = table.entries;
    let at = |key: &str| {
        let mut p = table.path.clone();
        p.push(key.into());
        p
    };
    for (key, _) in shares.iter() {
        if key == OTHER_CARGO {
            continue;
        }
        if !munitions.contains(&key) {
            return Err(Issue::at(
                &at(key),
                format!(
                    "unknown munition '{key}'; the catalog has: {} (and '{OTHER_CARGO}' for non-munition cargo)",
                    munitions.join(", ")
                ),
            ));
        }
        if !has_per_container(key) {
            return Err(Issue::at(
                &["munitions", key],
                format!("'{key}' has a share of the containers but no per_container (rounds per container)"),
            ));
        }
    }
    if !shares.contains(OTHER_CARGO) {
        return Err(Issue::at(
            &table.path,
            format!("missing share `{OTHER_CARGO}`: say how much of the cargo is not in the catalog (0 if none)"),
        ));
    }
    if table.dirichlet {
        for (key, &alpha) in shares.iter() {
            let positive = alpha > 0.0 && alpha.is_finite();
            // A zero concentration is allowed for `other` only: it means no
            // non-munition cargo, and that share is then left out.
            if !(positive || (key == OTHER_CARGO && alpha == 0.0)) {
                return Err(Issue::at(
                    &at(key),
                    format!(
                        "a Dirichlet concentration must be > 0, got {}",
                        fmt_num(alpha)
                    ),
                ));
            }
        }
        check_dirichlet_drawable(&table.path, shares)?;
    } else {
        for (key, &share) in shares.iter() {
            if !(0.0..=1.0).contains(&share) {
                return Err(Issue::at(
                    &at(key),
                    format!("a share must lie in [0, 1], got {}", fmt_num(share)),
                ));
            }
        }
        let sum: f64 = shares.iter().map(|(_, v)| *v).sum();
        if (sum - 1.0).abs() > SHARE_TOLERANCE {
            return Err(Issue::at(
                &table.path,
                format!(
                    "the shares sum to {}, not 1",
                    fmt_num((sum * 1e9).round() / 1e9)
                ),
            ));
        }
    }
    Ok(())
}

fn check_estimates(s: &Scenario) -> Result<(), Issue> {
    let Some(estimates) = &s.estimates else {
        return Ok(());
    };
    let channels: Vec<&str> = s.channels.all().into_iter().map(|(_, n)| n).collect();
    let mut used: Vec<(&str, &str)> = Vec::new();
    for (estimate, members) in estimates.iter() {
        check_name(&["estimates", estimate], estimate, "an estimate")?;
        if members.is_empty() {
            return Err(Issue::at(
                &["estimates", estimate],
                "an estimate lists the channels that make it up; this one is empty",
            ));
        }
        for member in members {
            if !channels.contains(&member.as_str()) {
                return Err(Issue::at(
                    &["estimates", estimate],
                    format!(
                        "unknown channel '{member}'; the channels are: {}",
                        channels.join(", ")
                    ),
                ));
            }
            if let Some((other, _)) = used.iter().find(|(_, m)| m == member) {
                return Err(Issue::at(
                    &["estimates", estimate],
                    format!("channel '{member}' is already in estimate '{other}'; channels common to every estimate are simply left out of this table"),
                ));
            }
            used.push((estimate, member));
        }
    }
    Ok(())
}

fn check_every_munition_arrives(s: &Scenario) -> Result<(), Issue> {
    for (name, m) in s.munitions.iter() {
        let direct = s.channels.direct.iter().any(|(_, d)| d.munition == name);
        if m.per_container.is_none() && !direct {
            return Err(Issue::at(
                &["munitions", name],
                format!("nothing delivers '{name}': give it per_container and a share in the mix, or a direct channel"),
            ));
        }
    }
    Ok(())
}

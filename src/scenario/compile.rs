//! From a scenario to named nodes of the expression graph.
//!
//! Every assumption becomes a node named `<owner>.<field>`
//! (`shell_152.per_container`, `rajin_aug_dec_2023.p_detect`). Names key the
//! random streams, so when one assumption changes every other keeps its draws
//! (common random numbers), and they label inputs in sensitivity tables.
//!
//! Per munition type and in total the outputs are
//!
//! * `delivered`: containers × share × rounds per container, plus direct counts,
//!   rounded to a whole number of rounds;
//! * `functioning`: `Binomial(delivered, (1 - dud_rate)(1 - failure_rate))`;
//! * `reaching_target` (missiles): `Binomial(functioning, 1 - interception_rate)`;
//! * `days_of_fire_delivered`: delivered rounds / daily consumption, the days
//!   of fire the supply sustains (duds are fired too: a dud is found out
//!   when it is fired);
//! * `days_of_fire_functioning`: functioning rounds / daily consumption, the
//!   days of fire that work;
//! * `tonnes`: delivered × mass per round, over 1 - packaging share when
//!   the munition gives one (the shipped mass, as tonnage is reported).
//!
//! Named `<munition>.<quantity>` and `total.<quantity>` (with `total.containers`),
//! each suffixed `[estimate]` when the scenario has alternative estimates.

use super::compiled::{Compiled, Output, Quantity, TOTAL};
use super::detection::undetected;
use super::dist_spec::DistSpec;
use super::mix::shares;
use super::schema::{Category, Scenario};
use crate::error::{Error, Result};
use crate::expr::{Family, Node, Provenance, UnaryOp};
use std::collections::HashMap;

/// Builds the graph of a (validated) scenario.
///
/// ```
/// use munflow::scenario::{compile, Scenario};
/// let s = Scenario::from_toml_str(r#"
///     [munitions.shell_152]
///     category = "shell"
///     per_container = 430
///     [mix]
///     fixed = { shell_152 = 1, other = 0 }
///     [channels.reported.minister]
///     containers = 7000
/// "#, "example.toml").unwrap();
/// let compiled = compile(&s).unwrap();
/// assert_eq!(compiled.outputs[0].name, "total.containers");
/// // Every assumption fixed: the graph folds to constants.
/// let shells = compiled.outputs.iter().find(|o| o.name == "shell_152.delivered").unwrap();
/// assert_eq!(shells.node.as_constant(), Some(3_010_000.0));
/// ```
///
/// # Errors
/// A problem found while building (a fixed parameter combination that no law
/// accepts, such as a detection probability of 1e-300 for 19 sightings) is an
/// [`Error::Scenario`] at the field path, without file or line: loading
/// locates it.
pub fn compile(s: &Scenario) -> Result<Compiled> {
    if s.correlations.is_empty() {
        return Builder::new(s).build();
    }
    // The correlated inputs are found (and their laws read) in the graph
    // built without correlations; the graph is then built again with the
    // coupled draws in their place, so every expression reads those.
    let plain = Builder::new(s).build()?;
    let coupled = super::correlations::couple(&s.correlations, &plain)?;
    let mut builder = Builder::new(s);
    builder.coupled = coupled;
    builder.build()
}

struct MunitionInputs {
    per_container: Option<Node>,
    /// P(a delivered round functions): (1 - dud_rate)(1 - failure_rate).
    p_functioning: Option<Node>,
    p_not_intercepted: Option<Node>,
    daily_consumption: Option<Node>,
    mass_kg: Option<Node>,
    packaging_share: Option<Node>,
}

/// One munition's rounds from one group of channels: delivered, functioning
/// and (missiles) reaching the target.
#[derive(Clone)]
struct Rounds {
    delivered: Node,
    functioning: Node,
    reaching: Option<Node>,
}

/// How the nodes of a [`Rounds`] are named: `Some("")` plain
/// (`shell_152.delivered`), `Some("[voyages]")` suffixed, `None` unnamed
/// (a part of a sum).
type Suffix<'s> = Option<&'s str>;

struct Builder<'a> {
    s: &'a Scenario,
    munitions: Vec<(String, MunitionInputs)>,
    shares: HashMap<String, Node>,
    /// Containers counted by each container channel.
    containers: HashMap<String, Node>,
    /// (channel, munition, count) for direct channels.
    direct: Vec<(String, String, Node)>,
    fields: HashMap<String, String>,
    /// Correlated inputs by name: drawn in place of the plain draws.
    coupled: HashMap<String, Node>,
}

impl<'a> Builder<'a> {
    fn new(s: &'a Scenario) -> Self {
        Builder {
            s,
            coupled: HashMap::new(),
            munitions: Vec::new(),
            shares: HashMap::new(),
            containers: HashMap::new(),
            direct: Vec::new(),
            fields: HashMap::new(),
        }
    }

    /// A named draw from the file's distribution at `path`, cited with its
    /// table's source (as an assumption when the table lists the field in
    /// `assumptions`).
    fn input(&mut self, spec: &DistSpec, name: String, path: String) -> Result<Node> {
        let dist = spec
            .to_dist()
            .map_err(|e| Error::at_field(&path, e.to_string()))?;
        let provenance = provenance_of(self.s, &path);
        self.fields.insert(name.clone(), path);
        let node = match self.coupled.get(&name) {
            Some(node) => node.clone(),
            None => Node::draw(dist).named(name),
        };
        Ok(match provenance {
            Some(p) => node.cited(p)?,
            None => node,
        })
    }

    /// Names `node` and records the field it stands for.
    fn name(&mut self, node: Node, name: String, path: String) -> Node {
        self.fields.insert(name.clone(), path);
        node.named(name)
    }

    fn build(mut self) -> Result<Compiled> {
        check_assumptions(self.s)?;
        self.munition_inputs()?;
        if let Some(mix) = &self.s.mix {
            let nodes = shares(mix, &self.coupled)?;
            for (m, share, path) in nodes.shares {
                self.fields.insert(format!("{m}.share"), path);
                self.shares.insert(m, share);
            }
            self.fields.extend(nodes.fields);
        }
        self.channels()?;
        let (common, estimates) = self.estimates();
        // Rounds from the channels common to every estimate are built once
        // and shared, so a quantity that does not depend on the estimate is
        // the same draw under each (named without an estimate suffix).
        let shared_name = if estimates.iter().all(|(l, _)| l.is_none()) {
            Some("")
        } else {
            None
        };
        let mut common_rounds = Vec::new();
        for i in 0..self.munitions.len() {
            let only_common = estimates.iter().all(|(_, own)| !self.delivers(i, own));
            let suffix = if only_common { Some("") } else { shared_name };
            common_rounds.push(self.rounds(i, &common, suffix)?);
        }
        let mut outputs = Vec::new();
        for (label, own) in &estimates {
            outputs.extend(self.estimate_outputs(
                label.as_deref(),
                &common,
                own,
                &common_rounds,
            )?);
        }
        // Stable sort: containers first, munitions in catalog order, then the
        // totals; within a group by quantity, then estimate (side by side).
        let rank = |o: &Output| match self.munitions.iter().position(|(m, _)| *m == o.group) {
            _ if o.quantity == Quantity::Containers => 0,
            Some(i) => i + 1,
            None => usize::MAX,
        };
        outputs.sort_by_key(|o| (rank(o), o.quantity));
        let observations = super::evidence::observations(&self.s.evidence, &outputs)?;
        Ok(Compiled {
            outputs,
            estimates: estimates.into_iter().filter_map(|(l, _)| l).collect(),
            fields: self.fields,
            observations,
        })
    }

    fn munition_inputs(&mut self) -> Result<()> {
        for (name, m) in self.s.munitions.iter() {
            let mut node = |field: &str, spec: &Option<DistSpec>| -> Result<Option<Node>> {
                spec.as_ref()
                    .map(|d| {
                        self.input(
                            d,
                            format!("{name}.{field}"),
                            format!("munitions.{name}.{field}"),
                        )
                    })
                    .transpose()
            };
            let survive = |rate: Option<Node>| rate.map(|r| Node::constant(1.0).sub(&r));
            let dud = survive(node("dud_rate", &m.dud_rate)?);
            let failure = survive(node("failure_rate", &m.failure_rate)?);
            let p_functioning = match (dud, failure) {
                (Some(a), Some(b)) => Some(a.mul(&b)),
                (a, b) => a.or(b),
            };
            let inputs = MunitionInputs {
                per_container: node("per_container", &m.per_container)?,
                p_functioning,
                p_not_intercepted: survive(node("interception_rate", &m.interception_rate)?),
                daily_consumption: node("daily_consumption", &m.daily_consumption)?,
                mass_kg: node("mass_kg", &m.mass_kg)?,
                packaging_share: node("packaging_share", &m.packaging_share)?,
            };
            self.munitions.push((name.to_string(), inputs));
        }
        Ok(())
    }

    fn channels(&mut self) -> Result<()> {
        let ch = &self.s.channels;
        for (c, r) in ch.reported.iter() {
            let at = format!("channels.reported.{c}");
            let containers = self.input(
                &r.containers,
                format!("{c}.containers"),
                format!("{at}.containers"),
            )?;
            self.containers.insert(c.to_string(), containers);
        }
        for (c, v) in ch.voyages.iter() {
            let at = format!("channels.voyages.{c}");
            let tracked =
                self.input(&v.tracked, format!("{c}.tracked"), format!("{at}.tracked"))?;
            let p_detect = v
                .p_detect
                .as_ref()
                .map(|p| self.input(p, format!("{c}.p_detect"), format!("{at}.p_detect")))
                .transpose()?;
            let unseen = undetected(v.dark_seen, p_detect.as_ref(), v.prior)
                .map_err(|e| Error::at_field(format!("{at}.p_detect"), e.to_string()))?;
            let unseen = self.name(unseen, format!("{c}.dark_unseen"), at.clone());
            let voyages = tracked
                .add(&Node::constant(v.dark_seen as f64))
                .add(&unseen);
            let voyages = self.name(voyages, format!("{c}.voyages"), at.clone());
            let per_voyage = self.input(
                &v.containers_per_voyage,
                format!("{c}.containers_per_voyage"),
                format!("{at}.containers_per_voyage"),
            )?;
            let containers = self.name(voyages.mul(&per_voyage), format!("{c}.containers"), at);
            self.containers.insert(c.to_string(), containers);
        }
        for (c, f) in ch.flows.iter() {
            let at = format!("channels.flows.{c}");
            let periods =
                self.input(&f.periods, format!("{c}.periods"), format!("{at}.periods"))?;
            let per_period = match (
                &f.containers_per_period,
                &f.wagons_per_period,
                &f.containers_per_wagon,
            ) {
                (Some(rate), _, _) => self.input(
                    rate,
                    format!("{c}.containers_per_period"),
                    format!("{at}.containers_per_period"),
                )?,
                (None, Some(wagons), Some(per_wagon)) => {
                    let wagons = self.input(
                        wagons,
                        format!("{c}.wagons_per_period"),
                        format!("{at}.wagons_per_period"),
                    )?;
                    let per_wagon = self.input(
                        per_wagon,
                        format!("{c}.containers_per_wagon"),
                        format!("{at}.containers_per_wagon"),
                    )?;
                    wagons.mul(&per_wagon)
                }
                _ => {
                    return Err(Error::at_field(
                        at,
                        "a flow needs containers_per_period, or wagons_per_period and containers_per_wagon",
                    ))
                }
            };
            let containers = self.name(periods.mul(&per_period), format!("{c}.containers"), at);
            self.containers.insert(c.to_string(), containers);
        }
        for (c, d) in ch.direct.iter() {
            let at = format!("channels.direct.{c}.count");
            let count = self.input(&d.count, format!("{c}.count"), at)?;
            self.direct.push((c.to_string(), d.munition.clone(), count));
        }
        Ok(())
    }

    /// The channels common to every estimate, and each estimate's own
    /// channels by label. Without an `[estimates]` table (or with only one
    /// estimate) every channel is common and there is one unlabelled estimate.
    #[allow(clippy::type_complexity)]
    fn estimates(&self) -> (Vec<String>, Vec<(Option<String>, Vec<String>)>) {
        let every: Vec<String> = self
            .s
            .channels
            .all()
            .into_iter()
            .map(|(_, n)| n.to_string())
            .collect();
        let listed = match &self.s.estimates {
            Some(e) if e.len() > 1 => e,
            _ => return (every, vec![(None, Vec::new())]),
        };
        let common = every
            .into_iter()
            .filter(|c| !listed.iter().any(|(_, m)| m.contains(c)))
            .collect();
        let own = listed
            .iter()
            .map(|(label, members)| (Some(label.to_string()), members.clone()))
            .collect();
        (common, own)
    }

    /// Whether any of `channels` delivers munition `i`.
    fn delivers(&self, i: usize, channels: &[String]) -> bool {
        let (name, m) = &self.munitions[i];
        let by_container = m.per_container.is_some()
            && self.shares.contains_key(name)
            && channels.iter().any(|c| self.containers.contains_key(c));
        let direct = self
            .direct
            .iter()
            .any(|(c, munition, _)| munition == name && channels.contains(c));
        by_container || direct
    }

    /// Munition `i`'s rounds from `channels`, or None when they deliver none.
    fn rounds(&mut self, i: usize, channels: &[String], suffix: Suffix) -> Result<Option<Rounds>> {
        if !self.delivers(i, channels) {
            return Ok(None);
        }
        let name = self.munitions[i].0.clone();
        let m = &self.munitions[i].1;
        let containers = channels
            .iter()
            .filter_map(|c| self.containers.get(c).cloned())
            .reduce(|a, b| a.add(&b));
        let from_containers = match (&containers, self.shares.get(&name), &m.per_container) {
            (Some(c), Some(share), Some(per)) => Some(c.mul(share).mul(per)),
            _ => None,
        };
        let from_containers_node = from_containers.is_some();
        let delivered = self
            .direct
            .iter()
            .filter(|(c, munition, _)| *munition == name && channels.contains(c))
            .map(|(_, _, count)| count.clone())
            .chain(from_containers)
            .reduce(|a, b| a.add(&b))
            .unwrap_or_else(|| Node::constant(0.0));
        // Binomial thinning needs a whole number of rounds. Containers ×
        // share × rounds per container is fractional (a share is an
        // average), so round to the nearest round: unbiased, where floor
        // would lose half a round on average.
        let delivered = delivered.unary(UnaryOp::Round);
        let (p_functioning, p_not_intercepted) =
            (m.p_functioning.clone(), m.p_not_intercepted.clone());
        let is_missile = self.s.munitions.get(&name).map(|m| m.category) == Some(Category::Missile);
        // Rounds counted by one direct channel come from its count field.
        let direct: Vec<&String> = self
            .direct
            .iter()
            .filter(|(c, munition, _)| *munition == name && channels.contains(c))
            .map(|(c, _, _)| c)
            .collect();
        let at = match (direct.as_slice(), &from_containers_node) {
            ([only], false) => format!("channels.direct.{only}.count"),
            _ => format!("munitions.{name}"),
        };
        let label = |q: Quantity| suffix.map(|s| format!("{name}.{}{s}", q.name()));
        let delivered = match label(Quantity::Delivered) {
            Some(n) => self.name(delivered, n, at.clone()),
            None => delivered,
        };
        let functioning = match &p_functioning {
            Some(p) => self.thin(&delivered, p, label(Quantity::Functioning), &at)?,
            None => delivered.clone(),
        };
        let reaching = if is_missile {
            Some(match &p_not_intercepted {
                Some(p) => self.thin(&functioning, p, label(Quantity::ReachingTarget), &at)?,
                None => functioning.clone(),
            })
        } else {
            None
        };
        Ok(Some(Rounds {
            delivered,
            functioning,
            reaching,
        }))
    }

    /// How many of `n` survive when each does with probability `p`: a named
    /// draw keeps its stream when `p` changes; an unnamed one (a part of a
    /// sum) is keyed by its definition, which does not change either.
    fn thin(&mut self, n: &Node, p: &Node, name: Option<String>, at: &str) -> Result<Node> {
        let node = Node::compound(Family::Binomial, vec![n.clone(), p.clone()])
            .map_err(|e| Error::at_field(at, format!("delivered rounds: {e}")))?;
        Ok(match name {
            Some(name) => self.name(node, name, at.to_string()),
            None => node,
        })
    }

    fn estimate_outputs(
        &mut self,
        label: Option<&str>,
        common: &[String],
        own: &[String],
        common_rounds: &[Option<Rounds>],
    ) -> Result<Vec<Output>> {
        let suffix = label.map(|l| format!("[{l}]")).unwrap_or_default();
        let out = |group: &str, quantity: Quantity, node: Node| Output {
            name: format!("{group}.{}{suffix}", quantity.name()),
            node,
            group: group.to_string(),
            quantity,
            estimate: label.map(str::to_string),
        };
        let mut outputs = Vec::new();

        let containers = common
            .iter()
            .chain(own)
            .filter_map(|c| self.containers.get(c).cloned())
            .reduce(|a, b| a.add(&b));
        if let Some(c) = &containers {
            outputs.push(out(TOTAL, Quantity::Containers, c.clone()));
        }

        let mut totals: HashMap<Quantity, Vec<Node>> = HashMap::new();
        let mut every_has_mass = true;
        for (i, common) in common_rounds.iter().enumerate() {
            let rounds = match common.clone() {
                None => self.rounds(i, own, Some(&suffix))?,
                Some(shared) => match self.rounds(i, own, None)? {
                    None => Some(shared),
                    Some(part) => Some(self.sum_rounds(i, &shared, &part, &suffix)),
                },
            };
            let rounds = rounds.unwrap_or_else(|| {
                let zero = Node::constant(0.0);
                Rounds {
                    delivered: zero.clone(),
                    functioning: zero.clone(),
                    reaching: Some(zero),
                }
            });
            let name = self.munitions[i].0.clone();
            let m = &self.munitions[i].1;
            outputs.push(out(&name, Quantity::Delivered, rounds.delivered.clone()));
            outputs.push(out(
                &name,
                Quantity::Functioning,
                rounds.functioning.clone(),
            ));
            totals
                .entry(Quantity::Delivered)
                .or_default()
                .push(rounds.delivered.clone());
            totals
                .entry(Quantity::Functioning)
                .or_default()
                .push(rounds.functioning.clone());
            let category = self.s.munitions.get(&name).map(|m| m.category);
            if category == Some(Category::Missile) {
                let reaching = rounds
                    .reaching
                    .clone()
                    .unwrap_or_else(|| rounds.functioning.clone());
                outputs.push(out(&name, Quantity::ReachingTarget, reaching.clone()));
                totals
                    .entry(Quantity::ReachingTarget)
                    .or_default()
                    .push(reaching);
            }
            if let Some(daily) = &m.daily_consumption {
                let days = |q: Quantity, rounds: &Node| out(&name, q, rounds.div(daily));
                outputs.push(days(Quantity::DaysOfFireDelivered, &rounds.delivered));
                outputs.push(days(Quantity::DaysOfFireFunctioning, &rounds.functioning));
            }
            match &m.mass_kg {
                Some(kg) => {
                    let mut tonnes = rounds.delivered.mul(kg).div(&Node::constant(1000.0));
                    if let Some(share) = &m.packaging_share {
                        // Reported tonnage is shipped mass: packaging is a share of it.
                        tonnes = tonnes.div(&Node::constant(1.0).sub(share));
                    }
                    outputs.push(out(&name, Quantity::Tonnes, tonnes.clone()));
                    totals.entry(Quantity::Tonnes).or_default().push(tonnes);
                }
                None => every_has_mass = false,
            }
        }
        let mut quantities: Vec<Quantity> = totals.keys().copied().collect();
        quantities.sort();
        for q in quantities {
            // A total tonnage of only some munitions would read as all of them.
            if q == Quantity::Tonnes && !every_has_mass {
                continue;
            }
            if let Some(sum) = totals[&q].iter().cloned().reduce(|a, b| a.add(&b)) {
                outputs.push(out(TOTAL, q, sum));
            }
        }
        Ok(outputs)
    }

    /// Rounds from the common channels plus an estimate's own, named for the estimate.
    fn sum_rounds(&mut self, i: usize, a: &Rounds, b: &Rounds, suffix: &str) -> Rounds {
        let name = self.munitions[i].0.clone();
        let at = format!("munitions.{name}");
        let mut sum = |x: &Node, y: &Node, q: Quantity| {
            self.name(x.add(y), format!("{name}.{}{suffix}", q.name()), at.clone())
        };
        let delivered = sum(&a.delivered, &b.delivered, Quantity::Delivered);
        let functioning = sum(&a.functioning, &b.functioning, Quantity::Functioning);
        let reaching = match (&a.reaching, &b.reaching) {
            (Some(x), Some(y)) => Some(sum(x, y, Quantity::ReachingTarget)),
            _ => None,
        };
        Rounds {
            delivered,
            functioning,
            reaching,
        }
    }
}

/// Where the input at a field `path` comes from: its table's `source`, and
/// whether the table lists the field among its `assumptions`.
fn provenance_of(s: &Scenario, path: &str) -> Option<Provenance> {
    let parts: Vec<&str> = path.split('.').collect();
    let (source, assumptions, field) = match parts.as_slice() {
        ["munitions", m, field, ..] => {
            let t = s.munitions.get(m)?;
            (&t.source, &t.assumptions, *field)
        }
        ["mix", field, ..] => {
            let t = s.mix.as_ref()?;
            (&t.source, &t.assumptions, *field)
        }
        ["channels", kind, c, field, ..] => {
            let ch = &s.channels;
            let (source, assumptions) = match *kind {
                "reported" => ch.reported.get(c).map(|t| (&t.source, &t.assumptions))?,
                "voyages" => ch.voyages.get(c).map(|t| (&t.source, &t.assumptions))?,
                "flows" => ch.flows.get(c).map(|t| (&t.source, &t.assumptions))?,
                "direct" => ch.direct.get(c).map(|t| (&t.source, &t.assumptions))?,
                _ => return None,
            };
            (source, assumptions, *field)
        }
        _ => return None,
    };
    let assumption = assumptions.iter().any(|a| a == field);
    (assumption || source.is_some()).then(|| Provenance {
        source: source.clone(),
        assumption,
    })
}

/// Every table's `assumptions` name fields the table has.
fn check_assumptions(s: &Scenario) -> Result<()> {
    use super::paths::fields_of;
    use super::schema::{Direct, Flow, Munition, Reported, Voyages};
    let check = |at: String, listed: &[String], fields: &[&str]| -> Result<()> {
        // The figures a table has: its fields less its labels.
        let figures: Vec<&str> = fields
            .iter()
            .copied()
            .filter(|f| !matches!(*f, "label" | "source" | "assumptions" | "category"))
            .collect();
        match listed.iter().find(|a| !figures.contains(&a.as_str())) {
            Some(bad) => Err(Error::at_field(
                format!("{at}.assumptions"),
                format!(
                    "'{bad}' is not a figure of this table; it has: {}",
                    figures.join(", ")
                ),
            )),
            None => Ok(()),
        }
    };
    for (m, t) in s.munitions.iter() {
        check(
            format!("munitions.{m}"),
            &t.assumptions,
            fields_of::<Munition>(),
        )?;
    }
    if let Some(mix) = &s.mix {
        check(
            "mix".into(),
            &mix.assumptions,
            fields_of::<super::schema::Mix>(),
        )?;
    }
    let ch = &s.channels;
    for (c, t) in ch.reported.iter() {
        check(
            format!("channels.reported.{c}"),
            &t.assumptions,
            fields_of::<Reported>(),
        )?;
    }
    for (c, t) in ch.voyages.iter() {
        check(
            format!("channels.voyages.{c}"),
            &t.assumptions,
            fields_of::<Voyages>(),
        )?;
    }
    for (c, t) in ch.flows.iter() {
        check(
            format!("channels.flows.{c}"),
            &t.assumptions,
            fields_of::<Flow>(),
        )?;
    }
    for (c, t) in ch.direct.iter() {
        check(
            format!("channels.direct.{c}"),
            &t.assumptions,
            fields_of::<Direct>(),
        )?;
    }
    Ok(())
}

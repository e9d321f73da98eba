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
//! * `days_of_fire`: functioning rounds / daily consumption;
//! * `tonnes`: delivered × mass per round.
//!
//! Named `<munition>.<quantity>` and `total.<quantity>` (with `total.containers`),
//! each suffixed `[estimate]` when the scenario has alternative estimates.

use super::detection::undetected;
use super::mix::shares;
use super::schema::{Category, Scenario};
use super::DistSpec;
use crate::error::{Error, Result};
use crate::expr::{Family, Node, UnaryOp};
use std::collections::HashMap;

/// What an output measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Quantity {
    Containers,
    Delivered,
    Functioning,
    ReachingTarget,
    DaysOfFire,
    Tonnes,
}

impl Quantity {
    pub fn name(self) -> &'static str {
        match self {
            Quantity::Containers => "containers",
            Quantity::Delivered => "delivered",
            Quantity::Functioning => "functioning",
            Quantity::ReachingTarget => "reaching_target",
            Quantity::DaysOfFire => "days_of_fire",
            Quantity::Tonnes => "tonnes",
        }
    }
}

/// One output of a compiled scenario.
#[derive(Debug, Clone)]
pub struct Output {
    /// Column name, e.g. `shell_152.functioning` or `total.delivered[voyages]`.
    pub name: String,
    pub node: Node,
    /// The munition, or `total`.
    pub group: String,
    pub quantity: Quantity,
    /// The alternative estimate it belongs to, when there are several.
    pub estimate: Option<String>,
}

/// A scenario ready for the engine.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Outputs ordered by group (munitions in catalog order, then `total`),
    /// quantity, and estimate, so alternatives sit side by side.
    pub outputs: Vec<Output>,
    /// The alternative estimates, in order (empty when every channel adds up).
    pub estimates: Vec<String>,
}

impl Compiled {
    /// `(name, node)` pairs for [`crate::engine::run`].
    pub fn named_outputs(&self) -> Vec<(String, Node)> {
        self.outputs
            .iter()
            .map(|o| (o.name.clone(), o.node.clone()))
            .collect()
    }
}

/// The `TOTAL` group name.
pub const TOTAL: &str = "total";

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
pub fn compile(s: &Scenario) -> Result<Compiled> {
    Builder::new(s).build()
}

/// A named draw from a file's distribution.
fn input(spec: &DistSpec, name: String) -> Result<Node> {
    let dist = spec
        .to_dist()
        .map_err(|e| Error::Scenario(format!("{name}: {e}")))?;
    Ok(Node::draw(dist).named(name))
}

struct MunitionInputs {
    per_container: Option<Node>,
    /// P(a delivered round functions): (1 - dud_rate)(1 - failure_rate).
    p_functioning: Option<Node>,
    p_not_intercepted: Option<Node>,
    daily_consumption: Option<Node>,
    mass_kg: Option<Node>,
}

struct Builder<'a> {
    s: &'a Scenario,
    munitions: Vec<(String, MunitionInputs)>,
    shares: HashMap<String, Node>,
    /// Containers counted by each container channel.
    containers: HashMap<String, Node>,
    /// (channel, munition, count) for direct channels.
    direct: Vec<(String, String, Node)>,
}

impl<'a> Builder<'a> {
    fn new(s: &'a Scenario) -> Self {
        Builder {
            s,
            munitions: Vec::new(),
            shares: HashMap::new(),
            containers: HashMap::new(),
            direct: Vec::new(),
        }
    }

    fn build(mut self) -> Result<Compiled> {
        self.munition_inputs()?;
        if let Some(mix) = &self.s.mix {
            self.shares = shares(mix)?.into_iter().collect();
        }
        self.channels()?;
        let estimates = self.estimates();
        let mut outputs = Vec::new();
        for (label, members) in &estimates {
            outputs.extend(self.estimate_outputs(label.as_deref(), members)?);
        }
        // Stable sort: containers first, munitions in catalog order, then the
        // totals; within a group by quantity, then estimate (side by side).
        let rank = |o: &Output| match self.munitions.iter().position(|(m, _)| *m == o.group) {
            _ if o.quantity == Quantity::Containers => 0,
            Some(i) => i + 1,
            None => usize::MAX,
        };
        outputs.sort_by_key(|o| (rank(o), o.quantity));
        Ok(Compiled {
            outputs,
            estimates: estimates.into_iter().filter_map(|(l, _)| l).collect(),
        })
    }

    fn munition_inputs(&mut self) -> Result<()> {
        for (name, m) in self.s.munitions.iter() {
            let node = |field: &str, spec: &Option<DistSpec>| -> Result<Option<Node>> {
                spec.as_ref()
                    .map(|d| input(d, format!("{name}.{field}")))
                    .transpose()
            };
            let survive = |rate: Option<Node>| rate.map(|r| Node::constant(1.0).sub(&r));
            let p_functioning = match (
                survive(node("dud_rate", &m.dud_rate)?),
                survive(node("failure_rate", &m.failure_rate)?),
            ) {
                (Some(a), Some(b)) => Some(a.mul(&b)),
                (a, b) => a.or(b),
            };
            let inputs = MunitionInputs {
                per_container: node("per_container", &m.per_container)?,
                p_functioning,
                p_not_intercepted: survive(node("interception_rate", &m.interception_rate)?),
                daily_consumption: node("daily_consumption", &m.daily_consumption)?,
                mass_kg: node("mass_kg", &m.mass_kg)?,
            };
            self.munitions.push((name.to_string(), inputs));
        }
        Ok(())
    }

    fn channels(&mut self) -> Result<()> {
        let ch = &self.s.channels;
        for (c, r) in ch.reported.iter() {
            let containers = input(&r.containers, format!("{c}.containers"))?;
            self.containers.insert(c.to_string(), containers);
        }
        for (c, v) in ch.voyages.iter() {
            let tracked = input(&v.tracked, format!("{c}.tracked"))?;
            let p_detect = v
                .p_detect
                .as_ref()
                .map(|p| input(p, format!("{c}.p_detect")))
                .transpose()?;
            let unseen = undetected(
                v.dark_seen,
                p_detect.as_ref(),
                v.prior,
                format!("{c}.dark_unseen"),
            )?;
            let voyages = tracked
                .add(&Node::constant(v.dark_seen as f64))
                .add(&unseen)
                .named(format!("{c}.voyages"));
            let per_voyage = input(
                &v.containers_per_voyage,
                format!("{c}.containers_per_voyage"),
            )?;
            let containers = voyages.mul(&per_voyage).named(format!("{c}.containers"));
            self.containers.insert(c.to_string(), containers);
        }
        for (c, f) in ch.flows.iter() {
            let periods = input(&f.periods, format!("{c}.periods"))?;
            let per_period = match (
                &f.containers_per_period,
                &f.wagons_per_period,
                &f.containers_per_wagon,
            ) {
                (Some(rate), _, _) => input(rate, format!("{c}.containers_per_period"))?,
                (None, Some(wagons), Some(per_wagon)) => input(wagons, format!("{c}.wagons_per_period"))?
                    .mul(&input(per_wagon, format!("{c}.containers_per_wagon"))?),
                _ => {
                    return Err(Error::Scenario(format!(
                        "channels.flows.{c}: a flow needs containers_per_period, or wagons_per_period and containers_per_wagon"
                    )))
                }
            };
            let containers = periods.mul(&per_period).named(format!("{c}.containers"));
            self.containers.insert(c.to_string(), containers);
        }
        for (c, d) in ch.direct.iter() {
            let count = input(&d.count, format!("{c}.count"))?;
            self.direct.push((c.to_string(), d.munition.clone(), count));
        }
        Ok(())
    }

    /// (label, member channels) of each estimate. Without an `[estimates]`
    /// table (or with only one estimate) there is one, unlabelled, made of
    /// every channel; otherwise each estimate is its listed channels plus the
    /// channels no estimate lists.
    fn estimates(&self) -> Vec<(Option<String>, Vec<String>)> {
        let every: Vec<String> = self
            .s
            .channels
            .all()
            .into_iter()
            .map(|(_, n)| n.to_string())
            .collect();
        let listed = match &self.s.estimates {
            Some(e) if e.len() > 1 => e,
            _ => return vec![(None, every)],
        };
        let shared: Vec<&String> = every
            .iter()
            .filter(|c| !listed.iter().any(|(_, m)| m.contains(c)))
            .collect();
        listed
            .iter()
            .map(|(label, members)| {
                let mut all: Vec<String> = members.clone();
                all.extend(shared.iter().map(|c| c.to_string()));
                (Some(label.to_string()), all)
            })
            .collect()
    }

    fn estimate_outputs(&self, label: Option<&str>, members: &[String]) -> Result<Vec<Output>> {
        let suffix = label.map(|l| format!("[{l}]")).unwrap_or_default();
        let out = |group: &str, quantity: Quantity, node: Node| Output {
            name: format!("{group}.{}{suffix}", quantity.name()),
            node,
            group: group.to_string(),
            quantity,
            estimate: label.map(str::to_string),
        };
        let mut outputs = Vec::new();

        let containers = members
            .iter()
            .filter_map(|c| self.containers.get(c).cloned())
            .reduce(|a, b| a.add(&b));
        if let Some(c) = &containers {
            outputs.push(out(TOTAL, Quantity::Containers, c.clone()));
        }

        let mut totals: HashMap<Quantity, Vec<Node>> = HashMap::new();
        let mut every_has_mass = true;
        for (name, m) in &self.munitions {
            let from_containers = match (&containers, self.shares.get(name), &m.per_container) {
                (Some(c), Some(share), Some(per)) => Some(c.mul(share).mul(per)),
                _ => None,
            };
            let delivered = self
                .direct
                .iter()
                .filter(|(c, munition, _)| munition == name && members.contains(c))
                .map(|(_, _, count)| count.clone())
                .chain(from_containers)
                .reduce(|a, b| a.add(&b))
                .unwrap_or_else(|| Node::constant(0.0));
            // Binomial thinning needs a whole number of rounds. Containers ×
            // share × rounds per container is fractional (a share is an
            // average), so round to the nearest round: unbiased, where floor
            // would lose half a round on average.
            let delivered = delivered
                .unary(UnaryOp::Round)
                .named(format!("{name}.delivered{suffix}"));
            let functioning = match &m.p_functioning {
                Some(p) => thin(&delivered, p, format!("{name}.functioning{suffix}"))?,
                None => delivered.clone(),
            };
            outputs.push(out(name, Quantity::Delivered, delivered.clone()));
            outputs.push(out(name, Quantity::Functioning, functioning.clone()));
            totals
                .entry(Quantity::Delivered)
                .or_default()
                .push(delivered.clone());
            totals
                .entry(Quantity::Functioning)
                .or_default()
                .push(functioning.clone());

            let category = self.s.munitions.get(name).map(|m| m.category);
            if category == Some(Category::Missile) {
                let reaching = match &m.p_not_intercepted {
                    Some(p) => thin(&functioning, p, format!("{name}.reaching_target{suffix}"))?,
                    None => functioning.clone(),
                };
                outputs.push(out(name, Quantity::ReachingTarget, reaching.clone()));
                totals
                    .entry(Quantity::ReachingTarget)
                    .or_default()
                    .push(reaching);
            }
            if let Some(daily) = &m.daily_consumption {
                outputs.push(out(name, Quantity::DaysOfFire, functioning.div(daily)));
            }
            match &m.mass_kg {
                Some(kg) => {
                    let tonnes = delivered.mul(kg).div(&Node::constant(1000.0));
                    outputs.push(out(name, Quantity::Tonnes, tonnes.clone()));
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
}

/// How many of `n` survive when each does with probability `p`, named so its
/// draws keep their stream when `p` changes.
fn thin(n: &Node, p: &Node, name: String) -> Result<Node> {
    Ok(Node::compound(Family::Binomial, vec![n.clone(), p.clone()])?.named(name))
}

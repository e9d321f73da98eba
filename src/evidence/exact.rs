//! Exact observations of drawn counts: "400 containers" stated of a node
//! drawn as Poisson(rate × 30), or "40 by March" of a timeline's cumulative
//! (a sum of monthly Poisson draws).
//!
//! As an indicator (1 where the draw hits the figure, 0 elsewhere) such a
//! statement leaves almost no sample when the count is large: P(N = 400) is
//! about 1/50 at best. Instead the draw is integrated out: the likelihood is
//! its law's probability of the figure given its parameters (a smooth
//! function of them, as `count` and `poisson` observations are), and the
//! draw itself takes the figure (or, for a range, a value drawn from its law
//! restricted to the range), so everything downstream reads it.
//!
//! What is recognised, once aliases are seen through:
//! - a Poisson, binomial or negative binomial draw (fixed, or with
//!   parameters that are expressions of other nodes), in a range or exactly;
//! - a sum of distinct Poisson draws, none of whose rates reads another
//!   (a sum of independent Poissons is Poisson of the summed rates),
//!   observed exactly; its draws then share the total multinomially;
//! - nested sums observed exactly ("40 by March, 75 by June": the June
//!   cumulative holds the March one, so June's statement is one about the
//!   three months after March, which are independent of it).
//!
//! Anything else keeps the indicator (bounds on a continuous quantity are
//! fine as such).

use super::{Bounds, DrawnCount, Observation};
use crate::engine::{Conditioned, Rule};
use crate::error::{Error, Result};
use crate::expr::{BinaryOp, Node, Op, UnaryOp};
use std::collections::HashSet;
use std::sync::Arc;

/// The observations with every recognised drawn count integrated out, and
/// the draws conditioned on the active ones (for the engine).
pub(crate) struct Integrated {
    pub observations: Vec<Observation>,
    pub conditioned: Vec<(Node, Arc<Conditioned>)>,
}

/// The draws that observations of drawn counts set (every observation
/// conditioned on), for evaluating expressions on a posterior's rows.
pub fn conditions(observations: &[Observation]) -> Result<Vec<(Node, Arc<Conditioned>)>> {
    let all: Vec<usize> = (0..observations.len()).collect();
    Ok(integrate(observations, &all)?.conditioned)
}

/// A draw a drawn count is the sum of.
#[derive(Clone)]
struct Leaf {
    node: Node,
    family: &'static str,
    params: Vec<Node>,
}

/// A recognised observation: its draws and the whole counts it allows.
struct Candidate {
    index: usize,
    quantity: Node,
    leaves: Vec<Leaf>,
    ids: HashSet<u64>,
    lower: f64,
    upper: f64,
}

impl Candidate {
    fn exact(&self) -> bool {
        self.lower == self.upper
    }
}

/// Integrates out the drawn counts that `observations` state; those at the
/// indices `active` (conditioned on) also condition their draws.
pub(crate) fn integrate(observations: &[Observation], active: &[usize]) -> Result<Integrated> {
    let mut out = observations.to_vec();
    let mut conditioned = Vec::new();
    let active: HashSet<usize> = active.iter().copied().collect();
    let candidates: Vec<Candidate> = observations
        .iter()
        .enumerate()
        .filter_map(|(index, obs)| candidate(index, obs))
        .collect();
    // Inner sums first: an outer one is conditioned on what they hold.
    let mut order: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| active.contains(&c.index))
        .collect();
    order.sort_by_key(|c| c.leaves.len());
    let mut accepted: Vec<&Candidate> = Vec::new();
    for cand in order {
        let inner: Vec<&Candidate> = accepted
            .iter()
            .copied()
            .filter(|a| !a.ids.is_disjoint(&cand.ids))
            .collect();
        let nested = inner
            .iter()
            .all(|a| a.exact() && a.ids.len() < cand.ids.len() && a.ids.is_subset(&cand.ids));
        if !nested {
            // Overlapping statements, a range inside another, or the same
            // count stated twice: left as indicators.
            continue;
        }
        let outermost: Vec<&Candidate> = inner
            .iter()
            .copied()
            .filter(|a| {
                !inner
                    .iter()
                    .any(|b| b.ids.len() > a.ids.len() && a.ids.is_subset(&b.ids))
            })
            .collect();
        let offset: f64 = outermost.iter().map(|a| a.lower).sum();
        let covered: HashSet<u64> = outermost
            .iter()
            .flat_map(|a| a.ids.iter().copied())
            .collect();
        let rest: Vec<Leaf> = cand
            .leaves
            .iter()
            .filter(|l| !covered.contains(&l.node.id()))
            .cloned()
            .collect();
        if rest.is_empty() || (rest.len() > 1 && !cand.exact()) {
            continue;
        }
        if cand.upper < offset {
            let names: Vec<String> = std::iter::once(cand)
                .chain(outermost.iter().copied())
                .map(|c| observations[c.index].name.clone())
                .collect();
            return Err(Error::Evidence {
                message: format!(
                    "'{}' states at most {} in all, but {} state {} of it already: check the figures",
                    names[0],
                    cand.upper,
                    super::smc::quoted(&names[1..]),
                    offset
                ),
                observations: names,
            });
        }
        let (lower, upper) = ((cand.lower - offset).max(0.0), cand.upper - offset);
        let obs = &observations[cand.index];
        let (family, params) = match rest.as_slice() {
            [leaf] => (leaf.family, leaf.params.clone()),
            leaves => (
                "poisson",
                vec![sum(leaves.iter().map(|l| l.params[0].clone()))],
            ),
        };
        out[cand.index] = Observation {
            name: obs.name.clone(),
            labels: obs.labels.clone(),
            kind: Box::new(DrawnCount {
                quantity: cand.quantity.clone(),
                family,
                params: params.clone(),
                lower,
                upper,
            }),
        };
        for (node, rule) in rules(&rest, family, params, lower, upper) {
            conditioned.push((
                node.0,
                Arc::new(Conditioned {
                    rule,
                    reads: node.1,
                }),
            ));
        }
        accepted.push(cand);
    }
    // Watched statements are integrated too, when no active one conditions
    // any of their draws (their likelihood is then the predictive one).
    let taken: HashSet<u64> = accepted
        .iter()
        .flat_map(|c| c.ids.iter().copied())
        .collect();
    for cand in candidates.iter().filter(|c| !active.contains(&c.index)) {
        if !cand.ids.is_disjoint(&taken) || (cand.leaves.len() > 1 && !cand.exact()) {
            continue;
        }
        let (family, params) = match cand.leaves.as_slice() {
            [leaf] => (leaf.family, leaf.params.clone()),
            leaves => (
                "poisson",
                vec![sum(leaves.iter().map(|l| l.params[0].clone()))],
            ),
        };
        out[cand.index].kind = Box::new(DrawnCount {
            quantity: cand.quantity.clone(),
            family,
            params,
            lower: cand.lower,
            upper: cand.upper,
        });
    }
    Ok(Integrated {
        observations: out,
        conditioned,
    })
}

/// Per draw: the rule that gives it its value and the nodes the rule reads.
#[allow(clippy::type_complexity)]
fn rules(
    rest: &[Leaf],
    family: &'static str,
    params: Vec<Node>,
    lower: f64,
    upper: f64,
) -> Vec<((Node, Vec<Node>), Rule)> {
    if let [leaf] = rest {
        return vec![if lower == upper {
            ((leaf.node.clone(), Vec::new()), Rule::Exact(lower))
        } else {
            (
                (leaf.node.clone(), params),
                Rule::Between {
                    family,
                    lower,
                    upper,
                },
            )
        }];
    }
    // Each draw's share of what the draws before it leave: the rates from it
    // on, and the count remaining.
    let mut from_here: Vec<Node> = Vec::with_capacity(rest.len());
    for leaf in rest.iter().rev() {
        let rate = leaf.params[0].clone();
        from_here.push(match from_here.last() {
            Some(after) => rate.add(after),
            None => rate,
        });
    }
    from_here.reverse();
    let mut remaining = Node::constant(lower);
    let mut out = Vec::with_capacity(rest.len());
    for (leaf, rates) in rest.iter().zip(from_here) {
        let reads = vec![leaf.params[0].clone(), remaining.clone(), rates];
        out.push(((leaf.node.clone(), reads), Rule::Share));
        remaining = remaining.sub(&leaf.node);
    }
    out
}

fn sum(mut nodes: impl Iterator<Item = Node>) -> Node {
    let first = nodes.next().unwrap_or_else(|| Node::constant(0.0));
    nodes.fold(first, |acc, n| acc.add(&n))
}

/// A bounds observation of a drawn count, with the whole counts it allows.
fn candidate(index: usize, obs: &Observation) -> Option<Candidate> {
    let Bounds {
        quantity,
        lower,
        upper,
    } = obs.of::<Bounds>()?;
    let (lower, upper) = (lower.ceil().max(0.0), upper.floor());
    if lower > upper {
        return None;
    }
    let leaves = drawn_leaves(quantity)?;
    let ids: HashSet<u64> = leaves.iter().map(|l| l.node.id()).collect();
    if ids.len() != leaves.len() {
        // N + N is 2N, not a Poisson.
        return None;
    }
    if leaves.len() > 1 {
        // Independent given their rates: no rate reads another draw of the sum.
        let reads_a_draw = leaves.iter().any(|l| {
            l.params
                .iter()
                .any(|p| p.ancestors().iter().any(|a| ids.contains(&a.id())))
        });
        if reads_a_draw {
            return None;
        }
    }
    Some(Candidate {
        index,
        quantity: quantity.clone(),
        leaves,
        ids,
        lower,
        upper,
    })
}

/// The count draws `node` is (one) or the sum of (Poisson draws only).
fn drawn_leaves(node: &Node) -> Option<Vec<Leaf>> {
    match node.op() {
        Op::Unary(UnaryOp::Alias, inner) => drawn_leaves(inner),
        Op::Binary(BinaryOp::Add, a, b) => {
            let mut leaves = drawn_leaves(a)?;
            leaves.extend(drawn_leaves(b)?);
            leaves
                .iter()
                .all(|l| l.family == "poisson")
                .then_some(leaves)
        }
        _ if node.member().is_some() => None,
        Op::Compound { family, params } => count_family(family.name()).map(|family| {
            vec![Leaf {
                node: node.clone(),
                family,
                params: params.clone(),
            }]
        }),
        Op::Draw(dist) => count_family(dist.family()).map(|family| {
            vec![Leaf {
                node: node.clone(),
                family,
                params: dist.params().into_iter().map(Node::constant).collect(),
            }]
        }),
        _ => None,
    }
}

fn count_family(name: &str) -> Option<&'static str> {
    ["poisson", "binomial", "negative_binomial"]
        .into_iter()
        .find(|f| *f == name)
}

/// Whether `node` takes some values with positive probability (a count, a
/// rounded figure, a comparison), so that an exact statement of it can hold
/// in a sample. A quantity with a continuous law never equals a figure.
pub(crate) fn has_atoms(node: &Node) -> bool {
    use crate::dist::Quantile;
    match node.op() {
        Op::Const(_) => true,
        Op::Draw(dist) => dist.is_discrete(),
        Op::Compound { family, .. } => count_family(family.name()).is_some(),
        Op::Unary(UnaryOp::Floor | UnaryOp::Round, _) => true,
        Op::Unary(_, a) => has_atoms(a),
        Op::Binary(
            BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Eq | BinaryOp::Ne,
            _,
            _,
        ) => true,
        // min(x, 5) is 5 whenever x exceeds it.
        Op::Binary(BinaryOp::Min | BinaryOp::Max, a, b) => has_atoms(a) || has_atoms(b),
        Op::Binary(_, a, b) => has_atoms(a) && has_atoms(b),
        Op::Where {
            then, otherwise, ..
        } => has_atoms(then) || has_atoms(otherwise),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{Gamma, Normal};
    use crate::expr::Family;

    fn poisson_of(rate: &Node) -> Node {
        Node::compound(Family::Poisson, vec![rate.clone()]).unwrap()
    }

    #[test]
    fn a_cumulative_is_conditioned_on_what_it_holds() {
        let rate = Node::draw(Gamma::new(4.0, 2.5).unwrap().into()).named("rate");
        let months: Vec<Node> = (0..6).map(|_| poisson_of(&rate)).collect();
        let mut cumulative = vec![months[0].clone()];
        for m in &months[1..] {
            let next = cumulative.last().unwrap().add(m);
            cumulative.push(next);
        }
        let march = Observation::bounds("march", cumulative[2].clone(), 40.0, 40.0).unwrap();
        let june = Observation::bounds("june", cumulative[5].clone(), 75.0, 75.0).unwrap();
        let got = integrate(&[june, march], &[0, 1]).unwrap();
        let Some(DrawnCount { lower, params, .. }) = got.observations[0].of::<DrawnCount>() else {
            panic!("june not integrated");
        };
        assert_eq!(*lower, 35.0);
        assert_eq!(params.len(), 1);
        assert_eq!(got.conditioned.len(), 6);
        assert!(got.conditioned.iter().all(|(_, c)| c.rule == Rule::Share));
    }

    #[test]
    fn a_sum_stated_exactly_shares_its_total_among_its_draws() {
        use crate::engine::{run, RunOptions};
        let rate = Node::draw(Gamma::new(4.0, 2.5).unwrap().into()).named("rate");
        let months: Vec<Node> = (0..3)
            .map(|i| poisson_of(&rate).named(format!("month {i}")))
            .collect();
        let total = months[0].add(&months[1]).add(&months[2]);
        let said = Observation::bounds("40 in all", total.clone(), 40.0, 40.0).unwrap();
        let mut opts = RunOptions::new(30_000, 7);
        opts.conditioned = integrate(&[said], &[0]).unwrap().conditioned;
        let outputs: Vec<(String, Node)> = months
            .iter()
            .enumerate()
            .map(|(i, m)| (format!("m{i}"), m.clone()))
            .chain([("total".to_string(), total)])
            .collect();
        let res = run(&outputs, &opts).unwrap();
        assert!(res.column("total").unwrap().iter().all(|&t| t == 40.0));
        // Equal rates: each month is binomial(40, 1/3) given the total.
        for i in 0..3 {
            let m = res.column(&format!("m{i}")).unwrap();
            assert!(m.iter().all(|&x| x >= 0.0 && x.fract() == 0.0));
            let mean = m.iter().sum::<f64>() / m.len() as f64;
            let se = (40.0 * 2.0 / 9.0 / m.len() as f64).sqrt();
            assert!((mean - 40.0 / 3.0).abs() < 4.0 * se, "month {i}: {mean}");
        }
    }

    #[test]
    fn overlapping_or_dependent_sums_keep_the_indicator() {
        let rate = Node::draw(Gamma::new(4.0, 2.5).unwrap().into());
        let a = poisson_of(&rate);
        let b = poisson_of(&a.add(&Node::constant(1.0)));
        let sum = Observation::bounds("s", a.add(&b), 40.0, 40.0).unwrap();
        let got = integrate(&[sum], &[0]).unwrap();
        assert!(got.observations[0].of::<Bounds>().is_some());
        assert!(got.conditioned.is_empty());
    }

    #[test]
    fn continuous_quantities_have_no_atoms() {
        let x = Node::draw(Normal::new(0.0, 1.0).unwrap().into());
        let n = poisson_of(&x.unary(UnaryOp::Exp));
        assert!(!has_atoms(&x));
        assert!(!has_atoms(&x.mul(&n)));
        assert!(has_atoms(&n.mul(&Node::constant(2.0))));
        assert!(has_atoms(&x.unary(UnaryOp::Round)));
    }
}

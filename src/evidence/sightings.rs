//! Overlapping sightings (capture-recapture, or multiple systems
//! estimation): units (vessels, or voyages) seen by several lists — AIS
//! tracks, satellite imagery, port records — with overlaps. The counts of
//! each pattern of lists (seen by AIS only, by imagery only, by both, ...)
//! say how many no list saw, and so the total.
//!
//! The likelihood of the table given the total N is its marginal
//! likelihood under a decomposable graphical log-linear model, the lists'
//! capture probabilities integrated out under a hyper-Dirichlet prior
//! (Madigan and York 1997, "Bayesian methods for estimation of the size of
//! a closed population", Biometrika 84):
//!
//! ln L(N) = ln N! − Σ_w ln n_w! − ln (N − n)!
//!           + Σ_cliques DM(clique table) − Σ_separators DM(separator table),
//!
//! DM(table) = ln Γ(a) − ln Γ(a + N) + Σ_cells [ln Γ(α + count) − ln Γ(α)],
//!
//! where each margin's cell for "seen by none of its lists" holds the
//! N − n units no list saw. Every margin's prior is the margin of one
//! Dirichlet on the full table with total weight a = 2 spread evenly: a
//! margin of s lists has cells of weight α = 2^(1−s). So each list's
//! capture probability alone is flat (Beta(1, 1)); with two independent
//! lists the likelihood is exactly that of flat priors on the two capture
//! probabilities integrated out. (The R package dga uses total weight 1.)
//!
//! Everything but the terms in N is computed once per observation, so a
//! sample costs a few ln Γ calls (table look-ups for small counts).
//!
//! ```
//! use munflow::evidence::Sightings;
//! let lists = vec!["AIS".to_string(), "imagery".to_string()];
//! let counts = [("AIS".to_string(), 14.0), ("imagery".to_string(), 9.0), ("AIS+imagery".to_string(), 21.0)];
//! let seen = Sightings::new(lists, &counts, &[], "vessels").unwrap();
//! assert_eq!(seen.seen(), 44.0);
//! // Chapman's estimator is (35 + 1)(30 + 1)/(21 + 1) - 1 = 49.7: the
//! // likelihood peaks near it.
//! assert!(seen.log_likelihood(50.0) > seen.log_likelihood(44.0));
//! assert!(seen.log_likelihood(50.0) > seen.log_likelihood(80.0));
//! ```

use super::kinds::{at, Figure, Given};
use super::likelihood::{check_name, not_whole, Likelihood};
use super::Observation;
use crate::dist::primitives::ln_factorial as stirling_ln_factorial;
use crate::dist::{ln_factorial_from as ln_factorial, ln_factorial_table};
use crate::error::{Error, Result};
use crate::expr::Node;
use statrs::function::gamma::ln_gamma;

/// ln Γ(z) for z > 0, by Stirling's series from 129 on (as `ln_factorial`
/// beyond its table).
#[inline(always)]
fn ln_gamma_of(z: f64) -> f64 {
    if z >= 129.0 {
        stirling_ln_factorial(z - 1.0)
    } else {
        ln_gamma(z)
    }
}

/// Fewest and most lists taken (2^5 − 1 = 31 patterns).
pub const MIN_LISTS: usize = 2;
pub const MAX_LISTS: usize = 5;

/// What the units seen are, as the analyst says.
pub const UNITS: &[&str] = &["vessels", "voyages"];

/// The counts of units seen by each pattern of lists, and the model of how
/// the lists depend on each other, with what a sample's term needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Sightings {
    lists: Vec<String>,
    /// Units seen by exactly the lists of each pattern, indexed by the
    /// pattern's bit mask (bit i: list i); entry 0 (seen by none) is 0.
    counts: Vec<f64>,
    /// The interactions as given, as groups of list indices.
    interactions: Vec<Vec<usize>>,
    unit: &'static str,
    seen: f64,
    /// The terms that do not depend on N.
    constant: f64,
    /// How many ln Γ(N + 2) terms the margins' normalising constants
    /// leave: cliques less non-empty separators.
    joins: f64,
    margins: Vec<Margin>,
}

/// A clique (+1) or separator (−1) table's one term in N:
/// sign × ln Γ(α + N − n + outside).
#[derive(Debug, Clone, PartialEq)]
struct Margin {
    sign: f64,
    alpha: f64,
    /// Units seen, but by none of the margin's lists.
    outside: f64,
}

impl Margin {
    #[inline(always)]
    fn term(&self, table: &[f64], unseen: f64) -> f64 {
        let x = unseen + self.outside;
        // A single list's margin has α = 1: ln Γ(1 + x) = ln x!.
        let lg = if self.alpha == 1.0 {
            ln_factorial(table, x)
        } else {
            ln_gamma_of(self.alpha + x)
        };
        self.sign * lg
    }
}

fn bad<T>(field: &'static str, msg: String) -> std::result::Result<T, (&'static str, Error)> {
    Err((field, Error::InvalidArgument(msg)))
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Sightings {
    /// The sightings of `lists` (2 to 5 names), with `counts` the units
    /// seen by each pattern of lists, spelled as the lists joined by "+"
    /// ("AIS+imagery": seen by both and no other list; patterns not given
    /// saw none), `interactions` groups of lists that depend on each other
    /// (none: independent lists), `unit` "vessels" or "voyages". An error
    /// names the field it is about ("lists", "counts", "interactions",
    /// "unit").
    pub fn new(
        lists: Vec<String>,
        counts: &[(String, f64)],
        interactions: &[Vec<String>],
        unit: &str,
    ) -> std::result::Result<Sightings, (&'static str, Error)> {
        let k = lists.len();
        if !(MIN_LISTS..=MAX_LISTS).contains(&k) {
            return bad(
                "lists",
                format!(
                    "sightings need {MIN_LISTS} to {MAX_LISTS} lists (sources), got {k}: {}",
                    quoted(&lists)
                ),
            );
        }
        for (i, name) in lists.iter().enumerate() {
            if name.trim().is_empty() || name.contains('+') || name.trim() != name {
                return bad(
                    "lists",
                    format!("a list's name must be a non-empty word without '+' (which joins lists in a pattern) or surrounding spaces, got '{name}'"),
                );
            }
            if lists[..i].contains(name) {
                return bad("lists", format!("the list '{name}' is named twice"));
            }
        }
        let index = |field: &'static str, what: &str, name: &str| {
            lists.iter().position(|l| l == name.trim()).ok_or_else(|| {
                let msg = format!(
                    "{what} names the list '{}', which is not one of the lists ({})",
                    name.trim(),
                    quoted(&lists)
                );
                (field, Error::InvalidArgument(msg))
            })
        };
        let mut table = vec![f64::NAN; 1 << k];
        table[0] = 0.0;
        for (pattern, count) in counts {
            let what = format!("the pattern '{pattern}'");
            let mut mask = 0usize;
            for part in pattern.split('+') {
                if part.trim().is_empty() {
                    return bad(
                        "counts",
                        format!("{what} has an empty list's name; write the lists that saw the units joined by '+', such as 'AIS+imagery'"),
                    );
                }
                let bit = 1 << index("counts", &what, part)?;
                if mask & bit != 0 {
                    return bad("counts", format!("{what} names '{}' twice", part.trim()));
                }
                mask |= bit;
            }
            if !table[mask].is_nan() {
                return bad(
                    "counts",
                    format!("{what} is given twice (the order of the lists in a pattern does not matter)"),
                );
            }
            if !(count.is_finite() && *count >= 0.0 && count.fract() == 0.0 && *count <= 9.0e15) {
                return bad(
                    "counts",
                    format!(
                        "{what}: the count must be a whole number >= 0, got {}",
                        crate::error::fmt_value(*count)
                    ),
                );
            }
            table[mask] = *count;
        }
        for c in table.iter_mut() {
            if c.is_nan() {
                *c = 0.0;
            }
        }
        let seen: f64 = table.iter().sum();
        if seen == 0.0 {
            return bad(
                "counts",
                "no unit was seen: the counts must include at least one sighting".into(),
            );
        }
        let unit = UNITS
            .iter()
            .copied()
            .find(|u| *u == unit)
            .map_or_else(
                || {
                    bad(
                        "unit",
                        format!("unit must be 'vessels' or 'voyages' (what each unit seen is), got '{unit}'"),
                    )
                },
                Ok,
            )?;
        let mut groups = Vec::new();
        let mut adjacent = vec![0usize; k];
        for group in interactions {
            let what = format!("the interaction {}", group.join("–"));
            if group.len() < 2 {
                return bad(
                    "interactions",
                    format!("{what}: an interaction joins two lists or more, such as ['AIS', 'imagery']"),
                );
            }
            let mut members = Vec::new();
            for name in group {
                let i = index("interactions", &what, name)?;
                if members.contains(&i) {
                    return bad("interactions", format!("{what} names '{name}' twice"));
                }
                members.push(i);
            }
            for &a in &members {
                for &b in &members {
                    if a != b {
                        adjacent[a] |= 1 << b;
                    }
                }
            }
            groups.push(members);
        }
        let (cliques, separators) = graph::junction_tree(&adjacent)
            .map_err(|cycle| ("interactions", cycle.error(&lists)))?;
        let all = (1 << k) - 1;
        if cliques.contains(&all) {
            return bad(
                "interactions",
                format!(
                    "the interactions join every list ({}) in one group, the saturated model: the counts then say nothing about the units no list saw. Leave out at least one interaction",
                    quoted(&lists)
                ),
            );
        }
        let mut constant = -table.iter().map(|&c| ln_gamma(c + 1.0)).sum::<f64>();
        let mut margins = Vec::new();
        let nonempty_separators = separators.iter().filter(|&&s| s != 0).count();
        for (sign, margin) in cliques
            .iter()
            .map(|&c| (1.0, c))
            .chain(separators.iter().filter(|&&s| s != 0).map(|&s| (-1.0, s)))
        {
            let size = margin.count_ones() as i32;
            let alpha = 2f64.powi(1 - size);
            // Seen units by the cell of the margin they fall in.
            let mut cells = vec![0.0; 1 << k];
            for (pattern, &c) in table.iter().enumerate() {
                cells[pattern & margin] += c;
            }
            // ln Γ(a) with a = 2 is 0; the empty cell is the term in N.
            let fixed: f64 = cells
                .iter()
                .enumerate()
                .filter(|&(cell, _)| cell != 0 && cell & !margin == 0)
                .map(|(_, &c)| ln_gamma(alpha + c))
                .sum::<f64>()
                - (1u64 << size) as f64 * ln_gamma(alpha);
            constant += sign * fixed;
            margins.push(Margin {
                sign,
                alpha,
                outside: cells[0],
            });
        }
        Ok(Sightings {
            lists,
            counts: table,
            interactions: groups,
            unit,
            seen,
            constant,
            joins: (cliques.len() - nonempty_separators) as f64,
            margins,
        })
    }

    /// The lists, in order.
    pub fn lists(&self) -> &[String] {
        &self.lists
    }

    /// The units seen by at least one list.
    pub fn seen(&self) -> f64 {
        self.seen
    }

    /// "vessels" or "voyages".
    pub fn unit(&self) -> &'static str {
        self.unit
    }

    /// The counts by pattern ("AIS+imagery"), in the order of the patterns'
    /// bit masks, the patterns no unit had left out.
    pub fn counts(&self) -> Vec<(String, f64)> {
        (1..self.counts.len())
            .filter(|&m| self.counts[m] > 0.0)
            .map(|m| (self.pattern(m), self.counts[m]))
            .collect()
    }

    /// The interactions as given, by the lists' names.
    pub fn interactions(&self) -> Vec<Vec<String>> {
        self.interactions
            .iter()
            .map(|g| g.iter().map(|&i| self.lists[i].clone()).collect())
            .collect()
    }

    fn pattern(&self, mask: usize) -> String {
        (0..self.lists.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| self.lists[i].as_str())
            .collect::<Vec<_>>()
            .join("+")
    }

    /// ln L(N): the log-likelihood of the table given `total` units in
    /// all, a whole number >= [`seen`](Self::seen) (−∞ below it).
    pub fn log_likelihood(&self, total: f64) -> f64 {
        self.log_likelihood_from(ln_factorial_table(), total)
    }

    #[inline(always)]
    pub(crate) fn log_likelihood_from(&self, table: &[f64], total: f64) -> f64 {
        if total < self.seen {
            return f64::NEG_INFINITY;
        }
        let unseen = total - self.seen;
        // ln N! − joins · ln (N + 1)!, with ln (N + 1)! = ln N! + ln (N + 1).
        let mut ll = self.constant + (1.0 - self.joins) * ln_factorial(table, total)
            - self.joins * (total + 1.0).ln()
            - ln_factorial(table, unseen);
        for m in &self.margins {
            ll += m.term(table, unseen);
        }
        ll
    }

    /// One line for reports: "44 vessels seen by AIS, imagery (independent lists)".
    pub fn describe(&self, total: &str) -> String {
        let model = if self.interactions.is_empty() {
            "independent lists".to_string()
        } else {
            let groups: Vec<String> = self.interactions().iter().map(|g| g.join("–")).collect();
            format!("interactions {}", groups.join(", "))
        };
        format!(
            "sightings: {} {} seen by {} ({model}) of {total} in all",
            super::likelihood::short(self.seen),
            self.unit,
            self.lists.join(", "),
        )
    }
}

/// The `sightings` kind: a table of units seen by several lists, of
/// `total` in all (a whole number per sample).
#[derive(Debug, Clone)]
pub struct SightingsOf {
    pub total: Node,
    pub sightings: Box<Sightings>,
}

impl Observation {
    /// Units seen by several lists with overlaps (see [`Sightings`]), of
    /// `total` in all (a whole number per sample).
    pub fn sightings(name: &str, total: Node, sightings: Sightings) -> Result<Self> {
        check_name(name)?;
        let kind = SightingsOf {
            total,
            sightings: Box::new(sightings),
        };
        Ok(Observation::new(name, kind))
    }
}

/// A `sightings` observation from its declared figures: its lists and
/// counts by pattern, its interactions (groups of lists) and its unit.
pub(super) fn build(given: &mut Given) -> super::kinds::Built {
    let name = given.name;
    let wrong = |field: &'static str, want: &str, got: &Figure| {
        let msg = format!("sightings '{name}': {field} must be {want}, got {got}");
        (field, Error::InvalidArgument(msg))
    };
    let missing = |field: &'static str| {
        let msg = format!("sightings '{name}': {field} is required");
        (field, Error::InvalidArgument(msg))
    };
    let lists = match given.listed("lists").ok_or_else(|| missing("lists"))? {
        Figure::Names(names) => names,
        other => return Err(wrong("lists", "a list of the lists' names", &other)),
    };
    let counts = match given.listed("counts").ok_or_else(|| missing("counts"))? {
        Figure::Counts(counts) => counts,
        other => return Err(wrong("counts", "counts by pattern", &other)),
    };
    let interactions = match given.listed("interactions") {
        None => vec![],
        Some(Figure::Groups(groups)) => groups,
        Some(other) => {
            let want = "groups of lists, such as [['AIS', 'imagery']]";
            return Err(wrong("interactions", want, &other));
        }
    };
    let unit = given.word("unit").unwrap_or_else(|| "vessels".into());
    let seen = Sightings::new(lists, &counts, &interactions, &unit).map_err(|(field, e)| {
        (
            field,
            Error::InvalidArgument(format!("sightings '{name}': {field}: {e}")),
        )
    })?;
    Observation::sightings(name, given.read(), seen).map_err(at("total"))
}

impl Likelihood for SightingsOf {
    fn name(&self) -> &'static str {
        "sightings"
    }

    fn nodes(&self) -> Vec<&Node> {
        vec![&self.total]
    }

    fn term(&self, name: &str, v: &[f64]) -> std::result::Result<(f64, f64), String> {
        let total = v[0];
        if let Some(e) = not_whole("sightings", name, "the total", total) {
            return Err(e);
        }
        let seen = self.sightings.seen();
        if total < seen {
            // At least PULL nats, as for serials: a total just
            // below the units seen must not weigh as much as one
            // at it until tempering's last step drops them all.
            return Ok((f64::NEG_INFINITY, 1.0 + (seen - total) / seen));
        }
        Ok((self.sightings.log_likelihood(total), 0.0))
    }

    fn log_likelihoods(
        &self,
        name: &str,
        cols: &[&[f64]],
        out: &mut [f64],
    ) -> std::result::Result<(), (usize, String)> {
        let table = ln_factorial_table();
        for (i, (o, &total)) in out.iter_mut().zip(cols[0]).enumerate() {
            *o = if total.is_finite() && total >= 0.0 && total.fract() == 0.0 {
                self.sightings.log_likelihood_from(table, total)
            } else {
                self.term(name, &[total]).map_err(|e| (i, e))?.0
            };
        }
        Ok(())
    }

    /// NaN: given the total alone, with the lists' capture probabilities
    /// integrated out, the table's law is a mixture with no tail to compute
    /// cheaply.
    fn predictive_tail(&self, _v: &[f64]) -> f64 {
        f64::NAN
    }

    fn describe(&self, label: &dyn Fn(usize, &Node) -> String) -> String {
        self.sightings.describe(&label(0, &self.total))
    }

    fn figures(&self) -> Vec<(&'static str, Figure)> {
        let s = &self.sightings;
        let mut figs = vec![
            ("lists", Figure::Names(s.lists().to_vec())),
            ("counts", Figure::Counts(s.counts())),
            ("unit", Figure::Word(s.unit())),
        ];
        if !s.interactions().is_empty() {
            figs.push(("interactions", Figure::Groups(s.interactions())));
        }
        figs
    }
}

/// The graph the interactions draw over the lists (bit masks): whether it
/// is decomposable (chordal), its cliques and a junction tree's separators.
mod graph {
    use crate::error::Error;

    /// A cycle of four lists or more with no interaction across it.
    #[derive(Debug)]
    pub struct ChordlessCycle(pub Vec<usize>);

    impl ChordlessCycle {
        pub fn error(&self, lists: &[String]) -> Error {
            let c = &self.0;
            let name = |i: usize| lists[c[i % c.len()]].as_str();
            let edges: Vec<String> = (0..c.len())
                .map(|i| format!("{}–{}", name(i), name(i + 1)))
                .collect();
            let mut chords = Vec::new();
            for i in 0..c.len() {
                for j in i + 2..c.len() {
                    if !(i == 0 && j == c.len() - 1) {
                        chords.push(format!("{}–{}", name(i), name(j)));
                    }
                }
            }
            Error::InvalidArgument(format!(
                "the interactions {} make a cycle of {} lists with no interaction across it, a model that is not decomposable (its likelihood has no closed form). Add an interaction across the cycle ({}) or leave one of them out",
                edges.join(", "),
                c.len(),
                chords.join(" or ")
            ))
        }
    }

    fn complete(adjacent: &[usize], set: usize) -> bool {
        (0..adjacent.len())
            .filter(|i| set & (1 << i) != 0)
            .all(|i| set & !(1 << i) & !adjacent[i] == 0)
    }

    /// Cliques (maximal complete sets) and the separators of a junction
    /// tree (the empty set joins separate components), or the chordless
    /// cycle that makes the graph not decomposable.
    pub fn junction_tree(
        adjacent: &[usize],
    ) -> std::result::Result<(Vec<usize>, Vec<usize>), ChordlessCycle> {
        let k = adjacent.len();
        // Chordal iff vertices can be removed one by one, each simplicial
        // (its remaining neighbours complete).
        let mut left = (1usize << k) - 1;
        while left != 0 {
            let simplicial =
                (0..k).find(|&v| left & (1 << v) != 0 && complete(adjacent, adjacent[v] & left));
            match simplicial {
                Some(v) => left &= !(1 << v),
                None => return Err(chordless_cycle(adjacent, left)),
            }
        }
        let all = (1usize << k) - 1;
        let cliques: Vec<usize> = (1..=all)
            .filter(|&s| complete(adjacent, s))
            .filter(|&s| (0..k).all(|v| s & (1 << v) != 0 || !complete(adjacent, s | (1 << v))))
            .collect();
        // A maximum spanning tree of the cliques weighted by their
        // intersections is a junction tree of a chordal graph.
        let mut joined = vec![0usize];
        let mut separators = Vec::new();
        while joined.len() < cliques.len() {
            let (_, next, sep) = (0..cliques.len())
                .filter(|i| !joined.contains(i))
                .flat_map(|i| joined.iter().map(move |&j| (i, j)))
                .map(|(i, j)| {
                    let sep = cliques[i] & cliques[j];
                    (sep.count_ones(), i, sep)
                })
                .max_by_key(|&(size, i, _)| (size, std::cmp::Reverse(i)))
                .expect("a clique is left");
            joined.push(next);
            separators.push(sep);
        }
        Ok((cliques, separators))
    }

    /// A chordless cycle of four or more among `left`, where no vertex is
    /// simplicial (one exists: such a graph is not chordal).
    fn chordless_cycle(adjacent: &[usize], left: usize) -> ChordlessCycle {
        let k = adjacent.len();
        let adj = |a: usize, b: usize| adjacent[a] & (1 << b) != 0;
        let vertices: Vec<usize> = (0..k).filter(|v| left & (1 << v) != 0).collect();
        for len in 4..=vertices.len() {
            let mut path = Vec::new();
            if let Some(c) = extend(&vertices, &adj, len, &mut path) {
                return ChordlessCycle(c);
            }
        }
        ChordlessCycle(vertices)
    }

    fn extend(
        vertices: &[usize],
        adj: &dyn Fn(usize, usize) -> bool,
        len: usize,
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        if path.len() == len {
            let (first, last) = (path[0], path[len - 1]);
            return adj(first, last).then(|| path.clone());
        }
        for &v in vertices {
            if path.contains(&v) || path.first().is_some_and(|&f| v < f) {
                continue;
            }
            let n = path.len();
            // Adjacent to the previous vertex only (the first may close the cycle).
            let fits = path.iter().enumerate().all(|(i, &u)| {
                if i + 1 == n {
                    adj(u, v)
                } else if i == 0 && n + 1 == len {
                    true
                } else {
                    !adj(u, v)
                }
            });
            if fits {
                path.push(v);
                if let Some(c) = extend(vertices, adj, len, path) {
                    return Some(c);
                }
                path.pop();
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    fn counts(xs: &[(&str, f64)]) -> Vec<(String, f64)> {
        xs.iter().map(|(p, c)| (p.to_string(), *c)).collect()
    }

    fn ln_beta(a: f64, b: f64) -> f64 {
        ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
    }

    #[test]
    fn two_independent_lists_integrate_flat_capture_probabilities() {
        // ∫∫ multinomial dpA dpB = N!/(n10! n01! n11! (N-n)!) B(nA+1, N-nA+1) B(nB+1, N-nB+1).
        let s = Sightings::new(
            names(&["A", "B"]),
            &counts(&[("A", 14.0), ("B", 9.0), ("A+B", 21.0)]),
            &[],
            "vessels",
        )
        .unwrap();
        let (na, nb, n) = (35.0, 30.0, 44.0);
        for total in [44.0, 45.0, 60.0, 200.0, 5000.0, 1e6] {
            let want = ln_gamma(total + 1.0)
                - ln_gamma(15.0)
                - ln_gamma(10.0)
                - ln_gamma(22.0)
                - ln_gamma(total - n + 1.0)
                + ln_beta(na + 1.0, total - na + 1.0)
                + ln_beta(nb + 1.0, total - nb + 1.0);
            let got = s.log_likelihood(total);
            assert!(
                (got - want).abs() < 1e-8 * want.abs().max(1.0),
                "{total}: {got} {want}"
            );
        }
        assert_eq!(s.log_likelihood(43.0), f64::NEG_INFINITY);
    }

    #[test]
    fn an_interaction_makes_a_two_list_clique() {
        // Lists A, B, C with A–B: cliques AB (cells 1/2) and C (cells 1),
        // no separator; against the formula written out by hand.
        let c = counts(&[
            ("A", 5.0),
            ("B", 4.0),
            ("C", 7.0),
            ("A+B", 9.0),
            ("A+C", 2.0),
            ("B+C", 3.0),
            ("A+B+C", 6.0),
        ]);
        let s = Sightings::new(
            names(&["A", "B", "C"]),
            &c,
            &[names(&["A", "B"])],
            "voyages",
        )
        .unwrap();
        let n = 36.0;
        let total = 70.0;
        let u = total - n;
        // AB cells: (A only) 5+2, (B only) 4+3, (both) 9+6, (neither) u + 7.
        let dm_ab = -ln_gamma(2.0 + total)
            + [7.0, 7.0, 15.0, u + 7.0]
                .iter()
                .map(|x| ln_gamma(0.5 + x))
                .sum::<f64>()
            - 4.0 * ln_gamma(0.5);
        // C: seen by C 7+2+3+6 = 18, not: u + 18.
        let dm_c = -ln_gamma(2.0 + total) + ln_gamma(19.0) + ln_gamma(1.0 + u + 18.0);
        let multinomial = ln_gamma(total + 1.0)
            - [5.0, 4.0, 7.0, 9.0, 2.0, 3.0, 6.0, u]
                .iter()
                .map(|x| ln_gamma(x + 1.0))
                .sum::<f64>();
        let want = multinomial + dm_ab + dm_c;
        assert!(
            (s.log_likelihood(total) - want).abs() < 1e-9,
            "{} {want}",
            s.log_likelihood(total)
        );
    }

    #[test]
    fn separators_divide_out_what_cliques_share() {
        // A–B, B–C: cliques AB, BC, separator B (cells weight 1).
        let c = counts(&[
            ("A", 5.0),
            ("B", 4.0),
            ("C", 7.0),
            ("A+B", 9.0),
            ("A+C", 2.0),
            ("B+C", 3.0),
            ("A+B+C", 6.0),
        ]);
        let inter = [names(&["A", "B"]), names(&["B", "C"])];
        let s = Sightings::new(names(&["A", "B", "C"]), &c, &inter, "voyages").unwrap();
        let (total, u) = (70.0, 34.0);
        let dm = |cells: &[f64], alpha: f64| {
            -ln_gamma(2.0 + total) + cells.iter().map(|x| ln_gamma(alpha + x)).sum::<f64>()
                - cells.len() as f64 * ln_gamma(alpha)
        };
        // AB: A only 7, B only 7, both 15, neither u+7. BC: B only 4+9=13,
        // C only 7+2=9, both 9, neither u+5. B: 22, not u+14.
        let want = ln_gamma(total + 1.0)
            - [5.0, 4.0, 7.0, 9.0, 2.0, 3.0, 6.0, u]
                .iter()
                .map(|x| ln_gamma(x + 1.0))
                .sum::<f64>()
            + dm(&[7.0, 7.0, 15.0, u + 7.0], 0.5)
            + dm(&[13.0, 9.0, 9.0, u + 5.0], 0.5)
            - dm(&[22.0, u + 14.0], 1.0);
        assert!((s.log_likelihood(total) - want).abs() < 1e-9);
    }

    #[test]
    fn bad_figures_name_their_field() {
        let two = names(&["A", "B"]);
        let field = |r: std::result::Result<Sightings, (&'static str, Error)>| r.unwrap_err();
        let (f, e) = field(Sightings::new(
            names(&["A"]),
            &counts(&[("A", 1.0)]),
            &[],
            "vessels",
        ));
        assert_eq!(f, "lists");
        assert!(e.to_string().contains("2 to 5"), "{e}");
        let (f, e) = field(Sightings::new(
            two.clone(),
            &counts(&[("A+C", 1.0)]),
            &[],
            "vessels",
        ));
        assert_eq!(f, "counts");
        assert!(e.to_string().contains("'C'"), "{e}");
        let (f, _) = field(Sightings::new(
            two.clone(),
            &counts(&[("A", 1.5)]),
            &[],
            "vessels",
        ));
        assert_eq!(f, "counts");
        let (f, _) = field(Sightings::new(
            two.clone(),
            &counts(&[("A", 0.0)]),
            &[],
            "vessels",
        ));
        assert_eq!(f, "counts");
        let (f, _) = field(Sightings::new(
            two.clone(),
            &counts(&[("A+B", 1.0), ("B+A", 2.0)]),
            &[],
            "vessels",
        ));
        assert_eq!(f, "counts");
        let (f, _) = field(Sightings::new(
            two.clone(),
            &counts(&[("A", 1.0)]),
            &[],
            "trucks",
        ));
        assert_eq!(f, "unit");
        let (f, e) = field(Sightings::new(
            two,
            &counts(&[("A", 1.0)]),
            &[names(&["A", "B"])],
            "vessels",
        ));
        assert_eq!(f, "interactions");
        assert!(e.to_string().contains("saturated"), "{e}");
    }

    #[test]
    fn a_cycle_without_a_chord_is_refused_naming_it() {
        let lists = names(&["AIS", "imagery", "port", "registry"]);
        let cycle = [
            names(&["AIS", "imagery"]),
            names(&["imagery", "port"]),
            names(&["port", "registry"]),
            names(&["registry", "AIS"]),
        ];
        let (f, e) =
            Sightings::new(lists.clone(), &counts(&[("AIS", 3.0)]), &cycle, "vessels").unwrap_err();
        assert_eq!(f, "interactions");
        let msg = e.to_string();
        assert!(
            msg.contains("AIS–imagery") && msg.contains("cycle of 4"),
            "{msg}"
        );
        assert!(
            msg.contains("AIS–port") && msg.contains("imagery–registry"),
            "{msg}"
        );
        // With a chord it is decomposable: cliques AIS-imagery-port and AIS-port-registry.
        let mut chorded = cycle.to_vec();
        chorded.push(names(&["AIS", "port"]));
        assert!(Sightings::new(lists, &counts(&[("AIS", 3.0)]), &chorded, "vessels").is_ok());
    }

    #[test]
    fn a_column_of_totals_gives_the_terms_bit_for_bit() {
        use crate::evidence::Observation;
        use crate::expr::Node;
        let s = Sightings::new(
            names(&["A", "B", "C"]),
            &counts(&[("A", 5.0), ("B+C", 3.0), ("A+B+C", 6.0)]),
            &[names(&["B", "C"])],
            "vessels",
        )
        .unwrap();
        let obs = Observation::sightings("s", Node::constant(1.0), s).unwrap();
        let totals = [14.0, 13.0, 0.0, 200.0, 4095.0, 4096.0, 1e7];
        let mut out = [0.0; 7];
        obs.log_likelihoods(&[&totals], &mut out).unwrap();
        for (o, &t) in out.iter().zip(&totals) {
            assert_eq!(o.to_bits(), obs.term(&[t]).unwrap().0.to_bits(), "{t}");
        }
        assert_eq!(out[1], f64::NEG_INFINITY);
        assert!(obs.term(&[13.0]).unwrap().1 > 0.0);
        let bad = obs.log_likelihoods(&[&[20.0, 20.5]], &mut out[..2]);
        let (row, msg) = bad.unwrap_err();
        assert_eq!(row, 1);
        assert!(
            msg.contains("sightings 's': the total must be a whole number"),
            "{msg}"
        );
    }

    #[test]
    fn junction_trees_of_small_graphs() {
        // Path A–B–C plus isolated D.
        let adj = [0b0010, 0b0101, 0b0010, 0b0000];
        let (cliques, seps) = graph::junction_tree(&adj).unwrap();
        assert_eq!(cliques, vec![0b0011, 0b0110, 0b1000]);
        let mut seps = seps;
        seps.sort();
        assert_eq!(seps, vec![0b0000, 0b0010]);
    }
}

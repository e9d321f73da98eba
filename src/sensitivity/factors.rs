//! Which quantities a sensitivity analysis can vary: the sources of randomness
//! behind one output.
//!
//! Every random node the output depends on is one of three things:
//!
//! - a **fixed input**: a named draw from a fixed distribution. A design gives
//!   it values (Saltelli matrices, tornado levels, quasi-random points through
//!   its inverse CDF) that the engine feeds in place of its draws;
//! - a **conditional input**: a named draw whose distribution depends on other
//!   nodes, such as `dark_voyages = negative_binomial(observed, p_detect)`. Its
//!   value is not an independent factor, so it cannot be fed from a design
//!   without cutting its link to its parents. What is independent is its own
//!   randomness given its parents (the draw's random stream), so a Sobol
//!   design switches that stream, and its indices measure the variance due to
//!   the draw itself; what flows through it from `p_detect` is credited to
//!   `p_detect`. A tornado holds it at quantiles of its (marginal) distribution
//!   from an ordinary run: "if we knew the count was this low or this high";
//! - **intrinsic noise**: every unnamed random node, such as the binomial
//!   thinning of delivered shells by a dud rate. Together they are one extra
//!   factor, switched by their streams, and reported as the row
//!   "intrinsic noise" rather than smeared over the inputs. So is the
//!   output's own draw when the output is a named conditional draw.
//!
//! Named nodes that compute from others (`delivered = containers * per_container`)
//! are not sources of randomness: their variance belongs to their inputs. Named
//! constants have no variance to attribute and are left out.

use crate::dist::{Dist, Quantile};
use crate::error::{Error, Result};
use crate::expr::{Node, Op};

/// The row label of the model's randomness that no named input owns.
pub const INTRINSIC_NOISE: &str = "intrinsic noise";

/// How a factor's randomness enters the model.
#[derive(Debug, Clone)]
pub enum Source {
    /// A named draw from a fixed distribution: designs feed its values.
    Fixed(Dist),
    /// A named draw whose distribution depends on other nodes: designs switch
    /// its random stream.
    Conditional,
}

/// A named source of randomness.
#[derive(Debug, Clone)]
pub struct Factor {
    pub name: String,
    pub node: Node,
    pub source: Source,
}

/// A row of an analysis: one input, or a group of inputs taken together.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    /// Indices into [`Factors::inputs`].
    pub inputs: Vec<usize>,
}

/// The sources of randomness of one output.
#[derive(Debug, Clone)]
pub struct Factors {
    pub output: String,
    pub output_node: Node,
    /// Named random inputs, in discovery order (arguments before readers).
    pub inputs: Vec<Factor>,
    /// Unnamed random nodes: the intrinsic noise.
    pub noise: Vec<Node>,
    /// Named constants (reported in errors when asked for).
    pub constants: Vec<(String, f64)>,
}

impl Factors {
    /// Finds the sources of randomness of `output`, one of `outputs`.
    ///
    /// ```
    /// use munflow::dist::{Beta, Normal};
    /// use munflow::expr::{Family, Node};
    /// use munflow::sensitivity::Factors;
    /// let shells = Node::draw(Normal::new(1000.0, 50.0).unwrap().into()).named("shells");
    /// let dud_rate = Node::draw(Beta::new(2.0, 8.0).unwrap().into()).named("dud_rate");
    /// let good = Node::compound(Family::Binomial,
    ///     vec![shells.floor(), Node::constant(1.0).sub(&dud_rate)]).unwrap();
    /// let f = Factors::of(&[("good".into(), good)], "good").unwrap();
    /// assert_eq!(f.names(), vec!["shells", "dud_rate"]);
    /// assert_eq!(f.noise.len(), 1); // the binomial thinning
    /// ```
    pub fn of(outputs: &[(String, Node)], output: &str) -> Result<Factors> {
        let node = outputs
            .iter()
            .find(|(name, _)| name == output)
            .map(|(_, node)| node.clone())
            .ok_or_else(|| {
                let known: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
                Error::UnknownName(format!(
                    "no output named '{output}'; outputs are: {}",
                    known.join(", ")
                ))
            })?;
        let mut inputs = Vec::new();
        let mut noise = Vec::new();
        let mut constants = Vec::new();
        for n in node.ancestors() {
            // An output that is itself a named conditional draw (a scenario's
            // `shell_152.functioning`: binomial thinning, named so its stream
            // stays put) is not an input of itself: its own randomness given
            // its parents is intrinsic noise.
            if n == node && matches!(n.op(), Op::Compound { .. }) {
                noise.push(n.clone());
                continue;
            }
            match (n.name(), n.op()) {
                (Some(name), Op::Const(v)) => constants.push((name.to_string(), *v)),
                (Some(name), Op::Draw(d)) => {
                    let (lo, hi) = d.support();
                    if lo == hi {
                        constants.push((name.to_string(), lo));
                    } else {
                        inputs.push(Factor {
                            name: name.to_string(),
                            node: n.clone(),
                            source: Source::Fixed(d.clone()),
                        });
                    }
                }
                (Some(name), Op::Compound { .. }) => inputs.push(Factor {
                    name: name.to_string(),
                    node: n.clone(),
                    source: Source::Conditional,
                }),
                (None, Op::Draw(_) | Op::Compound { .. }) => noise.push(n.clone()),
                _ => {}
            }
        }
        Ok(Factors {
            output: output.to_string(),
            output_node: node,
            inputs,
            noise,
            constants,
        })
    }

    /// The input names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.inputs.iter().map(|f| f.name.as_str()).collect()
    }

    /// The index of the input called `name`, or an error that says why not.
    pub fn index(&self, name: &str) -> Result<usize> {
        if let Some(i) = self.inputs.iter().position(|f| f.name == name) {
            return Ok(i);
        }
        if let Some((_, v)) = self.constants.iter().find(|(n, _)| n == name) {
            return Err(Error::InvalidArgument(format!(
                "input '{name}' is a constant ({v}): it has no uncertainty to analyse"
            )));
        }
        Err(Error::UnknownName(format!(
            "'{name}' is not a random named input of output '{}'; its inputs are: {}",
            self.output,
            self.names().join(", ")
        )))
    }

    /// Indices of the inputs named in `names`, in that order (all of them when `None`).
    pub fn select(&self, names: Option<&[String]>) -> Result<Vec<usize>> {
        match names {
            None => Ok((0..self.inputs.len()).collect()),
            Some(names) => {
                let mut out = Vec::with_capacity(names.len());
                for name in names {
                    let i = self.index(name)?;
                    if out.contains(&i) {
                        return Err(Error::InvalidArgument(format!(
                            "input '{name}' is given twice"
                        )));
                    }
                    out.push(i);
                }
                Ok(out)
            }
        }
    }

    /// The rows of an analysis: each group of `groups` (inputs taken
    /// together, by name), then every input of `chosen` (all when `None`) in
    /// no group, on its own. Row names are unique.
    ///
    /// # Errors
    /// An unknown or constant member, a member in two groups, an empty
    /// group, or a group name used twice or by an input outside it.
    pub fn grouped(
        &self,
        groups: Option<&[(String, Vec<String>)]>,
        chosen: Option<&[usize]>,
    ) -> Result<Vec<Group>> {
        let mut rows: Vec<Group> = Vec::new();
        let mut owner: Vec<Option<&str>> = vec![None; self.inputs.len()];
        for (name, members) in groups.unwrap_or_default() {
            if name == INTRINSIC_NOISE || rows.iter().any(|g| &g.name == name) {
                return Err(Error::InvalidArgument(format!(
                    "group name '{name}' is used twice or reserved"
                )));
            }
            if members.is_empty() {
                return Err(Error::InvalidArgument(format!("group '{name}' is empty")));
            }
            let mut inputs = Vec::new();
            for member in members {
                let i = self.index(member)?;
                if let Some(other) = owner[i] {
                    return Err(Error::InvalidArgument(format!(
                        "input '{member}' is in two groups ('{other}' and '{name}')"
                    )));
                }
                owner[i] = Some(name);
                inputs.push(i);
            }
            rows.push(Group {
                name: name.clone(),
                inputs,
            });
        }
        let alone: Vec<usize> = match chosen {
            Some(c) => c.to_vec(),
            None => (0..self.inputs.len()).collect(),
        };
        for i in alone {
            if owner[i].is_some() {
                continue;
            }
            let name = &self.inputs[i].name;
            if rows.iter().any(|g| &g.name == name) {
                return Err(Error::InvalidArgument(format!(
                    "group name '{name}' is also the name of an input outside it"
                )));
            }
            rows.push(Group {
                name: name.clone(),
                inputs: vec![i],
            });
        }
        Ok(rows)
    }

    /// An error unless the output has something to analyse.
    pub fn require_randomness(&self) -> Result<()> {
        if self.inputs.is_empty() && self.noise.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "output '{}' has no random inputs: it is a constant",
                self.output
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Beta;
    use crate::expr::Family;

    #[test]
    fn a_named_output_draw_is_noise_not_an_input_of_itself() {
        let p = Node::draw(Beta::new(2.0, 8.0).unwrap().into()).named("p");
        let thinned = Node::compound(Family::Binomial, vec![Node::constant(100.0), p])
            .unwrap()
            .named("functioning");
        let f = Factors::of(&[("functioning".into(), thinned.clone())], "functioning").unwrap();
        assert_eq!(f.names(), vec!["p"]);
        assert_eq!(f.noise, vec![thinned.clone()]);
        // Read by another output, the same draw is an input as before.
        let doubled = thinned.mul(&Node::constant(2.0));
        let f = Factors::of(&[("doubled".into(), doubled)], "doubled").unwrap();
        assert_eq!(f.names(), vec!["p", "functioning"]);
        assert!(f.noise.is_empty());
    }
}

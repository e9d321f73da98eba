//! Either/or hypotheses: a quantity that is one of several expressions,
//! chosen at random in each sample ("3 million 152 mm shells, or 500,000
//! 122 mm rounds").

use super::{BinaryOp, Node};
use crate::dist::Categorical;
use crate::error::{Error, Result};

/// A mixture of expressions: in each sample, component `i` with probability
/// `weights[i]` (equal weights when `weights` is empty). Returns the choice
/// (a categorical draw of the component's index, 0-based) and the value.
///
/// Every component is evaluated in every sample and the choice picks one, so
/// a component used elsewhere in the model is the same draw there. (A
/// mixture of fixed distributions is [`crate::dist::Mixture`], one draw.)
///
/// ```
/// use munflow::dist::Normal;
/// use munflow::expr::{mixture, Node};
/// let shells = Node::draw(Normal::new(3e6, 1e5).unwrap().into());
/// let rockets = Node::draw(Normal::new(5e5, 5e4).unwrap().into());
/// let (choice, rounds) = mixture(&[shells.clone(), rockets], &[0.7, 0.3]).unwrap();
/// assert!(choice.is_random());
/// assert_eq!(rounds.args()[1], &shells); // where(choice == 0, shells, rockets)
/// assert!(mixture(&[shells], &[-1.0]).is_err());
/// ```
///
/// # Errors
/// No components, or weights that are not one non-negative number per
/// component with a positive sum.
pub fn mixture(components: &[Node], weights: &[f64]) -> Result<(Node, Node)> {
    let Some((last, rest)) = components.split_last() else {
        return Err(Error::InvalidArgument(
            "mixture: needs at least one component".into(),
        ));
    };
    if !weights.is_empty() && weights.len() != components.len() {
        return Err(Error::InvalidArgument(format!(
            "mixture: weights must have one entry per component ({}), got {}",
            components.len(),
            weights.len()
        )));
    }
    for &w in weights {
        if !(w.is_finite() && w >= 0.0) {
            return Err(Error::param(
                "mixture",
                "every weight",
                "finite and >= 0",
                w,
            ));
        }
    }
    if !weights.is_empty() && weights.iter().sum::<f64>() <= 0.0 {
        return Err(Error::InvalidArgument(
            "mixture: the weights must not all be 0".into(),
        ));
    }
    let indices: Vec<f64> = (0..components.len()).map(|i| i as f64).collect();
    let choice = Node::draw(Categorical::new(&indices, weights)?.into());
    let value = rest
        .iter()
        .enumerate()
        .rev()
        .fold(last.clone(), |value, (i, c)| {
            choice
                .binary(BinaryOp::Eq, &Node::constant(i as f64))
                .select(c, &value)
        });
    Ok((choice, value))
}

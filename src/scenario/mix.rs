//! The cargo mix: what share of the containers holds each munition.
//!
//! A Dirichlet(α₁, …, α_k) share vector is drawn as independent gammas
//! `G_i ~ Gamma(α_i, 1)` divided by their sum. That is exact (the Dirichlet is
//! normalised gammas), needs no new engine family, and names each gamma after
//! its munition (`mix.shell_152`), so changing one concentration leaves the
//! other gammas' draws unchanged. Shares sum to 1 in every sample by
//! construction, the non-munition share (`other`) included.

use super::schema::{Mix, OTHER_CARGO};
use super::validate::mix_shares;
use crate::dist::Gamma;
use crate::error::{Error, Result};
use crate::expr::Node;

/// The share node of every munition in the mix (not `other`), in mix order,
/// named `<munition>.share`.
pub(crate) fn shares(mix: &Mix) -> Result<Vec<(String, Node)>> {
    let (kind, entries) = mix_shares(mix).map_err(|i| Error::Scenario(i.message))?;
    let munitions = entries.iter().filter(|(name, _)| *name != OTHER_CARGO);
    if kind == "fixed" {
        return Ok(munitions
            .map(|(name, &share)| {
                let node = Node::constant(share).named(format!("{name}.share"));
                (name.to_string(), node)
            })
            .collect());
    }
    let mut gammas: Vec<(&str, Node)> = Vec::new();
    for (name, &alpha) in entries.iter() {
        // A zero concentration (allowed for `other` only) means no such cargo.
        if alpha > 0.0 {
            let g = Node::draw(Gamma::new(alpha, 1.0)?.into()).named(format!("mix.{name}"));
            gammas.push((name, g));
        }
    }
    let total = gammas
        .iter()
        .map(|(_, g)| g.clone())
        .reduce(|a, b| a.add(&b))
        .ok_or_else(|| Error::Scenario("mix: no positive concentration".into()))?;
    Ok(munitions
        .map(|(name, _)| {
            let g = gammas
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, g)| g.clone())
                .unwrap_or_else(|| Node::constant(0.0));
            (
                name.to_string(),
                g.div(&total).named(format!("{name}.share")),
            )
        })
        .collect())
}

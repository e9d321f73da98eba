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
/// named `<munition>.share`, with the field it comes from
/// (`mix.dirichlet.<munition>`).
pub(crate) fn shares(mix: &Mix) -> Result<Vec<(String, Node, String)>> {
    let (kind, entries) = mix_shares(mix).map_err(|i| Error::at_field("mix", i.message))?;
    let munitions = entries.iter().filter(|(name, _)| *name != OTHER_CARGO);
    let field = |name: &str| format!("mix.{kind}.{name}");
    if kind == "fixed" {
        return Ok(munitions
            .map(|(name, &share)| {
                let node = Node::constant(share).named(format!("{name}.share"));
                (name.to_string(), node, field(name))
            })
            .collect());
    }
    let mut gammas: Vec<(&str, Node)> = Vec::new();
    for (name, &alpha) in entries.iter() {
        // A zero concentration (allowed for `other` only) means no such cargo.
        if alpha > 0.0 {
            let gamma =
                Gamma::new(alpha, 1.0).map_err(|e| Error::at_field(field(name), e.to_string()))?;
            gammas.push((name, Node::draw(gamma.into()).named(gamma_name(name))));
        }
    }
    let total = gammas
        .iter()
        .map(|(_, g)| g.clone())
        .reduce(|a, b| a.add(&b))
        .ok_or_else(|| Error::at_field("mix.dirichlet", "no positive concentration"))?;
    Ok(munitions
        .map(|(name, _)| {
            let g = gammas
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, g)| g.clone())
                .unwrap_or_else(|| Node::constant(0.0));
            let share = g.div(&total).named(format!("{name}.share"));
            (name.to_string(), share, field(name))
        })
        .collect())
}

/// The name of the gamma behind a Dirichlet share.
fn gamma_name(entry: &str) -> String {
    format!("mix.{entry}")
}

/// (gamma node name, field) for every Dirichlet entry.
pub(crate) fn gamma_fields(mix: &Mix) -> Vec<(String, String)> {
    mix.dirichlet
        .iter()
        .flat_map(|d| d.names())
        .map(|name| (gamma_name(name), format!("mix.dirichlet.{name}")))
        .collect()
}

//! The cargo mix: what share of the containers holds each munition.
//!
//! A Dirichlet(α₁, …, α_k) share vector is drawn as independent gammas
//! `G_i ~ Gamma(α_i, 1)` divided by their sum. That is exact (the Dirichlet is
//! normalised gammas), needs no new engine family, and names each gamma after
//! its munition (`mix.shell_152`), so changing one concentration leaves the
//! other gammas' draws unchanged. Shares sum to 1 in every sample by
//! construction, the non-munition share (`other`) included.
//!
//! Alternatives ("all 152 mm shells, or mostly rockets") are one such table
//! per hypothesis; a categorical draw, `mix.alternative`, picks the hypothesis
//! in each sample, and each munition's share is that hypothesis's share.

use super::schema::{Mix, OTHER_CARGO};
use super::validate::{share_tables, ShareTable};
use crate::dist::{Categorical, Gamma};
use crate::error::{Error, Result};
use crate::expr::{BinaryOp, Node};

/// The nodes of a mix.
pub(crate) struct MixNodes {
    /// (munition, share node named `<munition>.share`, field it comes from),
    /// for every munition with a share somewhere in the mix, in mix order.
    pub shares: Vec<(String, Node, String)>,
    /// (name, field) of the other named nodes (gammas, the alternative drawn).
    pub fields: Vec<(String, String)>,
}

/// Builds the share nodes of a (validated) mix.
pub(crate) fn shares(mix: &Mix) -> Result<MixNodes> {
    let tables = share_tables(mix).map_err(|i| Error::at_field(i.path.join("."), i.message))?;
    let mut fields = Vec::new();
    let many = tables.len() > 1;
    let mut per_table = Vec::new();
    for (i, table) in tables.iter().enumerate() {
        // Gammas of the plain mix are `mix.<entry>`; of alternative i, `mix[i].<entry>`.
        let prefix = if many {
            format!("mix[{i}]")
        } else {
            "mix".into()
        };
        per_table.push(table_shares(table, &prefix, &mut fields)?);
    }
    let field_of_table = |i: usize| tables[i].path.join(".");
    if !many {
        let shares = per_table
            .pop()
            .unwrap_or_default()
            .into_iter()
            .map(|(m, node)| {
                let field = format!("{}.{m}", field_of_table(0));
                (m.clone(), node.named(format!("{m}.share")), field)
            })
            .collect();
        return Ok(MixNodes { shares, fields });
    }
    let weights: Vec<f64> = mix
        .alternatives
        .iter()
        .flatten()
        .map(|a| a.weight)
        .collect();
    let indices: Vec<f64> = (0..weights.len()).map(|i| i as f64).collect();
    let choice = Node::draw(
        Categorical::new(&indices, &weights)
            .map_err(|e| Error::at_field("mix.alternatives", e.to_string()))?
            .into(),
    )
    .named("mix.alternative");
    fields.push(("mix.alternative".into(), "mix.alternatives".into()));
    let mut munitions: Vec<String> = Vec::new();
    for table in &per_table {
        for (m, _) in table {
            if !munitions.contains(m) {
                munitions.push(m.clone());
            }
        }
    }
    let shares = munitions
        .into_iter()
        .map(|m| {
            let share_in = |t: &Vec<(String, Node)>| {
                t.iter()
                    .find(|(name, _)| *name == m)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_else(|| Node::constant(0.0))
            };
            let last = share_in(&per_table[per_table.len() - 1]);
            let share = per_table[..per_table.len() - 1]
                .iter()
                .enumerate()
                .rev()
                .fold(last, |rest, (i, t)| {
                    choice
                        .binary(BinaryOp::Eq, &Node::constant(i as f64))
                        .select(&share_in(t), &rest)
                });
            (
                m.clone(),
                share.named(format!("{m}.share")),
                "mix.alternatives".to_string(),
            )
        })
        .collect();
    Ok(MixNodes { shares, fields })
}

/// The (unnamed) share node of each munition in one table, in table order.
fn table_shares(
    table: &ShareTable,
    prefix: &str,
    fields: &mut Vec<(String, String)>,
) -> Result<Vec<(String, Node)>> {
    let field = |name: &str| format!("{}.{name}", table.path.join("."));
    let munitions = table
        .entries
        .iter()
        .filter(|(name, _)| *name != OTHER_CARGO);
    if !table.dirichlet {
        return Ok(munitions
            .map(|(name, &share)| (name.to_string(), Node::constant(share)))
            .collect());
    }
    let mut gammas: Vec<(&str, Node)> = Vec::new();
    for (name, &alpha) in table.entries.iter() {
        // A zero concentration (allowed for `other` only) means no such cargo.
        if alpha > 0.0 {
            let gamma =
                Gamma::new(alpha, 1.0).map_err(|e| Error::at_field(field(name), e.to_string()))?;
            let gamma_name = format!("{prefix}.{name}");
            fields.push((gamma_name.clone(), field(name)));
            gammas.push((name, Node::draw(gamma.into()).named(gamma_name)));
        }
    }
    let total = gammas
        .iter()
        .map(|(_, g)| g.clone())
        .reduce(|a, b| a.add(&b))
        .ok_or_else(|| Error::at_field(table.path.join("."), "no positive concentration"))?;
    Ok(munitions
        .map(|(name, _)| {
            let g = gammas
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, g)| g.clone())
                .unwrap_or_else(|| Node::constant(0.0));
            (name.to_string(), g.div(&total))
        })
        .collect())
}

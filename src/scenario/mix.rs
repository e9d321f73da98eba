//! The cargo mix: what share of the containers holds each munition.
//!
//! A Dirichlet(α₁, …, α_k) share vector is drawn by stick breaking: the first
//! entry's share is `B₁ ~ Beta(α₁, α₂ + … + α_k)`, the second takes
//! `B₂ ~ Beta(α₂, α₃ + … + α_k)` of what is left, and so on; the last gets the
//! remainder. That is exactly the Dirichlet (Connor & Mosimann 1969), and it
//! makes each beta an input an analyst can read: `shell_152.share` *is* the
//! 152 mm share (entries are taken in file order, `other` last), and
//! `rocket_122.share_of_rest` is the rockets' share of the containers that do
//! not hold 152 mm shells. Sensitivity tables and tornado bars then hold
//! shares, not raw gamma draws, and holding the first share low lets the rest
//! split the remainder in their usual proportions. Shares sum to 1 in every
//! sample by construction, the non-munition share (`other`) included; each
//! beta is named, so changing one concentration leaves unrelated draws alone.
//!
//! Alternatives ("all 152 mm shells, or mostly rockets") are one such table
//! per hypothesis; a categorical draw, `mix.alternative`, picks the hypothesis
//! in each sample, and each munition's share is that hypothesis's share.

use super::issue::Issue;
use super::named::Named;
use super::schema::{Mix, OTHER_CARGO};
use crate::dist::{Beta, Categorical};
use crate::error::{Error, Result};
use crate::expr::{BinaryOp, Node};
use std::collections::HashMap;

/// The nodes of a mix.
pub(crate) struct MixNodes {
    /// (munition, share node named `<munition>.share`, field it comes from),
    /// for every munition with a share somewhere in the mix, in mix order.
    pub shares: Vec<(String, Node, String)>,
    /// (name, field) of the other named nodes (gammas, the alternative drawn).
    pub fields: Vec<(String, String)>,
}

/// Builds the share nodes of a (validated) mix.
///
/// A stick whose name is in `coupled` (a correlated input of the file's
/// `[correlations]`) is that node instead of a fresh beta draw.
pub(crate) fn shares(mix: &Mix, coupled: &HashMap<String, Node>) -> Result<MixNodes> {
    let tables = share_tables(mix).map_err(|i| Error::at_field(i.path.join("."), i.message))?;
    let mut fields = Vec::new();
    let many = tables.len() > 1;
    let mut per_table = Vec::new();
    for (i, table) in tables.iter().enumerate() {
        // Sticks of the plain mix are `<entry>.share...`; of alternative i,
        // `mix[i].<entry>.share...`.
        let prefix = if many {
            format!("mix[{i}].")
        } else {
            String::new()
        };
        per_table.push(table_shares(table, &prefix, &mut fields, coupled)?);
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
    coupled: &HashMap<String, Node>,
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
    let entries = stick_order(table.entries);
    let mut rest: f64 = entries.iter().map(|(_, a)| a).sum();
    let mut left = Node::constant(1.0); // the share no earlier entry took
    let mut shares: Vec<(String, Node)> = Vec::new();
    for (i, &(name, alpha)) in entries.iter().enumerate() {
        rest -= alpha;
        let share = if i + 1 == entries.len() {
            left.clone()
        } else {
            let beta = Beta::new(alpha, rest.max(f64::MIN_POSITIVE))
                .map_err(|e| Error::at_field(field(name), e.to_string()))?;
            let stick = format!(
                "{prefix}{name}.{}",
                if i == 0 { "share" } else { "share_of_rest" }
            );
            fields.push((stick.clone(), field(name)));
            let b = match coupled.get(&stick) {
                Some(node) => node.clone(),
                None => Node::draw(beta.into()).named(stick),
            };
            let not_b = Node::constant(1.0).sub(&b);
            if i == 0 {
                left = not_b;
                b
            } else {
                let share = left.mul(&b);
                left = left.mul(&not_b);
                share
            }
        };
        shares.push((name.to_string(), share));
    }
    if entries.is_empty() {
        return Err(Error::at_field(
            table.path.join("."),
            "no positive concentration",
        ));
    }
    Ok(munitions
        .map(|(name, _)| {
            let share = shares
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s.clone())
                .unwrap_or_else(|| Node::constant(0.0));
            (name.to_string(), share)
        })
        .collect())
}

/// The entries of a Dirichlet in the order their sticks are broken:
/// munitions in file order, `other` last; zero concentrations (allowed for
/// `other` only) take no stick.
pub(crate) fn stick_order(concentrations: &Named<f64>) -> Vec<(&str, f64)> {
    let mut order: Vec<(&str, f64)> = concentrations
        .iter()
        .filter(|(name, &a)| *name != OTHER_CARGO && a > 0.0)
        .map(|(name, &a)| (name, a))
        .collect();
    if let Some(&a) = concentrations.get(OTHER_CARGO).filter(|&&a| a > 0.0) {
        order.push((OTHER_CARGO, a));
    }
    order
}

/// One table of shares of the cargo: the mix's own, or one alternative's.
pub(crate) struct ShareTable<'a> {
    /// Its field path, e.g. `["mix", "dirichlet"]` or `["mix", "alternatives[1]", "fixed"]`.
    pub path: Vec<String>,
    pub dirichlet: bool,
    pub entries: &'a Named<f64>,
}

/// The share tables of a mix: exactly one of `dirichlet`, `fixed` or
/// `alternatives` (each alternative with exactly one of the first two).
pub(crate) fn share_tables(mix: &Mix) -> std::result::Result<Vec<ShareTable<'_>>, Issue> {
    let Some(alternatives) = &mix.alternatives else {
        return Ok(vec![table(vec!["mix".into()], &mix.dirichlet, &mix.fixed)?]);
    };
    if mix.dirichlet.is_some() || mix.fixed.is_some() {
        return Err(Issue::at(
            &["mix", "alternatives"],
            "give shares (dirichlet or fixed) or alternatives, not both; put each hypothesis's shares in its alternative",
        ));
    }
    if alternatives.is_empty() {
        return Err(Issue::at(
            &["mix", "alternatives"],
            "alternatives lists the hypotheses about the cargo; this list is empty",
        ));
    }
    alternatives
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let prefix = vec!["mix".to_string(), format!("alternatives[{i}]")];
            table(prefix, &a.dirichlet, &a.fixed)
        })
        .collect()
}

/// The share table under `path`: exactly one of dirichlet and fixed.
fn table<'a>(
    mut path: Vec<String>,
    dirichlet: &'a Option<Named<f64>>,
    fixed: &'a Option<Named<f64>>,
) -> std::result::Result<ShareTable<'a>, Issue> {
    let (kind, entries) = match (dirichlet, fixed) {
        (Some(d), None) => ("dirichlet", d),
        (None, Some(f)) => ("fixed", f),
        (Some(_), Some(_)) => {
            path.push("fixed".into());
            return Err(Issue::at(
                &path,
                "give either dirichlet concentrations or fixed shares, not both",
            ));
        }
        (None, None) => {
            return Err(Issue::at(
                &path,
                "a mix needs `dirichlet` concentrations or `fixed` shares",
            ))
        }
    };
    path.push(kind.into());
    Ok(ShareTable {
        path,
        dirichlet: kind == "dirichlet",
        entries,
    })
}

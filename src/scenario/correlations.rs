//! `[correlations.NAME]` tables: inputs of a scenario drawn jointly with a
//! target rank (Spearman) correlation, named by path.
//!
//! ```toml
//! [correlations.packing_and_mix]
//! # Heavier packing goes with a cargo of more 152 mm shells.
//! inputs = ["shell_152.per_container", "shell_152.share"]
//! rank_corr = 0.4                 # a number for two inputs, else a matrix
//! method = "iman-conover"         # or "gaussian-copula" (for Shapley effects)
//! ```
//!
//! An input is named as in results tables (`shell_152.per_container`) or by
//! its field in the file (`munitions.shell_152.per_container`). It must be a
//! drawn input: a mix's shares are drawn by stick breaking, so the first
//! entry's share (`shell_152.share`) and each later entry's share of the rest
//! (`rocket_122.share_of_rest`) can take part, while a later entry's share,
//! derived from the sticks before it, cannot. A matrix that no joint law can
//! have is refused with the nearest correlation matrix to use instead: a
//! file is a record of the analysis, so the matrix in force is the one
//! written in it.

use super::compiled::Compiled;
use super::named::Named;
use super::schema::{CorrelationSpec, RankCorr};
use crate::dependence::{check_correlation, min_eigenvalue, nearest_correlation, Matrix, Method};
use crate::error::{Error, Result};
use crate::expr::{Node, Op};
use std::collections::HashMap;

/// The coupled draws of every table, by input name, built from the inputs
/// of `plain` (the scenario compiled without correlations).
pub(crate) fn couple(
    tables: &Named<CorrelationSpec>,
    plain: &Compiled,
) -> Result<HashMap<String, Node>> {
    let by_name = super::compiled::named_nodes(plain.outputs.iter().map(|o| &o.node));
    let name_of_field: HashMap<&str, &str> = plain
        .fields
        .iter()
        .map(|(name, field)| (field.as_str(), name.as_str()))
        .collect();
    couple_named(tables, &by_name, &name_of_field)
}

/// The coupled draws of every table, its inputs looked up by name in
/// `by_name` or by field path through `name_of_field` (ordinary and
/// timeline files alike).
pub(crate) fn couple_named(
    tables: &Named<CorrelationSpec>,
    by_name: &HashMap<String, Node>,
    name_of_field: &HashMap<&str, &str>,
) -> Result<HashMap<String, Node>> {
    let mut coupled: HashMap<String, Node> = HashMap::new();
    for (table, spec) in tables.iter() {
        let at = |field: &str| format!("correlations.{table}.{field}");
        let mut nodes = Vec::with_capacity(spec.inputs.len());
        for (i, path) in spec.inputs.iter().enumerate() {
            let name = match by_name.contains_key(path) {
                true => path.as_str(),
                false => name_of_field.get(path.as_str()).copied().unwrap_or(path),
            };
            let node = by_name.get(name).ok_or_else(|| {
                let mut drawn: Vec<&str> = by_name
                    .iter()
                    .filter(|(_, n)| matches!(n.op(), Op::Draw(_)))
                    .map(|(name, _)| name.as_str())
                    .collect();
                drawn.sort_unstable();
                Error::at_field(
                    format!("{}[{i}]", at("inputs")),
                    format!(
                        "'{path}' is not an input of this scenario; its drawn inputs are: {}",
                        drawn.join(", ")
                    ),
                )
            })?;
            if coupled.contains_key(name) {
                return Err(Error::at_field(
                    format!("{}[{i}]", at("inputs")),
                    format!("'{name}' is already correlated by another [correlations] table; put the inputs that depend on one another in one table"),
                ));
            }
            nodes.push(node.clone());
        }
        let k = nodes.len();
        let rows = match &spec.rank_corr {
            RankCorr::Pair(r) if k == 2 => vec![vec![1.0, *r], vec![*r, 1.0]],
            RankCorr::Pair(r) => {
                return Err(Error::at_field(
                    at("rank_corr"),
                    format!("a single number ({r}) fits two inputs, but {k} are given; write a {k} x {k} matrix"),
                ))
            }
            RankCorr::Matrix(m) => m.clone(),
        };
        let matrix = Matrix::from_rows(&rows, "rank_corr")
            .and_then(|m| {
                if m.k != k {
                    return Err(Error::InvalidArgument(format!(
                        "rank_corr is {0} x {0} but {k} inputs are given",
                        m.k
                    )));
                }
                check_correlation(&m, "rank_corr")?;
                Ok(m)
            })
            .map_err(|e| Error::at_field(at("rank_corr"), e.to_string()))?;
        if min_eigenvalue(&matrix) < -1e-10 {
            let near = nearest_correlation(&matrix, 1e-8);
            let rows: Vec<String> = near
                .rows()
                .iter()
                .map(|r| {
                    let cells: Vec<String> = r.iter().map(|v| format!("{v:.3}")).collect();
                    format!("[{}]", cells.join(", "))
                })
                .collect();
            return Err(Error::at_field(
                at("rank_corr"),
                format!(
                    "no joint distribution has these correlations together (the matrix is not positive semi-definite); the nearest correlation matrix (Higham 2002) is [{}]",
                    rows.join(", ")
                ),
            ));
        }
        let method = Method::parse(spec.method.as_deref().unwrap_or("iman-conover"))
            .map_err(|e| Error::at_field(at("method"), e.to_string()))?;
        let (made, _) = crate::expr::correlate(&nodes, &rows, method).map_err(|e| {
            let msg = e.to_string();
            let hint = if msg.contains("derived") && msg.contains(".share'") {
                " (a later mix entry's share is derived from the sticks before it: correlate its '<munition>.share_of_rest', or list it first in the mix)"
            } else {
                ""
            };
            Error::at_field(at("inputs"), format!("{msg}{hint}"))
        })?;
        for (node, name) in made.into_iter().zip(nodes.iter().map(|n| n.name())) {
            if let Some(name) = name {
                coupled.insert(name.to_string(), node);
            }
        }
    }
    Ok(coupled)
}

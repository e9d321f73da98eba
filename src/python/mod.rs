//! The PyO3 layer: conversion, GIL release and error mapping only. Everything
//! it exposes is implemented in the pure-Rust core.

mod args;
mod dependence;
mod detach;
mod dists;
mod errors;
mod evidence;
mod expr;
mod observations;
mod persist;
mod rate_process;
mod run;
mod scenario;
mod sensitivity;
mod summary;
mod summary_run;
mod timeline_spec;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<expr::Expr>()?;
    m.add_class::<dists::Distribution>()?;
    m.add_class::<run::RunOutput>()?;
    errors::register(m)?;
    dists::register(m)?;
    dependence::register(m)?;
    expr::register(m)?;
    run::register(m)?;
    evidence::register(m)?;
    persist::register(m)?;
    scenario::register(m)?;
    timeline_spec::register(m)?;
    rate_process::register(m)?;
    sensitivity::register(m)?;
    summary_run::register(m)?;
    summary::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

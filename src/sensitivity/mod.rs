//! Sensitivity analysis: which assumption drives the range of an output, and
//! what is worth learning next.
//!
//! - [`rank_correlation`]: Spearman's rho of each input with the output, from
//!   an ordinary run (no extra evaluations).
//! - [`tornado`]: the output's median (or mean, or a quantile) with each input
//!   held at its 10th and 90th percentiles while the rest vary.
//! - [`sobol`]: first- and total-order Sobol indices (Saltelli design, Saltelli
//!   2010 and Jansen estimators), optionally second order, with bootstrap
//!   intervals, for inputs or groups of inputs; plain Monte Carlo or scrambled
//!   Sobol' points ([`sobol_points`]) through each input's inverse CDF.
//! - [`shapley`]: Shapley effects, each input's (or group's) fair share of
//!   the variance, meaningful under correlation (Gaussian-copula) and
//!   interactions (Song, Nelson & Staum 2016 estimator).
//! - [`value_of_information`]: how much the output's 90% interval would
//!   narrow, in expectation, if one input were known exactly.
//!
//! Randomness inside the model that no named input owns (binomial thinning by
//! a dud rate, an unnamed draw) is one more factor, "intrinsic noise": Sobol
//! designs switch its random streams between the two base samples just as they
//! switch an input's values, so its share of the variance gets a row of its own
//! instead of inflating the inputs' indices. See [`Factors`] for how each kind
//! of node is treated.
//!
//! What the noise row means. Treating the streams as a factor makes the model
//! a function Y = f(X, ω) of independent inputs X and noise ω, the standard
//! reading of a stochastic simulator as a deterministic one with the seed as
//! an input. Two of its numbers do not depend on how a sampler turns random
//! bits into draws: each input's S1 = Var(E[Y | X_i]) / Var(Y), and the noise's
//! ST = E[Var(Y | X)] / Var(Y), the share of the variance that would remain if
//! every input were known. The noise's S1 and an input's ST (through the
//! input's interaction with the noise, when it sets a noisy draw's parameters)
//! depend on how strongly a draw's value follows its parameters for fixed
//! random bits. Row streams ([`crate::engine::RunOptions::row_streams`]) keep
//! those bits fixed per row, so draws by inversion or with few rejections stay
//! closely coupled; read an input's ST - S1 gap next to the noise's ST when the
//! noise is large (a few dozen missiles, not millions of shells).
//!
//! Every method is deterministic for a seed whatever the number of threads: the
//! engine's streams are keyed by (seed, node, chunk or row), sums run in a
//! fixed order, and each bootstrap resample has its own stream.

mod design;
mod estimators;
mod factors;
mod joe_kuo;
mod qmc;
mod rank;
mod shapley;
mod sobol;
mod tornado;
mod voi;

pub use design::Sampling;
pub use estimators::{analyze, pairs, Analysis, Evaluations, Indices};
pub use factors::{Factor, Factors, Source, INTRINSIC_NOISE};
pub use qmc::{sobol_points, MAX_DIMENSIONS};
pub use rank::{rank_correlation, ranks, RankCorrelation};
pub use shapley::{shapley, ShapleyEffects, ShapleyOptions, ShapleyPlan, MAX_EXACT_PLAYERS};
pub use sobol::{sobol, SobolIndices, SobolOptions, SobolPlan, MIN_BASE_SAMPLES};
pub use tornado::{tornado, tornado_chunks, Statistic, Tornado, TornadoBar, TornadoOptions};
pub use voi::{value_of_information, Learning, MIN_PER_BIN};

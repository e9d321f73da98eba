//! Dark voyages nobody saw: how many, given how many were seen.
//!
//! # The model
//!
//! Suppose `N` dark voyages (no AIS) sailed and each was seen independently
//! with probability `p` (imagery revisits, port watchers). `s` were seen, so
//! `S | N ~ Binomial(N, p)`, and the quantity wanted is the number nobody saw,
//! `U = N - s`, given `S = s`. The likelihood of `N` is
//!
//! ```text
//! L(N) = C(N, s) p^s (1 - p)^(N - s),   N >= s.
//! ```
//!
//! A count like this needs a prior on `N`; two are offered.
//!
//! * **Scale-invariant, P(N) ∝ 1/N** (the default). With no natural scale for
//!   an unknown count this is the usual reference prior (the discrete analogue
//!   of Jeffreys' prior for a scale). Since `C(N, s)/N = C(N-1, s-1)/s`, the
//!   posterior is `P(U = u) ∝ C(u + s - 1, s - 1) (1 - p)^u`, that is
//!   `U ~ NegativeBinomial(s, p)` (failures before the s-th success), with
//!   mean `s (1 - p) / p` and so `E[N] = s / p`: the familiar "divide what you
//!   saw by the chance of seeing it" (Horvitz–Thompson) estimate. When nothing
//!   was seen (`s = 0`) this prior concentrates on `N = 0`: seeing nothing is
//!   read as there being nothing.
//! * **Uniform, P(N) flat.** The posterior is `U ~ NegativeBinomial(s + 1, p)`,
//!   mean `(s + 1)(1 - p)/p`: one extra pseudo-sighting. It is the one to use
//!   for a period in which nothing was seen but ships are known to evade
//!   detection (Dec 2023 – Feb 2024 at Rajin): with `s = 0`, `U` is geometric
//!   with mean `(1 - p)/p` rather than certainly zero.
//!
//! # An uncertain detection probability
//!
//! `p` is itself a distribution (a beta, say). It is drawn once per sample and
//! `U` is drawn from the negative binomial with that `p`, so `U` is a mixture
//! of negative binomials over `p` (heavier-tailed than any one of them: a
//! small `p` means many unseen voyages).
//!
//! Is drawing `p` from its prior the right posterior? Summing the joint
//! posterior over `N` gives the information `s` carries about `p`: under the
//! scale-invariant prior `Σ_N C(N, s)/N p^s (1-p)^(N-s) = 1/s`, which does not
//! depend on `p`, so the count says nothing about `p` and the scheme above is
//! the exact joint posterior. Under the uniform prior the sum is `1/p`: the
//! exact posterior would tilt `p` towards small values (more unseen voyages).
//! That tilt is not applied here, so with the uniform prior and an uncertain
//! `p` the number of unseen voyages is, if anything, understated.
//!
//! Voyages are assumed independent; detections that cluster (a satellite
//! pass sees several ships at once, or none) widen the true range further.

use super::schema::DetectionPrior;
use crate::error::Result;
use crate::expr::{Family, Node};

/// The negative binomial's `r` for `seen` dark voyages under `prior`; `None`
/// when the posterior is the point mass at zero (scale-invariant, none seen).
///
/// ```
/// use munflow::scenario::{undetected_shape, DetectionPrior};
/// assert_eq!(undetected_shape(19, DetectionPrior::ScaleInvariant), Some(19.0));
/// assert_eq!(undetected_shape(0, DetectionPrior::Uniform), Some(1.0));
/// assert_eq!(undetected_shape(0, DetectionPrior::ScaleInvariant), None);
/// assert!(undetected_shape(u64::MAX, DetectionPrior::Uniform).unwrap() > 1e19);
/// ```
pub fn undetected_shape(seen: u64, prior: DetectionPrior) -> Option<f64> {
    // In floating point: `seen + 1` in u64 would wrap to 0 ("none seen") at
    // u64::MAX. (Validation caps `seen` far lower anyway.)
    let r = match prior {
        DetectionPrior::ScaleInvariant => seen as f64,
        DetectionPrior::Uniform => seen as f64 + 1.0,
    };
    (r > 0.0).then_some(r)
}

/// The node counting unseen dark voyages (the caller names it).
///
/// # Errors
/// A fixed `p_detect` for which the negative binomial is undefined or its
/// counts unrepresentable, and counts beyond [`MAX_DARK_SEEN`].
pub(crate) fn undetected(
    seen: u64,
    p_detect: Option<&Node>,
    prior: DetectionPrior,
) -> Result<Node> {
    if seen > MAX_DARK_SEEN {
        return Err(crate::Error::InvalidArgument(format!(
            "dark_seen must be at most {MAX_DARK_SEEN}, got {seen}"
        )));
    }
    Ok(match (undetected_shape(seen, prior), p_detect) {
        (Some(r), Some(p)) => {
            Node::compound(Family::NegativeBinomial, vec![Node::constant(r), p.clone()])?
        }
        // Validation requires p_detect whenever unseen voyages are inferred.
        _ => Node::constant(0.0),
    })
}

/// The most dark voyages a scenario may report seeing: a million. Sightings
/// are counted ship by ship, so a larger figure is a typing error, and it
/// keeps every count built from it (voyages × containers × rounds) far below
/// 2^53, where whole numbers stop being exact in a double.
pub const MAX_DARK_SEEN: u64 = 1_000_000;

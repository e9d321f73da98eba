//! The kinds of observation, declared once: the word analysts use (the
//! function `mf.evidence.<kind>`, a scenario file's `kind = "<kind>"`,
//! `obs.kind`), the quantities each reads and the figures it takes, and
//! [`build`], through which Python and scenario files both make
//! observations. [`figures`] gives back what rebuilds one (pickles and
//! saved results keep them).
//!
//! A new kind of likelihood is:
//! - its file, `src/evidence/<kind>.rs`: one struct implementing
//!   [`Likelihood`](super::Likelihood) (what it says about a sample, how it is described, its
//!   figures), its constructor `Observation::<kind>` and its builder from
//!   figures (`build(&mut Given) -> Built`), with a `mod` line in
//!   `evidence/mod.rs`;
//! - its row of [`KINDS`], which names the builder;
//! - a variant of the scenario reader's `EvidenceKind`, with its name, and
//!   any field it takes that `EvidenceSpec` lacks.
//!
//! ```
//! use munflow::evidence::kinds::{build, declaration};
//! use munflow::expr::Node;
//! let decl = declaration("at_least").unwrap();
//! assert_eq!((decl.reads, decl.required), (&["quantity"][..], &["value"][..]));
//! let value = |f: &str| (f == "value").then_some(25.0);
//! let obs = build("at_least", "vessels", vec![Node::constant(30.0)], &value, &|_| None).unwrap();
//! assert_eq!(obs.kind.name(), "at_least");
//! ```

use super::Observation;
use super::{
    bounds, count, image_count, log_likelihood, measured, paired, poisson, serials, sightings,
};
use crate::error::Error;
use crate::expr::Node;

/// What a kind's builder gives: the observation, or the figure that is
/// wrong (so that a scenario file can point at its field) and why.
pub type Built = std::result::Result<Observation, (&'static str, Error)>;

/// One kind of observation: its name, the quantities it reads (in the
/// order [`Observation::nodes`] gives them), its figures, and the builder
/// that makes one of them (in the kind's file).
#[derive(Debug)]
pub struct Declaration {
    pub name: &'static str,
    pub reads: &'static [&'static str],
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
    /// Further (figure, quantity read) pairs it may take, each read after
    /// the declared ones when its figure is given.
    pub further: &'static [(&'static str, &'static str)],
    pub build: fn(&mut Given) -> Built,
}

/// Every kind, in the order the docs list them.
pub const KINDS: &[Declaration] = &[
    Declaration {
        name: "count",
        reads: &["n", "p"],
        required: &["k"],
        optional: &[],
        further: &[],
        build: count::build,
    },
    Declaration {
        name: "poisson",
        reads: &["rate"],
        required: &["k"],
        optional: &[],
        further: &[],
        build: poisson::build,
    },
    Declaration {
        name: "measured",
        reads: &["quantity"],
        required: &["value"],
        optional: &["rel_error", "sd", "level", "error"],
        further: &[],
        build: measured::build,
    },
    Declaration {
        name: "at_least",
        reads: &["quantity"],
        required: &["value"],
        optional: &[],
        further: &[],
        build: bounds::build_at_least,
    },
    Declaration {
        name: "at_most",
        reads: &["quantity"],
        required: &["value"],
        optional: &[],
        further: &[],
        build: bounds::build_at_most,
    },
    Declaration {
        name: "between",
        reads: &["quantity"],
        required: &["lower", "upper"],
        optional: &[],
        further: &[],
        build: bounds::build_between,
    },
    Declaration {
        name: "log_likelihood",
        reads: &["term"],
        required: &[],
        optional: &[],
        further: &[],
        build: log_likelihood::build,
    },
    // `seen` is how many distinct serials were read (a file lists them).
    Declaration {
        name: "serial_numbers",
        reads: &["total"],
        required: &["seen", "largest"],
        optional: &["first"],
        further: &[],
        build: serials::build,
    },
    Declaration {
        name: "image_count",
        reads: &["n", "p", "false_positives", "p_double"],
        required: &["k"],
        optional: &[],
        further: &[],
        build: image_count::build,
    },
    Declaration {
        name: "paired",
        reads: &["quantity", "per_unit"],
        required: &["value", "converted"],
        optional: &[
            "rel_error",
            "sd",
            "level",
            "conversion_rel_error",
            "conversion_sd",
            "converted_2",
            "converted_3",
        ],
        further: &FURTHER_CONVERSIONS,
        build: paired::build,
    },
    Declaration {
        name: "sightings",
        reads: &["total"],
        required: &["lists", "counts"],
        optional: &["interactions", "unit"],
        further: &[],
        build: sightings::build,
    },
];

/// A paired statement's further conversions: the figure stated and the
/// quantity it reads, after `converted` and `per_unit` (three hypotheses at
/// most, which is more than officials give in one sentence).
pub const FURTHER_CONVERSIONS: [(&str, &str); 2] =
    [("converted_2", "per_unit_2"), ("converted_3", "per_unit_3")];

/// The declaration of the kind spelled `kind`.
pub fn declaration(kind: &str) -> Option<&'static Declaration> {
    KINDS.iter().find(|d| d.name == kind)
}

/// The kinds' names, for messages: "count, poisson, ... and log_likelihood".
pub fn names() -> String {
    let names: Vec<&str> = KINDS.iter().map(|d| d.name).collect();
    let (last, rest) = names.split_last().expect("kinds are declared");
    format!("{} and {last}", rest.join(", "))
}

/// A figure of an observation: a number, or the word of a measurement's
/// `error`; the lists of a kind that takes lists (sightings: the names of
/// its lists, its counts by pattern, its interactions).
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    Number(f64),
    Word(&'static str),
    Names(Vec<String>),
    /// Counts by name: `[("AIS+imagery", 21.0), ...]`.
    Counts(Vec<(String, f64)>),
    /// Groups of names: `[["AIS", "imagery"]]`.
    Groups(Vec<Vec<String>>),
}

impl std::fmt::Display for Figure {
    /// As Python writes it: `7000.0`, `'lognormal'`, `['AIS', 'imagery']`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |xs: &[String]| {
            let quoted: Vec<String> = xs.iter().map(|x| format!("'{x}'")).collect();
            format!("[{}]", quoted.join(", "))
        };
        match self {
            Figure::Number(x) => write!(f, "{}", crate::error::fmt_value(*x)),
            Figure::Word(w) => write!(f, "'{w}'"),
            Figure::Names(xs) => write!(f, "{}", names(xs)),
            Figure::Counts(xs) => {
                let items: Vec<String> = xs
                    .iter()
                    .map(|(k, v)| format!("'{k}': {}", crate::error::fmt_value(*v)))
                    .collect();
                write!(f, "{{{}}}", items.join(", "))
            }
            Figure::Groups(gs) => {
                let groups: Vec<String> = gs.iter().map(|g| names(g)).collect();
                write!(f, "[{}]", groups.join(", "))
            }
        }
    }
}

/// The observation of `kind` named `name` reading `reads` (as the
/// declaration orders them), with the figures `number` gives (and, for a
/// measurement, its `error` from `word`). An error names the figure it is
/// about, so that a scenario file can point at its field.
pub fn build(
    kind: &str,
    name: &str,
    reads: Vec<Node>,
    number: &dyn Fn(&str) -> Option<f64>,
    word: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<Observation, (&'static str, Error)> {
    build_listed(kind, name, reads, number, word, &|_| None)
}

/// [`build`], for every kind: with the figures that are lists
/// ([`Figure::Names`], [`Figure::Counts`], [`Figure::Groups`]) from `listed`.
pub fn build_listed(
    kind: &str,
    name: &str,
    reads: Vec<Node>,
    number: &dyn Fn(&str) -> Option<f64>,
    word: &dyn Fn(&str) -> Option<String>,
    listed: &dyn Fn(&str) -> Option<Figure>,
) -> Built {
    let decl = declaration(kind).ok_or_else(|| {
        let msg = format!(
            "unknown kind of observation '{kind}'; kinds are {}",
            names()
        );
        ("kind", Error::InvalidArgument(msg))
    })?;
    let further: Vec<(&'static str, &'static str)> = decl
        .further
        .iter()
        .filter(|(figure, _)| number(figure).is_some())
        .copied()
        .collect();
    let all: Vec<&'static str> = decl
        .reads
        .iter()
        .copied()
        .chain(further.iter().map(|&(_, read)| read))
        .collect();
    if reads.len() != all.len() {
        let missing = all.get(reads.len()).unwrap_or(&"kind");
        let msg = match all.get(reads.len()) {
            Some(_) => format!("{kind} '{name}': {missing} is missing"),
            None => format!(
                "{kind} '{name}': it reads {} quantities ({}), got {}",
                all.len(),
                all.join(", "),
                reads.len()
            ),
        };
        return Err((missing, Error::InvalidArgument(msg)));
    }
    let mut given = Given {
        kind: decl.name,
        name,
        reads: reads.into_iter(),
        number,
        word,
        listed,
        further: further.iter().map(|&(figure, _)| figure).collect(),
    };
    (decl.build)(&mut given)
}

/// What a kind's builder is given: the observation's name, the nodes it
/// reads (in its declaration's order, then its further ones) and its figures.
pub struct Given<'a> {
    /// The kind, as declared.
    pub kind: &'static str,
    pub name: &'a str,
    reads: std::vec::IntoIter<Node>,
    number: &'a dyn Fn(&str) -> Option<f64>,
    word: &'a dyn Fn(&str) -> Option<String>,
    listed: &'a dyn Fn(&str) -> Option<Figure>,
    further: Vec<&'static str>,
}

impl Given<'_> {
    /// The next node read (their number is checked against the declaration).
    pub fn read(&mut self) -> Node {
        self.reads.next().expect("arity checked")
    }

    /// The figure `field`, if given.
    pub fn number(&self, field: &str) -> Option<f64> {
        (self.number)(field)
    }

    /// The figure `field`, which the kind requires.
    pub fn need(&self, field: &'static str) -> std::result::Result<f64, (&'static str, Error)> {
        self.number(field).ok_or_else(|| {
            let msg = format!("{} '{}': {field} is required", self.kind, self.name);
            (field, Error::InvalidArgument(msg))
        })
    }

    /// The word `field` (a measurement's `error`, sightings' `unit`), if given.
    pub fn word(&self, field: &str) -> Option<String> {
        (self.word)(field)
    }

    /// The list `field` (sightings' `lists`, ...), if given.
    pub fn listed(&self, field: &str) -> Option<Figure> {
        (self.listed)(field)
    }

    /// The figures of the further (figure, quantity) pairs given, in the
    /// declaration's order: their quantities are read after the declared ones.
    pub fn further(&self) -> &[&'static str] {
        &self.further
    }
}

/// An error of a constructor, as about `field`.
pub fn at(field: &'static str) -> impl Fn(Error) -> (&'static str, Error) {
    move |e: Error| (field, e)
}

/// The figures that rebuild `obs` with [`build`], named as its declaration names them.
pub fn figures(obs: &Observation) -> Vec<(&'static str, Figure)> {
    obs.kind.figures()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{Conversion, ErrorModel, Sightings};

    fn c(x: f64) -> Node {
        Node::constant(x)
    }

    #[test]
    fn every_kind_rebuilds_from_its_figures_and_keeps_its_name() {
        let x = || c(3.0);
        let made = [
            Observation::count("a", 3.0, c(10.0), c(0.5)).unwrap(),
            Observation::poisson("b", 3.0, x()).unwrap(),
            Observation::measured("c", x(), 7.0, ErrorModel::Normal { sd: 1.0 }).unwrap(),
            Observation::bounds("d", x(), 2.0, f64::INFINITY).unwrap(),
            Observation::bounds("e", x(), f64::NEG_INFINITY, 4.0).unwrap(),
            Observation::bounds("f", x(), 2.0, 4.0).unwrap(),
            Observation::log_likelihood("g", x()).unwrap(),
            Observation::serial_numbers("h", c(100.0), 4.0, 60.0, 1.0).unwrap(),
            Observation::image_count("h", 3.0, c(10.0), c(0.5), c(1.0), c(0.1)).unwrap(),
            Observation::paired(
                "i",
                x(),
                7000.0,
                0.1,
                vec![
                    Conversion {
                        per_unit: c(430.0),
                        converted: 3e6,
                        sigma: 0.2,
                    },
                    Conversion {
                        per_unit: c(75.0),
                        converted: 5e5,
                        sigma: 0.2,
                    },
                ],
            )
            .unwrap(),
            Observation::sightings(
                "h",
                c(60.0),
                Sightings::new(
                    vec!["AIS".into(), "imagery".into(), "port".into()],
                    &[("AIS".into(), 4.0), ("imagery+AIS".into(), 7.0)],
                    &[vec!["AIS".into(), "imagery".into()]],
                    "voyages",
                )
                .unwrap(),
            )
            .unwrap(),
        ];
        let names: Vec<&str> = made.iter().map(|o| o.kind.name()).collect();
        let declared: Vec<&str> = KINDS.iter().map(|d| d.name).collect();
        assert_eq!(names, declared);
        for obs in &made {
            let figs = figures(obs);
            let number = |f: &str| {
                figs.iter().find_map(|(k, v)| match v {
                    Figure::Number(x) if *k == f => Some(*x),
                    _ => None,
                })
            };
            let word = |f: &str| {
                figs.iter().find_map(|(k, v)| match v {
                    Figure::Word(w) if *k == f => Some(w.to_string()),
                    _ => None,
                })
            };
            let listed = |f: &str| {
                figs.iter().find_map(|(k, v)| match v {
                    Figure::Names(_) | Figure::Counts(_) | Figure::Groups(_) if *k == f => {
                        Some(v.clone())
                    }
                    _ => None,
                })
            };
            let reads = obs.nodes().into_iter().cloned().collect();
            let again =
                build_listed(obs.kind.name(), &obs.name, reads, &number, &word, &listed).unwrap();
            assert_eq!(again.describe(), obs.describe());
            let decl = declaration(obs.kind.name()).unwrap();
            let further = figs.iter().filter(|(k, _)| k.starts_with("converted_"));
            assert_eq!(decl.reads.len() + further.count(), obs.nodes().len());
            for (field, _) in &figs {
                assert!(decl.required.contains(field) || decl.optional.contains(field));
            }
        }
    }

    #[test]
    fn errors_name_the_figure_they_are_about() {
        let none = |_: &str| None;
        let no_word = |_: &str| None;
        let got = build("count", "x", vec![c(1.0), c(0.5)], &none, &no_word);
        assert_eq!(got.map_err(|(f, _)| f).unwrap_err(), "k");
        let serials = |f: &str| match f {
            "seen" => Some(3.0),
            "largest" => Some(10.0),
            "first" => Some(9.0),
            _ => None,
        };
        let got = build("serial_numbers", "x", vec![c(20.0)], &serials, &no_word);
        assert_eq!(got.map_err(|(f, _)| f).unwrap_err(), "largest");
        let got = build("guess", "x", vec![], &none, &no_word);
        assert!(got
            .unwrap_err()
            .1
            .to_string()
            .contains("kinds are count, poisson"));
    }

    #[test]
    fn paired_statements_take_their_conversions_in_order_and_name_bad_figures() {
        let figs = [("value", 7000.0), ("rel_error", 0.15), ("converted", 3e6)];
        let with = |extra: &'static [(&'static str, f64)]| {
            move |f: &str| {
                figs.iter()
                    .chain(extra)
                    .find(|(k, _)| *k == f)
                    .map(|(_, v)| *v)
            }
        };
        let no_word = |_: &str| None;
        let two = with(&[("conversion_rel_error", 0.3), ("converted_2", 5e5)]);
        let obs = build(
            "paired",
            "x",
            vec![c(7000.0), c(430.0), c(75.0)],
            &two,
            &no_word,
        );
        let obs = obs.unwrap();
        assert_eq!(obs.nodes().len(), 3);
        assert!(
            obs.describe().contains("500,000 at 75 per unit"),
            "{}",
            obs.describe()
        );
        // converted_2 without per_unit_2; no conversion error given.
        let got = build("paired", "x", vec![c(7000.0), c(430.0)], &two, &no_word);
        assert_eq!(got.map_err(|(f, _)| f).unwrap_err(), "per_unit_2");
        let got = build(
            "paired",
            "x",
            vec![c(7000.0), c(430.0)],
            &with(&[]),
            &no_word,
        );
        assert_eq!(got.map_err(|(f, _)| f).unwrap_err(), "conversion_rel_error");
        let zero = with(&[("conversion_sd", 0.2), ("converted_2", -5.0)]);
        let got = build(
            "paired",
            "x",
            vec![c(7000.0), c(430.0), c(75.0)],
            &zero,
            &no_word,
        );
        let (field, e) = got.unwrap_err();
        assert_eq!(field, "converted");
        assert!(e.to_string().contains("-5"), "{e}");
    }

    #[test]
    fn image_counts_name_the_figure_that_is_out_of_range() {
        let k = |f: &str| (f == "k").then_some(12.0);
        let no_word = |_: &str| None;
        for (i, field) in ["n", "p", "false_positives", "p_double"].iter().enumerate() {
            let mut reads = vec![c(20.0), c(0.5), c(1.0), c(0.1)];
            reads[i] = c(if i == 0 { 2.5 } else { -1.0 });
            let (got, e) = build("image_count", "x", reads, &k, &no_word).unwrap_err();
            assert_eq!(got, *field);
            assert!(e.to_string().contains(&format!("{field} (")), "{e}");
        }
    }
}

"""Words of estimative probability: a probability in the words analysts' readers know.

``mf.words(0.7)`` is ``'likely'``: the term the US intelligence community's
standard (ICD 203, 2015) gives for 55-80%. A probability munflow estimated
from ``n`` Monte Carlo samples is uncertain, so ``mf.words(p, n=n)`` reads the
95% Wilson interval of ``p`` and, when that interval reaches more than one
band, names every band it reaches rather than claim a precision the run does
not have::

    >>> import munflow as mf
    >>> mf.words(0.7)
    'likely'
    >>> mf.words(0.79, n=2_000)
    'likely or very likely'
    >>> print(mf.words.describe(0.79, n=2_000))
    likely or very likely (p = 0.79, 95% interval 0.772-0.807, n = 2,000)
    >>> mf.words(0.3, scale="nato"), mf.words(0.37, scale="phia")
    ('unlikely', 'between unlikely and realistic possibility')

The scales (``mf.words.table(scale)`` prints each, with the band owning every
boundary; the README has them too):

``"icd203"`` (the default)
    ICD 203, Analytic Standards (US ODNI, 2 January 2015), its table of
    expressions of likelihood: almost no chance 1-5%, very unlikely 5-20%,
    unlikely 20-45%, roughly even chance 45-55%, likely 55-80%, very likely
    80-95%, almost certain 95-99%.
``"nato"``
    NATO AJP-2.1 Edition B (2016), Allied Joint Doctrine for Intelligence
    Procedures: highly unlikely less than 10%, unlikely 10-40%, even chance
    40-60%, likely 60-90%, highly likely more than 90%.
``"phia"``
    The UK Professional Head of Intelligence Analysis probability yardstick
    (as published in "Explaining Uncertainty in UK Intelligence Assessment",
    gov.uk, 2025): remote chance 5% or less, highly unlikely 10-20%, unlikely
    25-35%, realistic possibility 40-50%, likely or probably 55-75%, highly
    likely 80-90%, almost certain 95% or more.

Boundaries. ICD 203 and NATO give adjacent ranges that share their ends
(5-20%, 20-45%). munflow gives a shared boundary to the band nearer even
chance: a probability must be past a boundary to earn the stronger word.
NATO's own outer bands say so ("less than 10%" and "more than 90%", so 10%
is unlikely and 90% likely), and the rule keeps the words of ``p`` and
``1 - p`` mirror images (P(a > b) = 0.2 is unlikely, P(b > a) = 0.8 likely).
So the bands below 50% are closed below and open above, those above 50% open
below and closed above, and the middle band is closed at both ends. PHIA's
bands are closed ranges with gaps between them; a probability in a gap is
reported as the gap: ``'between unlikely and realistic possibility'``.

Below 1% and above 99%. ICD 203 has no term there; munflow says "almost no
chance" and "almost certain" (the bands run from 0 and to 1). The other two
standards cover 0-100% with their outermost terms, readers trained on ICD 203
know only its seven, and a Monte Carlo probability of 0 or 1 means "not seen
in n samples", not impossible or certain: the interval (and the number, which
:func:`describe` prints) says how small.

Uncertainty. With ``n`` samples (for a weighted posterior its effective
sample size, ``res.ess``) the interval is Wilson's score interval at
``level`` (95% by default): it stays inside [0, 1], is not empty at p = 0 or
1, and takes a fractional effective sample size. Or pass your own
``interval=(low, high)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from statistics import NormalDist
from typing import Any

import pandas as pd

from munflow.formatting import readable

#: The scale used when none is named.
DEFAULT_SCALE = "icd203"
#: The level of the interval read from ``n``.
DEFAULT_LEVEL = 0.95


@dataclass(frozen=True)
class Band:
    """One range of probability and what is said for it."""

    term: str
    low: float
    high: float
    closed_low: bool
    closed_high: bool
    #: The range as the standard writes it ("" for a gap between its terms).
    standard: str = ""
    #: The standard's other wording for the same range.
    also: str = ""
    #: Whether this is a gap between two of the standard's terms.
    gap: bool = False

    def holds(self, p: float) -> bool:
        above = p >= self.low if self.closed_low else p > self.low
        below = p <= self.high if self.closed_high else p < self.high
        return above and below

    def interval_text(self) -> str:
        """``'5% <= p < 20%'``: the band with the boundaries it owns."""
        left = "<=" if self.closed_low else "<"
        right = "<=" if self.closed_high else "<"
        return f"{_percent(self.low)} {left} p {right} {_percent(self.high)}"


@dataclass(frozen=True)
class Scale:
    """A standard's terms, as bands that cover [0, 1] (with any gaps between them)."""

    name: str
    title: str
    places: tuple[Band, ...]

    def place_of(self, p: float) -> int:
        for i, band in enumerate(self.places):
            if band.holds(p):
                return i
        raise AssertionError(f"scale {self.name!r} does not cover p = {p!r}")  # pragma: no cover


def _scale(name: str, title: str, bands: Sequence[Band]) -> Scale:
    """The scale with its gaps as places of their own: ``between A and B``."""
    places: list[Band] = []
    for band in bands:
        if places and places[-1].high < band.low:
            prev = places[-1]
            places.append(
                Band(
                    f"between {prev.term} and {band.term}",
                    prev.high,
                    band.low,
                    closed_low=not prev.closed_high,
                    closed_high=not band.closed_low,
                    gap=True,
                )
            )
        places.append(band)
    return Scale(name, title, tuple(places))


SCALES: dict[str, Scale] = {
    "icd203": _scale(
        "icd203",
        "ICD 203",
        [
            Band("almost no chance", 0.0, 0.05, True, False, "01-05%", "remote"),
            Band("very unlikely", 0.05, 0.20, True, False, "05-20%", "highly improbable"),
            Band("unlikely", 0.20, 0.45, True, False, "20-45%", "improbable"),
            Band("roughly even chance", 0.45, 0.55, True, True, "45-55%", "roughly even odds"),
            Band("likely", 0.55, 0.80, False, True, "55-80%", "probable"),
            Band("very likely", 0.80, 0.95, False, True, "80-95%", "highly probable"),
            Band("almost certain", 0.95, 1.0, False, True, "95-99%", "nearly certain"),
        ],
    ),
    "nato": _scale(
        "nato",
        "NATO AJP-2.1",
        [
            Band("highly unlikely", 0.0, 0.10, True, False, "less than 10%"),
            Band("unlikely", 0.10, 0.40, True, False, "10-40%"),
            Band("even chance", 0.40, 0.60, True, True, "40-60%"),
            Band("likely", 0.60, 0.90, False, True, "60-90%"),
            Band("highly likely", 0.90, 1.0, False, True, "more than 90%"),
        ],
    ),
    "phia": _scale(
        "phia",
        "PHIA yardstick",
        [
            Band("remote chance", 0.0, 0.05, True, True, "5% or less"),
            Band("highly unlikely", 0.10, 0.20, True, True, "10-20%"),
            Band("unlikely", 0.25, 0.35, True, True, "25-35%"),
            Band("realistic possibility", 0.40, 0.50, True, True, "40-50%"),
            Band("likely", 0.55, 0.75, True, True, "55-75%", "probably"),
            Band("highly likely", 0.80, 0.90, True, True, "80-90%"),
            Band("almost certain", 0.95, 1.0, True, True, "95% or more"),
        ],
    ),
}


@dataclass(frozen=True)
class Likelihood:
    """A probability in words, with what the words rest on: what a table, a
    report page or the command line renders.

    ``str()`` gives the words and the numbers together.

    >>> import munflow as mf
    >>> said = mf.words.describe(0.12, n=400, scale="nato")
    >>> said.words, said.terms, said.straddles
    ('highly unlikely or unlikely', ('highly unlikely', 'unlikely'), True)
    >>> [round(x, 3) for x in said.interval]
    [0.092, 0.156]
    """

    #: The probability.
    p: float
    #: What is said: one term, or the terms the interval reaches ("a or b").
    words: str
    #: The terms (or gaps, "between a and b") the interval reaches, lowest first.
    terms: tuple[str, ...]
    #: (low, high) of the interval, or None when none was given or read from n.
    interval: tuple[float, float] | None
    #: The interval's level (None for an interval given as such, or none).
    level: float | None
    #: The number of samples (or effective samples) the interval was read from.
    n: float | None
    #: The scale's key: "icd203", "nato" or "phia".
    scale: str

    @property
    def straddles(self) -> bool:
        """Whether the interval reaches more than one band."""
        return len(self.terms) > 1

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON: words, terms, p, interval, level, n, scale."""
        return {
            "words": self.words,
            "terms": list(self.terms),
            "p": self.p,
            "interval": None if self.interval is None else list(self.interval),
            "level": self.level,
            "n": self.n,
            "scale": self.scale,
        }

    def __str__(self) -> str:
        numbers = [f"p = {readable(self.p)}"]
        if self.interval is not None:
            lo, hi = self.interval
            label = "interval" if self.level is None else f"{self.level:.0%} interval"
            numbers.append(f"{label} {readable(lo)}-{readable(hi)}")
        if self.n is not None:
            numbers.append(f"n = {readable(self.n)}")
        return f"{self.words} ({', '.join(numbers)})"


def describe(
    p: float,
    *,
    n: float | None = None,
    interval: tuple[float, float] | None = None,
    level: float = DEFAULT_LEVEL,
    scale: str = DEFAULT_SCALE,
) -> Likelihood:
    """``p`` in words on ``scale``, as a :class:`Likelihood` (words, terms,
    interval): see :func:`words` for the arguments.

    >>> import munflow as mf
    >>> print(mf.words.describe(0.5))
    roughly even chance (p = 0.5)
    >>> print(mf.words.describe(0.0, n=100_000))
    almost no chance (p = 0, 95% interval 0-0.0000384, n = 100,000)
    """
    p = _probability(p, "p")
    chosen = _scale_named(scale)
    if n is not None and interval is not None:
        raise ValueError("give n (to read the interval from) or interval, not both")
    used_level: float | None = None
    if n is not None:
        n = _samples(n)
        used_level = _level(level)
        interval = wilson_interval(p, n, used_level)
    elif interval is not None:
        interval = _interval(interval, p)
    if interval is None:
        first = last = chosen.place_of(p)
    else:
        first, last = chosen.place_of(interval[0]), chosen.place_of(interval[1])
    terms = _terms(chosen, first, last)
    return Likelihood(
        p=p,
        words=_joined(terms),
        terms=terms,
        interval=interval,
        level=used_level,
        n=n,
        scale=chosen.name,
    )


def words(
    p: float,
    *,
    n: float | None = None,
    interval: tuple[float, float] | None = None,
    level: float = DEFAULT_LEVEL,
    scale: str = DEFAULT_SCALE,
) -> str:
    """The words for probability ``p`` on ``scale`` (``"icd203"``, ``"nato"``
    or ``"phia"``; see :mod:`munflow.words` for the bands and who owns each
    boundary).

    With ``n`` (samples behind ``p``, or a weighted posterior's effective
    sample size ``res.ess``) or ``interval=(low, high)``, every band the
    interval reaches is named: ``'likely or very likely'``. ``level`` is the
    level of the interval read from ``n`` (Wilson's, 95% by default).
    ``mf.words.describe`` gives the numbers too; ``mf.words.table(scale)``
    the bands.

    >>> import munflow as mf
    >>> mf.words(0.2), mf.words(0.8), mf.words(0.19999)
    ('unlikely', 'likely', 'very unlikely')
    >>> mf.words(0.62, interval=(0.52, 0.7))
    'roughly even chance or likely'
    """
    return describe(p, n=n, interval=interval, level=level, scale=scale).words


def table(scale: str = DEFAULT_SCALE) -> pd.DataFrame:
    """The bands of ``scale``, lowest first: the term, the range munflow
    gives it (which band owns each boundary), the range as the standard
    writes it, and the standard's other wording. Gaps between a standard's
    terms (PHIA's) are rows of their own, said as ``between a and b``.

    >>> import munflow as mf
    >>> mf.words.table("nato")[["term", "band"]]
                  term             band
    0  highly unlikely    0% <= p < 10%
    1         unlikely   10% <= p < 40%
    2      even chance  40% <= p <= 60%
    3           likely   60% < p <= 90%
    4    highly likely  90% < p <= 100%
    """
    chosen = _scale_named(scale)
    rows = [
        {
            "term": band.term,
            "band": band.interval_text(),
            "low": band.low,
            "high": band.high,
            "standard": band.standard,
            "also": band.also,
        }
        for band in chosen.places
    ]
    frame = pd.DataFrame(rows)
    frame.attrs.update(scale=chosen.name, title=chosen.title)
    return frame


def wilson_interval(p: float, n: float, level: float = DEFAULT_LEVEL) -> tuple[float, float]:
    """Wilson's score interval for a proportion ``p`` seen in ``n`` trials
    (``n`` may be an effective sample size, not a whole number).

    >>> [round(x, 4) for x in wilson_interval(0.5, 100)]
    [0.4038, 0.5962]
    """
    p = _probability(p, "p")
    n = _samples(n)
    z = NormalDist().inv_cdf(0.5 + _level(level) / 2)
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z2n / (4 * n))
    # The interval holds p; rounding must not push an end past it or out of [0, 1].
    return max(0.0, min(centre - half, p)), min(1.0, max(centre + half, p))


def samples_behind(res: Any) -> float:
    """How many samples a run's probabilities rest on: a posterior's
    effective sample size (``ess``) if it has one, else ``n``."""
    ess = getattr(res, "ess", None)
    return float(res.n if ess is None else ess)


def _terms(scale: Scale, first: int, last: int) -> tuple[str, ...]:
    """The names of places first..last, lowest first; a gap between two
    bands that are named is implied by 'a or b' and left out."""
    reached = scale.places[first : last + 1]
    return tuple(
        place.term for i, place in enumerate(reached) if i in (0, len(reached) - 1) or not place.gap
    )


def _joined(terms: Sequence[str]) -> str:
    if len(terms) == 1:
        return terms[0]
    return ", ".join(terms[:-1]) + " or " + terms[-1]


def _percent(x: float) -> str:
    return f"{x * 100:g}%"


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    return float(value)


def _probability(value: Any, name: str) -> float:
    x = _number(value, name)
    if not 0.0 <= x <= 1.0:  # NaN fails too
        raise ValueError(f"{name} must be a probability between 0 and 1, got {value!r}")
    return x


def _samples(value: Any) -> float:
    x = _number(value, "n")
    if not (math.isfinite(x) and x >= 1):
        raise ValueError(
            f"n must be the number of samples (or effective samples) behind p, at least 1; "
            f"got {value!r}"
        )
    return x


def _level(value: Any) -> float:
    x = _number(value, "level")
    if not 0.0 < x < 1.0:
        raise ValueError(f"level must be between 0 and 1 (such as 0.95), got {value!r}")
    return x


def _interval(value: Any, p: float) -> tuple[float, float]:
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise ValueError(f"interval must be a pair (low, high), got {value!r}") from None
    lo, hi = _probability(lo, "interval low"), _probability(hi, "interval high")
    if not lo <= p <= hi:
        raise ValueError(
            f"interval must hold p: low <= p <= high, got p = {p!r}, interval {value!r}"
        )
    return lo, hi


def _scale_named(name: Any) -> Scale:
    if not isinstance(name, str) or name not in SCALES:
        choices = ", ".join(repr(k) for k in SCALES)
        raise ValueError(f"scale must be one of {choices}, got {name!r}")
    return SCALES[name]


# ``mf.words`` is the function; its companions hang on it, so that
# ``mf.words.describe(...)`` and ``mf.words.table(...)`` read as one thing
# (``from munflow.words import describe`` works too).
words.describe = describe  # type: ignore[attr-defined]
words.table = table  # type: ignore[attr-defined]
words.samples_behind = samples_behind  # type: ignore[attr-defined]
words.Likelihood = Likelihood  # type: ignore[attr-defined]
words.scales = tuple(SCALES)  # type: ignore[attr-defined]

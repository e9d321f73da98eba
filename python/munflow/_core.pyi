"""Type stubs for munflow._core, the Rust extension (see src/python/)."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal, TypeVar, final, overload

import numpy as np
import numpy.typing as npt

__version__: str
MAX_PERIODS: int
#: The kinds of observation (``Observation.kind``), as src/evidence/kinds.rs declares them.
OBSERVATION_KINDS: tuple[str, ...]

Number = float | int
Param = Number | "Expr"

class ModelError(ValueError):
    """A model produced a non-finite value, or a draw got an invalid parameter."""

    node: str
    row: int
    value: float | None
    traced_to: list[str]
    sample: dict[str, float]
    file: str | None
    line: int | None
    path: str | None

class ParameterError(ValueError):
    """A distribution parameter outside its domain; the message names both."""

    family: str
    param: str
    requirement: str
    value: float

class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the field and line.

    ``file``, ``line`` and ``path`` locate the first problem; ``errors``
    lists every problem found (the first included), each a dict with
    ``file``, ``line``, ``path`` and ``message``, in the file's order."""

    file: str
    line: int | None
    path: str
    errors: list[dict[str, Any]]

class EvidenceError(ValueError):
    """Evidence that cannot be used; the message names the observations."""

    observations: list[str]

_E = TypeVar("_E", bound="Expr")

class Expr:
    """An uncertain quantity: a distribution or arithmetic on distributions."""

    @property
    def name(self) -> str | None: ...
    @property
    def label(self) -> str: ...
    def cite(self: _E, source: str | None = None, *, assumption: bool = False) -> _E: ...
    @property
    def source(self) -> str | None: ...
    @property
    def assumption(self) -> bool: ...
    def input_names(self) -> list[str]: ...
    def input_sources(self) -> dict[str, tuple[str | None, bool]]: ...
    def __add__(self, other: Param) -> Expr: ...
    def __radd__(self, other: Param) -> Expr: ...
    def __sub__(self, other: Param) -> Expr: ...
    def __rsub__(self, other: Param) -> Expr: ...
    def __mul__(self, other: Param) -> Expr: ...
    def __rmul__(self, other: Param) -> Expr: ...
    def __truediv__(self, other: Param) -> Expr: ...
    def __rtruediv__(self, other: Param) -> Expr: ...
    def __pow__(self, other: Param, modulo: None = None) -> Expr: ...
    def __rpow__(self, other: Param, modulo: None = None) -> Expr: ...
    def __neg__(self) -> Expr: ...
    def __pos__(self) -> Expr: ...
    def __abs__(self) -> Expr: ...
    def __gt__(self, other: Param) -> Expr: ...  # type: ignore[override]
    def __ge__(self, other: Param) -> Expr: ...  # type: ignore[override]
    def __lt__(self, other: Param) -> Expr: ...  # type: ignore[override]
    def __le__(self, other: Param) -> Expr: ...  # type: ignore[override]
    def __eq__(self, other: object) -> Expr: ...  # type: ignore[override]
    def __ne__(self, other: object) -> Expr: ...  # type: ignore[override]
    def __hash__(self) -> int: ...
    def __bool__(self) -> bool: ...
    __array_ufunc__: ClassVar[None]

class Distribution(Expr):
    """A distribution with fixed parameters (scipy-style answers plus sampling)."""

    @property
    def family(self) -> str: ...
    def mean(self) -> float: ...
    def sd(self) -> float: ...
    def std(self) -> float: ...
    def var(self) -> float: ...
    @overload
    def ppf(self, q: float) -> float: ...
    @overload
    def ppf(self, q: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    @overload
    def cdf(self, x: float) -> float: ...
    @overload
    def cdf(self, x: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    @overload
    def sf(self, x: float) -> float: ...
    @overload
    def sf(self, x: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    @overload
    def isf(self, q: float) -> float: ...
    @overload
    def isf(self, q: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    def median(self) -> float: ...
    def interval(self, confidence: float) -> tuple[float, float]: ...
    def support(self) -> tuple[float, float]: ...
    def fresh(self, *, name: str | None = None) -> Distribution: ...
    def sample(self, n: int, seed: int | None = None) -> npt.NDArray[np.float64]: ...
    def rvs(
        self, size: int | tuple[int, ...] | None = None, random_state: int | None = None
    ) -> float | npt.NDArray[np.float64]: ...

def families() -> list[tuple[str, list[tuple[str, float | None]]]]:
    """The table of families: (name, [(parameter, default or None)])."""

def _family_docs() -> list[tuple[str, str, list[float], bool]]: ...

# families: begin (written by tools/families.py from the declaration in src/dist/mod.rs)
def constant(value: Number, *, name: str | None = None) -> Distribution: ...
@overload
def uniform(lo: Number, hi: Number, *, name: str | None = None) -> Distribution: ...
@overload
def uniform(lo: Param, hi: Param, *, name: str | None = None) -> Expr: ...
@overload
def normal(mean: Number, sd: Number, *, name: str | None = None) -> Distribution: ...
@overload
def normal(mean: Param, sd: Param, *, name: str | None = None) -> Expr: ...
@overload
def lognormal(mu: Number, sigma: Number, *, name: str | None = None) -> Distribution: ...
@overload
def lognormal(mu: Param, sigma: Param, *, name: str | None = None) -> Expr: ...
def lognormal_ci(
    lo: Number, hi: Number, level: Number | None = 0.9, *, name: str | None = None
) -> Distribution: ...
@overload
def beta(alpha: Number, beta: Number, *, name: str | None = None) -> Distribution: ...
@overload
def beta(alpha: Param, beta: Param, *, name: str | None = None) -> Expr: ...
def beta_counts(
    successes: Number, failures: Number, *, name: str | None = None
) -> Distribution: ...
@overload
def pert(
    min: Number, mode: Number, max: Number, lamb: Number | None = 4, *, name: str | None = None
) -> Distribution: ...
@overload
def pert(
    min: Param, mode: Param, max: Param, lamb: Param | None = 4, *, name: str | None = None
) -> Expr: ...
@overload
def triangular(
    min: Number, mode: Number, max: Number, *, name: str | None = None
) -> Distribution: ...
@overload
def triangular(min: Param, mode: Param, max: Param, *, name: str | None = None) -> Expr: ...
@overload
def gamma(shape: Number, scale: Number, *, name: str | None = None) -> Distribution: ...
@overload
def gamma(shape: Param, scale: Param, *, name: str | None = None) -> Expr: ...
@overload
def poisson(rate: Number, *, name: str | None = None) -> Distribution: ...
@overload
def poisson(rate: Param, *, name: str | None = None) -> Expr: ...
@overload
def binomial(n: Number, p: Number, *, name: str | None = None) -> Distribution: ...
@overload
def binomial(n: Param, p: Param, *, name: str | None = None) -> Expr: ...
@overload
def negative_binomial(r: Number, p: Number, *, name: str | None = None) -> Distribution: ...
@overload
def negative_binomial(r: Param, p: Param, *, name: str | None = None) -> Expr: ...
@overload
def integers(lo: Number, hi: Number, *, name: str | None = None) -> Distribution: ...
@overload
def integers(lo: Param, hi: Param, *, name: str | None = None) -> Expr: ...
@overload
def loguniform(lo: Number, hi: Number, *, name: str | None = None) -> Distribution: ...
@overload
def loguniform(lo: Param, hi: Param, *, name: str | None = None) -> Expr: ...

# families: end
def categorical(
    values: Sequence[Number] | npt.ArrayLike | Mapping[Number, Number],
    weights: Sequence[Number] | npt.ArrayLike | None = None,
    *,
    name: str | None = None,
) -> Distribution: ...
def empirical(
    data: Sequence[Number] | npt.ArrayLike, *, name: str | None = None
) -> Distribution: ...
def truncated(
    dist: Distribution,
    lo: Number | None = None,
    hi: Number | None = None,
    *,
    name: str | None = None,
) -> Distribution: ...
@overload
def mixture(
    dists: Sequence[Distribution],
    weights: Sequence[Number] | npt.ArrayLike | None = None,
    *,
    name: str | None = None,
) -> Distribution: ...
@overload
def mixture(
    dists: Sequence[Param],
    weights: Sequence[Number] | npt.ArrayLike | None = None,
    *,
    name: str | None = None,
) -> Expr: ...
def exp(x: Param) -> Expr: ...
def log(x: Param) -> Expr: ...
def sqrt(x: Param) -> Expr: ...
def abs(x: Param) -> Expr: ...
def floor(x: Param) -> Expr: ...
def round(x: Param) -> Expr: ...
def sin(x: Param) -> Expr: ...
def cos(x: Param) -> Expr: ...
def minimum(a: Param, b: Param) -> Expr: ...
def maximum(a: Param, b: Param) -> Expr: ...
def clip(x: Param, lo: Param, hi: Param) -> Expr: ...
def named(x: Param, name: str) -> Expr: ...
def where(cond: Param, a: Param, b: Param) -> Expr: ...
@overload
def bernoulli(p: Number, *, name: str | None = None) -> Distribution: ...
@overload
def bernoulli(p: Param, *, name: str | None = None) -> Expr: ...

class RunOutput:
    @property
    def n(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def outputs(self) -> list[str]: ...
    @property
    def inputs(self) -> list[str]: ...
    @property
    def columns(self) -> dict[str, npt.NDArray[np.float64]]: ...
    def keys_json(self) -> str:
        """The stream keys as JSON text (saved with results)."""

# -- persistence (munflow.results.saving and munflow.results.loading use these) --

def _save_graph(exprs: list[Expr]) -> str:
    """The graph of several expressions as JSON: identities, names, definitions."""

def _restore_graph(graph: str) -> list[Expr]:
    """The expressions of a graph saved by ``save_graph``, in order."""

def _restore_expr(graph: str, distribution: bool) -> Expr: ...
def _restore_run_output(
    n: int,
    seed: int,
    outputs: list[str],
    inputs: list[str],
    columns: dict[str, npt.NDArray[np.float64]],
    keys: str,
) -> RunOutput: ...
def _restore_scenario(text: str, format: str, origin: str, lines: bool) -> ScenarioSpec: ...
def _run(
    outputs: list[tuple[str, Param]],
    n: int,
    seed: int | None = None,
    *,
    threads: int | None = None,
    store_inputs: bool = True,
    allow_nan: bool = False,
    progress: Callable[[int, int], object] | None = None,
    store: list[bool] | None = None,
    feeds: list[tuple[Expr, npt.NDArray[np.float64]]] | None = None,
    keys_from: RunOutput | None = None,
    latent: list[tuple[int, npt.NDArray[np.float64]]] | None = None,
    conditioned: list[Observation] | None = None,
) -> RunOutput: ...

@final
class Summary:
    """One column's summary: mean, sd (ddof = 1), min, max and the quantiles
    at the levels asked for."""

    mean: float
    sd: float
    min: float
    max: float
    quantiles: list[float]
    def __new__(
        cls, mean: float, sd: float, min: float, max: float, quantiles: list[float]
    ) -> Summary: ...
    def __reduce__(self) -> tuple[type[Summary], tuple[Any, ...]]: ...
    def __eq__(self, other: object) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

def _describe(columns: list[npt.NDArray[np.float64]], quantiles: list[float]) -> list[Summary]: ...
def _summarise_run(
    outputs: list[tuple[str, Expr]],
    n: int | float,
    seed: int | None = None,
    *,
    quantiles: list[float],
    threads: int | None = None,
    allow_nan: bool = False,
    progress: Callable[[int, int], None] | None = None,
    observations: list[Observation] | None = None,
    min_ess: float = 0.1,
    max_pareto_k: float = 0.7,
    force_weighting: bool = False,
) -> tuple[int, list[Summary], dict[str, float] | None]: ...

class SummaryJob:
    def __init__(
        self,
        n: int | float,
        outputs: int,
        quantiles: list[float],
        *,
        observations: list[str] | None = None,
        min_ess: float = 0.1,
        max_pareto_k: float = 0.7,
        force_weighting: bool = False,
    ) -> None: ...
    def diagnostics(self) -> dict[str, float] | None: ...
    def next_pass(self) -> tuple[bytes, int, int] | None: ...
    def absorb(self, result: bytes) -> None: ...
    def summaries(self) -> list[Summary]: ...

def _run_summary_pass(
    outputs: list[tuple[str, Expr]],
    n: int | float,
    seed: int,
    summary_pass: bytes,
    start: int,
    end: int,
    *,
    threads: int | None = None,
    allow_nan: bool = False,
    observations: list[Observation] | None = None,
) -> bytes: ...
def _merge_summary_passes(results: list[bytes]) -> bytes: ...
def _run_chunk_range(
    outputs: list[tuple[str, Expr]],
    n: int | float,
    seed: int,
    start: int,
    end: int,
    *,
    threads: int | None = None,
    allow_nan: bool = False,
) -> list[npt.NDArray[np.float64]]: ...
def _describe_weighted(
    columns: list[npt.NDArray[np.float64]],
    weights: npt.NDArray[np.float64],
    quantiles: list[float],
) -> list[Summary]: ...
def _equal_weight_rows(
    weights: npt.NDArray[np.float64], size: int, seed: int
) -> npt.NDArray[np.int64]: ...

# -- evidence (munflow.evidence and Model.observe wrap this) ----------------

@final
class Observation:
    """One observation: its kind, name, the expressions it reads and its
    figures, built and checked once (see :mod:`munflow.evidence`)."""

    def __new__(
        cls,
        kind: str,
        name: str,
        nodes: Sequence[Expr | float],
        figures: dict[str, Any] | None = None,
    ) -> Observation: ...
    @property
    def kind(self) -> str:
        """ "count", "poisson", "measured", "at_least", "at_most", "between",
        "log_likelihood", "serial_numbers", "image_count", "paired" or
        "sightings" (``OBSERVATION_KINDS``)."""
    @property
    def name(self) -> str: ...
    @property
    def nodes(self) -> tuple[Expr, ...]: ...
    @property
    def figures(self) -> dict[str, Any]: ...
    @property
    def description(self) -> str: ...
    def __reduce__(self) -> tuple[type[Observation], tuple[Any, ...]]: ...

def _run_posterior(
    outputs: list[tuple[str, Param]],
    observations: list[Observation],
    n: int,
    seed: int | None = None,
    *,
    threads: int | None = None,
    store_inputs: bool = True,
    allow_nan: bool = False,
    progress: Callable[[int, int], object] | None = None,
    method: str = "auto",
    min_ess: float = 0.01,
    max_pareto_k: float = 0.7,
    max_stages: int = 500,
    leave_out: list[str] | None = None,
    tails: bool = False,
) -> dict[str, Any]: ...
def _observation_tails(
    observations: list[Observation],
    rows: RunOutput,
    latent: list[tuple[int, npt.NDArray[np.float64]]] | None = None,
    *,
    threads: int | None = None,
    conditioned: bool = True,
) -> list[npt.NDArray[np.float64]]: ...
def _weight_diagnostics(log_weights: npt.NDArray[np.float64]) -> tuple[float, float]: ...

# -- scenarios (munflow.Scenario wraps this) --------------------------------

class ScenarioSpec:
    """A scenario read from a file, a string or a dict (as JSON), and checked."""

    @staticmethod
    def from_file(path: str) -> ScenarioSpec: ...
    @staticmethod
    def from_text(
        text: str,
        format: Literal["toml", "json"] = "toml",
        origin: str = "<string>",
    ) -> ScenarioSpec: ...
    @staticmethod
    def from_dict(data: Any, origin: str = "<dict>") -> ScenarioSpec: ...
    def to_toml(self) -> str: ...
    def to_json(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def origin(self) -> str: ...
    @property
    def source_text(self) -> str:
        """The text it was read from, comments and all (or its JSON)."""
    def field_of(self, names: list[str]) -> tuple[str, int | None] | None:
        """The field (path, line) behind the deepest of ``names`` that comes
        from the file."""
    def paths(self) -> tuple[list[str], list[str]]:
        """Every settable field path, and the tables that take new entries."""
    def munitions(self) -> list[tuple[str, str, str | None]]:
        """(name, category, label) of each munition, in catalog order."""
    def compile(
        self,
    ) -> tuple[list[tuple[str, Expr, str, str, str | None]], list[str], list[Observation]]:
        """(name, expression, munition or "total", quantity, estimate) of each
        output, the alternative estimates, and the observations."""
    def __eq__(self, other: object) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

class TimelineSpec:
    """A timeline file (one with a ``[timeline]`` table), read and checked."""

    @staticmethod
    def from_text(
        text: str,
        format: Literal["toml", "json"] = "toml",
        origin: str = "<string>",
        lines: bool = True,
    ) -> TimelineSpec: ...
    def to_json(self) -> str:
        """The checked file as JSON (laws and dates as written)."""
    def laws(self) -> dict[str, float | Distribution]:
        """Every law by field path, with the defaults of missing fields."""
    def draws(self) -> dict[str, Expr]:
        """The draws that are one for the whole timeline, by name."""
    def statement(self, name: str, resolve: Callable[[str], Expr | float]) -> Observation:
        """The dated statement ``name``, reading what ``resolve(path)`` gives."""
    def series(self) -> list[str]:
        """The series a run gives, in order."""
    def periods(self) -> int: ...
    def line_of(self, path: str) -> int | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def origin(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def format(self) -> Literal["toml", "json"]: ...
    def __eq__(self, other: object) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

def _rate_process(
    name: str,
    law: Distribution,
    periods: list[str],
    sharing: str = "shared",
    *,
    rho: float | None = None,
    step_sd: Expr | float | None = None,
    level_sd: Expr | float | None = None,
    slope_sd: Expr | float | None = None,
    damping: float | None = None,
    hazard: float | None = None,
) -> list[Expr]:
    """Input ``name``'s node in each period (labels ``periods``) under the
    rate process ``sharing``; draws per period are named ``name@<period>``."""

def _read_scenario_file(path: str) -> ScenarioSpec | TimelineSpec:
    """A scenario file of either dialect, read and checked."""

def _read_scenario_text(
    text: str, format: Literal["toml", "json"] = "toml", origin: str = "<string>"
) -> ScenarioSpec | TimelineSpec:
    """Scenario text of either dialect, read and checked."""

def _scenario_error(
    message: str, path: str = "", file: str = "<scenario>", line: int | None = None
) -> ScenarioError:
    """A ScenarioError with its attributes, for problems found in Python."""

# -- sensitivity (munflow.sensitivity makes the tables) ---------------------

def _sensitivity_inputs(
    outputs: list[tuple[str, Param]], output: str, inputs: list[str] | None = None
) -> tuple[list[tuple[str, Literal["fixed", "conditional"]]], bool]:
    """The random named inputs of ``output`` as (name, kind), and whether it
    has intrinsic noise."""

def sobol(
    outputs: list[tuple[str, Param]],
    output: str,
    n: int,
    seed: int | None = None,
    *,
    threads: int | None = None,
    second_order: bool = False,
    groups: list[tuple[str, list[str]]] | None = None,
    sampling: Literal["sobol", "mc"] = "mc",
    conf_level: float = 0.95,
    num_resamples: int = 100,
    allow_nan: bool = False,
    progress: Callable[[int, int], object] | None = None,
    evaluations: list[npt.NDArray[np.float64]] | None = None,
) -> dict[str, Any]:
    """Sobol indices as plain lists: keys names, S1, S1_conf, ST, ST_conf, S2
    ([(i, j, S2, S2_conf)]), mean, variance, n, seed, evaluations. With
    ``evaluations`` (every matrix's output, from sobol_evaluate), only the
    estimate runs."""

def shapley(
    outputs: list[tuple[str, Param]],
    output: str,
    n: int,
    seed: int | None = None,
    *,
    threads: int | None = None,
    groups: list[tuple[str, list[str]]] | None = None,
    permutations: int | None = None,
    n_outer: int | None = None,
    n_inner: int | None = None,
    conf_level: float = 0.95,
    num_resamples: int = 100,
    allow_nan: bool = False,
    progress: Callable[[int, int], object] | None = None,
) -> dict[str, Any]:
    """Shapley effects as plain lists: keys names, Sh, Sh_conf, mean, variance,
    permutations (0: exact), n, n_outer, n_inner, seed, evaluations."""

def _sobol_evaluate(
    outputs: list[tuple[str, Param]],
    output: str,
    n: int,
    seed: int,
    start: int,
    end: int,
    *,
    threads: int | None = None,
    second_order: bool = False,
    groups: list[tuple[str, list[str]]] | None = None,
    sampling: Literal["sobol", "mc"] = "mc",
    allow_nan: bool = False,
) -> list[npt.NDArray[np.float64]]:
    """Every design matrix's output on the rows of chunks [start, end)."""

def tornado(
    outputs: list[tuple[str, Param]],
    output: str,
    n: int,
    seed: int | None = None,
    *,
    threads: int | None = None,
    low: float = 0.1,
    high: float = 0.9,
    statistic: float | None = 0.5,
    inputs: list[str] | None = None,
    groups: list[tuple[str, list[str]]] | None = None,
    allow_nan: bool = False,
    progress: Callable[[int, int], object] | None = None,
) -> dict[str, Any]:
    """A tornado: keys bars ([(input, input_low, input_high, output_low,
    output_high, swing)], widest first), base, n, seed. ``statistic`` is a
    quantile level, or None for the mean."""

def rank_correlation(
    output: npt.NDArray[np.float64],
    inputs: list[tuple[str, npt.NDArray[np.float64]]],
    conf_level: float = 0.95,
) -> list[tuple[str, float, float]]:
    """Spearman's rho of each input column with the output: [(name, rho, conf)]."""

def value_of_information(
    output: npt.NDArray[np.float64],
    inputs: list[tuple[str, list[npt.NDArray[np.float64]]]],
    level: float = 0.9,
    bins: int = 50,
) -> list[tuple[str, float, float, float, float]]:
    """[(name, width_now, expected_width, narrowing, variance_share)]; each
    input row is (name, [columns]): several columns for a group."""

def _chunks_for(n: int) -> int:
    """Chunks of one run of n samples (progress bars of the Python layer)."""

def correlate(
    inputs: list[Expr], rank_corr: list[list[float]], method: str
) -> tuple[list[Distribution], list[list[float]] | None]:
    """The inputs drawn jointly with target Spearman matrix ``rank_corr``
    (``"iman-conover"`` or ``"gaussian-copula"``): new distributions in the
    same order, and the matrix used when the target had to be repaired."""

def _couplings(
    exprs: list[Expr],
) -> list[tuple[str, list[str], list[str | None], list[list[float]], list[list[float]]]]:
    """The couplings the expressions depend on: (method, labels, member names
    by column, target Spearman matrix, normal-score correlation matrix)."""

def nearest_correlation(matrix: list[list[float]]) -> list[list[float]]:
    """The nearest correlation matrix in the Frobenius norm (Higham 2002)."""

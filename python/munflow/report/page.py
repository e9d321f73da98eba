"""A report page: one self-contained HTML file an analyst can hand on.

    res = mf.scenarios.load().run(100_000, seed=1)
    mf.report(res, "report.html")            # or res.report("report.html")
    munflow report scenario.toml -o report.html

The page holds the headline ranges in numbers and words, the summary table,
the charts (ranges, or fan charts for timelines), the evidence diagnostics
when there is evidence, the sources and assumptions, and a footer that says
how to reproduce it (munflow version, seed, n, a hash of the scenario).
Charts are PNG images inside the file and there is no script or external
link: the page works offline, on a phone (it reflows to a narrow screen)
and on paper (a print style sheet).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from munflow import _core
from munflow.formatting import readable
from munflow.io import atomic
from munflow.words import words

#: The quantiles of the report's tables.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

#: Pixels per inch of the report's charts as shown (they are drawn at twice this).
DPI = 96

#: Matplotlib settings of the report's charts.
CHART_STYLE = {"font.size": 11, "axes.titlesize": 12, "legend.fontsize": 10}

#: The quantities a scenario's headline gives (the table has them all).
HEADLINE_QUANTITIES = ("containers", "functioning", "reaching_target")

STYLE = """
:root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --band: #f6f8fa; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #fff; }
main { max-width: 62rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.5rem 0; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid var(--line); }
p.lede { color: var(--muted); margin-top: 0; }
ul.headline { padding-left: 1.2rem; }
ul.headline li { margin: 0.4rem 0; }
figure { margin: 1rem 0; }
.charts { display: grid; gap: 0 1.5rem;
          grid-template-columns: repeat(auto-fill, minmax(min(100%, 26rem), 1fr)); }
figure img { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.9rem; }
.table { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; font-size: 0.88rem; font-variant-numeric: tabular-nums; }
h3 { font-size: 1rem; margin: 1.2rem 0 0.3rem; }
th, td { white-space: nowrap; padding: 0.25rem 0.6rem; border-bottom: 1px solid var(--line);
         text-align: right; vertical-align: top; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td.text { white-space: normal; min-width: 8rem; }
thead th { background: var(--band); position: sticky; top: 0; }
dl.sources dt { font-weight: 600; margin-top: 0.6rem; overflow-wrap: anywhere; }
dl.sources dd { margin: 0.1rem 0 0 1rem; color: var(--ink); }
footer { margin: 2.5rem 0 1rem; padding-top: 0.5rem; border-top: 1px solid var(--line);
         color: var(--muted); font-size: 0.82rem; overflow-wrap: anywhere; }
@media (max-width: 40rem) { body { font-size: 15px; } main { padding: 0.6rem; }
  th, td { padding: 0.2rem 0.35rem; } }
@media print { main { max-width: none; } h2 { break-after: avoid; }
  figure, table { break-inside: avoid; } .table { overflow: visible; } a { color: inherit; } }
"""


def report(
    res: Any,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    source_text: str | None = None,
) -> Path:
    """Writes the report page of results ``res`` (a run of a model, a
    scenario or a timeline) to ``path`` and returns the path.
    ``source_text``: the scenario's text, whose hash the footer gives (by
    default the text kept with the scenario that ran)."""
    page = Page(res, title=title, source_text=source_text)
    # The page is made before the file is touched, and replaces it whole.
    return atomic.write_text(path, page.html())


class Page:
    """The sections of a report page, rendered to HTML."""

    def __init__(
        self, res: Any, *, title: str | None = None, source_text: str | None = None
    ) -> None:
        self.res = res
        self.scenario = getattr(res, "scenario", None)
        self.timeline = getattr(res, "timeline", None)
        scenario_title = getattr(self.scenario, "title", None)
        self.title = title or scenario_title or "munflow estimate"
        self.source_text = source_text if source_text is not None else _scenario_text(self.scenario)

    def html(self) -> str:
        sections = [
            self._headline(),
            self._table_section(),
            self._charts(),
            self._rests_on(),
            self._evidence(),
            self._sources(),
        ]
        body = "\n".join(s for s in sections if s)
        description = getattr(self.scenario, "description", "") or ""
        lede = f'<p class="lede">{_e(description)}</p>' if description else ""
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(self.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
            f"<h1>{_e(self.title)}</h1>\n{lede}\n{body}\n{self._footer()}\n</main>\n</body>\n</html>\n"
        )

    # -- sections ---------------------------------------------------------

    def _headline(self) -> str:
        items = [f"<li>{line}</li>" for line in self._headline_lines()]
        if not items:
            return ""
        return '<h2>In brief</h2>\n<ul class="headline">\n' + "\n".join(items) + "\n</ul>"

    def _headline_lines(self) -> list[str]:
        lines = []
        if self.timeline is not None:
            table = self.res.period_summary(quantiles=[0.05, 0.5, 0.95])
            last = self.timeline.labels[-1]
            for name in _headline_series(self.res):
                row = table[(table["quantity"] == name) & (table["period"] == last)].iloc[0]
                lines.append(
                    f"<b>{_e(name)}</b> by {last}: about {_e(_rounded(row['p50']))} "
                    f"(90% range {_e(_rounded(row['p5']))} to {_e(_rounded(row['p95']))})"
                )
            lines.extend(self._timeline_chances(table, last))
            return lines
        summary = self.res.summary(list(QUANTILES))
        for label, row in summary.iterrows():
            parts = label if isinstance(label, tuple) else (label,)
            if len(parts) > 1 and parts[1] not in HEADLINE_QUANTITIES:
                continue
            if parts[0] == "total" and len(parts) > 1 and parts[1] != "containers":
                continue  # a total over different munitions is no headline
            name = _label(self.scenario, parts)
            lines.append(
                f"<b>{_e(name)}</b>: about {_e(_rounded(row['p50']))} "
                f"(90% range {_e(_rounded(row['p5']))} to {_e(_rounded(row['p95']))})"
            )
        # A scenario's results, grouped by estimate, compare the estimates.
        compare = self.res.compare if getattr(self.res, "output_info", None) is not None else None
        if compare is not None:
            for _, row in compare().iterrows():
                said = words.describe(float(row["P(a > b)"]), n=words.samples_behind(self.res))
                a, b = (str(row[k]).replace("_", " ") for k in ("a", "b"))
                lines.append(
                    f"The {_e(a)} estimate above the {_e(b)} estimate: "
                    f"<b>{_e(said.words)}</b> ({_e(_chance(said))})"
                )
        return lines

    def _timeline_chances(self, table: pd.DataFrame, last: str) -> list[str]:
        """In words: the chance that the cumulative containers reach a round
        figure near their median by the end (when the run kept samples)."""
        name = "cumulative.containers"
        if name not in self.res.model.series or "results" not in vars(self.res):
            return []
        try:
            self.res.results[f"{name}[{last}]"]
        except KeyError:
            return []  # a summary-only run keeps no samples
        median = table[(table["quantity"] == name) & (table["period"] == last)]["p50"].iloc[0]
        level = float(f"{median:.2g}")
        p = self.res.prob_by(name, level, last)
        said = words.describe(p, n=words.samples_behind(self.res.results))
        return [
            f"At least {_e(_rounded(level))} containers shipped by {last}: "
            f"<b>{_e(said.words)}</b> ({_e(_chance(said))})"
        ]

    def _table_section(self) -> str:
        if self.timeline is not None:
            table = self.res.period_summary(quantiles=list(QUANTILES))
            labels = self.timeline.labels
            # Every third period and the last: the CSV of `munflow run` has them all.
            shown = {p for i, p in enumerate(labels) if i % 3 == 0 or i == len(labels) - 1}
            parts = []
            for name in _headline_series(self.res):
                rows = table[(table["quantity"] == name) & table["period"].isin(shown)]
                rows = rows.drop(columns=["quantity", "date"])
                parts.append(f"<h3>{_e(name)}</h3>\n" + _table(rows, index=False))
            intro = "<p>Every third period and the last; all periods are in the CSV.</p>"
            return "<h2>Ranges by period</h2>\n" + intro + "\n".join(parts)
        summary = self.res.summary(list(QUANTILES))
        return "<h2>Ranges</h2>\n" + _table(summary.reset_index(), index=False)

    def _charts(self) -> str:
        import matplotlib.pyplot as plt

        from munflow import plot

        figures = []
        # Charts are drawn small with large type: shrunk to a phone's width
        # their labels must still read.
        with plt.rc_context(CHART_STYLE):
            if self.timeline is not None:
                for name in _headline_series(self.res):
                    fig, ax = plt.subplots(figsize=(5.6, 4.0), layout="constrained")
                    self.res.plot_fan(name, title=name, ax=ax)
                    figures.append(_figure(fig, f"{name}: median, 50% and 90% ranges by period"))
            else:
                for title, names in _chart_groups(self.res, self.scenario).items():
                    height = 1.1 + 0.36 * len(names)
                    fig, ax = plt.subplots(figsize=(5.2, height), layout="constrained")
                    rows = [(_row_label(self.res, name), name) for name in names]
                    plot.range_bars(self.res, rows, ticks=4, ax=ax)
                    ax.set_title(title, loc="left")
                    figures.append(_figure(fig, f"{title}: median (dot) and 90% range (bar)"))
        return '<h2>Charts</h2>\n<div class="charts">\n' + "\n".join(figures) + "\n</div>"

    def _rests_on(self) -> str:
        """The share of the headline output's variance from each source and
        from the analysts' assumptions (Shapley effects by origin)."""
        output = self._rests_on_output()
        if output is None:
            return ""
        import matplotlib.pyplot as plt

        from munflow.sensitivity.provenance import rests_on

        # A summary-only run keeps no model: its scenario is the model.
        subject = self.res if hasattr(self.res, "model") else self.scenario
        try:
            table = rests_on(subject, output, n=2000, seed=self.res.seed)
        except (ValueError, KeyError):
            return ""  # a model whose inputs Shapley cannot split (say, Iman-Conover)
        with plt.rc_context(CHART_STYLE):
            fig, ax = plt.subplots(figsize=(5.2, 0.7 * len(table) + 1.4), layout="constrained")
            table.plot(ax=ax)
            chart = _figure(fig, f"what {output} rests on: shares of its variance by origin")
        frame = pd.DataFrame(
            {
                "origin": table.index,
                "share": [
                    _share(s, c) for s, c in zip(table["share"], table["share_conf"], strict=True)
                ],
                "inputs": table["inputs"],
            }
        )
        observed = table.attrs.get("observations") or []
        note = (
            f" Computed on the model before its evidence; the evidence "
            f"({_e(', '.join(observed))}) then narrowed it."
            if observed
            else ""
        )
        intro = (
            f"<p>How much of the uncertainty in <b>{_e(output)}</b> each source accounts for "
            "(Shapley effects over the inputs grouped by where they come from: the shares add "
            f"up to the whole, interactions included).{note}</p>"
        )
        return "<h2>What it rests on</h2>\n" + intro + chart + _table(frame, index=False)

    def _rests_on_output(self) -> str | None:
        """The output a scenario's page explains: its first munition's
        functioning rounds (first estimate), else its first output."""
        info = getattr(self.res, "output_info", None)
        if info is None or self.timeline is not None:
            return None
        functioning = info.index[
            (info["quantity"] == "functioning") & (info["munition"] != "total")
        ]
        return str(functioning[0]) if len(functioning) else str(info.index[0])

    def _evidence(self) -> str:
        results = getattr(self.res, "results", self.res)
        check = getattr(results, "check_evidence", None)
        observations = getattr(results, "observations", None)
        if check is None or not observations:
            return ""
        method = getattr(results, "method", "")
        ess = getattr(results, "ess", float("nan"))
        intro = (
            f"<p>The estimate is conditioned on {len(observations)} "
            f"observation{'' if len(observations) == 1 else 's'} ({_e(method)}, "
            f"{_e(readable(ess))} effective samples)."
        )
        if not getattr(results, "keeps_samples", True):
            # The checks reweight the draws, which a summary-only run does not keep.
            names = ", ".join(observations)
            return (
                f"<h2>Evidence</h2>\n{intro} The observations ({_e(names)}) were not checked "
                "against each other: a summary-only run keeps no samples to do it with.</p>"
            )
        table = check().rename(columns={"p_given_others": "P(as seen | the others)"})
        keep = [c for c in ("description", "verdict", "P(as seen | the others)") if c in table]
        intro += (
            " Each observation's tail probability given the others says whether it "
            "conflicts with them.</p>"
        )
        return "<h2>Evidence</h2>\n" + intro + _table(table[keep].reset_index(), index=False)

    def _sources(self) -> str:
        rows = _sources_of(self.scenario)
        if not rows:
            return ""
        # A list rather than a table: long citations wrap on a phone.
        items = "\n".join(f"<dt>{_e(entry)}</dt><dd>{_e(source)}</dd>" for entry, source in rows)
        return f'<h2>Sources and assumptions</h2>\n<dl class="sources">\n{items}\n</dl>'

    def _footer(self) -> str:
        digest = (
            hashlib.sha256(self.source_text.encode("utf-8")).hexdigest()[:16]
            if self.source_text
            else "none (a model built in Python)"
        )
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return (
            f"<footer>munflow {_core.__version__} &middot; seed {self.res.seed} &middot; "
            f"n = {self.res.n:,} &middot; scenario sha-256 {digest} &middot; made {stamp}. "
            "The same version, seed, n and scenario give the same numbers.</footer>"
        )


def _share(share: float, conf: float) -> str:
    """'31% ± 4%'; a share estimated below zero (a true share never is) is
    noise of the estimate around a share of about nothing."""
    return "within noise" if share < 0 else f"{share:.0%} ± {conf:.0%}"


def _chance(said: Any) -> str:
    """'p = 0.21, 95% interval 0.20 to 0.22' for words with their interval."""
    low, high = said.interval
    return f"p = {said.p:.2f}, {said.level:.0%} interval {low:.2f} to {high:.2f}"


def _rounded(x: float) -> str:
    """A figure for a sentence: three significant figures, millions as words."""
    x = float(x)
    if abs(x) >= 1e6:
        return f"{float(f'{x / 1e6:.3g}'):g} million"
    if abs(x) >= 100:
        return f"{float(f'{x:.3g}'):,.0f}"
    return readable(x)


def _label(scenario: Any, parts: tuple[Any, ...]) -> str:
    """'152 mm artillery shell, functioning (defence minister estimate)' for
    a scenario output's (munition, quantity, estimate)."""
    to_dict = getattr(scenario, "to_dict", None)
    munitions = to_dict().get("munitions", {}) if to_dict is not None else {}
    munition, rest = str(parts[0]), [str(p) for p in parts[1:] if str(p)]
    what = str(munitions.get(munition, {}).get("label", munition))
    if len(rest) == 0:
        return what
    quantity, estimate = rest[0].replace("_", " "), rest[1:]
    text = quantity if munition == "total" else f"{what}, {quantity}"
    return text + (f" ({estimate[0].replace('_', ' ')} estimate)" if estimate else "")


def _row_label(res: Any, name: str) -> str:
    """'functioning, voyages' for a chart row (its panel names the munition);
    a model's output by its name."""
    if getattr(res, "output_info", None) is None:
        return name
    row = res.output_info.loc[name]
    parts = [str(row["quantity"]).replace("_", " ")]
    if row.get("estimate"):
        parts.append(str(row["estimate"]).replace("_", " "))
    return ", ".join(parts)


def _chart_groups(res: Any, scenario: Any) -> dict[str, list[str]]:
    """A scenario's outputs in panels of one unit each: the containers, each
    munition's rounds (delivered, functioning...), the days of fire. Totals
    over different munitions are left to the table. A model's outputs (no
    scenario behind them) have a panel each: their units may all differ."""
    info = getattr(res, "output_info", None)
    if info is None:
        return {name: [name] for name in res.outputs}
    to_dict = getattr(scenario, "to_dict", None)
    labels = to_dict().get("munitions", {}) if to_dict is not None else {}
    groups: dict[str, list[str]] = {}
    for name, row in info.iterrows():
        munition, quantity = str(row["munition"]), str(row["quantity"])
        if quantity == "containers":
            title = "containers"
        elif quantity.startswith("days_of_fire"):
            title = "days of fire"
        elif munition == "total":
            continue
        else:
            title = str(labels.get(munition, {}).get("label", munition))
        groups.setdefault(title, []).append(str(name))
    return groups


def _headline_series(res: Any) -> list[str]:
    from munflow.cli.timeline import HEADLINE

    series = res.model.series
    return [s for s in HEADLINE if s in series] or series[:4]


def _scenario_text(scenario: Any) -> str:
    """The text of the scenario that ran, as kept with it (never the file now
    at the path it came from: that may have been edited since, or named by a
    crafted results file)."""
    if scenario is None:
        return ""
    kept = getattr(scenario, "source_text", None)
    if isinstance(kept, str):
        return kept
    to_toml = getattr(scenario, "to_toml", None)
    return to_toml() if to_toml is not None else ""


def _sources_of(scenario: Any) -> list[tuple[str, str]]:
    """(entry, source) for every table of a scenario that names its source."""
    to_dict = getattr(scenario, "to_dict", None)
    if to_dict is None:
        return []
    rows: list[tuple[str, str]] = []

    def walk(data: Mapping[str, Any], path: str) -> None:
        if isinstance(data.get("source"), str):
            label = data.get("label")
            entry = f"{path} ({label})" if isinstance(label, str) else path
            rows.append((entry, data["source"]))
        for key, value in data.items():
            if isinstance(value, Mapping):
                walk(value, f"{path}.{key}" if path else key)

    walk(to_dict(), "")
    return rows


def _figure(fig: Any, caption: str) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    # Drawn at twice the size it is shown: sharp on high-density screens.
    fig.savefig(buffer, format="png", dpi=2 * DPI, bbox_inches="tight")
    plt.close(fig)
    png = buffer.getvalue()
    shown = int.from_bytes(png[16:20], "big") // 2  # the PNG header's width
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{_e(caption)}" width="{shown}" '
        f'src="data:image/png;base64,{data}"><figcaption>{_e(caption)}</figcaption></figure>'
    )


def _table(frame: pd.DataFrame, *, index: bool) -> str:
    numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}

    def cell(value: Any, column: Any) -> str:
        text = readable(value) if column in numeric else str(value)
        css = "" if column in numeric else ' class="text"'
        return f"<td{css}>{_e(text)}</td>"

    def header(column: Any) -> str:
        css = "" if column in numeric else ' class="text"'
        return f"<th{css}>{_e(str(column))}</th>"

    head = "".join(header(c) for c in frame.columns)
    rows = "\n".join(
        "<tr>" + "".join(cell(v, c) for c, v in zip(frame.columns, row, strict=True)) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return (
        f'<div class="table"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>\n{rows}\n</tbody></table></div>"
    )


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)

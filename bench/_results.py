"""The one row format every benchmark reports, so ``bin/bench`` can gather them into one table.

A benchmark measures a figure and, in the same run on the same machine, the baseline it is compared
with. ``ratio`` always reads "times better than the baseline" (above 1 is better, below 1 worse):
figure ÷ baseline when a higher figure is better (req/s), baseline ÷ figure when lower is better (ms, MB).
A goal is a least ratio, or a bound on the figure when the figure stands alone.
"""

import argparse
import json
import os
from dataclasses import asdict, dataclass

RESULTS_ENV = "BENCH_RESULTS"  # bin/bench sets it to a file; each report() appends one JSON line per row


@dataclass(frozen=True)
class Result:
    what: str  # what was measured, with its size: "task history 1M rows, state filter, HTTP median"
    figure: float
    unit: str  # "ms", "req/s", "MB", "digests/s"
    higher_is_better: bool
    baseline: float | None = None  # measured in the same run
    baseline_what: str = ""  # "stock admin", "per-thread connections"
    min_ratio: float | None = None  # pass when ratio >= min_ratio
    max_figure: float | None = None  # pass when figure <= max_figure
    min_figure: float | None = None  # pass when figure >= min_figure
    bench: str = ""  # the script that measured it (filled by report())

    @property
    def ratio(self) -> float | None:
        if not self.baseline or not self.figure:
            return None
        return self.figure / self.baseline if self.higher_is_better else self.baseline / self.figure

    @property
    def goal(self) -> str:
        parts = []
        if self.min_ratio is not None:
            parts.append(f"≥ {self.min_ratio:.3g}×")
        if self.max_figure is not None:
            parts.append(f"≤ {self.max_figure:g} {self.unit}")
        if self.min_figure is not None:
            parts.append(f"≥ {self.min_figure:g} {self.unit}")
        return ", ".join(parts) or "—"

    @property
    def passed(self) -> bool:
        ratio = self.ratio
        checks = [
            self.min_ratio is None or (ratio is not None and ratio >= self.min_ratio),
            self.max_figure is None or self.figure <= self.max_figure,
            self.min_figure is None or self.figure >= self.min_figure,
        ]
        return all(checks)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> "Result":
        return cls(**json.loads(line))


def parser(description: str | None) -> argparse.ArgumentParser:
    """Every bench takes --quick: small sizes, a minute or so, for a smoke run of the whole set."""
    parsed = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parsed.add_argument("--quick", action="store_true", help="small sizes (seconds, not minutes)")
    return parsed


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}" if abs(value) < 1 else f"{value:,.1f}"
    return f"{text} {unit}".strip()


def table(rows: list[Result]) -> str:
    lines = [
        "| bench | what | figure | baseline | ratio | goal | pass |",
        "|---|---|---:|---|---:|---|---|",
    ]
    for row in rows:
        baseline = _number(row.baseline, row.unit)
        if row.baseline_what:
            baseline += f" ({row.baseline_what})"
        ratio = "—" if row.ratio is None else f"{row.ratio:,.2f}×"
        verdict = "pass" if row.passed else "**FAIL**"
        lines.append(
            f"| {row.bench} | {row.what} | {_number(row.figure, row.unit)} | {baseline} | {ratio} | {row.goal} "
            f"| {verdict} |"
        )
    return "\n".join(lines)


def report(rows: list[Result], bench: str) -> list[Result]:
    """Print the rows as a table and, under bin/bench, append them to its results file."""
    rows = [Result(**{**asdict(row), "bench": bench}) for row in rows]
    print(table(rows), flush=True)
    target = os.environ.get(RESULTS_ENV)
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.writelines(row.to_json() + "\n" for row in rows)
    return rows

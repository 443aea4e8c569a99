"""The cost-growth line: p50 at concurrency 1 of the main screens, scale by scale.

``python -m bench --growth small,medium,large`` drives the screens below on each scale's
database in one sitting (one server per database, started and stopped in turn) and prints
each screen's p50 per scale and the ratio of the last scale to the one before it (large ÷
medium), next to the target for that kind of screen. The targets are reported, never asserted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# The screens of the growth line: operation -> kind of screen.
GROWTH_SCREENS: dict[str, str] = {
    "searchList": "list",
    "practitionerProfile": "profile",
    "hospitalProfile": "profile",
    "webSearchPractitioners": "facet",
}
# The most the last scale's p50 may be, as a multiple of the previous scale's, per kind.
TARGETS: dict[str, float] = {"list": 1.5, "profile": 1.5, "facet": 2.0}


class GrowthArgumentError(ValueError):
    """A --growth or --growth-database value that cannot be used."""


def parse_scales(raw: str, known: Sequence[str]) -> list[str]:
    """``small,medium,large`` -> the scales, in the order given (at least two, each once)."""
    scales = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = [s for s in scales if s not in known]
    if unknown:
        raise GrowthArgumentError(
            f"unknown scale(s) {', '.join(unknown)}: use some of {', '.join(known)}"
        )
    if len(scales) < 2 or len(set(scales)) != len(scales):
        raise GrowthArgumentError("--growth needs two or more different scales, e.g. medium,large")
    return scales


def parse_databases(values: Sequence[str], scales: Sequence[str]) -> dict[str, str]:
    """``SCALE=URL`` items -> {scale: url}; a scale without one uses the default SQLite file."""
    found: dict[str, str] = {}
    for value in values:
        scale, sep, url = value.partition("=")
        if not sep or not url:
            raise GrowthArgumentError(f"--growth-database takes SCALE=URL, not {value!r}")
        if scale not in scales:
            raise GrowthArgumentError(f"--growth-database {scale}: not one of --growth")
        found[scale] = url
    return found


@dataclass(frozen=True)
class GrowthRow:
    """One screen's p50 (ms) per scale; None where it was not measured or had no answers."""

    operation: str
    kind: str
    p50_ms: Mapping[str, float | None]


def ratio(row: GrowthRow, scales: Sequence[str]) -> float | None:
    """The last scale's p50 over the previous scale's (None when either is missing)."""
    last, before = row.p50_ms.get(scales[-1]), row.p50_ms.get(scales[-2])
    if last is None or before is None or before <= 0:
        return None
    return last / before


def format_growth(
    rows: Sequence[GrowthRow], scales: Sequence[str], duration_s: float, notes: Sequence[str] = ()
) -> str:
    """The growth line as a text table (stdout of ``python -m bench --growth``)."""
    last, before = scales[-1], scales[-2]
    ratio_head = f"{last}÷{before}"
    head = ["screen", "operation", *scales, ratio_head, "target", ""]
    body: list[list[str]] = []
    for row in rows:
        r = ratio(row, scales)
        target = TARGETS.get(row.kind)
        verdict = ""
        if r is not None and target is not None:
            verdict = "within" if r <= target else "OVER"
        cells = [
            row.kind,
            row.operation,
            *(_ms(row.p50_ms.get(s)) for s in scales),
            "-" if r is None else f"{r:.2f}x",
            "-" if target is None else f"≤ {target:g}x",
            verdict,
        ]
        body.append(cells)
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    numeric = set(range(2, 2 + len(scales) + 2))

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    title = (
        f"Cost growth: p50 ms at concurrency 1, {duration_s:g} s per screen and scale"
        f" ({', '.join(scales)})"
    )
    out = [title, line(head), *(line(cells) for cells in body)]
    out += [f"note: {note}" for note in notes]
    return "\n".join(out) + "\n"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"

"""The benchmark report: one row per operation and concurrency, as text, Markdown or JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench.stats import LatencySummary, StatementSummary

LEGEND = (
    "SQL/req: extensions.sqlStatements, mean (min-max), the request's own statements; "
    "SQL/req all: every statement the server sent in the window (background writes included) "
    "÷ requests, its source named in the facts; app ms/req: server process tree CPU (utime + "
    "stime) in the window ÷ requests; PG ms/req: CPU of the local postgres processes (this "
    "database's backends and the helpers) in the window ÷ requests; KB/resp: mean answer size; "
    "empty: answers without a single result; RSS: server process tree VmRSS; CPU: % of one "
    "core; other CPU: the rest of the machine meanwhile (PostgreSQL included); cache hit/miss: "
    "answers marked X-HMSDESK-Cache HIT / MISS (- : the response cache was not asked)"
)
FLOOR_PREFIX = "floor:"
# Above this, something besides the benchmark competed for the cores (SQLite runs in-process).
BUSY_MACHINE_PERCENT = 25.0
SHARED_MACHINE_NOTE = (
    "client and server share this machine: the load generator's own CPU use is shown per run "
    "(client CPU), and every core it uses is one the server does not get"
)


@dataclass(frozen=True)
class VariablesResult:
    """One variable set within a run: which variables cost which statements and time."""

    variables: dict[str, Any]
    requests: int
    errors: int
    empty: int  # answers with no results
    p50_ms: float | None
    max_ms: float | None
    statements: list[int]  # every distinct count seen


@dataclass(frozen=True)
class RunResult:
    """One operation driven at one concurrency."""

    operation: str
    concurrency: int
    variable_sets: int
    requests: int
    window_s: float
    req_per_s: float
    latency: LatencySummary | None
    errors: int
    error_kinds: dict[str, int]
    statements: StatementSummary | None
    without_statements: int
    empty: int  # successful answers with no results at all
    response_kb: float  # mean answer size: the serialisation and field work behind it
    rss_peak_mb: float
    rss_end_mb: float
    server_cpu_percent: float  # of one core
    client_cpu_percent: float  # of one core
    other_cpu_percent: float  # the rest of the machine (PostgreSQL, anything else), of one core
    by_variables: list[VariablesResult] = field(default_factory=list)
    app_cpu_ms_per_request: float | None = None  # server tree utime+stime in the window
    pg_cpu_ms_per_request: float | None = None  # this database's backends + postgres helpers
    pg_cpu_all_ms_per_request: float | None = None  # every local postgres process
    statements_all_per_request: float | None = None  # every statement sent in the window
    cache_hits: int = 0  # answers the response cache served (X-HMSDESK-Cache: HIT)
    cache_misses: int = 0  # answers it looked up and computed (MISS)
    edges_served: int = 0  # edges of the run's successful answers, warm-up included
    impressions_recorded: int | None = None  # impression rows the server wrote for the run
    rss_window_start_mb: float | None = None  # when the measured window opened (warmed up)

    @property
    def cache_hit_ratio(self) -> float | None:
        """Hits ÷ lookups over the run's rotating variable sets; None without lookups."""
        looked_up = self.cache_hits + self.cache_misses
        return self.cache_hits / looked_up if looked_up else None


@dataclass
class Report:
    """Everything a benchmark run found."""

    facts: dict[str, Any]
    runs: list[RunResult] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False
    floor_check: str | None = None  # whether the floor answered what the project answers

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "facts": self.facts,
            "runs": [asdict(run) for run in self.runs],
            "skipped": [{"operation": op, "reason": why} for op, why in self.skipped],
            "notes": self.notes,
            "interrupted": self.interrupted,
            "floor_check": self.floor_check,
        }


_COLUMNS = (
    ("operation", "<"),
    ("conc", ">"),
    ("requests", ">"),
    ("req/s", ">"),
    ("p50 ms", ">"),
    ("p90 ms", ">"),
    ("p99 ms", ">"),
    ("errors", ">"),
    ("empty", ">"),
    ("SQL/req", ">"),
    ("SQL/req all", ">"),
    ("app ms/req", ">"),
    ("PG ms/req", ">"),
    ("KB/resp", ">"),
    ("cache hit/miss", ">"),
    ("RSS MB peak/end", ">"),
    ("server CPU", ">"),
    ("client CPU", ">"),
    ("other CPU", ">"),
)


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def format_statements(summary: StatementSummary | None) -> str:
    """ "7" when every request ran 7 statements, "6.5 (5-8)" when they varied."""
    if summary is None:
        return "n/a"
    if summary.min == summary.max:
        return str(summary.min)
    return f"{summary.mean:.1f} ({summary.min}-{summary.max})"


def _optional(value: float | None, pattern: str) -> str:
    return "n/a" if value is None else pattern.format(value)


def _ratio(value: float | None, floor: float | None) -> str:
    if value is None or floor is None or floor <= 0:
        return "n/a"
    return f"{value / floor:.2f}x"


def floor_ratios(report: Report) -> list[str]:
    """Each screen against the floor at the same concurrency: req/s, p50 and CPU per request."""
    floors = {r.concurrency: r for r in report.runs if r.operation.startswith(FLOOR_PREFIX)}
    if not floors:
        return []
    lines = [
        "against the floor (bench/floor.py, one SQL statement; req/s: screen ÷ floor, higher is "
        "better; p50, app ms/req and PG ms/req: screen ÷ floor, lower is better):"
    ]
    for run in report.runs:
        floor = floors.get(run.concurrency)
        if floor is None or run.operation.startswith(FLOOR_PREFIX):
            continue
        p50 = run.latency.p50_ms if run.latency else None
        floor_p50 = floor.latency.p50_ms if floor.latency else None
        lines.append(
            f"  {run.operation} at {run.concurrency}:"
            f" req/s {_ratio(run.req_per_s, floor.req_per_s)}"
            f", p50 {_ratio(p50, floor_p50)}"
            f", app ms/req {_ratio(run.app_cpu_ms_per_request, floor.app_cpu_ms_per_request)}"
            f", PG ms/req {_ratio(run.pg_cpu_ms_per_request, floor.pg_cpu_ms_per_request)}"
        )
    return lines


def _cells(run: RunResult) -> list[str]:
    lat = run.latency
    return [
        run.operation,
        str(run.concurrency),
        f"{run.requests:,}",
        f"{run.req_per_s:.1f}",
        _ms(lat.p50_ms) if lat else "n/a",
        _ms(lat.p90_ms) if lat else "n/a",
        _ms(lat.p99_ms) if lat else "n/a",
        f"{run.errors:,}",
        f"{run.empty:,}",
        format_statements(run.statements),
        _optional(run.statements_all_per_request, "{:.1f}"),
        _optional(run.app_cpu_ms_per_request, "{:.2f}"),
        _optional(run.pg_cpu_ms_per_request, "{:.2f}"),
        f"{run.response_kb:.1f}",
        f"{run.cache_hits:,}/{run.cache_misses:,}" if run.cache_hit_ratio is not None else "-",
        f"{run.rss_peak_mb:.0f}/{run.rss_end_mb:.0f}",
        f"{run.server_cpu_percent:.0f}%",
        f"{run.client_cpu_percent:.0f}%",
        f"{run.other_cpu_percent:.0f}%",
    ]


def _facts_lines(report: Report) -> list[str]:
    f = report.facts
    lines = [
        f"database: {f.get('database_kind')} {f.get('database')} — scale {f.get('scale')} "
        f"({f.get('practitioners', 0):,} practitioners)",
        f"machine: {f.get('cores')} cores, {f.get('cpu', '?')}, {f.get('memory_mb', '?')} MB; "
        f"Python {f.get('python')}; server workers: {f.get('workers')}; shared state: "
        f"{f.get('shared_state', '?')}; response cache: {f.get('response_cache', '?')}",
        f"each run: {f.get('warmup_s')} s warm-up, then {f.get('duration_s')} s measured; "
        f"concurrency {', '.join(str(c) for c in f.get('concurrency', []))}",
        f"cores: {f.get('pinning', 'not pinned')}",
        f"SQL/req all counted by: {f.get('statements_source', 'n/a')}",
        SHARED_MACHINE_NOTE,
        LEGEND,
    ]
    return lines


def _trailer_lines(report: Report) -> list[str]:
    lines: list[str] = []
    for op, why in report.skipped:
        lines.append(f"skipped {op}: {why}")
    described: set[str] = set()
    empty_described: set[str] = set()
    for run in report.runs:
        if run.operation not in described:
            described.add(run.operation)
            lines.extend(statement_variation(run))
        for kind, count in run.error_kinds.items():
            lines.append(f"errors in {run.operation} at {run.concurrency}: {count:,} times {kind}")
        if run.empty and run.operation not in empty_described:
            empty_described.add(run.operation)
            lines.extend(empty_results(run))
        if run.cache_hit_ratio is not None:
            lines.append(
                f"{run.operation} at {run.concurrency}: response cache {run.cache_hits:,} hits, "
                f"{run.cache_misses:,} misses, hit ratio {run.cache_hit_ratio:.1%} over "
                f"{run.variable_sets} rotating variable sets"
            )
        lines.extend(impressions_check(run))
        lines.extend(memory_over_window(run))
        if run.without_statements:
            lines.append(
                f"{run.operation} at {run.concurrency}: {run.without_statements:,} answers "
                "carried no extensions.sqlStatements"
            )
    lines.extend(report.notes)
    if report.floor_check:
        lines.append(report.floor_check)
    lines.extend(floor_ratios(report))
    busy = [r for r in report.runs if r.other_cpu_percent > BUSY_MACHINE_PERCENT]
    if busy and report.facts.get("database_kind") == "sqlite":
        worst = max(busy, key=lambda r: r.other_cpu_percent)
        lines.append(
            f"warning: other processes used up to {worst.other_cpu_percent:.0f}% of a core during "
            f"{len(busy)} of {len(report.runs)} runs (load average at start "
            f"{report.facts.get('load_average_at_start')}): they may read low; rerun on a "
            "quiet machine to compare"
        )
    if report.interrupted:
        lines.append("interrupted: the table holds only the runs that finished")
    return lines


def impressions_check(run: RunResult) -> list[str]:
    """Whether the server wrote one impression per edge it served in the run (none dropped)."""
    recorded = run.impressions_recorded
    if recorded is None or (recorded == 0 and run.edges_served == 0):
        return []
    verdict = "equal" if recorded == run.edges_served else "DIFFER"
    return [
        f"{run.operation} at {run.concurrency}: impressions recorded {recorded:,}, edges served "
        f"{run.edges_served:,} (warm-up included): {verdict}"
    ]


# A window this long says whether memory settles (the 10 minutes at c=32); shorter
# ones are mostly warm-up.
MEMORY_WINDOW_S = 60.0
FLAT_RSS = 0.10


def memory_over_window(run: RunResult) -> list[str]:
    """For a long window: the server's RSS when it opened and at its end, and whether it
    stayed within ±10 % (a leak grows it run after run)."""
    start = run.rss_window_start_mb
    if start is None or start <= 0 or run.window_s < MEMORY_WINDOW_S:
        return []
    change = run.rss_end_mb / start - 1
    verdict = "flat" if abs(change) <= FLAT_RSS else "NOT FLAT"
    return [
        f"{run.operation} at {run.concurrency}: RSS {start:.0f} MB when the {run.window_s:.0f} s"
        f" window opened, {run.rss_end_mb:.0f} MB at its end ({change:+.1%}), peak"
        f" {run.rss_peak_mb:.0f} MB: {verdict} (within ±{FLAT_RSS:.0%})"
    ]


def statement_variation(run: RunResult) -> list[str]:
    """Lines naming which variables ran how many statements, when that count varied."""
    groups: dict[tuple[int, ...], list[dict[str, Any]]] = {}
    for item in run.by_variables:
        if item.statements:
            groups.setdefault(tuple(item.statements), []).append(item.variables)
    if len(groups) < 2 and all(len(key) < 2 for key in groups):
        return []
    lines = [f"{run.operation}: SQL statements per request depend on the variables:"]
    for key, sets in sorted(groups.items()):
        counts = "/".join(str(c) for c in key)
        example = orjson.dumps(sets[0]).decode()
        lines.append(f"  {counts} statements for {len(sets)} variable set(s), e.g. {example}")
    return lines


def empty_results(run: RunResult) -> list[str]:
    """Lines naming the variable sets whose answers held no results."""
    empty_sets = [item for item in run.by_variables if item.empty]
    if not empty_sets:
        return []
    examples = "; ".join(orjson.dumps(item.variables).decode() for item in empty_sets[:3])
    return [
        f"{run.operation}: {run.empty:,} of {run.requests:,} answers were empty "
        f"({len(empty_sets)} of {len(run.by_variables)} variable sets), e.g. {examples}"
    ]


def format_text(report: Report) -> str:
    """The report as an aligned plain-text table with its facts and findings."""
    rows = [[name for name, _ in _COLUMNS]] + [_cells(run) for run in report.runs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    table = []
    for row in rows:
        cells = [
            cell.ljust(w) if align == "<" else cell.rjust(w)
            for cell, w, (_, align) in zip(row, widths, _COLUMNS, strict=True)
        ]
        table.append("  ".join(cells).rstrip())
    table.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*_facts_lines(report), "", *table, "", *_trailer_lines(report)]) + "\n"


def format_markdown(report: Report) -> str:
    """The report as Markdown: facts as a list, runs as a table."""
    out = ["# HMSDESK Graph benchmark", ""]
    out += [f"- {line}" for line in _facts_lines(report)]
    out += ["", "| " + " | ".join(name for name, _ in _COLUMNS) + " |"]
    out.append("|" + "|".join(":--" if align == "<" else "--:" for _, align in _COLUMNS) + "|")
    out += ["| " + " | ".join(_cells(run)) + " |" for run in report.runs]
    trailer = _trailer_lines(report)
    if trailer:
        out += ["", *[f"- {line}" for line in trailer]]
    return "\n".join(out) + "\n"


def write_report(report: Report, path: Path) -> None:
    """Write the report as JSON (.json) or Markdown (.md)."""
    if path.suffix == ".json":
        data = orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2)
        path.write_bytes(data + b"\n")
    elif path.suffix == ".md":
        path.write_text(format_markdown(report), encoding="utf-8")
    else:
        raise ValueError(f"--report must end in .json or .md, not {path.suffix or 'nothing'}")

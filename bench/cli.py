"""``python -m bench``: prepare the database, start the server, drive every operation, report."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import aiohttp
import orjson

from bench import database, floor, growth
from bench.catalogue import CatalogueError, fetch_catalogue
from bench.counting import IMPRESSIONS_SUFFIX, read_total
from bench.load import SetSamples, drive, request_bodies
from bench.operations import OPERATIONS_DIR, Operation, OperationFileError, discover
from bench.process import (
    cpu_seconds_of,
    load_average,
    machine_cpu_seconds,
    machine_facts,
    postgres_pids,
    process_tree,
    sample_tree,
)
from bench.report import (
    FLOOR_PREFIX,
    Report,
    RunResult,
    VariablesResult,
    format_statements,
    format_text,
    write_report,
)
from bench.server import ServerError, ServerProcess
from bench.sources import DriverCounters, StatementSource, pg_stat_statements
from bench.stats import summarise_latencies, summarise_statements, throughput
from bench.variables import Plan, Skipped, plan_operation

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RESULTS_DIR = ROOT / "bench" / "results"
_MB = 1024 * 1024


def say(line: str) -> None:
    """Progress goes to stderr; stdout holds only the report."""
    print(line, file=sys.stderr, flush=True)


def _concurrency_list(raw: str) -> list[int]:
    try:
        values = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a list like 1,32") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError("concurrency levels must be whole numbers ≥ 1")
    return values


def _positive(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than zero")
    return value


def _not_negative(raw: str) -> float:
    value = float(raw)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def parser() -> argparse.ArgumentParser:
    """The command line of ``python -m bench``."""
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Load-test HMSDESK Graph: seed or reuse a database, start `hmsdesk-graph serve` as a "
            "separate process, drive each operation of schema/operations at each concurrency "
            "for a fixed time, and report req/s, p50/p90/p99, SQL statements per request and "
            "server RSS. A benchmark: it never fails on a time."
        ),
    )
    p.add_argument(
        "--database-url",
        help="sqlite://PATH or postgres://user@host:port/db (created when missing); default: "
        "the benchmark's own SQLite file under --results-dir, reseeded unless --reuse",
    )
    p.add_argument("--scale", choices=list(database.scale_practitioners()), default="small")
    p.add_argument("--seed", type=int, default=42, help="seed of the generated data (default 42)")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="benchmark the data already there (it must be at --scale); seed only when empty",
    )
    p.add_argument("--duration", type=_positive, default=10.0, help="measured seconds per run")
    p.add_argument(
        "--warmup", type=_not_negative, default=2.0, help="unmeasured seconds before each run"
    )
    p.add_argument("--concurrency", type=_concurrency_list, default=[1, 32], help="e.g. 1,32")
    p.add_argument("--operations", help="comma-separated operation names (default: all)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn workers (PostgreSQL only)")
    p.add_argument(
        "--client-budget",
        type=int,
        metavar="N",
        help="the server's per-client request budget in requests a minute "
        "(HMSDESK_CLIENT_REQUESTS_PER_MINUTE); default off (0): the benchmark is one client",
    )
    p.add_argument(
        "--no-pin",
        action="store_true",
        help="do not pin the server to one core and the client to another (pinned by default "
        "on machines with two cores or more)",
    )
    p.add_argument(
        "--no-floor",
        action="store_true",
        help="on PostgreSQL, do not run the one-statement floor server after the API",
    )
    p.add_argument(
        "--growth",
        metavar="SCALES",
        help="the cost-growth line instead of the full benchmark: p50 at concurrency 1 of the "
        "list, profile and facet screens on each scale's database (e.g. small,medium,large), "
        "and the last scale's p50 over the previous one's; --duration applies per screen",
    )
    p.add_argument(
        "--growth-database",
        action="append",
        default=[],
        metavar="SCALE=URL",
        help="with --growth: the database of one scale (repeat per scale); default: the "
        "benchmark's own SQLite file of that scale",
    )
    p.add_argument("--report", type=Path, help="also write the report to FILE.json or FILE.md")
    p.add_argument(
        "--results-dir",
        type=Path,
        default=DEFAULT_RESULTS_DIR,
        help="where the default SQLite database and the server log go (default bench/results)",
    )
    return p


def _select(operations: list[Operation], wanted: str | None) -> list[Operation]:
    if not wanted:
        return operations
    names = [n.strip() for n in wanted.split(",") if n.strip()]
    by_name = {op.name: op for op in operations}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValueError(
            f"unknown operation(s) {', '.join(unknown)}; known: {', '.join(sorted(by_name))}"
        )
    return [by_name[n] for n in names]


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


@dataclass
class Meters:
    """What a run reads over its measuring window besides the answers themselves."""

    statements: StatementSource
    database: str | None  # the PostgreSQL database (its backends' CPU is counted), else None
    counters: Path | None = None  # the server processes' bench.counting files (impressions)
    # Whether the server may still hold impressions in its buffer (from the catalogue or the
    # last run): the next run waits for them to be written before it starts counting.
    unsettled: bool = True


# The server writes buffered listing events at least every second: a count that has not moved
# for longer than that has everything sent before it.
_SETTLED_S = 1.5
_SETTLE_LIMIT_S = 15.0


async def _settled_impressions(directory: Path) -> int:
    """The server's impressions written, once its event buffer has been flushed."""
    deadline = time.monotonic() + _SETTLE_LIMIT_S
    value, since = read_total(directory, IMPRESSIONS_SUFFIX), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        now = read_total(directory, IMPRESSIONS_SUFFIX)
        if now != value:
            value, since = now, time.monotonic()
        elif time.monotonic() - since >= _SETTLED_S:
            break
    return value


@dataclass(frozen=True)
class _Mark:
    app_cpu_s: float
    pg_cpu_s: float | None
    pg_all_cpu_s: float | None
    rss_bytes: int = 0


def _mark(pid: int, meters: Meters) -> _Mark:
    pg = all_pg = None
    if meters.database is not None:
        pg = cpu_seconds_of(postgres_pids(meters.database))
        all_pg = cpu_seconds_of(postgres_pids())
    tree = sample_tree(process_tree(pid))
    return _Mark(tree.cpu_seconds, pg, all_pg, tree.rss_bytes)


def _window_ms(first: _Mark | None, last: _Mark | None, meter: str, requests: int) -> float | None:
    """CPU milliseconds per request between the window's two marks (None when unmeasured)."""
    if first is None or last is None or requests == 0:
        return None
    start, end = getattr(first, meter), getattr(last, meter)
    if start is None or end is None:
        return None
    return max(float(end) - float(start), 0.0) * 1000 / requests


async def _measure(
    server: ServerProcess,
    plan: Plan,
    bodies: list[bytes],
    concurrency: int,
    args: argparse.Namespace,
    meters: Meters,
    name: str | None = None,
) -> RunResult:
    """One run: drive the load while sampling the server's memory and CPU.

    For the API (not the floor) it also compares the impressions the server wrote for the run
    (its buffer flushed before and after) with the edges the run was served."""
    impressions_dir = meters.counters if name is None else None
    impressions0 = 0
    if impressions_dir is not None:
        if meters.unsettled:
            impressions0 = await _settled_impressions(impressions_dir)
        else:
            impressions0 = read_total(impressions_dir, IMPRESSIONS_SUFFIX)
    before = sample_tree(process_tree(server.pid))
    peak_rss = before.rss_bytes
    client_cpu0 = time.process_time()
    machine_cpu0 = machine_cpu_seconds()
    wall0 = time.perf_counter()
    done = asyncio.Event()
    marks: dict[str, _Mark] = {}
    window_statements: list[int] = []

    async def on_window(mark: str) -> None:
        # CPU is read first at the start and last at the end, so the window holds all of it.
        if mark == "start":
            marks[mark] = _mark(server.pid, meters)
            await meters.statements.start()
        else:
            window_statements.append(await meters.statements.end())
            marks[mark] = _mark(server.pid, meters)

    async def sample_memory() -> None:
        nonlocal peak_rss
        while not done.is_set():
            peak_rss = max(peak_rss, sample_tree(process_tree(server.pid)).rss_bytes)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=0.25)

    sampler = asyncio.create_task(sample_memory())
    try:
        samples = await drive(
            server.url,
            bodies,
            concurrency=concurrency,
            duration_s=args.duration,
            warmup_s=args.warmup,
            on_window=on_window,
        )
    finally:
        done.set()
        await sampler
    after = sample_tree(process_tree(server.pid))
    wall = time.perf_counter() - wall0
    client_cpu = time.process_time() - client_cpu0
    server_cpu = after.cpu_seconds - before.cpu_seconds
    other_cpu = max(machine_cpu_seconds() - machine_cpu0 - server_cpu - client_cpu, 0.0)
    first, last = marks.get("start"), marks.get("end")
    requests = samples.completed
    impressions: int | None = None
    if impressions_dir is not None:
        now = read_total(impressions_dir, IMPRESSIONS_SUFFIX)
        # A run served no listings and none were written: nothing is left in the buffer.
        meters.unsettled = samples.edges_served > 0 or now != impressions0
        if meters.unsettled:
            now = await _settled_impressions(impressions_dir)
            meters.unsettled = False
        impressions = now - impressions0
    return RunResult(
        operation=name or plan.operation.name,
        concurrency=concurrency,
        variable_sets=len(bodies),
        requests=requests,
        window_s=samples.window_s,
        req_per_s=throughput(samples.completed, samples.window_s),
        latency=summarise_latencies(samples.latencies_ns),
        errors=samples.errors,
        error_kinds=dict(samples.error_kinds),
        statements=summarise_statements(samples.statements),
        without_statements=samples.without_statements,
        empty=samples.empty,
        cache_hits=samples.cache_hits,
        cache_misses=samples.cache_misses,
        response_kb=samples.response_bytes / max(samples.completed, 1) / 1024,
        rss_peak_mb=max(peak_rss, after.rss_bytes) / _MB,
        rss_end_mb=after.rss_bytes / _MB,
        rss_window_start_mb=first.rss_bytes / _MB if first is not None else None,
        server_cpu_percent=server_cpu / wall * 100,
        client_cpu_percent=client_cpu / wall * 100,
        other_cpu_percent=other_cpu / wall * 100,
        by_variables=[
            _variables_result(variables, per_set)
            for variables, per_set in zip(plan.variable_sets, samples.per_set, strict=True)
        ],
        app_cpu_ms_per_request=_window_ms(first, last, "app_cpu_s", requests),
        pg_cpu_ms_per_request=_window_ms(first, last, "pg_cpu_s", requests),
        pg_cpu_all_ms_per_request=_window_ms(first, last, "pg_all_cpu_s", requests),
        statements_all_per_request=(
            window_statements[0] / requests if window_statements and requests else None
        ),
        edges_served=samples.edges_served,
        impressions_recorded=impressions,
    )


def _variables_result(variables: dict[str, Any], samples: SetSamples) -> VariablesResult:
    latency = summarise_latencies(samples.latencies_ns)
    return VariablesResult(
        variables=variables,
        requests=len(samples.latencies_ns),
        errors=samples.errors,
        empty=samples.empty,
        p50_ms=latency.p50_ms if latency else None,
        max_ms=latency.max_ms if latency else None,
        statements=sorted(samples.statements),
    )


def _progress(index: int, total: int, run: RunResult) -> str:
    lat = run.latency
    timing = f"p50 {lat.p50_ms:.1f} ms, p99 {lat.p99_ms:.1f} ms" if lat else "no answers"
    return (
        f"[{index}/{total}] {run.operation} at {run.concurrency}: {run.req_per_s:.1f} req/s, "
        f"{timing}, {run.errors} errors, {format_statements(run.statements)} SQL/req"
    )


SEARCH_LIST = "searchList"


@dataclass
class FloorJob:
    """The search-list screen's plan and the project's answers, for the floor to match."""

    plan: Plan
    bodies: list[bytes]
    answers: list[Any]


async def _project_answers(url: str, bodies: list[bytes]) -> list[Any]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        answers = []
        for body in bodies:
            headers = {"Content-Type": "application/json"}
            async with session.post(url, data=body, headers=headers) as response:
                answers.append(orjson.loads(await response.read()))
    return answers


async def _benchmark(
    server: ServerProcess,
    operations: list[Operation],
    args: argparse.Namespace,
    report: Report,
    meters: Meters,
) -> FloorJob | None:
    say("reading slugs from the server …")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        catalogue = await fetch_catalogue(session, server.url)
    report.notes.extend(catalogue.notes)
    plans: list[Plan] = []
    for op in operations:
        planned = plan_operation(op, catalogue)
        if isinstance(planned, Skipped):
            say(f"skipping {planned.operation}: {planned.reason}")
            report.skipped.append((planned.operation, planned.reason))
        else:
            plans.append(planned)
    total = len(plans) * len(args.concurrency)
    index = 0
    job: FloorJob | None = None
    for plan in plans:
        op = plan.operation
        bodies = request_bodies(op.document, op.name, plan.variable_sets)
        if op.name == SEARCH_LIST:
            job = FloorJob(plan, bodies, [])
        for concurrency in args.concurrency:
            index += 1
            if not server.alive():
                raise ServerError(f"the server stopped:\n{server.log_tail()}")
            say(
                f"[{index}/{total}] {op.name} at concurrency {concurrency} "
                f"({len(bodies)} variable sets, {args.warmup:g} s warm-up + {args.duration:g} s) …"
            )
            run = await _measure(server, plan, bodies, concurrency, args, meters)
            report.runs.append(run)
            say(_progress(index, total, run))
    if job is not None:
        job.answers = await _project_answers(server.url, job.bodies)
    return job


async def _run_floor(
    server: ServerProcess,
    job: FloorJob,
    args: argparse.Namespace,
    report: Report,
    meters: Meters,
) -> None:
    """Check the floor answers what the project answers, then drive it like the screen."""
    answers = await _project_answers(server.url, job.bodies)
    for variables, mine, theirs in zip(job.plan.variable_sets, job.answers, answers, strict=True):
        difference = floor.compare_answers(mine, theirs)
        if difference is not None:
            report.floor_check = (
                f"floor answer differs from the project's for {orjson.dumps(variables).decode()}: "
                f"{difference}; no floor runs, no ratios"
            )
            say(report.floor_check)
            return
    report.floor_check = (
        f"floor answer equals the project's organic cards for all {len(answers)} variable sets"
    )
    say(report.floor_check)
    for concurrency in args.concurrency:
        say(f"floor at concurrency {concurrency} …")
        name = f"{FLOOR_PREFIX}{SEARCH_LIST}"
        run = await _measure(server, job.plan, job.bodies, concurrency, args, meters, name)
        report.runs.append(run)
        say(_progress(0, 0, run))


@dataclass(frozen=True)
class Pinning:
    """Which cores the server (and the floor) and the client run on; None: not pinned."""

    server: frozenset[int] | None
    client: frozenset[int] | None
    description: str


def pinning(disabled: bool) -> Pinning:
    """Server on the first core this process may use, client on the second (≥ 2 cores)."""
    try:
        available = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = []
    if disabled:
        return Pinning(None, None, "not pinned (--no-pin)")
    if len(available) < 2:
        return Pinning(None, None, f"not pinned ({len(available)} core(s) available)")
    server, client = available[0], available[1]
    return Pinning(
        frozenset({server}),
        frozenset({client}),
        f"server and floor pinned to core {server} (taskset -c {server}), client to core "
        f"{client}; PostgreSQL is not pinned: its backends mostly share core {client} with "
        "the client",
    )


async def _with_meters(
    url: str,
    counter_dir: Path,
    report: Report,
    work: Callable[[Meters], Awaitable[T]],
) -> T:
    """Run ``work`` with the window meters: pg_stat_statements when preloaded, else the
    server processes' own counters; PostgreSQL's CPU on PostgreSQL only."""
    source: StatementSource = DriverCounters(counter_dir)
    name: str | None = None
    if not database.is_sqlite(url):
        name = database.short_name(url)
        connection = await database.pg_connect(url, name)
        found = await pg_stat_statements(connection, name)
        if found is None:
            await connection.close()
        else:
            source = found
    report.facts["statements_source"] = source.description
    try:
        return await work(Meters(source, name, counter_dir))
    finally:
        await source.close()


def _floor_skipped(
    args: argparse.Namespace, info: database.DatabaseInfo, job: FloorJob | None
) -> str | None:
    if args.no_floor:
        return "--no-floor"
    if info.kind != "postgres":
        return "the floor (bench/floor.py) runs on PostgreSQL only"
    if job is None:
        return f"the {SEARCH_LIST} operation was not driven"
    return None


def _floor_sitting(
    url: str,
    results_dir: Path,
    counters: Path,
    pin: Pinning,
    job: FloorJob,
    args: argparse.Namespace,
    report: Report,
    pool: int,
) -> None:
    """Start the floor on the server's core once the API has stopped, and drive it."""
    log_path = results_dir / f"floor-{database.short_name(url)}.log"

    def command(port: int) -> list[str]:
        command = [sys.executable, "-m", "bench.floor", "--database-url", url]
        return [*command, "--port", str(port), "--pool-size", str(pool)]

    floor_server = ServerProcess(
        url, log_path, cpus=pin.server, counter_dir=counters / "floor", command=command
    )
    with floor_server:
        say(f"starting the floor (log: {log_path}) …")
        floor_server.start()
        report.facts["floor_pid"] = floor_server.pid
        asyncio.run(
            _with_meters(
                url,
                counters / "floor",
                report,
                lambda meters: _run_floor(floor_server, job, args, report, meters),
            )
        )


def _facts(args: argparse.Namespace, info: database.DatabaseInfo, log_path: Path) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database_kind": info.kind,
        "database": info.display_url,
        "scale": info.scale,
        "practitioners": info.practitioners,
        "seeded_now": info.seeded_now,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "git_commit": _git_commit(),
        "server_log": str(log_path),
        "load_average_at_start": load_average(),
        **server_state_facts(os.environ),
    }
    facts.update(machine_facts())
    return facts


def server_state_facts(env: Mapping[str, str]) -> dict[str, str]:
    """What the server shares and caches, from the environment it inherits (never the URL)."""
    ttl = env.get("HMSDESK_RESPONSE_CACHE_TTL_S", "").strip()
    return {
        "shared_state": "redis" if env.get("HMSDESK_REDIS_URL", "").strip() else "in-process",
        "response_cache": "off" if ttl == "0" else f"on (TTL {ttl or 'default'} s)",
    }


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    # SIGTERM takes the same path as Ctrl-C: the server is stopped and a partial report printed.
    raise KeyboardInterrupt


def _growth_p50(
    scale: str, url: str, owned: bool, operations: list[Operation], args: argparse.Namespace
) -> dict[str, float | None]:
    """Prepare one scale's database, serve it, and drive each screen at concurrency 1."""
    results_dir: Path = args.results_dir.resolve()
    info = database.prepare(url, scale, args.seed, reuse=args.reuse, owned=owned, say=say)
    log_path = results_dir / f"server-{database.short_name(url)}.log"
    report = Report(facts={"scale": scale, "practitioners": info.practitioners})
    pin = pinning(args.no_pin)
    counters = results_dir / f"counters-{os.getpid()}-{scale}"
    server = ServerProcess(
        url, log_path, cpus=pin.server, counter_dir=counters / "api", client_budget=0
    )
    try:
        with server:
            say(f"[{scale}] starting the server on {info.display_url} (log: {log_path}) …")
            server.start()
            if pin.client:
                os.sched_setaffinity(0, pin.client)
            asyncio.run(
                _with_meters(
                    url,
                    counters / "api",
                    report,
                    lambda meters: _benchmark(server, operations, args, report, meters),
                )
            )
    finally:
        shutil.rmtree(counters, ignore_errors=True)
    p50: dict[str, float | None] = {op.name: None for op in operations}
    for run in report.runs:
        if run.concurrency == 1 and run.latency is not None and run.errors == 0:
            p50[run.operation] = run.latency.p50_ms
        elif run.concurrency == 1:
            say(f"[{scale}] {run.operation}: {run.errors} errors, no p50 reported")
    return p50


def growth_main(args: argparse.Namespace) -> int:
    """``--growth``: the cost-growth line over the given scales, one database each."""
    try:
        scales = growth.parse_scales(args.growth, list(database.scale_practitioners()))
        urls = growth.parse_databases(args.growth_database, scales)
        names = args.operations or ",".join(growth.GROWTH_SCREENS)
        operations = _select(discover(OPERATIONS_DIR), names)
    except (ValueError, OperationFileError) as exc:
        say(f"error: {exc}")
        return 2
    args.concurrency = [1]
    notes = [f"{'--reuse' if args.reuse else 'no --reuse'}; seed {args.seed}"]
    # The response cache would answer repeated variable sets without reading the data at all.
    if "HMSDESK_RESPONSE_CACHE_TTL_S" not in os.environ:
        os.environ["HMSDESK_RESPONSE_CACHE_TTL_S"] = "0"
    notes.append(f"response cache TTL {os.environ['HMSDESK_RESPONSE_CACHE_TTL_S']} s")
    signal.signal(signal.SIGTERM, _raise_interrupt)
    by_scale: dict[str, dict[str, float | None]] = {}
    try:
        for scale in scales:
            owned = scale not in urls
            url = urls.get(scale) or database.default_sqlite_url(
                args.results_dir.resolve(), scale, args.seed
            )
            notes.append(f"{scale}: {database.display_url(url)}")
            by_scale[scale] = _growth_p50(scale, url, owned, operations, args)
    except database.DatabaseError as exc:
        say(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except (ServerError, CatalogueError, aiohttp.ClientError) as exc:
        say(f"error: {exc}")
        return 1
    rows = [
        growth.GrowthRow(
            op.name,
            growth.GROWTH_SCREENS.get(op.name, "other"),
            {scale: by_scale[scale].get(op.name) for scale in scales},
        )
        for op in operations
    ]
    sys.stdout.write(growth.format_growth(rows, scales, args.duration, notes))
    sys.stdout.flush()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit status is 0 unless it could not run (errors are reported)."""
    args = parser().parse_args(argv)
    if args.growth:
        return growth_main(args)
    if args.report is not None and args.report.suffix not in {".json", ".md"}:
        say("error: --report must name a .json or .md file")
        return 2
    if args.workers < 1:
        say("error: --workers must be at least 1")
        return 2
    results_dir: Path = args.results_dir.resolve()
    owned = args.database_url is None
    url = args.database_url or database.default_sqlite_url(results_dir, args.scale, args.seed)
    if args.workers > 1 and database.is_sqlite(url):
        say("error: --workers > 1 needs PostgreSQL (SQLite has a single writer)")
        return 2
    try:
        operations = _select(discover(OPERATIONS_DIR), args.operations)
    except (ValueError, OperationFileError) as exc:
        say(f"error: {exc}")
        return 2
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        info = database.prepare(url, args.scale, args.seed, reuse=args.reuse, owned=owned, say=say)
    except database.DatabaseError as exc:
        say(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        say("interrupted while preparing the database")
        return 130
    # One log per database, so two benchmarks of different databases never share a log.
    log_path = results_dir / f"server-{database.short_name(url)}.log"
    report = Report(facts=_facts(args, info, log_path))
    report.facts["operations"] = [op.name for op in operations]
    pool = int(os.environ.get("HMSDESK_DB_POOL_SIZE", "32"))
    if info.kind == "postgres" and max(args.concurrency) > pool:
        report.notes.append(
            f"concurrency {max(args.concurrency)} exceeds HMSDESK_DB_POOL_SIZE={pool}: "
            "requests queue for connections (DESIGN §9)"
        )
    status = 0
    pin = pinning(args.no_pin)
    report.facts["pinning"] = pin.description
    counters = results_dir / f"counters-{os.getpid()}"
    server = ServerProcess(
        url,
        log_path,
        workers=args.workers,
        cpus=pin.server,
        counter_dir=counters / "api",
        client_budget=args.client_budget,
    )
    try:
        with server:
            say(f"starting the server (log: {log_path}) …")
            server.start()
            report.facts["server_pid"] = server.pid
            say(f"server pid {server.pid} ready on {server.url}")
            if pin.client:
                os.sched_setaffinity(0, pin.client)  # the load generator keeps off the server's
            job = asyncio.run(
                _with_meters(
                    url,
                    counters / "api",
                    report,
                    lambda meters: _benchmark(server, operations, args, report, meters),
                )
            )
        floor_why_not = _floor_skipped(args, info, job)
        if floor_why_not:
            report.notes.append(f"no floor: {floor_why_not}")
        elif job is not None:
            _floor_sitting(url, results_dir, counters, pin, job, args, report, pool)
    except KeyboardInterrupt:
        report.interrupted = True
        status = 130
    except (ServerError, CatalogueError, aiohttp.ClientError) as exc:
        say(f"error: {exc}")
        report.notes.append(f"stopped early: {exc}")
        status = 1
    finally:
        shutil.rmtree(counters, ignore_errors=True)
    say("server stopped")
    sys.stdout.write(format_text(report))
    sys.stdout.flush()
    if args.report is not None:
        write_report(report, args.report)
        say(f"report written to {args.report}")
    return status

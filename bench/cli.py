"""``python -m bench``: prepare the database, start the server, drive every operation, report."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import aiohttp

from bench import database
from bench.catalogue import CatalogueError, fetch_catalogue
from bench.load import SetSamples, drive, request_bodies
from bench.operations import OPERATIONS_DIR, Operation, OperationFileError, discover
from bench.process import (
    load_average,
    machine_cpu_seconds,
    machine_facts,
    process_tree,
    sample_tree,
)
from bench.report import (
    Report,
    RunResult,
    VariablesResult,
    format_statements,
    format_text,
    write_report,
)
from bench.server import ServerError, ServerProcess
from bench.stats import summarise_latencies, summarise_statements, throughput
from bench.variables import Plan, Skipped, plan_operation

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
    p.add_argument("--scale", choices=["small", "medium"], default="small")
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


async def _measure(
    server: ServerProcess,
    plan: Plan,
    bodies: list[bytes],
    concurrency: int,
    args: argparse.Namespace,
) -> RunResult:
    """One run: drive the load while sampling the server's memory and CPU."""
    before = sample_tree(process_tree(server.pid))
    peak_rss = before.rss_bytes
    client_cpu0 = time.process_time()
    machine_cpu0 = machine_cpu_seconds()
    wall0 = time.perf_counter()
    done = asyncio.Event()

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
        )
    finally:
        done.set()
        await sampler
    after = sample_tree(process_tree(server.pid))
    wall = time.perf_counter() - wall0
    client_cpu = time.process_time() - client_cpu0
    server_cpu = after.cpu_seconds - before.cpu_seconds
    other_cpu = max(machine_cpu_seconds() - machine_cpu0 - server_cpu - client_cpu, 0.0)
    return RunResult(
        operation=plan.operation.name,
        concurrency=concurrency,
        variable_sets=len(bodies),
        requests=samples.completed,
        window_s=samples.window_s,
        req_per_s=throughput(samples.completed, samples.window_s),
        latency=summarise_latencies(samples.latencies_ns),
        errors=samples.errors,
        error_kinds=dict(samples.error_kinds),
        statements=summarise_statements(samples.statements),
        without_statements=samples.without_statements,
        empty=samples.empty,
        response_kb=samples.response_bytes / max(samples.completed, 1) / 1024,
        rss_peak_mb=max(peak_rss, after.rss_bytes) / _MB,
        rss_end_mb=after.rss_bytes / _MB,
        server_cpu_percent=server_cpu / wall * 100,
        client_cpu_percent=client_cpu / wall * 100,
        other_cpu_percent=other_cpu / wall * 100,
        by_variables=[
            _variables_result(variables, per_set)
            for variables, per_set in zip(plan.variable_sets, samples.per_set, strict=True)
        ],
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


async def _benchmark(
    server: ServerProcess, operations: list[Operation], args: argparse.Namespace, report: Report
) -> None:
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
    for plan in plans:
        op = plan.operation
        bodies = request_bodies(op.document, op.name, plan.variable_sets)
        for concurrency in args.concurrency:
            index += 1
            if not server.alive():
                raise ServerError(f"the server stopped:\n{server.log_tail()}")
            say(
                f"[{index}/{total}] {op.name} at concurrency {concurrency} "
                f"({len(bodies)} variable sets, {args.warmup:g} s warm-up + {args.duration:g} s) …"
            )
            run = await _measure(server, plan, bodies, concurrency, args)
            report.runs.append(run)
            say(_progress(index, total, run))


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
    }
    facts.update(machine_facts())
    return facts


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    # SIGTERM takes the same path as Ctrl-C: the server is stopped and a partial report printed.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit status is 0 unless it could not run (errors are reported)."""
    args = parser().parse_args(argv)
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
    server = ServerProcess(url, log_path, workers=args.workers)
    try:
        with server:
            say(f"starting the server (log: {log_path}) …")
            server.start()
            report.facts["server_pid"] = server.pid
            say(f"server pid {server.pid} ready on {server.url}")
            asyncio.run(_benchmark(server, operations, args, report))
    except KeyboardInterrupt:
        report.interrupted = True
        status = 130
    except (ServerError, CatalogueError, aiohttp.ClientError) as exc:
        say(f"error: {exc}")
        report.notes.append(f"stopped early: {exc}")
        status = 1
    say("server stopped")
    sys.stdout.write(format_text(report))
    sys.stdout.flush()
    if args.report is not None:
        write_report(report, args.report)
        say(f"report written to {args.report}")
    return status

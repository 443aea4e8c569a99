"""The benchmark harness itself: its statistics, its variables, its report, and one real run.

These tests assert what the harness does, never how fast anything is.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.catalogue import Catalogue, HospitalRef, Place
from bench.cli import server_state_facts
from bench.counting import impressions_in
from bench.load import check_response, is_empty_data, request_bodies, served_edges
from bench.operations import Operation, discover, load_operation
from bench.process import is_running
from bench.report import Report, RunResult, format_markdown, format_text, write_report
from bench.stats import percentile, summarise_latencies, summarise_statements, throughput
from bench.variables import NEEDS_VIEWER, Plan, Skipped, plan_operation

ROOT = Path(__file__).resolve().parents[2]


# --- statistics ---------------------------------------------------------------------------------


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 90) == 90
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2
    assert percentile([1.0, 2.0, 3.0, 4.0], 51) == 3
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 0)


def test_summaries() -> None:
    latency = summarise_latencies([4_000_000, 1_000_000, 3_000_000, 2_000_000])
    assert latency is not None
    assert (latency.p50_ms, latency.p90_ms, latency.p99_ms, latency.max_ms) == (2, 4, 4, 4)
    assert latency.mean_ms == 2.5
    assert summarise_latencies([]) is None
    statements = summarise_statements([9, 9, 15])
    assert statements is not None
    assert (statements.mean, statements.min, statements.max) == (11, 9, 15)
    assert summarise_statements([]) is None
    assert throughput(250, 10.0) == 25
    with pytest.raises(ValueError):
        throughput(1, 0)


# --- responses ----------------------------------------------------------------------------------


def test_check_response_counts_errors_and_empty_pages() -> None:
    ok = check_response(200, b'{"data":{"x":{"edges":[{}]}},"extensions":{"sqlStatements":7}}')
    assert ok == (None, 7, False, 0)  # x records no impressions
    empty = check_response(200, b'{"data":{"x":{"edges":[],"totalCount":0}}}')
    assert empty == (None, None, True, 0)
    failed = check_response(
        200,
        b'{"data":{"x":null},"errors":[{"message":"Not found","path":["x"],'
        b'"extensions":{"code":"NOT_FOUND"}}],"extensions":{"sqlStatements":2}}',
    )
    assert failed == ("NOT_FOUND: Not found at x", 2, False, 0)
    bad = check_response(400, b'{"errors":[{"message":"no","extensions":{"code":"BAD"}}]}')
    assert bad.error == "HTTP 400 BAD: no"
    assert check_response(502, b"<html>").error == "HTTP 502: not JSON"
    assert is_empty_data({"a": None, "b": []})
    assert not is_empty_data({"a": {"slug": "x"}})


def test_request_bodies_are_serialised_once() -> None:
    bodies = request_bodies("query q { a }", "q", [{"x": 1}, {}])
    assert [json.loads(b) for b in bodies] == [
        {"query": "query q { a }", "operationName": "q", "variables": {"x": 1}},
        {"query": "query q { a }", "operationName": "q", "variables": {}},
    ]


# --- variables ----------------------------------------------------------------------------------


def _catalogue() -> Catalogue:
    return Catalogue(
        cities=["mumbai", "pune"],
        search_cities=["pune", "mumbai"],
        places={
            "pune": [Place("kothrud", 18.5074, 73.8077)],
            "mumbai": [Place("bandra-west", 19.0596, 72.8295)],
        },
        specialties=["cardiologist", "dermatologist"],
        lab_tests=["cbc", "lipid-profile"],
        practitioners=["dr-asha-kulkarni", "dr-few-reviews"],
        hospitals=[HospitalRef("aarogya-hospital-kothrud", "pune", ("cardiologist",))],
        centers=["pune-diagnostics-kothrud"],
        procedures=[("knee replacement", "PRIVATE")],
    )


def test_every_operation_file_gets_realistic_variables() -> None:
    operations = discover()
    assert operations, "schema/operations holds no operation"
    for op in operations:
        planned = plan_operation(op, _catalogue())
        if NEEDS_VIEWER.keys() & set(op.root_fields):
            assert isinstance(planned, Skipped) and "token" in planned.reason
            continue
        assert isinstance(planned, Plan), f"{op.name}: {planned}"
        assert planned.variable_sets
        for variables in planned.variable_sets:
            assert op.required_variables <= variables.keys()
            assert variables.keys() <= op.variable_names
            assert None not in variables.values()


def test_search_variables_rotate_cities_phrases_and_places() -> None:
    op = next(o for o in discover() if o.name == "webSearchPractitioners")
    planned = plan_operation(op, _catalogue())
    assert isinstance(planned, Plan)
    sets = planned.variable_sets
    assert {s["city"] for s in sets} == {"pune", "mumbai"}
    assert {"cardiologist", "skin specialist", "chest pain"} <= {s.get("query") for s in sets}
    assert any("near" in s for s in sets) and any("near" not in s for s in sets)


def _write(tmp_path: Path, text: str) -> Operation:
    path = tmp_path / "op.graphql"
    path.write_text(text, encoding="utf-8")
    return load_operation(path)


def test_operations_without_variables_are_skipped_with_a_reason(tmp_path: Path) -> None:
    unknown = _write(tmp_path, "query mystery($code: String!) { riddle(code: $code) { id } }")
    skipped = plan_operation(unknown, _catalogue())
    assert isinstance(skipped, Skipped)
    assert "no variables factory" in skipped.reason and "riddle" in skipped.reason

    signed_in = _write(tmp_path, "query dash($from: Date!) { reach(from: $from) { days } }")
    skipped = plan_operation(signed_in, _catalogue())
    assert isinstance(skipped, Skipped) and "PARTNER token" in skipped.reason

    mutation = _write(tmp_path, "mutation book($x: ID!) { bookAppointment(id: $x) { id } }")
    assert isinstance(plan_operation(mutation, _catalogue()), Skipped)

    needs_more = _write(
        tmp_path, "query p($slug: String!, $badge: Int!) { practitioner(slug: $slug) { id } }"
    )
    skipped = plan_operation(needs_more, _catalogue())
    assert isinstance(skipped, Skipped) and "$badge" in skipped.reason

    plain = _write(tmp_path, "query allCities { cities { slug } }")
    assert plan_operation(plain, _catalogue()) == Plan(plain, ({},), "declares no variables")


def test_future_operations_are_driven_by_their_root_field(tmp_path: Path) -> None:
    hospitals = _write(
        tmp_path,
        "query webSearchHospitals($city: String!, $query: String, $near: NearInput) "
        "{ searchHospitals(city: $city, query: $query, near: $near) { totalCount } }",
    )
    planned = plan_operation(hospitals, _catalogue())
    assert isinstance(planned, Plan) and all("city" in s for s in planned.variable_sets)

    prices = _write(
        tmp_path,
        "query labPrices($city: String!, $labTest: String!) "
        "{ priceComparison(city: $city, labTest: $labTest) { median } }",
    )
    planned = plan_operation(prices, _catalogue())
    assert isinstance(planned, Plan)
    assert {s["labTest"] for s in planned.variable_sets} == {"cbc", "lipid-profile"}


# --- report -------------------------------------------------------------------------------------


def _run(operation: str, concurrency: int) -> RunResult:
    return RunResult(
        operation=operation,
        concurrency=concurrency,
        variable_sets=2,
        requests=10,
        window_s=1.0,
        req_per_s=10.0,
        latency=summarise_latencies([1_000_000] * 10),
        errors=1,
        error_kinds={"INTERNAL: boom": 1},
        statements=summarise_statements([3] * 9),
        without_statements=0,
        empty=0,
        response_kb=1.5,
        rss_peak_mb=80.0,
        rss_end_mb=79.0,
        server_cpu_percent=90.0,
        client_cpu_percent=5.0,
        other_cpu_percent=1.0,
    )


def test_report_has_a_row_per_run_and_names_errors(tmp_path: Path) -> None:
    report = Report(facts={"cores": 2, "concurrency": [1, 32]})
    report.runs = [_run("a", 1), _run("a", 32), _run("b", 1)]
    report.skipped = [("c", "no variables factory")]
    text = format_text(report)
    rows = [line for line in text.splitlines() if line.startswith(("a ", "b "))]
    assert len(rows) == 3
    assert "skipped c: no variables factory" in text
    assert "errors in a at 32: 1 times INTERNAL: boom" in text
    assert "share this machine" in text
    assert format_markdown(report).count("\n| a |") == 2

    write_report(report, tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert [(r["operation"], r["concurrency"]) for r in data["runs"]] == [
        ("a", 1),
        ("a", 32),
        ("b", 1),
    ]
    with pytest.raises(ValueError):
        write_report(report, tmp_path / "r.txt")


def test_a_long_window_says_whether_memory_stayed_flat() -> None:
    """Over a window of a minute or more (the issue's 10 minutes at c=32) the report compares
    the server's RSS when the window opened with its end; short windows are mostly warm-up."""
    soak = replace(_run("searchList", 32), window_s=600.0, errors=0, error_kinds={})
    report = Report(facts={"cores": 2, "concurrency": [32]})
    report.runs = [
        replace(soak, rss_window_start_mb=150.0, rss_end_mb=160.0, rss_peak_mb=161.0),
        replace(soak, concurrency=1, rss_window_start_mb=150.0, rss_end_mb=180.0),
        replace(soak, operation="short", window_s=10.0, rss_window_start_mb=150.0),
    ]
    text = format_text(report)
    assert (
        "searchList at 32: RSS 150 MB when the 600 s window opened, 160 MB at its end (+6.7%),"
        " peak 161 MB: flat (within ±10%)" in text
    )
    assert "searchList at 1: RSS 150 MB" in text and "(+20.0%)" in text and "NOT FLAT" in text
    assert "short at 32: RSS" not in text


def test_report_has_the_cpu_and_statement_columns_and_the_floor_ratios() -> None:
    screen = replace(
        _run("searchList", 1),
        req_per_s=50.0,
        app_cpu_ms_per_request=8.0,
        pg_cpu_ms_per_request=3.0,
        statements_all_per_request=9.5,
    )
    floor = replace(
        _run("floor:searchList", 1),
        req_per_s=200.0,
        app_cpu_ms_per_request=0.5,
        pg_cpu_ms_per_request=2.0,
        statements_all_per_request=1.0,
    )
    report = Report(facts={"cores": 2, "pinning": "server pinned to core 0"}, runs=[screen, floor])
    report.floor_check = "floor answer equals the project's organic cards for all 4 variable sets"
    text = format_text(report)
    header = next(line for line in text.splitlines() if line.startswith("operation"))
    for column in ("SQL/req all", "app ms/req", "PG ms/req", "p50 ms", "p99 ms", "RSS MB"):
        assert column in header
    row = next(line for line in text.splitlines() if line.startswith("searchList "))
    assert "9.5" in row and "8.00" in row and "3.00" in row
    assert "cores: server pinned to core 0" in text
    assert report.floor_check in text
    assert "searchList at 1: req/s 0.25x, p50 1.00x, app ms/req 16.00x, PG ms/req 1.50x" in text
    # Without a floor run there is no ratio, and unmeasured values read n/a.
    alone = format_text(Report(facts={}, runs=[_run("a", 1)]))
    assert "against the floor" not in alone
    assert "n/a" in next(line for line in alone.splitlines() if line.startswith("a "))


# --- end to end ---------------------------------------------------------------------------------


def _bench_env() -> dict[str, str]:
    # The developer's HMSDESK_* settings must not leak into the server under test.
    return {k: v for k, v in os.environ.items() if not k.startswith("HMSDESK_")}


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """One real benchmark: a fresh small SQLite database, ~1 s per operation at 1 and 2."""
    results = tmp_path_factory.mktemp("bench")
    report_path = results / "report.json"
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "bench", "--results-dir", str(results), "--scale", "small"),
            *("--duration", "1", "--warmup", "0.2", "--concurrency", "1,2"),
            *("--report", str(report_path)),
        ],
        cwd=ROOT,
        env=_bench_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    yield results, json.loads(report_path.read_text())


def test_end_to_end_reports_every_operation_at_every_concurrency(
    bench_run: tuple[Path, dict[str, Any]],
) -> None:
    _, report = bench_run
    # Others may add operation files while this runs: check against what the run found.
    names = set(report["facts"]["operations"])
    assert names and names <= {op.name for op in discover()}
    skipped = {s["operation"] for s in report["skipped"]}
    driven = {(r["operation"], r["concurrency"]) for r in report["runs"]}
    assert driven == {(name, c) for name in names - skipped for c in (1, 2)}
    assert len(report["runs"]) == len(driven)
    assert report["facts"]["database_kind"] == "sqlite"
    assert report["facts"]["practitioners"] > 0
    for run in report["runs"]:
        assert run["requests"] > 0
        statements = run["statements"]
        assert isinstance(statements["min"], int) and isinstance(statements["max"], int)
        assert statements["max"] > 0  # every operation executes at least once (a miss)
        if not run["cache_hits"]:
            # A response-cache hit may read no table at all (tag versions from a snapshot).
            assert statements["min"] > 0
        assert run["rss_peak_mb"] > 0
        assert run["app_cpu_ms_per_request"] > 0
        assert run["pg_cpu_ms_per_request"] is None  # SQLite runs inside the server
        # Every statement the server sent, background writes included, at least the request's.
        assert run["statements_all_per_request"] >= statements["min"] * 0.9
        # One impression written per listing served, none dropped, whatever the buffer did.
        assert run["impressions_recorded"] == run["edges_served"], run["operation"]
    served = {r["operation"]: r["edges_served"] for r in report["runs"]}
    assert served["searchList"] > 0 and served["webSearchPractitioners"] > 0
    assert "no floor: the floor (bench/floor.py) runs on PostgreSQL only" in report["notes"]
    assert report["facts"]["statements_source"].startswith("a process-wide counter")
    assert report["facts"]["pinning"]


def test_end_to_end_leaves_no_server_running(bench_run: tuple[Path, dict[str, Any]]) -> None:
    _, report = bench_run
    assert not is_running(report["facts"]["server_pid"])


def test_ctrl_c_stops_the_server(bench_run: tuple[Path, dict[str, Any]]) -> None:
    results, _ = bench_run
    report_path = results / "interrupted.json"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "bench", "--results-dir", str(results), "--reuse"),
            *("--duration", "60", "--concurrency", "1", "--report", str(report_path)),
        ],
        cwd=ROOT,
        env=_bench_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        server_pid = None
        deadline = time.monotonic() + 120
        for line in process.stderr:
            if line.startswith("server pid "):
                server_pid = int(line.split()[2])
            if "at concurrency 1" in line:  # the first run has started
                break
            assert time.monotonic() < deadline
        assert server_pid is not None and is_running(server_pid)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert not is_running(server_pid)
    assert json.loads(report_path.read_text())["interrupted"] is True


def test_impressions_are_counted_from_the_event_batches_the_server_writes() -> None:
    pg = "WITH e AS (INSERT INTO listing_event (kind, occurred_at) SELECT * FROM unnest($1) ..."
    kinds = ["IMPRESSION", "PROFILE_VIEW", "SPONSORED_IMPRESSION", "IMPRESSION"]
    assert impressions_in(pg, [kinds, ["t"] * 4]) == 3
    sqlite = "INSERT INTO listing_event (kind, occurred_at) SELECT * FROM json_each(?1)"
    rows = [["IMPRESSION", "t"], ["BOOKING_REQUESTED", "t"], ["SPONSORED_IMPRESSION", "t"]]
    assert impressions_in(sqlite, [orjson.dumps(rows).decode()]) == 2
    assert impressions_in("INSERT INTO daily_stat SELECT 1", [kinds]) == 0
    assert impressions_in("SELECT 1", None) == 0


def test_edges_served_are_the_root_connections_edges() -> None:
    data = {
        "searchPractitioners": {"edges": [{}, {}], "totalCount": 9},
        "searchHospitals": {"edges": [{}]},
        "c": None,
    }
    assert served_edges(data) == 2  # hospitals' listings record no impressions
    body = orjson.dumps({"data": data})
    assert check_response(200, body).edges == 2
    assert check_response(200, orjson.dumps({"data": data, "errors": [{}]})).edges == 0


def test_report_counts_response_cache_hits_and_misses_per_run() -> None:
    cached = replace(_run("practitionerProfile", 32), cache_hits=990, cache_misses=10)
    uncached = _run("reachDashboardOverview", 32)
    text = format_text(Report(facts={}, runs=[cached, uncached]))
    header = next(line for line in text.splitlines() if line.startswith("operation"))
    assert "cache hit/miss" in header
    row = next(line for line in text.splitlines() if line.startswith("practitionerProfile "))
    assert "990/10" in row
    assert (
        "practitionerProfile at 32: response cache 990 hits, 10 misses, hit ratio 99.0% over "
        "2 rotating variable sets" in text
    )
    assert "reachDashboardOverview at 32: response cache" not in text
    assert cached.cache_hit_ratio == 0.99 and uncached.cache_hit_ratio is None


def test_report_says_whether_workers_share_redis_and_cache_answers() -> None:
    redis = server_state_facts(
        {"HMSDESK_REDIS_URL": "redis://user:secret@127.0.0.1:6379/0", "X": "1"}
    )
    assert redis == {"shared_state": "redis", "response_cache": "on (TTL default s)"}
    alone = server_state_facts({"HMSDESK_RESPONSE_CACHE_TTL_S": "0"})
    assert alone == {"shared_state": "in-process", "response_cache": "off"}
    text = format_text(Report(facts={"workers": 2, **redis}, runs=[]))
    assert "server workers: 2; shared state: redis; response cache: on" in text
    assert "secret" not in text and "6379" not in text  # the URL is never printed

"""/metrics: Prometheus text, labels from fixed sets only, scrape access, partner calls."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import EventKind, TargetKind
from hmsdesk_graph.guards.ratelimit import Limit, RateLimits
from hmsdesk_graph.sandbox import start_sandbox
from hmsdesk_graph.shared import SharedState
from hmsdesk_graph.upstream import ConnectionFailed, PracticeClient
from hmsdesk_graph.upstream.errors import CircuitOpen
from hmsdesk_graph.workers.events import EventRecorder, ListingEvent
from tests.conftest import GraphQLClient, base_settings
from tests.ingest import conftest as ingest_fixtures
from tests.ingest.conftest import World
from tests.ops.conftest import AppClient
from tests.upstream.conftest import upstream_settings

ROOT = Path(__file__).resolve().parents[2]
# The ingestion tests' fixtures (a database, a partner to own the feeds; the sandbox from tests/conftest.py).
world = ingest_fixtures.world
PROFILE = (ROOT / "schema" / "operations" / "practitionerProfile.graphql").read_text("utf-8")


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


async def test_requests_are_counted_by_committed_operation(gql: GraphQLClient, http: Any) -> None:
    ok_before = _value(
        "hmsdesk_requests_total", operation="practitionerProfile", status="200", code="NOT_FOUND"
    )
    stmts_before = _value("hmsdesk_sql_statements_per_request_sum", operation="practitionerProfile")
    body = await gql.execute(PROFILE, {"slug": "nobody-at-all"})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # partial data, status 200
    assert (
        _value(
            "hmsdesk_requests_total",
            operation="practitionerProfile",
            status="200",
            code="NOT_FOUND",
        )
        == ok_before + 1
    )
    # The production counter agrees with the per-request one the tests read.
    assert (
        _value("hmsdesk_sql_statements_per_request_sum", operation="practitionerProfile")
        == stmts_before + body["extensions"]["sqlStatements"]
    )

    # A client-chosen name, even one shaped like ours, is "other".
    other_before = _value(
        "hmsdesk_requests_total", operation="other", status="400", code="BAD_USER_INPUT"
    )
    await gql.post("query practitionerProfileX { cities { nope } }")
    await gql.post("query Evil_9f3e1 { cities { nope } }")
    assert (
        _value("hmsdesk_requests_total", operation="other", status="400", code="BAD_USER_INPUT")
        == other_before + 2
    )

    scrape = await http.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    samples = _samples(scrape.text)
    assert not [k for k in samples if ("operation", "Evil_9f3e1") in k[1]]
    assert not [k for k in samples if ("operation", "practitionerProfileX") in k[1]]
    assert any(
        name == "hmsdesk_request_duration_seconds_count"
        and ("operation", "practitionerProfile") in labels
        for name, labels in samples
    )


async def test_http_level_errors_are_counted_with_their_code(http: Any) -> None:
    before = _value(
        "hmsdesk_requests_total", operation="other", status="400", code="BAD_USER_INPUT"
    )
    errors_before = _value("hmsdesk_graphql_errors_total", operation="other", code="BAD_USER_INPUT")
    await http.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert (
        _value("hmsdesk_requests_total", operation="other", status="400", code="BAD_USER_INPUT")
        == before + 1
    )
    assert (
        _value("hmsdesk_graphql_errors_total", operation="other", code="BAD_USER_INPUT")
        == errors_before + 1
    )


async def test_scraping_needs_an_allowed_network_or_the_token(app_client: AppClient) -> None:
    token = "metrics-token-0123456789abcdef"
    async with app_client(client=("203.0.113.9", 4000), metrics_token=token) as outside:
        assert (await outside.get("/metrics")).status_code == 404
        wrong = await outside.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 404
        right = await outside.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert right.status_code == 200 and "hmsdesk_requests_total" in right.text
    async with app_client(client=("10.2.3.4", 4000), metrics_allow_from=("10.0.0.0/8",)) as inside:
        assert (await inside.get("/metrics")).status_code == 200
    async with app_client(client=("127.0.0.1", 4000), metrics_allow_from=()) as nobody:
        assert (await nobody.get("/metrics")).status_code == 404


async def test_partner_calls_outcomes_and_breaker_state() -> None:
    running = await start_sandbox("127.0.0.1", 0)
    client = await PracticeClient.open(upstream_settings(running, breaker_failure_threshold=2))
    try:
        ok_before = _value("hmsdesk_upstream_calls_total", service="practice", outcome="ok")
        await client.slots([1], date(2026, 11, 25), 1)
        assert (
            _value("hmsdesk_upstream_calls_total", service="practice", outcome="ok")
            == ok_before + 1
        )
        assert _value("hmsdesk_upstream_breaker_state", service="practice") == 0
        await running.close()
        failed_before = _value(
            "hmsdesk_upstream_calls_total", service="practice", outcome="unavailable"
        )
        for _ in range(2):
            with pytest.raises((ConnectionFailed, CircuitOpen)):
                await client.slots([1], date(2026, 11, 25), 1)
        assert (
            _value("hmsdesk_upstream_calls_total", service="practice", outcome="unavailable")
            > failed_before
        )
        assert _value("hmsdesk_upstream_breaker_state", service="practice") == 2
        assert _value("hmsdesk_upstream_call_duration_seconds_count", service="practice") >= 2
    finally:
        await client.close()


async def test_rate_limit_refusals_and_dropped_events_are_counted() -> None:
    before = _value("hmsdesk_rate_limited_total", limiter="contact_reveals")
    settings = base_settings(contact_reveals_per_hour=1)
    limits = RateLimits.open(settings, await SharedState.open(settings))
    assert await limits.hit(Limit.CONTACT_REVEALS, "viewer-1") is None
    assert await limits.hit(Limit.CONTACT_REVEALS, "viewer-1") is not None
    assert _value("hmsdesk_rate_limited_total", limiter="contact_reveals") == before + 1

    dropped_before = _value("hmsdesk_listing_events_dropped_total")
    recorder = EventRecorder(capacity=1)
    event = ListingEvent(EventKind.IMPRESSION, TargetKind.PRACTITIONER, 1)
    recorder.record([event, event, event])
    assert _value("hmsdesk_listing_events_dropped_total") == dropped_before + 2


async def test_slot_cache_hits_and_misses_are_counted() -> None:
    running = await start_sandbox("127.0.0.1", 0)
    client = await PracticeClient.open(upstream_settings(running, availability_cache_ttl_s=60))
    hits = ("hmsdesk_cache_lookups_total", {"cache": "availability_slots", "result": "hit"})
    misses = ("hmsdesk_cache_lookups_total", {"cache": "availability_slots", "result": "miss"})
    try:
        hits_before, misses_before = _value(hits[0], **hits[1]), _value(misses[0], **misses[1])
        await client.slots([1, 2], date(2026, 11, 25), 1)  # both fetched
        await client.slots([1, 2, 3], date(2026, 11, 25), 1)  # 1 and 2 cached, 3 fetched
        assert _value(hits[0], **hits[1]) == hits_before + 2
        assert _value(misses[0], **misses[1]) == misses_before + 3
    finally:
        await client.close()
        await running.close()


async def test_feed_ingest_outcomes_are_counted(world: World) -> None:
    def runs(outcome: str) -> float:
        return _value("hmsdesk_feed_ingest_runs_total", outcome=outcome)

    before = {o: runs(o) for o in ("SUCCEEDED", "NOT_MODIFIED", "FAILED")}
    feed = await world.feed("ruby-hall-clinic", "json")
    await world.ingest()  # fetched and applied
    await world.ingest()  # the sandbox answers 304
    await models.Feed.filter(id=feed.pk).update(url="ftp://nope/feed")
    await world.ingest()  # refused before any fetch
    assert {o: runs(o) - before[o] for o in before} == {
        "SUCCEEDED": 1,
        "NOT_MODIFIED": 1,
        "FAILED": 1,
    }


MULTIPROC_CHILD = """
import sys
from hmsdesk_graph.ops import metrics
record = metrics.RequestRecord(operation="practitionerProfile")
for _ in range(int(sys.argv[1])):
    metrics.observe_request(record, 200, 0.01, 3)
"""

MULTIPROC_SCRAPE = """
from hmsdesk_graph.ops import metrics
from hmsdesk_graph.config import load_settings
print(metrics.exposition(load_settings()).decode())
"""


def test_several_processes_report_together(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HMSDESK_")}
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path)
    for count in ("2", "3"):  # two "workers"
        subprocess.run(
            [sys.executable, "-c", MULTIPROC_CHILD, count], env=env, check=True, timeout=60
        )
    scrape = subprocess.run(
        [sys.executable, "-c", MULTIPROC_SCRAPE],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    samples = _samples(scrape.stdout)
    key = (
        "hmsdesk_requests_total",
        (("code", "none"), ("operation", "practitionerProfile"), ("status", "200")),
    )
    assert samples[key] == 5


@pytest.mark.backend("postgres", reason="serve refuses several workers on SQLite")
def test_uvicorn_workers_report_together(database_url: str, tmp_path: Path) -> None:
    """Two real `serve --workers 2` processes behind one port: one scrape counts every request."""
    import socket
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HMSDESK_")}
    env.update(
        {
            "HMSDESK_DATABASE_URL": database_url,
            "HMSDESK_ENV": "test",
            "HMSDESK_METRICS_TOKEN": "scrape-token-0123456789",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        }
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "hmsdesk_graph", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        time.sleep(1.0)  # let the second worker finish starting too
        for _ in range(30):  # a fresh connection each: the kernel spreads them over the workers
            response = httpx.post(
                f"{base}/graphql", json={"query": PROFILE, "variables": {"slug": "x"}}
            )
            assert response.status_code == 200
        scrape = httpx.get(
            f"{base}/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"}
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    samples = _samples(scrape.text)
    key = (
        "hmsdesk_requests_total",
        (("code", "NOT_FOUND"), ("operation", "practitionerProfile"), ("status", "200")),
    )
    assert samples[key] == 30
    assert len(list(tmp_path.glob("counter_*.db"))) >= 2  # both workers report into the directory

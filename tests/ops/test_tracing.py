"""Tracing (the `otel` extra): a span per request named by operation, SQL and partner children."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

# The test extra installs the otel extra's packages: a missing one fails here, never skips.
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

from hmsdesk_graph.config import load_settings
from hmsdesk_graph.ops import tracing
from hmsdesk_graph.sandbox import start_sandbox
from hmsdesk_graph.upstream import PracticeClient
from tests.conftest import GraphQLClient
from tests.factories import Dataset
from tests.partners import conftest as partner_fixtures
from tests.upstream.conftest import upstream_settings

ROOT = Path(__file__).resolve().parents[2]
PROFILE = (ROOT / "schema" / "operations" / "practitionerProfile.graphql").read_text("utf-8")
AVAILABILITY = """
query practitionerAvailability { practitioner(slug: "dr-asha-kulkarni") {
  name practices { nextAvailableSlot availability(days: 2) { date slots } } } }
"""
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
# The app wired to the partner sandbox, and the seeded search world (tests/partners).
settings = partner_fixtures.settings
dataset = partner_fixtures.dataset


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    assert tracing.setup(load_settings({}), provider)
    try:
        yield exporter
    finally:
        tracing.shutdown()
        provider.shutdown()


def test_off_unless_an_exporter_is_configured() -> None:
    assert not tracing.setup(load_settings({}))
    assert not tracing.setup(load_settings({"OTEL_TRACES_EXPORTER": "none"}))
    assert not tracing.setup(
        load_settings({"OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "true"})
    )
    assert not tracing.enabled()


async def test_request_span_named_by_operation_with_sql_children(
    spans: InMemorySpanExporter, gql: GraphQLClient
) -> None:
    response = await gql.post(
        PROFILE,
        {"slug": "nobody-at-all"},
        headers={"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"},
    )
    rid = response.headers["x-request-id"]
    finished = spans.get_finished_spans()
    (request,) = [s for s in finished if s.name == "graphql practitionerProfile"]
    assert format(request.context.trace_id, "032x") == TRACE_ID  # the caller's trace goes on
    assert request.attributes is not None
    assert request.attributes["hmsdesk.request_id"] == rid
    assert request.attributes["http.response.status_code"] == 200
    sql = [s for s in finished if s.name.startswith("SQL ")]
    assert sql and all(s.parent is not None for s in sql)
    assert all(s.parent.span_id == request.context.span_id for s in sql if s.parent)
    for span in sql:
        attributes: Any = span.attributes
        assert set(attributes) == {"db.system", "db.operation.name"}  # never the text
        assert "nobody" not in str(attributes)

    print(
        "\n".join(
            trace_tree([s for s in finished if s.context.trace_id == request.context.trace_id])
        )
    )
    await gql.post("query clientChosen9 { cities { slug } }")
    names = {s.name for s in spans.get_finished_spans()}
    assert "graphql other" in names and not any("clientChosen9" in n for n in names)


async def test_partner_calls_are_child_spans(spans: InMemorySpanExporter) -> None:
    running = await start_sandbox("127.0.0.1", 0)
    client = await PracticeClient.open(upstream_settings(running))
    try:
        with tracing.request_span("POST", {}) as parent:
            await client.slots([1], date(2026, 11, 25), 1)
    finally:
        await client.close()
        await running.close()
    (call,) = [s for s in spans.get_finished_spans() if s.name.startswith("practice ")]
    assert call.parent is not None and call.parent.span_id == parent.get_span_context().span_id
    attributes: Any = call.attributes
    assert attributes["peer.service"] == "practice"


def trace_tree(finished: Any) -> list[str]:
    """The finished spans as an indented tree, parents first (children in start order)."""
    children: dict[int | None, list[Any]] = {}
    ids = {span.context.span_id for span in finished}
    for span in sorted(finished, key=lambda s: s.start_time):
        parent = span.parent.span_id if span.parent and span.parent.span_id in ids else None
        children.setdefault(parent, []).append(span)
    lines: list[str] = []

    def walk(parent: int | None, depth: int) -> None:
        for span in children.get(parent, []):
            ms = (span.end_time - span.start_time) / 1e6
            attributes = dict(span.attributes or {})
            lines.append(f"{'  ' * depth}{span.name}  [{ms:.1f} ms] {attributes}")
            walk(span.context.span_id, depth + 1)

    walk(None, 0)
    return lines


async def test_one_request_is_one_tree_with_sql_and_partner_children(
    spans: InMemorySpanExporter, gql: GraphQLClient, dataset: Dataset
) -> None:
    # No committed operation asks for live slots, so this one is not committed: its span is
    # "graphql other", whatever name the client gave it.
    body = await gql.execute(AVAILABILITY)
    assert "errors" not in body, body.get("errors")
    finished = spans.get_finished_spans()
    (root,) = [s for s in finished if s.parent is None and s.name.startswith("graphql ")]
    assert root.name == "graphql other"
    tree = [s for s in finished if s.context.trace_id == root.context.trace_id]
    direct = {s.name for s in tree if s.parent and s.parent.span_id == root.context.span_id}
    assert "SQL SELECT" in direct and "practice POST" in direct
    assert all(s.parent is not None for s in tree if s is not root)  # nothing orphaned
    assert not any("kulkarni" in str(s.attributes) for s in tree)  # shapes, never values
    print("\n".join(trace_tree(tree)))  # the closing note's trace tree (pytest -s)

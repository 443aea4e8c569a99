"""fetch_feed: conditional GET with ETag / 304, size cap, typed failures."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest

from hmsdesk_graph.sandbox import RunningSandbox
from hmsdesk_graph.upstream import (
    ConnectionFailed,
    Limits,
    RequestRejected,
    ResponseTooLarge,
    fetch_feed,
    open_feed_session,
)
from tests.upstream.conftest import upstream_settings


@pytest.fixture
async def session(sandbox: RunningSandbox) -> AsyncIterator[aiohttp.ClientSession]:
    async with open_feed_session(upstream_settings(sandbox)) as opened:
        yield opened


async def test_json_feed_then_not_modified(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    url = f"{sandbox.url}/feeds/ruby-hall-clinic.json"
    fresh = await fetch_feed(session, url, None)
    assert not fresh.not_modified
    assert fresh.format == "json"
    assert fresh.etag is not None and fresh.etag.startswith('"')
    rows = orjson.loads(fresh.body)["rows"]
    assert {"SURGERY_PACKAGE", "ROOM_RENT", "CONSULTATION"} <= {row["kind"] for row in rows}

    again = await fetch_feed(session, url, fresh.etag)
    assert again.not_modified
    assert again.body == b""
    assert again.etag == fresh.etag
    assert sandbox.calls["feeds"] == 2


async def test_csv_feed_has_its_own_etag_and_a_new_one_after_a_change(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    url = f"{sandbox.url}/feeds/metropolis-lab.csv"
    fresh = await fetch_feed(session, url, None)
    assert fresh.format == "csv"
    rows = list(csv.DictReader(io.StringIO(fresh.body.decode())))
    assert rows and {row["kind"] for row in rows} <= {"LAB_TEST", "HEALTH_PACKAGE"}
    json_etag = (await fetch_feed(session, f"{sandbox.url}/feeds/metropolis-lab.json", None)).etag
    assert json_etag != fresh.etag

    async with session.post(f"{sandbox.url}/_control/feeds/metropolis-lab/bump") as response:
        assert response.status == 200
    changed = await fetch_feed(session, url, fresh.etag)
    assert not changed.not_modified
    assert changed.etag != fresh.etag


async def test_feed_failures_are_typed(
    session: aiohttp.ClientSession, sandbox: RunningSandbox
) -> None:
    url = f"{sandbox.url}/feeds/ruby-hall-clinic.json"
    sandbox.faults.feeds.truncated = True
    with pytest.raises(ConnectionFailed):
        await fetch_feed(session, url, None)
    sandbox.faults.feeds.truncated = False

    with pytest.raises(RequestRejected):
        await fetch_feed(session, f"{sandbox.url}/feeds/Not_A_Slug.json", None)

    sandbox.faults.feeds.oversized = True
    small = Limits(connect_s=0.3, read_s=0.5, total_s=1.0, max_bytes=32 * 1024, max_attempts=3)
    with pytest.raises(ResponseTooLarge) as caught:
        await fetch_feed(session, url, None, limits=small)
    assert caught.value.message == "The partner price feed is unavailable right now."
    assert sandbox.url not in caught.value.message


async def test_only_http_urls(session: aiohttp.ClientSession) -> None:
    with pytest.raises(ValueError):
        await fetch_feed(session, "file:///etc/passwd", None)

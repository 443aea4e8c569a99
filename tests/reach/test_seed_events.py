"""Seeded Reach data: 90 days of daily stats, the last day's raw events, consistent campaigns.

The rollup over the seeded raw events must give back exactly the seeded stats, and the
partner dashboard must answer from them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from typing import Any

import pytest
from tortoise import connections

from hmsdesk_graph.api.root import build_schema
from hmsdesk_graph.config import Settings
from hmsdesk_graph.context import Context
from hmsdesk_graph.db.connection import close_database, open_database
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.identity.auth import Role, Viewer
from hmsdesk_graph.reach.clock import IST
from hmsdesk_graph.reach.placement import day_allowance
from hmsdesk_graph.seed import seed_database
from hmsdesk_graph.seed.clock import day
from hmsdesk_graph.workers.rollup import rollup
from tests.conftest import DatabaseFactory, base_settings
from tests.reach.test_dashboard import OVERVIEW


async def query(sql: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await connections.get("default").execute_query_dict(sql)
    return rows


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def _stats() -> list[tuple[Any, ...]]:
    rows = await query(
        "SELECT day, kind, target_kind, target_id, campaign_id, channel, city_id, count,"
        " position_sum, position_count FROM daily_stat"
    )
    return sorted((_day(r.pop("day")), *r.values()) for r in rows)


@pytest.fixture(scope="module")
def seeded_settings(database_factory: DatabaseFactory) -> Iterator[Settings]:
    settings = base_settings(database_url=database_factory.new("reach-seeded"))

    async def seed() -> None:
        await open_database(settings)
        try:
            await seed_database("small", 42, FieldCipher(settings.field_encryption_key), False)
        finally:
            await close_database()

    asyncio.run(seed())
    yield settings


@pytest.fixture
async def seeded(seeded_settings: Settings) -> AsyncIterator[Settings]:
    await open_database(seeded_settings)
    try:
        yield seeded_settings
    finally:
        await close_database()


async def test_ninety_days_of_stats_and_the_last_days_raw_events(seeded: Settings) -> None:
    (span,) = await query("SELECT MIN(day) AS lo, MAX(day) AS hi FROM daily_stat")
    assert (_day(span["lo"]), _day(span["hi"])) == (day(-90), day(-1))
    events = await query("SELECT occurred_at FROM listing_event")
    days = {_ist_day(r["occurred_at"]) for r in events}
    assert days == {day(-1)}
    kinds = {r["kind"] for r in await query("SELECT DISTINCT kind FROM daily_stat")}
    assert kinds == {
        "IMPRESSION", "SPONSORED_IMPRESSION", "PROFILE_VIEW", "CONTACT_REVEAL",
        "BOOKING_REQUESTED", "BOOKING_HONOURED",
    }  # fmt: skip
    # Events only for partners' listings.
    orphans = await query(
        "SELECT COUNT(*) AS n FROM daily_stat s WHERE NOT EXISTS ("
        " SELECT 1 FROM practitioner p WHERE s.target_kind = 'PRACTITIONER'"
        " AND p.id = s.target_id AND p.partner_id IS NOT NULL"
        " UNION ALL SELECT 1 FROM hospital h WHERE s.target_kind = 'HOSPITAL'"
        " AND h.id = s.target_id AND h.partner_id IS NOT NULL"
        " UNION ALL SELECT 1 FROM diagnostic_center c WHERE s.target_kind = 'DIAGNOSTIC_CENTER'"
        " AND c.id = s.target_id AND c.partner_id IS NOT NULL)"
    )
    assert orphans[0]["n"] == 0


def _ist_day(value: Any) -> date:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(IST).date()


async def test_rollup_over_the_seeded_events_gives_the_seeded_stats(seeded: Settings) -> None:
    seeded_stats = await _stats()
    report = await rollup()
    assert (report.first, report.last, report.days) == (day(-1), day(-1), 1)
    assert await _stats() == seeded_stats


async def test_campaign_delivery_matches_the_stats_and_the_pace(seeded: Settings) -> None:
    campaigns = await query(
        "SELECT id, committed_impressions AS committed, delivered_impressions AS delivered,"
        " starts_on, ends_on FROM campaign"
    )
    sums = {
        int(r["cid"]): int(r["n"])
        for r in await query(
            "SELECT campaign_id AS cid, SUM(count) AS n FROM daily_stat"
            " WHERE kind = 'SPONSORED_IMPRESSION' GROUP BY campaign_id"
        )
    }
    assert sums and campaigns
    for c in campaigns:
        starts, ends = _day(c["starts_on"]), _day(c["ends_on"])
        in_window = sums.get(int(c["id"]), 0)
        assert c["delivered"] <= c["committed"]
        assert c["delivered"] <= day_allowance(c["committed"], starts, ends, day(-1))
        if starts >= day(-90):
            assert c["delivered"] == in_window  # the whole life is inside the window
        else:
            assert c["delivered"] >= in_window


async def test_a_seeded_partner_dashboard_answers(seeded: Settings) -> None:
    (partner,) = await query(
        "SELECT c.partner_id AS id FROM campaign c WHERE c.status = 'ACTIVE' ORDER BY c.id LIMIT 1"
    )
    viewer = Viewer(Role.PARTNER, "partner:seeded", partner_id=int(partner["id"]))
    result = await build_schema(seeded).execute(
        OVERVIEW,
        variable_values={"from": day(-90).isoformat(), "to": day(-1).isoformat()},
        context_value=Context.for_settings(seeded, viewer=viewer),
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    reach = result.data["reach"]
    assert reach["days"] == 90 and len(reach["daily"]) == 90
    assert reach["totals"]["impressions"] > 0 and reach["campaigns"]
    assert (
        sum(d["funnel"]["profileViews"] for d in reach["daily"]) == reach["totals"]["profileViews"]
    )

"""The partner dashboard: exact own numbers (cross-checked against raw events), nobody else's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import EventKind, PractitionerStatus, ReviewStatus, TargetKind
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.reach.clock import IST, today_ist
from hmsdesk_graph.workers.rollup import rollup
from tests.conftest import GraphQLClient
from tests.reach.conftest import Viewers, codes, run
from tests.reach.expected import FIELDS, by_day, by_key, funnel_of, raw_events
from tests.reach.world import ReachWorld, day_range, synthetic_events

OPERATIONS = Path(__file__).resolve().parents[2] / "schema" / "operations"
OVERVIEW = (OPERATIONS / "reachDashboardOverview.graphql").read_text(encoding="utf-8")
ENTITY = (OPERATIONS / "reachDashboardEntity.graphql").read_text(encoding="utf-8")
NODE = {
    TargetKind.PRACTITIONER: "Practitioner",
    TargetKind.HOSPITAL: "Hospital",
    TargetKind.DIAGNOSTIC_CENTER: "DiagnosticCenter",
}


def _gid(key: tuple[TargetKind, int]) -> str:
    return str(to_global_id(NODE[key[0]], key[1]))


async def _activity(gql: GraphQLClient, app: Any, world: ReachWorld, days: int = 30) -> None:
    """Synthetic events over `days`, plus real searches and profile views, all flushed."""
    app.state.events.record(synthetic_events(world, days))
    search = 'query { searchPractitioners(city: "pune", query: "cardiologist") { totalCount } }'
    for _ in range(2):
        assert "errors" not in await gql.execute(search)
    profile = "query($s: String!) { practitioner(slug: $s) { id } }"
    assert "errors" not in await gql.execute(profile, {"s": world.ds.profile_slug})
    assert "errors" not in await gql.execute(
        "query($s: String!) { hospital(slug: $s) { id } }", {"s": world.ds.hospital_slug}
    )
    await app.state.events.flush()


async def _overview(
    gql: GraphQLClient, headers: dict[str, str], first: date, last: date
) -> dict[str, Any]:
    variables = {"from": first.isoformat(), "to": last.isoformat(), "first": 100}
    body = await run(gql, OVERVIEW, variables, headers)
    assert "errors" not in body, body["errors"]
    return body


def _funnel(node: dict[str, Any]) -> dict[str, Any]:
    return {k: node[k] for k in [*FIELDS.values(), "impressions", "clickThroughRate",
                                 "conversionRate", "averagePosition"]}  # fmt: skip


async def _check_overview(gql: GraphQLClient, viewers: Viewers, world: ReachWorld) -> None:
    first, last = day_range(30)
    body = await _overview(gql, viewers.x, first, last)
    reach = body["data"]["reach"]
    events = await raw_events(world.x_keys, first, last)
    assert events, "the activity produced no events for partner X"
    assert _funnel(reach["totals"]) == funnel_of(events)
    per_entity = by_key(events)
    nodes = [e["node"] for e in reach["entities"]["edges"]]
    assert reach["entities"]["totalCount"] == len(world.x_keys) == len(nodes)
    assert {n["id"] for n in nodes} == {_gid(k) for k in world.x_keys}
    for node in nodes:
        key = next(k for k in world.x_keys if _gid(k) == node["id"])
        assert _funnel(node["funnel"]) == funnel_of(per_entity.get(key, [])), node["slug"]
    daily = by_day(events)
    assert [d["day"] for d in reach["daily"]] == [
        (first + timedelta(days=i)).isoformat() for i in range(30)
    ]
    for entry in reach["daily"]:
        expected = funnel_of(daily.get(date.fromisoformat(entry["day"]), []))
        assert entry["funnel"] == {k: expected[k] for k in entry["funnel"]}
    # Campaigns: only X's; delivered over life and within the range, from the raw events.
    (campaign,) = reach["campaigns"]
    assert campaign["name"] == "Cardiology in Kothrud"
    sponsored = await models.ListingEvent.filter(
        kind=EventKind.SPONSORED_IMPRESSION, campaign_id=world.x_campaign
    )
    assert campaign["deliveredImpressions"] == len(sponsored)
    in_range = [e for e in sponsored if first <= e.occurred_at.astimezone(IST).date() <= last]
    assert campaign["deliveredInRange"] == len(in_range)
    assert campaign["provider"] == {
        "__typename": "Practitioner",
        "slug": world.ds.profile_slug,
        "name": "Dr. Asha Kulkarni",
    }
    assert campaign["pacing"]["state"] == "BEHIND"  # a handful of 200,000 impressions
    assert campaign["zone"] == "pune-west" and campaign["city"]["slug"] == "pune"


async def test_partner_sees_exactly_its_own_numbers(
    gql: GraphQLClient, app: Any, world: ReachWorld, viewers: Viewers
) -> None:
    await _activity(gql, app, world)
    assert await models.ListingEvent.filter(kind=EventKind.PROFILE_VIEW, target_id=1000).exists()
    await _check_overview(gql, viewers, world)
    # The full recompute from raw events gives the same numbers as the incremental flushes.
    before = await models.DailyStat.all().order_by("id").values()
    report = await rollup()
    assert report.days >= 30
    after = await models.DailyStat.all().values()
    strip = {"id"}
    assert sorted(
        tuple(sorted((k, v) for k, v in r.items() if k not in strip)) for r in before
    ) == sorted(tuple(sorted((k, v) for k, v in r.items() if k not in strip)) for r in after)
    await _check_overview(gql, viewers, world)


async def test_entity_page_matches_raw_events(
    gql: GraphQLClient, app: Any, world: ReachWorld, viewers: Viewers
) -> None:
    await _activity(gql, app, world, days=10)
    first, last = day_range(10)
    key = (TargetKind.PRACTITIONER, 1000)
    variables = {"id": _gid(key), "from": first.isoformat(), "to": last.isoformat()}
    body = await run(gql, ENTITY, variables, viewers.x)
    assert "errors" not in body, body["errors"]
    entity = body["data"]["reach"]["entity"]
    events = await raw_events([key], first, last)
    assert _funnel(entity["funnel"]) == funnel_of(events)
    daily = by_day(events)
    for entry in entity["daily"]:
        assert _funnel(entry["funnel"]) == funnel_of(
            daily.get(date.fromisoformat(entry["day"]), [])
        )
    assert [c["name"] for c in entity["campaigns"]] == ["Cardiology in Kothrud"]
    # Another partner's listing, a missing one and a malformed ID.
    other = {**variables, "id": _gid((TargetKind.PRACTITIONER, 2000))}
    body = await run(gql, ENTITY, other, viewers.x)
    assert codes(body) == ["NOT_FOUND"] and body["data"]["reach"]["entity"] is None
    missing = await run(
        gql, ENTITY, {**variables, "id": _gid((TargetKind.HOSPITAL, 999))}, viewers.x
    )
    assert codes(missing) == ["NOT_FOUND"]
    assert body["errors"][0]["message"] == missing["errors"][0]["message"]
    bad = await run(gql, ENTITY, {**variables, "id": "nope"}, viewers.x)
    assert codes(bad) == ["BAD_USER_INPUT"]


async def test_partner_y_sees_only_its_own(
    gql: GraphQLClient, app: Any, world: ReachWorld, viewers: Viewers
) -> None:
    await _activity(gql, app, world)
    first, last = day_range(30)
    reach = (await _overview(gql, viewers.y, first, last))["data"]["reach"]
    assert reach["partner"]["slug"] == "bandra-care"
    assert {e["node"]["id"] for e in reach["entities"]["edges"]} == {_gid(k) for k in world.y_keys}
    assert _funnel(reach["totals"]) == funnel_of(await raw_events(world.y_keys, first, last))
    assert [c["name"] for c in reach["campaigns"]] == ["Bandra clinic"]


async def test_only_partners_open_a_dashboard_and_ranges_are_checked(
    gql: GraphQLClient, world: ReachWorld, viewers: Viewers
) -> None:
    query = "query($f: Date!, $t: Date!) { reach(from: $f, to: $t) { days } }"
    today = today_ist()  # the app counts days in IST
    ok = {"f": (today - timedelta(days=365)).isoformat(), "t": today.isoformat()}
    assert (await run(gql, query, ok, viewers.x))["data"]["reach"]["days"] == 366
    assert codes(await run(gql, query, ok, viewers.anonymous)) == ["UNAUTHENTICATED"]
    for viewer in (viewers.patient, viewers.staff):
        assert codes(await run(gql, query, ok, viewer)) == ["FORBIDDEN"]
    too_long = {**ok, "f": (today - timedelta(days=366)).isoformat()}
    body = await run(gql, query, too_long, viewers.x)
    assert codes(body) == ["BAD_USER_INPUT"] and "367 days" in body["errors"][0]["message"]
    backwards = {"f": ok["t"], "t": ok["f"]}
    assert codes(await run(gql, query, backwards, viewers.x)) == ["BAD_USER_INPUT"]


async def test_reputation_and_data_quality_are_the_partners_own(
    gql: GraphQLClient, app: Any, world: ReachWorld, viewers: Viewers
) -> None:
    today = datetime.now(IST).date()
    soon, gone = today + timedelta(days=20), today - timedelta(days=3)
    await models.Hospital.filter(id=world.ds.hospital_id).update(
        accreditations=[
            {"name": "NABH", "validUntil": soon.isoformat()},
            {"name": "JCI", "validUntil": gone.isoformat()},
            {"name": "ISO", "validUntil": (today + timedelta(days=200)).isoformat()},
        ]
    )
    await models.Practitioner.filter(id=1019).update(status=PractitionerStatus.EXPIRED)
    first, last = day_range(60)
    reach = (await _overview(gql, viewers.x, first, last))["data"]["reach"]
    quality = reach["dataQuality"]
    assert quality["expiringAccreditations"] == [
        {"listing": "Aarogya Hospital Kothrud", "name": "JCI", "validUntil": gone.isoformat(),
         "expired": True},
        {"listing": "Aarogya Hospital Kothrud", "name": "NABH", "validUntil": soon.isoformat(),
         "expired": False},
    ]  # fmt: skip
    assert quality["expiredPractitioners"] == [{"name": "Dr. Doctor 019", "slug": "dr-doctor-019"}]
    packages = [
        p for p in await models.PricePackage.all()
        if (p.practitioner_id in range(1000, 1020)) or p.hospital_id == world.ds.hospital_id
        or p.diagnostic_center_id == world.ds.center_id
    ]  # fmt: skip
    now = datetime.now(UTC)
    stale = [
        p for p in packages
        if (p.valid_until is not None and p.valid_until < now)
        or (p.fetched_at is not None and now - p.fetched_at > timedelta(days=30))
    ]  # fmt: skip
    assert quality["prices"] == len(packages) and quality["stalePrices"] == len(stale) > 0
    # Reputation straight from the review rows of X's listings.
    reviews = [
        r for r in await models.Review.all()
        if r.practitioner_id in range(1000, 1020) or r.hospital_id == world.ds.hospital_id
        or r.diagnostic_center_id == world.ds.center_id
    ]  # fmt: skip
    published = [
        r for r in reviews if r.status is ReviewStatus.PUBLISHED
        and first <= r.created_at.astimezone(IST).date() <= last
    ]  # fmt: skip
    rep = reach["reputation"]
    assert rep["reviews"] == len(published) > 10
    mean = Decimal(sum(r.rating for r in published)) / len(published)
    assert rep["averageRating"] == str(mean.quantize(Decimal("0.01"), ROUND_HALF_UP))
    recommend = Decimal(100 * sum(r.recommend for r in published)) / len(published)
    assert rep["recommendPercent"] == int(recommend.quantize(Decimal(1), ROUND_HALF_UP))
    assert rep["replyRate"] == round(sum(1 for r in published if r.reply_text) / len(published), 4)
    waiting = [
        r for r in reviews
        if r.status in (ReviewStatus.PENDING, ReviewStatus.PUBLISHED) and not r.reply_text
    ]  # fmt: skip
    assert rep["awaitingReply"] == len(waiting)
    assert sum(w["reviews"] for w in rep["weekly"]) == len(published)
    assert all(date.fromisoformat(w["weekStarting"]).weekday() == 0 for w in rep["weekly"])


async def test_committed_partner_operations_run_with_a_partner_token(
    gql: GraphQLClient, world: ReachWorld, viewers: Viewers
) -> None:
    from tests.graph.test_profiles import PARTNER_OPERATIONS, _variables

    assert {p.stem for p in OPERATIONS.glob("reach*.graphql")} == PARTNER_OPERATIONS
    for name in sorted(PARTNER_OPERATIONS):
        document = (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")
        body = await run(gql, document, _variables(name, world.ds), viewers.x)
        assert "errors" not in body, (name, body.get("errors"))
        assert body["data"]["reach"] is not None
        # Anonymously the dashboard is refused (so test_profiles skips these two).
        assert codes(await run(gql, document, _variables(name, world.ds), {})) == [
            "UNAUTHENTICATED"
        ]

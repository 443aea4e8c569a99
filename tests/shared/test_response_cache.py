"""The response cache for public reads: personal answers never kept, public answers HIT with
their listing events recorded again, writes (mutations and background jobs) invalidate at
once, sponsored search screens are never served from the cache. Each case runs in-process
and on the real Redis (tests/shared/conftest.py)."""

from __future__ import annotations

from collections import Counter, OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import parse
from prometheus_client import REGISTRY

from hmsdesk_graph.api.root import build_schema
from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.db.enums import (
    CampaignStatus,
    EventKind,
    ReviewStatus,
    TargetKind,
)
from hmsdesk_graph.db.statements import StatementCounter, counting
from hmsdesk_graph.http.persisted import default_manifest_path, load_manifest
from hmsdesk_graph.http.response_cache import HEADER
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import from_global_id
from hmsdesk_graph.reach.placement import ROTATION
from hmsdesk_graph.shared import tag_versions
from hmsdesk_graph.shared.cache_policy import Tag, policy_for
from hmsdesk_graph.shared.tag_versions import bump, read_versions
from hmsdesk_graph.workers.review_publishing import publish_due_reviews
from tests.factories import Dataset
from tests.privacy.people import build_people

pytestmark = pytest.mark.shared_settings(cache_status_header=True)

MANIFEST = {e.name: e.body for e in load_manifest(default_manifest_path()).values()}
PROFILE = MANIFEST["practitionerProfile"]
HOSPITAL = MANIFEST["hospitalProfile"]
SEARCH = MANIFEST["webSearchPractitioners"]
ME = "query Me { me { name phone email appointments(first: 5) { totalCount } } }"


async def _post(
    http: Any, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


async def _cache_keys(app: Any) -> list[str]:
    shared = app.state.shared
    pattern = shared.key("rc", "")
    if shared.redis is None:
        return [k for k in app.state.response_cache._local if k.startswith(pattern)]
    return [k.decode() async for k in shared.redis.scan_iter(match=pattern + "*")]


async def _stored_values(app: Any) -> str:
    cache = app.state.response_cache
    entries = [await cache.stored(k) for k in await _cache_keys(app)]
    return " ".join(e.dump().decode() for e in entries if e is not None)


def _lookups(result: str) -> float:
    value = REGISTRY.get_sample_value(
        "hmsdesk_cache_lookups_total", {"cache": "response", "result": result}
    )
    return value or 0.0


async def _events(app: Any, kind: EventKind) -> int:
    await app.state.events.flush()
    return await models.ListingEvent.filter(kind=kind).count()


async def _campaign(dataset: Dataset, target: int, committed: int) -> models.Campaign:
    """A running campaign in Pune promoting `target`, written straight to the database."""
    partner = await models.Partner.first()
    assert partner is not None
    today = datetime.now(UTC).date()
    return await models.Campaign.create(
        partner_id=partner.pk,
        name=f"Cache test {target}",
        target_kind=TargetKind.PRACTITIONER,
        target_id=target,
        city_id=dataset.city_ids["pune"],
        committed_impressions=committed,
        delivered_impressions=0,
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=30),
        status=CampaignStatus.ACTIVE,
    )


def test_the_policy_keeps_only_public_documents() -> None:
    schema = build_schema()._schema

    def cacheable(document: str) -> bool:
        return policy_for(schema, parse(document)).cacheable

    assert {name: cacheable(body) for name, body in MANIFEST.items()} == {
        "labTestPriceComparison": True,
        "practitionerProfile": True,
        "hospitalProfile": True,
        "diagnosticCenterProfile": True,
        "webSearchPractitioners": True,  # kept unless a campaign could fill a slot (runtime)
        "mobileSearchPractitioners": True,
        "searchList": True,
        "hospitalListing": True,
        "reachDashboardOverview": False,
        "reachDashboardEntity": False,
    }
    for personal in (
        ME,
        '{ patient(id: "x") { name } }',
        '{ node(id: "x") { id } }',
        '{ nodes(ids: ["x"]) { id } }',
        "{ partnerAppointments { totalCount } }",
        "{ auditLog { totalCount } }",
        '{ localityBenchmarks(city: "pune", specialty: "x") { rating } }',
        '{ practitioner(slug: "x") { practices { nextAvailableSlot } } }',
        '{ practitioner(slug: "x") { practices { availability(days: 2) { date } } } }',
        "{ __schema { types { name } } }",
        "subscription { x }",
    ):
        assert not cacheable(personal), personal
    mutation = policy_for(
        schema, parse('mutation { revealContactNumber(practitionerRoleId: "x") { number } }')
    )
    assert mutation.mutation and not mutation.cacheable and mutation.tags == frozenset()
    unknown = policy_for(schema, parse("mutation { moderateReview(reviewId: 1, action: X) }"))
    assert unknown.tags == {Tag.REVIEW}


async def test_personal_answers_are_never_cached(
    app: Any, http: Any, dataset: Dataset, settings: Settings
) -> None:
    people = await build_people(dataset, FieldCipher(settings.field_encryption_key))
    tokens = TokenService(settings)
    patient = tokens.mint(Role.PATIENT, patient_id=people.a.id)
    partner = tokens.mint(Role.PARTNER, partner_id=people.partner_x)
    for _ in range(2):
        me = await _post(http, ME, token=patient)
        assert me.json()["data"]["me"]["phone"] == people.a.phone
        assert HEADER not in me.headers  # never even looked up
        mine = await _post(http, "{ partnerAppointments { totalCount } }", token=partner)
        assert mine.json()["data"]["partnerAppointments"]["totalCount"] >= 1
        assert HEADER not in mine.headers
    # A public profile read by the same patient is cached, with nothing of theirs in it.
    for expected in ("MISS", "HIT"):
        answer = await _post(http, PROFILE, {"slug": dataset.profile_slug}, patient)
        assert answer.headers[HEADER] == expected
    stored = await _stored_values(app)
    assert len(await _cache_keys(app)) == 1
    for secret in (people.a.name, people.a.phone, people.a.email, people.b.phone):
        assert secret not in stored
    # A patient's and an anonymous viewer's copies are kept apart (viewer class in the key).
    assert (await _post(http, PROFILE, {"slug": dataset.profile_slug})).headers[HEADER] == "MISS"


async def test_a_public_profile_hits_and_still_counts_every_view(
    app: Any, http: Any, dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    # However slow this machine, the snapshot the first request takes serves the third.
    monkeypatch.setattr(tag_versions, "FRESH_S", 600.0)
    app.state.compiled.reference.recheck_s = 3600.0  # the worker's catalogue rows, read once
    hits, misses = _lookups("hit"), _lookups("miss")
    variables = {"slug": dataset.profile_slug}
    first = await _post(http, PROFILE, variables)
    assert first.headers[HEADER] == "MISS" and first.json()["extensions"]["cache"] == "MISS"
    second = await _post(http, PROFILE, {**variables, "reviewsAfter": None})
    assert second.headers[HEADER] == "MISS"  # another variables object: another entry
    third = await _post(http, PROFILE, {"slug": dataset.profile_slug})
    assert third.headers[HEADER] == "HIT" and third.json()["extensions"]["cache"] == "HIT"
    assert third.json()["data"] == first.json()["data"]
    # A hit reads no table: the tag versions come from this process's snapshot (dropped by
    # its own writes, read again after FRESH_S), which the first request has just taken.
    assert third.json()["extensions"]["sqlStatements"] == 0
    # Execution alone, as uncached (the first request also read the worker's catalogue).
    assert second.json()["extensions"]["sqlStatements"] == 3
    assert await _events(app, EventKind.PROFILE_VIEW) == 3  # the hit's view is counted too
    assert (_lookups("hit") - hits, _lookups("miss") - misses) == (1, 2)


async def test_a_write_through_the_api_invalidates_at_once(
    app: Any, http: Any, dataset: Dataset, settings: Settings
) -> None:
    people = await build_people(dataset, FieldCipher(settings.field_encryption_key))
    a = TokenService(settings).mint(Role.PATIENT, patient_id=people.a.id)
    variables = {"slug": dataset.hospital_slug}
    for expected in ("MISS", "HIT"):
        answer = await _post(http, HOSPITAL, variables)
        assert answer.headers[HEADER] == expected
        assert "Ananya D." in answer.text
    deactivated = await _post(
        http, "mutation { deactivateMyAccount(confirm: true) { deactivated } }", token=a
    )
    assert deactivated.json()["data"]["deactivateMyAccount"]["deactivated"] is True
    after = await _post(http, HOSPITAL, variables)
    assert after.headers[HEADER] == "MISS"
    assert "Ananya" not in after.text  # the name left every cached copy with the write


async def test_background_writers_invalidate(app: Any, http: Any, dataset: Dataset) -> None:
    variables = {"slug": dataset.profile_slug}
    before = await _post(http, PROFILE, variables)
    assert (await _post(http, PROFILE, variables)).headers[HEADER] == "HIT"
    role = await models.PractitionerRole.filter(practitioner_id=dataset.profile_id).first()
    assert role is not None
    patient = await models.Patient.create(name_ciphertext="x")
    appointment = await models.Appointment.create(
        patient_id=patient.pk,
        role_id=role.pk,
        visit_kind="CONSULTATION",
        slot_start=datetime.now(UTC) - timedelta(days=5),
        status="HONOURED",
        idempotency_key="cache-test",
    )
    pending = await models.Review.create(
        appointment_id=appointment.pk,
        patient_id=patient.pk,
        target_kind=TargetKind.PRACTITIONER,
        practitioner_id=dataset.profile_id,
        rating=1,
        recommend=False,
        text="Published by the scheduled job.",
        anonymous=True,
        author_display_name="Verified patient",
        status=ReviewStatus.PENDING,
        created_at=datetime.now(UTC) - timedelta(days=4),
    )
    # A direct insert is no write path: the cached answer stands until the job publishes.
    assert (await _post(http, PROFILE, variables)).headers[HEADER] == "HIT"
    versions = await read_versions([Tag.REVIEW])
    report = await publish_due_reviews(timedelta(hours=72))
    assert pending.pk in report.published
    assert (await read_versions([Tag.REVIEW]))[Tag.REVIEW] == versions[Tag.REVIEW] + 1
    after = await _post(http, PROFILE, variables)
    assert after.headers[HEADER] == "MISS"
    count = after.json()["data"]["practitioner"]["reviewSummary"]["count"]
    published = await models.Review.filter(
        practitioner_id=dataset.profile_id, status=ReviewStatus.PUBLISHED
    ).count()
    assert count == published > before.json()["data"]["practitioner"]["reviewSummary"]["count"]
    # The helper other processes call (ingest-feeds bumps PRICE) reaches profiles too.
    assert (await _post(http, PROFILE, variables)).headers[HEADER] == "HIT"
    await bump([Tag.PRICE])
    assert (await _post(http, PROFILE, variables)).headers[HEADER] == "MISS"


async def test_sponsored_search_screens_hit_with_fresh_sponsored_slots(
    app: Any, http: Any, dataset: Dataset
) -> None:
    variables = {"city": "pune", "query": "cardiologist", "first": 5}
    organic = [await _post(http, SEARCH, variables) for _ in range(2)]
    assert [a.headers[HEADER] for a in organic] == ["MISS", "HIT"]
    assert organic[1].json()["data"] == organic[0].json()["data"]
    shown = len(organic[0].json()["data"]["searchPractitioners"]["edges"])
    assert shown == 5
    assert await _events(app, EventKind.IMPRESSION) == 2 * shown  # the hit's edges counted

    targets = dataset.doctor_ids[-3:]
    assert len(set(targets)) == 3
    for target in targets:  # three campaigns for two slots: the slots rotate
        await _campaign(dataset, target, committed=1000)
    await bump([Tag.CAMPAIGN])  # what createCampaign does
    statuses: list[str] = []
    statements: list[int] = []
    full = 0
    shown_sponsored: Counter[int] = Counter()
    for turn in range(7):
        # Each cached answer against a fresh execution at the same rotation turn: the same
        # document with a comment is another cache entry, so it always executes.
        saved = OrderedDict(ROTATION._turns)
        cached = await _post(http, SEARCH, variables)
        ROTATION._turns.clear()
        ROTATION._turns.update(saved)
        fresh = await _post(http, f"{SEARCH}\n# reference {turn}", variables)
        assert fresh.headers[HEADER] == "MISS"
        assert cached.json()["data"] == fresh.json()["data"]
        statuses.append(cached.headers[HEADER])
        statements.append(cached.json()["extensions"]["sqlStatements"])
        full = fresh.json()["extensions"]["sqlStatements"]
        edges = cached.json()["data"]["searchPractitioners"]["edges"]
        assert [e["sponsored"] for e in edges] == [True, True] + [False] * shown
        assert edges[2:] == organic[0].json()["data"]["searchPractitioners"]["edges"]
        for edge in [*edges[:2], *fresh.json()["data"]["searchPractitioners"]["edges"][:2]]:
            shown_sponsored[from_global_id(edge["node"]["id"])[1]] += 1
    # The campaigns' bump forgot the kept answer: one miss. After it, a pick the kept answer
    # never showed has its sponsored edges rendered alone (no organic page, totals or facets:
    # fewer statements than executing) and is served as a hit; then hits run only the
    # placement, so slots still rotate and pace.
    assert statuses == ["MISS"] + ["HIT"] * 6
    # A hit's own statements: the placement, and at times the tag versions' refresh.
    renders = [n for n in statements[1:] if n > 2]
    assert renders and all(n < full for n in renders), (statements, full)
    assert set(shown_sponsored) == set(targets)
    await app.state.events.flush()
    recorded = Counter(
        e.target_id for e in await models.ListingEvent.filter(kind=EventKind.SPONSORED_IMPRESSION)
    )
    assert recorded == shown_sponsored  # every sponsored edge served, hit or not, is counted
    assert await _events(app, EventKind.IMPRESSION) == 2 * shown + 14 * shown
    delivered = await models.Campaign.filter(target_id__in=targets).values_list(
        "target_id", "delivered_impressions"
    )
    assert dict(delivered) == dict(shown_sponsored)  # campaigns keep pacing on hits


async def test_hits_place_sponsored_slots_from_offers_read_once(
    app: Any, http: Any, dataset: Dataset
) -> None:
    variables = {"city": "pune", "query": "cardiologist", "first": 5}
    for target in dataset.doctor_ids[-3:]:
        await _campaign(dataset, target, committed=100_000)
    # Longer than this test can take: the offers are read again only for the reasons below.
    app.state.response_cache.offers.ttl_s = 600
    for _ in range(4):  # a miss, then hits rendering each campaign's edge once
        await _post(http, SEARCH, variables)
    counter = StatementCounter(keep_text=True)
    with counting(counter):
        hits = [await _post(http, SEARCH, variables) for _ in range(6)]
    assert [h.headers[HEADER] for h in hits] == ["HIT"] * 6
    reads = [sql for sql, _ in counter.statements if "FROM campaign c" in sql]
    assert reads == []  # each hit placed from the offers read before, with no statement
    firsts = {h.json()["data"]["searchPractitioners"]["edges"][0]["node"]["id"] for h in hits}
    assert len(firsts) == 3  # and the slots still rotate

    # A flush of far fewer impressions than any offer's headroom keeps them (the next test has
    # one that a flush can exhaust: the offers are read again).
    await app.state.events.flush()
    with counting(counter):
        assert (await _post(http, SEARCH, variables)).headers[HEADER] == "HIT"
    assert [sql for sql, _ in counter.statements if "FROM campaign c" in sql] == []
    # A campaign written through the API bumps its tag: a miss, then offers read again.
    await bump([Tag.CAMPAIGN])
    with counting(counter):
        assert (await _post(http, SEARCH, variables)).headers[HEADER] == "MISS"


async def test_a_hit_drops_a_campaign_that_met_its_commitment(
    app: Any, http: Any, dataset: Dataset
) -> None:
    variables = {"city": "pune", "query": "cardiologist", "first": 5}
    campaign = await _campaign(dataset, dataset.doctor_ids[-1], committed=2)
    first = [await _post(http, SEARCH, variables) for _ in range(2)]
    assert [a.headers[HEADER] for a in first] == ["MISS", "HIT"]
    for answer in first:
        assert answer.json()["data"]["searchPractitioners"]["edges"][0]["sponsored"] is True
    await app.state.events.flush()  # delivered: 2 of 2, and no tag was bumped
    await campaign.refresh_from_db()
    assert campaign.delivered_impressions == 2
    after = await _post(http, SEARCH, variables)
    assert after.headers[HEADER] == "HIT"
    edges = after.json()["data"]["searchPractitioners"]["edges"]
    assert not any(e["sponsored"] for e in edges)
    assert edges == first[0].json()["data"]["searchPractitioners"]["edges"][1:]


async def test_a_burst_on_a_cold_answer_executes_it_once(
    app: Any, http: Any, dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Concurrent requests for an answer no one has yet: one computes it, the others wait for
    it and are served it as hits, each view still counted."""
    import asyncio

    monkeypatch.setattr(tag_versions, "FRESH_S", 600.0)
    app.state.compiled.reference.recheck_s = 3600.0
    await _post(http, PROFILE, {"slug": "warm-the-snapshot"})  # versions read once, up front
    await _post(http, PROFILE, {"slug": "dr-doctor-001"})  # the worker's catalogue rows too
    variables = {"slug": dataset.profile_slug}
    before = await _events(app, EventKind.PROFILE_VIEW)
    answers = await asyncio.gather(*(_post(http, PROFILE, variables) for _ in range(6)))
    statuses = Counter(a.headers[HEADER] for a in answers)
    assert statuses == {"MISS": 1, "HIT": 5}
    assert all(a.json()["data"] == answers[0].json()["data"] for a in answers)
    executed = [a.json()["extensions"]["sqlStatements"] for a in answers]
    assert sorted(executed) == [0, 0, 0, 0, 0, 3]
    assert await _events(app, EventKind.PROFILE_VIEW) - before == 6
    assert not app.state.response_cache._flights  # every flight landed


async def test_a_miss_that_hears_from_the_store_after_the_flight_landed_is_a_hit(
    app: Any, http: Any, dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests for a cold answer, the second's look in the shared store answering only
    after the first computed and kept it: the second is served that answer, not computed
    again (the race behind a burst's second MISS on a loaded machine)."""
    import asyncio

    monkeypatch.setattr(tag_versions, "FRESH_S", 600.0)
    app.state.compiled.reference.recheck_s = 3600.0
    await _post(http, PROFILE, {"slug": "warm-the-snapshot"})
    await _post(http, PROFILE, {"slug": "dr-doctor-001"})
    cache, shared = app.state.response_cache, app.state.shared
    landed = asyncio.Event()
    real_land, real_get = cache.land, shared.get_bytes
    looks = 0

    def land(*args: Any) -> None:
        real_land(*args)
        landed.set()

    async def late_get(key: str) -> bytes | None:
        nonlocal looks
        looks += 1
        raw = await real_get(key)  # the store has nothing yet...
        if looks == 2:
            await asyncio.wait_for(landed.wait(), 30)  # ...and says so after the flight landed
        return raw

    monkeypatch.setattr(cache, "land", land)
    monkeypatch.setattr(shared, "get_bytes", late_get)
    variables = {"slug": dataset.profile_slug}
    answers = await asyncio.gather(*(_post(http, PROFILE, variables) for _ in range(2)))
    assert sorted(a.headers[HEADER] for a in answers) == ["HIT", "MISS"]
    assert answers[0].json()["data"] == answers[1].json()["data"]
    assert not cache._flights


async def test_an_answer_that_is_not_kept_is_not_waited_for(
    app: Any, http: Any, dataset: Dataset
) -> None:
    """An answer with errors is never kept: its key is remembered, and later misses of it
    compute at once instead of waiting for one another."""
    import asyncio

    cache = app.state.response_cache
    variables = {"slug": "no-such-practitioner"}
    first = await _post(http, PROFILE, variables)
    assert first.headers[HEADER] == "MISS" and first.json()["errors"]
    assert len(cache._unkept) == 1 and not cache._flights
    answers = await asyncio.gather(*(_post(http, PROFILE, variables) for _ in range(4)))
    assert all(a.headers[HEADER] == "MISS" for a in answers)
    assert len(cache._unkept) == 1 and not cache._flights


async def test_an_expired_answer_is_served_while_one_request_computes_its_successor(
    app: Any, http: Any, dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past its TTL, with nothing it depends on written: the first request computes, the
    requests meanwhile get the expired copy at once; alone, or long past the grace, no one is
    served it. (Names are changed below without invalidating, so each answer shows which
    copy it came from.)"""
    import asyncio
    import contextlib
    import time

    monkeypatch.setattr(tag_versions, "FRESH_S", 600.0)
    cache = app.state.response_cache
    variables = {"slug": dataset.profile_slug}

    async def rename(name: str) -> None:
        await models.Practitioner.filter(slug=dataset.profile_slug).update(name=name)

    async def expire(seconds_ago: float) -> None:
        """The kept answer (this process's copy and the store's) as if its TTL had passed."""
        entry = cache._local[key]
        entry.meta["t"] = time.time() - seconds_ago
        await cache.store_entry(key, entry)

    def names(answers: list[Any]) -> Counter[tuple[str, str]]:
        return Counter(
            (a.headers[HEADER], a.json()["data"]["practitioner"]["name"]) for a in answers
        )

    # The one computing keeps its answer only once every request of the burst has looked for
    # it: on a loaded machine it could otherwise finish before the others start, and they
    # would find its successor fresh (bounded: a wait that never ends fails the assertions).
    looked = {"count": 0, "burst": 0}
    everyone_looked = asyncio.Event()
    real_refreshing, real_store = cache._refreshing, cache.store_entry

    def refreshing(key: str, versions: dict[str, int]) -> Any:
        looked["count"] += 1
        if looked["count"] >= looked["burst"]:
            everyone_looked.set()
        return real_refreshing(key, versions)

    async def store_entry(key: str, entry: Any) -> None:
        if looked["burst"]:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(everyone_looked.wait(), 10.0)
        await real_store(key, entry)

    monkeypatch.setattr(cache, "_refreshing", refreshing)
    monkeypatch.setattr(cache, "store_entry", store_entry)

    async def burst(size: int) -> list[Any]:
        looked["count"], looked["burst"] = 0, size
        everyone_looked.clear()
        try:
            return await asyncio.gather(*(_post(http, PROFILE, variables) for _ in range(size)))
        finally:
            looked["burst"] = 0

    await rename("Dr First")
    first = await _post(http, PROFILE, variables)
    assert first.headers[HEADER] == "MISS"
    (key,) = cache._local
    await expire(1.0)
    await rename("Dr Second")
    answers = await burst(4)
    assert names(answers) == {("MISS", "Dr Second"): 1, ("HIT", "Dr First"): 3}
    assert float(cache._local[key].meta["t"]) > time.time()  # the successor is kept
    await expire(1.0)
    await rename("Dr Third")
    alone = await _post(http, PROFILE, variables)
    assert names([alone]) == {("MISS", "Dr Third"): 1}  # nothing computing it: not served
    await expire(60.0)  # long past the grace: the burst waits for the one computing it
    await rename("Dr Fourth")
    answers = await burst(4)
    assert names(answers) == {("MISS", "Dr Fourth"): 1, ("HIT", "Dr Fourth"): 3}
    assert not cache._flights

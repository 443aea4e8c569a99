"""The acceptance gate of issue 10: every committed operation answers the same `data` and
`errors` (and HTTP status, and listing events) on its compiled plan as on the general executor,
for many variable sets and every kind of viewer.

The general executor is reached with the same document plus a trailing comment: the document
is the same, its text (and so its sha256) is not, so it is not matched to a plan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hmsdesk_graph.reach.placement import ROTATION
from tests.compiled.conftest import CompiledWorld
from tests.conftest import GraphQLClient

OPERATIONS = Path(__file__).resolve().parents[2] / "schema" / "operations"
TEXTS = {f.stem: f.read_text(encoding="utf-8") for f in sorted(OPERATIONS.glob("*.graphql"))}
GENERAL = "\n# general executor\n"
VIEWERS = ("anonymous", "patient", "partner", "staff")

# The committed operations the compiled path must answer itself (others hand over).
COMPILED = {
    "searchList",
    "practitionerProfile",
    "mobileSearchPractitioners",
    "webSearchPractitioners",
    "hospitalProfile",
    "diagnosticCenterProfile",
    "hospitalListing",
    "labTestPriceComparison",
}

Variables = dict[str, Any]


def _bad_input() -> list[Variables]:
    return [
        {"city": "atlantis", "specialty": "cardiologist"},
        {"city": "pune", "specialty": "no-such-specialty"},
        {"city": "pune", "specialty": "cardiologist", "first": 0},
        {"city": "pune", "specialty": "cardiologist", "first": 101},
        {"city": "pune", "specialty": "cardiologist", "first": "twenty"},
        {"specialty": "cardiologist"},
        {"city": None, "specialty": "cardiologist"},
        {"city": "pune", "specialty": "cardiologist", "sort": "SIDEWAYS"},
    ]


def variable_sets(name: str, world: CompiledWorld) -> list[Variables]:
    ds = world.ds
    if name == "searchList":
        sets: list[Variables] = [
            {"city": city, "specialty": specialty, "sort": sort, "first": first}
            for city in ("pune", "mumbai")
            for specialty in ("cardiologist", "dermatologist")
            for sort in ("EXPERIENCE", "RELEVANCE", "FEE_ASC", "RATING")
            for first in (20, 5)
        ]
        return [{"city": "pune", "specialty": "cardiologist"}, *sets, *_bad_input()]
    if name in {"mobileSearchPractitioners", "webSearchPractitioners"}:
        return [
            {"city": "pune"},
            {"city": "mumbai"},
            {"city": "pune", "first": 5},
            {"city": "pune", "query": "heart specialist"},
            {"city": "pune", "query": "skin", "sort": "RATING"},
            {"city": "pune", "filter": {"specialties": ["cardiologist"], "gender": "FEMALE"}},
            {"city": "pune", "filter": {"localities": ["kothrud"], "feeMax": 800}},
            {"city": "pune", "filter": {"availability": "NEXT_7_DAYS"}, "first": 5},
            {"city": "pune", "near": {"lat": 18.51, "lng": 73.81, "radiusKm": 10}},
            {"city": "pune", "near": {"lat": 18.51, "lng": 73.81}, "sort": "DISTANCE"},
            {"city": "pune", "sort": "DISTANCE"},
            {"city": "pune", "after": "not-a-cursor"},
            {"city": "pune", "filter": {"minRating": 7}},
            {"city": "pune", "filter": {"localities": ["bandra-west"]}},
            {"city": "pune", "filter": {"feeMin": -1}},
            {"city": "pune", "first": 1000},
            # Refused by the pre-execution text bounds on both paths (no SQL).
            {"city": "pune", "query": "tooth " * 5000},
            {"city": "pune", "filter": {"localities": ["x" * 5000]}},
            {"city": "nowhere"},
            {"city": "pune", "query": "x" * 5000},
        ]
    if name == "practitionerProfile":
        return [
            {"slug": slug}
            for slug in (ds.profile_slug, ds.lonely_slug, "dr-doctor-001", "dr-doctor-020")
        ] + [
            {"slug": "no-such-doctor"},
            {"slug": ds.profile_slug, "reviewsAfter": "not-a-cursor"},
            {"slug": ds.profile_slug, "reviewsAfter": None},
            {"slug": 42},
            {},
        ]
    if name == "hospitalProfile":
        return [
            {"slug": ds.hospital_slug},
            {"slug": ds.hospital_slug, "specialty": "cardiologist"},
            {"slug": ds.small_hospital_slug, "specialty": "dermatologist"},
            {"slug": ds.hospital_slug, "doctorsAfter": "not-a-cursor"},
            {"slug": ds.hospital_slug, "specialty": "no-such-specialty"},
            {"slug": "no-such-hospital"},
        ]
    if name == "diagnosticCenterProfile":
        return [{"slug": ds.center_slug}, {"slug": "no-such-center"}, {"slug": None}]
    if name == "hospitalListing":
        return [
            {"city": "pune"},
            {"city": "mumbai", "first": 1},
            {"city": "pune", "first": 1},
            {"city": "pune", "query": "heart", "sort": "RATING"},
            {"city": "pune", "near": {"lat": 18.51, "lng": 73.81, "radiusKm": 5}},
            {"city": "nowhere"},
            {"city": "pune", "after": "not-a-cursor"},
        ]
    if name == "labTestPriceComparison":
        return [
            {"city": "pune", "labTest": "cbc"},
            {"city": "pune", "labTest": "cbc", "first": 2},
            {"city": "mumbai", "labTest": "cbc", "first": 1},
            {"city": "pune", "labTest": "lipid-profile"},
            {"city": "pune", "labTest": "cbc", "after": "not-a-cursor"},
            {"city": "pune", "labTest": "cbc", "first": 0},
            {"city": "pune", "labTest": "cbc", "first": 101},
            {"city": "pune", "labTest": "nope"},
            {"city": "atlantis", "labTest": "cbc"},
            {"city": "pune"},
        ]
    if name.startswith("reachDashboard"):
        return [{"from": "2026-11-01", "to": "2026-11-30", "id": "UHJhY3RpdGlvbmVyOjE"}]
    raise AssertionError(f"no variable sets for {name}")


def _next_pages(name: str, variables: Variables, body: Any) -> list[Variables]:
    """Follow-up variable sets that page on with a cursor the first answer gave."""
    data = body.get("data") or {}
    if name in {"mobileSearchPractitioners", "webSearchPractitioners"}:
        info = (data.get("searchPractitioners") or {}).get("pageInfo") or {}
        if info.get("hasNextPage") and info.get("endCursor"):
            return [{**variables, "after": info["endCursor"]}]
    if name == "hospitalListing":
        info = (data.get("searchHospitals") or {}).get("pageInfo") or {}
        if info.get("hasNextPage") and info.get("endCursor"):
            return [{**variables, "after": info["endCursor"]}]
    if name == "labTestPriceComparison":
        offers = (data.get("priceComparison") or {}).get("offers") or {}
        info = offers.get("pageInfo") or {}
        if info.get("hasNextPage") and info.get("endCursor"):
            return [{**variables, "after": info["endCursor"]}]
    if name == "hospitalProfile":
        doctors = (data.get("hospital") or {}).get("practitioners") or {}
        info = doctors.get("pageInfo") or {}
        if info.get("hasNextPage") and info.get("endCursor"):
            return [{**variables, "doctorsAfter": info["endCursor"]}]
    if name == "practitionerProfile":
        reviews = (data.get("practitioner") or {}).get("reviews") or {}
        info = reviews.get("pageInfo") or {}
        if info.get("hasNextPage") and info.get("endCursor"):
            return [{**variables, "reviewsAfter": info["endCursor"]}]
    return []


async def _answer(
    gql: GraphQLClient, world: CompiledWorld, text: str, variables: Variables, viewer: str
) -> tuple[int, Any, list[Any]]:
    ROTATION.reset()  # sponsored placement rotates per request: start both runs alike
    before = len(world.events)
    response = await gql.post(text, variables, headers=world.headers[viewer])
    body = response.json()
    events = [
        (e.kind, e.target_kind, e.target_id, e.campaign_id, e.channel, e.city_id, e.position)
        for e in world.events[before:]
    ]
    return response.status_code, body, events


async def _compare(
    app: Any,
    gql: GraphQLClient,
    world: CompiledWorld,
    name: str,
    variables: Variables,
    viewer: str,
) -> tuple[Any, bool]:
    text = TEXTS[name]
    answered = app.state.compiled.answered
    status_c, body_c, events_c = await _answer(gql, world, text, variables, viewer)
    compiled = app.state.compiled.answered > answered
    status_g, body_g, events_g = await _answer(gql, world, text + GENERAL, variables, viewer)
    assert app.state.compiled.answered == answered + compiled  # the second run was general
    where = f"{name} as {viewer} with {variables}"
    assert body_c.get("data") == body_g.get("data"), where
    assert body_c.get("errors") == body_g.get("errors"), where
    assert status_c == status_g, where
    assert events_c == events_g, where
    # What the schema extensions report on the general path is reported alike.
    for key in ("cost", "warnings"):
        assert body_c.get("extensions", {}).get(key) == body_g.get("extensions", {}).get(key)
    return body_g, compiled


@pytest.mark.parametrize("name", sorted(TEXTS))
async def test_compiled_and_general_answer_alike(
    app: Any, gql: GraphQLClient, world: CompiledWorld, name: str
) -> None:
    answered_by_plan = 0
    with_data = 0
    for viewer in VIEWERS:
        pending = variable_sets(name, world)
        while pending:
            variables = pending.pop(0)
            body, compiled = await _compare(app, gql, world, name, variables, viewer)
            answered_by_plan += compiled
            with_data += bool(body.get("data")) and not body.get("errors")
            if viewer == "anonymous":
                pending += _next_pages(name, variables, body)
    if name in COMPILED:
        # Every clean answer came from the plan; bad input went to the general executor.
        assert answered_by_plan == with_data > 0
    else:
        assert answered_by_plan == 0


async def test_compiled_operations_are_planned(app: Any) -> None:
    planned = {plan.name for plan in app.state.compiled.plans.values()}
    assert planned == COMPILED


async def test_search_list_pages_and_cursors_match(
    app: Any, gql: GraphQLClient, world: CompiledWorld
) -> None:
    """Paging through a whole list: every page, cursor and impression alike on both paths."""
    variables: Variables = {"city": "pune", "first": 7, "sort": "EXPERIENCE"}
    seen: list[str] = []
    for _ in range(30):
        body, compiled = await _compare(
            app, gql, world, "mobileSearchPractitioners", variables, "anonymous"
        )
        assert compiled
        connection = body["data"]["searchPractitioners"]
        seen += [e["node"]["id"] for e in connection["edges"] if not e["sponsored"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        variables = {**variables, "after": connection["pageInfo"]["endCursor"]}
    assert len(seen) == len(set(seen)) > 20


def _sponsored(body: Any) -> list[Any]:
    return [e for e in body["data"]["searchPractitioners"]["edges"] if e["sponsored"]]


async def test_sponsored_slots_and_impressions_on_the_compiled_path(
    app: Any, gql: GraphQLClient, world: CompiledWorld
) -> None:
    """The seeded campaigns show on the compiled path, and their impressions are recorded."""
    body, compiled = await _compare(
        app, gql, world, "searchList", {"city": "pune", "specialty": "cardiologist"}, "anonymous"
    )
    assert compiled
    assert _sponsored(body)
    kinds = [e.kind.value for e in world.events]
    assert "SPONSORED_IMPRESSION" in kinds and "IMPRESSION" in kinds


def _off(settings: Any) -> Any:
    from dataclasses import replace

    return replace(settings, compiled_operations=False)


async def test_switched_off_every_request_runs_on_the_general_executor(settings: Any) -> None:
    from hmsdesk_graph.api.root import build_schema
    from hmsdesk_graph.compiled import CompiledOperations

    off = CompiledOperations(build_schema(_off(settings)), _off(settings))
    assert off.plans == {}
    assert off.match(TEXTS["searchList"], None) is None


async def test_a_comparison_shows_every_kind_of_provider_on_its_plan(
    app: Any, gql: GraphQLClient, world: CompiledWorld
) -> None:
    # The union `provider` is planned once per type: each offer completes with its own.
    answered = app.state.compiled.answered
    variables = {"city": "pune", "labTest": "cbc"}
    response = await gql.post(
        TEXTS["labTestPriceComparison"], variables, headers=world.headers["anonymous"]
    )
    assert app.state.compiled.answered == answered + 1
    edges = response.json()["data"]["priceComparison"]["offers"]["edges"]
    providers = [edge["node"]["provider"] for edge in edges]
    assert {p["__typename"] for p in providers} == {"DiagnosticCenter", "Hospital", "Practitioner"}
    centers = [p for p in providers if p["__typename"] == "DiagnosticCenter"]
    assert all("homeCollection" in p and p["locality"]["name"] for p in centers)
    assert all(
        set(p) == {"__typename", "slug", "name"}
        for p in providers
        if p["__typename"] == "Practitioner"
    )

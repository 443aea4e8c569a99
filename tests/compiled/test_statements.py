"""Statements per compiled searchList (issue 10: <= 6 with background writes; the same for
`first` 5, 20 and 100), and the worker's reference rows following catalogue changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.connection import is_postgres, write_connection
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.shared.cache_policy import Tag
from hmsdesk_graph.shared.tag_versions import bump
from tests.compiled.conftest import CompiledWorld
from tests.conftest import GraphQLClient

OPERATIONS = Path(__file__).resolve().parents[2] / "schema" / "operations"
SEARCH_LIST = (OPERATIONS / "searchList.graphql").read_text(encoding="utf-8")


async def _run(app: Any, gql: GraphQLClient, variables: dict[str, Any]) -> tuple[Any, int]:
    answered = app.state.compiled.answered
    body = await gql.execute(SEARCH_LIST, variables)
    assert app.state.compiled.answered == answered + 1, body  # answered by the plan
    return body["data"], int(body["extensions"]["sqlStatements"])


async def test_search_list_statements_do_not_grow_with_the_page(
    app: Any, gql: GraphQLClient, world: CompiledWorld
) -> None:
    # The worker's catalogue rows are rechecked on a timer: not during this test.
    app.state.compiled.reference.recheck_s = 3600.0
    variables = {"city": "pune", "specialty": "cardiologist", "sort": "EXPERIENCE"}
    # The first request reads the tag versions and the city and specialty rows once (and the
    # search text vocabulary, once per worker).
    await _run(app, gql, variables)
    counts = {}
    for first in (5, 20, 100):
        data, counts[first] = await _run(app, gql, {**variables, "first": first})
        edges = data["searchPractitioners"]["edges"]
        organic = [e for e in edges if not e["sponsored"]]
        assert organic and len(organic) <= first
        assert all(e["node"]["practices"] for e in organic)
    # Page, sponsored slots, and the practices (with their hospitals and localities) with the
    # packages in one statement (`compiled.cards`); the review counts come with the page, the
    # slugs from the worker's reference rows.
    assert counts == {5: 3, 20: 3, 100: 3}


async def test_reference_rows_follow_a_catalogue_change(
    app: Any, gql: GraphQLClient, world: CompiledWorld
) -> None:
    app.state.compiled.reference.recheck_s = 0.0  # read the versions on every request
    variables = {"city": "pune", "specialty": "dermatologist"}
    before, _ = await _run(app, gql, variables)
    assert before["searchPractitioners"]["edges"]
    await models.Specialty.filter(slug="dermatologist").update(slug="skin-doctor")
    await bump([Tag.CITY])
    # The old slug is unknown now, on the compiled path as on the general one.
    answered = app.state.compiled.answered
    body = await gql.execute(SEARCH_LIST, variables)
    assert app.state.compiled.answered == answered
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    after, _ = await _run(app, gql, {**variables, "specialty": "skin-doctor"})
    assert after == before


async def test_kept_checks_answer_each_variable_set_as_the_first_time(
    app: Any, gql: GraphQLClient, world: CompiledWorld
) -> None:
    """The plan keeps its pre-execution checks per variable set: a repeat is neither refused
    nor let through where the first run was not, and each set keeps its own cost."""
    variables = {"city": "pune", "specialty": "cardiologist", "sort": "EXPERIENCE"}
    costs = []
    for first in (5, 100, 5, 100):
        answered = app.state.compiled.answered
        body = await gql.execute(SEARCH_LIST, {**variables, "first": first})
        assert app.state.compiled.answered == answered + 1, body
        costs.append(body["extensions"]["cost"]["requested"])
    assert costs[0] == costs[2] < costs[1] == costs[3]
    too_long = {**variables, "city": "x" * (app.state.settings.text_max_chars + 1)}
    for _ in range(2):
        answered = app.state.compiled.answered
        body = await gql.execute(SEARCH_LIST, too_long)
        assert app.state.compiled.answered == answered  # refused on the general path
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    unknown_sort = {**variables, "sort": "NOT_A_SORT"}
    for _ in range(2):
        body = await gql.execute(SEARCH_LIST, unknown_sort)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_each_variable_set_gets_its_own_arguments_when_sets_alternate(
    app: Any, gql: GraphQLClient, world: CompiledWorld
) -> None:
    """What a plan derives from the variables (arguments, selections) is kept per variable
    set: alternating two sets answers each as its first run did, and as the general path."""
    sets = [
        {"city": "pune", "specialty": "cardiologist", "sort": "EXPERIENCE", "first": 2},
        {"city": "pune", "specialty": "dermatologist", "sort": "EXPERIENCE", "first": 3},
    ]
    answers: list[list[Any]] = [[], []]
    for i in (0, 1, 0, 1):
        answered = app.state.compiled.answered
        body = await gql.execute(SEARCH_LIST, sets[i])
        assert app.state.compiled.answered == answered + 1, body
        answers[i].append(body["data"])
    assert answers[0][0] == answers[0][1] != answers[1][0] == answers[1][1]
    app.state.compiled.plans.clear()  # the general executor answers from here on
    for i in (0, 1):
        assert (await gql.execute(SEARCH_LIST, sets[i]))["data"] == answers[i][0]


async def _profile(
    app: Any, gql: GraphQLClient, name: str, variables: dict[str, Any]
) -> tuple[Any, int]:
    answered = app.state.compiled.answered
    body = await gql.execute((OPERATIONS / f"{name}.graphql").read_text(), variables)
    assert app.state.compiled.answered == answered + 1, body  # answered by the plan
    assert "errors" not in body, body["errors"]
    return body["data"], int(body["extensions"]["sqlStatements"])


async def test_profiles_read_their_city_and_locality_from_the_worker(
    app: Any, gql: GraphQLClient, world: CompiledWorld
) -> None:
    """A profile's city and locality rows are the worker's reference rows: once they are
    kept, a profile sends no statement for them (and shows a bumped change of them)."""
    app.state.compiled.reference.recheck_s = 3600.0
    ds = world.ds
    profiles = {
        "hospitalProfile": {"slug": ds.hospital_slug},
        "diagnosticCenterProfile": {"slug": ds.center_slug},
        "practitionerProfile": {"slug": ds.profile_slug},
    }
    counts = {}
    for name, variables in profiles.items():
        await _profile(app, gql, name, variables)  # keeps the rows
        _, counts[name] = await _profile(app, gql, name, variables)
    # None of them reads a city or locality row (12, 9 and 7 statements before), nor a
    # specialty row or link, nor counts reviews per star (the rows' derived lists and the
    # worker's specialty rows): hospital: the hospital, doctors (counted by the same
    # statement) and the doctors' consultation packages, its packages and their sources,
    # reviews; center: the center, its lab tests, packages, their tests and sources, reviews;
    # practitioner: the practitioner, practices with their hospitals and localities together
    # with the packages, reviews.
    assert counts == {"hospitalProfile": 6, "diagnosticCenterProfile": 6, "practitionerProfile": 3}

    app.state.compiled.reference.recheck_s = 0.0  # read the versions on every request
    await models.Locality.filter(slug="kothrud").update(name="Kothrud West")
    await bump([Tag.CITY])
    data, _ = await _profile(app, gql, "hospitalProfile", {"slug": ds.hospital_slug})
    assert data["hospital"]["locality"]["name"] == "Kothrud West"


async def test_a_search_near_a_point_costs_no_more_statements_than_one_without(
    app: Any, gql: GraphQLClient, world: CompiledWorld
) -> None:
    """The edges' distances read the practices with their hospitals, and the cards' practices
    are those same rows: `near` adds no statement (it added two, through the loaders)."""
    app.state.compiled.reference.recheck_s = 3600.0
    base = {"city": "pune", "query": "cardiologist"}
    near = {**base, "near": {"lat": 18.51, "lng": 73.81, "radiusKm": 10}}
    for name in ("webSearchPractitioners", "mobileSearchPractitioners"):
        await _profile(app, gql, name, base)  # keeps the worker's rows
        data, with_near = await _profile(app, gql, name, near)
        assert all(e["distanceKm"] is not None for e in data["searchPractitioners"]["edges"])
        _, without = await _profile(app, gql, name, base)
        assert with_near == without, name


async def _set_specialty_ids_null(slug: str) -> None:
    conn = write_connection()
    mark = "$1" if is_postgres(conn) else "?"
    await conn.execute_query(
        f"UPDATE practitioner SET specialty_ids = NULL WHERE slug = {mark}", [slug]
    )


async def test_card_specialties_come_from_the_rows_id_lists(
    app: Any, gql: GraphQLClient, world: CompiledWorld
) -> None:
    """A search card's specialties are its row's derived id list and the worker's specialty
    rows: a new link shows after the refresh, in the link table's order (name, then id), as on
    the general executor; a row without a list reads the link table (one statement more)."""
    app.state.compiled.reference.recheck_s = 3600.0
    slug = world.ds.profile_slug
    practitioner = await models.Practitioner.get(slug=slug)
    variables = {"city": "pune", "query": practitioner.name}

    async def card() -> tuple[Any, int]:
        data, statements = await _profile(app, gql, "webSearchPractitioners", variables)
        edges = data["searchPractitioners"]["edges"]
        return next(e["node"] for e in edges if e["node"]["slug"] == slug), statements

    await card()  # keeps the worker's rows
    before, listed = await card()
    names = [s["name"] for s in before["specialties"]]
    other = await models.Specialty.exclude(name__in=names).order_by("name").first()
    assert other is not None
    await models.PractitionerSpecialty.create(practitioner_id=practitioner.pk, specialty=other)
    await refresh_search_columns(practitioner_ids=[practitioner.pk])

    after, _ = await card()
    assert [s["name"] for s in after["specialties"]] == sorted([*names, other.name])
    await _set_specialty_ids_null(slug)
    unlisted, statements = await card()
    assert unlisted == after
    assert statements == listed + 1
    app.state.compiled.plans.clear()  # the general executor answers the same
    await _set_specialty_ids_null(slug)
    general = await gql.execute(
        (OPERATIONS / "webSearchPractitioners.graphql").read_text(), variables
    )
    edges = general["data"]["searchPractitioners"]["edges"]
    assert next(e["node"] for e in edges if e["node"]["slug"] == slug) == after

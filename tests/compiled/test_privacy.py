"""Privacy on the compiled path: no viewer sees personal data in a compiled answer, and a
deactivated author's name is hidden there exactly as on the general executor."""

from __future__ import annotations

from typing import Any

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.identity.auth import Role, TokenService
from tests.compiled.conftest import CompiledWorld
from tests.compiled.test_equality import TEXTS, VIEWERS, _compare
from tests.conftest import GraphQLClient

SCREENS: list[tuple[str, dict[str, Any]]] = [
    ("searchList", {"city": "pune", "specialty": "cardiologist"}),
    ("searchList", {"city": "mumbai", "specialty": "dermatologist"}),
    ("mobileSearchPractitioners", {"city": "pune", "query": "heart"}),
    ("webSearchPractitioners", {"city": "mumbai"}),
]


async def _profiles(world: CompiledWorld) -> list[tuple[str, dict[str, Any]]]:
    reviewed = await models.Review.all().values_list("practitioner_id", flat=True)
    slugs = await models.Practitioner.filter(
        id__in=[i for i in reviewed if i is not None]
    ).values_list("slug", flat=True)
    return [("practitionerProfile", {"slug": s}) for s in {*slugs, world.ds.profile_slug}]


async def test_no_personal_data_in_any_compiled_answer(
    app: Any, gql: GraphQLClient, world: CompiledWorld
) -> None:
    secrets = world.people.secrets()
    for viewer in VIEWERS:
        for name, variables in SCREENS + await _profiles(world):
            text = TEXTS[name]
            before = app.state.compiled.answered
            response = await gql.post(text, variables, headers=world.headers[viewer])
            assert app.state.compiled.answered == before + 1, (name, viewer)
            body = response.text
            assert "errors" not in response.json()
            leaked = [label for label, value in secrets.items() if value in body]
            assert leaked == [], (name, viewer, leaked)


async def test_a_deactivated_author_is_hidden_on_the_compiled_path(
    app: Any, gql: GraphQLClient, world: CompiledWorld, settings: Settings
) -> None:
    review = await models.Review.get(author_display_name="Bhavesh M.")
    slug = (await models.Practitioner.get(id=review.practitioner_id)).slug

    def authors(body: Any) -> list[str]:
        edges = body["data"]["practitioner"]["reviews"]["edges"]
        return [e["node"]["author"]["displayName"] for e in edges]

    body, compiled = await _compare(
        app, gql, world, "practitionerProfile", {"slug": slug}, "anonymous"
    )
    assert compiled and "Bhavesh M." in authors(body)
    b = TokenService(settings).mint(Role.PATIENT, patient_id=world.people.b.id)
    done = await gql.http.post(
        "/graphql",
        json={"query": "mutation { deactivateMyAccount(confirm: true) { deactivated } }"},
        headers={"authorization": f"Bearer {b}"},
    )
    assert done.json()["data"]["deactivateMyAccount"] == {"deactivated": True}
    for viewer in VIEWERS:
        body, compiled = await _compare(
            app, gql, world, "practitionerProfile", {"slug": slug}, viewer
        )
        assert compiled
        assert "Bhavesh M." not in authors(body) and "Verified patient" in authors(body)

from __future__ import annotations

from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.reach.placement import ROTATION
from tests.conftest import GraphQLClient
from tests.factories import Dataset, build_dataset
from tests.privacy.people import People, build_people
from tests.reach.world import ReachWorld, build_reach


@pytest.fixture(autouse=True)
def _fresh_rotation() -> None:
    # The rotation is per process: every test starts where a new process would.
    ROTATION.reset()


@pytest.fixture
async def dataset(app: Any, settings: Settings) -> Dataset:
    return await build_dataset(FieldCipher(settings.field_encryption_key))


@pytest.fixture
async def people(dataset: Dataset, settings: Settings) -> People:
    return await build_people(dataset, FieldCipher(settings.field_encryption_key))


@pytest.fixture
async def world(dataset: Dataset, people: People) -> ReachWorld:
    return await build_reach(dataset, people)


@pytest.fixture
def tokens(settings: Settings) -> TokenService:
    return TokenService(settings)


class Viewers:
    """Bearer headers per viewer."""

    def __init__(self, tokens: TokenService, world: ReachWorld) -> None:
        def bearer(token: str) -> dict[str, str]:
            return {"authorization": f"Bearer {token}"}

        self.x = bearer(tokens.mint(Role.PARTNER, partner_id=world.x))
        self.y = bearer(tokens.mint(Role.PARTNER, partner_id=world.y))
        self.patient = bearer(tokens.mint(Role.PATIENT, patient_id=world.people.a.id))
        self.staff = bearer(tokens.mint(Role.INTERNAL, subject="staff:riya"))
        self.anonymous: dict[str, str] = {}


@pytest.fixture
def viewers(tokens: TokenService, world: ReachWorld) -> Viewers:
    return Viewers(tokens, world)


async def run(
    gql: GraphQLClient, query: str, variables: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    """Execute an operation as a viewer and return the decoded body."""
    response = await gql.post(query, variables, headers=headers)
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]

from __future__ import annotations

from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.identity.auth import Role, TokenService
from tests.factories import Dataset, build_dataset
from tests.privacy.people import People, bearer, build_people


@pytest.fixture
async def dataset(app: Any, settings: Settings) -> Dataset:
    return await build_dataset(FieldCipher(settings.field_encryption_key))


@pytest.fixture
async def people(dataset: Dataset, settings: Settings) -> People:
    return await build_people(dataset, FieldCipher(settings.field_encryption_key))


@pytest.fixture
def tokens(settings: Settings) -> TokenService:
    return TokenService(settings)


@pytest.fixture
def viewers(people: People, tokens: TokenService) -> dict[str, dict[str, str]]:
    """Request headers per viewer of the privacy matrix."""

    return {
        "anonymous": {},
        "patient A": bearer(tokens.mint(Role.PATIENT, patient_id=people.a.id)),
        "patient B": bearer(tokens.mint(Role.PATIENT, patient_id=people.b.id)),
        "partner X": bearer(tokens.mint(Role.PARTNER, partner_id=people.partner_x)),
        "partner Y": bearer(tokens.mint(Role.PARTNER, partner_id=people.partner_y)),
        "internal, no purpose": bearer(tokens.mint(Role.INTERNAL, subject="staff:riya")),
        "internal, purpose": bearer(
            tokens.mint(Role.INTERNAL, subject="staff:riya"), "ticket 4411: booking dispute"
        ),
        "admin, purpose": bearer(
            tokens.mint(Role.ADMIN, subject="staff:omkar"), "ticket 4412: data export"
        ),
    }

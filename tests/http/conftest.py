from __future__ import annotations

from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.identity.auth import Role, TokenService
from tests.factories import Dataset, build_dataset


@pytest.fixture
async def dataset(app: Any, settings: Settings) -> Dataset:
    """The hand-made dataset, written through the running app's database."""
    return await build_dataset(FieldCipher(settings.field_encryption_key))


@pytest.fixture
def bearer(settings: Settings) -> Any:
    """Request headers carrying a token of `role`."""
    tokens = TokenService(settings)

    def headers(role: Role, **claims: Any) -> dict[str, str]:
        return {"authorization": f"Bearer {tokens.mint(role, **claims)}"}

    return headers

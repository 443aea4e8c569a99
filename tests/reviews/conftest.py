from __future__ import annotations

from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.crypto import FieldCipher
from tests.factories import Dataset, build_dataset


@pytest.fixture
async def dataset(app: Any, settings: Settings) -> Dataset:
    """The hand-made dataset, written through the running app's database."""
    return await build_dataset(FieldCipher(settings.field_encryption_key))

"""The compiled-path world: the privacy and Reach worlds seeded, viewers of every role, and
listing events captured instead of written (so campaign pacing, and with it the sponsored
slots, stays the same between the two runs a comparison makes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.identity.auth import TokenService
from hmsdesk_graph.sandbox import RunningSandbox
from hmsdesk_graph.workers.events import ListingEvent
from tests.conftest import sandbox_settings
from tests.factories import Dataset, build_dataset
from tests.privacy.people import People, build_people, role_headers
from tests.reach.world import build_reach


@dataclass
class CompiledWorld:
    ds: Dataset
    people: People
    headers: dict[str, dict[str, str]]
    events: list[ListingEvent] = field(default_factory=list)


@pytest.fixture
def settings(database_url: str, sandbox: RunningSandbox) -> Settings:
    return sandbox_settings(database_url, sandbox, availability_cache_ttl_s=0)


@pytest.fixture
async def world(app: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CompiledWorld:
    cipher = FieldCipher(settings.field_encryption_key)
    ds = await build_dataset(cipher)
    people = await build_people(ds, cipher)
    reach = await build_reach(ds, people)
    tokens = TokenService(settings)

    world = CompiledWorld(
        ds=ds,
        people=people,
        headers=role_headers(tokens, people, reach.x),
    )
    monkeypatch.setattr(app.state.events, "record", world.events.extend)
    return world

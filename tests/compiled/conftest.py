"""The compiled-path world: the privacy and Reach worlds seeded, viewers of every role, and
listing events captured instead of written (so campaign pacing, and with it the sponsored
slots, stays the same between the two runs a comparison makes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.db.enums import PackageKind
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
    await _lab_offers(ds)
    tokens = TokenService(settings)

    world = CompiledWorld(
        ds=ds,
        people=people,
        headers=role_headers(tokens, people, reach.x),
    )
    monkeypatch.setattr(app.state.events, "record", world.events.extend)
    return world


async def _lab_offers(ds: Dataset) -> None:
    """More offers of the CBC test, so its comparison pages over every kind of provider: a
    hospital, a practitioner and a second center in Pune (two at one price), one in Mumbai."""
    cbc = await models.LabTest.get(slug="cbc")
    mumbai_hospital = await models.Hospital.get(slug=ds.small_hospital_slug)
    center = await models.DiagnosticCenter.get(id=ds.center_id)
    second = await models.DiagnosticCenter.create(
        city_id=center.city_id,
        locality_id=center.locality_id,
        slug="second-lab-pune",
        name="Second Lab",
        address="1 Lab Road, Pune",
        lat=center.lat,
        lng=center.lng,
        home_collection=False,
    )
    owners: list[dict[str, Any]] = [
        {"hospital_id": ds.hospital_id},
        {"practitioner_id": ds.profile_id},
        {"diagnostic_center_id": second.pk},
        {"diagnostic_center_id": second.pk},
        {"hospital_id": mumbai_hospital.pk},
    ]
    for n, owner in enumerate(owners):
        package = await models.PricePackage.create(
            **owner,
            name=f"CBC offer {n}",
            kind=PackageKind.LAB_TEST,
            price_min_paise=30000 + 5000 * (n // 2),
            price_max_paise=40000,
        )
        await models.PackageLabTest.create(package=package, lab_test=cbc)

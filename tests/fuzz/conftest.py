"""The fuzz world: the app on a real database with a seeded world, a partner sandbox, and the
ids, slugs and tokens that let generated operations reach the resolvers.

Random strings mostly fail validation or find nothing; drawing arguments partly from what is
really in the database is what gets a generated operation past the first `NOT_FOUND`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.identity.auth import TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.reach.clock import today_ist
from hmsdesk_graph.sandbox import RunningSandbox
from tests.conftest import SHORT_PARTNER_TIMEOUTS, sandbox_settings
from tests.factories import build_dataset
from tests.privacy.people import NOW, build_people, role_headers
from tests.reach.world import build_reach

# Global-ID type name -> model; a few pks of each are offered to every ID argument.
_NODE_MODELS: dict[str, Any] = {
    "Practitioner": models.Practitioner,
    "PractitionerRole": models.PractitionerRole,
    "Hospital": models.Hospital,
    "DiagnosticCenter": models.DiagnosticCenter,
    "PricePackage": models.PricePackage,
    "Review": models.Review,
    "City": models.City,
    "Specialty": models.Specialty,
    "LabTest": models.LabTest,
    "Appointment": models.Appointment,
    "Patient": models.Patient,
    "Campaign": models.Campaign,
}
_PKS_PER_TYPE = 4


@dataclass
class FuzzWorld:
    """What generated arguments are drawn from, and who sends them."""

    strings: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    ints: list[int] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    datetimes: list[datetime] = field(default_factory=list)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


@pytest.fixture
def settings(database_url: str, sandbox: RunningSandbox) -> Settings:
    # Short partner timeouts keep a slow path from eating the example budget.
    return sandbox_settings(
        database_url, sandbox, **SHORT_PARTNER_TIMEOUTS, availability_cache_ttl_s=0
    )


async def _global_ids() -> list[str]:
    ids: list[str] = []
    for type_name, model in _NODE_MODELS.items():
        pks = await model.all().order_by("id").limit(_PKS_PER_TYPE).values_list("id", flat=True)
        ids += [to_global_id(type_name, pk) for pk in pks]
    return ids


@pytest.fixture
async def world(app: Any, settings: Settings) -> FuzzWorld:
    """Seed the privacy and Reach worlds, then list their ids, slugs and viewers."""
    cipher = FieldCipher(settings.field_encryption_key)
    ds = await build_dataset(cipher)
    people = await build_people(ds, cipher)
    reach = await build_reach(ds, people)
    tokens = TokenService(settings)

    slugs = [*ds.city_ids, *ds.specialty_ids, ds.hospital_slug, ds.small_hospital_slug]
    slugs += [ds.center_slug, ds.profile_slug, ds.lonely_slug, "dr-doctor-001", "dr-doctor-020"]
    slugs += ["cbc", "lipid-profile", "aarogya-group", "bandra-care", "kothrud", "bandra-west"]
    slugs += ["pune-west", "NABH", "NABL", "Pune", "card", "heart", "Complete Blood", "knee"]
    slugs += ["ticket 4411: booking dispute", "+919850011223", "Gauri Kulkarni", ""]
    today = today_ist()
    return FuzzWorld(
        strings=slugs,
        ids=await _global_ids(),
        ints=[0, 1, 2, 5, 10, 20, 100, 101, 1000, 2000, ds.hospital_id, people.a.id],
        dates=[today, date(today.year, 1, 1), date(today.year + 1, 12, 31)],
        datetimes=[NOW, NOW.replace(minute=0, second=0)],
        headers=role_headers(tokens, people, reach.x),
    )

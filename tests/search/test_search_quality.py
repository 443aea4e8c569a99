"""Search quality: what patients type, and who must come first.

Each row is a realistic query (synonyms, symptoms, misspellings, Hindi / Marathi
transliterations, localities, names) and the doctors that must fill the top of the results:
every doctor of the meant specialty (in the named locality), before anyone else. The
world's best-rated doctors are homoeopaths, Ayurveda practitioners and general physicians
(see `quality_data`), so a row only passes when the query is understood. Runs on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.search.quality_data import QualityWorld, build_quality_world

SEARCH = """
query Q($query: String!) {
  searchPractitioners(city: "pune", query: $query, first: 10) {
    totalCount
    edges { sponsored node { slug } }
  }
}
"""

# (query, meant specialty or None, locality or None, one doctor's slug or None)
QUERIES: list[tuple[str, str | None, str | None, str | None]] = [
    # Synonyms, including the "skin doctor" (a homoeopath used to come first).
    ("skin doctor", "dermatologist", None, None),
    ("skin specialist", "dermatologist", None, None),
    ("heart specialist", "cardiologist", None, None),
    ("child specialist", "pediatrician", None, None),
    ("lady doctor", "gynecologist", None, None),
    ("eye doctor", "ophthalmologist", None, None),
    ("ENT doctor", "ent-specialist", None, None),
    ("bone doctor", "orthopedist", None, None),
    ("sugar specialist", "diabetologist", None, None),
    ("kidney doctor", "nephrologist", None, None),
    ("joint pain specialist", "rheumatologist", None, None),
    ("homeopathy", "homoeopath", None, None),
    # The stop word is part of the synonym: "ortho" alone also prefixes "orthodontist", and
    # "gastro" prefixes the general physicians' "gastroenteritis".
    ("ortho doctor", "orthopedist", None, None),
    ("gastro doctor", "gastroenterologist", None, None),
    # Symptoms.
    ("chest pain", "cardiologist", None, None),
    ("toothache", "dentist", None, None),
    ("acne", "dermatologist", None, None),
    ("blurred vision", "ophthalmologist", None, None),
    ("missed period", "gynecologist", None, None),
    ("burning urination", "urologist", None, None),
    ("stomach pain", "gastroenterologist", None, None),
    ("panic attacks", "psychiatrist", None, None),
    ("wheezing", "pulmonologist", None, None),
    ("fracture", "orthopedist", None, None),
    ("seizures", "neurologist", None, None),
    ("kidney stone", "urologist", None, None),
    # Misspellings.
    ("dermatolgist", "dermatologist", None, None),
    ("cardiolojist", "cardiologist", None, None),
    ("opthalmologist", "ophthalmologist", None, None),
    ("peadiatrician", "pediatrician", None, None),
    ("gynaecolgist", "gynecologist", None, None),
    ("neurolgist", "neurologist", None, None),
    ("skin docter", "dermatologist", None, None),
    # Hindi / Marathi transliterations.
    ("dant doctor", "dentist", None, None),
    ("daant ka doctor", "dentist", None, None),
    ("twacha", "dermatologist", None, None),
    ("twacha doctor", "dermatologist", None, None),
    ("dil ka doctor", "cardiologist", None, None),
    ("haddi", "orthopedist", None, None),
    ("haddi ka doctor", "orthopedist", None, None),
    ("aankh ka doctor", "ophthalmologist", None, None),
    ("pet dard", "gastroenterologist", None, None),
    ("bal rog", "pediatrician", None, None),
    ("stri rog", "gynecologist", None, None),
    ("madhumeh", "diabetologist", None, None),
    ("kaan naak gala", "ent-specialist", None, None),
    ("mulvyadh", "general-surgeon", None, None),
    # Localities, alone and with a specialty (one misspelled).
    ("kothrud", None, "kothrud", None),
    ("baner", None, "baner", None),
    ("dentist in aundh", "dentist", "aundh", None),
    ("skin doctor kondhwa", "dermatologist", "kondhwa", None),
    ("dil ka doctor kothrud", "cardiologist", "kothrud", None),
    ("heart doctor kothrod", "cardiologist", "kothrud", None),
    ("dant doctor hadapsar", "dentist", "hadapsar", None),
    ("haddi doctor near kothrud", "orthopedist", "kothrud", None),
    # Names.
    ("Dr. Meera Apte", None, None, "dr-ophthalmologist-2"),
    ("joshi eye doctor", None, None, "dr-ophthalmologist-1"),
]


@pytest.fixture
async def world(app: Any) -> QualityWorld:
    return await build_quality_world()


def _expected(
    world: QualityWorld, specialty: str | None, locality: str | None, doctor: str | None
) -> set[str]:
    if doctor is not None:
        return {doctor}
    return {
        d.slug
        for d in world.doctors.values()
        if (specialty is None or d.specialty == specialty)
        and (locality is None or d.locality == locality)
    }


def test_the_table_is_broad_enough() -> None:
    assert len(QUERIES) >= 30
    assert len({q for q, *_ in QUERIES}) == len(QUERIES)


@pytest.mark.parametrize(("query", "specialty", "locality", "doctor"), QUERIES)
async def test_the_meant_doctors_come_first(
    gql: GraphQLClient,
    world: QualityWorld,
    query: str,
    specialty: str | None,
    locality: str | None,
    doctor: str | None,
) -> None:
    expected = _expected(world, specialty, locality, doctor)
    assert expected, "the table names doctors the world does not have"
    body = await gql.execute(SEARCH, {"query": query})
    assert "errors" not in body, body["errors"]
    result = body["data"]["searchPractitioners"]
    organic = [e["node"]["slug"] for e in result["edges"] if not e["sponsored"]]
    top = organic[: len(expected)]
    assert set(top) == expected, (query, organic)

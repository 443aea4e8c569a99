"""The seed's scales and its real-world places, without a database.

The small seed's rows are pinned by a digest: growing geo.json (or any data file) for the large
scale must leave what small (and so medium) generates exactly as it was.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date

import pytest

from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.db.derived import LISTS
from hmsdesk_graph.seed import prices, visits
from hmsdesk_graph.seed.clock import set_today
from hmsdesk_graph.seed.derived import PRACTITIONER_SEARCH_COLUMNS
from hmsdesk_graph.seed.plan import build_plan
from hmsdesk_graph.seed.run import _tables
from hmsdesk_graph.seed.scale import FOUNDING_CITIES, SCALES, get_scale
from hmsdesk_graph.seed.vocabulary import load_vocabulary
from hmsdesk_graph.seed.world import build_world

# sha256 over every table's rows of `small`, seed 42, around 2027-03-10, ciphertext replaced by
# whether it is there (Fernet tokens are random by design). Taken before geo.json grew and before
# the seed wrote the search columns and db.derived's lists itself, which it leaves out
# (tests/seed/test_derived.py checks those against db.search_index).
SMALL_DIGEST = "67b9cfa76e23bff5a1e75be0aff9c668c2fc9b921f695444e0a52947b4433713"
DERIVED_COLUMNS = {
    "practitioner": set(PRACTITIONER_SEARCH_COLUMNS) | set(LISTS["practitioner"]),
    "hospital": {"search_text", *LISTS["hospital"]},
    "diagnostic_center": {"search_text", *LISTS["diagnostic_center"]},
}
DERIVED_TABLES = {"practitioner_facet_count", "practitioner_facet_member"}
FOUNDING = ("pune", "mumbai", "bengaluru", "delhi", "hyderabad", "chennai", "kolkata", "ahmedabad")


def _km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


def test_small_generates_exactly_what_it_did_before_the_cities_grew() -> None:
    set_today(date(2027, 3, 10))
    try:
        spec = get_scale("small")
        world = build_world(load_vocabulary().first_cities(spec.cities), spec, 42)
        plan = build_plan(world)
        book = prices.build_prices(world, prices.DEFAULT_PARTNER_URL)
        people = visits.name_patients(world, plan)
        total = hashlib.sha256()
        for data in _tables(world, plan, book, people, FieldCipher("x" * 44)):
            if data.table in DERIVED_TABLES:
                for _row in data.rows:
                    pass
                continue
            digest = hashlib.sha256()
            sealed = [i for i, c in enumerate(data.columns) if c.endswith("_ciphertext")]
            derived = DERIVED_COLUMNS.get(data.table, set())
            kept = [i for i, c in enumerate(data.columns) if c not in derived]
            for row in data.rows:
                values = [row[i] for i in kept]
                for i in sealed:
                    values[kept.index(i)] = row[i] is not None
                digest.update(repr(tuple(values)).encode())
            total.update(digest.digest())
    finally:
        set_today(None)
    assert total.hexdigest() == SMALL_DIGEST


def test_small_and_medium_stay_in_the_founding_cities_large_covers_all() -> None:
    vocab = load_vocabulary()
    assert tuple(c.slug for c in vocab.cities[:FOUNDING_CITIES]) == FOUNDING
    for name in ("small", "medium"):
        cities = vocab.first_cities(SCALES[name].cities).cities
        assert tuple(c.slug for c in cities) == FOUNDING
    assert vocab.first_cities(SCALES["large"].cities).cities == vocab.cities


def test_large_is_a_national_marketplace_of_a_million_practitioners() -> None:
    large, medium = SCALES["large"], SCALES["medium"]
    assert large.practitioners >= 1_000_000
    assert large.cities is None and len(load_vocabulary().cities) >= 60
    assert large.hospitals == 10 * medium.hospitals and large.centers == 10 * medium.centers
    # Thinner history per entity (see the Scale docstring), still some of every kind.
    assert 0 < large.visits_per_practitioner < medium.visits_per_practitioner
    assert 0 < large.event_days < medium.event_days
    # Most of large's practitioners are outside the founding cities: not 8 cities 10x denser.
    weights = [c.weight for c in load_vocabulary().cities]
    assert sum(weights[:FOUNDING_CITIES]) / sum(weights) < 0.4


def test_every_city_is_complete_and_its_localities_are_in_it() -> None:
    vocab = load_vocabulary()
    slugs = [c.slug for c in vocab.cities]
    assert len(slugs) == len(set(slugs)) >= 60
    for city in vocab.cities:
        assert city.region in vocab.councils, city.slug
        assert set(vocab.councils[city.region]) >= {s.council for s in vocab.specialties}
        assert all(pool in vocab.name_pools for pool, _ in city.name_pools), city.slug
        assert city.languages[0] == "English" and len(city.languages) >= 2
        assert city.std_code.isdigit() and 2 <= len(city.std_code) <= 4, city.slug
        assert city.weight > 0 and 0.6 <= city.price_level <= 1.4
        assert len(city.localities) >= 6
        assert 6 <= city.lat <= 37 and 68 <= city.lng <= 98, city.slug  # inside India
        locality_slugs = [loc.slug for loc in city.localities]
        assert len(locality_slugs) == len(set(locality_slugs)), city.slug
        for loc in city.localities:
            where = f"{city.slug}/{loc.slug}"
            assert _km(city.lat, city.lng, loc.lat, loc.lng) < 35, where
            assert loc.pincode.isdigit() and len(loc.pincode) == 6, where
            assert loc.zone.startswith(f"{city.slug}-") and len(loc.zone) <= 32, where
            assert loc.roads and all(loc.roads), where


def test_cities_of_a_state_share_its_pincode_circle() -> None:
    """The first digit of an Indian pincode is its postal region, shared within a state."""
    first_digits: dict[str, set[str]] = {}
    for city in load_vocabulary().cities:
        for loc in city.localities:
            first_digits.setdefault(city.state, set()).add(loc.pincode[0])
    assert all(len(digits) == 1 for digits in first_digits.values()), first_digits


def test_an_empty_city_list_is_refused() -> None:
    with pytest.raises(ValueError):
        load_vocabulary().first_cities(0)

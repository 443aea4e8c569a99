"""Rows for the reference tables: cities, localities, specialties and lab tests."""

from __future__ import annotations

from hmsdesk_graph.seed.drafts import World
from hmsdesk_graph.seed.tables import TableRows
from hmsdesk_graph.seed.vocabulary import Vocabulary


def city_rows(vocab: Vocabulary) -> TableRows:
    rows = [(i, c.slug, c.name, c.state, c.lat, c.lng) for i, c in enumerate(vocab.cities, start=1)]
    return TableRows("city", ("id", "slug", "name", "state", "lat", "lng"), rows, len(rows))


def locality_rows(world: World) -> TableRows:
    rows = [
        (
            loc.id,
            loc.city + 1,
            loc.info.slug,
            loc.info.name,
            loc.info.lat,
            loc.info.lng,
            loc.info.zone,
        )
        for loc in world.localities
    ]
    columns = ("id", "city_id", "slug", "name", "lat", "lng", "zone")
    return TableRows("locality", columns, rows, len(rows))


def specialty_rows(vocab: Vocabulary) -> TableRows:
    rows = [
        (i, s.slug, s.name, s.search_synonyms, list(s.symptoms), s.system)
        for i, s in enumerate(vocab.specialties, start=1)
    ]
    columns = ("id", "slug", "name", "synonyms", "symptoms", "system")
    return TableRows("specialty", columns, rows, len(rows))


def lab_test_rows(vocab: Vocabulary) -> TableRows:
    rows = [
        (
            i,
            t.slug,
            t.name,
            t.category,
            t.sample_type,
            t.fasting_hours,
            t.parameters_count,
            list(t.synonyms),
        )
        for i, t in enumerate(vocab.lab_tests, start=1)
    ]
    columns = (
        "id", "slug", "name", "category", "sample_type", "fasting_hours", "parameters_count",
        "synonyms",
    )  # fmt: skip
    return TableRows("lab_test", columns, rows, len(rows))

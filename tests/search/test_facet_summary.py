"""Facets from the kept counts equal facets counted from the rows, after every kind of write.

A search with only a city, a specialty and a gender reads its total and facets from
`practitioner_facet_count`; `counted_from_rows` is the one-pass statement over the rows. After
each write (a practice added or removed, a fee changed, a review published, a practitioner
retired, re-specialised or deleted) and the search-column refresh its write path runs, both
must agree for every such key, and the incremental counts must equal a full recount.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hmsdesk_graph.db import models
from hmsdesk_graph.db.connection import write_connection
from hmsdesk_graph.db.enums import PractitionerStatus
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.search import practitioners
from hmsdesk_graph.search.practitioners import (
    PractitionerSearch,
    counted_from_rows,
    counted_key,
    search_count,
    search_summary,
)
from hmsdesk_graph.search.text import TextQuery
from hmsdesk_graph.workers.review_publishing import publish_due_reviews
from tests.factories import Dataset
from tests.search.test_practitioner_facets import varied  # noqa: F401 (fixture)

NO_TEXT = TextQuery(raw="", terms=(), specialty_ids=frozenset())
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
SUNDAY = datetime(2026, 12, 13, 10, 0, tzinfo=UTC)


async def _keys(city_id: int) -> list[PractitionerSearch]:
    specialties = [s.pk for s in await models.Specialty.all()]
    searches = []
    for specialty in [None, *specialties]:
        for gender in (None, "FEMALE", "MALE", "OTHER"):
            for now in (MONDAY, SUNDAY):
                searches.append(
                    PractitionerSearch(
                        city_id=city_id,
                        text=NO_TEXT,
                        specialty_ids=() if specialty is None else (specialty,),
                        gender=gender,
                        now=now,
                    )
                )
    return searches


async def _counts() -> list[tuple[Any, ...]]:
    rows = await write_connection().execute_query_dict(
        "SELECT city_id, specialty_id, gender, facet, value, ref, n"
        " FROM practitioner_facet_count WHERE n <> 0"
        " ORDER BY city_id, specialty_id, gender, facet, value"
    )
    return [tuple(r.values()) for r in rows]


async def _assert_same(dataset: Dataset) -> None:
    for city_id in dataset.city_ids.values():
        for s in await _keys(city_id):
            assert counted_key(s) is not None
            kept = await practitioners._counted_summary(s)
            assert kept is not None, "the counts are built, so the search reads them"
            assert kept == await counted_from_rows(s), s
            assert await search_summary(s) == kept
            assert await search_count(s) == kept.total
    # The increments add up to a recount from scratch.
    incremental = await _counts()
    await refresh_search_columns()
    assert await _counts() == incremental


async def _add_practice(ds: Dataset) -> list[int]:
    hospital = await models.Hospital.get(slug="baner-nursing-home")
    await models.PractitionerRole.create(
        practitioner_id=ds.doctor_ids[1],
        hospital_id=hospital.pk,
        consultation_fee_paise=10000,
        weekly_hours={"SUN": [["09:00", "12:00"]]},
    )
    return [ds.doctor_ids[1]]


async def _remove_practice(ds: Dataset) -> list[int]:
    role = await models.PractitionerRole.filter(practitioner_id=ds.doctor_ids[0]).first()
    assert role is not None
    await role.delete()
    return [ds.doctor_ids[0]]


async def _change_fee(ds: Dataset) -> list[int]:
    changed = ds.doctor_ids[2:6]
    await models.PractitionerRole.filter(practitioner_id__in=changed).update(
        consultation_fee_paise=175000
    )
    return changed


async def _publish_reviews(ds: Dataset) -> list[int]:
    # The publisher refreshes what it published itself; nothing more to refresh here.
    report = await publish_due_reviews(timedelta(0), now=datetime.now(UTC) + timedelta(days=30))
    assert report.published, "the dataset has pending reviews to publish"
    return []


async def _retire_and_respecialise(ds: Dataset) -> list[int]:
    await models.Practitioner.filter(id=ds.doctor_ids[3]).update(status=PractitionerStatus.EXPIRED)
    await models.Practitioner.filter(id=ds.doctor_ids[4]).update(gender="OTHER")
    derm = await models.Specialty.get(slug="dermatologist")
    await models.PractitionerSpecialty.filter(practitioner_id=ds.doctor_ids[5]).delete()
    await models.PractitionerSpecialty.create(
        practitioner_id=ds.doctor_ids[5], specialty_id=derm.pk, is_primary=True
    )
    return ds.doctor_ids[3:6]


async def _delete_practitioner(ds: Dataset) -> list[int]:
    gone = ds.doctor_ids[7]
    await models.Practitioner.filter(id=gone).delete()
    return [gone]


WRITES: dict[str, Callable[[Dataset], Awaitable[list[int]]]] = {
    "practice-added": _add_practice,
    "practice-removed": _remove_practice,
    "fee-changed": _change_fee,
    "review-published": _publish_reviews,
    "retired-respecialised": _retire_and_respecialise,
    "practitioner-deleted": _delete_practitioner,
}


@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
async def test_kept_counts_equal_counts_from_rows_after_a_write(
    varied: Dataset,  # noqa: F811
    write: str,
) -> None:
    await _assert_same(varied)
    touched = await WRITES[write](varied)
    if touched:
        await refresh_search_columns(practitioner_ids=touched)
    await _assert_same(varied)


async def test_searches_the_counts_cannot_answer_count_rows(varied: Dataset) -> None:  # noqa: F811
    base = PractitionerSearch(city_id=varied.city_ids["pune"], text=NO_TEXT)
    dermatologist = (await models.Specialty.get(slug="dermatologist")).pk
    cardiologist = (await models.Specialty.get(slug="cardiologist")).pk
    for s in (
        PractitionerSearch(city_id=base.city_id, text=NO_TEXT, fee_max_paise=100000),
        PractitionerSearch(city_id=base.city_id, text=NO_TEXT, availability="TODAY"),
        PractitionerSearch(
            city_id=base.city_id, text=NO_TEXT, specialty_ids=(dermatologist, cardiologist)
        ),
        PractitionerSearch(
            city_id=base.city_id,
            text=TextQuery(raw="cardiologist", terms=("cardiologist",), specialty_ids=frozenset()),
        ),
    ):
        assert counted_key(s) is None
        assert await search_summary(s) == await counted_from_rows(s)
    assert counted_key(base) is not None


async def test_until_the_counts_are_built_searches_count_rows(varied: Dataset) -> None:  # noqa: F811
    await write_connection().execute_query(
        "DELETE FROM practitioner_facet_count WHERE facet = 'built'"
    )
    s = PractitionerSearch(city_id=varied.city_ids["pune"], text=NO_TEXT)
    assert await practitioners._counted_summary(s) is None
    rows = await counted_from_rows(s)
    assert rows.total > 0
    assert await search_summary(s) == rows
    assert await search_count(s) == rows.total

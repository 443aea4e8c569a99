"""The page with its totals in one statement answers as the page and the totals read apart.

`search_page_and_summary` reads the filtered rows once (text, `near`, filters) and ranks the
page from them; `search_page`, `counted_from_rows` and `search_count` read them separately.
For text, `near`, text with `near`, several facets' own filters at once, every sort, and a
second page after a cursor, both must give the same rows in the same order and the same
counts. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import PractitionerStatus
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.pagination import Page
from hmsdesk_graph.search.practitioners import (
    SORTS,
    PractitionerSearch,
    counted_from_rows,
    search_count,
    search_page,
    search_page_and_ids,
    search_page_and_summary,
    search_page_summary_and_ids,
    sort_keys,
)
from hmsdesk_graph.search.query import Near, key_of
from hmsdesk_graph.search.text import understand
from tests.factories import Dataset
from tests.search.test_practitioner_facets import varied  # noqa: F401 (fixture)

KOTHRUD = Near.checked(18.5074, 73.8077, 5.0)
COMBINED_ONLY = ("_facet", "_v", "_label", "_n", "_by_id")


def _plain(rows: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in dict(r).items() if k not in COMBINED_ONLY} for r in rows]


async def _searches(dataset: Dataset) -> list[PractitionerSearch]:
    pune = dataset.city_ids["pune"]
    derm = (await models.Specialty.get(slug="dermatologist")).pk
    locality = (await models.Locality.get(slug="kothrud")).pk
    none, doctor = await understand(None), await understand("doctor")
    skin = await understand("skin doctor")
    base = [
        PractitionerSearch(city_id=pune, text=none),
        PractitionerSearch(city_id=pune, text=doctor),
        PractitionerSearch(city_id=pune, text=none, near=KOTHRUD),
        PractitionerSearch(city_id=pune, text=doctor, near=KOTHRUD),
        PractitionerSearch(city_id=pune, text=skin, near=KOTHRUD, gender="FEMALE"),
        PractitionerSearch(
            city_id=pune,
            text=none,
            specialty_ids=(derm,),
            locality_ids=(locality,),
            fee_max_paise=150000,
            availability="NEXT_7_DAYS",
        ),
        PractitionerSearch(
            city_id=pune, text=doctor, near=KOTHRUD, gender="MALE", fee_min_paise=30000
        ),
    ]
    return [replace(s, sort=sort) for s in base for sort in SORTS]


async def test_one_statement_answers_as_the_page_and_the_totals_apart(
    varied: Dataset,  # noqa: F811
) -> None:
    checked = 0
    for s in await _searches(varied):
        first = Page(3, None)
        apart = await search_page(s, first)
        together, summary = await search_page_and_summary(s, first, facets=True)
        assert _plain(together) == _plain(apart), s
        assert summary == await counted_from_rows(s), s
        _, total_only = await search_page_and_summary(s, first, facets=False)
        assert total_only.total == summary.total == await search_count(s), s
        if len(apart) > 3:
            keys = sort_keys(SqlBuilder(), s)
            second = Page(3, key_of(apart[2], keys))
            rows, again = await search_page_and_summary(s, second, facets=True)
            assert _plain(rows) == _plain(await search_page(s, second)), s
            assert again == summary
            checked += 1
    assert checked >= 20, "most searches have a second page to compare"


async def test_rows_read_by_id_ride_with_the_page_and_change_nothing_else(
    varied: Dataset,  # noqa: F811
) -> None:
    """A search's sponsored practitioners are read in its page's statement: each ACTIVE one
    asked for comes back once, with every column (also when on the page itself), an inactive
    one does not, and the page and the totals are those read without them."""
    pune = (await models.Practitioner.filter(city_id=varied.city_ids["pune"]).order_by("id"))[:6]
    gone = pune[5]
    await models.Practitioner.filter(id=gone.pk).update(status=PractitionerStatus.EXPIRED)
    mumbai = await models.Practitioner.filter(city_id=varied.city_ids["mumbai"]).first()
    assert mumbai is not None
    for s in (await _searches(varied))[:: len(SORTS)]:
        page = Page(3, None)
        plain = await search_page(s, page)
        on_page = int(plain[0]["id"])
        ids = [on_page, pune[1].pk, mumbai.pk, gone.pk]
        rows, by_id = await search_page_and_ids(s, page, ids)
        assert _plain(rows) == _plain(plain), s
        expected = await models.Practitioner.filter(id__in=ids, status=PractitionerStatus.ACTIVE)
        assert sorted(int(r["id"]) for r in by_id) == sorted(p.pk for p in expected), s
        names = {int(r["id"]): r["name"] for r in by_id}
        assert names == {p.pk: p.name for p in expected}, s
        together, summary, by_id_too = await search_page_summary_and_ids(s, page, True, ids)
        assert _plain(together) == _plain(plain), s
        assert summary == await counted_from_rows(s), s
        assert _plain(sorted(by_id_too, key=lambda r: int(r["id"]))) == _plain(
            sorted(by_id, key=lambda r: int(r["id"]))
        ), s

"""Practitioner facet counts kept in step with the search columns (summary tables).

The facet sidebar of a search with no text, no `near` and at most a specialty and a gender
chosen is the same for every such request of a city, so its counts are kept in
`practitioner_facet_count` instead of being recounted over ~30k practitioners per request.
Keys: (city, specialty or 0 for any, gender or '' for any). Each key holds the total and the
counts per locality, fee bucket, weekday and week; the any-specialty keys also hold counts per
specialty and the any-gender keys per gender, which are the facets counted without their own
filter.

`refresh(ids)` runs wherever the search columns are refreshed: it reads what each practitioner
was last counted as (`practitioner_facet_member`), what they count as now, and adds the
difference, so a write costs a few rows, not a recount of the city. `rebuild()` starts over.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from hmsdesk_graph.db.connection import is_postgres
from hmsdesk_graph.db.dialect import id_in, placeholders

# The practitioner search's fee buckets (search.practitioners imports these): paise, [low, high).
FEE_BUCKETS = (("0-500", 0, 50000), ("500-1000", 50000, 100000), ("1000-2000", 100000, 200000))
FEE_TOP_BUCKET = ("2000+", 200000)
ANY_SPECIALTY = 0
ANY_GENDER = ""

Key = tuple[int, int, str, str, str]  # city, specialty, gender, facet, value
# c: city, g: gender, f: fee bucket, d: weekday bits, s: specialty ids, l: locality ids
Counted = dict[str, Any]


def fee_bucket(fee_paise: int) -> str:
    """The facet bucket of a practitioner's lowest fee."""
    for label, low, high in FEE_BUCKETS:
        if low <= fee_paise < high:
            return label
    return FEE_TOP_BUCKET[0]


def _contributions(m: Counted) -> Iterable[tuple[Key, int]]:
    """Every count one practitioner adds to (with the id the row refers to)."""
    city, gender, days = int(m["c"]), str(m["g"]), int(m["d"])
    for specialty in (ANY_SPECIALTY, *m["s"]):
        for g in (ANY_GENDER, gender):
            base = (city, specialty, g)
            yield (*base, "total", ""), 0
            for locality in m["l"]:
                yield (*base, "loc", str(locality)), locality
            if m["f"] is not None:
                yield (*base, "fee", m["f"]), 0
            for bit in range(7):
                if days & (1 << bit):
                    yield (*base, "day", str(bit)), 0
            if days & 0b1111111:
                yield (*base, "week", ""), 0
            if specialty == ANY_SPECIALTY:
                for s in m["s"]:
                    yield (*base, "spec", str(s)), s
            if g == ANY_GENDER:
                yield (*base, "gender", gender), 0


async def _current(conn: BaseDBAsyncClient, ids: Sequence[int]) -> dict[int, Counted]:
    """What each active practitioner counts as now (inactive or missing ones: nothing)."""
    pg = is_postgres(conn)
    cond, params = id_in(pg, ids)
    found: dict[int, Counted] = {}
    for row in await conn.execute_query_dict(
        "SELECT id, city_id, gender, min_fee_paise, available_days FROM practitioner"
        f" WHERE id {cond} AND status = 'ACTIVE'",
        params,
    ):
        fee = row["min_fee_paise"]
        found[int(row["id"])] = {
            "c": int(row["city_id"]),
            "g": str(row["gender"]),
            "f": None if fee is None else fee_bucket(int(fee)),
            "d": int(row["available_days"] or 0),
            "s": [],
            "l": [],
        }
    specialties: dict[int, set[int]] = defaultdict(set)
    for row in await conn.execute_query_dict(
        f"SELECT practitioner_id AS pid, specialty_id AS sid FROM practitioner_specialty"
        f" WHERE practitioner_id {cond}",
        params,
    ):
        specialties[int(row["pid"])].add(int(row["sid"]))
    localities: dict[int, set[int]] = defaultdict(set)
    for row in await conn.execute_query_dict(
        "SELECT r.practitioner_id AS pid, h.locality_id AS lid FROM practitioner_role r"
        f" JOIN hospital h ON h.id = r.hospital_id WHERE r.practitioner_id {cond}",
        params,
    ):
        localities[int(row["pid"])].add(int(row["lid"]))
    for pid, m in found.items():
        m["s"] = sorted(specialties.get(pid, ()))
        m["l"] = sorted(localities.get(pid, ()))
    return found


async def _lock(conn: BaseDBAsyncClient, ids: Sequence[int]) -> None:
    """PostgreSQL: one refresh of a practitioner at a time (else both would add the same change).

    SQLite has one writer at a time already.
    """
    if not is_postgres(conn):
        return
    cond, params = id_in(True, ids)
    await conn.execute_query(
        f"SELECT id FROM practitioner WHERE id {cond} ORDER BY id FOR UPDATE", params
    )
    await conn.execute_query(
        "SELECT practitioner_id FROM practitioner_facet_member"
        f" WHERE practitioner_id {cond} ORDER BY practitioner_id FOR UPDATE",
        params,
    )


async def _previous(conn: BaseDBAsyncClient, ids: Sequence[int]) -> dict[int, Counted]:
    cond, params = id_in(is_postgres(conn), ids)
    rows = await conn.execute_query_dict(
        f"SELECT practitioner_id AS pid, counted FROM practitioner_facet_member"
        f" WHERE practitioner_id {cond}",
        params,
    )
    return {int(r["pid"]): orjson.loads(r["counted"]) for r in rows}


async def _add(conn: BaseDBAsyncClient, delta: dict[Key, tuple[int, int]]) -> None:
    """Add each (count change, referenced id) to its row, creating rows as needed."""
    changes = [[*key, ref, n] for key, (n, ref) in sorted(delta.items()) if n]
    if not changes:
        return
    ph = placeholders(is_postgres(conn), 7)
    await conn.execute_many(
        "INSERT INTO practitioner_facet_count (city_id, specialty_id, gender, facet, value, ref, n)"
        f" VALUES ({', '.join(ph)}) ON CONFLICT (city_id, specialty_id, gender, facet, value)"
        " DO UPDATE SET n = practitioner_facet_count.n + excluded.n",
        changes,
    )


async def refresh(conn: BaseDBAsyncClient, ids: Sequence[int]) -> None:
    """Bring the counts in step with these practitioners' current rows (call in a transaction)."""
    if not ids:
        return
    await _lock(conn, ids)
    before = await _previous(conn, ids)
    now = await _current(conn, ids)
    delta: dict[Key, tuple[int, int]] = {}
    change: Counter[Key] = Counter()
    refs: dict[Key, int] = {}
    for sign, members in ((-1, before), (1, now)):
        for m in members.values():
            for key, ref in _contributions(m):
                change[key] += sign
                refs[key] = ref
    for key, n in change.items():
        delta[key] = (n, refs[key])
    await _add(conn, delta)
    pg = is_postgres(conn)
    gone = [pid for pid in ids if pid in before and pid not in now]
    if gone:
        cond, params = id_in(pg, gone)
        await conn.execute_query(
            f"DELETE FROM practitioner_facet_member WHERE practitioner_id {cond}", params
        )
    changed = [
        [pid, orjson.dumps(m).decode()] for pid, m in sorted(now.items()) if before.get(pid) != m
    ]
    if changed:
        ph = placeholders(pg, 2)
        await conn.execute_many(
            "INSERT INTO practitioner_facet_member (practitioner_id, counted)"
            f" VALUES ({ph[0]}, {ph[1]})"
            " ON CONFLICT (practitioner_id) DO UPDATE SET counted = excluded.counted",
            changed,
        )


async def clear(conn: BaseDBAsyncClient) -> None:
    """Forget every count (a full refresh then counts everyone again)."""
    await conn.execute_query("DELETE FROM practitioner_facet_count")
    await conn.execute_query("DELETE FROM practitioner_facet_member")


async def mark_built(conn: BaseDBAsyncClient) -> None:
    """Record that the counts cover every practitioner: searches may read them from now on."""
    # One marker row whatever ran before (a second full refresh, the migration).
    await conn.execute_query(
        "INSERT INTO practitioner_facet_count (city_id, specialty_id, gender, facet, value, ref, n)"
        " VALUES (0, 0, '', 'built', '', 0, 1) ON CONFLICT (city_id, specialty_id, gender, facet,"
        " value) DO UPDATE SET n = 1"
    )

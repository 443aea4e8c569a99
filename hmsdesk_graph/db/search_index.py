"""Derived columns: what the search screens filter, sort and match on.

Practitioners carry their cheapest fee, video / instant booking flags, the weekdays they
consult, the location of their main practice and a search document (name, specialties with
synonyms and symptoms, conditions, qualifications, hospitals, localities). Hospitals and
centers carry a search document. All three carry rating counts from published reviews and the
derived lists of `db.derived`.
`refresh_search_columns` recomputes them, and the practitioner facet counts with them
(`db.facet_summary`); run it after bulk loads and after writes that change practices,
specialties, names, status or published reviews, and before deleting a practitioner's rows
is committed (a refresh of a deleted id takes them out of the counts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from hmsdesk_graph.db import derived, facet_summary, lexicon
from hmsdesk_graph.db.connection import is_postgres, write_connection
from hmsdesk_graph.db.dialect import id_in, placeholders

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
CHUNK = 5000


def day_mask(weekly_hours: Any) -> int:
    """Bit i set when the practice has hours on weekday i (Monday = 0)."""
    if isinstance(weekly_hours, str):
        weekly_hours = orjson.loads(weekly_hours)
    mask = 0
    for i, day in enumerate(WEEKDAYS):
        if (weekly_hours or {}).get(day):
            mask |= 1 << i
    return mask


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str) else (value or [])


def _document(parts: Iterable[Any]) -> str:
    seen: list[str] = []
    for part in parts:
        text = str(part).strip()
        if text and text not in seen:
            seen.append(text)
    return " ".join(seen)


async def _ids(table: str, only: Sequence[int] | None) -> list[int]:
    if only is not None:
        return sorted(set(only))
    rows = await write_connection().execute_query_dict(f"SELECT id FROM {table} ORDER BY id")
    return [int(r["id"]) for r in rows]


def _matching(ids: Sequence[int]) -> tuple[BaseDBAsyncClient, str, list[Any]]:
    """The write connection, and the condition (with its parameters) matching these ids."""
    conn = write_connection()
    cond, params = id_in(is_postgres(conn), ids)
    return conn, cond, params


async def _terms_by_owner(
    conn: BaseDBAsyncClient, sql: str, params: list[Any], *word_lists: str
) -> dict[int, list[Any]]:
    """Each row's ``name`` then its JSON word lists (synonyms, symptoms), grouped by ``owner``."""
    terms: dict[int, list[Any]] = defaultdict(list)
    for row in await conn.execute_query_dict(sql, params):
        terms[int(row["owner"])] += [row["name"], *(w for c in word_lists for w in _json(row[c]))]
    return terms


async def _write_documents(
    conn: BaseDBAsyncClient,
    table: str,
    sql: str,
    params: list[Any],
    parts: Callable[[dict[str, Any]], list[Any]],
) -> None:
    """Set ``table.search_text`` of each row ``sql`` selects (with its ``id``) to its ``parts``."""
    rows = await conn.execute_query_dict(sql, params)
    documents = [_document(parts(row)) for row in rows]
    await lexicon.remember(conn, documents)
    updates = [[document, int(row["id"])] for document, row in zip(documents, rows, strict=True)]
    ph = placeholders(is_postgres(conn), 2)
    await conn.execute_many(f"UPDATE {table} SET search_text = {ph[0]} WHERE id = {ph[1]}", updates)


def _names(value: Any) -> list[Any]:
    """The names in a JSON list of objects (accreditations)."""
    return [item.get("name", "") for item in _json(value)]


async def _refresh_practitioners(ids: Sequence[int]) -> None:
    conn, cond, params = _matching(ids)
    specialties = await _terms_by_owner(
        conn,
        "SELECT ps.practitioner_id AS owner, s.name, s.synonyms, s.symptoms FROM"
        f" practitioner_specialty ps JOIN specialty s ON s.id = ps.specialty_id"
        f" WHERE ps.practitioner_id {cond}",
        params,
        "synonyms",
        "symptoms",
    )
    roles: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in await conn.execute_query_dict(
        "SELECT r.practitioner_id AS pid, r.consultation_fee_paise AS fee,"
        " r.video_fee_paise AS video,"
        " r.booking_mode AS mode, r.instant_eligible AS eligible, r.weekly_hours AS hours,"
        " h.name AS hospital, h.lat, h.lng, l.name AS locality"
        " FROM practitioner_role r JOIN hospital h ON h.id = r.hospital_id"
        f" JOIN locality l ON l.id = h.locality_id WHERE r.practitioner_id {cond}"
        " ORDER BY r.practitioner_id, r.consultation_fee_paise, r.id",
        params,
    ):
        roles[int(row["pid"])].append(row)
    updates = []
    for row in await conn.execute_query_dict(
        "SELECT id, name, conditions, services, qualifications FROM practitioner"
        f" WHERE id {cond} ORDER BY id",
        params,
    ):
        pid = int(row["id"])
        practices = roles.get(pid, [])
        main = practices[0] if practices else None
        mask = 0
        for practice in practices:
            mask |= day_mask(practice["hours"])
        document = _document(
            [
                row["name"],
                *specialties.get(pid, []),
                *_json(row["conditions"]),
                *_json(row["services"]),
                *[q.get("degree", "") for q in _json(row["qualifications"])],
                *[p["hospital"] for p in practices],
                *[p["locality"] for p in practices],
            ]
        )
        updates.append(
            [
                min((int(p["fee"]) for p in practices), default=None),
                any(p["video"] is not None for p in practices),
                any(p["mode"] == "INSTANT" and bool(p["eligible"]) for p in practices),
                mask,
                main["lat"] if main else None,
                main["lng"] if main else None,
                document,
                pid,
            ]
        )
    await lexicon.remember(conn, [str(update[6]) for update in updates])
    ph = placeholders(is_postgres(conn), 8)
    await conn.execute_many(
        f"UPDATE practitioner SET min_fee_paise = {ph[0]}, video_consult = {ph[1]},"
        f" instant_booking = {ph[2]}, available_days = {ph[3]}, lat = {ph[4]}, lng = {ph[5]},"
        f" search_text = {ph[6]} WHERE id = {ph[7]}",
        updates,
    )


async def _refresh_hospitals(ids: Sequence[int]) -> None:
    conn, cond, params = _matching(ids)
    specialties = await _terms_by_owner(
        conn,
        "SELECT hs.hospital_id AS owner, s.name, s.synonyms FROM hospital_specialty hs"
        f" JOIN specialty s ON s.id = hs.specialty_id WHERE hs.hospital_id {cond}",
        params,
        "synonyms",
    )
    await _write_documents(
        conn,
        "hospital",
        "SELECT h.id, h.name, h.kind, h.amenities, h.accreditations, l.name AS locality"
        f" FROM hospital h JOIN locality l ON l.id = h.locality_id WHERE h.id {cond} ORDER BY h.id",
        params,
        lambda row: [
            row["name"],
            str(row["kind"]).replace("_", " ").lower(),
            row["locality"],
            *specialties.get(int(row["id"]), []),
            *_names(row["accreditations"]),
            *_json(row["amenities"]),
        ],
    )


async def _refresh_centers(ids: Sequence[int]) -> None:
    conn, cond, params = _matching(ids)
    tests = await _terms_by_owner(
        conn,
        "SELECT DISTINCT pp.diagnostic_center_id AS owner, t.name, t.synonyms FROM price_package pp"
        " JOIN package_lab_test plt ON plt.package_id = pp.id"
        " JOIN lab_test t ON t.id = plt.lab_test_id"
        f" WHERE pp.diagnostic_center_id {cond}",
        params,
        "synonyms",
    )
    await _write_documents(
        conn,
        "diagnostic_center",
        "SELECT c.id, c.name, c.accreditations, l.name AS locality FROM diagnostic_center c"
        f" JOIN locality l ON l.id = c.locality_id WHERE c.id {cond} ORDER BY c.id",
        params,
        lambda row: [
            row["name"],
            row["locality"],
            *_names(row["accreditations"]),
            *tests.get(int(row["id"]), []),
        ],
    )


async def _refresh_ratings(table: str, column: str, ids: Sequence[int]) -> None:
    """Denormalised rating count, sum and recommendations from published reviews."""
    conn, cond, params = _matching(ids)
    published = f"FROM review r WHERE r.{column} = {table}.id AND r.status = 'PUBLISHED'"
    await conn.execute_query(
        f"UPDATE {table} SET rating_count = (SELECT COUNT(*) {published}),"
        f" rating_sum = (SELECT COALESCE(SUM(r.rating), 0) {published}),"
        f" recommend_count = (SELECT COALESCE(SUM(CASE WHEN r.recommend THEN 1 ELSE 0 END), 0)"
        f" {published}) WHERE id {cond}",
        params,
    )


async def refresh_search_columns(
    practitioner_ids: Sequence[int] | None = None,
    hospital_ids: Sequence[int] | None = None,
    center_ids: Sequence[int] | None = None,
) -> int:
    """Recompute derived search columns (all rows when no ids are given); returns rows touched."""
    everything = practitioner_ids is None and hospital_ids is None and center_ids is None
    touched = 0
    if everything:
        # Counted again from scratch below; searches read rows until the counts are complete.
        async for attempt in _lock_retries():
            with attempt:
                await facet_summary.clear(write_connection())
    for table, only, refresh, review_column in (
        ("practitioner", practitioner_ids, _refresh_practitioners, "practitioner_id"),
        ("hospital", hospital_ids, _refresh_hospitals, "hospital_id"),
        ("diagnostic_center", center_ids, _refresh_centers, "diagnostic_center_id"),
    ):
        if only is None and not everything:
            continue
        ids = await _ids(table, only)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            # A chunk is a pure recomputation, so it is safe to run again when SQLite's busy
            # timeout ran out under another process's writes (two publishers, a cron job).
            async for attempt in _lock_retries():
                with attempt:
                    await _refresh_ratings(table, review_column, chunk)
                    await derived.derive(write_connection(), table, chunk)
                    await refresh(chunk)
                    if table == "practitioner":
                        await _refresh_facets(chunk)
            touched += len(chunk)
    if everything:
        async for attempt in _lock_retries():
            with attempt:
                await facet_summary.mark_built(write_connection())
    return touched


async def _refresh_facets(ids: Sequence[int]) -> None:
    # One transaction: the counts and what each practitioner was counted as change together.
    async with in_transaction("default") as conn:
        await facet_summary.refresh(conn, ids)


def _sqlite_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def _lock_retries() -> AsyncRetrying:
    return AsyncRetrying(
        retry=retry_if_exception(_sqlite_locked),
        stop=stop_after_attempt(5),
        wait=wait_random_exponential(multiplier=0.05, max=2.0),
        reraise=True,
    )

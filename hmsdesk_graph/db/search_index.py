"""Derived columns: what the search screens filter, sort and match on.

Practitioners carry their cheapest fee, video / instant booking flags, the weekdays they
consult, the location of their main practice and a search document (name, specialties with
synonyms and symptoms, conditions, qualifications, hospitals, localities). Hospitals and
centers carry a search document. All three carry rating counts from published reviews.
`refresh_search_columns` recomputes them; run it after bulk loads and after writes that
change practices, specialties, names or published reviews.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from hmsdesk_graph.db.connection import is_postgres, write_connection

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


def _placeholders(postgres: bool, count: int) -> list[str]:
    return [f"${i}" if postgres else "?" for i in range(1, count + 1)]


async def _ids(table: str, only: Sequence[int] | None) -> list[int]:
    if only is not None:
        return sorted(set(only))
    rows = await write_connection().execute_query_dict(f"SELECT id FROM {table} ORDER BY id")
    return [int(r["id"]) for r in rows]


def _in_list(postgres: bool, ids: Sequence[int]) -> tuple[str, list[Any]]:
    if postgres:
        return "= ANY($1::int[])", [list(ids)]
    return "IN (SELECT value FROM json_each(?))", [orjson.dumps(list(ids)).decode()]


async def _refresh_practitioners(ids: Sequence[int]) -> None:
    conn = write_connection()
    pg = is_postgres(conn)
    cond, params = _in_list(pg, ids)
    specialties: dict[int, list[Any]] = defaultdict(list)
    for row in await conn.execute_query_dict(
        "SELECT ps.practitioner_id AS pid, s.name, s.synonyms, s.symptoms FROM"
        f" practitioner_specialty ps JOIN specialty s ON s.id = ps.specialty_id"
        f" WHERE ps.practitioner_id {cond}",
        params,
    ):
        specialties[int(row["pid"])] += [
            row["name"],
            *_json(row["synonyms"]),
            *_json(row["symptoms"]),
        ]
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
    ph = _placeholders(pg, 8)
    await conn.execute_many(
        f"UPDATE practitioner SET min_fee_paise = {ph[0]}, video_consult = {ph[1]},"
        f" instant_booking = {ph[2]}, available_days = {ph[3]}, lat = {ph[4]}, lng = {ph[5]},"
        f" search_text = {ph[6]} WHERE id = {ph[7]}",
        updates,
    )


async def _refresh_hospitals(ids: Sequence[int]) -> None:
    conn = write_connection()
    pg = is_postgres(conn)
    cond, params = _in_list(pg, ids)
    specialties: dict[int, list[Any]] = defaultdict(list)
    for row in await conn.execute_query_dict(
        "SELECT hs.hospital_id AS hid, s.name, s.synonyms FROM hospital_specialty hs"
        f" JOIN specialty s ON s.id = hs.specialty_id WHERE hs.hospital_id {cond}",
        params,
    ):
        specialties[int(row["hid"])] += [row["name"], *_json(row["synonyms"])]
    updates = []
    for row in await conn.execute_query_dict(
        "SELECT h.id, h.name, h.kind, h.amenities, h.accreditations, l.name AS locality"
        f" FROM hospital h JOIN locality l ON l.id = h.locality_id WHERE h.id {cond} ORDER BY h.id",
        params,
    ):
        hid = int(row["id"])
        document = _document(
            [
                row["name"],
                str(row["kind"]).replace("_", " ").lower(),
                row["locality"],
                *specialties.get(hid, []),
                *[a.get("name", "") for a in _json(row["accreditations"])],
                *_json(row["amenities"]),
            ]
        )
        updates.append([document, hid])
    ph = _placeholders(pg, 2)
    await conn.execute_many(
        f"UPDATE hospital SET search_text = {ph[0]} WHERE id = {ph[1]}", updates
    )


async def _refresh_centers(ids: Sequence[int]) -> None:
    conn = write_connection()
    pg = is_postgres(conn)
    cond, params = _in_list(pg, ids)
    tests: dict[int, list[Any]] = defaultdict(list)
    for row in await conn.execute_query_dict(
        "SELECT DISTINCT pp.diagnostic_center_id AS cid, t.name, t.synonyms FROM price_package pp"
        " JOIN package_lab_test plt ON plt.package_id = pp.id"
        " JOIN lab_test t ON t.id = plt.lab_test_id"
        f" WHERE pp.diagnostic_center_id {cond}",
        params,
    ):
        tests[int(row["cid"])] += [row["name"], *_json(row["synonyms"])]
    updates = []
    for row in await conn.execute_query_dict(
        "SELECT c.id, c.name, c.accreditations, l.name AS locality FROM diagnostic_center c"
        f" JOIN locality l ON l.id = c.locality_id WHERE c.id {cond} ORDER BY c.id",
        params,
    ):
        cid = int(row["id"])
        document = _document(
            [
                row["name"],
                row["locality"],
                *[a.get("name", "") for a in _json(row["accreditations"])],
                *tests.get(cid, []),
            ]
        )
        updates.append([document, cid])
    ph = _placeholders(pg, 2)
    await conn.execute_many(
        f"UPDATE diagnostic_center SET search_text = {ph[0]} WHERE id = {ph[1]}", updates
    )


async def _refresh_ratings(table: str, column: str, ids: Sequence[int]) -> None:
    """Denormalised rating count, sum and recommendations from published reviews."""
    conn = write_connection()
    cond, params = _in_list(is_postgres(conn), ids)
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
            await _refresh_ratings(table, review_column, chunk)
            await refresh(chunk)
            touched += len(chunk)
    return touched

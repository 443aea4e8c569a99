"""Migrations: applied one at a time to a database with data, every row survives each step.

Each step runs in its own process, as `hmsdesk-graph migrate --to NAME` does in production
(tortoise keeps one global configuration per process).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import BACKEND, DatabaseFactory

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = sorted(
    p.stem for p in (ROOT / "hmsdesk_graph" / "db" / "migrations").glob("[0-9][0-9][0-9][0-9]_*.py")
)

# Rows valid against the first migration's schema: one of every core entity, with the
# personal columns as ciphertext placeholders (their content does not matter here).
CANARY_0001 = [
    "INSERT INTO city (id, slug, name, state, lat, lng) VALUES (1, 'pune', 'Pune', 'MH', 18.5, 73.8)",
    "INSERT INTO locality (id, city_id, slug, name, lat, lng, zone) VALUES (1, 1, 'kothrud', 'Kothrud', 18.5, 73.8, 'pune-west')",
    "INSERT INTO specialty (id, slug, name, synonyms, symptoms, system) VALUES (1, 'cardiologist', 'Cardiologist', '[]', '[]', 'ALLOPATHY')",
    "INSERT INTO partner (id, slug, name, created_at) VALUES (1, 'p', 'P', '2026-01-01 00:00:00+00:00')",
    "INSERT INTO hospital (id, slug, name, kind, city_id, locality_id, partner_id, address, lat, lng, beds, icu_beds, accreditations, amenities, open_24x7, emergency, rating_count, rating_sum, recommend_count, created_at, updated_at) VALUES (1, 'h', 'H', 'HOSPITAL', 1, 1, 1, 'Addr', 18.5, 73.8, 10, 1, '[]', '[]', {f}, {f}, 0, 0, 0, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')",
    "INSERT INTO practitioner (id, slug, name, gender, city_id, registration_number, council, qualifications, practising_since, languages, conditions, services, about, verified, status, phone_ciphertext, rating_count, rating_sum, recommend_count, created_at, updated_at) VALUES (1, 'dr', 'Dr', 'FEMALE', 1, 'R1', 'MMC', '[]', 2010, '[]', '[]', '[]', '', {t}, 'ACTIVE', 'gAAAA-ciphertext', 1, 5, 1, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')",
    "INSERT INTO practitioner_specialty (id, practitioner_id, specialty_id, is_primary) VALUES (1, 1, 1, {t})",
    "INSERT INTO practitioner_role (id, practitioner_id, hospital_id, consultation_fee_paise, follow_up_free_days, weekly_hours, slot_minutes, slot_capacity, booking_mode, instant_eligible) VALUES (1, 1, 1, 50000, 7, '{{}}', 15, 1, 'INSTANT', {t})",
    "INSERT INTO price_package (id, practitioner_id, name, kind, price_min_paise, price_max_paise, currency, approximate, created_at, updated_at) VALUES (1, 1, 'Consultation', 'CONSULTATION', 50000, 50000, 'INR', {f}, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')",
    "INSERT INTO patient (id, name_ciphertext, created_at) VALUES (1, 'gAAAA-name', '2026-01-01 00:00:00+00:00')",
    "INSERT INTO appointment (id, patient_id, role_id, visit_kind, slot_start, status, idempotency_key, created_at, updated_at) VALUES (1, 1, 1, 'CONSULTATION', '2026-02-01 04:00:00+00:00', 'HONOURED', 'k1', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')",
    "INSERT INTO review (id, appointment_id, patient_id, target_kind, practitioner_id, rating, recommend, tags, text, anonymous, author_display_name, verified_patient, status, created_at) VALUES (1, 1, 1, 'PRACTITIONER', 1, 5, {t}, '[]', 'Good', {f}, 'A B.', {t}, 'PUBLISHED', '2026-02-02 00:00:00+00:00')",
]
CHECKED = [
    "city",
    "locality",
    "specialty",
    "partner",
    "hospital",
    "practitioner",
    "practitioner_specialty",
    "practitioner_role",
    "price_package",
    "patient",
    "appointment",
    "review",
]


def _cli(url: str, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HMSDESK_")}
    env["HMSDESK_DATABASE_URL"] = url
    result = subprocess.run(
        [sys.executable, "-m", "hmsdesk_graph", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def _run_sql(url: str, statements: list[str]) -> list[Any]:
    if BACKEND == "sqlite":
        conn = sqlite3.connect(url.removeprefix("sqlite://"))
        try:
            results = [conn.execute(s).fetchall() for s in statements]
            conn.commit()
            return results
        finally:
            conn.close()
    import asyncio

    import asyncpg

    async def run() -> list[Any]:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
        try:
            return [[tuple(r) for r in await conn.fetch(s)] for s in statements]
        finally:
            await conn.close()

    return asyncio.run(run())


def _snapshot(url: str) -> list[Any]:
    return _run_sql(
        url,
        [
            f"SELECT * FROM {t} ORDER BY id"
            for t in ["city", "practitioner", "review", "appointment", "price_package"]
        ]
        + [f"SELECT COUNT(*) FROM {t}" for t in CHECKED],
    )


def test_there_is_a_migration_history() -> None:
    assert MIGRATIONS[0] == "0001_initial" and len(MIGRATIONS) >= 3


def test_each_step_keeps_every_row(database_factory: DatabaseFactory) -> None:
    url = database_factory.empty()
    _cli(url, "migrate", "--to", MIGRATIONS[0])
    literals = {"t": "TRUE", "f": "FALSE"} if BACKEND == "postgres" else {"t": "1", "f": "0"}
    _run_sql(url, [s.format(**literals) for s in CANARY_0001])
    counts = [r[0][0] for r in _snapshot(url)[-len(CHECKED) :]]
    assert counts == [1] * len(CHECKED)
    for name in MIGRATIONS[1:]:
        before = _snapshot(url)
        _cli(url, "migrate", "--to", name)
        after = _snapshot(url)
        # Rows survive; columns a step adds may extend a row but never change what was there.
        for table_before, table_after in zip(before, after, strict=True):
            assert len(table_after) == len(table_before), name
            for row_before, row_after in zip(table_before, table_after, strict=True):
                assert tuple(row_after)[: len(row_before)] == tuple(row_before) or set(
                    row_before
                ) <= set(row_after), name


def test_migrating_a_seeded_database_again_changes_nothing(
    database_factory: DatabaseFactory,
) -> None:
    url = database_factory.empty()
    _cli(url, "seed", "--scale", "small")
    before = _snapshot(url)
    _cli(url, "migrate")
    assert _snapshot(url) == before


def test_foreign_keys_hold_after_all_steps(database_factory: DatabaseFactory) -> None:
    url = database_factory.empty()
    _cli(url, "seed", "--scale", "small")
    if BACKEND == "sqlite":
        # SQLite rebuilds tables to add constraints: check every reference still resolves.
        assert _run_sql(url, ["PRAGMA foreign_key_check"]) == [[]]
    else:
        check = "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"
        assert _run_sql(url, [check]) == [[(0,)]]

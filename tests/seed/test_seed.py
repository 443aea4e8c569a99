"""The seed generator at small scale, on the configured backend (SQLite or PostgreSQL).

One database is seeded per module and only read by the checks; the determinism test seeds
its own database (same seed: identical rows; reset: empty; other seed: different rows).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from tortoise import connections, fields

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.connection import close_database, is_postgres, open_database
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.db.models import City
from hmsdesk_graph.seed import database_is_empty, reset_database, seed_database
from hmsdesk_graph.seed.clock import set_today
from hmsdesk_graph.seed.maintenance import tables_children_first
from hmsdesk_graph.seed.practitioners import PRACTITIONER_COLUMNS
from hmsdesk_graph.seed.reviews import REVIEW_COLUMNS
from hmsdesk_graph.seed.writer import hmsdesk_models
from tests.conftest import DatabaseFactory, base_settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


SEED = 20261101
TODAY = date(2027, 3, 10)  # the seed places its activity around this day
PARTNER_PORT = _free_port()  # the sandbox of the feed test listens here, not on 8100
PARTNER_URL = f"http://127.0.0.1:{PARTNER_PORT}"
PHONE_PATTERN = re.compile(r"^\+91\d{10}$")


@dataclass
class Seeded:
    settings: Settings
    rows: dict[str, int]
    snapshot: str


async def query(sql: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await connections.get("default").execute_query_dict(sql)
    return rows


async def scalar(sql: str) -> Any:
    rows = await query(sql)
    return next(iter(rows[0].values()))


async def snapshot() -> str:
    """A digest of every practitioner and review column except ciphertext.

    Fernet ciphertext embeds a random IV and a timestamp by design, so only it may differ
    between two runs with the same seed; the lookup hashes (deterministic) stay in.
    """
    digest = hashlib.sha256()
    for table, columns in (("practitioner", PRACTITIONER_COLUMNS), ("review", REVIEW_COLUMNS)):
        plain = ", ".join(c for c in columns if not c.endswith("_ciphertext"))
        for row in await query(f"SELECT {plain} FROM {table} ORDER BY id"):
            digest.update(repr(tuple(row.values())).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def seeded_database(database_factory: DatabaseFactory) -> Iterator[Seeded]:
    settings = base_settings(database_url=database_factory.new("seeded"))

    async def seed() -> Seeded:
        await open_database(settings)
        try:
            cipher = FieldCipher(settings.field_encryption_key)
            report = await seed_database(
                "small", SEED, cipher, progress=False, today=TODAY, partner_url=PARTNER_URL
            )
            return Seeded(settings, report.rows, await snapshot())
        finally:
            await close_database()

    yield asyncio.run(seed())


@pytest.fixture
async def seeded(seeded_database: Seeded) -> AsyncIterator[Seeded]:
    """The module's seeded database, opened for one test (read only)."""
    await open_database(seeded_database.settings)
    try:
        yield seeded_database
    finally:
        await close_database()


async def test_row_counts_are_in_range(seeded: Seeded) -> None:
    rows = seeded.rows
    assert rows["practitioner"] == 2_000
    assert rows["hospital"] == 120
    assert rows["diagnostic_center"] == 60
    assert rows["patient"] == 4_000
    assert 7_000 <= rows["price_package"] <= 10_000
    assert 15_000 <= rows["review"] <= 25_000
    assert rows["appointment"] > rows["review"] / 2
    for table, count in rows.items():
        assert await scalar(f'SELECT COUNT(*) AS n FROM "{table}"') == count, table
    assert rows["daily_stat"] > 0 and rows["listing_event"] > 0  # Reach: see seed.events


async def test_real_cities_and_localities(seeded: Seeded) -> None:
    cities = {r["slug"]: r for r in await query("SELECT slug, name, state, lat FROM city")}
    assert {"pune", "mumbai", "bengaluru", "delhi"} <= set(cities)
    assert cities["pune"]["state"] == "Maharashtra"
    assert 18.4 < cities["pune"]["lat"] < 18.7
    zones = await query(
        "SELECT l.slug, l.zone FROM locality l JOIN city c ON c.id = l.city_id"
        " WHERE c.slug = 'pune'"
    )
    by_slug = {r["slug"]: r["zone"] for r in zones}
    assert by_slug["kothrud"] == "pune-west"
    assert by_slug["viman-nagar"] == "pune-east"


async def test_every_package_has_one_owner_and_a_sane_price(seeded: Seeded) -> None:
    bad = await scalar(
        "SELECT COUNT(*) AS n FROM price_package WHERE"
        " (CASE WHEN practitioner_id IS NULL THEN 0 ELSE 1 END"
        " + CASE WHEN hospital_id IS NULL THEN 0 ELSE 1 END"
        " + CASE WHEN diagnostic_center_id IS NULL THEN 0 ELSE 1 END) <> 1"
        " OR price_min_paise > price_max_paise OR currency <> 'INR'"
        " OR (offer_price_paise IS NOT NULL AND offer_price_paise >= list_price_paise)"
    )
    assert bad == 0
    kinds = {r["kind"] for r in await query("SELECT DISTINCT kind FROM price_package")}
    assert kinds == {
        "CONSULTATION", "FOLLOW_UP", "VIDEO_CONSULTATION", "LAB_TEST", "HEALTH_PACKAGE",
        "PROCEDURE", "SURGERY_PACKAGE", "ROOM_RENT",
    }  # fmt: skip
    unlinked = await scalar(
        "SELECT COUNT(*) AS n FROM price_package p WHERE p.kind IN ('LAB_TEST', 'HEALTH_PACKAGE')"
        " AND NOT EXISTS (SELECT 1 FROM package_lab_test l WHERE l.package_id = p.id)"
    )
    assert unlinked == 0
    wards = await query(
        "SELECT ward, MIN(price_min_paise) AS low FROM price_package"
        " WHERE procedure = 'knee-replacement' GROUP BY ward"
    )
    assert {r["ward"] for r in wards} >= {"GENERAL", "SEMI_PRIVATE", "PRIVATE"}


@pytest.mark.parametrize("table", ["practitioner", "hospital", "diagnostic_center"])
async def test_denormalised_ratings_equal_published_reviews(seeded: Seeded, table: str) -> None:
    column = f"{table}_id"
    mismatches = await scalar(
        f"SELECT COUNT(*) AS n FROM {table} t LEFT JOIN ("
        f" SELECT {column} AS id, COUNT(*) AS c, SUM(rating) AS s,"
        f" SUM(CASE WHEN recommend THEN 1 ELSE 0 END) AS r FROM review"
        f" WHERE status = 'PUBLISHED' AND {column} IS NOT NULL GROUP BY {column}) x"
        " ON x.id = t.id"
        " WHERE t.rating_count <> COALESCE(x.c, 0) OR t.rating_sum <> COALESCE(x.s, 0)"
        " OR t.recommend_count <> COALESCE(x.r, 0)"
    )
    assert mismatches == 0
    assert await scalar(f"SELECT SUM(rating_count) AS n FROM {table}") > 0


async def test_reviews_come_from_honoured_appointments_of_their_target(seeded: Seeded) -> None:
    wrong = await scalar(
        "SELECT COUNT(*) AS n FROM review r"
        " JOIN appointment a ON a.id = r.appointment_id"
        " LEFT JOIN practitioner_role pr ON pr.id = a.role_id"
        " WHERE a.status <> 'HONOURED'"
        " OR (r.target_kind = 'PRACTITIONER' AND r.practitioner_id <> pr.practitioner_id)"
        " OR (r.target_kind = 'HOSPITAL' AND r.hospital_id <> pr.hospital_id)"
        " OR (r.target_kind = 'DIAGNOSTIC_CENTER'"
        "     AND r.diagnostic_center_id <> a.diagnostic_center_id)"
        " OR (r.patient_id IS NULL) <> (a.patient_id IS NULL) OR r.patient_id <> a.patient_id"
        " OR r.created_at < a.slot_start"
    )
    assert wrong == 0
    assert await scalar("SELECT COUNT(*) AS n FROM review WHERE appointment_id IS NULL") == 0
    statuses = {r["status"] for r in await query("SELECT DISTINCT status FROM review")}
    assert statuses == {"PUBLISHED", "PENDING", "REJECTED"}


async def test_review_authors_show_only_first_name_and_initial(seeded: Seeded) -> None:
    cipher = FieldCipher(seeded.settings.field_encryption_key)
    rows = await query(
        "SELECT r.anonymous, r.author_display_name, p.name_ciphertext FROM review r"
        " JOIN patient p ON p.id = r.patient_id ORDER BY r.id LIMIT 300"
    )
    for row in rows:
        if row["anonymous"]:
            assert row["author_display_name"] == "Verified patient"
            continue
        first, last = cipher.decrypt(row["name_ciphertext"]).split(" ", 1)
        assert row["author_display_name"] == f"{first} {last[0]}."
    assert any(r["anonymous"] for r in rows) and not all(r["anonymous"] for r in rows)


def _text_columns() -> dict[str, list[str]]:
    """Every text-like column of every table, except the one-way lookup hashes."""
    out: dict[str, list[str]] = {}
    for model in hmsdesk_models():
        meta = model._meta
        out[meta.db_table] = [
            column
            for name, column in meta.fields_db_projection.items()
            if isinstance(
                meta.fields_map[name], fields.CharField | fields.TextField | fields.JSONField
            )
            and not column.endswith("_hash")
        ]
    return out


async def test_contact_details_are_stored_only_encrypted(seeded: Seeded) -> None:
    cipher = FieldCipher(seeded.settings.field_encryption_key)
    phones: set[str] = set()
    sources = (
        ("patient", "phone"), ("practitioner", "phone"), ("hospital", "phone"),
        ("diagnostic_center", "phone"), ("practitioner_role", "phone"),
        ("appointment", "guest_phone"),
    )  # fmt: skip
    for table, prefix in sources:
        rows = await query(
            f"SELECT {prefix}_ciphertext AS ct, {prefix}_hash AS h FROM {table}"
            f" WHERE {prefix}_ciphertext IS NOT NULL"
        )
        assert rows, table
        for row in rows:
            phone = cipher.decrypt(row["ct"])
            assert PHONE_PATTERN.match(phone), phone
            assert cipher.lookup_hash(phone, "phone") == row["h"]
            phones.add(phone[-10:])
    emails = await query(
        "SELECT email_ciphertext AS ct FROM patient WHERE email_ciphertext IS NOT NULL"
    )
    assert all(cipher.decrypt(r["ct"]).endswith((".com", ".net", ".org")) for r in emails[:200])
    names = await query("SELECT name_ciphertext AS ct FROM patient LIMIT 50")
    assert all(" " in cipher.decrypt(r["ct"]) for r in names)

    for table, columns in _text_columns().items():
        if not columns:
            continue
        quoted = ", ".join(f'"{c}"' for c in columns)
        for row in await query(f'SELECT {quoted} FROM "{table}"'):
            text = " ".join(str(v) for v in row.values() if v is not None)
            assert "@example." not in text, table
            for run in re.findall(r"\d{10,}", text):
                windows = {run[i : i + 10] for i in range(len(run) - 9)}
                assert not windows & phones, f"a plaintext phone in {table}"


async def test_foreign_keys_hold(seeded: Seeded) -> None:
    if is_postgres():
        # PostgreSQL checks every COPY against its constraints: none may be left unvalidated.
        check = "SELECT COUNT(*) AS n FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"
        assert await scalar(check) == 0
    else:
        assert await query("PRAGMA foreign_key_check") == []


async def test_other_seed_differs_reset_empties_same_seed_same_rows(
    db: Settings, seeded_database: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    cipher = FieldCipher(db.field_encryption_key)
    assert await database_is_empty()
    with pytest.raises(ValueError, match="unknown seed scale"):
        await seed_database("huge", SEED, cipher, progress=False)

    await seed_database("small", SEED + 1, cipher, progress=False)
    assert await snapshot() != seeded_database.snapshot
    assert capsys.readouterr().err == ""  # progress=False is silent
    assert not await database_is_empty()
    with pytest.raises(RuntimeError, match="reset it"):
        await seed_database("small", SEED, cipher, progress=False)

    await reset_database()
    assert await database_is_empty()
    for table in tables_children_first():
        assert await scalar(f'SELECT COUNT(*) AS n FROM "{table}"') == 0, table
    if not is_postgres():  # the reset switches foreign keys off for speed, and back on
        assert await scalar("PRAGMA foreign_keys") == 1

    # PostgreSQL: this database is the module's too (tests share one), so seed it the same way.
    report = await seed_database(
        "small", SEED, cipher, progress=False, today=TODAY, partner_url=PARTNER_URL
    )
    assert report.rows == seeded_database.rows
    assert await snapshot() == seeded_database.snapshot
    assert "practitioner" in report.format() and "total" in report.format()
    # Ids were assigned by the seed; the next ORM insert must not collide with them.
    cities = await scalar("SELECT COUNT(*) AS n FROM city")
    city = await City.create(
        slug="nagpur", name="Nagpur", state="Maharashtra", lat=21.15, lng=79.09
    )
    assert city.id == cities + 1


def _moment(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def test_activity_is_placed_around_the_seed_day(seeded: Seeded) -> None:
    midnight = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC)
    (stats,) = await query("SELECT MIN(day) AS lo, MAX(day) AS hi FROM daily_stat")
    assert _date(stats["hi"]) == TODAY - timedelta(days=1)
    assert _date(stats["lo"]) == TODAY - timedelta(days=90)
    # The Reach dashboard's current month has figures (unless the seed day is the 1st).
    month = await scalar(
        f"SELECT COUNT(*) AS n FROM daily_stat WHERE day >= '{TODAY.replace(day=1)}'"
    )
    assert month > 0
    slots = await query("SELECT MIN(slot_start) AS lo, MAX(slot_start) AS hi FROM appointment")
    assert _moment(slots[0]["lo"]) < midnight < _moment(slots[0]["hi"])
    assert _moment(slots[0]["hi"]) < midnight + timedelta(days=60)
    (reviews,) = await query("SELECT MAX(created_at) AS hi FROM review")
    assert midnight - timedelta(days=1) < _moment(reviews["hi"]) < midnight


async def test_pending_reviews_are_inside_the_reply_window(seeded: Seeded) -> None:
    window_opened = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC) - timedelta(hours=72)
    rows = await query("SELECT created_at FROM review WHERE status = 'PENDING'")
    assert len(rows) > 10
    assert min(_moment(r["created_at"]) for r in rows) > window_opened


async def test_seeded_feeds_follow_the_partner_url(seeded: Seeded) -> None:
    urls = [r["url"] for r in await query("SELECT url FROM feed")]
    assert urls and all(u.startswith(f"{PARTNER_URL}/feeds/") for u in urls)


def test_the_seed_day_defaults_to_today() -> None:
    assert set_today() == datetime.now(UTC).date()
    assert set_today(TODAY) == TODAY


async def test_seeded_feeds_ingest_from_a_sandbox_on_another_port(seeded: Seeded) -> None:
    """Last in this module: ingestion writes prices into the module's seeded database."""
    from hmsdesk_graph.db.enums import FeedRunStatus
    from hmsdesk_graph.ingest import ingest_feeds
    from hmsdesk_graph.sandbox import start_sandbox

    (busiest,) = await query(
        "SELECT partner_id, COUNT(*) AS n FROM feed WHERE status = 'ACTIVE'"
        " GROUP BY partner_id ORDER BY COUNT(*) DESC, partner_id LIMIT 1"
    )
    sandbox = await start_sandbox("127.0.0.1", PARTNER_PORT)
    try:
        report = await ingest_feeds(seeded.settings, int(busiest["partner_id"]), out=io.StringIO())
    finally:
        await sandbox.close()
    assert len(report.feeds) >= int(busiest["n"]) >= 1
    assert report.count(FeedRunStatus.FAILED) == 0, report.format()


async def test_centers_have_collection_hours_and_booked_windows(seeded: Seeded) -> None:
    centers = await query(
        "SELECT id, weekly_hours, collection_window_minutes AS w, collection_capacity AS cap,"
        " home_collection_capacity AS home_cap, home_collection AS home FROM diagnostic_center"
    )
    assert len(centers) == 60
    for c in centers:
        hours = c["weekly_hours"]
        hours = json.loads(hours) if isinstance(hours, str) else hours
        assert set(hours) == {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"}
        assert c["w"] == 60 and c["cap"] >= 4
        assert (c["home_cap"] > 0) == bool(c["home"])
    cipher = FieldCipher(seeded.settings.field_encryption_key)
    visits = await query(
        "SELECT a.visit_kind AS kind, a.slot_start AS s, a.window_end AS e, a.status,"
        " a.collection_address_ciphertext AS ct, a.home_collection_fee_paise AS fee,"
        " c.home_collection_fee_paise AS center_fee, a.diagnostic_center_id AS cid"
        " FROM appointment a JOIN diagnostic_center c ON c.id = a.diagnostic_center_id"
    )
    homes = [v for v in visits if v["kind"] == "HOME_COLLECTION"]
    assert homes and len(homes) < len(visits)
    for v in visits:
        start, end = _instant(v["s"]), _instant(v["e"])
        local = start + timedelta(hours=5, minutes=30)
        # Every visit books a one-hour window of the collection hours.
        assert end - start == timedelta(hours=1) and local.minute == 0 and 7 <= local.hour < 19
        if v["kind"] == "HOME_COLLECTION":
            assert v["fee"] == v["center_fee"]
            assert "," in cipher.decrypt(v["ct"])  # stored only as ciphertext
        else:
            assert v["ct"] is None and v["fee"] is None
    counters = await query(
        "SELECT diagnostic_center_id AS cid, slot_start AS s, visit_kind AS kind, booked, capacity"
        " FROM center_slot_booking"
    )
    booked: dict[tuple[int, datetime, str], int] = {}
    for v in visits:
        if v["status"] == "BOOKED":
            window = (int(v["cid"]), _instant(v["s"]), str(v["kind"]))
            booked[window] = booked.get(window, 0) + 1
    assert (
        booked
        and {(int(c["cid"]), _instant(c["s"]), str(c["kind"])): c["booked"] for c in counters}
        == booked
    )
    assert all(c["booked"] <= c["capacity"] for c in counters)


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(str(value)).astimezone(UTC)

"""The sandbox's data is deterministic and realistic: slots, numbers, price lists."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import orjson

from hmsdesk_graph.sandbox.numbers import NUMBER_TTL, NumberBook
from hmsdesk_graph.sandbox.pricelists import COLUMNS, etag_matches, feed_rows, render_feed
from hmsdesk_graph.sandbox.slots import IST, day_slots, known_role, role_slots

MONDAY = date(2026, 11, 23)


def test_slots_are_fifteen_minute_ist_slots_and_deterministic() -> None:
    slots = role_slots(1, MONDAY, 7, seed=42)
    assert slots == role_slots(1, MONDAY, 7, seed=42)
    assert slots != role_slots(1, MONDAY, 7, seed=43)
    assert slots == sorted(slots)
    for at in slots:
        assert at.tzinfo == IST
        assert at.minute % 15 == 0
        assert 9 <= at.hour < 21


def test_sundays_are_closed_and_some_days_fully_booked() -> None:
    sunday = MONDAY + timedelta(days=6)
    assert day_slots(1, sunday, 42) == []
    assert day_slots(5, sunday, 42) or day_slots(10, sunday, 42)  # a few work on Sundays
    weekdays = [MONDAY + timedelta(days=d) for d in range(0, 60) if d % 7 != 6]
    empty = sum(not day_slots(3, day, 42) for day in weekdays)
    assert 0 < empty < len(weekdays) // 3


def test_some_roles_are_not_on_the_practice_system() -> None:
    assert known_role(1)
    assert not known_role(101)
    assert not known_role(0)


def test_numbers_are_reused_until_they_expire() -> None:
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    book = NumberBook(42, clock=lambda: now)
    first = book.allocate(1, "caller-0001")
    assert book.allocate(1, "caller-0001") == first
    assert first.expires_at == now + NUMBER_TTL
    assert first.to_json()["number"].startswith("+91 20 7117 ")
    now += NUMBER_TTL
    renewed = book.allocate(1, "caller-0001")
    assert renewed.generation == 1
    assert renewed.expires_at > first.expires_at


def test_price_lists_are_deterministic_and_in_rupee_strings() -> None:
    rows = feed_rows("ruby-hall-clinic", 42)
    assert rows == feed_rows("ruby-hall-clinic", 42)
    assert rows != feed_rows("ruby-hall-clinic", 42, version=1)
    refs = [row["external_ref"] for row in rows]
    assert len(refs) == len(set(refs))
    for row in rows:
        assert set(row) == set(COLUMNS)
        low, high = Decimal(row["price_min"]), Decimal(row["price_max"])
        assert Decimal(0) < low <= high
        assert row["price_min"].endswith(".00")
        if row["offer_price"]:
            assert Decimal(row["offer_price"]) < high
        assert (row["ward"] != "") == (row["kind"] in {"SURGERY_PACKAGE", "ROOM_RENT"})
        assert row["setting"] in {"INPATIENT", "OUTPATIENT"}
    lab = {row["kind"] for row in feed_rows("thyrocare-diagnostics", 42)}
    assert lab == {"LAB_TEST", "HEALTH_PACKAGE"}


def test_json_and_csv_carry_the_same_rows_with_strong_etags() -> None:
    as_json = render_feed("ruby-hall-clinic", "json", 42)
    as_csv = render_feed("ruby-hall-clinic", "csv", 42)
    json_rows = orjson.loads(as_json.body)["rows"]
    csv_rows = list(csv.DictReader(io.StringIO(as_csv.body.decode())))
    assert csv_rows == [{k: str(v) for k, v in row.items()} for row in json_rows]
    assert as_json.etag != as_csv.etag
    assert not as_json.etag.startswith("W/")
    assert render_feed("ruby-hall-clinic", "json", 42).etag == as_json.etag


def test_if_none_match_uses_weak_comparison() -> None:
    etag = '"abc"'
    assert etag_matches('"abc"', etag)
    assert etag_matches('W/"abc"', etag)
    assert etag_matches('"zzz", "abc"', etag)
    assert etag_matches("*", etag)
    assert not etag_matches('"abd"', etag)
    assert not etag_matches(None, etag)

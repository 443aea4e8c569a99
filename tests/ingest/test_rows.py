"""Parsing and validating feed rows, without a server or a database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from hmsdesk_graph.ingest.plan import (
    Owner,
    Reason,
    StoredPackage,
    find_anomaly,
    moved_too_far,
    plan_changes,
)
from hmsdesk_graph.ingest.rows import FeedFormatError, ParsedFeed, PriceRow, parse_feed
from hmsdesk_graph.ingest.values import BadValue, paise, valid_until

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
LAB_TESTS = {"lipid-profile": 7, "hba1c": 9}
HEADER = "external_ref,name,kind,ward,setting,procedure_slug,lab_test_slug,price_min,price_max"


def row(**overrides: Any) -> dict[str, Any]:
    base = {
        "external_ref": "A-1",
        "name": "Lipid Profile",
        "kind": "LAB_TEST",
        "lab_test_slug": "lipid-profile",
        "price_min": "600.00",
        "price_max": "650.50",
        "valid_until": "2027-03-31",
    }
    base.update(overrides)
    return base


async def parse_json(*rows: dict[str, Any]) -> ParsedFeed:
    body = orjson.dumps({"currency": "INR", "rows": list(rows)})
    return await parse_feed(body, "json", LAB_TESTS, NOW)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1250", 125000), ("1250.5", 125050), ("1250.50", 125050), ("0.01", 1), (" 99.99 ", 9999)],
)
def test_rupee_strings_become_exact_paise(raw: str, expected: int) -> None:
    assert paise(raw, required=True) == expected


def test_json_integers_are_whole_rupees_and_fractions_are_refused() -> None:
    assert paise(1250, required=True) == 125000
    for bad in (1250.5, 0.1 + 0.2, True, "1,250.00", "1e3", "-5", "0", "0.00", "12.345", "₹100"):
        with pytest.raises(BadValue):
            paise(bad, required=True)
    with pytest.raises(BadValue, match="sanity limit"):
        paise("10000000.01", required=True)
    assert paise("", required=False) is None


def test_a_date_is_valid_through_that_day_in_india() -> None:
    assert valid_until("2027-03-31", NOW) == datetime(2027, 3, 31, 18, 30, tzinfo=UTC)
    assert valid_until("2027-03-31T12:00:00+05:30", NOW) == datetime(2027, 3, 31, 6, 30, tzinfo=UTC)
    for bad in ("2026-01-01", "2035-01-01", "31/03/2027", "2027-03-31T12:00:00"):
        with pytest.raises(BadValue):
            valid_until(bad, NOW)


async def test_a_valid_row() -> None:
    parsed = await parse_json(row(lab_test_slug="lipid-profile|hba1c"))
    assert parsed.errors == []
    [only] = parsed.rows
    assert (only.line, only.price_min_paise, only.price_max_paise) == (1, 60000, 65050)
    assert only.lab_test_ids == (7, 9)
    assert only.valid_until == datetime(2027, 3, 31, 18, 30, tzinfo=UTC)


async def test_every_problem_of_a_row_is_reported_without_its_values() -> None:
    parsed = await parse_json(
        row(),
        row(external_ref="A-2", kind="LAB", price_min="12,50", ward="SUITE"),
        row(external_ref="A-3", lab_test_slug="secret-test"),
        row(external_ref="A-4", list_price="500", offer_price="600"),
        row(external_ref="A-5", kind="ROOM_RENT", lab_test_slug=""),
        row(external_ref="A-1"),
        "not an object",  # type: ignore[arg-type]
    )
    assert [r.external_ref for r in parsed.rows] == ["A-1"]
    errors = {e.line: e for e in parsed.errors}
    assert [name for name, _ in errors[2].problems] == ["kind", "ward", "price_min"]
    assert errors[3].describe() == "lab_test_slug names a lab test that is not in the catalogue"
    assert errors[4].describe() == "offer_price is above list_price"
    assert errors[5].describe() == "ward is required for a ROOM_RENT row"
    assert errors[6].describe() == "external_ref repeats the row on line 1"
    assert errors[7].describe() == "row is not a JSON object"
    text = " ".join(e.describe() for e in parsed.errors)
    assert "secret-test" not in text and "SUITE" not in text and "12,50" not in text
    assert parsed.read == 7
    assert parsed.listed_refs == {"A-1", "A-2", "A-3", "A-4", "A-5"}


async def test_min_above_max_passes_validation_and_is_an_anomaly() -> None:
    parsed = await parse_json(row(price_min="700", price_max="600"))
    [held] = parsed.rows
    anomaly = find_anomaly(held, None)
    assert anomaly is not None and anomaly.reason == Reason.MIN_ABOVE_MAX


def test_more_than_half_is_a_jump_exactly_half_is_not() -> None:
    assert not moved_too_far(1000, 1500) and not moved_too_far(1000, 500)
    assert moved_too_far(1000, 1501) and moved_too_far(1000, 499)


def test_plan_sorts_rows_and_finds_vanished_ones() -> None:
    owner = Owner(None, 3)

    def priced(ref: str, low: int) -> PriceRow:
        return PriceRow(ref, "T", "LAB_TEST", None, None, None, (7,), low, low, None, None, None, 1)

    def stored(pid: int, ref: str, low: int, until: datetime | None = None) -> StoredPackage:
        return StoredPackage(
            ref, "T", "LAB_TEST", None, None, None, (7,), low, low, None, None, until, pid, owner
        )

    current = {
        "same": stored(1, "same", 100),
        "moved": stored(2, "moved", 100),
        "jump": stored(3, "jump", 100),
        "gone": stored(4, "gone", 100),
        "already-stale": stored(5, "already-stale", 100, until=NOW),
        "rejected": stored(6, "rejected", 100),
    }
    rows = [priced("same", 100), priced("moved", 120), priced("jump", 200), priced("new", 50)]
    listed = {"same", "moved", "jump", "new", "rejected"}
    plan = plan_changes(rows, current, listed, owner, NOW)
    assert plan.unchanged == 1
    assert [old.id for old, _ in plan.updates] == [2]
    assert [r.external_ref for r in plan.inserts] == ["new"]
    assert [q.row.external_ref for q in plan.quarantined] == ["jump"]
    assert plan.stale_ids == [4]
    assert plan.lab_tests_change  # the new row includes a lab test


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (f"{HEADER}\nA-1,Lipid,LAB_TEST,,,,lipid-profile,600".encode(), "truncated"),
        (b"external_ref,name\nA-1,x\n", "lacks required columns: kind, price_min, price_max"),
        (b"", "empty"),
        (b"\xff\xfe" + HEADER.encode(), "not UTF-8"),
    ],
)
async def test_unreadable_csv_bodies(body: bytes, message: str) -> None:
    with pytest.raises(FeedFormatError, match=message):
        await parse_feed(body, "csv", LAB_TESTS, NOW)


async def test_a_short_last_csv_row_with_its_line_break_is_just_a_bad_row() -> None:
    body = f"{HEADER}\nA-1,Lipid,LAB_TEST,,,,lipid-profile,600,600\nA-2,Lipid\n".encode()
    parsed = await parse_feed(body, "csv", LAB_TESTS, NOW)
    assert len(parsed.rows) == 1
    assert parsed.errors[0].line == 3


async def test_csv_lines_count_quoted_line_breaks() -> None:
    body = (
        f'{HEADER}\nA-1,"Lipid\nProfile",LAB_TEST,,,,lipid-profile,600,600\n'
        "A-2,Lipid,LAB,,,,lipid-profile,600,600\n"
    ).encode()
    parsed = await parse_feed(body, "csv", LAB_TESTS, NOW)
    # A-1 spans lines 2-3 (and a line break in a name is refused); A-2 is on line 4.
    assert [e.line for e in parsed.errors] == [2, 4]
    assert parsed.errors[0].describe() == "name contains control characters"


@pytest.mark.parametrize(
    "body",
    [
        b'{"rows": [{"external_ref": "A-1"',
        b'{"rows": 5}',
        b"42",
        b'{"currency": "USD", "rows": []}',
    ],
)
async def test_unreadable_json_bodies(body: bytes) -> None:
    with pytest.raises(FeedFormatError):
        await parse_feed(body, "json", LAB_TESTS, NOW)

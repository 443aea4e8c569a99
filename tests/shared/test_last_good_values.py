"""A kept value another version wrote (or a damaged one) reads as nothing kept, never an error;
a value this version wrote reads back whole. In-process store: the decoding is the same."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hmsdesk_graph.shared.last_good import NUMBER, SLOTS, LastGood
from hmsdesk_graph.shared.state import SharedState

UNREADABLE = [
    "not json",
    "[1, 2]",
    '{"start": "2026-01-01"}',
    '{"start": "2026-01-01", "days": "x", "slots": [], "at": "2026-01-01T00:00:00+00:00"}',
    '{"start": 5, "days": 7, "slots": [], "at": "2026-01-01T00:00:00+00:00"}',
    '{"number": "1", "extension": null, "expiresAt": "soon", "at": "now"}',
]


def _kept() -> LastGood:
    return LastGood(SharedState("test"), max_age_s=60)


async def test_values_this_version_wrote_read_back() -> None:
    kept = _kept()
    slot = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    await kept.keep_slots({7: [slot]}, date(2026, 1, 1), 7)
    expires = datetime.now(UTC) + timedelta(minutes=5)
    await kept.keep_number(7, "caller", "+911234", "42", expires)
    slots = (await kept.slots([7]))[7]
    assert (slots.start, slots.days, slots.slots) == (date(2026, 1, 1), 7, (slot,))
    number = await kept.number(7, "caller")
    assert number is not None
    assert (number.number, number.extension, number.expires_at) == ("+911234", "42", expires)


@pytest.mark.parametrize("value", UNREADABLE)
async def test_an_unreadable_value_is_nothing_kept(value: str) -> None:
    kept = _kept()
    await kept.shared.set(kept.shared.key(SLOTS, "7"), value, 60)
    assert await kept.slots([7]) == {}
    await kept.shared.set(kept._number_key(7, "caller"), value, 60)
    assert await kept.number(7, "caller") is None
    assert NUMBER in kept._number_key(7, "caller")

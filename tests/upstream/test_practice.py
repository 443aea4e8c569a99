"""PracticeClient: one batch call for all roles, results in key order, a short cache."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from hmsdesk_graph.sandbox import RunningSandbox
from hmsdesk_graph.upstream import PracticeClient, UnexpectedShape, Upstreams
from hmsdesk_graph.upstream.practice import SlotCache, parse_slots
from tests.upstream.conftest import upstream_settings

DAY = date(2026, 11, 25)  # a Wednesday


async def test_batch_slots_in_key_order_in_one_call(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    role_ids = [7, 3, 202, 1, 3]  # 202 is not on the practice system; 3 is repeated
    slots = await upstreams.practice.slots(role_ids, DAY, 3)

    assert list(slots) == [7, 3, 202, 1]
    assert slots[202] == []
    assert all(slots[r] for r in (7, 3, 1))
    assert sandbox.calls["slots"] == 1
    for values in slots.values():
        assert values == sorted(values)
        for at in values:
            assert at.utcoffset() == timedelta(hours=5, minutes=30)
            assert DAY <= at.date() < DAY + timedelta(days=3)
            assert at.minute % 15 == 0


async def test_slots_are_deterministic(upstreams: Upstreams) -> None:
    first = await upstreams.practice.slots([11, 12], DAY, 2)
    second = await upstreams.practice.slots([12, 11], DAY, 2)
    assert first[11] == second[11]
    assert first[12] == second[12]


async def test_no_roles_means_no_call(upstreams: Upstreams, sandbox: RunningSandbox) -> None:
    assert await upstreams.practice.slots([], DAY, 7) == {}
    assert sandbox.calls["slots"] == 0


async def test_days_out_of_range_is_refused_before_any_call(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    for days in (0, 32):
        with pytest.raises(ValueError):
            await upstreams.practice.slots([1], DAY, days)
    assert sandbox.calls["slots"] == 0


async def test_cache_asks_only_for_roles_it_does_not_hold(sandbox: RunningSandbox) -> None:
    client = await PracticeClient.open(upstream_settings(sandbox, availability_cache_ttl_s=30))
    try:
        first = await client.slots([1, 2], DAY, 7)
        again = await client.slots([2, 1], DAY, 7)
        assert sandbox.calls["slots"] == 1
        assert again == {2: first[2], 1: first[1]}

        # Mutating a returned list must not change what the cache hands out next.
        again[1].clear()
        mixed = await client.slots([1, 5], DAY, 7)
        assert sandbox.calls["slots"] == 2
        assert mixed[1] == first[1]
    finally:
        await client.close()


def test_slot_cache_expires_after_its_ttl_and_drops_the_least_recently_used() -> None:
    now = [100.0]
    cache = SlotCache(10, max_entries=2, clock=lambda: now[0])
    slot = (datetime.fromisoformat("2026-11-25T09:15:00+05:30"),)
    cache.put_many({1: slot, 2: slot}, DAY, 7)
    assert cache.get_many([1, 2, 3], DAY, 7) == {1: slot, 2: slot}
    assert cache.get_many([1], DAY, 3) == {}  # another window is another key

    cache.get_many([1], DAY, 7)  # 2 is now the least recently used
    cache.put_many({3: slot}, DAY, 7)
    assert cache.get_many([1, 2, 3], DAY, 7) == {1: slot, 3: slot}

    now[0] = 110.5
    assert cache.get_many([1, 3], DAY, 7) == {}
    cache.put_many({1: slot}, DAY, 7)  # held again from the new time on
    assert cache.get_many([1], DAY, 7) == {1: slot}
    cache.clear()
    assert cache.get_many([1], DAY, 7) == {}


def test_slot_cache_with_ttl_zero_holds_nothing() -> None:
    cache = SlotCache(0)
    cache.put_many({1: ()}, DAY, 7)
    assert cache.get_many([1], DAY, 7) == {}


def test_wrong_shapes_are_typed_errors() -> None:
    bodies: tuple[object, ...] = (
        [],
        {"slot": {}},
        {"slots": []},
        {"slots": {"1": "2026-11-25T09:00:00+05:30"}},
        {"slots": {"1": [1700000000]}},
        {"slots": {"1": ["tomorrow morning"]}},
        {"slots": {"1": ["2026-11-25T09:00:00"]}},  # no offset
    )
    for body in bodies:
        with pytest.raises(UnexpectedShape):
            parse_slots(body, [1])


def test_roles_missing_from_the_answer_get_empty_lists() -> None:
    parsed = parse_slots({"slots": {"2": ["2026-11-25T09:15:00+05:30"]}}, [1, 2])
    assert parsed == {1: (), 2: (datetime.fromisoformat("2026-11-25T09:15:00+05:30"),)}

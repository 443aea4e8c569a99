"""Fault knobs: command-line specs, JSON documents, and the seeded error sequence."""

from __future__ import annotations

import pytest

from hmsdesk_graph.sandbox import ROUTES, Faults, RouteFaults
from hmsdesk_graph.sandbox.faults import ErrorDice


def test_specs_set_knobs_per_route_or_for_all() -> None:
    faults = Faults.from_specs(
        ["slots.latency_ms=800", "telephony.hang=true", "all.error_rate=0.25", "feeds.malformed=1"]
    )
    assert faults.slots.latency_ms == 800
    assert faults.telephony.hang is True
    assert all(faults.route(route).error_rate == 0.25 for route in ROUTES)
    assert faults.feeds.malformed is True
    assert faults.messaging.latency_ms == 0


@pytest.mark.parametrize(
    "spec",
    [
        "slots",
        "slots.latency_ms",
        "latency_ms=5",
        "pharmacy.latency_ms=5",
        "slots.sleep=5",
        "slots.latency_ms=-1",
        "slots.latency_ms=fast",
        "slots.error_rate=1.5",
        "slots.error_status=200",
        "slots.hang=maybe",
    ],
)
def test_bad_specs_say_what_is_wrong(spec: str) -> None:
    with pytest.raises(ValueError):
        Faults.from_specs([spec])


def test_documents_round_trip_and_reject_unknowns() -> None:
    faults = Faults.from_dict({"slots": {"latency_ms": 120, "truncated": True}})
    assert Faults.from_dict(faults.to_dict()) == faults
    assert faults.slots.active and not faults.feeds.active
    with pytest.raises(ValueError):
        Faults.from_dict({"slots": {"latency_ms": True}})
    with pytest.raises(ValueError):
        Faults.from_dict({"slots": 5})


def test_replace_keeps_the_shared_object() -> None:
    faults = Faults(slots=RouteFaults(hang=True))
    same = faults
    faults.replace(Faults())
    assert same is faults
    assert not faults.slots.hang


def test_error_sequence_is_fixed_by_the_seed() -> None:
    def sequence(seed: int) -> list[bool]:
        dice = ErrorDice(seed)
        return [dice.roll("slots", 0.3) for _ in range(200)]

    assert sequence(42) == sequence(42)
    assert sequence(42) != sequence(7)
    share = sum(sequence(42)) / 200
    assert 0.15 < share < 0.45
    dice = ErrorDice(42)
    assert not any(dice.roll("feeds", 0.0) for _ in range(50))
    assert all(dice.roll("feeds", 1.0) for _ in range(50))

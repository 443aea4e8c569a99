"""The offer set's cached pacing decides exactly as reach.placement.under_pace, at any instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hmsdesk_graph.reach.placement import epoch_us, under_pace, window_us
from hmsdesk_graph.search.sponsored import Offer, OfferSet

START = date(2026, 11, 1)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    committed=st.integers(1, 10**7),
    share=st.floats(0, 1, exclude_max=True),
    days=st.integers(0, 60),
    offsets=st.lists(st.integers(-2 * 86_400 * 10**6, 70 * 86_400 * 10**6), max_size=8),
)
def test_an_offer_set_agrees_with_under_pace(
    committed: int, share: float, days: int, offsets: list[int]
) -> None:
    delivered = min(committed - 1, int(committed * share))
    ends = START + timedelta(days=days)
    start_us, total_us = window_us(START, ends)
    offer = Offer(1, committed, delivered, start_us, total_us, {"id": 7})
    # One set asked at growing instants (as hits ask it), the other fresh each time.
    kept = OfferSet([offer])
    base = datetime(2026, 11, 1, tzinfo=UTC)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    # Random instants, and the microseconds either side of the one it comes under pace.
    edge = offer.under_pace_from()
    instants = [base + timedelta(microseconds=o) for o in offsets]
    instants += [epoch + timedelta(microseconds=edge + d) for d in (-1, 0, 1)]
    for now in sorted(instants):
        expected = under_pace(delivered, committed, START, ends, now)
        assert offer.under_pace(epoch_us(now)) == expected
        assert bool(kept.under_pace(now)[0]) == expected
        assert bool(OfferSet([offer]).under_pace(now)[0]) == expected

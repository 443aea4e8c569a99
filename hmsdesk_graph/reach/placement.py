"""Sponsored placement rules: targeting, even pacing and a fair, deterministic rotation.

Pacing. A campaign runs from 00:00 IST on `starts_on` to 24:00 IST on `ends_on`. At instant
`now` its elapsed fraction is f = (now - start) / (end - start), clamped to [0, 1], and its
paced allowance is ceil(committed x f) (never more than committed). It is eligible only while
delivered < allowance, so delivery never runs ahead of an even spread over its days by more
than the one impression that crosses the line (plus whatever other processes still hold in
their unflushed event buffers, at most one flush interval of traffic, and on response-cache
hits what the offers kept for up to a second have not seen yet: http.response_cache).
Under-delivery carries over: a quiet morning leaves room for the afternoon.

Rotation. Among the n eligible, sorted by campaign id, the t-th search that sees exactly this
eligible set shows campaign t mod n first and campaign (t + s) mod n second, where the stride
s is the step nearest n/2 that never pairs two campaigns promoting the same listing (a listing
is shown once per page). Over any n consecutive searches each campaign is shown exactly twice,
once in each slot, so every campaign gets its fair share, 2/n of the searches, to within one
search. The counter is per process and per eligible set; each process is fair, hence so is
their sum.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from hmsdesk_graph.reach.clock import IST

MAX_SPONSORED = 2
_MICROSECOND = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def campaign_window(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    """The campaign's running time: 00:00 IST on its first day to 24:00 IST on its last."""
    return (
        datetime.combine(starts_on, time(), IST),
        datetime.combine(ends_on + timedelta(days=1), time(), IST),
    )


def elapsed_fraction(starts_on: date, ends_on: date, now: datetime) -> float:
    """How much of the campaign's time has passed at `now`, from 0.0 to 1.0."""
    start, end = campaign_window(starts_on, ends_on)
    return min(1.0, max(0.0, (now - start) / (end - start)))


def epoch_us(moment: datetime) -> int:
    """An instant as whole microseconds since 1970 (UTC)."""
    return (moment - _EPOCH) // _MICROSECOND


def window_us(starts_on: date, ends_on: date) -> tuple[int, int]:
    """The campaign's running time as (start, length), in microseconds (see epoch_us)."""
    start, end = campaign_window(starts_on, ends_on)
    return epoch_us(start), (end - start) // _MICROSECOND


def allowance_at(committed: int, start_us: int, total_us: int, now_us: int) -> int:
    """paced_allowance on a window in microseconds (window_us) at `now_us` (epoch_us)."""
    elapsed = min(total_us, max(0, now_us - start_us))
    return min(committed, -(-committed * elapsed // total_us))


def paced_allowance(committed: int, starts_on: date, ends_on: date, now: datetime) -> int:
    """ceil(committed x elapsed fraction): how many impressions may be delivered by `now`.

    Integer microseconds keep it exact (no float rounding at the boundaries).
    """
    start_us, total_us = window_us(starts_on, ends_on)
    return allowance_at(committed, start_us, total_us, epoch_us(now))


def day_allowance(committed: int, starts_on: date, ends_on: date, day: date) -> int:
    """The paced allowance at the end (24:00 IST) of `day`."""
    end_of_day = datetime.combine(day + timedelta(days=1), time(), IST)
    return paced_allowance(committed, starts_on, ends_on, end_of_day)


def under_pace(
    delivered: int, committed: int, starts_on: date, ends_on: date, now: datetime
) -> bool:
    """Whether one more impression keeps the campaign within its paced allowance."""
    return delivered < paced_allowance(committed, starts_on, ends_on, now)


@dataclass(frozen=True)
class Area:
    """Where a search is: named localities, or the locality nearest its `near` point.

    An empty area is a city-wide search, which has no place in mind.
    """

    locality_ids: frozenset[int]
    zones: frozenset[str]

    @property
    def city_wide(self) -> bool:
        return not self.locality_ids


def area_matches(zone: str | None, locality_ids: Iterable[int], area: Area) -> bool:
    """A campaign's area targeting against the search's place.

    A campaign with neither zone nor localities targets the whole city. A campaign with
    either shows in city-wide searches and in searches whose place is inside its area.
    """
    targeted = set(locality_ids)
    if (zone is None and not targeted) or area.city_wide:
        return True
    return (zone is not None and zone in area.zones) or bool(targeted & area.locality_ids)


@dataclass(frozen=True)
class Candidate:
    """An eligible campaign and the listing it promotes."""

    campaign_id: int
    target_id: int


def _stride(targets: Sequence[int]) -> int:
    """The step between a search's first and second slot: near n/2, and never pairing two
    campaigns of the same listing when any step can avoid it."""
    n = len(targets)
    if n < 2:
        return 1
    for step in sorted(range(1, n), key=lambda k: (abs(k - n // 2), k)):
        if all(targets[i] != targets[(i + step) % n] for i in range(n)):
            return step
    return max(1, n // 2)


class Rotation:
    """Per-process turn counters, one per eligible set (least recently used are forgotten)."""

    def __init__(self, max_sets: int = 4096) -> None:
        self.max_sets = max_sets
        self._turns: OrderedDict[tuple[int, ...], tuple[int, int]] = OrderedDict()
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget every counter (tests; a new process starts the same way)."""
        with self._lock:
            self._turns.clear()

    def _next_turn(self, ordered: Sequence[Candidate]) -> tuple[int, int]:
        key = tuple(c.campaign_id for c in ordered)
        with self._lock:
            found = self._turns.pop(key, None)
            turn, stride = found if found else (0, _stride([c.target_id for c in ordered]))
            self._turns[key] = (turn + 1, stride)
            while len(self._turns) > self.max_sets:
                self._turns.popitem(last=False)
            return turn, stride

    def choose(
        self, candidates: Sequence[Candidate], slots: int = MAX_SPONSORED
    ) -> list[Candidate]:
        """This search's sponsored campaigns, in slot order (at most `slots`)."""
        ordered = sorted(candidates, key=lambda c: c.campaign_id)
        if not ordered:
            return []
        n = len(ordered)
        turn, stride = self._next_turn(ordered)
        chosen: list[Candidate] = []
        placed: set[int] = set()
        for slot in range(min(slots, n)):
            start = (turn + slot * stride) % n
            for i in range(n):
                candidate = ordered[(start + i) % n]
                # One listing is shown once, whichever campaign promotes it.
                if candidate.target_id not in placed:
                    placed.add(candidate.target_id)
                    chosen.append(candidate)
                    break
        return chosen


ROTATION = Rotation()


class PacingState(StrEnum):
    SCHEDULED = "SCHEDULED"
    ON_PACE = "ON_PACE"
    BEHIND = "BEHIND"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    ENDED = "ENDED"


# Delivery within 10 % under the paced target still counts as on pace.
ON_PACE_SHARE = 0.9


@dataclass(frozen=True)
class Pacing:
    """Delivered against committed, and against the even pace at `now`."""

    state: PacingState
    elapsed_fraction: float
    paced_target: int
    delivered_percent: float
    pace_percent: int | None  # delivered / paced target; None before any time has passed


def pacing_of(
    status: str, committed: int, delivered: int, starts_on: date, ends_on: date, now: datetime
) -> Pacing:
    """How a campaign is doing against its even pace (see the module docstring)."""
    target = paced_allowance(committed, starts_on, ends_on, now)
    fraction = round(elapsed_fraction(starts_on, ends_on, now), 4)
    if delivered >= committed:
        state = PacingState.COMPLETED
    elif status == "ENDED" or fraction >= 1.0:
        state = PacingState.ENDED
    elif status == "PAUSED":
        state = PacingState.PAUSED
    elif target == 0:
        state = PacingState.SCHEDULED
    elif delivered >= ON_PACE_SHARE * target:
        state = PacingState.ON_PACE
    else:
        state = PacingState.BEHIND
    return Pacing(
        state=state,
        elapsed_fraction=fraction,
        paced_target=target,
        delivered_percent=round(100 * delivered / committed, 2) if committed else 0.0,
        pace_percent=round(100 * delivered / target) if target else None,
    )

"""Instant booking is earned: a practice needs a record of outcomes at the honoured rate.

One rule, used when a partner marks an outcome (to switch the flag) and when the API
explains a practice's flag (so the two can never disagree).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# The practice's latest outcomes (honoured or provider no-show) that decide the flag.
OUTCOME_WINDOW = 50


class InstantBookingStatus(Enum):
    """Why a practice has instant booking or lacks it."""

    EARNED = "EARNED"
    NOT_OFFERED = "NOT_OFFERED"
    TOO_FEW_OUTCOMES = "TOO_FEW_OUTCOMES"
    LOW_HONOURED_RATE = "LOW_HONOURED_RATE"


@dataclass(frozen=True, slots=True)
class OutcomeRecord:
    """Of the practice's latest outcomes: how many, and how many were honoured."""

    total: int
    honoured: int


def earned(record: OutcomeRecord, min_outcomes: int, min_rate: float) -> bool:
    """Whether the record earns instant booking (a practice without a record has not)."""
    return record.total >= min_outcomes and record.honoured / record.total >= min_rate


def status(
    offers_instant: bool, flag: bool, record: OutcomeRecord, min_outcomes: int
) -> InstantBookingStatus:
    """Why a practice has instant booking (its stored flag), or lacks it."""
    if not offers_instant:
        return InstantBookingStatus.NOT_OFFERED
    if flag:
        return InstantBookingStatus.EARNED
    if record.total < min_outcomes:
        return InstantBookingStatus.TOO_FEW_OUTCOMES
    return InstantBookingStatus.LOW_HONOURED_RATE

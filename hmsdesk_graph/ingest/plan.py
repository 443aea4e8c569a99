"""What a validated feed changes: inserts, updates, rows left alone, quarantines, stale rows.

Pure functions over what is stored and what the feed says, so the rules are easy to test
and the database work is only the writing (``store.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from hmsdesk_graph.ingest.rows import PackageValues, PriceRow


@dataclass(frozen=True, slots=True)
class Owner:
    """The feed's hospital or diagnostic center: exactly one is set."""

    hospital_id: int | None
    center_id: int | None


@dataclass(slots=True)  # not frozen: a frozen init costs ~2x, 100k times
class StoredPackage(PackageValues):
    """A price package of this feed as stored now."""

    id: int
    owner: Owner

    def same_as(self, row: PriceRow, owner: Owner) -> bool:
        """Whether applying ``row`` would change nothing (so it is not rewritten)."""
        return (
            self.name == row.name
            and self.kind == row.kind
            and self.ward == row.ward
            and self.setting == row.setting
            and self.procedure == row.procedure
            and self.lab_test_ids == row.lab_test_ids
            and self.price_min_paise == row.price_min_paise
            and self.price_max_paise == row.price_max_paise
            and self.list_price_paise == row.list_price_paise
            and self.offer_price_paise == row.offer_price_paise
            and self.valid_until == row.valid_until
            and self.owner == owner
        )


# A row is quarantined when its minimum is above its maximum, or when its minimum or maximum moved
# by more than half against the price stored for the same (feed, external_ref).
class Reason(StrEnum):
    PRICE_JUMP = "PRICE_JUMP"
    MIN_ABOVE_MAX = "MIN_ABOVE_MAX"


@dataclass(frozen=True, slots=True)
class Anomaly:
    reason: Reason
    detail: str


def moved_too_far(old: int, new: int) -> bool:
    """More than 50 % up or down (integer arithmetic: exact at the boundary)."""
    return old > 0 and abs(new - old) * 2 > old


def find_anomaly(row: PriceRow, previous: StoredPackage | None) -> Anomaly | None:
    """Why ``row`` must not be applied as it is, or None."""
    if row.price_min_paise > row.price_max_paise:
        return Anomaly(Reason.MIN_ABOVE_MAX, "price_min is above price_max")
    if previous is None:
        return None
    for label, old, new in (
        ("price_min", previous.price_min_paise, row.price_min_paise),
        ("price_max", previous.price_max_paise, row.price_max_paise),
    ):
        if moved_too_far(old, new):
            change = (new - old) * 100 / old
            return Anomaly(Reason.PRICE_JUMP, f"{label} moved {change:+.0f}% since the last run")
    return None


@dataclass(frozen=True, slots=True)
class Quarantined:
    row: PriceRow
    anomaly: Anomaly
    previous: StoredPackage | None


@dataclass
class Plan:
    inserts: list[PriceRow] = field(default_factory=list)
    updates: list[tuple[StoredPackage, PriceRow]] = field(default_factory=list)
    unchanged: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    stale_ids: list[int] = field(default_factory=list)
    # Whether included lab tests change, which is what center search text is made of.
    lab_tests_change: bool = False
    # Owners that updated rows are moved away from (the feed was given to another owner).
    previous_owners: set[Owner] = field(default_factory=set)

    @property
    def changes_prices(self) -> bool:
        return bool(self.inserts or self.updates or self.stale_ids)


def plan_changes(
    rows: Iterable[PriceRow],
    stored: Mapping[str, StoredPackage],
    listed_refs: set[str],
    owner: Owner,
    now: datetime,
) -> Plan:
    """Sort every valid row into insert / update / unchanged / quarantined, and find the
    stored rows that vanished from the feed.

    A vanished row is kept (appointments and history may point at it) and made stale by
    setting its valid_until to ``now``; a row already past its valid_until is left alone,
    so re-running an unchanged feed writes nothing. A row the feed still lists but that was
    rejected or quarantined keeps its stored price as it is.
    """
    plan = Plan()
    for row in rows:
        previous = stored.get(row.external_ref)
        anomaly = find_anomaly(row, previous)
        if anomaly is not None:
            plan.quarantined.append(Quarantined(row, anomaly, previous))
        elif previous is None:
            plan.inserts.append(row)
            plan.lab_tests_change |= bool(row.lab_test_ids)
        elif previous.same_as(row, owner):
            plan.unchanged += 1
        else:
            plan.updates.append((previous, row))
            plan.lab_tests_change |= previous.lab_test_ids != row.lab_test_ids
            if previous.owner != owner:
                plan.previous_owners.add(previous.owner)
    for ref, package in stored.items():
        if ref in listed_refs:
            continue
        if package.valid_until is None or package.valid_until > now:
            plan.stale_ids.append(package.id)
    plan.stale_ids.sort()
    return plan

"""`upsertPricePackages`: a partner edits the price list of one of its own listings.

Checked like a feed row (rupees as decimals to integer paise, min <= max, offer <= list,
known lab tests, a ward for room rents) but strict: any problem rejects the whole request,
and every problem is listed. Valid requests apply in one transaction, keyed by the partner's
externalRef per listing (hand-entered packages only: a feed's rows belong to the feed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from tortoise.transactions import in_transaction

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import CareSetting, PackageKind, TargetKind, Ward
from hmsdesk_graph.db.sql import SqlBuilder
from hmsdesk_graph.errors import BadUserInput
from hmsdesk_graph.loaders.prices import OWNER_COLUMN
from hmsdesk_graph.reach.clock import IST, now_utc, today_ist

MAX_PACKAGES = 200
MAX_PAISE = 10_000_000 * 100  # one crore rupees: above it is a typo
MAX_VALIDITY_DAYS = 5 * 366
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,95}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,95}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONSULTATIONS = {PackageKind.CONSULTATION, PackageKind.FOLLOW_UP, PackageKind.VIDEO_CONSULTATION}
NEEDS_TESTS = {PackageKind.LAB_TEST, PackageKind.HEALTH_PACKAGE}


@dataclass(frozen=True)
class PackageDraft:
    external_ref: str
    name: str
    kind: PackageKind
    price_min: Decimal
    price_max: Decimal
    ward: Ward | None = None
    setting: CareSetting | None = None
    procedure: str | None = None
    list_price: Decimal | None = None
    offer_price: Decimal | None = None
    approximate: bool = True
    length_of_stay_days: int | None = None
    lab_tests: list[str] = field(default_factory=list)
    valid_until: date | None = None


@dataclass
class Checked:
    draft: PackageDraft
    values: dict[str, object]
    lab_test_ids: list[int]


@dataclass
class UpsertResult:
    packages: list[models.PricePackage]
    created: int
    updated: int


def to_paise(value: Decimal) -> int:
    """Exact paise from rupees; ValueError saying what is wrong (never echoing the value)."""
    try:
        paise = value * 100
        if not paise.is_finite() or paise != paise.to_integral_value():
            raise ValueError("must have at most two decimals (paise)")
    except InvalidOperation:
        raise ValueError("is not an amount in rupees") from None
    if paise <= 0:
        raise ValueError("must be more than zero")
    if paise > MAX_PAISE:
        raise ValueError("is above the sanity limit of 1 crore rupees")
    return int(paise)


def _check(d: PackageDraft, tests: dict[str, int], today: date, problems: list[str]) -> Checked:
    def bad(name: str, reason: str) -> None:
        problems.append(f"{name} {reason}")

    name = " ".join(d.name.split())
    if not 2 <= len(name) <= 200 or _CONTROL.search(name):
        bad("name", "must be 2 to 200 characters of plain text")
    paise: dict[str, int | None] = {}
    for field_name, value in (
        ("priceMin", d.price_min),
        ("priceMax", d.price_max),
        ("listPrice", d.list_price),
        ("offerPrice", d.offer_price),
    ):
        try:
            paise[field_name] = None if value is None else to_paise(value)
        except ValueError as exc:
            paise[field_name] = None
            bad(field_name, str(exc))
    low, high = paise["priceMin"], paise["priceMax"]
    if low is not None and high is not None and low > high:
        bad("priceMin", "must not exceed priceMax")
    listed, offer = paise["listPrice"], paise["offerPrice"]
    if listed is not None and offer is not None and offer > listed:
        bad("offerPrice", "must not exceed listPrice")
    if d.kind is PackageKind.ROOM_RENT and d.ward is None:
        bad("ward", "is required for a ROOM_RENT package")
    if d.kind in CONSULTATIONS and d.ward is not None:
        bad("ward", "does not apply to consultations: leave it out")
    if d.procedure is not None and not _SLUG.fullmatch(d.procedure):
        bad("procedure", "must be a slug (lower-case letters, digits and hyphens)")
    unknown = [slug for slug in d.lab_tests if slug not in tests]
    if unknown:
        bad("labTests", f"names unknown lab tests ({', '.join(unknown)}): use `labTests` slugs")
    if d.kind in NEEDS_TESTS and not d.lab_tests:
        bad("labTests", f"needs at least one lab test for a {d.kind.value} package")
    if d.length_of_stay_days is not None and not 1 <= d.length_of_stay_days <= 365:
        bad("lengthOfStayDays", "must be 1 to 365")
    until = None
    if d.valid_until is not None:
        if not today <= d.valid_until <= today + timedelta(days=MAX_VALIDITY_DAYS):
            bad("validUntil", "must be from today to five years ahead")
        # Valid through the end of that day in India.
        until = datetime.combine(d.valid_until + timedelta(days=1), time(), IST)
    values: dict[str, object] = {
        "name": name,
        "kind": d.kind,
        "ward": d.ward,
        "setting": d.setting,
        "procedure": d.procedure,
        "price_min_paise": low,
        "price_max_paise": high,
        "list_price_paise": listed,
        "offer_price_paise": offer,
        "approximate": d.approximate,
        "length_of_stay_days": d.length_of_stay_days,
        "valid_until": until,
    }
    ids = sorted({tests[s] for s in d.lab_tests if s in tests})
    return Checked(d, values, ids)


async def check_packages(drafts: list[PackageDraft]) -> list[Checked]:
    """Every draft checked; one BAD_USER_INPUT listing every problem, by position."""
    if not 1 <= len(drafts) <= MAX_PACKAGES:
        raise BadUserInput(f"Send 1 to {MAX_PACKAGES} packages at a time.", argument="packages")
    slugs = sorted({s for d in drafts for s in d.lab_tests})
    q = SqlBuilder()
    rows = await q.fetch(f"SELECT id, slug FROM lab_test WHERE slug {q.in_texts(slugs)}")
    tests = {str(r["slug"]): int(r["id"]) for r in rows}
    today = today_ist()
    problems: list[str] = []
    checked = []
    seen: dict[str, int] = {}
    for i, draft in enumerate(drafts):
        mine: list[str] = []
        if not _REF.fullmatch(draft.external_ref):
            mine.append("externalRef may hold only letters, digits and . _ : / - (max 96)")
        elif draft.external_ref in seen:
            mine.append(f"externalRef repeats packages[{seen[draft.external_ref]}]")
        seen.setdefault(draft.external_ref, i)
        checked.append(_check(draft, tests, today, mine))
        problems += [f"packages[{i}].{p}" for p in mine]
    if problems:
        raise BadUserInput("Nothing was saved: " + "; ".join(problems) + ".", argument="packages")
    return checked


async def upsert_packages(kind: TargetKind, owner_id: int, checked: list[Checked]) -> UpsertResult:
    """Create or update the owner's packages by externalRef, all in one transaction."""
    owner = {OWNER_COLUMN[kind]: owner_id}
    now = now_utc()
    created = updated = 0
    saved: list[models.PricePackage] = []
    async with in_transaction() as conn:
        existing = {
            p.external_ref: p
            for p in await models.PricePackage.filter(
                feed_id=None, external_ref__in=[c.draft.external_ref for c in checked], **owner
            ).using_db(conn)
        }
        for item in checked:
            row = existing.get(item.draft.external_ref)
            if row is None:
                row = await models.PricePackage.create(
                    using_db=conn, external_ref=item.draft.external_ref, fetched_at=now,
                    **owner, **item.values,
                )  # fmt: skip
                created += 1
            else:
                row.update_from_dict({**item.values, "fetched_at": now})
                await row.save(using_db=conn)
                updated += 1
            saved.append(row)
        ids = [row.pk for row in saved]
        await models.PackageLabTest.filter(package_id__in=ids).using_db(conn).delete()
        await models.PackageLabTest.bulk_create(
            [
                models.PackageLabTest(package_id=row.pk, lab_test_id=test_id)
                for row, item in zip(saved, checked, strict=True)
                for test_id in item.lab_test_ids
            ],
            using_db=conn,
        )
    return UpsertResult(saved, created, updated)

"""Deterministic partner price lists (JSON and CSV) with strong ETags.

A partner's slug decides what it sells: slugs with "lab", "diagnostic", "path" or "scan" are
diagnostic centers (lab tests and health packages); any other slug is a hospital (surgery
packages per ward, room rent, procedures, consultation, a few lab tests). Amounts are rupees
as decimal strings ("1250.00"), never floats. Bumping a feed's version changes its prices.

Knob segments in a slug shape a synthetic list for tests and benchmarks (``FeedKnobs``):
``big-lab-rows100000`` has 100,000 rows, ``x-lab-rows2000-bad10`` 1 % invalid rows,
``x-lab-spike50`` triples every 50th price once bumped, ``x-lab-minmax25`` has every 25th
row's min above its max. Knob feeds move predictably: each bump raises every price by 4 %.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import orjson

VALID_UNTIL = date(2027, 3, 31)  # end of the Indian financial year
COLUMNS = (
    "external_ref",
    "name",
    "kind",
    "ward",
    "setting",
    "procedure_slug",
    "lab_test_slug",
    "price_min",
    "price_max",
    "list_price",
    "offer_price",
    "valid_until",
)

# Slugs match the seed's catalogue (hmsdesk_graph/seed/data/catalog.json), so a seeded
# database knows every test and procedure these feeds price.
LAB_TESTS = (
    ("cbc", "Complete Blood Count (CBC)", 350),
    ("lipid-profile", "Lipid Profile", 600),
    ("hba1c", "HbA1c (Glycated Haemoglobin)", 500),
    ("thyroid-profile", "Thyroid Profile (T3, T4, TSH)", 550),
    ("vitamin-d", "Vitamin D (25-Hydroxy)", 1400),
    ("vitamin-b12", "Vitamin B12", 1100),
    ("liver-function-test", "Liver Function Test (LFT)", 700),
    ("kidney-function-test", "Kidney Function Test (KFT)", 750),
    ("fasting-blood-sugar", "Fasting Blood Sugar", 100),
    ("urine-routine", "Urine Routine and Microscopy", 200),
    ("dengue-ns1", "Dengue NS1 Antigen", 900),
    ("crp", "C-Reactive Protein (CRP)", 500),
    ("iron-studies", "Iron Studies", 950),
    ("psa", "PSA Total", 800),
)
HEALTH_PACKAGES = (
    ("full-body-checkup", "Full Body Checkup", 2499),
    ("diabetes-care-package", "Diabetes Care Package", 1499),
    ("cardiac-risk-package", "Cardiac Risk Package", 2999),
    ("women-wellness-package", "Women Wellness Package", 3499),
    ("senior-citizen-package", "Senior Citizen Health Package", 3999),
)
SURGERIES = (
    ("cataract-surgery", "Cataract Surgery (Phaco with IOL)", 30000),
    ("knee-replacement", "Total Knee Replacement (one knee)", 250000),
    ("angioplasty", "Coronary Angioplasty (one stent)", 200000),
    ("normal-delivery", "Normal Delivery", 40000),
    ("c-section", "Caesarean Section Delivery", 75000),
    ("cholecystectomy", "Laparoscopic Gallbladder Removal", 80000),
    ("hernia-repair", "Inguinal Hernia Repair", 65000),
    ("appendectomy", "Laparoscopic Appendectomy", 60000),
)
PROCEDURES = (
    ("ct-scan-brain", "CT Scan Brain (plain)", 3000),
    ("mri-knee", "MRI Knee", 6500),
    ("upper-gi-endoscopy", "Upper GI Endoscopy", 3500),
    ("dialysis", "Haemodialysis (per session)", 2500),
)
ROOM_RENT = (
    ("GENERAL", 1500),
    ("SEMI_PRIVATE", 3000),
    ("PRIVATE", 5000),
    ("DELUXE", 8000),
    ("ICU", 12000),
)
SURGERY_WARDS = ("GENERAL", "SEMI_PRIVATE", "PRIVATE")
_LAB_WORDS = ("lab", "diagnostic", "path", "scan")


_KNOB = re.compile(r"(rows|bad|spike|minmax)(\d{1,6})")
MAX_ROWS = 999_999
BUMP_STEP = 0.04  # a knob feed's prices rise 4 % per bump: well under the 50 % anomaly line
SPIKE_FACTOR = 3
# What an invalid row looks like, in turn: (column, value).
CORRUPTIONS = (
    ("kind", "LAB"),  # not a package kind
    ("price_min", "12,50.00"),  # not a decimal amount
    ("lab_test_slug", "unobtainium-panel"),  # not a known lab test
    ("ward", "SUITE"),  # not a ward
    ("name", ""),  # missing
    ("price_max", "-100.00"),  # negative
)


@dataclass(frozen=True)
class FeedKnobs:
    """Synthetic-feed knobs read from a slug's segments (``x-lab-rows2000-bad10``)."""

    rows: int | None = None  # exactly this many rows, cycling through the catalogue
    bad_per_mille: int = 0  # every (1000 / n)-th row is invalid (see CORRUPTIONS)
    spike_every: int = 0  # from the first bump on, every n-th row's prices triple
    min_above_max_every: int = 0  # every n-th row has price_min above price_max

    @property
    def active(self) -> bool:
        return self != FeedKnobs()

    def is_bad(self, index: int) -> bool:
        """Whether row ``index`` (0-based) is made invalid."""
        return self.bad_per_mille > 0 and (index + 1) % self.bad_period == 0

    @property
    def bad_period(self) -> int:
        return max(1, 1000 // self.bad_per_mille) if self.bad_per_mille else 0


def feed_knobs(slug: str) -> tuple[str, FeedKnobs]:
    """The slug without its knob segments, and the knobs (all off for an ordinary slug)."""
    values: dict[str, int] = {}
    kept: list[str] = []
    for part in slug.split("-"):
        match = _KNOB.fullmatch(part)
        if match is None:
            kept.append(part)
        else:
            values[match.group(1)] = int(match.group(2))
    knobs = FeedKnobs(
        rows=min(values["rows"], MAX_ROWS) if "rows" in values else None,
        bad_per_mille=min(values.get("bad", 0), 1000),
        spike_every=values.get("spike", 0),
        min_above_max_every=values.get("minmax", 0),
    )
    return "-".join(kept) or "synthetic", knobs


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    content_type: str
    etag: str


def is_lab(slug: str) -> bool:
    return any(word in slug for word in _LAB_WORDS)


def feed_rows(slug: str, seed: int, version: int = 0) -> list[dict[str, Any]]:
    """The price list of partner ``slug`` (same slug, seed and version → same rows).

    A slug with knob segments (see ``FeedKnobs``) gets a synthetic list shaped by them.
    """
    base, knobs = feed_knobs(slug)
    if knobs.active:
        return _knob_rows(base, seed, version, knobs)
    return _catalogue_rows(slug, seed, version)


def _catalogue_rows(slug: str, seed: int, version: int) -> list[dict[str, Any]]:
    rng = random.Random(f"{seed}:feed:{slug}:{version}")
    level = rng.uniform(0.8, 1.3)  # this partner's price level against the city
    prefix = "".join(part[0] for part in slug.split("-") if part).upper()[:4] or "P"
    rows: list[dict[str, Any]] = []

    def add(
        name: str,
        kind: str,
        base: int,
        *,
        ward: str = "",
        setting: str = "OUTPATIENT",
        procedure: str = "",
        lab_test: str = "",
        spread: float = 1.0,
    ) -> None:
        price_min = _rupees(base * level * rng.uniform(0.9, 1.1))
        price_max = (
            _rupees(float(price_min) * rng.uniform(1.0, spread)) if spread > 1 else price_min
        )
        offer = _rupees(float(price_min) * 0.85) if rng.random() < 0.3 else None
        rows.append(
            {
                "external_ref": f"{prefix}-{len(rows) + 1:04d}",
                "name": name,
                "kind": kind,
                "ward": ward,
                "setting": setting,
                "procedure_slug": procedure,
                "lab_test_slug": lab_test,
                "price_min": str(price_min),
                "price_max": str(price_max),
                "list_price": str(price_max),
                "offer_price": "" if offer is None else str(offer),
                "valid_until": VALID_UNTIL.isoformat(),
            }
        )

    if is_lab(slug):
        for test_slug, name, base in rng.sample(LAB_TESTS, k=rng.randint(9, len(LAB_TESTS))):
            add(name, "LAB_TEST", base, lab_test=test_slug)
        for package_slug, name, base in rng.sample(HEALTH_PACKAGES, k=rng.randint(2, 5)):
            add(name, "HEALTH_PACKAGE", base, procedure=package_slug)
        return rows
    add("OPD Consultation", "CONSULTATION", 800)
    for surgery_slug, name, base in rng.sample(SURGERIES, k=rng.randint(4, len(SURGERIES))):
        for step, ward in enumerate(SURGERY_WARDS):
            add(
                f"{name} - {ward.replace('_', ' ').title()} ward",
                "SURGERY_PACKAGE",
                int(base * (1 + 0.25 * step)),
                ward=ward,
                setting="INPATIENT",
                procedure=surgery_slug,
                spread=1.35,
            )
    for procedure_slug, name, base in rng.sample(PROCEDURES, k=rng.randint(2, len(PROCEDURES))):
        add(name, "PROCEDURE", base, procedure=procedure_slug)
    for ward, base in ROOM_RENT:
        add(
            f"Room rent per day - {ward.replace('_', ' ').title()}",
            "ROOM_RENT",
            base,
            ward=ward,
            setting="INPATIENT",
        )
    for test_slug, name, base in rng.sample(LAB_TESTS, k=4):
        add(name, "LAB_TEST", base, lab_test=test_slug)
    return rows


@dataclass(frozen=True)
class _Item:
    name: str
    kind: str
    base: int
    ward: str = ""
    setting: str = "OUTPATIENT"
    procedure: str = ""
    lab_test: str = ""
    spread: float = 1.0


def _catalogue(lab: bool) -> list[_Item]:
    if lab:
        return [_Item(name, "LAB_TEST", base, lab_test=slug) for slug, name, base in LAB_TESTS] + [
            _Item(name, "HEALTH_PACKAGE", base, procedure=slug)
            for slug, name, base in HEALTH_PACKAGES
        ]
    items = [_Item("OPD Consultation", "CONSULTATION", 800)]
    for slug, name, base in SURGERIES:
        for step, ward in enumerate(SURGERY_WARDS):
            label = f"{name} - {ward.replace('_', ' ').title()} ward"
            price = int(base * (1 + 0.25 * step))
            items.append(
                _Item(label, "SURGERY_PACKAGE", price, ward, "INPATIENT", slug, spread=1.35)
            )
    items += [_Item(name, "PROCEDURE", base, procedure=slug) for slug, name, base in PROCEDURES]
    for ward, base in ROOM_RENT:
        label = f"Room rent per day - {ward.replace('_', ' ').title()}"
        items.append(_Item(label, "ROOM_RENT", base, ward, "INPATIENT"))
    items += [_Item(name, "LAB_TEST", base, lab_test=slug) for slug, name, base in LAB_TESTS]
    return items


def _knob_rows(base: str, seed: int, version: int, knobs: FeedKnobs) -> list[dict[str, Any]]:
    # Seeded without the version: a bump moves prices by BUMP_STEP only, and a shorter list
    # is a prefix of a longer one (so lowering ``rows`` makes the tail vanish).
    rng = random.Random(f"{seed}:feed:{base}:knobs")
    level = rng.uniform(0.8, 1.3)
    prefix = "".join(part[0] for part in base.split("-") if part).upper()[:4] or "P"
    items = _catalogue(is_lab(base))
    count = knobs.rows if knobs.rows is not None else len(items)
    rows: list[dict[str, Any]] = []
    for index in range(count):
        item = items[index % len(items)]
        branch = index // len(items)
        jitter, spread, coin = rng.uniform(0.9, 1.1), rng.uniform(1.0, item.spread), rng.random()
        factor = 1 + BUMP_STEP * version
        if version >= 1 and knobs.spike_every and (index + 1) % knobs.spike_every == 0:
            factor *= SPIKE_FACTOR
        price_min = _rupees(item.base * level * jitter * factor)
        price_max = _rupees(float(price_min) * spread) if item.spread > 1 else price_min
        offer = _rupees(float(price_min) * 0.85) if coin < 0.3 else None
        row = {
            "external_ref": f"{prefix}-{index + 1:06d}",
            "name": item.name if branch == 0 else f"{item.name} (centre {branch + 1})",
            "kind": item.kind,
            "ward": item.ward,
            "setting": item.setting,
            "procedure_slug": item.procedure,
            "lab_test_slug": item.lab_test,
            "price_min": str(price_min),
            "price_max": str(price_max),
            "list_price": str(price_max),
            "offer_price": "" if offer is None else str(offer),
            "valid_until": VALID_UNTIL.isoformat(),
        }
        if knobs.min_above_max_every and (index + 1) % knobs.min_above_max_every == 0:
            row["price_min"] = str(_rupees(float(price_max) * 1.5))
        if knobs.is_bad(index):
            column, value = CORRUPTIONS[((index + 1) // knobs.bad_period - 1) % len(CORRUPTIONS)]
            row[column] = value
        rows.append(row)
    return rows


@lru_cache(maxsize=8)  # big synthetic feeds are costly to render, and render is pure
def render_feed(slug: str, fmt: str, seed: int, version: int = 0) -> RenderedFeed:
    """The feed body in ``fmt`` ("json" or "csv") with its strong ETag."""
    rows = feed_rows(slug, seed, version)
    if fmt == "json":
        body = orjson.dumps({"partner": slug, "currency": "INR", "rows": rows})
        content_type = "application/json"
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        body = out.getvalue().encode()
        content_type = "text/csv"
    else:
        raise ValueError(f"unknown feed format {fmt!r}")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return RenderedFeed(body, content_type, etag)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: weak comparison against any listed tag, or ``*``."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


def _rupees(amount: float) -> Decimal:
    # Round large prices to ₹50 and small ones to ₹10, as price lists do.
    step = 50 if amount >= 5000 else 10
    return Decimal(max(step, round(amount / step) * step)).quantize(Decimal("0.01"))

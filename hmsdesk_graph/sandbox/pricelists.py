"""Deterministic partner price lists (JSON and CSV) with strong ETags.

A partner's slug decides what it sells: slugs with "lab", "diagnostic", "path" or "scan" are
diagnostic centers (lab tests and health packages); any other slug is a hospital (surgery
packages per ward, room rent, procedures, consultation, a few lab tests). Amounts are rupees
as decimal strings ("1250.00"), never floats. Bumping a feed's version changes its prices.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
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

LAB_TESTS = (
    ("complete-blood-count", "Complete Blood Count (CBC)", 350),
    ("lipid-profile", "Lipid Profile", 600),
    ("hba1c", "HbA1c (Glycated Haemoglobin)", 500),
    ("thyroid-profile", "Thyroid Profile (T3, T4, TSH)", 550),
    ("vitamin-d-25-hydroxy", "Vitamin D (25-Hydroxy)", 1400),
    ("vitamin-b12", "Vitamin B12", 1100),
    ("liver-function-test", "Liver Function Test (LFT)", 700),
    ("kidney-function-test", "Kidney Function Test (KFT)", 750),
    ("fasting-blood-sugar", "Fasting Blood Sugar", 100),
    ("urine-routine", "Urine Routine and Microscopy", 200),
    ("dengue-ns1-antigen", "Dengue NS1 Antigen", 900),
    ("c-reactive-protein", "C-Reactive Protein (CRP)", 500),
    ("iron-studies", "Iron Studies", 950),
    ("psa-total", "PSA Total", 800),
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
    ("c-section-delivery", "Caesarean Section Delivery", 75000),
    ("laparoscopic-cholecystectomy", "Laparoscopic Gallbladder Removal", 80000),
    ("hernia-repair", "Inguinal Hernia Repair", 65000),
    ("appendectomy", "Laparoscopic Appendectomy", 60000),
)
PROCEDURES = (
    ("ct-scan-brain", "CT Scan Brain (plain)", 3000),
    ("mri-knee", "MRI Knee", 6500),
    ("upper-gi-endoscopy", "Upper GI Endoscopy", 3500),
    ("dialysis-session", "Haemodialysis (per session)", 2500),
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


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    content_type: str
    etag: str


def is_lab(slug: str) -> bool:
    return any(word in slug for word in _LAB_WORDS)


def feed_rows(slug: str, seed: int, version: int = 0) -> list[dict[str, Any]]:
    """The price list of partner ``slug`` (same slug, seed and version → same rows)."""
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

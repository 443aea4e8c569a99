"""Rows for partner price feeds, price packages and the lab tests each package includes.

Money is integer paise. Consultation fees come from the practices (so a practitioner's
CONSULTATION package spans their role fees); lab and procedure prices scale a typical Indian
price by city and provider price levels.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hmsdesk_graph.seed.chance import chance, round_to, stream
from hmsdesk_graph.seed.clock import DAY, HOUR, at
from hmsdesk_graph.seed.drafts import (
    CLINIC,
    HOSPITAL,
    NURSING_HOME,
    CenterDraft,
    HospitalDraft,
    World,
)
from hmsdesk_graph.seed.people import slugify
from hmsdesk_graph.seed.tables import Row, TableRows

# The sandbox serves every seeded feed; seed_database passes the configured partner URL.
DEFAULT_PARTNER_URL = "http://127.0.0.1:8100"
FEED_COLUMNS = (
    "id", "partner_id", "hospital_id", "diagnostic_center_id", "url", "format", "etag", "status",
    "last_error", "last_fetched_at",
)  # fmt: skip
PACKAGE_COLUMNS = (
    "id", "practitioner_id", "hospital_id", "diagnostic_center_id", "name", "kind", "ward",
    "setting", "procedure", "price_min_paise", "price_max_paise", "list_price_paise",
    "offer_price_paise", "currency", "approximate", "length_of_stay_days", "external_ref",
    "feed_id", "fetched_at", "valid_until", "created_at", "updated_at",
)  # fmt: skip
PACKAGE_LAB_TEST_COLUMNS = ("id", "package_id", "lab_test_id")

WARD_LABELS = {
    "GENERAL": "General Ward", "SEMI_PRIVATE": "Semi-Private Room", "PRIVATE": "Private Room",
    "DELUXE": "Deluxe Room", "ICU": "ICU",
}  # fmt: skip
FEED_VALIDITY_DAYS = 30
COLLECTED_VALIDITY_DAYS = 90


@dataclass(slots=True)
class FeedDraft:
    id: int
    partner_id: int
    hospital_id: int | None
    center_id: int | None
    url: str
    format: str
    status: str
    etag: str | None
    last_error: str | None
    fetched_at: datetime | None


@dataclass
class PriceBook:
    """Packages and links, plus the ids appointments need to reference them."""

    feeds: list[FeedDraft]
    packages: list[Row]
    lab_links: list[tuple[int, int]]  # (package id, lab test id)
    consultation_of: array[int]  # practitioner id -> CONSULTATION package id
    center_first: array[int]  # center id -> first package id
    center_count: array[int]  # center id -> number of packages
    feed_of_hospital: dict[int, FeedDraft] = field(default_factory=dict)
    feed_of_center: dict[int, FeedDraft] = field(default_factory=dict)


def _money(rupees: float) -> int:
    """Rupees rounded the way price lists are, as paise."""
    step = 10 if rupees < 1000 else 50 if rupees < 10000 else 500 if rupees < 100000 else 1000
    return round_to(rupees, step) * 100


def plan_feeds(world: World, partner_url: str = DEFAULT_PARTNER_URL) -> list[FeedDraft]:
    """The partners' price feeds, served under `partner_url`/feeds (the sandbox)."""
    base = partner_url.rstrip("/") + "/feeds"
    rng = stream(world.seed, "feeds")
    errors = world.vocab.providers.feed_errors
    feeds: list[FeedDraft] = []
    for partner in world.partners:
        entities: list[tuple[int | None, int | None, str]] = [
            (h, None, world.hospitals[h - 1].slug)
            for h in partner.hospital_ids
            if world.hospitals[h - 1].kind != CLINIC
        ]
        entities += [(None, c, world.centers[c - 1].slug) for c in partner.center_ids]
        single = len(partner.hospital_ids) + len(partner.center_ids) == 1
        for hospital_id, center_id, slug in entities:
            if not chance(rng, 0.4):
                continue
            fmt = "JSON" if chance(rng, 0.7) else "CSV"
            key = partner.slug if single else f"{partner.slug}/{slug}"
            u = rng.random()
            status = "ACTIVE" if u < 0.85 else "FAILING" if u < 0.95 else "DISABLED"
            if status == "ACTIVE":
                fetched: datetime | None = at(-rng.randint(1, 36) * HOUR)
            elif status == "FAILING":  # its prices go stale while it keeps failing
                fetched = at(-rng.randint(3, 45) * DAY)
            else:
                fetched = at(-rng.randint(60, 200) * DAY) if chance(rng, 0.5) else None
            feeds.append(
                FeedDraft(
                    id=len(feeds) + 1,
                    partner_id=partner.id,
                    hospital_id=hospital_id,
                    center_id=center_id,
                    url=f"{base}/{key}.{fmt.lower()}",
                    format=fmt,
                    status=status,
                    etag=f'"{rng.getrandbits(64):016x}"' if fetched else None,
                    last_error=rng.choice(errors) if status != "ACTIVE" else None,
                    fetched_at=fetched,
                )
            )
    return feeds


def feed_rows(book: PriceBook) -> TableRows:
    rows = (
        (f.id, f.partner_id, f.hospital_id, f.center_id, f.url, f.format, f.etag, f.status,
         f.last_error, f.fetched_at)
        for f in book.feeds
    )  # fmt: skip
    return TableRows("feed", FEED_COLUMNS, rows, len(book.feeds))


class _Builder:
    def __init__(self, world: World, feeds: list[FeedDraft]) -> None:
        self.world = world
        self.rng = stream(world.seed, "prices")
        self.rows: list[Row] = []
        self.links: list[tuple[int, int]] = []
        self.book = PriceBook(
            feeds=feeds,
            packages=self.rows,
            lab_links=self.links,
            consultation_of=array("i", [0]) * (len(world.practitioners) + 1),
            center_first=array("i", [0]) * (len(world.centers) + 1),
            center_count=array("i", [0]) * (len(world.centers) + 1),
            feed_of_hospital={f.hospital_id: f for f in feeds if f.hospital_id},
            feed_of_center={f.center_id: f for f in feeds if f.center_id},
        )

    def add(
        self,
        owner: tuple[int | None, int | None, int | None],
        name: str,
        kind: str,
        low: int,
        high: int,
        *,
        ward: str | None = None,
        setting: str | None = "OUTPATIENT",
        procedure: str | None = None,
        list_price: int | None = None,
        offer_price: int | None = None,
        approximate: bool = True,
        stay: int | None = None,
        feed: FeedDraft | None = None,
        external_ref: str | None = None,
        collected: bool = False,
    ) -> int:
        rng = self.rng
        package_id = len(self.rows) + 1
        created = at(-rng.randint(560, 900) * DAY)
        fetched: datetime | None = None
        valid: datetime | None = None
        if feed is not None:
            fetched = feed.fetched_at
            valid = fetched + timedelta(days=FEED_VALIDITY_DAYS) if fetched else None
        elif collected and chance(rng, 0.3):  # prices our team collected by phone; some stale
            fetched = at(-rng.randint(1, 200) * DAY)
            valid = fetched + timedelta(days=COLLECTED_VALIDITY_DAYS)
        updated = max(created, fetched) if fetched else created
        self.rows.append(
            (
                package_id, *owner, name, kind, ward, setting, procedure, low, max(low, high),
                list_price, offer_price, "INR", approximate, stay,
                external_ref if feed else None, feed.id if feed else None, fetched, valid,
                created, updated,
            )
        )  # fmt: skip
        return package_id

    def practitioner(self, pid: int) -> None:
        roles = [self.world.roles[r - 1] for r in self.world.practitioners[pid - 1].role_ids]
        if not roles:
            return
        owner = (pid, None, None)
        fees = [r.fee_paise for r in roles]
        low, high = min(fees), max(fees)
        self.book.consultation_of[pid] = self.add(
            owner, "Consultation", "CONSULTATION", low, high, approximate=low != high
        )
        if chance(self.rng, 0.65):
            factor = self.rng.uniform(0.5, 0.7)
            f_low, f_high = _money(low / 100 * factor), _money(high / 100 * factor)
            self.add(
                owner,
                "Follow-up consultation",
                "FOLLOW_UP",
                f_low,
                f_high,
                approximate=f_low != f_high,
            )
        videos = [r.video_fee_paise for r in roles if r.video_fee_paise]
        if videos:
            self.add(
                owner,
                "Video consultation",
                "VIDEO_CONSULTATION",
                min(videos),
                max(videos),
                approximate=False,
            )

    def hospital(self, h: HospitalDraft) -> None:
        rng = self.rng
        vocab = self.world.vocab
        owner = (None, h.id, None)
        feed = self.book.feed_of_hospital.get(h.id)
        level = h.price_level * vocab.cities[h.city].price_level
        specialty_slugs = {vocab.specialties[s - 1].slug for s in h.specialty_ids}
        offered = [
            p for p in vocab.procedures if h.kind in p.kinds and p.specialty in specialty_slugs
        ]
        wanted = {HOSPITAL: (6, 11), NURSING_HOME: (3, 5), CLINIC: (1, 3)}[h.kind]
        wards = ["GENERAL", "SEMI_PRIVATE", "PRIVATE"]
        if h.kind == HOSPITAL and h.beds >= 150 and chance(rng, 0.5):
            wards.append("DELUXE")
        for proc in rng.sample(offered, min(len(offered), rng.randint(*wanted))):
            base = proc.price * level * rng.uniform(0.85, 1.2)
            exact = chance(rng, 0.7 if feed else 0.35)
            stay: int | None = proc.stay if proc.wards != "none" else None
            targets = (
                list(wards)
                if proc.wards == "inpatient"
                else ["DAY_CARE" if proc.wards == "day_care" else ""]
            )
            for ward in targets:
                price = base * vocab.ward_multiplier.get(ward, 1.0)
                low = _money(price)
                high = low if exact else _money(price * rng.uniform(1.15, 1.45))
                list_price = offer = None
                if chance(rng, 0.15):
                    list_price, offer = _money(high / 100 * rng.uniform(1.08, 1.25)), low
                label = f" - {WARD_LABELS[ward]}" if ward in WARD_LABELS else ""
                self.add(
                    owner, proc.name + label, proc.kind, low, high, ward=ward or None,
                    setting=proc.setting, procedure=proc.slug, list_price=list_price,
                    offer_price=offer, stay=stay, feed=feed,
                    external_ref=f"PR-{proc.slug}-{ward or 'NA'}", collected=True,
                )  # fmt: skip
        if h.kind == CLINIC:
            return
        rents = [*wards, "ICU"] if h.kind == HOSPITAL else wards
        for ward in rents:
            low = _money(vocab.room_rent[ward] * level * rng.uniform(0.85, 1.2))
            self.add(
                owner, f"Room rent - {WARD_LABELS[ward]} (per day)", "ROOM_RENT", low, low,
                ward=ward, setting="INPATIENT", feed=feed, external_ref=f"RR-{ward}",
                collected=True,
            )  # fmt: skip

    def center(self, c: CenterDraft) -> None:
        rng = self.rng
        vocab = self.world.vocab
        owner = (None, None, c.id)
        feed = self.book.feed_of_center.get(c.id)
        level = c.price_level * vocab.cities[c.city].price_level
        first = len(self.rows) + 1
        prices: dict[str, int] = {}
        for test_id, test in enumerate(vocab.lab_tests, start=1):
            if (test.imaging and not c.imaging) or not chance(rng, 0.85 if test.imaging else 0.92):
                continue
            price = _money(test.price * level * rng.uniform(0.85, 1.15))
            prices[test.slug] = price
            high = (
                _money(price / 100 * rng.uniform(1.0, 1.3))
                if test.imaging and chance(rng, 0.3)
                else price
            )
            list_price = offer = None
            if chance(rng, 0.25):
                list_price, offer = _money(price / 100 * rng.uniform(1.25, 1.6)), price
            package_id = self.add(
                owner, test.name, "LAB_TEST", price, high, list_price=list_price,
                offer_price=offer, feed=feed, external_ref=f"LT-{test.slug}", collected=True,
            )  # fmt: skip
            self.links.append((package_id, test_id))
        test_ids = {t.slug: i for i, t in enumerate(vocab.lab_tests, start=1)}
        fitting = [hp for hp in vocab.health_packages if all(t in prices for t in hp.tests)]
        for hp in rng.sample(fitting, min(len(fitting), rng.randint(4, 9))):
            total = sum(prices[t] for t in hp.tests) / 100
            price = max(99, round(total * rng.uniform(0.45, 0.7) / 100) * 100 - 1) * 100
            name = f"{c.brand.name} {hp.name}" if chance(rng, 0.5) else hp.name
            list_price = offer = None
            if chance(rng, 0.6) and total * 100 > price:
                list_price, offer = int(total) * 100, price
            package_id = self.add(
                owner, name, "HEALTH_PACKAGE", price, price, list_price=list_price,
                offer_price=offer, feed=feed, external_ref=f"HP-{slugify(hp.name)}", collected=True,
            )  # fmt: skip
            self.links.extend((package_id, test_ids[t]) for t in hp.tests)
        self.book.center_first[c.id] = first
        self.book.center_count[c.id] = len(self.rows) + 1 - first


def build_prices(world: World, partner_url: str = DEFAULT_PARTNER_URL) -> PriceBook:
    """Every package of the world, in owner order: practitioners, hospitals, centers."""
    builder = _Builder(world, plan_feeds(world, partner_url))
    for p in world.practitioners:
        builder.practitioner(p.id)
    for h in world.hospitals:
        builder.hospital(h)
    for c in world.centers:
        builder.center(c)
    return builder.book


def package_rows(book: PriceBook) -> TableRows:
    return TableRows("price_package", PACKAGE_COLUMNS, iter(book.packages), len(book.packages))


def package_lab_test_rows(book: PriceBook) -> TableRows:
    def rows() -> Iterator[Row]:
        for i, (package_id, test_id) in enumerate(book.lab_links, start=1):
            yield (i, package_id, test_id)

    return TableRows(
        "package_lab_test", PACKAGE_LAB_TEST_COLUMNS, rows(), len(book.lab_links), cheap=True
    )

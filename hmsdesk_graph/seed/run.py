"""Seeding a database: decide the world, plan the visits, then stream every table to disk."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from tortoise import connections

from hmsdesk_graph.db import lab_cities, lexicon
from hmsdesk_graph.db.connection import is_postgres
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.seed import (
    facilities,
    practitioners,
    prices,
    reference,
    reviews,
    visits,
)
from hmsdesk_graph.seed.clock import set_today
from hmsdesk_graph.seed.delivery import plan_deliveries
from hmsdesk_graph.seed.derived import FacetTally
from hmsdesk_graph.seed.drafts import World
from hmsdesk_graph.seed.events import ReachEvents
from hmsdesk_graph.seed.maintenance import CONNECTION, database_is_empty
from hmsdesk_graph.seed.plan import VisitPlan, build_plan
from hmsdesk_graph.seed.prices import PriceBook
from hmsdesk_graph.seed.scale import get_scale
from hmsdesk_graph.seed.tables import TableRows
from hmsdesk_graph.seed.visits import People
from hmsdesk_graph.seed.vocabulary import load_vocabulary
from hmsdesk_graph.seed.world import build_world
from hmsdesk_graph.seed.writer import BulkWriter, PostgresWriter, SqliteWriter


@dataclass
class SeedReport:
    """What a seed run wrote: rows per table (in write order) and the wall-clock time."""

    scale: str
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    today: date | None = None  # the day the data is placed around

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def format(self) -> str:
        width = max([len("total"), *(len(t) for t in self.rows)])
        around = f" around {self.today.isoformat()}" if self.today else ""
        lines = [f"Seeded scale {self.scale!r} with seed {self.seed}{around}:"]
        lines += [f"  {table:<{width}}  {count:>11,}" for table, count in self.rows.items()]
        rate = self.total_rows / self.seconds if self.seconds > 0 else 0.0
        lines.append(
            f"  {'total':<{width}}  {self.total_rows:>11,} rows in {self.seconds:.1f} s"
            f" ({rate:,.0f} rows/s)"
        )
        return "\n".join(lines)


def _tables(
    world: World, plan: VisitPlan, book: PriceBook, people: People, cipher: FieldCipher
) -> Iterator[TableRows]:
    """Tables in foreign-key order. Lazy: each is built after the previous one was written."""
    vocab = world.vocab
    yield reference.city_rows(vocab)
    yield reference.locality_rows(world)
    yield reference.specialty_rows(vocab)
    yield reference.lab_test_rows(vocab)
    yield facilities.partner_rows(world, cipher)
    choices = practitioners.role_choices(world, plan)
    facets = FacetTally()
    yield practitioners.practitioner_rows(world, plan, choices, facets, cipher)
    yield facets.count_rows()  # counted while the practitioners were generated
    yield facets.member_rows()
    yield practitioners.practitioner_specialty_rows(world)
    yield facilities.hospital_rows(world, plan, cipher)
    yield facilities.hospital_specialty_rows(world)
    yield practitioners.role_rows(world, choices, cipher)
    yield facilities.center_rows(world, plan, book, cipher)
    yield prices.feed_rows(book)
    yield prices.package_rows(book)
    yield prices.package_lab_test_rows(book)
    yield visits.patient_rows(world, plan, people, cipher)
    yield visits.appointment_rows(world, plan, book, people, cipher)
    yield visits.slot_booking_rows(people)  # filled while the appointments were generated
    yield visits.center_slot_booking_rows(world, people)
    yield reviews.review_rows(world, plan, people)
    campaign_table, deliveries = plan_deliveries(world)
    yield campaign_table
    reach = ReachEvents(world, deliveries)
    yield reach.stat_rows()
    yield reach.event_rows()  # built after the stats were written: it expands their last days


# The migrations leave the facet counts' "built" marker in an empty database; the seed writes
# the counts of its practitioners, marker included (seed.derived).
_CLEAR = ("DELETE FROM practitioner_facet_count", "DELETE FROM practitioner_facet_member")


def _note(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr, flush=True)


async def seed_database(
    scale: str,
    seed: int,
    cipher: FieldCipher,
    progress: bool = True,
    *,
    today: date | None = None,
    partner_url: str = prices.DEFAULT_PARTNER_URL,
) -> SeedReport:
    """Fill an empty database with the deterministic data set of `scale` (see seed.scale).

    Activity is placed around `today` (default: the current UTC date): the same seed on the
    same day writes the same rows. Price feeds are registered under `partner_url`/feeds.

    Raises ValueError for an unknown scale and RuntimeError when the database is not empty.
    PostgreSQL loads everything in one transaction; SQLite commits table by table, so a
    failed SQLite run needs `reset_database()` before the next attempt.
    """
    spec = get_scale(scale)
    started = time.perf_counter()
    if not await database_is_empty():
        raise RuntimeError("the database already holds data: reset it before seeding")
    day = set_today(today)
    world = build_world(load_vocabulary().first_cities(spec.cities), spec, seed)
    plan = build_plan(world)
    book = prices.build_prices(world, partner_url)
    people = visits.name_patients(world, plan)
    _note(
        progress,
        f"planned {len(world.practitioners):,} practitioners, {plan.appointments:,} appointments,"
        f" {plan.reviews:,} reviews, {len(book.packages):,} packages"
        f" in {time.perf_counter() - started:.1f} s",
    )
    client = connections.get(CONNECTION)
    writer: BulkWriter
    if is_postgres(client):
        async with client.acquire_connection() as conn:
            async with conn.transaction():
                # One transaction: a failure leaves nothing half-seeded.
                await conn.execute("SET LOCAL statement_timeout = 0")
                # Index builds sort in memory up to this much, instead of spilling to disk.
                await conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
                for statement in _CLEAR:
                    await conn.execute(statement)
                writer = PostgresWriter(conn, progress)
                deferred = await writer.defer_indexes()
                # The link-city trigger looks up each link's owner: with the indexes deferred,
                # the links' cities are filled once, set-based, before the indexes are built.
                links = "ALTER TABLE package_lab_test {} TRIGGER " + lab_cities.INSERT_TRIGGER
                await conn.execute(links.format("DISABLE"))
                for data in _tables(world, plan, book, people, cipher):
                    await writer.write(data)
                await conn.execute(lab_cities.FILL_POSTGRES)
                await conn.execute(links.format("ENABLE"))
                await writer.restore(deferred)
                await writer.reset_sequences()
                await conn.execute(lexicon.FILL)
            async with conn.transaction():
                await conn.execute("SET LOCAL statement_timeout = 0")
                await conn.execute("ANALYZE " + ", ".join(f'"{t}"' for t in writer.written))
    else:
        for statement in _CLEAR:
            await client.execute_query(statement)
        writer = SqliteWriter(CONNECTION, progress)
        for data in _tables(world, plan, book, people, cipher):
            await writer.write(data)
        await client.execute_script("ANALYZE")
    return SeedReport(scale, seed, dict(writer.written), time.perf_counter() - started, day)

"""Applying one validated feed in ONE transaction: packages, lab tests, quarantine, run record.

Everything here runs after the fetch and the parse, so no HTTP call ever happens while the
transaction is open (on SQLite an open transaction stalls every other writer). Any failure
rolls the whole feed back: prices, links, quarantine and derived search columns together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.ingest import store
from hmsdesk_graph.ingest.plan import Owner, Plan, plan_changes
from hmsdesk_graph.ingest.quarantine import sync_quarantine
from hmsdesk_graph.ingest.rows import ParsedFeed

Finish = Callable[[BaseDBAsyncClient, Plan], Awaitable[None]]


async def apply_feed(
    feed_id: int,
    run_id: int,
    owner: Owner,
    parsed: ParsedFeed,
    now: datetime,
    finish: Finish,
) -> Plan:
    """Write ``parsed`` for feed ``feed_id``; ``finish`` records the run in the same
    transaction, so a run is either applied and recorded, or neither."""
    async with in_transaction("default") as conn:
        await store.lock_feed(conn, feed_id)
        stored = await store.load_stored(conn, feed_id)
        plan = plan_changes(parsed.rows, stored, parsed.listed_refs, owner, now)
        new_ids = await store.insert_packages(conn, feed_id, owner, plan.inserts, now)
        await store.update_packages(conn, owner, plan.updates, now)
        await store.mark_stale(conn, plan.stale_ids, now)
        cleared = [old.id for old, row in plan.updates if old.lab_test_ids != row.lab_test_ids]
        links = [(new_ids[r.external_ref], t) for r in plan.inserts for t in r.lab_test_ids]
        links += [
            (old.id, t)
            for old, row in plan.updates
            if old.lab_test_ids != row.lab_test_ids
            for t in row.lab_test_ids
        ]
        await store.replace_lab_links(conn, cleared, links)
        await sync_quarantine(conn, feed_id, run_id, plan.quarantined, now)
        # A center's search text lists the lab tests it prices (hospitals' does not): refresh
        # the feed's center when its tests change, and any center that rows moved away from.
        centers = {o.center_id for o in plan.previous_owners if o.center_id is not None}
        if (plan.lab_tests_change or plan.previous_owners) and owner.center_id is not None:
            centers.add(owner.center_id)
        if centers:
            await refresh_search_columns(center_ids=sorted(centers))
        await finish(conn, plan)
    return plan

"""Measure ingest-feeds on 100k-row feeds (JSON and CSV): a benchmark, not a test.

    .venv/bin/python -m tests.ingest.bench_100k                       # PostgreSQL on 127.0.0.1
    .venv/bin/python -m tests.ingest.bench_100k --sqlite              # a SQLite file
    .venv/bin/python -m tests.ingest.bench_100k --server postgres://postgres@127.0.0.1:5432

On PostgreSQL it creates a scratch database ``ingestwork_<random>`` and drops it afterwards.
Each format runs four scenarios: first load (100k inserts), 304, same content without the
ETag (100k compared, 0 written), and a bump (every price +4 %: most rows updated).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from hmsdesk_graph.config import Settings, load_settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.connection import close_database, open_database
from hmsdesk_graph.db.migrate import migrate_database
from hmsdesk_graph.ingest import FeedReport, ingest_feeds
from hmsdesk_graph.sandbox import start_sandbox
from hmsdesk_graph.sandbox.pricelists import LAB_TESTS, render_feed

ROWS = 100_000


async def _admin(server: str, sql: str) -> None:
    import asyncpg

    parts = urlsplit(server)
    conn = await asyncpg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        database="postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _line(label: str, feed: FeedReport) -> str:
    busy = feed.parse_s + feed.apply_s
    end_to_end = feed.rows_read / feed.seconds if feed.rows_read and feed.seconds else 0.0
    validated = feed.rows_read / busy if feed.rows_read and busy else 0.0
    return (
        f"  {label:<22} {feed.status.value:<12} read {feed.rows_read:>7,}"
        f"  ins {feed.inserted:>7,}  upd {feed.updated:>7,}  same {feed.unchanged:>7,}"
        f"  fetch {feed.fetch_s:6.2f}s  parse {feed.parse_s:6.2f}s  apply {feed.apply_s:6.2f}s"
        f"  total {feed.seconds:6.2f}s  {end_to_end:>9,.0f} rows/s end-to-end"
        f"  {validated:>9,.0f} rows/s parse+apply"
    )


async def _scenarios(settings: Settings) -> None:
    sandbox = await start_sandbox("127.0.0.1", 0)
    try:
        city = await models.City.create(slug="pune", name="Pune", state="MH", lat=18.5, lng=73.8)
        locality = await models.Locality.create(
            city=city, slug="kothrud", name="Kothrud", lat=18.5, lng=73.8, zone="west"
        )
        for slug, name, _ in LAB_TESTS:
            await models.LabTest.create(slug=slug, name=name, category="P", sample_type="Blood")
        for fmt in ("json", "csv"):
            slug = f"bench-{fmt}-lab-rows{ROWS}"
            partner = await models.Partner.create(slug=f"bench-{fmt}", name=f"Bench {fmt}")
            center = await models.DiagnosticCenter.create(
                slug=slug, name=slug, city=city, locality=locality, address="-", lat=18.5, lng=73.8
            )
            feed = await models.Feed.create(
                partner=partner,
                diagnostic_center=center,
                url=f"{sandbox.url}/feeds/{slug}.{fmt}",
                format=fmt.upper(),
            )
            # Rendering 100k rows in the (same-process) sandbox is not the ingester's time.
            for version in (0, 1):
                body = render_feed(slug, fmt, sandbox.state.seed, version).body
            print(f"{fmt.upper()} feed: {ROWS:,} rows, {len(body) / 1e6:.1f} MB")

            async def run(label: str, partner_id: int = partner.pk) -> None:
                report = await ingest_feeds(settings, partner_id, 1, io.StringIO())
                [only] = report.feeds
                print(_line(label, only), flush=True)
                assert only.error is None, only.error

            await run("first load")
            await run("unchanged (304)")
            await models.Feed.filter(id=feed.pk).update(etag=None)
            await run("same content (200)")
            sandbox.state.feed_versions[slug] = 1
            await run("bump (+4 % prices)")
    finally:
        await sandbox.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    scratch = f"ingestwork_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        if args.sqlite:
            url = f"sqlite://{Path(tmp) / 'bench.sqlite3'}"
        else:
            parts = urlsplit(args.server)
            url = urlunsplit((parts.scheme, parts.netloc, "/" + scratch, "", ""))
            await _admin(args.server, f'CREATE DATABASE "{scratch}"')
        try:
            settings = load_settings({}, env="test", database_url=url)
            await migrate_database(settings)
            await open_database(settings)
            try:
                print(f"backend: {'SQLite' if args.sqlite else 'PostgreSQL'}")
                started = time.perf_counter()
                await _scenarios(settings)
                print(f"done in {time.perf_counter() - started:.1f}s")
            finally:
                await close_database()
        finally:
            if not args.sqlite:
                await _admin(args.server, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())

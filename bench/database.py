"""The benchmark's database: where it is, creating it, migrating it and seeding it at a scale.

Migrating and seeding go through the ``hmsdesk-graph`` command line (in a subprocess), exactly as
an operator would run them, so the benchmark never depends on the seed's internals.
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from bench.server import server_environment

# Practitioners per seed scale, used to recognise a database seeded at another scale. The seed
# package is the source of truth; these are only the fallback while it cannot be imported.
_FALLBACK_SCALE_PRACTITIONERS = {"small": 2_000, "medium": 100_000, "large": 1_000_000}


class DatabaseError(RuntimeError):
    """The database cannot be prepared for the benchmark (the message says why)."""


@dataclass(frozen=True)
class DatabaseInfo:
    """What the report says about the database."""

    kind: str  # "sqlite" or "postgres"
    display_url: str  # never with a password
    scale: str
    practitioners: int
    seeded_now: bool


def scale_practitioners() -> dict[str, int]:
    """How many practitioners each seed scale writes."""
    try:
        from hmsdesk_graph.seed import SCALES
    except ImportError:
        return dict(_FALLBACK_SCALE_PRACTITIONERS)
    return {name: scale.practitioners for name, scale in SCALES.items()}


def nearest_scale(practitioners: int, scales: dict[str, int]) -> str:
    """The scale whose practitioner count is closest (by ratio) to the one found."""
    count = max(practitioners, 1)
    return min(scales, key=lambda name: abs(math.log(count / scales[name])))


def is_sqlite(url: str) -> bool:
    """True for a ``sqlite://`` URL."""
    return url.startswith("sqlite:")


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite://PATH`` URL."""
    return Path(url.removeprefix("sqlite://").split("?", 1)[0])


def display_url(url: str) -> str:
    """The URL without its password, for printing."""
    if is_sqlite(url):
        return url
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{parts.hostname}:{parts.port or 5432}{parts.path}"


def short_name(url: str) -> str:
    """The database's name (PostgreSQL) or file stem (SQLite), for file names."""
    if is_sqlite(url):
        return sqlite_path(url).stem
    return _pg_database_name(url)


def default_sqlite_url(results_dir: Path, scale: str, seed: int) -> str:
    """The benchmark's own SQLite file for a scale and seed."""
    return f"sqlite://{(results_dir / f'bench-{scale}-seed{seed}.sqlite3').resolve()}"


def remove_sqlite(url: str) -> None:
    """Delete a SQLite database and its WAL files (only for the benchmark's own file)."""
    path = sqlite_path(url)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _pg_database_name(url: str) -> str:
    name = unquote(urlsplit(url).path.lstrip("/"))
    if not name:
        raise DatabaseError(f"{display_url(url)} names no database")
    return name


async def pg_connect(url: str, database: str) -> Any:
    """An asyncpg connection to one database of the server the URL names."""
    try:
        import asyncpg
    except ImportError:
        raise DatabaseError("PostgreSQL needs asyncpg: pip install -e '.[postgres]'") from None
    parts = urlsplit(url)
    return await asyncpg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        database=database,
    )


async def _ensure_pg_database(url: str) -> bool:
    name = _pg_database_name(url)
    conn = await pg_connect(url, "postgres")
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        quoted = '"' + name.replace('"', '""') + '"'
        await conn.execute(f"CREATE DATABASE {quoted}")
        return True
    finally:
        await conn.close()


async def _count_pg_practitioners(url: str) -> int:
    conn = await pg_connect(url, _pg_database_name(url))
    try:
        if not await conn.fetchval("SELECT to_regclass('practitioner')"):
            return 0
        count: int = await conn.fetchval("SELECT count(*) FROM practitioner")
        return count
    finally:
        await conn.close()


def _count_sqlite_practitioners(url: str) -> int:
    path = sqlite_path(url)
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'practitioner'"
        ).fetchone()
        if not found:
            return 0
        count: int = conn.execute("SELECT count(*) FROM practitioner").fetchone()[0]
    return count


def ensure_exists(url: str) -> bool:
    """Create the database when missing (PostgreSQL) or its folder (SQLite); True if created."""
    if is_sqlite(url):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        return not path.exists()
    return asyncio.run(_ensure_pg_database(url))


def count_practitioners(url: str) -> int:
    """Practitioner rows in the database (0 when not even migrated)."""
    if is_sqlite(url):
        return _count_sqlite_practitioners(url)
    return asyncio.run(_count_pg_practitioners(url))


def _cli(url: str, *args: str) -> None:
    # The child's stdout goes to our stderr: the benchmark's stdout holds only the report.
    result = subprocess.run(
        [sys.executable, "-m", "hmsdesk_graph", *args],
        env=server_environment(url),
        stdin=subprocess.DEVNULL,
        stdout=sys.stderr,
        check=False,
    )
    if result.returncode != 0:
        raise DatabaseError(f"`hmsdesk-graph {' '.join(args)}` failed ({result.returncode})")


def migrate(url: str) -> None:
    """Create or upgrade the tables (``hmsdesk-graph migrate``)."""
    _cli(url, "migrate")


def seed(url: str, scale: str, seed_value: int) -> None:
    """Fill an empty database (``hmsdesk-graph seed --scale S --seed N``)."""
    _cli(url, "seed", "--scale", scale, "--seed", str(seed_value))


def prepare(
    url: str,
    scale: str,
    seed_value: int,
    *,
    reuse: bool,
    owned: bool,
    say: Callable[[str], None],
) -> DatabaseInfo:
    """Create, migrate and seed the database, or check that it can be reused as it is.

    ``owned`` marks the benchmark's own SQLite file, which is recreated when not reused; a
    database named by the user is never wiped: without ``reuse`` it must be empty.
    """
    kind = "sqlite" if is_sqlite(url) else "postgres"
    scales = scale_practitioners()
    if scale not in scales:
        raise DatabaseError(f"unknown scale {scale!r}: use one of {', '.join(scales)}")
    if owned and not reuse:
        remove_sqlite(url)
    if ensure_exists(url):
        say(f"created database {display_url(url)}")
    migrate(url)
    found = count_practitioners(url)
    if found:
        if not reuse:
            raise DatabaseError(
                f"{display_url(url)} already holds data ({found:,} practitioners): pass --reuse "
                "to benchmark it as it is, or name an empty database"
            )
        at = nearest_scale(found, scales)
        if at != scale:
            raise DatabaseError(
                f"{display_url(url)} holds {found:,} practitioners, which is the {at!r} scale, "
                f"not {scale!r}: pass --scale {at} or name another database"
            )
        say(f"reusing {display_url(url)}: {found:,} practitioners ({scale} scale)")
        return DatabaseInfo(kind, display_url(url), scale, found, seeded_now=False)
    say(f"seeding {display_url(url)} at scale {scale} (seed {seed_value}) …")
    seed(url, scale, seed_value)
    found = count_practitioners(url)
    return DatabaseInfo(kind, display_url(url), scale, found, seeded_now=True)

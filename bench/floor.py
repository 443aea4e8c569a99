"""The floor: the search-list screen answered by one SQL statement, to measure the API against.

``python -m bench.floor --database-url postgres://… --port N`` serves ``POST /graphql`` for the
``searchList`` operation only (city, specialty, first; most experienced first). PostgreSQL builds
the whole answer (``json_agg`` / ``json_build_object``) in a single statement and the server
returns its text untouched: no ORM, no GraphQL, no Python objects per card. Whatever the API
costs beyond this is the price of its layers, which is what the benchmark's ratio shows.

The answer holds exactly what ``schema/operations/searchList.graphql`` selects, with the
project's value formats (rupees as two-decimal strings, the mean rating rounded half up to two
decimals, global IDs as unpadded base64url of ``Practitioner:<pk>``), so the benchmark can
check that both answers are equal before it trusts a ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.counting import COUNTER_DIR_ENV, FileCounter

OPERATION = "searchList"
DEFAULT_FIRST = 20
MAX_FIRST = 100

_RUPEES = "(({paise})::numeric / 100)::numeric(14, 2)::text"

# $1 city slug, $2 specialty slug, $3 page size. The same filters and order as the project's
# search for `filter: {specialties: [..]}, sort: EXPERIENCE` (practising_since, then id).
SEARCH_LIST_SQL = f"""
WITH page AS (
  SELECT t.id, t.slug, t.name, t.practising_since
  FROM practitioner t
  WHERE t.city_id = (SELECT c.id FROM city c WHERE c.slug = $1)
    AND t.status = 'ACTIVE'
    AND EXISTS (
      SELECT 1 FROM practitioner_specialty ps JOIN specialty s ON s.id = ps.specialty_id
      WHERE ps.practitioner_id = t.id AND s.slug = $2)
  ORDER BY t.practising_since, t.id
  LIMIT $3
)
SELECT json_build_object(
  'data', json_build_object('searchPractitioners', json_build_object('edges', COALESCE(
    json_agg(json_build_object(
      'sponsored', false,
      'node', json_build_object(
        'id', rtrim(translate(encode(convert_to('Practitioner:' || p.id, 'UTF8'), 'base64'),
                              '+/', '-_'), '='),
        'slug', p.slug,
        'name', p.name,
        'experienceYears',
          GREATEST(0, EXTRACT(YEAR FROM now() AT TIME ZONE 'UTC')::int - p.practising_since),
        'practices', (
          SELECT COALESCE(json_agg(json_build_object(
            'fees', json_build_object(
              'consultation', {_RUPEES.format(paise="r.consultation_fee_paise")},
              'currency', 'INR'),
            'hospital', json_build_object(
              'name', h.name,
              'locality', CASE WHEN l.id IS NULL THEN NULL
                               ELSE json_build_object('name', l.name) END))
            ORDER BY r.consultation_fee_paise, r.id), '[]'::json)
          FROM practitioner_role r
          JOIN hospital h ON h.id = r.hospital_id
          LEFT JOIN locality l ON l.id = h.locality_id
          WHERE r.practitioner_id = p.id),
        'pricePackages', (
          SELECT COALESCE(json_agg(json_build_object(
            'name', pp.name,
            'price', json_build_object(
              'min', {_RUPEES.format(paise="pp.price_min_paise")},
              'max', {_RUPEES.format(paise="pp.price_max_paise")},
              'currency', pp.currency))
            ORDER BY pp.price_min_paise, pp.id), '[]'::json)
          FROM (SELECT * FROM price_package x WHERE x.practitioner_id = p.id
                ORDER BY x.price_min_paise, x.id LIMIT 3) pp),
        'reviewSummary', (
          SELECT json_build_object(
            'count', COUNT(*),
            'average', CASE WHEN COUNT(*) > 0
                            THEN round(SUM(rv.rating)::numeric / COUNT(*), 2)::text END)
          FROM review rv WHERE rv.practitioner_id = p.id AND rv.status = 'PUBLISHED')
      ))
    ORDER BY p.practising_since, p.id), '[]'::json))),
  'extensions', json_build_object('sqlStatements', 1)
)::text AS answer
FROM page p
"""


class FloorRequestError(ValueError):
    """A request the floor cannot answer (it knows one operation only)."""


def parse_request(body: bytes) -> tuple[str, str, int]:
    """City, specialty and page size of a ``searchList`` request body."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise FloorRequestError("the body is not JSON") from None
    if not isinstance(payload, dict) or payload.get("operationName") != OPERATION:
        raise FloorRequestError(f"the floor answers {OPERATION} only")
    variables = payload.get("variables") or {}
    city, specialty = variables.get("city"), variables.get("specialty")
    first = variables.get("first", DEFAULT_FIRST)
    if variables.get("sort", "EXPERIENCE") != "EXPERIENCE":
        raise FloorRequestError("the floor sorts by EXPERIENCE only")
    if not isinstance(city, str) or not isinstance(specialty, str):
        raise FloorRequestError("city and specialty are required")
    if not isinstance(first, int) or not 1 <= first <= MAX_FIRST:
        raise FloorRequestError(f"first must be 1 to {MAX_FIRST}")
    return city, specialty, first


def _error(message: str, status: int = 400) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def create_app(database_url: str, pool_size: int) -> Starlette:
    """The floor's ASGI app: one pool, one statement per request."""
    import asyncpg

    parts = urlsplit(database_url)
    state: dict[str, Any] = {}
    directory = os.environ.get(COUNTER_DIR_ENV)
    counter = FileCounter(Path(directory)) if directory else None

    async def no_reset(_connection: Any) -> None:
        """The same pool setting as the project's (no reset round trip per query)."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or "") or None,
            database=unquote(parts.path.lstrip("/")) or "postgres",
            min_size=1,
            max_size=pool_size,
            reset=no_reset,
            server_settings={"application_name": "hmsdesk-bench-floor", "jit": "off"},
        )
        try:
            yield
        finally:
            await state["pool"].close()

    async def graphql(request: Request) -> Response:
        try:
            city, specialty, first = parse_request(await request.body())
        except FloorRequestError as exc:
            return _error(str(exc))
        if counter is not None:
            counter.add()
        answer: str = await state["pool"].fetchval(SEARCH_LIST_SQL, city, specialty, first)
        return Response(answer, media_type="application/json")

    async def ready(_request: Request) -> Response:
        return Response(b"ok" if "pool" in state else b"starting", 200 if "pool" in state else 503)

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/readyz", ready)],
        lifespan=lifespan,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the floor on 127.0.0.1 until stopped."""
    import uvicorn

    p = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    p.add_argument("--database-url", required=True, help="postgres://user@host:port/db")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pool-size", type=int, default=32)
    args = p.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        print("error: the floor runs on PostgreSQL only", file=sys.stderr)
        return 2
    app = create_app(args.database_url, args.pool_size)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def organic_edges(payload: Any) -> list[Any] | None:
    """The answer's edges without the sponsored ones (the floor lists organic cards only)."""
    try:
        edges = payload["data"]["searchPractitioners"]["edges"]
    except (KeyError, TypeError):
        return None
    if not isinstance(edges, list):
        return None
    return [e for e in edges if not (isinstance(e, dict) and e.get("sponsored"))]


def _first_difference(a: Any, b: Any, path: str) -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            if key not in a or key not in b:
                return f"{path}.{key} is missing on one side"
            found = _first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path} holds {len(a)} items in the project's answer, {len(b)} in the floor's"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    # Values are named by path only: the report never prints the data itself.
    return None if a == b else f"{path} differs"


def compare_answers(project: Any, floor: Any) -> str | None:
    """None when the floor's cards equal the project's organic cards, else the first difference."""
    mine, theirs = organic_edges(project), organic_edges(floor)
    if mine is None:
        return "the project's answer holds no searchPractitioners.edges"
    if theirs is None:
        return "the floor's answer holds no searchPractitioners.edges"
    if not mine:
        return "the project's answer holds no organic card: nothing to compare"
    return _first_difference(mine, theirs, "edges")

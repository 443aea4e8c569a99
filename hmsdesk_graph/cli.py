"""The `hmsdesk-graph` command line: wiring only, no business logic."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from hmsdesk_graph.config import ConfigError, Settings, load_settings
from hmsdesk_graph.errors import HmsdeskError

if TYPE_CHECKING:
    from hmsdesk_graph.identity.auth import Viewer

logger = logging.getLogger("hmsdesk_graph.cli")


def _configure_logging(settings: Settings) -> None:
    from hmsdesk_graph.ops.logs import configure_logging

    configure_logging(settings)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# --- migrate / seed / demo -------------------------------------------------------------------


async def _migrate(settings: Settings, target: str | None = None) -> None:
    from hmsdesk_graph.db.migrate import migrate_database

    _say(f"migrating {_describe_db(settings)} …")
    await migrate_database(settings, target=target, progress=lambda line: _say("  " + line))
    _say("database is up to date")


async def _seed(
    settings: Settings,
    scale: str,
    seed: int,
    reset: bool,
    only_if_empty: bool,
    today: date | None = None,
) -> int:
    from hmsdesk_graph.db.connection import close_database, open_database, write_connection
    from hmsdesk_graph.db.crypto import FieldCipher
    from hmsdesk_graph.seed import database_is_empty, reset_database, seed_database

    await open_database(settings)
    try:
        if not await database_is_empty():
            if only_if_empty:
                _say("database already has data: not seeding")
                return 0
            if not reset:
                _say(
                    "refusing to seed: the database is not empty (use --reset to replace its data)"
                )
                return 1
            _say("deleting existing data (--reset) …")
            await reset_database()
        # Feeds point at the configured partner service (the sandbox in a demo), on any port.
        report = await seed_database(
            scale,
            seed,
            FieldCipher(settings.field_encryption_key),
            progress=True,
            today=today,
            partner_url=settings.practice_url,
        )
        _say(report.format())
        # The search columns and facet counts were written with the rows (seed.derived): no
        # refresh_search_columns pass (one UPDATE per row) is needed after a seed.
        from hmsdesk_graph.shared.cache_policy import Tag
        from hmsdesk_graph.shared.tag_versions import bump

        await bump([Tag.ALL])  # servers already running forget every cached answer
        if not settings.is_sqlite:
            # Sets the visibility map too, so the search's index-only scans skip the heap.
            _say("VACUUM ANALYZE …")
            await write_connection().execute_script("VACUUM ANALYZE")
        return 0
    finally:
        await close_database()


async def _rollup(settings: Settings, first: str | None, last: str | None) -> int:
    from hmsdesk_graph.db.connection import close_database, open_database
    from hmsdesk_graph.workers.rollup import rollup

    try:
        days = [date.fromisoformat(d) if d else None for d in (first, last)]
    except ValueError:
        _say("error: --from and --to take dates as YYYY-MM-DD")
        return 2
    await open_database(settings)
    try:
        _say((await rollup(days[0], days[1])).format())
        return 0
    finally:
        await close_database()


def _describe_db(settings: Settings) -> str:
    if settings.is_sqlite:
        return settings.database_url
    # Never print a password.
    from urllib.parse import urlsplit

    parts = urlsplit(settings.database_url)
    return f"postgres://{parts.hostname}:{parts.port or 5432}{parts.path}"


def _serve(settings: Settings, host: str, port: int, workers: int) -> int:
    import uvicorn

    from hmsdesk_graph.ops.logs import log_config

    if workers > 1 and settings.is_sqlite:
        _say(
            "refusing --workers > 1 on SQLite: it has a single writer; "
            "use PostgreSQL (HMSDESK_DATABASE_URL) to run several workers"
        )
        return 2
    _say(f"serving http://{host}:{port}/graphql on {_describe_db(settings)}")
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": settings.log_level.lower(),
        "log_config": log_config(settings),  # JSON lines in production, in every worker
        "access_log": False,  # ours never logs query strings (GraphQL variables)
        # X-Forwarded-For is ours to judge (HMSDESK_TRUSTED_PROXIES), not uvicorn's.
        "proxy_headers": False,
    }
    if workers > 1:
        # Each worker process builds its own app from the factory.
        uvicorn.run("hmsdesk_graph.app:create_app", factory=True, workers=workers, **options)
    else:
        from hmsdesk_graph.app import create_app

        uvicorn.run(create_app(settings), **options)
    return 0


# --- query / export-schema --------------------------------------------------------------------


def _query_viewer(settings: Settings, token: str | None, purpose: str | None) -> Viewer:
    """Who runs an ad-hoc query: the same token and purpose rules as an HTTP request."""
    from hmsdesk_graph.identity.auth import (
        ANONYMOUS,
        PURPOSE_HEADER,
        TokenService,
        viewer_from_headers,
    )

    if not token:
        return ANONYMOUS
    if token.startswith("@"):  # a file: keeps the token out of `ps` and shell history
        token = Path(token[1:]).read_text(encoding="utf-8").strip()
    headers = {"authorization": f"Bearer {token}", PURPOSE_HEADER: purpose or ""}
    return viewer_from_headers(headers, TokenService(settings))


async def _query(
    settings: Settings,
    document: str,
    variables: dict[str, Any] | None,
    fmt: str,
    viewer: Viewer | None = None,
) -> int:
    from hmsdesk_graph.api.error_format import format_error
    from hmsdesk_graph.api.root import build_schema
    from hmsdesk_graph.context import Context
    from hmsdesk_graph.db.connection import close_database, open_database

    schema = build_schema(settings)
    await open_database(settings)
    try:
        context = Context.for_settings(settings)
        if viewer is not None:
            context.viewer = viewer
        context.audit.operation = "cli"
        result = await schema.execute(document, variable_values=variables, context_value=context)
        # As over HTTP: personal data read without its audit record is never printed.
        await context.audit.flush()
    finally:
        await close_database()
    errors = [format_error(e) for e in result.errors or []]
    if fmt == "csv" and result.data is not None and not errors:
        from hmsdesk_graph.ops.csv_rows import csv_table

        try:
            table = csv_table(result.data)
        except ValueError as exc:
            _say(f"error: {exc}")
            return 2
        if table.left_out:
            _say(f"csv: left out {', '.join(table.left_out)} (not per row; --format json has them)")
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=table.columns, restval="")
        writer.writeheader()
        writer.writerows(table.rows)
        sys.stdout.write(buffer.getvalue())
        return 0
    body: dict[str, Any] = {"data": result.data}
    if errors:
        body["errors"] = errors
    sys.stdout.write(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 1 if errors else 0


def persisted_operations_json(operations_dir: str | None = None) -> str:
    """The persisted-operations manifest of the committed operations (schema/operations)."""
    from hmsdesk_graph.api.root import build_schema
    from hmsdesk_graph.http.persisted import build_manifest, manifest_json
    from hmsdesk_graph.ops.metrics import default_operations_dir

    directory = Path(operations_dir) if operations_dir else default_operations_dir()
    schema = build_schema()._schema
    return manifest_json(build_manifest(directory, schema))


def export_schema_sdl() -> str:
    """The SDL of the schema, as committed in schema/schema.graphql."""
    from hmsdesk_graph.api.root import build_schema

    return build_schema().as_str() + "\n"


async def _ingest(settings: Settings, args: argparse.Namespace) -> int:
    from hmsdesk_graph.db.connection import close_database, open_database
    from hmsdesk_graph.ingest import ingest_feeds, ingest_forever, parse_every

    if not 1 <= args.concurrency <= 64:
        _say("error: --concurrency must be 1 to 64")
        return 2
    try:
        every = parse_every(args.every) if args.every else None
    except ValueError as exc:
        _say(f"error: {exc}")
        return 2
    await open_database(settings)
    try:
        if every is not None:
            await ingest_forever(settings, every, args.partner, args.concurrency)
            return 0
        report = await ingest_feeds(settings, args.partner, args.concurrency)
    finally:
        await close_database()
    sys.stdout.write(report.format() + "\n")
    return 0 if report.ok else 1


async def _send_messages(settings: Settings) -> int:
    from hmsdesk_graph.db.connection import close_database, open_database
    from hmsdesk_graph.upstream import Upstreams
    from hmsdesk_graph.workers.outbox import send_due_messages

    await open_database(settings)
    try:
        async with await Upstreams.open(settings) as upstreams:
            report = await send_due_messages(upstreams)
    finally:
        await close_database()
    _say(f"messages: {report.sent} sent, {report.retrying} to retry, {report.failed} failed")
    return 0


async def _publish_reviews(settings: Settings) -> int:
    from datetime import timedelta

    from hmsdesk_graph.db.connection import close_database, open_database
    from hmsdesk_graph.workers.review_publishing import publish_due_reviews

    await open_database(settings)
    try:
        report = await publish_due_reviews(timedelta(hours=settings.review_reply_window_h))
    finally:
        await close_database()
    sys.stdout.write(report.format() + "\n")
    return 0


def _token(settings: Settings, args: argparse.Namespace) -> int:
    from hmsdesk_graph.identity.auth import Role, TokenService

    if settings.is_production:
        _say("refusing to mint tokens in production: tokens come from the identity provider")
        return 2
    role = Role(args.role)
    if role is Role.PATIENT and args.patient is None:
        _say("error: --role PATIENT needs --patient ID")
        return 2
    if role is Role.PARTNER and args.partner is None:
        _say("error: --role PARTNER needs --partner ID")
        return 2
    token = TokenService(settings).mint(
        role,
        subject=args.subject,
        patient_id=args.patient if role is Role.PATIENT else None,
        partner_id=args.partner if role is Role.PARTNER else None,
        ttl_s=args.ttl,
    )
    sys.stdout.write(token + "\n")
    return 0


# --- argument parsing ---------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    from hmsdesk_graph.seed.scale import SCALES  # a plain table: no seed machinery imported

    parser = argparse.ArgumentParser(
        prog="hmsdesk-graph", description="HMSDESK Graph: the GraphQL API of HMSDESK."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)

    demo = sub.add_parser("demo", help="migrate, seed small demo data when empty, and serve")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)

    migrate = sub.add_parser(
        "migrate", help="create or upgrade the database in place (never drops data)"
    )
    migrate.add_argument("--to", help="stop after this migration (e.g. 0002_search_columns)")

    seed = sub.add_parser("seed", help="fill the database with deterministic demo data")
    seed.add_argument("--scale", choices=list(SCALES), default="small")
    seed.add_argument("--seed", type=int, default=42)
    seed.add_argument("--reset", action="store_true", help="delete existing data first")
    seed.add_argument(
        "--today", help="place the data around this day, YYYY-MM-DD (default: today, UTC)"
    )

    rollup = sub.add_parser(
        "rollup", help="recompute Reach daily stats from the stored listing events (idempotent)"
    )
    rollup.add_argument("--from", dest="first", help="first IST day (default: oldest event)")
    rollup.add_argument("--to", dest="last", help="last IST day (default: newest event)")

    query = sub.add_parser("query", help="run one GraphQL operation in-process")
    query.add_argument("file", nargs="?", help="a .graphql file (or - for standard input)")
    query.add_argument("-e", "--execute", help="the operation text")
    query.add_argument("--variables", help="variables as a JSON object")
    query.add_argument("--format", choices=["json", "csv"], default="json")
    query.add_argument("--token", help="run as this bearer token's viewer (@FILE reads a file)")
    query.add_argument("--purpose", help="staff: why personal data is read (audited)")

    sub.add_parser("export-schema", help="print the schema SDL")
    persisted = sub.add_parser(
        "persisted-operations",
        help="print the persisted-operations manifest (sha256 ids) of schema/operations",
    )
    persisted.add_argument("--operations-dir", help="default: schema/operations")

    token = sub.add_parser("token", help="mint a development bearer token (not in production)")
    token.add_argument("--role", required=True, choices=["PATIENT", "PARTNER", "INTERNAL", "ADMIN"])
    token.add_argument("--patient", type=int, help="patient id (PATIENT)")
    token.add_argument("--partner", type=int, help="partner id (PARTNER)")
    token.add_argument("--subject", help="who the token names (staff)")
    token.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")

    sub.add_parser("send-messages", help="send queued feedback requests that are due, once")
    sub.add_parser("publish-reviews", help="publish reviews whose reply window has passed, once")

    ingest = sub.add_parser("ingest-feeds", help="fetch, validate and apply partner price feeds")
    ingest.add_argument("--partner", type=int, help="only this partner's feeds")
    ingest.add_argument("--concurrency", type=int, default=4, help="feeds fetched at once")
    ingest.add_argument("--every", help="repeat at this interval, e.g. 15m (Ctrl-C stops)")

    sandbox = sub.add_parser(
        "partner-sandbox", help="run a fake of the partner services (demo and tests)"
    )
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8100)
    sandbox.add_argument("--seed", type=int, default=42)
    sandbox.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="ROUTE.KNOB=VALUE",
        help="e.g. slots.latency_ms=800, all.error_rate=0.2 (repeatable)",
    )
    return parser


def _read_document(args: argparse.Namespace) -> str:
    if args.execute:
        return str(args.execute)
    if not args.file:
        raise ValueError("give a FILE or -e 'query { … }'")
    if args.file == "-":
        return sys.stdin.read()
    path = Path(args.file)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return path.read_text(encoding="utf-8")


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    args = _parser().parse_args(argv)
    if args.command == "export-schema":
        sys.stdout.write(export_schema_sdl())
        return 0
    if args.command == "persisted-operations":
        try:
            sys.stdout.write(persisted_operations_json(args.operations_dir))
        except (OSError, ValueError) as exc:
            _say(f"error: {exc}")
            return 2
        return 0
    if args.command == "partner-sandbox":
        from hmsdesk_graph.sandbox import Faults, run_sandbox

        try:
            faults = Faults.from_specs(args.fault)
        except ValueError as exc:
            _say(f"error: {exc}")
            return 2
        run_sandbox(args.host, args.port, faults, seed=args.seed)
        return 0
    try:
        settings = load_settings()
    except ConfigError as exc:
        _say(f"configuration error: {exc}")
        return 2
    _configure_logging(settings)
    if args.command == "migrate":
        asyncio.run(_migrate(settings, args.to))
        return 0
    if args.command == "seed":
        try:
            today = date.fromisoformat(args.today) if args.today else None
        except ValueError:
            _say("error: --today takes a date as YYYY-MM-DD")
            return 2
        asyncio.run(_migrate(settings))
        # Bulk loads and VACUUM run for minutes: the request statement timeout does not apply.
        bulk = replace(settings, statement_timeout_ms=0)
        return asyncio.run(
            _seed(bulk, args.scale, args.seed, args.reset, only_if_empty=False, today=today)
        )
    if args.command == "demo":
        asyncio.run(_migrate(settings))
        bulk = replace(settings, statement_timeout_ms=0)
        status = asyncio.run(_seed(bulk, "small", 42, reset=False, only_if_empty=True))
        return status or _serve(settings, args.host, args.port, 1)
    if args.command == "rollup":
        return asyncio.run(_rollup(settings, args.first, args.last))
    if args.command == "serve":
        return _serve(settings, args.host, args.port, args.workers)
    if args.command == "ingest-feeds":
        return asyncio.run(_ingest(settings, args))
    if args.command == "send-messages":
        return asyncio.run(_send_messages(settings))
    if args.command == "publish-reviews":
        return asyncio.run(_publish_reviews(settings))
    if args.command == "token":
        return _token(settings, args)
    if args.command == "query":
        try:
            document = _read_document(args)
            variables = orjson.loads(args.variables) if args.variables else None
        except (ValueError, orjson.JSONDecodeError) as exc:
            _say(f"error: {exc}")
            return 2
        if variables is not None and not isinstance(variables, dict):
            _say("error: --variables must be a JSON object")
            return 2
        try:
            viewer = _query_viewer(settings, args.token, args.purpose)
        except (HmsdeskError, OSError) as exc:
            _say(f"error: --token: {getattr(exc, 'message', None) or type(exc).__name__}")
            return 2
        return asyncio.run(_query(settings, document, variables, args.format, viewer))
    raise AssertionError(args.command)


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
